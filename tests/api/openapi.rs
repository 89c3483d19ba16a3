//! The OpenAPI document of `/api/v1`: served without a session, it names every route the
//! officers' integrations rely on, and each documented operation answers 401 (as JSON)
//! without a session rather than anything else.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_each_needs_a_session() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/api/v1/openapi.json", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/requests", "get"),
        ("/api/v1/requests/{number}", "get"),
        ("/api/v1/requests/{number}/approve", "post"),
        ("/api/v1/requests/{number}/return", "post"),
        ("/api/v1/requests/{number}/reject", "post"),
        ("/api/v1/requests/{number}/printed", "post"),
        ("/api/v1/escalations", "get"),
        ("/api/v1/escalations/{id}/claim", "post"),
        ("/api/v1/escalations/{id}/messages", "post"),
        ("/api/v1/escalations/{id}/hand-back", "post"),
        ("/api/v1/notices", "post"),
        ("/api/v1/session", "post"),
        ("/api/v1/walk-ins", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} undocumented"
        );
    }
    // Every documented operation but signing in refuses a caller without a session.
    let mut checked = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            if path == "/api/v1/session" && method == "post" {
                continue;
            }
            let url = format!(
                "{}{}",
                app.address,
                path.replace("{number}", "KIA-6371-261130-0001")
                    .replace("{id}", "1")
                    .replace("{name}", "siti")
            );
            let request = match method.as_str() {
                "get" => app.client.get(&url),
                "post" => app.client.post(&url).json(&serde_json::json!({})),
                "delete" => app.client.delete(&url),
                other => panic!("undocumented method {other}"),
            };
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{method} {path}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized", "{method} {path}");
            checked += 1;
        }
    }
    assert!(checked >= 24, "{checked} operations");
    let page = app
        .client
        .get(format!("{}/api/v1/docs", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("/api/v1/openapi.json"));
    app.stop().await;
}

/// Schemathesis against the running API, as a supervisor, with a filed request in the store:
/// no answer is a 5xx, every status and body matches the document, and a method a path does
/// not have gets 405 with `Allow`. `./test.sh` installs schemathesis (`LOKET_SCHEMATHESIS`).
/// Positive-data acceptance is not checked: valid-looking data is refused by rules the
/// document cannot state (a NIK's checks, a template's parameter count).
#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let Ok(schemathesis) = std::env::var("LOKET_SCHEMATHESIS") else {
        panic!("LOKET_SCHEMATHESIS is not set: run ./test.sh, which installs schemathesis");
    };
    let app = spawn_app().await;
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24);
    loket_testkit::requests::seed(&app.store, 20, start).await;
    app.add_account("kepala", loket::domain::account::Role::Supervisor);
    let token = app.token("kepala").await;
    let url = format!("{}/api/v1/openapi.json", app.address);
    let output = tokio::process::Command::new(&schemathesis)
        .args([
            "run",
            &url,
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,unsupported_method",
            "--max-examples",
            "25",
            "--seed",
            "20261130",
            // Signing out would end the run's own session halfway.
            "--exclude-path",
            "/api/v1/session",
            "--no-color",
        ])
        .output()
        .await
        .expect("schemathesis runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    app.stop().await;
}
