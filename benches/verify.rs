//! Verification throughput benchmark (issue 6). On one server, in one run, `wrk` loads at 64
//! connections, target after target, for several rounds:
//! - `GET /api/v1/verify/{seal}` over every issued seal, shuffled, one picked at random per
//!   request (in force, superseded, suspended and revoked certificates);
//! - `GET /bench/row/{id}`: the reference, a plain read of one certificates row by primary key
//!   through sea-orm as the registry's reads do it (`find_by_id(..).one(..)`), mounted by this
//!   benchmark only (every registry read needs a token, whose lookup would be a second query);
//! - `GET /bench/row-no-limit/{id}`: the same read without `LIMIT ?` (see `db::verification`),
//!   the strictest reference;
//! - `GET /healthz`: the HTTP stack alone;
//! - for information, `GET /api/v1/zones/{id}` with a staff bearer token (token lookup + row).
//!
//! It prints each target's rate, p50, p99 and the server's CPU time per request, the ratios
//! verify/row (goal >= 0.70), verify/row-no-limit and verify/healthz; shows that a revocation
//! made through a second instance is seen by the first one's very next verification; prints the
//! verification query's plan; and breaks one verification down in process (seal check, query,
//! whole check, JSON) next to a one-row read.
//!
//! Run: `cargo bench --bench verify` (needs `wrk`). Knobs: `BENCH_CERTS` (3000 certificates),
//! `BENCH_SECONDS` (10 per target and round), `BENCH_ROUNDS` (3), `BENCH_DATABASE_URL` (an empty
//! PostgreSQL database instead of a SQLite file in a temporary folder), `DATABASE_MAX_CONNECTIONS`
//! (pool size).

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::{Duration, Instant},
};

use futures_util::{StreamExt, stream};
use invest_registry::{
    config::Settings,
    db::{self, verification::Lookup},
    domain::{auth::Context, lifecycle::CertificateAction},
    service::{lifecycle::act_on_certificate, verification::check_seal},
    signing::seal,
    startup::{self, Application},
};
use p256::ecdsa::signature::{Signer, Verifier};
use poem::{
    Endpoint, EndpointExt, Route, Server, handler,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json, Path as UrlPath},
};
use rand::seq::SliceRandom;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

/// Connections `wrk` keeps open, as the issue asks.
const CONNECTIONS: u32 = 64;
/// The goal: verification at no less than this share of the plain read's rate.
const GOAL: f64 = 0.70;
/// Seeding pipelines in flight (rendering and signing use both cores).
const SEEDING_CONCURRENCY: usize = 8;

/// The benchmark's knobs, from the environment.
struct Knobs {
    certs: usize,
    seconds: u64,
    rounds: usize,
    database_url: Option<String>,
    pool: Option<String>,
}

impl Knobs {
    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        Self {
            certs: var("BENCH_CERTS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3000)
                .max(20),
            seconds: var("BENCH_SECONDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(10)
                .max(2),
            rounds: var("BENCH_ROUNDS")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3)
                .max(1),
            database_url: var("BENCH_DATABASE_URL"),
            pool: var("DATABASE_MAX_CONNECTIONS"),
        }
    }
}

fn settings(dir: &Path, knobs: &Knobs) -> Settings {
    let sqlite = format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display());
    let mut env: HashMap<String, String> = [
        ("DATA_DIR", dir.display().to_string()),
        ("DATABASE_URL", knobs.database_url.clone().unwrap_or(sqlite)),
        ("BOOTSTRAP_ADMIN_PASSWORD", "bench-admin-password".into()),
        ("PUBLIC_BASE_URL", "https://dkdt.quangtri.gov.vn".into()),
        ("LOG_LEVEL", "warn".into()),
        // Every request comes from 127.0.0.1: a per-client limit would measure itself.
        ("PUBLIC_RATE_LIMIT_PER_MINUTE", "0".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    if let Some(pool) = &knobs.pool {
        env.insert("DATABASE_MAX_CONNECTIONS".into(), pool.clone());
    }
    Settings::from_sources(None, &env).expect("settings")
}

// ------------------------------------------------------------------------------------------------
// The server: the real app plus the reference route.

/// `GET /bench/row/:id`: one certificates row by primary key through sea-orm, as the registry's
/// own reads do it (`find_by_id(..).one(..)`, which sends `LIMIT ?`), as a small JSON.
#[handler]
async fn row_by_id(
    UrlPath(id): UrlPath<Uuid>,
    Data(db): Data<&DatabaseConnection>,
) -> poem::Result<Json<Value>> {
    let row = entity::certificate::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(poem::error::InternalServerError)?;
    row_json(row)
}

/// `GET /bench/row-no-limit/:id`: the same read without `LIMIT ?`, which SQLite re-prepares on
/// every execution; the strictest reference.
#[handler]
async fn row_by_id_no_limit(
    UrlPath(id): UrlPath<Uuid>,
    Data(db): Data<&DatabaseConnection>,
) -> poem::Result<Json<Value>> {
    let rows = entity::certificate::Entity::find_by_id(id)
        .all(db)
        .await
        .map_err(poem::error::InternalServerError)?;
    row_json(rows.into_iter().next())
}

fn row_json(row: Option<entity::certificate::Model>) -> poem::Result<Json<Value>> {
    let row = row.ok_or(poem::error::NotFoundError)?;
    Ok(Json(json!({
        "id": row.id,
        "project_code": row.project_code,
        "version": row.version_no,
        "status": row.status,
    })))
}

/// The real application with the reference route beside it, behind the same edge middleware,
/// so the two differ only in what their handlers do.
fn bench_app(app: Application) -> impl Endpoint + 'static {
    let edge = |ep| {
        invest_registry::api::middleware::Edge::new(
            ep,
            app.settings.max_body_bytes,
            app.settings.max_upload_bytes,
            invest_registry::web::UPLOAD_PATHS,
            std::time::Duration::from_secs_f64(app.settings.body_read_timeout_seconds),
        )
    };
    let row = edge(poem::get(row_by_id).data(app.state.db.clone()));
    let row_no_limit = edge(poem::get(row_by_id_no_limit).data(app.state.db.clone()));
    Route::new()
        .at("/bench/row/:id", row)
        .at("/bench/row-no-limit/:id", row_no_limit)
        .nest("/", startup::app(&app))
}

async fn serve(state: Application) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .expect("listen");
    let addr = acceptor.local_addr()[0]
        .as_socket_addr()
        .copied()
        .expect("address");
    tokio::spawn(Server::new_with_acceptor(acceptor).run(bench_app(state)));
    format!("http://{addr}")
}

// ------------------------------------------------------------------------------------------------
// Seeding through the HTTP API: the real draft and approve path.

/// A small JSON client for seeding.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    async fn send(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or_default();
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, Some(token), path, Some(body))
            .await
    }

    async fn get(&self, path: &str) -> Value {
        self.send(reqwest::Method::GET, None, path, None).await
    }

    async fn login(&self, username: &str, password: &str) -> String {
        let body = json!({"username": username, "password": password});
        let r = self
            .send(
                reqwest::Method::POST,
                None,
                "/api/v1/auth/login",
                Some(body),
            )
            .await;
        r["token"].as_str().expect("token").to_owned()
    }
}

/// What happens to a project's certificates after issue, so every verdict is exercised.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Version 0 stays in force.
    InForce,
    /// Version 1 is issued: version 0 is superseded, version 1 in force.
    Changed,
    /// Version 0 is suspended.
    Suspended,
    /// Version 0 is revoked.
    Revoked,
}

impl Fate {
    /// One project in five gets a change, one in twenty is suspended, one in twenty revoked.
    fn of(project: usize) -> Self {
        match project % 20 {
            0 | 5 | 10 | 15 => Fate::Changed,
            3 => Fate::Suspended,
            8 => Fate::Revoked,
            _ => Fate::InForce,
        }
    }

    fn certificates(self) -> usize {
        if self == Fate::Changed { 2 } else { 1 }
    }
}

/// An issued certificate.
struct Issued {
    id: Uuid,
    seal: String,
    status: &'static str,
}

/// The seeded registry.
struct Seeded {
    certificates: Vec<Issued>,
    zone_id: String,
    officer: String,
}

async fn seed(api: &Api, certs: usize) -> Seeded {
    let admin = api.login("admin", "bench-admin-password").await;
    for (username, roles, title) in [
        ("officer", json!(["officer"]), Value::Null),
        ("approver", json!(["approver"]), json!("PHÓ TRƯỞNG BAN")),
    ] {
        api.post(
            &admin,
            "/api/v1/users",
            json!({"username": username, "display_name": "Trần Văn Phúc",
                   "password": "bench-user-password", "roles": roles,
                   "signing_title": title, "signing_capacity": "KT. TRƯỞNG BAN"}),
        )
        .await;
    }
    let officer = api.login("officer", "bench-user-password").await;
    let approver = api.login("approver", "bench-user-password").await;
    let zone = api
        .post(
            &officer,
            "/api/v1/zones",
            json!({"code": "KCN-BENCH", "name": "Khu công nghiệp Nam Đông Hà",
                   "kind": "industrial_park", "province": "Quảng Trị",
                   "status": "operating", "total_area_m2": 987540}),
        )
        .await;
    let investor = api
        .post(
            &officer,
            "/api/v1/investors",
            json!({"kind": "domestic_organization",
                   "name": "Công ty Cổ phần Thương mại và Dịch vụ Đông Trường Sơn",
                   "nationality": "VN",
                   "document": {"doc_type": "enterprise_code", "number": "3200000001",
                                "issue_date": "2015-06-01",
                                "issuer": "Sở Kế hoạch và Đầu tư tỉnh Quảng Trị"},
                   "head_office_address": "Số 10 Lê Duẩn, phường Đông Hà, tỉnh Quảng Trị",
                   "representative": {"name": "Nguyễn Văn An", "title": "Giám đốc"}}),
        )
        .await;
    // Projects until the certificates add up; the last one is trimmed to fit.
    let mut fates = Vec::new();
    let mut planned = 0;
    while planned < certs {
        let fate = match Fate::of(fates.len()) {
            Fate::Changed if planned + 2 > certs => Fate::InForce,
            fate => fate,
        };
        planned += fate.certificates();
        fates.push(fate);
    }
    let project = json!({
        "name_vi": "Nhà máy sản xuất linh kiện điện tử Ánh Dương Quảng Trị",
        "zone_id": zone["id"],
        "investors": [{"investor_id": investor["id"], "capital_vnd": 100_000_000_000i64,
                       "form": "cash",
                       "schedule": "Góp đủ trong 90 ngày kể từ ngày được cấp Giấy chứng nhận"}],
        "objectives": [{"description": "Sản xuất linh kiện điện tử và bảng mạch in",
                        "vsic_code": "2610"}],
        "scale": "12 triệu sản phẩm/năm",
        "total_capital_vnd": 250_000_000_000i64,
        "contributed_capital_vnd": 100_000_000_000i64,
        "mobilized_capital_vnd": 150_000_000_000i64,
        "duration_years": 50,
        "milestones": [{"description": "Đưa vào hoạt động", "due_date": "2028-06-30"}],
        "incentives": [{"description": "Miễn thuế nhập khẩu hàng hóa tạo tài sản cố định",
                        "legal_basis": "Điều 15 Luật Đầu tư 2020"}],
        "conditions": ["Tuân thủ quy định về bảo vệ môi trường"]
    });
    let issue = |pid: String| {
        let (officer, approver) = (officer.clone(), approver.clone());
        async move {
            let draft = api
                .post(
                    &officer,
                    &format!("/api/v1/projects/{pid}/certificates"),
                    json!({"dossier_received_on": "2026-11-20"}),
                )
                .await;
            let id = draft["id"].as_str().expect("draft id");
            let cert = api
                .send(
                    reqwest::Method::POST,
                    Some(&approver),
                    &format!("/api/v1/certificates/{id}/approve"),
                    None,
                )
                .await;
            (
                cert["id"]
                    .as_str()
                    .expect("id")
                    .parse::<Uuid>()
                    .expect("uuid"),
                cert["seal"].as_str().expect("seal").to_owned(),
            )
        }
    };
    let pipelines = fates.into_iter().map(|fate| {
        let (project, officer, approver) = (project.clone(), officer.clone(), approver.clone());
        async move {
            let p = api.post(&officer, "/api/v1/projects", project).await;
            let pid = p["id"].as_str().expect("project id").to_owned();
            let first = issue(pid.clone()).await;
            let act = |action: &str, reason: &str| {
                let path = format!("/api/v1/certificates/{}/{action}", first.0);
                let approver = approver.clone();
                let body = json!({ "reason": reason });
                async move { api.post(&approver, &path, body).await }
            };
            let statuses = match fate {
                Fate::InForce => vec![(first, "in_force")],
                Fate::Changed => vec![(first, "superseded"), (issue(pid).await, "in_force")],
                Fate::Suspended => {
                    act("suspend", "Thông báo ngừng hoạt động số 12/TB-BQLKKT").await;
                    vec![(first, "suspended")]
                }
                Fate::Revoked => {
                    act(
                        "revoke",
                        "Quyết định chấm dứt hoạt động dự án số 45/QĐ-BQLKKT",
                    )
                    .await;
                    vec![(first, "revoked")]
                }
            };
            statuses
                .into_iter()
                .map(|((id, seal), status)| Issued { id, seal, status })
                .collect::<Vec<_>>()
        }
    });
    let certificates: Vec<Issued> = stream::iter(pipelines)
        .buffer_unordered(SEEDING_CONCURRENCY)
        .flat_map(stream::iter)
        .collect()
        .await;
    Seeded {
        certificates,
        zone_id: zone["id"].as_str().expect("zone id").to_owned(),
        officer,
    }
}

// ------------------------------------------------------------------------------------------------
// Load with wrk.

/// Picks one of the paths listed in a file (one a line) at random for every request; each wrk
/// thread seeds its own generator.
const RANDOM_PATHS_LUA: &str = r#"
local paths = {}
for line in io.lines("@PATHS@") do paths[#paths + 1] = line end
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end
function init(args)
  math.randomseed(os.time() * 7919 + thread_no)
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
"#;

/// A load target.
#[derive(Clone)]
struct Target {
    name: &'static str,
    short: &'static str,
    url: String,
    script: Option<PathBuf>,
    header: Option<String>,
}

/// What wrk measured.
struct Measured {
    rate: f64,
    p50: Duration,
    p99: Duration,
    requests: u64,
    /// CPU time the server process (every thread) spent per request, whatever else the machine
    /// was doing: the cost that decides the rate on a saturated machine.
    server_cpu: Duration,
    /// Non-2xx answers and socket errors, when any.
    trouble: Vec<String>,
}

fn random_paths_script(dir: &Path, name: &str, paths: &[String]) -> PathBuf {
    let list = dir.join(format!("{name}.txt"));
    std::fs::write(&list, paths.join("\n") + "\n").expect("write paths");
    let script = dir.join(format!("{name}.lua"));
    let text = RANDOM_PATHS_LUA.replace("@PATHS@", &list.display().to_string());
    std::fs::write(&script, text).expect("write script");
    script
}

fn wrk(target: &Target, seconds: u64) -> Measured {
    let mut cmd = Command::new("wrk");
    cmd.arg(format!("-c{CONNECTIONS}"))
        .arg("-t2")
        .arg(format!("-d{seconds}s"))
        .arg("--latency");
    if let Some(script) = &target.script {
        cmd.arg("-s").arg(script);
    }
    if let Some(header) = &target.header {
        cmd.arg("-H").arg(header);
    }
    let out = cmd.arg(&target.url).output().expect("wrk runs");
    let text = String::from_utf8_lossy(&out.stdout);
    parse_wrk(&text).unwrap_or_else(|| {
        panic!(
            "cannot read wrk's output for {}:\n{text}{}",
            target.name,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Reads "Requests/sec", the 50% and 99% latency lines, the request count and any errors.
fn parse_wrk(out: &str) -> Option<Measured> {
    let mut rate = None;
    let (mut p50, mut p99, mut requests) = (None, None, None);
    let mut trouble = Vec::new();
    for line in out.lines().map(str::trim) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("Requests/sec:"), Some(v)) => rate = v.parse().ok(),
            (Some("50%"), Some(v)) => p50 = latency(v),
            (Some("99%"), Some(v)) => p99 = latency(v),
            (Some(n), Some("requests")) => requests = n.parse().ok(),
            _ if line.starts_with("Non-2xx") || line.starts_with("Socket errors") => {
                trouble.push(line.to_owned());
            }
            _ => {}
        }
    }
    Some(Measured {
        rate: rate?,
        p50: p50?,
        p99: p99?,
        requests: requests?,
        server_cpu: Duration::ZERO,
        trouble,
    })
}

/// wrk's latencies: "812.00us", "1.25ms", "2.01s", "1.00m".
fn latency(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let n: f64 = number.parse().ok()?;
    let seconds = match unit {
        "us" => n / 1e6,
        "ms" => n / 1e3,
        "s" => n,
        "m" => n * 60.0,
        _ => return None,
    };
    Some(Duration::from_secs_f64(seconds))
}

/// The 1, 5 and 15 minute load averages: figures are only comparable on an otherwise idle machine.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// CPU time this process has used so far, all threads, user and system (`/proc/self/stat`,
/// in clock ticks of 1/100 s).
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

// ------------------------------------------------------------------------------------------------
// Freshness: a revocation through a second instance, seen by the first at its next request.

async fn freshness(api: &Api, second: &Application, id: Uuid, seal: &str) -> bool {
    let path = format!("/api/v1/verify/{seal}");
    let before = api.get(&path).await;
    let ctx = Context::system("bench-second-instance", second.state.clock.now());
    let revoked = act_on_certificate(
        &second.state.db,
        &ctx,
        id,
        CertificateAction::Revoke,
        Some("Quyết định thu hồi số 99/QĐ-BQLKKT (benchmark)".to_owned()),
        None,
    )
    .await
    .expect("revoke on the second instance");
    let after = api.get(&path).await;
    println!(
        "freshness: seal {}…: instance 1 said '{}'; instance 2 revoked it ({}); \
         instance 1's next verify says '{}' (checked_at {})",
        &seal[..12],
        before["verdict"].as_str().unwrap_or("?"),
        revoked.status,
        after["verdict"].as_str().unwrap_or("?"),
        after["checked_at"].as_str().unwrap_or("?"),
    );
    after["verdict"] == "revoked"
}

// ------------------------------------------------------------------------------------------------
// In process: where a verification's time goes.

/// Median and p99 of `rounds` timed calls; `f` gets the round number.
async fn timed<F, Fut, T>(rounds: usize, mut f: F) -> (Duration, Duration)
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    for i in 0..rounds.min(200) {
        std::hint::black_box(f(i).await);
    }
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let t = Instant::now();
        std::hint::black_box(f(i).await);
        samples.push(t.elapsed());
    }
    samples.sort_unstable();
    let pick = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (pick(0.5), pick(0.99))
}

async fn call(app: &impl Endpoint, path: &str) -> usize {
    let resp = app
        .get_response(poem::Request::builder().uri_str(path).finish())
        .await;
    assert!(resp.status().is_success(), "{path}: {}", resp.status());
    resp.into_body().into_bytes().await.expect("body").len()
}

async fn breakdown(application: &Application, seals: &[String], ids: &[Uuid]) {
    let state = &application.state;
    let rounds = seals.len().clamp(500, 3000);
    let seal_at = |i: usize| seals[i % seals.len()].as_str();
    let id_at = |i: usize| ids[i % ids.len()];
    let app = bench_app(application.clone());
    let body: Value = serde_json::from_slice(
        &app.get_response(
            poem::Request::builder()
                .uri_str(format!("/api/v1/verify/{}", seal_at(0)))
                .finish(),
        )
        .await
        .into_body()
        .into_bytes()
        .await
        .expect("body"),
    )
    .expect("json");
    let bytes = serde_json::to_vec(&body).expect("json").len();
    // The two verifiers on a message of a seal's size (prefix + 42 bytes), same key and signature.
    let signing = p256::ecdsa::SigningKey::random(&mut rand::thread_rng());
    let message = [7u8; 69];
    let signature: p256::ecdsa::Signature = signing.sign(&message);
    let signature_rs = signature.to_bytes();
    let p256_key = *signing.verifying_key();
    let point = p256_key.to_encoded_point(false);
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        point.as_bytes(),
    );
    let rows: Vec<(&str, (Duration, Duration))> = vec![
        (
            "seal::open (decode + ECDSA P-256 verify)",
            timed(rounds, |i| {
                let s = seal_at(i);
                async move { seal::open(s, |id| state.keys.get(id)).is_ok() }
            })
            .await,
        ),
        (
            "  ECDSA P-256 verify alone, ring",
            timed(rounds, |_| {
                let ok = ring_key.verify(&message, &signature_rs).is_ok();
                async move { ok }
            })
            .await,
        ),
        (
            "  ECDSA P-256 verify alone, p256 (before)",
            timed(rounds, |_| {
                let ok = p256_key.verify(&message, &signature).is_ok();
                async move { ok }
            })
            .await,
        ),
        (
            "db::verification::find (the one query)",
            timed(rounds, |i| {
                db::verification::find(&state.db, Lookup::Seal(seal_at(i)))
            })
            .await,
        ),
        (
            "check_seal (whole check, content parse)",
            timed(rounds, |i| check_seal(state, seal_at(i))).await,
        ),
        (
            "JSON body (build Value + encode, approx.)",
            timed(rounds, |_| {
                let v = body.clone();
                async move { serde_json::to_vec(&v).map(|b| b.len()) }
            })
            .await,
        ),
        (
            "verify endpoint in process (no TCP)",
            timed(rounds, |i| {
                let path = format!("/api/v1/verify/{}", seal_at(i));
                let app = &app;
                async move { call(app, &path).await }
            })
            .await,
        ),
        (
            "reference: find_by_id .one() (LIMIT ?)",
            timed(rounds, |i| {
                entity::certificate::Entity::find_by_id(id_at(i)).one(&state.db)
            })
            .await,
        ),
        (
            "reference: find_by_id .all() (no LIMIT ?)",
            timed(rounds, |i| {
                entity::certificate::Entity::find_by_id(id_at(i)).all(&state.db)
            })
            .await,
        ),
        (
            "reference: row endpoint in process",
            timed(rounds, |i| {
                let path = format!("/bench/row/{}", id_at(i));
                let app = &app;
                async move { call(app, &path).await }
            })
            .await,
        ),
        (
            "reference: /healthz in process",
            timed(rounds, |_| call(&app, "/healthz")).await,
        ),
    ];
    println!("\n-- in process, one at a time, {rounds} rounds each ({bytes}-byte verify answer)");
    println!("{:<44} {:>10} {:>10}", "step", "median", "p99");
    for (label, (p50, p99)) in rows {
        println!(
            "{label:<44} {:>7.1} µs {:>7.1} µs",
            p50.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6
        );
    }
}

/// The database's plan for the verification query: it must use `ux_certificates_seal`.
async fn query_plan(db: &DatabaseConnection, seal: &str) {
    let stmt = db::verification::statement(db.get_database_backend(), Lookup::Seal(seal));
    let (prefix, column) = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
        _ => ("EXPLAIN ", "QUERY PLAN"),
    };
    let explain = Statement {
        sql: format!("{prefix}{}", stmt.sql),
        ..stmt
    };
    println!("\n-- query plan of db::verification::find by seal");
    for row in db.query_all_raw(explain).await.expect("explain") {
        println!(
            "   {}",
            row.try_get::<String>("", column).unwrap_or_default()
        );
    }
}

// ------------------------------------------------------------------------------------------------

fn main() -> ExitCode {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!(
            "the verification benchmark needs wrk (HTTP load generator): apt-get install wrk"
        );
        return ExitCode::FAILURE;
    }
    let knobs = Knobs::from_env();
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = settings(dir.path(), &knobs);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    if rt.block_on(run(dir.path(), &knobs, settings)) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Prints each target's median round and returns the median rates, in the targets' order.
fn report(targets: &[Target], runs: Vec<Vec<Measured>>) -> Vec<f64> {
    println!(
        "\n{:<40} {:>9} {:>9} {:>9} {:>9} {:>13}",
        "target (median round)", "req/s", "p50", "p99", "requests", "server CPU/req"
    );
    let mut medians = Vec::new();
    for (target, mut runs) in targets.iter().zip(runs) {
        runs.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        let m = &runs[runs.len() / 2];
        println!(
            "{:<40} {:>9.0} {:>9} {:>9} {:>9} {:>10.0} µs",
            target.name,
            m.rate,
            ms(m.p50),
            ms(m.p99),
            m.requests,
            m.server_cpu.as_secs_f64() * 1e6
        );
        for t in runs.iter().flat_map(|r| &r.trouble) {
            println!("{:<40} ! {t}", "");
        }
        medians.push(m.rate);
    }
    medians
}

/// Runs everything; false when the freshness check failed.
async fn run(dir: &Path, knobs: &Knobs, settings: Settings) -> bool {
    println!(
        "database: {}; pool: {} connections; load average before: {}",
        settings.database_url_redacted(),
        settings.database_max_connections,
        load_average()
    );
    let application = Application::build(settings.clone()).await.expect("app");
    let state = application.state.clone();
    let base = serve(application.clone()).await;
    let api = Api {
        http: reqwest::Client::new(),
        base: base.clone(),
    };

    let started = Instant::now();
    let seeded = seed(&api, knobs.certs).await;
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &seeded.certificates {
        *count.entry(c.status).or_default() += 1;
    }
    println!(
        "seeded {} certificates through draft + approve in {:.1} s ({:.1} per second): {count:?}",
        seeded.certificates.len(),
        started.elapsed().as_secs_f64(),
        seeded.certificates.len() as f64 / started.elapsed().as_secs_f64(),
    );

    let mut rng = rand::thread_rng();
    let mut seals: Vec<String> = seeded.certificates.iter().map(|c| c.seal.clone()).collect();
    seals.shuffle(&mut rng);
    let mut ids: Vec<Uuid> = seeded.certificates.iter().map(|c| c.id).collect();
    ids.shuffle(&mut rng);
    // The certificate the freshness check revokes while verification is under load.
    let revokee = seeded
        .certificates
        .iter()
        .find(|c| c.status == "in_force")
        .expect("a certificate in force");

    let verify_paths: Vec<String> = seals
        .iter()
        .map(|s| format!("/api/v1/verify/{s}"))
        .collect();
    let row_paths: Vec<String> = ids.iter().map(|id| format!("/bench/row/{id}")).collect();
    let row_no_limit_paths: Vec<String> = ids
        .iter()
        .map(|id| format!("/bench/row-no-limit/{id}"))
        .collect();
    // In this order: the ratios read runs[1] (row), runs[2] (verify) and runs[3] (row without
    // LIMIT), run back to back.
    let targets = [
        Target {
            name: "GET /healthz",
            short: "healthz",
            url: format!("{base}/healthz"),
            script: None,
            header: None,
        },
        Target {
            name: "GET /bench/row/{id} (plain read)",
            short: "row",
            url: base.clone(),
            script: Some(random_paths_script(dir, "rows", &row_paths)),
            header: None,
        },
        Target {
            name: "GET /api/v1/verify/{seal}",
            short: "verify",
            url: base.clone(),
            script: Some(random_paths_script(dir, "seals", &verify_paths)),
            header: None,
        },
        Target {
            name: "GET /bench/row-no-limit/{id}",
            short: "row-no-limit",
            url: base.clone(),
            script: Some(random_paths_script(
                dir,
                "rows-no-limit",
                &row_no_limit_paths,
            )),
            header: None,
        },
        Target {
            name: "GET /api/v1/zones/{id} (bearer token)",
            short: "zones",
            url: format!("{base}/api/v1/zones/{}", seeded.zone_id),
            script: None,
            header: Some(format!("Authorization: Bearer {}", seeded.officer)),
        },
    ];

    let second = Application::build(settings).await.expect("second instance");
    let (seconds, rounds) = (knobs.seconds, knobs.rounds);
    println!(
        "\n-- wrk -c{CONNECTIONS} -t2 -d{seconds}s --latency, {rounds} rounds (targets in turn, \
         so background load hits all alike), 2 s warm-up first; {} seals and row ids in random order",
        seals.len()
    );
    let mut runs: Vec<Vec<Measured>> = targets.iter().map(|_| Vec::new()).collect();
    let mut fresh = false;
    for round in 1..=rounds {
        let mut line = format!("round {round}:");
        for (target, done) in targets.iter().zip(&mut runs) {
            if round == 1 {
                let warm = target.clone();
                tokio::task::spawn_blocking(move || wrk(&warm, 2))
                    .await
                    .expect("warm-up");
            }
            let cpu_before = process_cpu();
            let load = {
                let target = target.clone();
                tokio::task::spawn_blocking(move || wrk(&target, seconds))
            };
            if round == rounds && target.name.contains("verify") {
                // Revoke halfway through the last run, on the other instance.
                tokio::time::sleep(Duration::from_secs(seconds) / 2).await;
                fresh = freshness(&api, &second, revokee.id, &revokee.seal).await;
            }
            let mut m = load.await.expect("wrk");
            m.server_cpu = (process_cpu() - cpu_before) / m.requests.max(1) as u32;
            line.push_str(&format!("  {} {:.0}", target.short, m.rate));
            done.push(m);
        }
        let (verify, row) = (runs[2][round - 1].rate, runs[1][round - 1].rate);
        println!("{line}  verify/row {:.2}", verify / row);
    }

    let medians = report(&targets, runs);
    let (health, row, verify, row_no_limit) = (medians[0], medians[1], medians[2], medians[3]);
    let ratio = verify / row;
    println!(
        "verify/row     = {ratio:.2}  (goal >= {GOAL:.2}: {})",
        if ratio >= GOAL { "met" } else { "NOT met" }
    );
    println!("verify/row-no-limit = {:.2}", verify / row_no_limit);
    println!("verify/healthz = {:.2}", verify / health);
    println!("row/healthz    = {:.2}", row / health);
    println!("load average after: {}", load_average());

    query_plan(&state.db, &seals[0]).await;
    breakdown(&application, &seals, &ids).await;
    if !fresh {
        eprintln!("FAILED: the revocation was not visible at the first instance's next request");
    }
    fresh
}
