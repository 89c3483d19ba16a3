//! The disk fills up (here: the process's file-size limit, which fails writes the way a full
//! disk does, without root): webhooks are answered 503 so Meta delivers them again, nothing is
//! acknowledged that is not stored, `/readyz` says so, and once there is room again loket takes
//! webhooks again with everything acknowledged before still there. One test per binary: the
//! limit is the whole process's.

#[path = "api/helpers.rs"]
#[allow(dead_code, unused_imports)]
mod helpers;

use std::time::Duration;

use helpers::*;

fn set_file_size_limit(bytes: Option<u64>) {
    let soft = bytes.unwrap_or(libc::RLIM_INFINITY);
    // SAFETY: plain setrlimit/getrlimit on this process; lowering the soft limit, or raising it
    // back up to the hard limit, is always allowed.
    unsafe {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit), 0);
        limit.rlim_cur = soft;
        assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
    }
}

fn largest_file(dir: &std::path::Path) -> u64 {
    let mut largest = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        largest = largest.max(if meta.is_dir() {
            largest_file(&entry.path())
        } else {
            meta.len()
        });
    }
    largest
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gets_503_and_loket_takes_webhooks_again_when_there_is_room() {
    // SAFETY: ignoring SIGXFSZ only turns "killed" into "the write fails" (as main.rs does).
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let app = spawn_app_with(Options::without_read_receipts()).await;
    let mut acknowledged = Vec::new();
    for n in 0..20 {
        let wamid = format!("wamid.before.{n}");
        let body = text_body(&wamid, &format!("62857009{n:05}"), now(), "halo");
        assert_eq!(app.post_signed(&body).await.status(), 200);
        acknowledged.push(wamid);
    }

    // The disk is full: no file may grow.
    let data = app.store.dir().to_path_buf();
    set_file_size_limit(Some(largest_file(&data)));
    let mut refused = Vec::new();
    let mut unhealthy = false;
    for n in 0..400 {
        let wamid = format!("wamid.full.{n}");
        let body = text_body(
            &wamid,
            &format!("62857008{n:05}"),
            now(),
            &"halo ".repeat(100),
        );
        let signature = loket::channel::signature::sign(APP_SECRET.as_bytes(), &body);
        let sent = app
            .client
            .post(format!("{}/webhook", app.address))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", signature)
            .body(body.clone())
            .send()
            .await;
        match sent.map(|r| r.status().as_u16()) {
            Ok(200) => acknowledged.push(wamid),
            // 503 while the store fails; no answer once loket has stopped: Meta retries both.
            Ok(503) | Err(_) => {
                if !unhealthy
                    && let Ok(health) = app
                        .client
                        .get(format!("{}/healthz", app.address))
                        .send()
                        .await
                {
                    unhealthy = health.status() == 503;
                }
                refused.push((wamid, body));
            }
            Ok(other) => panic!("a full disk answered {other}"),
        }
    }
    assert!(
        !refused.is_empty(),
        "the store kept taking writes past the limit"
    );
    assert!(
        unhealthy,
        "/healthz said the store had failed before loket stopped"
    );

    // sled keeps the IO error for good: loket stops, with the reason, so its service manager
    // starts it again; with room again, the store reopens and Meta's retries are taken.
    let (ended, folder) = app.ended_by_itself(Duration::from_secs(30)).await;
    let reason = format!("{:#}", ended.expect_err("stopped with an error"));
    assert!(reason.contains("could not make writes durable"), "{reason}");
    set_file_size_limit(None);
    let app = spawn_app_with(Options {
        data_dir: Some(data.clone()),
        ..Options::without_read_receipts()
    })
    .await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    for (wamid, body) in &refused {
        assert_eq!(app.post_signed(body).await.status(), 200, "{wamid}");
        acknowledged.push(wamid.clone());
    }
    for wamid in &acknowledged {
        let wamid = wamid.clone();
        app.eventually("every acknowledged message is handled, once", move |app| {
            app.store
                .processed(&wamid)
                .unwrap()
                .is_some_and(|p| p.times == 1)
        })
        .await;
    }
    app.stop().await;
    drop(folder);
}
