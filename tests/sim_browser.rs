//! End-to-end tests of the WhatsApp simulator in a real headless browser: loket runs in
//! simulator mode on a random port, Debian's chromium is driven through chromium-driver
//! (WebDriver, with fantoccini), and a parent chats on `/sim` as a person would.
//!
//! The tests follow the conversation by what they read: wait for a bubble of loket containing a
//! phrase, then tap a button (or list row) by its title, type an answer or send a sample photo.
//! A change of wording in flows/*.toml breaks them only where a phrase below is gone.
//!
//! The last test needs no browser: in production mode the simulator's routes do not exist.
//!
//! Needs chromium and chromium-driver, which `./test.sh` installs. `LOKET_SKIP_BROWSER_TESTS=1`
//! skips them (say so when you do). Screenshots go to `target/sim-screenshots/`; with
//! `LOKET_UPDATE_SCREENSHOT=1` the happy path also refreshes `docs/simulator.png`.

use loket_testkit::loopback::free_port;

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{Client, ClientBuilder, Locator, error::CmdError};
use loket::{
    app::Application,
    config::{Mode, Settings},
};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long one step may take: a reply includes the lane debounce and photo checks.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

// ---- loket in simulator mode -----------------------------------------------------------------

struct Loket {
    base: String,
    store: loket::store::Store,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _data: tempfile::TempDir,
}

async fn spawn_loket() -> Loket {
    let data = tempfile::tempdir().unwrap();
    // No WA_ACCESS_TOKEN: simulator mode, exactly as on a fresh machine.
    let env = [
        ("LOKET_BIND", "127.0.0.1:0".to_string()),
        ("LOKET_DATA_DIR", data.path().display().to_string()),
        ("LOKET_LANE_DEBOUNCE_MS", "200".to_string()),
        // Cards go out when a test makes the manifest, not when the clock passes 07:00.
        ("LOKET_AUTO_MANIFESTS", "false".to_string()),
    ];
    let settings = Settings::from_lookup(|k| {
        env.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    assert_eq!(settings.mode, Mode::Simulator);
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let store = app.store().clone();
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    Loket {
        base,
        store,
        handle,
        task,
        _data: data,
    }
}

impl Loket {
    /// An account with the tests' password, `kata-sandi-panjang`.
    fn add_account(&self, name: &str, role: loket::domain::account::Role) {
        loket::desk::accounts::add_account(
            &self.store,
            "test",
            name,
            role,
            "kata-sandi-panjang",
            jiff::Timestamp::now(),
        )
        .unwrap();
    }

    async fn stop(self) {
        // Not graceful: the page's long polls would hold a graceful stop for seconds.
        self.handle.stop(false).await;
        let _ = tokio::time::timeout(Duration::from_secs(30), self.task).await;
    }
}

// ---- the browser -----------------------------------------------------------------------------

struct Browser {
    client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver leads its own process group (chromium included): end that group, by id.
        // The `--` matters: procps reads `kill -KILL -20337` as signal 20337... or group 2.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn skip() -> bool {
    if std::env::var_os("LOKET_SKIP_BROWSER_TESTS").is_some() {
        eprintln!("LOKET_SKIP_BROWSER_TESTS is set: browser test skipped");
        return true;
    }
    for binary in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(binary).exists(),
            "{binary} is missing: ./test.sh installs it (or apt-get install chromium \
             chromium-driver; LOKET_SKIP_BROWSER_TESTS=1 skips the browser tests)"
        );
    }
    false
}

async fn start_browser() -> Browser {
    start_browser_sized(false).await
}

/// A desktop browser, 1366x768: how officers use the console.
async fn start_desktop_browser() -> Browser {
    start_browser_sized(true).await
}

async fn start_browser_sized(desktop: bool) -> Browser {
    use std::os::unix::process::CommandExt;
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ready = match http.get(format!("{url}/status")).send().await {
            Ok(r) => r
                .json::<Value>()
                .await
                .is_ok_and(|v| v["value"]["ready"] == true),
            Err(_) => false,
        };
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let size = if desktop { "1366,768" } else { "412,900" };
    let mut capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", format!("--window-size={size}"),
                "--lang=id-ID",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
    });
    if !desktop {
        // Desktop windows are at least 500 px wide; a phone-sized viewport needs emulation.
        capabilities["goog:chromeOptions"]["mobileEmulation"] =
            json!({"deviceMetrics": {"width": 412, "height": 860, "pixelRatio": 1.0}});
    }
    let mut builder = ClientBuilder::rustls().unwrap();
    let client = builder
        .capabilities(capabilities.as_object().unwrap().clone())
        .connect(&url)
        .await
        .unwrap();
    Browser {
        client,
        driver,
        _profile: profile,
    }
}

// ---- a parent on the chat page -----------------------------------------------------------

struct Parent<'a> {
    c: &'a Client,
}

/// An XPath string literal for any text (titles may hold quotes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        return format!("'{text}'");
    }
    let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
    format!("concat({})", parts.join(", \"'\", "))
}

impl<'a> Parent<'a> {
    async fn open(c: &'a Client, base: &str, phone: &str, name: &str) -> Parent<'a> {
        c.goto(&format!("{base}/sim?phone={phone}&name={name}"))
            .await
            .unwrap();
        let parent = Parent { c };
        parent.visible("#text").await;
        let shown = parent
            .c
            .find(Locator::Css("#phone"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(shown.as_deref(), Some(phone));
        parent
    }

    /// Waits until `css` is on screen, then returns it.
    async fn visible(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(element) = self.c.find(Locator::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            assert!(Instant::now() < deadline, "{css} did not show");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn click(&self, css: &str) {
        self.visible(css).await.click().await.unwrap();
    }

    /// What every bubble says, in order: ("in" | "out", text).
    async fn bubbles(&self) -> Vec<(String, String)> {
        let value = self
            .c
            .execute(
                "return Array.from(document.querySelectorAll('#messages .row.msg')).map(r => \
                 [r.classList.contains('out') ? 'out' : 'in', r.querySelector('.bubble').innerText]);",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(value).unwrap()
    }

    async fn transcript(&self) -> String {
        self.bubbles()
            .await
            .into_iter()
            .map(|(side, text)| {
                let arrow = if side == "out" { ">" } else { "<" };
                format!("{arrow} {}", text.replace('\n', "\n  "))
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    async fn replies(&self) -> Vec<String> {
        self.bubbles()
            .await
            .into_iter()
            .filter(|(side, _)| side == "in")
            .map(|(_, text)| text)
            .collect()
    }

    /// Waits for a reply of loket after the first `seen` ones that contains any of `phrases`
    /// (case-insensitive); returns the replies that came after `seen`.
    async fn expect(&self, seen: usize, phrases: &[&str]) -> Vec<String> {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            let replies = self.replies().await;
            let new: Vec<String> = replies.into_iter().skip(seen).collect();
            let hit = new.iter().any(|text| {
                let text = text.to_lowercase();
                phrases.iter().any(|p| text.contains(&p.to_lowercase()))
            });
            if hit {
                return new;
            }
            if Instant::now() > deadline {
                panic!(
                    "no reply containing {phrases:?} within {STEP_TIMEOUT:?}; the chat so far:\n{}",
                    self.transcript().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn seen(&self) -> usize {
        self.replies().await.len()
    }

    async fn say(&self, text: &str) {
        let input = self.visible("#text").await;
        input.send_keys(text).await.unwrap();
        self.click("#send-btn").await;
        self.wait_sent(text).await;
    }

    /// Waits until the newest own bubble shows `text` (the page got the simulator's answer).
    async fn wait_sent(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mine = self
                .bubbles()
                .await
                .into_iter()
                .rev()
                .find(|(s, _)| s == "out");
            if mine.is_some_and(|(_, t)| t.contains(text)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "own message {text:?} did not show:\n{}",
                self.transcript().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Taps the reply button titled `title` under loket's latest message that has one, or
    /// opens the latest list holding a row with that title and picks it.
    async fn tap(&self, title: &str) {
        let lit = xpath_literal(title);
        for _ in 0..3 {
            match self.try_tap(&lit).await {
                Ok(true) => {
                    self.wait_sent(title).await;
                    return;
                }
                Ok(false) => break,
                // The chat re-rendered under our feet; look again.
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
        panic!(
            "no button or list row titled {title:?}; the chat so far:\n{}",
            self.transcript().await
        );
    }

    async fn try_tap(&self, lit: &str) -> Result<bool, CmdError> {
        let buttons = self
            .c
            .find_all(Locator::XPath(&format!(
                "//div[@id='messages']//button[@data-reply][normalize-space(.)={lit}]"
            )))
            .await?;
        if let Some(button) = buttons.last() {
            button.click().await?;
            return Ok(true);
        }
        let lists = self
            .c
            .find_all(Locator::Css("#messages button[data-list]"))
            .await?;
        for list in lists.iter().rev() {
            list.click().await?;
            self.visible("#list-sheet").await;
            let rows = self
                .c
                .find_all(Locator::XPath(&format!(
                    "//section[@id='list-sheet']//button[contains(@class,'opt')][.//div[@class='t'][normalize-space(.)={lit}]]"
                )))
                .await?;
            if let Some(row) = rows.first() {
                row.click().await?;
                self.click("#list-send").await;
                return Ok(true);
            }
            self.click("#list-sheet [data-close]").await;
        }
        Ok(false)
    }

    /// Sends one of the sample photos (fixtures/photos) through the attach menu.
    async fn send_sample(&self, file: &str) {
        let before = self.own_media_count().await;
        self.click("#attach-btn").await;
        self.click("[data-attach='sample']").await;
        self.click(&format!("#sample-sheet .tile[data-name='{file}']"))
            .await;
        self.click("#sample-next").await;
        self.click("#preview-send").await;
        self.wait_own_media(before).await;
    }

    /// Sends a file from disk through "Dokumen" (the browser's file picker).
    async fn send_document(&self, path: &Path) {
        let before = self.own_media_count().await;
        let input = self.c.find(Locator::Css("#file-document")).await.unwrap();
        input.send_keys(&path.display().to_string()).await.unwrap();
        self.click("#preview-send").await;
        self.wait_own_media(before).await;
    }

    async fn own_media_count(&self) -> usize {
        self.c
            .find_all(Locator::Css(
                "#messages .row.out .bubble[data-type='image'], #messages .row.out .bubble[data-type='document']",
            ))
            .await
            .unwrap()
            .len()
    }

    /// Waits until the simulator accepted the file and its bubble shows.
    async fn wait_own_media(&self, before: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.own_media_count().await <= before {
            assert!(
                Instant::now() < deadline,
                "the file did not show in the chat:\n{}",
                self.transcript().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The delivery state of every own bubble, in order.
    async fn own_statuses(&self) -> Vec<String> {
        let value = self
            .c
            .execute(
                "return Array.from(document.querySelectorAll('#messages .row.msg.out')).map(r => r.dataset.status);",
                vec![],
            )
            .await
            .unwrap();
        serde_json::from_value(value).unwrap()
    }

    /// Digits and spaces are drawn from a text font. An emoji font has glyphs for them too, and
    /// named in the page's font stack it drew a phone number as "6 2 8 1 2". Only checkable where
    /// the emoji font is installed (./test.sh installs it).
    async fn expect_text_drawn_in_a_text_font(&self) {
        let emoji_font = Command::new("fc-list")
            .arg("Noto Color Emoji")
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        if !emoji_font {
            eprintln!("no emoji font installed: the font check is skipped");
            return;
        }
        let widths = self
            .c
            .execute(
                "const probe = (family) => { \
                   const s = document.createElement('span'); \
                   s.style.font = '20px ' + family; s.style.whiteSpace = 'pre'; \
                   s.textContent = '6281 2345 6789 Ketik pesan'; \
                   document.body.append(s); \
                   const w = s.getBoundingClientRect().width; s.remove(); return w; }; \
                 const bubble = document.querySelector('#messages .row.msg') || document.body; \
                 return [probe(getComputedStyle(bubble).fontFamily), \
                         probe('\"Noto Color Emoji\"')];",
                vec![],
            )
            .await
            .unwrap();
        let [page, emoji]: [f64; 2] = serde_json::from_value(widths).unwrap();
        assert!(
            page < 0.8 * emoji,
            "the page draws text with the emoji font: {page:.0} px wide, {emoji:.0} px in the \
             emoji font"
        );
    }

    async fn screenshot(&self, name: &str) -> PathBuf {
        // The newest message in view, nothing open over the chat.
        self.c
            .execute(
                "document.getElementById('toast').hidden = true; \
                 const c = document.getElementById('chat'); c.scrollTop = c.scrollHeight;",
                vec![],
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = self.c.screenshot().await.unwrap();
        let dir = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
            .join("sim-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, &png).unwrap();
        eprintln!("screenshot: {}", path.display());
        path
    }
}

/// An officer's tab of the console.
struct Officer<'a> {
    c: &'a Client,
}

impl Officer<'_> {
    async fn sign_in(&self, base: &str, name: &str, password: &str) {
        self.c.goto(&format!("{base}/console/login")).await.unwrap();
        let form = |css: &'static str| self.c.find(Locator::Css(css));
        form("#username")
            .await
            .unwrap()
            .send_keys(name)
            .await
            .unwrap();
        form("#password")
            .await
            .unwrap()
            .send_keys(password)
            .await
            .unwrap();
        form("button[type=submit]")
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn text(&self) -> String {
        let value = self
            .c
            .execute("return document.body.innerText;", vec![])
            .await
            .unwrap();
        value.as_str().unwrap_or("").to_string()
    }

    async fn wait_for(&self, phrase: &str) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        while !self.text().await.contains(phrase) {
            assert!(
                Instant::now() < deadline,
                "the console never showed {phrase:?}:\n{}",
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn screenshot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/sim-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

fn random_phone() -> String {
    format!("62812{:08}", fastrand::u32(0..100_000_000))
}

// ---- the tests -----------------------------------------------------------------------------

/// A mother files a KIA for her seven-year-old son, start to finish, photos included, as in
/// tests/transcripts/01_kia_anak_enam_tahun.txt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parent_completes_a_kia_request_in_the_simulator() {
    if skip() {
        return;
    }
    let loket = spawn_loket().await;
    let browser = start_browser().await;
    let phone = random_phone();
    let p = Parent::open(&browser.client, &loket.base, &phone, "Ibu Siti").await;

    let n = p.seen().await;
    p.say("halo").await;
    p.expect(n, &["Selamat datang"]).await;

    let n = p.seen().await;
    p.tap("KIA (Kartu Anak)").await;
    p.expect(n, &["Apakah Anda setuju?"]).await;

    let n = p.seen().await;
    p.tap("Setuju").await;
    p.expect(n, &["nama lengkap anak"]).await;

    let n = p.seen().await;
    p.say("Ahmad Fauzi").await;
    p.expect(n, &["NIK"]).await;

    // The NIK gives the birth date and sex; they are shown, not asked.
    let n = p.seen().await;
    p.say("6371051203190001").await;
    p.expect(n, &["Permohonan KIA apa"]).await;

    // The office delivers by Pos only: said, and the fee asked.
    let n = p.seen().await;
    p.tap("Baru").await;
    p.expect(n, &["tunai kepada kurir"]).await;

    let n = p.seen().await;
    p.tap("Setuju").await;
    p.expect(n, &["kelurahan"]).await;

    // Unsure of the kelurahan's spelling: tap the kecamatan for its short list.
    let n = p.seen().await;
    p.tap("Banjarmasin Tengah").await;
    p.expect(n, &["Kecamatan Banjarmasin Tengah"]).await;

    let n = p.seen().await;
    p.tap("9. Melayu").await;
    p.expect(n, &["nama jalan"]).await;

    let n = p.seen().await;
    p.say("Jl. Pramuka Gg. Mawar No. 12 RT 005 RW 002").await;
    p.expect(n, &["foto akta kelahiran"]).await;

    let n = p.seen().await;
    p.send_sample("akta.jpg").await;
    p.expect(n, &["Kartu Keluarga"]).await;

    let n = p.seen().await;
    p.send_sample("kk.jpg").await;
    p.expect(n, &["KTP ayah"]).await;

    let n = p.seen().await;
    p.send_sample("ktp_ayah.jpg").await;
    p.expect(n, &["KTP ibu"]).await;

    let n = p.seen().await;
    p.send_sample("ktp_ibu.jpg").await;
    let asked = p.expect(n, &["pas foto"]).await.join("\n").to_lowercase();
    // The backdrop depends on the birth year (red for odd years); send what was asked for.
    let pas_foto = if asked.contains("latar biru") {
        "pas_foto_blue.jpg"
    } else {
        "pas_foto_red.jpg"
    };

    let n = p.seen().await;
    p.send_sample(pas_foto).await;
    p.expect(n, &["Ringkasan"]).await;

    let n = p.seen().await;
    p.tap("Kirim").await;
    let done = p.expect(n, &["KIA-"]).await.join("\n");
    let number = done
        .split(|c: char| c.is_whitespace() || c == '*')
        .find(|w| w.starts_with("KIA-"))
        .unwrap_or_default()
        .trim_end_matches(['.', ','])
        .to_string();
    let shape: Vec<usize> = number.split('-').map(str::len).collect();
    assert_eq!(
        shape,
        [3, 4, 6, 4],
        "a request number like KIA-6371-261122-0001: {done}"
    );

    // Every own message reached loket; loket marked the last one read (blue ticks).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let statuses = p.own_statuses().await;
        assert!(
            statuses
                .iter()
                .all(|s| s == "delivered" || s == "read" || s == "sent"),
            "a message failed: {statuses:?}\n{}",
            p.transcript().await
        );
        if statuses.last().is_some_and(|s| s == "read") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "ticks never turned blue: {statuses:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let shot = p.screenshot("kia_happy_path.png").await;
    p.expect_text_drawn_in_a_text_font().await;
    if std::env::var_os("LOKET_UPDATE_SCREENSHOT").is_some() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&shot, docs.join("simulator.png")).unwrap();
    }

    // An officer, in another tab of a 1366x768 window, reviews the request with its photos,
    // sends the KK back, then answers the parent, who asked for an officer.
    let number = done
        .split(|c: char| c.is_whitespace() || c == '*')
        .find(|w| w.starts_with("KIA-"))
        .unwrap()
        .to_string();
    loket.add_account("siti", loket::domain::account::Role::Officer);
    let desk_browser = start_desktop_browser().await;
    let c = &desk_browser.client;
    let officer = Officer { c };
    officer
        .sign_in(&loket.base, "siti", "salah-sama-sekali")
        .await;
    officer
        .wait_for("Nama pengguna atau kata sandi salah")
        .await;
    // The form kept her name and put the cursor on the password: she types it again and presses
    // Enter.
    let name = c.find(Locator::Css("#username")).await.unwrap();
    assert_eq!(name.prop("value").await.unwrap().as_deref(), Some("siti"));
    let focused = c.active_element().await.unwrap();
    assert_eq!(
        focused.attr("id").await.unwrap().as_deref(),
        Some("password")
    );
    focused
        .send_keys(&format!(
            "kata-sandi-panjang{}",
            char::from(fantoccini::key::Key::Enter)
        ))
        .await
        .unwrap();
    officer.wait_for("eskalasi terbuka").await;
    c.goto(&format!("{}/console/requests", loket.base))
        .await
        .unwrap();
    c.find(Locator::LinkText(&number))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Dokumen").await;
    // Every photo is shown (loaded, not broken), only to the signed-in officer.
    let loaded: bool = serde_json::from_value(
        c.execute(
            "return Array.from(document.querySelectorAll('.doc img')).every(i => i.complete && i.naturalWidth > 0)              && document.querySelectorAll('.doc img').length >= 4;",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(loaded, "photos load in the console");
    officer.screenshot("console_request.png").await;
    c.find(Locator::Css("input[name=return][value=kartu_keluarga]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("input[name=reason_kartu_keluarga]"))
        .await
        .unwrap()
        .send_keys("Foto KK terpotong di bawah.")
        .await
        .unwrap();
    let button = c
        .find(Locator::XPath("//button[text()='Kembalikan']"))
        .await
        .unwrap();
    button.click().await.unwrap();
    officer.wait_for("Tersimpan: Dikembalikan").await;
    // The parent reads why, and is asked for the KK alone.
    let n = p.seen().await;
    p.expect(n.saturating_sub(1), &["Foto KK terpotong di bawah."])
        .await;
    let n = p.seen().await;
    p.say("petugas").await;
    p.expect(n, &["teruskan ke petugas"]).await;

    c.goto(&format!("{}/console/inbox", loket.base))
        .await
        .unwrap();
    officer.wait_for("menunggu").await;
    c.find(Locator::XPath("//button[text()='Ambil']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Eskalasi diambil").await;
    c.find(Locator::Css("textarea[name=text]"))
        .await
        .unwrap()
        .send_keys("Selamat siang, Ibu. Mohon foto KK-nya utuh sampai tanda tangan.")
        .await
        .unwrap();
    c.find(Locator::XPath("//button[text()='Kirim']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Balasan dikirim").await;
    // A canned reply fills the answer box, ready to edit; a note stays among officers.
    let filled: Value = c
        .execute(
            "const s = document.querySelector('select[id^=canned-]'); s.value = 'salam'; \
             s.dispatchEvent(new Event('change')); return s.form.text.value;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        filled
            .as_str()
            .unwrap_or("")
            .starts_with("Selamat siang, Ibu Siti."),
        "{filled}"
    );
    c.find(Locator::Css("textarea[id^=note-]"))
        .await
        .unwrap()
        .send_keys("Ibu Siti menelepon: KK lama, alamat sudah pindah.")
        .await
        .unwrap();
    c.find(Locator::XPath("//button[text()='Simpan catatan']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Catatan disimpan.").await;
    officer.wait_for("alamat sudah pindah").await;
    officer.wait_for("Percakapan terakhir").await;
    c.execute(
        "document.querySelector('ul.chat').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    officer.screenshot("console_inbox.png").await;
    let n = p.seen().await;
    p.expect(n.saturating_sub(1), &["Mohon foto KK-nya utuh"])
        .await;
    desk_browser.client.clone().close().await.unwrap();
    drop(desk_browser);
    browser.client.clone().close().await.unwrap();
    drop(browser);
    loket.stop().await;
}

/// An officer files at the counter for a grandmother without a smartphone: the form first
/// comes back with what is wrong (a blurry KK, a mistyped NIK) beside each field, then is
/// filed with the photos from the office's camera.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_files_a_walk_in_request_with_uploaded_photos() {
    if skip() {
        return;
    }
    let loket = spawn_loket().await;
    loket.add_account("siti", loket::domain::account::Role::Officer);
    let browser = start_desktop_browser().await;
    let c = &browser.client;
    let officer = Officer { c };
    officer
        .sign_in(&loket.base, "siti", "kata-sandi-panjang")
        .await;
    officer.wait_for("eskalasi terbuka").await;
    c.find(Locator::LinkText("Daftar di loket"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("a[href='/console/walk-in?service=kia']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Foto dokumen").await;
    let photos = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/photos");
    let fill = |css: String, text: String| async move {
        let field = c.find(Locator::Css(&css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(&text).await.unwrap();
    };
    let choose = |name: &'static str, value: &'static str| async move {
        c.execute(
            "const s = document.querySelector('select[name=' + arguments[0] + ']'); s.value = arguments[1];",
            vec![json!(name), json!(value)],
        )
        .await
        .unwrap();
    };
    let upload = |kind: &'static str, file: &'static str| {
        let path = photos.join(file);
        async move {
            c.find(Locator::Css(&format!("input[name=p_{kind}]")))
                .await
                .unwrap()
                .send_keys(&path.display().to_string())
                .await
                .unwrap();
        }
    };
    let fill_form = |nik: &'static str, kk: &'static str| {
        let fill = &fill;
        let choose = &choose;
        let upload = &upload;
        async move {
            fill("#a_child_name".into(), "Nur Aisyah".into()).await;
            fill("#a_child_nik".into(), nik.into()).await;
            choose("a_request_kind", "baru").await;
            choose("a_delivery", "pos").await;
            choose("a_cod_accepted", "setuju").await;
            choose("a_kelurahan", "63.71.05.1009").await;
            fill("#a_street".into(), "Jl. Pramuka Gg. Mawar No. 12".into()).await;
            fill("#a_rt_rw".into(), "5/2".into()).await;
            upload("akta_kelahiran", "akta.jpg").await;
            upload("kartu_keluarga", kk).await;
            upload("ktp_ayah", "ktp_ayah.jpg").await;
            upload("ktp_ibu", "ktp_ibu.jpg").await;
            upload("pas_foto", "pas_foto_red.jpg").await;
        }
    };
    // First attempt: a digit short in the NIK, and a blurry KK.
    fill_form("637105520319000", "kk_blurred.jpg").await;
    c.find(Locator::Css("input[name=consent]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::XPath("//button[text()='Ajukan permohonan']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Belum dapat diajukan").await;
    let page = officer.text().await;
    assert!(page.contains("NIK terdiri dari 16 angka"), "{page}");
    assert!(page.contains("buram"), "{page}");
    officer.screenshot("console_walk_in_problems.png").await;
    // The typed answers are kept; the photos are uploaded again.
    let kept: Value = c
        .execute(
            "return document.querySelector('#a_child_name').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, json!("Nur Aisyah"));
    fill_form("6371055203190007", "kk.jpg").await;
    c.find(Locator::XPath("//button[text()='Ajukan permohonan']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Tersimpan: Diajukan di loket").await;
    let page = officer.text().await;
    assert!(
        page.contains("Nur Aisyah") && page.contains("Perempuan") || page.contains("Nur Aisyah"),
        "{page}"
    );
    let loaded: bool = serde_json::from_value(
        c.execute(
            "return Array.from(document.querySelectorAll('.doc img')).every(i => i.complete && i.naturalWidth > 0) \
             && document.querySelectorAll('.doc img').length == 5;",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(loaded, "the five uploaded photos show on the request page");
    officer.screenshot("console_walk_in_filed.png").await;
    // Reviewed and approved, by mouse.
    c.find(Locator::XPath("//button[text()='Setujui']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Tersimpan: Disetujui").await;
    browser.client.clone().close().await.unwrap();
    drop(browser);
    loket.stop().await;
}

/// A supervisor, by keyboard and mouse in a desktop window: creates a courier's account and
/// disables it, sends a notice to the parent with a request in progress (who reads it in the
/// simulator), and reads the audit log, where all of it is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervisor_manages_accounts_sends_a_notice_and_reads_the_audit() {
    if skip() {
        return;
    }
    let loket = spawn_loket().await;
    loket.add_account("kepala", loket::domain::account::Role::Supervisor);
    // A parent with a request in progress, who writes from the simulator's phone.
    let browser = start_browser().await;
    let phone = random_phone();
    let p = Parent::open(&browser.client, &loket.base, &phone, "Ibu Ratna").await;
    let contact = loket
        .store
        .contact_for_walk_in(None, Some(&phone), jiff::Timestamp::now().as_millisecond())
        .unwrap();
    loket_testkit::requests::file_waiting(&loket.store, contact, 5, |_| {});

    let desk = start_desktop_browser().await;
    let c = &desk.client;
    let officer = Officer { c };
    officer
        .sign_in(&loket.base, "kepala", "kata-sandi-panjang")
        .await;
    officer.wait_for("eskalasi terbuka").await;
    c.find(Locator::LinkText("Pengguna"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Akun baru").await;
    c.find(Locator::Css("#username"))
        .await
        .unwrap()
        .send_keys("budi_kurir")
        .await
        .unwrap();
    c.execute("document.querySelector('#role').value = 'courier';", vec![])
        .await
        .unwrap();
    c.find(Locator::Css("#password"))
        .await
        .unwrap()
        .send_keys("kurir-sandi-panjang")
        .await
        .unwrap();
    c.find(Locator::XPath("//button[text()='Buat akun']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Akun budi_kurir (Kurir) dibuat.").await;
    c.find(Locator::Css(
        "form[action='/console/users/budi_kurir/disable'] button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    officer.wait_for("dinonaktifkan").await;
    officer.screenshot("console_users.png").await;

    c.find(Locator::LinkText("Pengumuman"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Isi pengumuman").await;
    c.find(Locator::Css("#text"))
        .await
        .unwrap()
        .send_keys(
            "Kantor Disdukcapil tutup Jumat, 4 Desember (cuti bersama). Permohonan tetap diproses.",
        )
        .await
        .unwrap();
    c.find(Locator::XPath("//button[text()='Kirim pengumuman']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("diantrekan").await;
    let n = p.seen().await;
    p.expect(n, &["cuti bersama"]).await;
    // Counts follow the simulator's delivery reports.
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        c.goto(&format!("{}/console/notices", loket.base))
            .await
            .unwrap();
        let row: Value = c
            .execute(
                "const r = document.querySelector('tbody tr'); return r ? Array.from(r.cells).map(c => c.innerText) : [];",
                vec![],
            )
            .await
            .unwrap();
        // # | time | by | text | recipients | queued | sent | delivered | read | failed
        let cells: Vec<String> = serde_json::from_value(row).unwrap();
        if cells.len() == 10 && cells[4] == "1" && cells[5] == "0" && cells[9] == "0" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the notice's counts never settled: {cells:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    officer.screenshot("console_notices.png").await;

    c.find(Locator::LinkText("Audit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Unduh semua (CSV)").await;
    let page = officer.text().await;
    for action in [
        "account_created",
        "account_disabled",
        "notice_sent",
        "login",
    ] {
        assert!(
            page.contains(action),
            "{action} missing from the audit page:\n{page}"
        );
    }
    let csv: Value = c
        .execute_async(
            "const done = arguments[0]; fetch('/console/audit.csv').then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap_or_default();
    assert!(
        csv.starts_with("at,actor,action,target,photo,detail"),
        "{csv}"
    );
    assert!(csv.contains("notice_sent"), "{csv}");
    officer.screenshot("console_audit.png").await;

    // A citizen asks for their data: nothing held about this number; an erasure must be typed.
    c.find(Locator::LinkText("Data warga"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("3 × 24 jam").await;
    let field = |css: &'static str| c.find(Locator::Css(css));
    field("#phone-erase")
        .await
        .unwrap()
        .send_keys("0812-9999-0000")
        .await
        .unwrap();
    field("form[action='/console/data-warga/erase'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer.wait_for("Ketik HAPUS di kolom konfirmasi").await;
    // The number typed stays in both forms.
    let kept: Value = c
        .execute(
            "return document.querySelector('#phone-export').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, "0812-9999-0000");
    field("form[action='/console/data-warga/export'] button")
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    officer
        .wait_for("loket tidak menyimpan data apa pun tentang nomor/NIK ini")
        .await;
    officer.screenshot("console_data_warga.png").await;
    desk.client.clone().close().await.unwrap();
    drop(desk);
    browser.client.clone().close().await.unwrap();
    drop(browser);
    loket.stop().await;
}

/// A PDF sent as a document is refused with a request for a photo; meanwhile a second parent
/// chats in another tab and sees only their own conversation.
/// A courier on a phone-sized page: signs in, finds today's manifest with the card's address,
/// call button and fee; a wrong code is refused (the card stays); the family's code hands it
/// over, and the list counts it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_courier_hands_a_card_over_on_a_phone_sized_page() {
    if skip() {
        return;
    }
    let loket = spawn_loket().await;
    loket.add_account("siti", loket::domain::account::Role::Officer);
    loket.add_account("budi", loket::domain::account::Role::Courier);
    // A request filed for a parent, approved and printed, and the day's manifest made, through
    // the officers' API: the card goes out and the parent gets the code.
    let phone = random_phone();
    let contact = loket
        .store
        .contact_for_walk_in(None, Some(&phone), jiff::Timestamp::now().as_millisecond())
        .unwrap();
    let number = loket_testkit::requests::file_waiting(&loket.store, contact, 7, |request| {
        if let Some(a) = request.filed.address.as_mut() {
            a.kecamatan_code = "63.71.05".into();
            a.kecamatan = "Banjarmasin Tengah".into();
            a.kelurahan = "Melayu".into();
        }
    });
    let http = reqwest::Client::new();
    let api = |path: String| format!("{}/api/v1{path}", loket.base);
    let token: Value = http
        .post(api("/session".into()))
        .json(&json!({"username": "siti", "password": "kata-sandi-panjang"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    for path in [
        format!("/requests/{number}/approve"),
        format!("/requests/{number}/printed"),
    ] {
        let response = http
            .post(api(path.clone()))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
    }
    // The officer makes the day's manifest from the console: the card goes out.
    {
        let desk = start_desktop_browser().await;
        let officer = Officer { c: &desk.client };
        officer
            .sign_in(&loket.base, "siti", "kata-sandi-panjang")
            .await;
        officer.wait_for("eskalasi terbuka").await;
        desk.client
            .find(Locator::LinkText("Pengantaran"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        officer.wait_for("Belum ada manifes hari ini").await;
        desk.client
            .find(Locator::XPath("//button[text()='Buat manifes sekarang']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        officer.wait_for("1 manifes dibuat").await;
        let page = officer.text().await;
        assert!(
            page.contains("Cetak (PDF)") && page.contains(&number),
            "{page}"
        );
        officer.screenshot("console_manifest_made.png").await;
        desk.client.clone().close().await.unwrap();
    }
    // The parent's code, as the outbox sent it (the window is closed: the status template).
    let re = regex::Regex::new(r"Kode serah terima: \*(\d{6})\*").unwrap();
    let deadline = Instant::now() + STEP_TIMEOUT;
    let code = loop {
        let found = loket
            .store
            .outbox_history(100)
            .unwrap()
            .into_iter()
            .filter(|r| r.item.to == phone)
            .find_map(|r| {
                let payload = serde_json::to_string(&r.item.payload).unwrap();
                re.captures(&payload).map(|c| c[1].to_string())
            });
        if let Some(code) = found {
            break code;
        }
        assert!(Instant::now() < deadline, "the parent never got a code");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };

    let browser = start_browser().await;
    let c = &browser.client;
    let courier = Officer { c };
    courier
        .sign_in(&loket.base, "budi", "kata-sandi-panjang")
        .await;
    courier.wait_for("Pengantaran hari ini").await;
    let page = courier.text().await;
    for expected in [
        number.as_str(),
        "Banjarmasin Tengah",
        "Melayu",
        "Telepon",
        "Rp 10.000",
        "0 dari 1 diserahkan",
    ] {
        assert!(
            page.contains(expected),
            "{expected:?} not on the page:\n{page}"
        );
    }
    assert!(
        !page.contains("Permohonan") && !page.contains("Eskalasi"),
        "a courier sees only deliveries: {page}"
    );
    let fits: bool = serde_json::from_value(
        c.execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap(),
    )
    .unwrap();
    assert!(fits, "the page fits a phone's width");
    let call: Value = c
        .execute(
            "return document.querySelector('a.call').getAttribute('href');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(call, json!(format!("tel:+{phone}")));
    courier.screenshot("courier_list.png").await;

    let hand_over = |typed: String| async move {
        let field = c.find(Locator::Css("input[name=code]")).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(&typed).await.unwrap();
        c.find(Locator::XPath("//button[text()='Serahkan']"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    };
    let wrong = if code == "000000" { "000001" } else { "000000" };
    hand_over(wrong.to_string()).await;
    courier.wait_for("kode salah").await;
    assert!(courier.text().await.contains("Sisa percobaan: 4"));
    courier.screenshot("courier_wrong_code.png").await;
    hand_over(code.clone()).await;
    courier.wait_for("kartu diserahkan").await;
    let page = courier.text().await;
    assert!(
        page.contains("1 dari 1 diserahkan") && page.contains("Diserahkan"),
        "{page}"
    );
    courier.screenshot("courier_delivered.png").await;
    // Back: the browser offers to send the form again; the same step id changes nothing.
    let task = loket.store.delivery_task(&number).unwrap().unwrap();
    assert_eq!(task.actions.len(), 3, "dispatch, wrong, right: {task:?}");
    browser.client.clone().close().await.unwrap();
    drop(browser);

    // The supervisor settles the courier's cash in the console.
    loket.add_account("rina", loket::domain::account::Role::Supervisor);
    let desk = start_desktop_browser().await;
    let c = &desk.client;
    let supervisor = Officer { c };
    supervisor
        .sign_in(&loket.base, "rina", "kata-sandi-panjang")
        .await;
    supervisor.wait_for("eskalasi terbuka").await;
    c.find(Locator::LinkText("Setoran"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    supervisor.wait_for("Setoran kurir").await;
    let page = supervisor.text().await;
    assert!(
        page.contains("budi") && page.contains("Rp 10.000"),
        "{page}"
    );
    // Short by Rp 2.000 without a note: refused, with why.
    let field = c.find(Locator::Css("input[name=handed_in]")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("8000").await.unwrap();
    c.find(Locator::XPath("//button[text()='Tutup setoran']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    supervisor.wait_for("say why in a note").await;
    let field = c.find(Locator::Css("input[name=note]")).await.unwrap();
    field.send_keys("Kembalian belum disetor").await.unwrap();
    let field = c.find(Locator::Css("input[name=handed_in]")).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys("8000").await.unwrap();
    c.find(Locator::XPath("//button[text()='Tutup setoran']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    supervisor.wait_for("Setoran budi ditutup").await;
    let page = supervisor.text().await;
    assert!(
        page.contains("−Rp 2.000") && page.contains("ditutup oleh rina"),
        "{page}"
    );
    supervisor.screenshot("console_settlement.png").await;
    desk.client.clone().close().await.unwrap();
    drop(desk);
    loket.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_is_refused_and_parents_in_two_tabs_stay_apart() {
    if skip() {
        return;
    }
    let loket = spawn_loket().await;
    let browser = start_browser().await;
    let first = random_phone();
    let second = random_phone();

    let p = Parent::open(&browser.client, &loket.base, &first, "Bapak Agus").await;
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("akta_kelahiran.pdf");
    std::fs::write(&pdf, MINIMAL_PDF).unwrap();
    let n = p.seen().await;
    p.send_document(&pdf).await;
    let replies = p.expect(n, &["bukan foto", "bukan PDF"]).await;
    assert!(
        replies.iter().any(|r| r.to_lowercase().contains("foto")),
        "{replies:?}"
    );
    let sent = p.bubbles().await;
    assert!(
        sent.iter()
            .any(|(side, text)| side == "out" && text.contains("akta_kelahiran.pdf")),
        "the document bubble shows its name: {sent:?}"
    );
    p.screenshot("pdf_refused.png").await;

    // A second parent in a new tab.
    let c = &browser.client;
    let first_tab = c.window().await.unwrap();
    let tab = c.new_window(true).await.unwrap();
    c.switch_to_window(tab.handle).await.unwrap();
    let q = Parent::open(c, &loket.base, &second, "Ibu Rina").await;
    let n = q.seen().await;
    q.say("halo").await;
    q.expect(n, &["Selamat datang"]).await;
    let theirs = q.transcript().await;
    assert!(!theirs.contains("akta_kelahiran.pdf"), "{theirs}");

    c.switch_to_window(first_tab).await.unwrap();
    let ours = p.bubbles().await;
    assert!(ours.iter().any(|(_, t)| t.contains("akta_kelahiran.pdf")));
    assert!(
        !ours
            .iter()
            .any(|(side, t)| side == "out" && t.trim() == "halo"),
        "the other parent's message leaked into this chat: {ours:?}"
    );

    // The office's other number (flows/numbers.toml) is a chat of its own, with its greeting
    // and its service; the first chat is still there when the parent switches back.
    let office = p.visible("#office").await;
    office.select_by_value("100000000000003").await.unwrap();
    let mut tries = 0;
    while !p.bubbles().await.is_empty() {
        tries += 1;
        assert!(tries < 100, "the other number's chat starts empty");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    p.say("mau buat KIA").await;
    let replies = p.expect(0, &["dilayani di nomor"]).await;
    assert!(
        replies
            .iter()
            .any(|r| r.contains("layanan akta kematian") && r.contains("0811-0000-0001")),
        "{replies:?}"
    );
    p.screenshot("second_number.png").await;
    let office = p.visible("#office").await;
    office.select_by_value("").await.unwrap();
    p.expect(0, &["bukan foto", "bukan PDF"]).await;

    browser.client.clone().close().await.unwrap();
    drop(browser);
    loket.stop().await;
}

/// With Meta credentials set, none of the simulator's routes exist.
#[tokio::test]
async fn the_simulator_does_not_exist_in_production_mode() {
    let data = tempfile::tempdir().unwrap();
    let env = [
        ("LOKET_BIND", "127.0.0.1:0".to_string()),
        ("LOKET_DATA_DIR", data.path().display().to_string()),
        ("WA_ACCESS_TOKEN", "production-token".to_string()),
        ("LOKET_DATA_KEY", loket_testkit::DATA_KEY.to_string()),
        ("WA_APP_SECRET", "production-secret".to_string()),
        ("WA_VERIFY_TOKEN", "production-verify".to_string()),
        ("WA_PHONE_NUMBER_ID", "123456789012345".to_string()),
        // Never reached: nothing is sent in this test.
        ("WA_GRAPH_URL", "http://127.0.0.1:9/v25.0".to_string()),
    ];
    let settings = Settings::from_lookup(|k| {
        env.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .unwrap();
    assert_eq!(settings.mode, Mode::Production);
    let app = Application::build(settings).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let task = tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/sim"),
        ("GET", "/sim/assets/sim.js"),
        ("GET", "/sim/api/samples"),
        ("GET", "/sim/api/chats/6281234567890/messages"),
        ("POST", "/sim/graph/v25.0/123456789012345/messages"),
        ("GET", "/sim/media/1"),
    ] {
        let request = if method == "GET" {
            http.get(format!("{base}{path}"))
        } else {
            http.post(format!("{base}{path}")).body("{}")
        };
        let status = request.send().await.unwrap().status();
        assert_eq!(status, 404, "{method} {path}");
    }
    handle.stop(true).await;
    let _ = tokio::time::timeout(Duration::from_secs(30), task).await;
}

/// A one-page PDF, enough for a file picker and a MIME type.
const MINIMAL_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
