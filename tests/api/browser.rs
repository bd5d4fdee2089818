//! The public verification page as a person sees it on a phone: Debian's Chromium, headless,
//! driven through chromedriver at 390 x 844 CSS pixels, one page per verdict. The checks read
//! what is rendered (visible text, colours, positions), not the HTML; every page is also saved as
//! a full-page PNG in `$SCREENSHOT_DIR` (default `target/screenshots/`) for a person to look at.
//!
//! Without `chromium` and `chromedriver` the test prints a note and passes, unless
//! `REQUIRE_BROWSER=1` (CI), where it fails.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use base64::Engine as _;
use fantoccini::{
    Client, ClientBuilder, Locator,
    wd::{Capabilities, TimeoutConfiguration, WebDriverCompatibleCommand},
};
use futures_util::FutureExt as _;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, company_body, foreigner_body, project_body, zone_body},
    issuing::{act, approve, draft, issue_change, issued, json_of, lease, personal_data, seal_of},
};

/// The phone: an iPhone 12-14 sized screen, in CSS pixels.
const WIDTH: u32 = 390;
const HEIGHT: u32 = 844;

/// Where a program is on `PATH`, if anywhere.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Chromium and chromedriver, or `None` (with a note) when either is missing. With
/// `REQUIRE_BROWSER=1` a missing one fails the test instead.
pub(crate) fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let found = (on_path("chromium"), on_path("chromedriver"));
    if let (Some(chromium), Some(driver)) = found {
        return Some((chromium, driver));
    }
    assert!(
        std::env::var("REQUIRE_BROWSER").as_deref() != Ok("1"),
        "chromium and chromedriver are required (REQUIRE_BROWSER=1) but missing: {found:?}; \
         install the Debian packages chromium and chromium-driver"
    );
    eprintln!(
        "note: chromium or chromedriver not installed (apt-get install chromium chromium-driver); \
         the browser test is skipped"
    );
    None
}

/// A chromedriver process on a free local port, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
}

impl Driver {
    pub(crate) fn start(path: &Path) -> Self {
        // Ask the OS for a free port, then hand it to chromedriver.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free local port")
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://{addr}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver's door to the DevTools protocol, for the one thing WebDriver lacks: a screenshot
/// of the whole page rather than the viewport.
#[derive(Debug)]
pub(crate) struct Cdp {
    pub(crate) cmd: &'static str,
    pub(crate) params: Value,
}

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (Method::POST, Some(body.to_string()))
    }
}

/// Opens a headless Chromium session emulating a phone (390 x 844, touch, device pixel ratio 2).
async fn phone(driver: &Driver, chromium: &Path) -> Client {
    let mut caps = Capabilities::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new",
                // Tests run as root in CI, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--lang=vi-VN",
            ],
            "mobileEmulation": {
                "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 2.0, "mobile": true, "touch": true}
            }
        }),
    );
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session starts");
    client
        .update_timeouts(TimeoutConfiguration::new(
            Some(Duration::from_secs(10)),
            Some(Duration::from_secs(20)),
            Some(Duration::from_secs(0)),
        ))
        .await
        .expect("timeouts are set");
    client
}

/// What a person sees of the page, read from the rendered document.
#[derive(Debug)]
struct Seen {
    /// `document.body.innerText`: the text on screen, without hidden elements.
    text: String,
    headline: String,
    /// The verdict box's computed background, `rgb(r, g, b)`.
    background: String,
    /// The headline's bottom edge, in CSS pixels from the top of the page.
    headline_bottom: f64,
    scroll_width: f64,
    viewport: (f64, f64),
    development_banner_visible: bool,
    /// The verdict's drawn sign (tick, exclamation mark, cross, question mark) is on screen.
    mark_visible: bool,
    /// Heights of the links a thumb has to hit: the language switch, and the button to the
    /// newer version or to try again where there is one.
    tap_heights: Vec<f64>,
}

const LOOK: &str = r#"
    window.scrollTo(0, 0);
    const shown = (el) => !!el && el.getClientRects().length > 0
        && getComputedStyle(el).visibility !== 'hidden' && getComputedStyle(el).display !== 'none';
    const headline = document.getElementById('headline');
    const verdict = document.getElementById('verdict');
    return {
        text: document.body.innerText,
        headline: headline ? headline.innerText : '',
        background: verdict ? getComputedStyle(verdict).backgroundColor : '',
        headline_bottom: headline ? headline.getBoundingClientRect().bottom : 1e9,
        scroll_width: document.documentElement.scrollWidth,
        viewport: [window.innerWidth, window.innerHeight],
        development_banner_visible: shown(document.getElementById('development-key')),
        mark_visible: shown(document.querySelector('#verdict .mark')),
        tap_heights: [...document.querySelectorAll('header.top a, a.next')]
            .map((a) => a.getBoundingClientRect().height),
    };
"#;

async fn look(client: &Client) -> Seen {
    let v = client
        .execute(LOOK, vec![])
        .await
        .expect("the page runs a script");
    let num = |key: &str| v[key].as_f64().unwrap_or(f64::NAN);
    Seen {
        text: v["text"].as_str().unwrap_or_default().to_owned(),
        headline: v["headline"].as_str().unwrap_or_default().to_owned(),
        background: v["background"].as_str().unwrap_or_default().to_owned(),
        headline_bottom: num("headline_bottom"),
        scroll_width: num("scroll_width"),
        viewport: (
            v["viewport"][0].as_f64().unwrap_or(f64::NAN),
            v["viewport"][1].as_f64().unwrap_or(f64::NAN),
        ),
        development_banner_visible: v["development_banner_visible"] == true,
        mark_visible: v["mark_visible"] == true,
        tap_heights: v["tap_heights"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default(),
    }
}

/// The colour family a person would name: green, amber, red or grey.
fn colour_name(css: &str) -> &'static str {
    let parts: Vec<f64> = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let [r, g, b] = parts[..3] else {
        return "unreadable";
    };
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let chroma = max - min;
    // HSL saturation: pale tints still count as colours, near-greys do not.
    let lightness = (max + min) / 510.0;
    let saturation = if chroma == 0.0 {
        0.0
    } else {
        chroma / 255.0 / (1.0 - (2.0 * lightness - 1.0).abs())
    };
    if saturation < 0.25 || chroma < 16.0 {
        return "grey";
    }
    let hue = if max == r {
        60.0 * ((g - b) / chroma).rem_euclid(6.0)
    } else if max == g {
        60.0 * ((b - r) / chroma + 2.0)
    } else {
        60.0 * ((r - g) / chroma + 4.0)
    };
    match hue {
        h if !(15.0..345.0).contains(&h) => "red",
        h if h < 65.0 => "amber",
        h if (75.0..170.0).contains(&h) => "green",
        _ => "other",
    }
}

/// Saves a full-page PNG of what is on screen as `verify-{name}.png`.
async fn screenshot(client: &Client, name: &str) {
    let dir = std::env::var_os("SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
    std::fs::create_dir_all(&dir).expect("the screenshot folder can be made");
    let height = client
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .expect("page height")
        .as_f64()
        .unwrap_or(f64::from(HEIGHT));
    let shot = client
        .issue_cmd(Cdp {
            cmd: "Page.captureScreenshot",
            params: json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1},
            }),
        })
        .await
        .expect("Chromium takes a screenshot");
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().expect("screenshot data"))
        .expect("the screenshot is base64");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = dir.join(format!("verify-{name}.png"));
    std::fs::write(&path, png).expect("the screenshot is saved");
    eprintln!("screenshot: {}", path.display());
}

/// One verdict's expectations.
struct Expect<'a> {
    name: &'a str,
    headline_vi: &'a str,
    headline_en: &'a str,
    colour: &'a str,
    /// Text that must be on screen: the project code and an investor's name, for example.
    shown: Vec<&'a str>,
    /// Text that must not be: personal data, and for a forged seal any fact at all.
    hidden: Vec<&'a str>,
}

/// Opens `path`, checks what a person sees against `want`, toggles English and back, and saves
/// a screenshot. Returns what was seen, in Vietnamese.
async fn check_page(client: &Client, base: &str, path: &str, want: &Expect<'_>) -> Seen {
    client
        .goto(&format!("{base}{path}"))
        .await
        .expect("the page loads");
    let seen = look(client).await;
    let name = want.name;
    assert_eq!(
        seen.viewport,
        (f64::from(WIDTH), f64::from(HEIGHT)),
        "{name}: the phone's viewport"
    );
    assert_eq!(seen.headline, want.headline_vi, "{name}: headline");
    assert!(
        seen.text.contains(want.headline_vi),
        "{name}: headline on screen: {}",
        seen.text
    );
    assert_eq!(
        colour_name(&seen.background),
        want.colour,
        "{name}: verdict colour {}",
        seen.background
    );
    assert!(
        seen.headline_bottom < f64::from(HEIGHT),
        "{name}: the headline ends at {} px, below the first screen",
        seen.headline_bottom
    );
    assert!(
        seen.scroll_width <= f64::from(WIDTH),
        "{name}: the page scrolls sideways ({} px wide)",
        seen.scroll_width
    );
    assert!(seen.mark_visible, "{name}: the verdict's sign shows");
    assert!(
        !seen.tap_heights.is_empty() && seen.tap_heights.iter().all(|h| *h >= 44.0),
        "{name}: links are at least 44 px high for a thumb: {:?}",
        seen.tap_heights
    );
    assert!(
        seen.development_banner_visible,
        "{name}: the development-key banner shows"
    );
    assert!(
        seen.text.contains("KHÓA THỬ NGHIỆM"),
        "{name}: the banner's words are on screen"
    );
    for text in &want.shown {
        assert!(
            seen.text.contains(text),
            "{name}: {text:?} on screen: {}",
            seen.text
        );
    }
    for text in &want.hidden {
        assert!(
            !seen.text.contains(text),
            "{name}: {text:?} must not be on screen: {}",
            seen.text
        );
    }
    screenshot(client, name).await;

    // English and back, through the link in the header.
    client
        .find(Locator::LinkText("English"))
        .await
        .expect("an English link")
        .click()
        .await
        .expect("the link opens");
    let english = look(client).await;
    assert_eq!(
        english.headline, want.headline_en,
        "{name}: English headline"
    );
    assert!(
        english.text.contains("DEVELOPMENT KEY"),
        "{name}: banner in English"
    );
    assert!(
        english.scroll_width <= f64::from(WIDTH),
        "{name}: English width"
    );
    if name == "genuine" {
        screenshot(client, "genuine-en").await;
    }
    client
        .find(Locator::LinkText("Tiếng Việt"))
        .await
        .expect("a Tiếng Việt link")
        .click()
        .await
        .expect("the link opens");
    assert_eq!(
        look(client).await.headline,
        want.headline_vi,
        "{name}: back to Vietnamese"
    );
    seen
}

/// Version 0 of a project of two investors, a company and a foreign individual, so the page has
/// identity numbers, addresses and a birth date to keep to itself.
async fn issued_to_two_investors(app: &TestApp) -> (Value, String) {
    let mut zb = zone_body("KCN-PHONE");
    zb["term_start"] = json!("2021-03-19");
    zb["term_end"] = json!("2071-03-19");
    zb["industrial_service_area_m2"] = json!(100_000);
    let zone = app.create_zone_with(zb).await;
    let zone_id = zone["id"].as_str().unwrap();
    let parcel = app.create_parcel(zone_id, "CN-01", 10_000.0).await;
    let n = uuid::Uuid::now_v7().as_u128() % 1_000_000;
    let company = app
        .create_investor(company_body(
            "Công ty TNHH Linh kiện Đông Hà",
            &format!("3200{n:06}"),
        ))
        .await;
    let person = app
        .create_investor(foreigner_body("KIM MIN-JUN", &format!("M{n:08}"), "KR"))
        .await;
    let project = app
        .create_project(project_body(
            &[
                company["id"].as_str().unwrap(),
                person["id"].as_str().unwrap(),
            ],
            Some(zone_id),
        ))
        .await;
    lease(app, &project, &parcel).await;
    let approver = app.approver_token("ld-phone").await;
    let d = json_of(
        draft(app, project["id"].as_str().unwrap()).await,
        StatusCode::CREATED,
    )
    .await;
    let c = json_of(
        approve(app, &approver, d["id"].as_str().unwrap()).await,
        StatusCode::OK,
    )
    .await;
    (c, approver)
}

fn names_of(cert: &Value) -> Vec<String> {
    cert["content"]["investors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn on_a_phone_each_verdict_reads_at_a_glance_in_its_colour_without_personal_data() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn().await;

    // Genuine: two investors, one of them a person with a birth date and a passport.
    let (genuine, _) = issued_to_two_investors(&app).await;
    let personal = personal_data(&genuine);
    assert!(
        personal.len() >= 7,
        "the fixture holds personal data: {personal:?}"
    );
    // Superseded: version 0 replaced by version 1.
    let (project, old, approver) = issued(&app, "KCN-PHONE-OLD").await;
    let new = issue_change(&app, &project, &approver, "Nhà máy mở rộng giai đoạn 2").await;
    // Suspended and revoked.
    let (_, suspended, approver) = issued(&app, "KCN-PHONE-SUS").await;
    act(
        &app,
        &approver,
        &suspended,
        "suspend",
        json!({"reason": "Vi phạm quy định về môi trường"}),
    )
    .await;
    let (_, revoked, approver) = issued(&app, "KCN-PHONE-REV").await;
    act(
        &app,
        &approver,
        &revoked,
        "revoke",
        json!({"reason": "Chấm dứt hoạt động dự án theo Quyết định 99/QĐ-BQLKKT", "revoked_on": "2026-12-05"}),
    )
    .await;
    // Not genuine: one character of the genuine seal's signature changed.
    let mut forged = seal_of(&genuine).into_bytes();
    let at = forged.len() - 5;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    // Could not check: a second instance whose database is gone.
    let second = app.second_instance().await;
    let gone = second.state.db.clone();
    let (outage_addr, _outage) = invest_registry::startup::spawn(second).await.unwrap();
    gone.close_by_ref().await.unwrap();

    let driver = Driver::start(&chromedriver);
    let client = phone(&driver, &chromium).await;
    let base = format!("http://{}", app.addr);
    let code = |c: &Value| c["project_code"].as_str().unwrap().to_owned();
    let genuine_code = code(&genuine);
    let genuine_names = names_of(&genuine);
    let old_names = names_of(&old);

    let checks = async {
        let mut hidden: Vec<&str> = personal.iter().map(String::as_str).collect();
        let genuine_headline = "Hợp lệ — đang có hiệu lực";
        check_page(
            &client,
            &base,
            &format!("/v/{}", seal_of(&genuine)),
            &Expect {
                name: "genuine",
                headline_vi: genuine_headline,
                headline_en: "Genuine — in force",
                colour: "green",
                shown: vec![&genuine_code, &genuine_names[0], &genuine_names[1]],
                hidden: hidden.clone(),
            },
        )
        .await;

        let old_code = code(&old);
        check_page(
            &client,
            &base,
            &format!("/v/{}", seal_of(&old)),
            &Expect {
                name: "superseded",
                headline_vi: "Hợp lệ nhưng đã được thay thế bằng bản mới hơn",
                headline_en: "Genuine, but superseded by a newer version",
                colour: "amber",
                shown: vec![&old_code, &old_names[0], "Xem bản thay đổi lần thứ 1"],
                hidden: hidden.clone(),
            },
        )
        .await;
        // The link to the newer version leads to a genuine page.
        client
            .find(Locator::Id("successor"))
            .await
            .expect("a link to the newer version")
            .click()
            .await
            .expect("the link opens");
        let url = client.current_url().await.unwrap();
        assert_eq!(
            url.path().to_uppercase(),
            format!("/V/{}", seal_of(&new)),
            "the newer version's page"
        );
        let next = look(&client).await;
        assert_eq!(next.headline, genuine_headline);
        assert_eq!(colour_name(&next.background), "green");
        assert!(next.text.contains("Nhà máy mở rộng giai đoạn 2"));
        assert!(
            next.text.contains("Chứng nhận thay đổi lần thứ 1"),
            "{}",
            next.text
        );

        let suspended_code = code(&suspended);
        check_page(
            &client,
            &base,
            &format!("/v/{}", seal_of(&suspended)),
            &Expect {
                name: "suspended",
                headline_vi: "Hợp lệ nhưng đang bị tạm ngừng hiệu lực",
                headline_en: "Genuine, but suspended",
                colour: "amber",
                shown: vec![
                    &suspended_code,
                    &old_names[0],
                    "Vi phạm quy định về môi trường",
                ],
                hidden: hidden.clone(),
            },
        )
        .await;

        let revoked_code = code(&revoked);
        check_page(
            &client,
            &base,
            &format!("/v/{}", seal_of(&revoked)),
            &Expect {
                name: "revoked",
                headline_vi: "Đã bị thu hồi — không còn hiệu lực",
                headline_en: "Revoked — no longer in force",
                colour: "red",
                shown: vec![&revoked_code, "05/12/2026", "Quyết định 99/QĐ-BQLKKT"],
                hidden: hidden.clone(),
            },
        )
        .await;

        // A forged seal shows no fact of the certificate it imitates.
        hidden.extend([
            genuine_code.as_str(),
            genuine_names[0].as_str(),
            genuine_names[1].as_str(),
            "Mã số dự án",
        ]);
        check_page(
            &client,
            &base,
            &format!("/v/{forged}"),
            &Expect {
                name: "not-genuine",
                headline_vi: "Không hợp lệ — không phải giấy chứng nhận do cơ quan này cấp",
                headline_en: "Not genuine — not issued by this registry",
                colour: "red",
                shown: vec!["Không chấp nhận giấy tờ này"],
                hidden: hidden.clone(),
            },
        )
        .await;

        // An outage is "could not check", in grey, and never "not genuine".
        hidden.push("Không hợp lệ");
        check_page(
            &client,
            &format!("http://{outage_addr}"),
            &format!("/v/{}", seal_of(&genuine)),
            &Expect {
                name: "unavailable",
                headline_vi: "Chưa kiểm tra được lúc này",
                headline_en: "Could not check right now",
                colour: "grey",
                shown: vec!["KHÔNG phải là kết luận", "Thử lại"],
                hidden,
            },
        )
        .await;
        // "Try again" asks once more, on the same page.
        client
            .find(Locator::Id("retry"))
            .await
            .expect("a try-again link")
            .click()
            .await
            .expect("the link opens");
        assert_eq!(
            client.current_url().await.unwrap().path(),
            format!("/v/{}", seal_of(&genuine))
        );
        assert_eq!(look(&client).await.headline, "Chưa kiểm tra được lúc này");
    };
    let outcome = tokio::time::timeout(
        Duration::from_secs(180),
        std::panic::AssertUnwindSafe(checks).catch_unwind(),
    )
    .await;
    // Close the browser before the driver goes, even when a check failed.
    let _ = client.close().await;
    drop(driver);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => panic!("the browser checks took more than three minutes"),
    }
}
