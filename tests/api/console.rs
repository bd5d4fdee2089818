//! The staff console in a real browser (Debian's Chromium, headless, through chromedriver): the
//! whole desk-to-certificate flow with three people, the refusals a person meets on screen, and
//! full-page screenshots saved in `$SCREENSHOT_DIR` (default `target/screenshots/`) as
//! `console-*.png` for a person to look at.
//!
//! Without `chromium` and `chromedriver` the test prints a note and passes, unless
//! `REQUIRE_BROWSER=1` (CI), where it fails.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use base64::Engine as _;
use fantoccini::{Client, ClientBuilder, Locator, wd::TimeoutConfiguration};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    browser::{Cdp, Driver, browser_tools},
    dossiers::tiny_pdf,
    helpers::{TestApp, USER_PASSWORD, zone_body},
};

const WIDTH: u32 = 1280;

async fn desktop(driver: &Driver, chromium: &Path) -> Client {
    let mut caps = fantoccini::wd::Capabilities::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--lang=vi-VN", format!("--window-size={WIDTH},900")],
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
            Some(Duration::from_secs(30)),
            Some(Duration::from_secs(0)),
        ))
        .await
        .expect("timeouts are set");
    client
}

async fn shot(client: &Client, name: &str) {
    let dir = std::env::var_os("SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
    std::fs::create_dir_all(&dir).expect("the screenshot folder can be made");
    let size = client
        .execute(
            "return [document.documentElement.clientWidth, document.documentElement.scrollHeight];",
            vec![],
        )
        .await
        .expect("page size");
    let width = size[0].as_f64().unwrap_or(f64::from(WIDTH));
    let height = size[1].as_f64().unwrap_or(900.0);
    let png = client
        .issue_cmd(Cdp {
            cmd: "Page.captureScreenshot",
            params: json!({"format": "png", "captureBeyondViewport": true,
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
        })
        .await
        .expect("Chromium takes a screenshot");
    let png = base64::engine::general_purpose::STANDARD
        .decode(png["data"].as_str().expect("screenshot data"))
        .expect("base64");
    let path = dir.join(format!("console-{name}.png"));
    std::fs::write(&path, png).expect("the screenshot is saved");
    eprintln!("screenshot: {}", path.display());
}

/// Waits until the preview frame shows the PDF: Chromium's viewer draws it some time after the
/// page has loaded, and gives no signal a script can read, so the frame's own picture is taken
/// until it is more than the viewer's empty grey (a rendered page compresses far less).
async fn wait_for_preview(client: &Client) {
    let rect = client
        .execute(
            "const r = document.querySelector('iframe.preview').getBoundingClientRect();
             window.scrollTo(0, 0);
             return [r.x, r.y, r.width, r.height];",
            vec![],
        )
        .await
        .expect("the preview frame is on the page");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let png = client
            .issue_cmd(Cdp {
                cmd: "Page.captureScreenshot",
                params: json!({"format": "png", "clip": {"x": rect[0], "y": rect[1],
                    "width": rect[2], "height": rect[3], "scale": 1}}),
            })
            .await
            .expect("Chromium takes a screenshot");
        let size = png["data"].as_str().map_or(0, str::len);
        if size > 40_000 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the preview frame stayed empty ({size} bytes of picture)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn text(client: &Client) -> String {
    client
        .execute("return document.body.innerText;", vec![])
        .await
        .expect("page text")
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn fill(client: &Client, id: &str, value: &str) {
    let el = client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("field #{id}: {e}"));
    el.clear().await.ok();
    el.send_keys(value).await.expect("typing");
}

async fn choose(client: &Client, id: &str, value: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("select #{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("option {value} of #{id}: {e}"));
}

/// Clicks, then waits until the page it leads to has loaded (a form's answer may be the same
/// address, so the old document is marked and the wait is for a document without the mark).
async fn click(client: &Client, css: &str) {
    client
        .execute("window.__before_click = true;", vec![])
        .await
        .expect("the page is marked");
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let done = client
            .execute(
                "return !window.__before_click && document.readyState === 'complete';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if done {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{css} led to no new page"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Clicks something that does not leave the page (a check box).
async fn tick(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// Presses a button whose form asks "are you sure?" and says yes (the page's own question is
/// answered by replacing `window.confirm` for this one press).
async fn click_and_confirm(client: &Client, css: &str) {
    client
        .execute("window.confirm = () => true;", vec![])
        .await
        .expect("the question is answered");
    click(client, css).await;
}

async fn sign_in(client: &Client, base: &str, username: &str, password: &str) {
    client.delete_all_cookies().await.expect("cookies cleared");
    client
        .goto(&format!("{base}/console"))
        .await
        .expect("the console loads");
    let url = client.current_url().await.unwrap();
    assert!(
        url.path().ends_with("/console/sign-in"),
        "an anonymous visit lands on the sign-in page, not {url}: {}",
        text(client).await
    );
    fill(client, "username", username).await;
    fill(client, "password", password).await;
    click(client, "form.card button[type=submit]").await;
    let seen = text(client).await;
    assert!(
        seen.contains("Tổng quan"),
        "{username} reaches the dashboard: {seen}"
    );
}

async fn path_of(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}

#[tokio::test]
async fn a_dossier_goes_from_the_desk_to_a_certificate_in_the_browser() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    let app = TestApp::spawn().await;
    // What exists before the desk opens: a zone with a free parcel, and the three people.
    let zone = app
        .as_admin()
        .post("/api/v1/zones", &zone_body("KCN-NDH"))
        .await;
    assert_eq!(zone.status(), StatusCode::CREATED);
    let zone: Value = zone.json().await.unwrap();
    let zone_id = zone["id"].as_str().unwrap().to_owned();
    let parcel = app
        .as_admin()
        .post(
            &format!("/api/v1/zones/{zone_id}/parcels"),
            &json!({"lot_code": "CN-07", "area_m2": 20000, "land_use": "industrial"}),
        )
        .await;
    assert_eq!(parcel.status(), StatusCode::CREATED);
    let parcel: Value = parcel.json().await.unwrap();
    app.create_user("thu-ly", &["clerk"]).await;
    app.approver_token("lanh-dao").await;
    // The officer "officer" exists in every test app.
    let pdf_path = std::env::temp_dir().join(format!("to-trinh-{}.pdf", std::process::id()));
    std::fs::write(&pdf_path, tiny_pdf("Văn bản đề nghị thực hiện dự án")).unwrap();

    let driver = Driver::start(&chromedriver);
    let client = desktop(&driver, &chromium).await;
    let base = format!("http://{}", app.addr);

    // The landing page.
    client.goto(&format!("{base}/")).await.unwrap();
    let seen = text(&client).await;
    assert!(seen.contains("Bảng điều khiển cán bộ") && seen.contains("Xác thực giấy chứng nhận"));
    shot(&client, "landing").await;

    // 1. The clerk takes in a dossier with an attachment.
    sign_in(&client, &base, "thu-ly", USER_PASSWORD).await;
    client
        .goto(&format!("{base}/console/dossiers/new?procedure=irc_issue"))
        .await
        .unwrap();
    fill(&client, "f-applicant.name", "Công ty TNHH Bao bì Quảng Trị").await;
    // Submitted without what is asked: the error stands next to the field.
    click(&client, "form[enctype] button[type=submit]").await;
    let error = client
        .find(Locator::Css(".field.invalid #f-subject + .field-error"))
        .await
        .expect("the subject's error is shown next to it");
    assert!(
        error.text().await.unwrap().contains("Bắt buộc"),
        "the error says the field is required"
    );
    let described = client
        .find(Locator::Id("f-subject"))
        .await
        .unwrap()
        .attr("aria-describedby")
        .await
        .unwrap();
    assert_eq!(
        described.as_deref(),
        Some("error-subject"),
        "the field points to its error"
    );
    assert_eq!(
        client
            .find(Locator::Id("f-applicant.name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Công ty TNHH Bao bì Quảng Trị"),
        "what was typed is kept"
    );
    fill(&client, "f-subject", "Dự án nhà máy sản xuất bao bì").await;
    for check in client
        .find_all(Locator::Css("input[name=provided]"))
        .await
        .unwrap()
    {
        if check.prop("checked").await.unwrap().as_deref() != Some("true") {
            check.click().await.unwrap();
        }
    }
    tick(&client, "#f-complete").await;
    client
        .find(Locator::Id("f-files"))
        .await
        .unwrap()
        .send_keys(pdf_path.to_str().unwrap())
        .await
        .expect("the file is chosen");
    click(&client, "form[enctype] button[type=submit]").await;
    let seen = text(&client).await;
    assert!(seen.contains("Đã tiếp nhận hồ sơ"), "{seen}");
    let code = client
        .find(Locator::Id("receipt-code"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(code.starts_with("BQLKKT-"), "{code}");
    click(&client, "a[href^='/console/dossiers/']").await;
    let dossier_path = path_of(&client).await;
    let seen = text(&client).await;
    assert!(
        seen.contains("to-trinh-"),
        "the attachment is listed: {seen}"
    );
    assert!(seen.contains("Đã tiếp nhận, hồ sơ hợp lệ"), "{seen}");

    // A form without its CSRF token is refused and changes nothing.
    client
        .goto(&format!("{base}/console/password"))
        .await
        .unwrap();
    client
        .execute(
            "document.querySelector('main form input[name=csrf]').remove();",
            vec![],
        )
        .await
        .unwrap();
    fill(&client, "f-current_password", USER_PASSWORD).await;
    fill(&client, "f-password", "a-brand-new-password-1").await;
    fill(&client, "f-confirm", "a-brand-new-password-1").await;
    click(&client, "main form button[type=submit]").await;
    let seen = text(&client).await;
    assert!(
        seen.contains("CSRF"),
        "refused for the missing token: {seen}"
    );
    let login = app
        .client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "thu-ly", "password": USER_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login.status(),
        StatusCode::OK,
        "the password did not change"
    );

    client.goto(&format!("{base}/console")).await.unwrap();
    shot(&client, "dashboard").await;

    // 2. The officer reviews, registers the investor and the project, leases land and drafts.
    sign_in(&client, &base, "officer", USER_PASSWORD).await;
    client.goto(&format!("{base}{dossier_path}")).await.unwrap();
    click(&client, "#step-start_review").await;
    let seen = text(&client).await;
    assert!(seen.contains("Đang thẩm định"), "{seen}");

    client
        .goto(&format!("{base}/console/investors/new"))
        .await
        .unwrap();
    choose(&client, "f-kind", "domestic_organization").await;
    fill(&client, "f-name", "Công ty TNHH Bao bì Quảng Trị").await;
    choose(&client, "f-document.doc_type", "enterprise_code").await;
    fill(&client, "f-document.number", "3200123456").await;
    fill(&client, "f-document.issue_date", "15/03/2019").await;
    fill(
        &client,
        "f-head_office_address",
        "Số 12 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
    )
    .await;
    fill(&client, "f-representative.name", "Nguyễn Thị Hoa").await;
    fill(&client, "f-representative.title", "Giám đốc").await;
    click(&client, "main form button[type=submit]").await;
    let investor_path = path_of(&client).await;
    assert!(!investor_path.ends_with("/new"), "{}", text(&client).await);
    let investor_id = investor_path.rsplit('/').next().unwrap().to_owned();

    client
        .goto(&format!("{base}/console/projects/new"))
        .await
        .unwrap();
    fill(&client, "f-name_vi", "Nhà máy sản xuất bao bì Quảng Trị").await;
    choose(&client, "f-zone_id", &zone_id).await;
    choose(&client, "f-investors[0].investor_id", &investor_id).await;
    fill(&client, "f-investors[0].capital_vnd", "20.000.000.000").await;
    fill(
        &client,
        "f-objectives[0].description",
        "Sản xuất bao bì giấy",
    )
    .await;
    fill(&client, "f-objectives[0].vsic_code", "1702").await;
    fill(&client, "f-total_capital_vnd", "120.000.000.000").await;
    fill(&client, "f-contributed_capital_vnd", "20.000.000.000").await;
    fill(&client, "f-mobilized_capital_vnd", "100.000.000.000").await;
    fill(&client, "f-duration_years", "50").await;
    click(&client, "main form button[type=submit]").await;
    let project_path = path_of(&client).await;
    assert!(!project_path.ends_with("/new"), "{}", text(&client).await);

    choose(&client, "f-parcel_id", parcel["id"].as_str().unwrap()).await;
    fill(&client, "f-area_m2", "12500,5").await;
    fill(&client, "f-start_date", "01/12/2026").await;
    fill(&client, "f-end_date", "30/11/2066").await;
    click(&client, "form[action$='/leases'] button[type=submit]").await;
    let seen = text(&client).await;
    assert!(
        seen.contains("CN-07") && seen.contains("Đang thuê"),
        "the lease is listed: {seen}"
    );
    shot(&client, "project").await;

    // Editing a project someone else has just changed: "someone else changed this; reload".
    let project_id = project_path.rsplit('/').next().unwrap().to_owned();
    client
        .goto(&format!("{base}{project_path}/edit"))
        .await
        .unwrap();
    fill(&client, "f-scale", "Công suất 12.000 tấn bao bì mỗi năm").await;
    let current = app.get(&format!("/api/v1/projects/{project_id}")).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let changed = app
        .client
        .patch(format!("{base}/api/v1/projects/{project_id}"))
        .bearer_auth(&app.token)
        .header("if-match", etag)
        .json(&json!({"address": "Lô CN-07, Khu công nghiệp Nam Đông Hà"}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    click(&client, "main form button[type=submit]").await;
    let seen = text(&client).await;
    assert!(seen.contains("Người khác vừa thay đổi mục này"), "{seen}");
    client
        .goto(&format!("{base}{project_path}/edit"))
        .await
        .unwrap();
    fill(&client, "f-scale", "Công suất 12.000 tấn bao bì mỗi năm").await;
    click(&client, "main form button[type=submit]").await;
    let seen = text(&client).await;
    assert!(
        seen.contains("Lô CN-07, Khu công nghiệp Nam Đông Hà"),
        "the other change is kept after reloading: {seen}"
    );
    assert_eq!(path_of(&client).await, project_path, "saved");

    let dossier_id = dossier_path.rsplit('/').next().unwrap().to_owned();
    choose(&client, "f-dossier_id", &dossier_id).await;
    click(&client, "form[action$='/draft'] button[type=submit]").await;
    let certificate_path = path_of(&client).await;
    assert!(
        certificate_path.starts_with("/console/certificates/"),
        "{}",
        text(&client).await
    );
    let seen = text(&client).await;
    assert!(
        seen.contains("Bản dự thảo") && seen.contains("bốn mắt"),
        "{seen}"
    );
    // The preview is the watermarked draft PDF, served to the page's frame.
    let preview = app
        .client
        .get(format!("{base}{certificate_path}/preview"))
        .send()
        .await
        .unwrap();
    assert!(
        preview.url().path().ends_with("/console/sign-in"),
        "no preview without a session: {}",
        preview.url()
    );
    wait_for_preview(&client).await;
    shot(&client, "certificate-preview").await;

    // The drafter may not approve: refused on screen.
    click_and_confirm(&client, "#approve").await;
    let seen = text(&client).await;
    assert!(seen.contains("Bạn không có quyền"), "{seen}");

    // 3. The approver approves.
    sign_in(&client, &base, "lanh-dao", USER_PASSWORD).await;
    client
        .goto(&format!("{base}{certificate_path}"))
        .await
        .unwrap();
    click_and_confirm(&client, "#approve").await;
    let seen = text(&client).await;
    assert!(seen.contains("Đang có hiệu lực"), "{seen}");
    let verify_link = client
        .find(Locator::Css("a.verify-link"))
        .await
        .expect("the version links to its verification page")
        .attr("href")
        .await
        .unwrap()
        .unwrap();

    // 4. The clerk returns the result.
    sign_in(&client, &base, "thu-ly", USER_PASSWORD).await;
    client.goto(&format!("{base}{dossier_path}")).await.unwrap();
    assert!(
        text(&client)
            .await
            .contains("Đã giải quyết, chờ trả kết quả")
    );
    click(&client, "#step-return_result").await;
    let seen = text(&client).await;
    assert!(seen.contains("Đã trả kết quả"), "{seen}");
    for step in [
        "Tiếp nhận tại Bộ phận một cửa",
        "Chuyển thẩm định",
        "Trả kết quả",
    ] {
        assert!(seen.contains(step), "the timeline shows {step}: {seen}");
    }
    shot(&client, "dossier-timeline").await;
    // Readable at phone width: nothing runs off the side of the page (wide tables scroll inside
    // their own box).
    client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    client.refresh().await.unwrap();
    let overflow = client
        .execute(
            "const w = document.documentElement.clientWidth;
             const right = [...document.querySelectorAll('body *')]
                 .filter((e) => !e.closest('.scroll') && e.getClientRects().length > 0)
                 .map((e) => e.getBoundingClientRect().right);
             return Math.max(document.documentElement.scrollWidth, ...right) - w;",
            vec![],
        )
        .await
        .unwrap()
        .as_f64()
        .unwrap_or(f64::NAN);
    assert!(
        overflow <= 0.0,
        "the dossier page is wider than a phone by {overflow} px"
    );
    shot(&client, "dossier-phone").await;
    client.set_window_size(WIDTH, 900).await.unwrap();

    // 5. Anyone verifies it from its QR link.
    let cert_id = certificate_path.rsplit('/').next().unwrap();
    let cert: Value = app
        .as_admin()
        .get(&format!("/api/v1/certificates/{cert_id}"))
        .await
        .json()
        .await
        .unwrap();
    let seal = cert["seal"]
        .as_str()
        .expect("the issued version has a seal");
    assert_eq!(verify_link, format!("/v/{seal}"));
    client.delete_all_cookies().await.unwrap();
    client.goto(&format!("{base}/v/{seal}")).await.unwrap();
    let seen = text(&client).await;
    assert!(seen.contains("Hợp lệ — đang có hiệu lực"), "{seen}");

    // The admin's audit page, with the chain check.
    sign_in(&client, &base, "admin", crate::helpers::ADMIN_PASSWORD).await;
    client
        .goto(&format!("{base}/console/admin/audit"))
        .await
        .unwrap();
    if client
        .find(Locator::Css(
            "form[action$='/verify'] button, form[action*='audit'] button",
        ))
        .await
        .is_ok()
    {
        click(&client, "form[action*='audit'] button[type=submit]").await;
    }
    shot(&client, "admin-audit").await;

    client.close().await.ok();
    std::fs::remove_file(&pdf_path).ok();
}

/// A console visitor over plain HTTP: keeps the cookies the server sets, follows nothing.
struct Visitor<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
    /// Every `Set-Cookie` seen, as sent.
    set: Vec<String>,
}

impl<'a> Visitor<'a> {
    fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Default::default(),
            set: Vec::new(),
        }
    }

    fn keep(&mut self, resp: &reqwest::Response) {
        for v in resp.headers().get_all("set-cookie") {
            let v = v.to_str().unwrap().to_owned();
            let pair = v.split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            if val.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
            self.set.push(v);
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let resp = self
            .client
            .get(format!("http://{}{path}", self.app.addr))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, resp.text().await.unwrap(), headers)
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
        let resp = self
            .client
            .post(format!("http://{}{path}", self.app.addr))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        let status = resp.status();
        (status, resp.text().await.unwrap())
    }

    async fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        let resp = self
            .client
            .post(format!("http://{}{path}", self.app.addr))
            .header("cookie", self.cookie_header())
            .multipart(form)
            .send()
            .await
            .unwrap();
        self.keep(&resp);
        let status = resp.status();
        (status, resp.text().await.unwrap())
    }

    /// The CSRF token of the first form on a page.
    async fn token(&mut self, path: &str) -> String {
        let (_, html, _) = self.get(path).await;
        let at = html
            .find("name=\"csrf\" value=\"")
            .expect("the page has a form token")
            + 19;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    }

    async fn sign_in(&mut self, username: &str, password: &str) -> (StatusCode, String) {
        let csrf = self.token("/console/sign-in").await;
        self.post(
            "/console/sign-in",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", "/console"),
            ],
        )
        .await
    }
}

#[tokio::test]
async fn the_console_session_is_the_apis_with_its_cookie_rules_lock_out_and_roles() {
    let app = TestApp::spawn().await;
    app.create_user("mot-cua", &["clerk"]).await;
    let mut v = Visitor::new(&app);

    // The pages' headers: no inline script, nothing from elsewhere, never cached, not framed.
    let (status, _, headers) = v.get("/console/sign-in").await;
    assert_eq!(status, StatusCode::OK);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers["cache-control"], "no-store");

    // Wrong password: said on the page, nothing else.
    let (status, html) = v.sign_in("mot-cua", "not-the-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(html.contains("Sai tên đăng nhập hoặc mật khẩu"));
    // Without the form's token the sign-in is refused before the password is checked.
    let (status, html) = v
        .post(
            "/console/sign-in",
            &[("username", "mot-cua"), ("password", USER_PASSWORD)],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("CSRF"));

    // Signed in: the session cookie is HttpOnly and SameSite=Strict, and it is the API's session.
    let (status, _) = v.sign_in("mot-cua", USER_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let session = v
        .set
        .iter()
        .find(|c| c.starts_with("irs_console=") && !c.starts_with("irs_console=;"))
        .expect("a session cookie")
        .clone();
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Strict"),
        "{session}"
    );
    assert!(
        !session.contains("Secure"),
        "plain HTTP: not Secure ({session})"
    );
    let token = v.cookies["irs_console"].clone();
    assert_eq!(
        app.as_user(&token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    // The clerk's screens, and a refusal for the admin's.
    let (status, html, _) = v.get("/console/dossiers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Tiếp nhận hồ sơ mới"));
    let (status, html, _) = v.get("/console/admin/users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Bạn không có quyền"), "{html}");

    // English on request, remembered; the way back stays on this site.
    let (status, _, headers) = v.get("/console/lang?to=en&back=/console/dossiers").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/console/dossiers");
    let (_, html, _) = v.get("/console/dossiers").await;
    assert!(html.contains("Take in a new dossier") && html.contains("lang=\"en\""));
    let (_, _, headers) = v.get("/console/lang?to=vi&back=//elsewhere.example/").await;
    assert_eq!(headers["location"], "/console");
    let (_, html, _) = v.get("/console/dossiers").await;
    assert!(html.contains("Tiếp nhận hồ sơ mới"));

    // Changing one's own password: the wrong current one is named next to its field; the right
    // one ends the account's other sessions and keeps this one.
    let other = app.login("mot-cua", USER_PASSWORD).await;
    let csrf = v.token("/console/password").await;
    let (status, html) = v
        .post(
            "/console/password",
            &[
                ("csrf", &csrf),
                ("current_password", "wrong-current-password"),
                ("password", "a-new-password-for-the-desk"),
                ("confirm", "a-new-password-for-the-desk"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"error-current_password\""), "{html}");
    let (status, html) = v
        .post(
            "/console/password",
            &[
                ("csrf", &csrf),
                ("current_password", USER_PASSWORD),
                ("password", "a-new-password-for-the-desk"),
                ("confirm", "a-new-password-for-the-desk"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Đã đổi mật khẩu"));
    assert_eq!(
        app.as_user(&other).get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.as_user(&token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );

    // Signing out ends the session for the API too.
    let csrf = v.token("/console").await;
    let (status, _) = v.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.as_user(&token).get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The lock-out is the API's: five wrong passwords at the console, and this client is also
    // refused at the API for that account.
    for _ in 0..5 {
        v.sign_in("mot-cua", "still-not-the-password").await;
    }
    let (status, html) = v.sign_in("mot-cua", "a-new-password-for-the-desk").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{html}");
    let api = app
        .anonymous()
        .post(
            "/api/v1/auth/login",
            &json!({"username": "mot-cua", "password": "a-new-password-for-the-desk"}),
        )
        .await;
    assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Every console address that changes something, with `{id}` for an id in the path.
const FORMS: &[&str] = &[
    "/console/password",
    "/console/sign-out",
    "/console/dossiers/new",
    "/console/dossiers/{id}/act",
    "/console/dossiers/{id}/apology",
    "/console/dossiers/{id}/slip",
    "/console/dossiers/{id}/files",
    "/console/investors/new",
    "/console/investors/{id}/edit",
    "/console/projects/new",
    "/console/projects/{id}/edit",
    "/console/projects/{id}/leases",
    "/console/projects/{id}/release",
    "/console/projects/{id}/draft",
    "/console/certificates/{id}/approve",
    "/console/certificates/{id}/reject",
    "/console/certificates/{id}/lifecycle",
    "/console/zones/new",
    "/console/zones/{id}/edit",
    "/console/zones/{id}/parcels/new",
    "/console/parcels/{id}/edit",
    "/console/admin/users",
    "/console/admin/users/{id}/signing",
    "/console/admin/users/{id}/disable",
    "/console/admin/users/{id}/enable",
    "/console/admin/users/{id}/reset-password",
    "/console/admin/keys",
    "/console/admin/keys/{id}/revoke",
    "/console/admin/audit/verify",
];

#[tokio::test]
async fn every_console_form_without_its_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let mut v = Visitor::new(&app);
    let (status, _) = v.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let admin_id = app.as_admin().get_json("/api/v1/me").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let audit_before = app.as_admin().get_json("/api/v1/audit?limit=200").await;
    for path in FORMS {
        let path = path.replace("{id}", &admin_id);
        for token in [None, Some("0".repeat(64))] {
            let mut form: Vec<(&str, &str)> = vec![("reason", "x"), ("action", "suspend")];
            if let Some(t) = &token {
                form.push(("csrf", t));
            }
            let multipart = path.ends_with("/dossiers/new") || path.ends_with("/files");
            let (status, html) = if multipart {
                v.post_multipart(&path, &form).await
            } else {
                v.post(&path, &form).await
            };
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{path} without its token: {html}"
            );
            assert!(html.contains("CSRF"), "{path}: the page says why");
        }
    }
    // Still signed in, and nothing was written.
    let (status, _, _) = v.get("/console").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.as_admin().get_json("/api/v1/audit?limit=200").await["items"],
        audit_before["items"],
        "no form without its token changed anything"
    );
}

#[tokio::test]
async fn the_desk_asks_for_more_refuses_with_reasons_and_apologises_on_screen() {
    let app = TestApp::spawn().await;
    app.create_user("mot-cua", &["clerk"]).await;
    app.approver_token("lanh-dao").await;
    let mut clerk = Visitor::new(&app);
    clerk.sign_in("mot-cua", USER_PASSWORD).await;

    // An incomplete file: the desk says what is missing; without saying it, it is refused.
    let csrf = clerk
        .token("/console/dossiers/new?procedure=irc_issue")
        .await;
    let intake = [
        ("csrf", csrf.as_str()),
        ("procedure_code", "irc_issue"),
        ("applicant.kind", "individual"),
        ("applicant.name", "Nguyễn Văn Bình"),
        ("applicant.id_number", "044090001234"),
        ("subject", "Dự án xưởng chế biến gỗ"),
        ("provided", "request"),
    ];
    let (status, html) = clerk.post_multipart("/console/dossiers/new", &intake).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"error-supplement_request\""), "{html}");
    let mut with_missing = intake.to_vec();
    with_missing.push(("supplement_request", "Thiếu đề xuất dự án đầu tư"));
    let (status, html) = clerk
        .post_multipart("/console/dossiers/new", &with_missing)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    assert!(html.contains("Yêu cầu bổ sung hồ sơ"));
    let at = html.find("/console/dossiers/").unwrap();
    let dossier = html[at..at + 54].to_owned();
    assert!(
        !dossier.contains("044090001234"),
        "no personal data in the address"
    );

    // The complete file arrives: received, the clock starts; then refused by the approver.
    let csrf = clerk.token(&dossier).await;
    let today = app.now().format("%Y-%m-%d").to_string();
    let docs = crate::dossiers::required_docs(&app, "irc_issue", &today).await;
    let mut receive = vec![("csrf", csrf.as_str()), ("action", "receive")];
    receive.extend(docs.iter().map(|d| ("provided", d.as_str())));
    let (status, html) = clerk.post(&format!("{dossier}/act"), &receive).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let mut leader = Visitor::new(&app);
    leader.sign_in("lanh-dao", USER_PASSWORD).await;
    let csrf = leader.token(&dossier).await;
    let (status, html) = leader
        .post(
            &format!("{dossier}/act"),
            &[("csrf", &csrf), ("action", "refuse")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the reasons are required"
    );
    assert!(html.contains("id=\"error-reason\""), "{html}");
    // The clerk may not refuse: the page says so.
    let csrf = clerk.token(&dossier).await;
    let (status, html) = clerk
        .post(
            &format!("{dossier}/act"),
            &[
                ("csrf", &csrf),
                ("action", "refuse"),
                ("reason", "Không phù hợp quy hoạch"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("Bạn không có quyền"));

    // Past its due date the dossier is late: the desk apologises with a new date, and the
    // letter is printed.
    app.advance(Duration::from_secs(30 * 86_400));
    // A month later the sessions have long ended: both sign in again.
    let (status, _, _) = clerk.get(&dossier).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "an expired session goes to the sign-in page"
    );
    clerk.sign_in("mot-cua", USER_PASSWORD).await;
    leader.sign_in("lanh-dao", USER_PASSWORD).await;
    let csrf = leader.token(&dossier).await;
    let (status, _) = leader
        .post(
            &format!("{dossier}/act"),
            &[
                ("csrf", &csrf),
                ("action", "refuse"),
                ("reason", "Không phù hợp quy hoạch phân khu"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html, _) = clerk.get(&dossier).await;
    assert!(html.contains("Không phù hợp quy hoạch phân khu") && html.contains("Trễ hạn"));
    let csrf = clerk.token(&dossier).await;
    let (status, html) = clerk
        .post(
            &format!("{dossier}/apology"),
            &[
                ("csrf", &csrf),
                ("reason", "Chờ ý kiến Sở Xây dựng"),
                ("new_date", "31/02/2027"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains("id=\"error-new_date\""),
        "an impossible date is named: {html}"
    );
    let new_date = (app.now() + chrono::Duration::days(14)).format("%d/%m/%Y");
    let (status, html) = clerk
        .post(
            &format!("{dossier}/apology"),
            &[
                ("csrf", &csrf),
                ("reason", "Chờ ý kiến Sở Xây dựng"),
                ("new_date", &new_date.to_string()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, html, _) = clerk.get(&dossier).await;
    let at = html.find("/apologies/").expect("the letter is linked");
    let letter = format!("{dossier}{}", &html[at..at + 11 + 36]);
    let resp = clerk
        .client
        .get(format!("http://{}{letter}", app.addr))
        .header("cookie", clerk.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.unwrap().starts_with(b"%PDF"));
    let csrf = clerk.token(&dossier).await;
    let (status, _) = clerk
        .post(
            &format!("{dossier}/act"),
            &[("csrf", &csrf), ("action", "return_result")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html, _) = clerk.get(&dossier).await;
    assert!(html.contains("Đã trả kết quả"));
}

#[tokio::test]
async fn search_ignores_diacritics_and_admins_see_new_secrets_once() {
    let app = TestApp::spawn().await;
    let mut admin = Visitor::new(&app);
    admin.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;

    let csrf = admin.token("/console/investors/new").await;
    let (status, html) = admin
        .post(
            "/console/investors/new",
            &[
                ("csrf", &csrf),
                ("kind", "domestic_organization"),
                ("name", "Công ty Cổ phần Gỗ Đông Hà"),
                ("nationality", "VN"),
                ("document.doc_type", "enterprise_code"),
                ("document.number", "3200654321"),
                ("head_office_address", "Số 5 Hùng Vương, Đông Hà, Quảng Trị"),
                ("representative.name", "Lê Văn Nam"),
                ("representative.title", "Tổng Giám đốc"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    for q in ["go dong ha", "GỖ ĐÔNG", "cong ty co phan"] {
        let (_, html, _) = admin
            .get(&format!("/console/investors?q={}", urlencode(q)))
            .await;
        assert!(html.contains("Công ty Cổ phần Gỗ Đông Hà"), "{q} finds it");
    }
    let (_, html, _) = admin.get("/console/investors?q=go+quang+binh").await;
    assert!(
        !html.contains("Công ty Cổ phần Gỗ Đông Hà"),
        "every word must match"
    );

    // A new account's password, shown once, works.
    let csrf = admin.token("/console/admin/users").await;
    let (status, html) = admin
        .post(
            "/console/admin/users",
            &[
                ("csrf", &csrf),
                ("username", "chuyen-vien-2"),
                ("display_name", "Trần Thị Lan"),
                ("roles", "officer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let at = html.find("id=\"secret\">").expect("the password is shown") + 12;
    let password = html[at..at + html[at..].find('<').unwrap()].to_owned();
    let token = app.login("chuyen-vien-2", &password).await;
    assert_eq!(
        app.as_user(&token).get("/api/v1/me").await.status(),
        StatusCode::OK
    );
    let (_, html, _) = admin.get("/console/admin/users").await;
    assert!(
        html.contains("chuyen-vien-2") && !html.contains(&password),
        "never shown again"
    );

    // An agency key, shown once, reads the registry.
    let csrf = admin.token("/console/admin/keys").await;
    let (status, html) = admin
        .post(
            "/console/admin/keys",
            &[
                ("csrf", &csrf),
                ("agency", "Cục Thống kê tỉnh Quảng Trị"),
                ("scopes", "registry:read"),
                ("rate_limit_per_minute", "600"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let at = html.find("id=\"secret\">").expect("the key is shown") + 12;
    let key = html[at..at + html[at..].find('<').unwrap()].to_owned();
    let resp = app
        .client
        .get(format!("http://{}/api/v1/zones", app.addr))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let (_, html, _) = admin.get("/console/admin/keys").await;
    assert!(html.contains("Cục Thống kê tỉnh Quảng Trị") && !html.contains(&key));
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The path a `303 See Other` sends to.
async fn post_to(v: &mut Visitor<'_>, path: &str, form: &[(&str, &str)]) -> String {
    let resp = v
        .client
        .post(format!("http://{}{path}", v.app.addr))
        .header("cookie", v.cookie_header())
        .form(form)
        .send()
        .await
        .unwrap();
    v.keep(&resp);
    let status = resp.status();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    let body = resp.text().await.unwrap();
    assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {body}");
    location.expect("a Location")
}

#[tokio::test]
async fn zones_parcels_and_a_certificates_lifecycle_are_kept_on_screen() {
    let app = TestApp::spawn().await;
    app.create_user("can-bo", &["officer"]).await;
    let mut officer = Visitor::new(&app);
    officer.sign_in("can-bo", USER_PASSWORD).await;

    // A zone and a parcel, made and corrected through their forms.
    let csrf = officer.token("/console/zones/new").await;
    let zone = post_to(
        &mut officer,
        "/console/zones/new",
        &[
            ("csrf", &csrf),
            ("code", "KCN-QT"),
            ("name", "Khu công nghiệp Quán Ngang"),
            ("kind", "industrial_park"),
            ("province", "Quảng Trị"),
            ("total_area_m2", "2.030.000"),
            ("status", "operating"),
        ],
    )
    .await;
    let (status, html, _) = officer.get(&zone).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Khu công nghiệp Quán Ngang") && html.contains("203 ha"),
        "{html}"
    );
    let csrf = officer.token(&format!("{zone}/parcels/new")).await;
    let (status, html) = officer
        .post(
            &format!("{zone}/parcels/new"),
            &[
                ("csrf", &csrf),
                ("lot_code", "B-1"),
                ("area_m2", "9.000.000"),
                ("land_use", "industrial"),
                ("status", "available"),
            ],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "larger than the zone: {html}"
    );
    assert!(html.contains("id=\"error-area_m2\""), "{html}");
    post_to(
        &mut officer,
        &format!("{zone}/parcels/new"),
        &[
            ("csrf", &csrf),
            ("lot_code", "B-1"),
            ("area_m2", "15.000"),
            ("land_use", "industrial"),
            ("status", "available"),
        ],
    )
    .await;
    let (_, html, _) = officer.get(&zone).await;
    assert!(html.contains("B-1") && html.contains("15.000 m²"), "{html}");
    // An edit made on a version someone else has since changed is refused with a reload hint.
    let (_, form, _) = officer.get(&format!("{zone}/edit")).await;
    let at = form.find("name=\"version\" value=\"").unwrap() + 22;
    let stale = form[at..at + form[at..].find('"').unwrap()].to_owned();
    let csrf = officer.token(&format!("{zone}/edit")).await;
    let edit = |name: &'static str, version: String, csrf: String| {
        vec![
            ("csrf".to_owned(), csrf),
            ("version".to_owned(), version),
            ("code".to_owned(), "KCN-QT".to_owned()),
            ("name".to_owned(), name.to_owned()),
            ("kind".to_owned(), "industrial_park".to_owned()),
            ("province".to_owned(), "Quảng Trị".to_owned()),
            ("total_area_m2".to_owned(), "2.030.000".to_owned()),
            ("status".to_owned(), "operating".to_owned()),
        ]
    };
    let first = edit(
        "Khu công nghiệp Quán Ngang (mở rộng)",
        stale.clone(),
        csrf.clone(),
    );
    let first: Vec<(&str, &str)> = first
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    post_to(&mut officer, &format!("{zone}/edit"), &first).await;
    let second = edit("Tên khác", stale, csrf);
    let second: Vec<(&str, &str)> = second
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let (status, html) = officer.post(&format!("{zone}/edit"), &second).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    assert!(html.contains("Người khác vừa thay đổi mục này"), "{html}");

    // An issued certificate: the approver suspends, resumes and revokes it with reasons on its
    // page, and anyone signed in downloads the signed PDF.
    let (_project, cert, _) = crate::issuing::issued(&app, "QN").await;
    let page = format!("/console/certificates/{}", cert["id"].as_str().unwrap());
    let (status, pdf, _) = officer.get(&format!("{page}/pdf")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with("%PDF"));
    let csrf = officer.token(&page).await;
    let (status, html) = officer
        .post(
            &format!("{page}/lifecycle"),
            &[("csrf", &csrf), ("action", "suspend"), ("reason", "x")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "an officer may not suspend");
    assert!(html.contains("Bạn không có quyền"));
    app.approver_token("lanh-dao").await;
    let mut leader = Visitor::new(&app);
    leader.sign_in("lanh-dao", USER_PASSWORD).await;
    for (action, reason, shown) in [
        ("suspend", "Vi phạm tiến độ góp vốn", "Tạm ngừng"),
        ("resume", "Đã khắc phục", "Đang có hiệu lực"),
        ("revoke", "Nhà đầu tư đề nghị chấm dứt", "Đã thu hồi"),
    ] {
        let csrf = leader.token(&page).await;
        post_to(
            &mut leader,
            &format!("{page}/lifecycle"),
            &[("csrf", &csrf), ("action", action), ("reason", reason)],
        )
        .await;
        let (_, html, _) = leader.get(&page).await;
        assert!(html.contains(shown), "after {action}: {html}");
    }
    let (_, html, _) = leader.get(&page).await;
    assert!(
        !html.contains("action\" value=\"resume\""),
        "nothing more to do after revocation"
    );
}

#[tokio::test]
async fn an_address_with_a_bad_or_unknown_id_is_the_consoles_not_found_page() {
    let app = TestApp::spawn().await;
    let mut admin = Visitor::new(&app);
    admin.sign_in("admin", crate::helpers::ADMIN_PASSWORD).await;
    let unknown = "01a22d00-0000-7000-8000-000000000000";
    for page in [
        "dossiers/{id}",
        "investors/{id}",
        "projects/{id}",
        "certificates/{id}",
        "zones/{id}",
        "zones/{id}/edit",
        "zones/{id}/parcels/new",
        "parcels/{id}/edit",
        "admin/users/{id}",
    ] {
        for id in ["not-an-id", unknown] {
            let kind = page.replace("{id}", id);
            let (status, html, headers) = admin.get(&format!("/console/{kind}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{kind}: {html}");
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("text/html"),
                "{kind}: a page, not a problem"
            );
            assert!(html.contains("Không tìm thấy"), "{kind}: {html}");
        }
    }
    // The API's own unknown addresses still answer with problems.
    let resp = app.anonymous().get("/api/v1/zones/not-an-id").await;
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_console_shows_the_registrys_charts_and_offers_them_for_reports() {
    let app = TestApp::spawn().await;
    crate::issuing::issued(&app, "KCN-CH-C").await;
    let mut officer = Visitor::new(&app);
    officer.sign_in("officer", USER_PASSWORD).await;
    let (status, html, _) = officer.get("/console/stats?by=year").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<h1>Thống kê</h1>"), "{html}");
    assert!(html.contains("<option value=\"year\" selected>Theo năm đăng ký</option>"));
    for src in [
        "/console/stats/projects.svg?by=year",
        "/console/stats/capital.svg?by=year",
        "/console/stats/occupancy.svg",
        "/console/stats/certificates.svg",
        "/console/stats/occupancy.png",
    ] {
        assert!(
            html.contains(&format!("\"{src}\"")),
            "{src} not on the page"
        );
    }
    for (path, title) in [
        (
            "/console/stats/projects.svg?by=year",
            "Số dự án theo năm đăng ký",
        ),
        (
            "/console/stats/capital.svg?by=nationality",
            "Vốn đầu tư đăng ký theo quốc tịch",
        ),
        ("/console/stats/occupancy.svg", "Tỷ lệ lấp đầy theo khu"),
        (
            "/console/stats/certificates.svg",
            "Giấy chứng nhận theo tháng",
        ),
    ] {
        let (status, svg, headers) = officer.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(headers["content-type"], "image/svg+xml", "{path}");
        assert!(svg.starts_with("<svg") && svg.contains(title), "{path}");
    }
    let png = officer
        .client
        .get(app.url("/console/stats/certificates.png"))
        .header("cookie", officer.cookie_header())
        .send()
        .await
        .unwrap();
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG\r\n\x1a\n"));
    // Unknown charts are the console's not-found page; strangers are sent to sign in.
    for path in ["/console/stats/nothing.svg", "/console/stats/projects.gif"] {
        let (status, html, _) = officer.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert!(html.contains("Không tìm thấy"), "{path}");
    }
    let (status, _, headers) = Visitor::new(&app).get("/console/stats/occupancy.svg").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers["location"]
            .to_str()
            .unwrap()
            .starts_with("/console/sign-in")
    );
}
