//! The test harness: a fresh app and database per test.

use std::{collections::HashMap, net::SocketAddr, sync::Arc};

use invest_registry::{
    config::Settings,
    service::clock::ManualClock,
    startup::{self, Application},
};
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};
use serde_json::{Value, json};

/// The variable that switches the suite to PostgreSQL: a URL of a server and a database the
/// harness may connect to in order to create and drop one database per test, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`.
pub const PG_VAR: &str = "TEST_DATABASE_URL";

/// One test's database, removed when dropped.
pub enum TestDb {
    /// A SQLite file in a temporary folder.
    Sqlite { dir: tempfile::TempDir, url: String },
    /// A PostgreSQL database created for this test.
    Postgres {
        admin_url: String,
        name: String,
        url: String,
        /// The data folder (development keys), one per test like the database.
        dir: tempfile::TempDir,
    },
}

impl TestDb {
    /// Creates an empty database for one test.
    pub async fn create() -> Self {
        match std::env::var(PG_VAR).ok().filter(|v| !v.trim().is_empty()) {
            None => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("registry.sqlite").display()
                );
                TestDb::Sqlite { dir, url }
            }
            Some(admin_url) => {
                let template = migrated_template(&admin_url).await;
                let name = format!("ir_test_{}", uuid::Uuid::now_v7().simple());
                let admin = Database::connect(&admin_url).await.unwrap_or_else(|e| {
                    panic!("{PG_VAR} is set but PostgreSQL does not answer: {e}")
                });
                clone_database(&admin, &template, &name).await;
                admin.close().await.ok();
                let url = with_database(&admin_url, &name);
                TestDb::Postgres {
                    admin_url,
                    name,
                    url,
                    dir: tempfile::tempdir().expect("temporary folder"),
                }
            }
        }
    }

    /// The URL the app connects to.
    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    /// The folder for data files.
    pub fn data_dir(&self) -> std::path::PathBuf {
        match self {
            TestDb::Sqlite { dir, .. } | TestDb::Postgres { dir, .. } => dir.path().to_owned(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres {
            admin_url, name, ..
        } = self
        {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime: use a thread with its own.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

/// The name of the migrated template database of this schema: the same for every test process
/// of the same migrations, so it is made once and then only cloned.
fn template_name() -> String {
    use migration::MigratorTrait;
    use sha2::Digest;
    let mut names = String::new();
    for m in migration::Migrator::migrations() {
        names.push_str(m.name());
        names.push('\n');
    }
    let digest = sha2::Sha256::digest(names.as_bytes());
    format!("ir_template_{}", hex::encode(&digest[..8]))
}

/// A migrated database every test database is cloned from (`CREATE DATABASE ... TEMPLATE`),
/// instead of running every migration once per test. Made once per schema; concurrent test
/// processes make it under an advisory lock.
async fn migrated_template(admin_url: &str) -> String {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = template_name();
            let admin = Database::connect(admin_url)
                .await
                .unwrap_or_else(|e| panic!("{PG_VAR} is set but PostgreSQL does not answer: {e}"));
            // One session makes the template; others wait on the lock, then find it made.
            admin
                .execute_unprepared("SELECT pg_advisory_lock(7140713)")
                .await
                .expect("template lock");
            let exists = admin
                .query_one_raw(sea_orm::Statement::from_string(
                    DatabaseBackend::Postgres,
                    format!("SELECT 1 FROM pg_database WHERE datname = '{name}'"),
                ))
                .await
                .expect("look for the template")
                .is_some();
            if !exists {
                let building = format!("{name}_building");
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{building}\""))
                    .await
                    .expect("drop a half-made template");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{building}\""))
                    .await
                    .expect("create the template");
                let conn = Database::connect(&with_database(admin_url, &building))
                    .await
                    .expect("connect to the template");
                invest_registry::db::migrate_up(&conn)
                    .await
                    .expect("migrate the template");
                conn.close().await.ok();
                // Renamed only once whole, so a crash midway never leaves a broken template.
                admin
                    .execute_unprepared(&format!(
                        "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
                    ))
                    .await
                    .expect("publish the template");
            }
            admin
                .execute_unprepared("SELECT pg_advisory_unlock(7140713)")
                .await
                .ok();
            admin.close().await.ok();
            name
        })
        .await
        .clone()
}

/// Creates `name` as a copy of `template`. PostgreSQL refuses while another session is copying
/// the same template at that instant, so a refusal is retried.
async fn clone_database(admin: &DatabaseConnection, template: &str, name: &str) {
    let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    for attempt in 0..50 {
        match admin.execute_unprepared(&sql).await {
            Ok(_) => return,
            Err(e) if attempt < 49 && e.to_string().contains("being accessed by other users") => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => panic!("create test database from the template: {e}"),
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    let mut u = url::Url::parse(url).expect("TEST_DATABASE_URL is a URL");
    u.set_path(&format!("/{name}"));
    u.to_string()
}

/// The bootstrap admin's password in tests.
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// The password of every user the tests create.
pub const USER_PASSWORD: &str = "a-long-test-password";

/// A running app on its own database.
pub struct TestApp {
    /// Bearer token of the bootstrap admin.
    pub admin_token: String,
    /// Bearer token of an officer (the default for requests).
    pub token: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database, for assertions that need to look underneath the API.
    pub db: DatabaseConnection,
    /// HTTP client.
    pub client: reqwest::Client,
    /// The app's clock: it stands still until a test moves it, and siblings share it.
    pub clock: Arc<ManualClock>,
    handle: tokio::task::JoinHandle<()>,
    /// Settings this app was started with on top of [`test_settings`]; siblings get them too.
    extra: Vec<(String, String)>,
    // Declared last: dropped after the server and pool.
    test_db: std::sync::Arc<TestDb>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Settings for a test app. The public and sign-in rate limits are far above anything a test
/// sends, so only the tests of the limits themselves meet a 429 (they lower them with
/// [`TestApp::spawn_with`]).
pub fn test_settings(db: &TestDb) -> Settings {
    test_settings_with(db, &[])
}

/// Settings for a test app, with `extra` settings overriding the test defaults.
pub fn test_settings_with(db: &TestDb, extra: &[(String, String)]) -> Settings {
    let mut env: HashMap<String, String> = [
        ("DATABASE_URL", db.url().to_owned()),
        ("DATA_DIR", db.data_dir().display().to_string()),
        ("DATABASE_MAX_CONNECTIONS", "5".to_owned()),
        ("MAX_BODY_BYTES", "65536".to_owned()),
        ("PUBLIC_BASE_URL", "http://verify.test".to_owned()),
        ("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ("PUBLIC_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
        ("PUBLIC_RATE_LIMIT_BURST", "1000000".to_owned()),
        ("LOGIN_RATE_LIMIT_PER_MINUTE", "1000000".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    env.extend(extra.iter().cloned());
    Settings::from_sources(None, &env).expect("test settings")
}

impl TestApp {
    /// A fresh app on a fresh, migrated database.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// A fresh app on a fresh database, with some settings changed, e.g.
    /// `TestApp::spawn_with(&[("PUBLIC_RATE_LIMIT_PER_MINUTE", "6")])`.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> Self {
        let test_db = Arc::new(TestDb::create().await);
        let extra = extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut app = Self::start_server(test_db, extra, ManualClock::starting_now()).await;
        app.admin_token = app.login("admin", ADMIN_PASSWORD).await;
        app.create_user("officer", &["officer"]).await;
        app.token = app.login("officer", USER_PASSWORD).await;
        app
    }

    /// A second instance sharing this one's database, settings and clock, as behind a load
    /// balancer.
    pub async fn sibling(&self) -> Self {
        let mut app =
            Self::start_server(self.test_db.clone(), self.extra.clone(), self.clock.clone()).await;
        app.admin_token = self.admin_token.clone();
        app.token = self.token.clone();
        app
    }

    /// Another instance on this one's database and clock, not yet serving, for tests that
    /// need its state or want to break it (close its pool) before it serves.
    pub async fn second_instance(&self) -> Application {
        Application::build_with_clock(test_settings_for(self), self.clock.clone())
            .await
            .expect("second instance connects")
    }

    async fn start_server(
        test_db: Arc<TestDb>,
        extra: Vec<(String, String)>,
        clock: Arc<ManualClock>,
    ) -> Self {
        let application =
            Application::build_with_clock(test_settings_with(&test_db, &extra), clock.clone())
                .await
                .expect("app connects and migrates");
        let db = application.state.db.clone();
        let (addr, handle) = startup::spawn(application).await.expect("app listens");
        Self {
            admin_token: String::new(),
            token: String::new(),
            addr,
            db,
            client: reqwest::Client::new(),
            clock,
            handle,
            extra,
            test_db,
        }
    }

    /// The app's time now.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use invest_registry::service::clock::Clock;
        self.clock.now()
    }

    /// Moves the app's time (and its siblings') forward.
    pub fn advance(&self, by: std::time::Duration) {
        self.clock.advance(by);
    }

    /// Requests with the bootstrap admin's token.
    pub fn as_admin(&self) -> Caller<'_> {
        self.as_user(&self.admin_token)
    }

    /// Requests with the default officer's token.
    pub fn as_officer(&self) -> Caller<'_> {
        self.as_user(&self.token)
    }

    /// Requests with a bearer token.
    pub fn as_user<'a>(&'a self, token: &'a str) -> Caller<'a> {
        Caller {
            app: self,
            token: Some(token),
        }
    }

    /// Requests with a bearer token, or without credentials.
    pub fn caller<'a>(&'a self, token: Option<&'a str>) -> Caller<'a> {
        Caller { app: self, token }
    }

    /// Requests without credentials.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller {
            app: self,
            token: None,
        }
    }

    /// The data folder (SQLite file, development keys).
    pub fn data_dir(&self) -> std::path::PathBuf {
        self.test_db.data_dir()
    }

    /// The backend the suite runs on.
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Absolute URL of a path.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Signs in, returns the bearer token; panics unless 200.
    pub async fn login(&self, username: &str, password: &str) -> String {
        let body = json!({"username": username, "password": password});
        let resp = self.anonymous().post("/api/v1/auth/login", &body).await;
        let status = resp.status();
        let body = resp.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "login {username}: {body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        body["token"].as_str().unwrap().to_owned()
    }

    /// Creates a user with roles (as the admin), returns its JSON.
    pub async fn create_user(&self, username: &str, roles: &[&str]) -> Value {
        let body = json!({
            "username": username,
            "display_name": format!("Cán bộ {username}"),
            "password": USER_PASSWORD,
            "roles": roles,
        });
        let resp = self.as_admin().post("/api/v1/users", &body).await;
        assert_eq!(resp.status(), StatusCode::CREATED, "create user {username}");
        resp.json().await.unwrap()
    }

    /// Creates an approver who signs certificates as a deputy head ("KT. TRƯỞNG BAN" over
    /// "PHÓ TRƯỞNG BAN") and signs them in; returns the token.
    pub async fn approver_token(&self, username: &str) -> String {
        let body = json!({
            "username": username,
            "display_name": "Trần Văn Phúc",
            "password": USER_PASSWORD,
            "roles": ["approver"],
            "signing_title": "Phó Trưởng ban",
            "signing_capacity": "KT. Trưởng ban",
        });
        let resp = self.as_admin().post("/api/v1/users", &body).await;
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "create approver {username}"
        );
        self.login(username, USER_PASSWORD).await
    }

    /// Creates a user with roles and signs them in, returns the token.
    pub async fn user_token(&self, username: &str, roles: &[&str]) -> String {
        self.create_user(username, roles).await;
        self.login(username, USER_PASSWORD).await
    }

    /// A request builder carrying the officer's token.
    pub fn authed(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.as_officer().request(method, path)
    }

    /// GET a path as the officer.
    pub async fn get(&self, path: &str) -> Response {
        self.as_officer().get(path).await
    }

    /// POST a JSON body as the officer.
    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.as_officer().post(path, body).await
    }

    /// PATCH a JSON body with an optional If-Match, as the officer.
    pub async fn patch(&self, path: &str, if_match: Option<&str>, body: &Value) -> Response {
        self.as_officer().patch(path, if_match, body).await
    }

    /// Creates a zone from `zone_body(code)`, returns its JSON.
    pub async fn create_zone(&self, code: &str) -> Value {
        self.create_zone_with(zone_body(code)).await
    }

    /// Creates a zone from a body, returns its JSON; panics unless 201.
    pub async fn create_zone_with(&self, body: Value) -> Value {
        let resp = self.post("/api/v1/zones", &body).await;
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{}",
            resp.text().await.unwrap()
        );
        resp.json().await.unwrap()
    }

    /// Creates a parcel in a zone, returns its JSON; panics unless 201.
    pub async fn create_parcel(&self, zone_id: &str, lot: &str, area: f64) -> Value {
        let resp = self
            .post(
                &format!("/api/v1/zones/{zone_id}/parcels"),
                &json!({"lot_code": lot, "area_m2": area, "land_use": "industrial"}),
            )
            .await;
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{}",
            resp.text().await.unwrap()
        );
        resp.json().await.unwrap()
    }

    /// Everything a client can see of zones and parcels, to prove a refused request changed nothing.
    pub async fn snapshot(&self) -> Value {
        let zones: Value = self
            .get("/api/v1/zones?limit=200")
            .await
            .json()
            .await
            .unwrap();
        let mut parcels = Vec::new();
        for z in zones["items"].as_array().unwrap() {
            let id = z["id"].as_str().unwrap();
            let p: Value = self
                .get(&format!("/api/v1/zones/{id}/parcels?limit=200"))
                .await
                .json()
                .await
                .unwrap();
            parcels.push(p);
        }
        json!({"zones": zones, "parcels": parcels})
    }
}

/// Requests to one app as one caller: `app.as_admin().get_json("/api/v1/users")`.
#[derive(Clone, Copy)]
pub struct Caller<'a> {
    app: &'a TestApp,
    token: Option<&'a str>,
}

impl<'a> Caller<'a> {
    /// A request builder with this caller's credentials.
    pub fn request(self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.app.client.request(method, self.app.url(path));
        match self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// Any request, with an optional JSON body and `If-Match`.
    pub async fn send(
        self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Response {
        let mut req = self.request(method, path);
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send().await.expect("request")
    }

    /// GET.
    pub async fn get(self, path: &str) -> Response {
        self.send(Method::GET, path, None, None).await
    }

    /// GET, asserting 200, and the JSON body.
    pub async fn get_json(self, path: &str) -> Value {
        let resp = self.get(path).await;
        let status = resp.status();
        let body = resp.text().await.expect("body");
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        serde_json::from_str(&body).expect("JSON body")
    }

    /// POST a JSON body.
    pub async fn post(self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body), None).await
    }

    /// POST without a body.
    pub async fn post_empty(self, path: &str) -> Response {
        self.send(Method::POST, path, None, None).await
    }

    /// PATCH a JSON body with an optional `If-Match`.
    pub async fn patch(self, path: &str, if_match: Option<&str>, body: &Value) -> Response {
        self.send(Method::PATCH, path, Some(body), if_match).await
    }
}

/// A valid zone body (KCN Nam Đông Hà's published figures) with the given code.
pub fn zone_body(code: &str) -> Value {
    json!({
        "code": code,
        "name": "Khu công nghiệp Nam Đông Hà",
        "kind": "industrial_park",
        "province": "Quảng Trị",
        "total_area_m2": 987540,
        "industrial_service_area_m2": 700000.5,
        "status": "operating",
        "figures_as_of": "2022",
        "source": "iipvietnam.com"
    })
}

/// Asserts a problem+json response and returns its body.
pub async fn assert_problem(resp: Response, status: u16, kind: &str) -> Value {
    assert_eq!(resp.status().as_u16(), status, "status of {}", resp.url());
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json");
    let request_id = resp.headers().get("x-request-id").cloned();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["type"], format!("/problems/{kind}"), "{body}");
    assert_eq!(body["status"], status);
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_ref().and_then(|v| v.to_str().ok()),
        "the problem quotes the request id of its response"
    );
    body
}

/// The fields named in a problem's `errors[]`, as `field:code`.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{}:{}",
                        e["field"].as_str().unwrap(),
                        e["code"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The settings an app was started with.
pub fn test_settings_for(app: &TestApp) -> invest_registry::config::Settings {
    test_settings_with(&app.test_db, &app.extra)
}

/// A domestic company's investor body.
pub fn company_body(name: &str, enterprise_code: &str) -> Value {
    json!({
        "kind": "domestic_organization",
        "name": name,
        "nationality": "VN",
        "document": {"doc_type": "enterprise_code", "number": enterprise_code, "issue_date": "2015-06-01", "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"},
        "tax_code": enterprise_code,
        "head_office_address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
        "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc", "doc_type": "cccd", "doc_number": "045089001234"},
        "foreign_ownership_percent": 0
    })
}

/// A foreign individual's investor body.
pub fn foreigner_body(name: &str, passport: &str, country: &str) -> Value {
    json!({
        "kind": "foreign_individual",
        "name": name,
        "sex": "male",
        "date_of_birth": "1980-07-21",
        "nationality": country,
        "document": {"doc_type": "passport", "number": passport, "issue_date": "2020-01-10", "issuer": "MOFA"},
        "permanent_address": "Seoul",
        "current_address": "Đông Hà, Quảng Trị"
    })
}

/// A project body: the investors share 100 billion VND of contributed capital equally, with 150
/// billion mobilised.
pub fn project_body(investor_ids: &[&str], zone_id: Option<&str>) -> Value {
    let each = 100_000_000_000i64 / investor_ids.len() as i64;
    let investors: Vec<Value> = investor_ids
        .iter()
        .map(|id| json!({"investor_id": id, "capital_vnd": each, "form": "cash", "schedule": "Góp đủ trong 90 ngày"}))
        .collect();
    json!({
        "name_vi": "Nhà máy sản xuất linh kiện điện tử",
        "name_en": "Electronic components factory",
        "zone_id": zone_id,
        "investors": investors,
        "objectives": [{"description": "Sản xuất linh kiện điện tử", "vsic_code": "2610"}],
        "scale": "5 triệu sản phẩm/năm",
        "total_capital_vnd": each * investor_ids.len() as i64 + 150_000_000_000,
        "contributed_capital_vnd": each * investor_ids.len() as i64,
        "mobilized_capital_vnd": 150_000_000_000i64,
        "duration_years": 50,
        "milestones": [{"description": "Đưa vào hoạt động", "due_date": "2028-06-30"}],
        "incentives": [{"description": "Miễn thuế nhập khẩu", "legal_basis": "Điều 15 Luật Đầu tư 2020"}],
        "conditions": ["Bảo vệ môi trường"]
    })
}

impl TestApp {
    /// Creates an investor, returns its JSON; panics unless 201.
    pub async fn create_investor(&self, body: Value) -> Value {
        let resp = self.post("/api/v1/investors", &body).await;
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{}",
            resp.text().await.unwrap()
        );
        resp.json().await.unwrap()
    }

    /// Creates a project, returns its JSON; panics unless 201.
    pub async fn create_project(&self, body: Value) -> Value {
        let resp = self.post("/api/v1/projects", &body).await;
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{}",
            resp.text().await.unwrap()
        );
        resp.json().await.unwrap()
    }

    /// A zone with a term and industrial + service land, a parcel in it, and a draft project there
    /// of one new company; returns (zone, parcel, project).
    pub async fn zone_parcel_project(&self, code: &str) -> (Value, Value, Value) {
        let mut zb = zone_body(code);
        zb["term_start"] = json!("2021-03-19");
        zb["term_end"] = json!("2071-03-19");
        zb["industrial_service_area_m2"] = json!(100_000);
        let zone = self.create_zone_with(zb).await;
        let zone_id = zone["id"].as_str().unwrap().to_owned();
        let parcel = self.create_parcel(&zone_id, "CN-01", 10_000.0).await;
        let n = uuid::Uuid::now_v7().as_u128() % 1_000_000;
        let investor = self
            .create_investor(company_body(
                "Công ty TNHH Thử nghiệm",
                &format!("3200{n:06}"),
            ))
            .await;
        let project = self
            .create_project(project_body(
                &[investor["id"].as_str().unwrap()],
                Some(&zone_id),
            ))
            .await;
        (zone, parcel, project)
    }

    /// Moves a project to a status as an approver; returns the response.
    pub async fn set_status(
        &self,
        approver: &str,
        project_id: &str,
        status: &str,
        reason: Option<&str>,
    ) -> Response {
        self.as_user(approver)
            .post(
                &format!("/api/v1/projects/{project_id}/status"),
                &json!({"status": status, "reason": reason}),
            )
            .await
    }

    /// Everything a client can see of investors, projects and leases.
    pub async fn registry_snapshot(&self) -> Value {
        let investors: Value = self
            .get("/api/v1/investors?limit=200")
            .await
            .json()
            .await
            .unwrap();
        let projects: Value = self
            .get("/api/v1/projects?limit=200")
            .await
            .json()
            .await
            .unwrap();
        let mut leases = Vec::new();
        for p in projects["items"].as_array().unwrap() {
            let l: Value = self
                .get(&format!(
                    "/api/v1/projects/{}/leases",
                    p["id"].as_str().unwrap()
                ))
                .await
                .json()
                .await
                .unwrap();
            leases.push(l);
        }
        json!({"base": self.snapshot().await, "investors": investors, "projects": projects, "leases": leases})
    }
}
