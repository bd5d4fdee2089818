//! The defects an outside probe found, one test each (named in the closing note of issue 12):
//! slow and idle connections, text that must never be stored, sign-in that told names apart and
//! let anyone lock anyone out, outages answered 500 or 401, seals with a second spelling,
//! connections broken after an early answer, third-party PDF signatures, and the smaller ones.

use std::{net::SocketAddr, time::Duration};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};

use crate::helpers::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, assert_problem, error_fields};

/// A TCP connection to the app from a given loopback address (127.0.0.x are all this host).
async fn connect_from(app: &TestApp, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(from.parse().unwrap(), 0))
        .unwrap();
    socket.connect(app.addr).await.unwrap()
}

/// True when the server closed the connection within `within` (a read returns end of file or an
/// error), false when it is still open.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// Reads one HTTP/1.1 response (head and a `Content-Length` body) from a raw connection.
async fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("a response within 5 s")
            .expect("read");
        assert!(n > 0, "the connection closed before a response");
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).to_string();
    let status: u16 = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection closed inside a body");
        data.extend_from_slice(&buf[..n]);
    }
    (
        status,
        head.to_ascii_lowercase(),
        data[head_end..head_end + length].to_vec(),
    )
}

async fn healthz_answers(app: &TestApp) -> bool {
    matches!(
        tokio::time::timeout(
            Duration::from_secs(2),
            app.client.get(app.url("/healthz")).send()
        )
        .await,
        Ok(Ok(r)) if r.status() == 200
    )
}

/// Defect 1: slow connections took the server down.
#[tokio::test]
async fn slow_and_idle_connections_are_closed_and_one_client_cannot_hold_the_server() {
    let app = TestApp::spawn_with(&[
        ("HEADER_READ_TIMEOUT_SECONDS", "0.3"),
        ("MAX_CONNECTIONS_PER_CLIENT", "8"),
    ])
    .await;
    // One client opens twenty idle connections: eight are held, the rest are closed at once.
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(connect_from(&app, "127.0.0.2").await);
    }
    // Looked at together, well within the header timeout.
    let closed = futures_util::future::join_all(
        idle.iter_mut()
            .map(|s| closed_within(s, Duration::from_millis(150))),
    )
    .await;
    let refused = closed.iter().filter(|c| **c).count();
    assert_eq!(refused, 12, "a client holds at most eight connections");
    // Another client (this test's own) is served all the while.
    assert!(healthz_answers(&app).await);

    // A request head trickled a byte at a time never completes: closed after the header timeout.
    let mut slow = connect_from(&app, "127.0.0.3").await;
    let started = std::time::Instant::now();
    let mut closed = false;
    for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " {
        if slow.write_all(&[*b]).await.is_err()
            || closed_within(&mut slow, Duration::from_millis(50)).await
        {
            closed = true;
            break;
        }
    }
    assert!(closed, "a trickled head is cut off");
    assert!(started.elapsed() < Duration::from_secs(3));

    // The held idle connections are closed after the header timeout too; their places are free.
    for s in &mut idle {
        assert!(closed_within(s, Duration::from_secs(2)).await);
    }
    let mut again = connect_from(&app, "127.0.0.2").await;
    again
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut again).await.0, 200);
}

/// Defect 2: unlimited text made one certificate hold the write lock for a minute.
#[tokio::test]
async fn oversized_text_is_refused_and_the_longest_certificate_does_not_block_other_writes() {
    let app = TestApp::spawn().await;
    let (zone, parcel, project) = app.zone_parcel_project("KCN-LONG").await;
    let id = project["id"].as_str().unwrap();
    let path = format!("/api/v1/projects/{id}");
    let etag = format!("\"{}\"", project["version"]);
    let word = |n: usize| "Ư".repeat(n);
    for (field, value, code) in [
        ("address", word(12_000), "too_long"),
        ("address", word(501), "too_long"),
        ("scale", word(2001), "too_long"),
        ("note", word(2001), "too_long"),
    ] {
        let resp = app
            .patch(&path, Some(&etag), &json!({ field: value }))
            .await;
        let p = assert_problem(resp, 422, "validation").await;
        assert_eq!(error_fields(&p), [format!("{field}:{code}")], "{field}");
    }
    let mut company = crate::helpers::company_body("Công ty Dài", "3200999999");
    company["representative"]["doc_number"] = json!("0".repeat(65));
    let p = assert_problem(
        app.post("/api/v1/investors", &company).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&p), ["representative.doc_number:too_long"]);

    // The longest a project may be, every text an unbroken word at its limit: it is issued, and
    // writes made while it is being rendered and signed do not wait for it or fail.
    let resp = app
        .patch(
            &path,
            Some(&etag),
            &json!({
                "address": word(500), "scale": word(2000), "note": word(2000),
                "objectives": [{"description": word(2000), "vsic_code": "2610"}],
                "conditions": [word(2000), word(2000)]
            }),
        )
        .await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    crate::issuing::lease(&app, &project, &parcel).await;
    let approver = app.approver_token("pheduyet").await;
    let draft =
        crate::issuing::json_of(crate::issuing::draft(&app, id).await, StatusCode::CREATED).await;
    let cert_id = draft["id"].as_str().unwrap();
    let parcels = format!("/api/v1/zones/{}/parcels", zone["id"].as_str().unwrap());
    let new_parcel = json!({"lot_code": "CN-99", "area_m2": 1000, "land_use": "industrial"});
    let (issued, created) = tokio::join!(
        crate::issuing::approve(&app, &approver, cert_id),
        app.post(&parcels, &new_parcel)
    );
    assert_eq!(issued.status(), 200, "{}", issued.text().await.unwrap());
    assert_eq!(created.status(), 201);
}

/// Sign-in from a client named by `X-Forwarded-For` (the app trusts 127.0.0.1 as a proxy).
async fn sign_in_from(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("X-Forwarded-For", client)
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Defect 3: sign-in told names apart, and anyone could lock out any account.
#[tokio::test]
async fn sign_in_tells_no_names_apart_and_one_client_cannot_lock_out_another() {
    let app = TestApp::spawn_with(&[("TRUSTED_PROXIES", "127.0.0.1")]).await;
    let attacker = "198.51.100.66";
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..6 {
        let a = sign_in_from(&app, attacker, "admin", "not-the-password").await;
        let b = sign_in_from(&app, attacker, "nobody-by-this-name", "not-the-password").await;
        let retry = |r: &reqwest::Response| r.headers().contains_key("retry-after");
        known.push((
            a.status().as_u16(),
            retry(&a),
            a.json::<Value>().await.unwrap()["detail"].clone(),
        ));
        unknown.push((
            b.status().as_u16(),
            retry(&b),
            b.json::<Value>().await.unwrap()["detail"].clone(),
        ));
    }
    // Five refusals, then this client is locked out of the name: the same for both names.
    let statuses: Vec<u16> = known.iter().map(|k| k.0).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    assert_eq!(
        known, unknown,
        "an existing and an unknown name answer alike"
    );

    // The owner, from elsewhere, signs in at once.
    let owner = sign_in_from(&app, "203.0.113.5", "admin", ADMIN_PASSWORD).await;
    assert_eq!(
        owner.status(),
        200,
        "the attacker did not lock the owner out"
    );
    // The attacker's client stays locked out of that name, even with the right password.
    let locked = sign_in_from(&app, attacker, "admin", ADMIN_PASSWORD).await;
    assert_problem(locked, 429, "too-many-requests").await;
    // Until the lock is over.
    app.advance(Duration::from_secs(15 * 60 + 1));
    assert_eq!(
        sign_in_from(&app, attacker, "admin", ADMIN_PASSWORD)
            .await
            .status(),
        200
    );

    // Per client, whatever the names tried: a burst, then the pace.
    let limited = TestApp::spawn_with(&[
        ("TRUSTED_PROXIES", "127.0.0.1"),
        ("LOGIN_RATE_LIMIT_PER_MINUTE", "4"),
    ])
    .await;
    let sprayer = "198.51.100.77";
    let names = ["a1", "b2", "c3"];
    let mut statuses = Vec::new();
    for name in names {
        statuses.push(
            sign_in_from(&limited, sprayer, name, "x-password-x")
                .await
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [401, 401, 429]);
    let other = sign_in_from(&limited, "203.0.113.9", "officer", USER_PASSWORD).await;
    assert_eq!(other.status(), 200, "another client is not slowed");
    limited.advance(Duration::from_secs(15));
    assert_eq!(
        sign_in_from(&limited, sprayer, "d4", "x-password-x")
            .await
            .status(),
        401
    );
}

/// Defect 5: an outage answered 500, or 401 "sign in first".
#[tokio::test]
async fn a_database_outage_is_a_503_with_retry_after_on_every_kind_of_endpoint() {
    let app = TestApp::spawn().await;
    let key = app
        .as_admin()
        .post(
            "/api/v1/api-keys",
            &json!({"agency": "Cục Thống kê", "scopes": ["registry:read"]}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = app.second_instance().await;
    let db = second.state.db.clone();
    let (addr, _handle) = invest_registry::startup::spawn(second).await.unwrap();
    db.close_by_ref().await.unwrap();
    let url = |p: &str| format!("http://{addr}{p}");
    let cases = [
        app.client
            .get(url("/api/v1/zones"))
            .bearer_auth(&app.admin_token),
        app.client
            .get(url("/api/v1/zones"))
            .header("X-Api-Key", &key),
        app.client
            .post(url("/api/v1/zones"))
            .bearer_auth(&app.token)
            .json(&crate::helpers::zone_body("KCN-OUT")),
        app.client.get(url("/api/v1/trust/status")),
        app.client.get(url("/api/v1/trust/keys")),
        app.client
            .post(url("/api/v1/auth/login"))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD})),
    ];
    for req in cases {
        let resp = req.send().await.unwrap();
        let what = resp.url().path().to_owned();
        assert_eq!(resp.headers()["retry-after"], "2", "{what}");
        let p = assert_problem(resp, 503, "unavailable").await;
        assert!(
            p["detail"].as_str().unwrap().contains("database"),
            "{what}: {p}"
        );
    }
    let ready = app.client.get(url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
}

/// Defect 6: the other ECDSA signature of a seal passed as genuine offline.
#[tokio::test]
async fn the_twin_of_a_seal_is_not_genuine_online_or_offline() {
    let app = TestApp::spawn().await;
    let (_, cert, _) = crate::issuing::issued(&app, "KCN-TWIN").await;
    let seal = crate::issuing::seal_of(&cert);
    let twin = seal_twin(&seal);
    let ok: Value = app
        .anonymous()
        .get_json(&format!("/api/v1/verify/{seal}"))
        .await;
    assert_eq!(ok["verdict"], "genuine");
    let bad: Value = app
        .anonymous()
        .get_json(&format!("/api/v1/verify/{twin}"))
        .await;
    assert_eq!(bad["verdict"], "not_genuine", "{bad}");
    assert_eq!(bad["reason"], "bad_signature");

    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.json");
    let body = app
        .anonymous()
        .get("/api/v1/trust/keys")
        .await
        .bytes()
        .await
        .unwrap();
    std::fs::write(&keys, &body).unwrap();
    let verify = |s: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_invest-registry"))
            .args(["verify", s, "--keys", keys.to_str().unwrap()])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(verify(&seal), Some(0));
    assert_eq!(verify(&twin), Some(2), "offline, the twin is not genuine");
}

/// The same seal with its signature's s replaced by n - s.
fn seal_twin(seal: &str) -> String {
    use data_encoding::BASE32_NOPAD;
    use p256::ecdsa::Signature;
    let mut bytes = BASE32_NOPAD.decode(seal.as_bytes()).unwrap();
    let body = bytes.len() - 64;
    let sig = Signature::from_slice(&bytes[body..]).unwrap();
    let (r, s) = sig.split_scalars();
    let flipped = Signature::from_scalars(r, -*s).unwrap();
    bytes[body..].copy_from_slice(&flipped.to_bytes());
    BASE32_NOPAD.encode(&bytes)
}

/// Defect 7: a kept-alive connection broke after an early 401 or 413.
#[tokio::test]
async fn a_kept_alive_connection_survives_an_early_refusal_and_a_too_large_body_closes_it() {
    let app = TestApp::spawn_with(&[("MAX_BODY_BYTES", "2048")]).await;
    let mut stream = TcpStream::connect(app.addr).await.unwrap();
    let body = serde_json::to_string(&crate::helpers::zone_body("KCN-KA")).unwrap();
    // No credentials: refused before the body is looked at, yet the body is read.
    let request = format!(
        "POST /api/v1/zones HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    for _ in 0..3 {
        stream.write_all(request.as_bytes()).await.unwrap();
        let (status, head, _) = read_response(&mut stream).await;
        assert_eq!(status, 401);
        assert!(!head.contains("connection: close"), "{head}");
    }
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        read_response(&mut stream).await.0,
        200,
        "the connection is still good"
    );

    // A body declared larger than the limit is never read: 413, and the connection says so.
    stream
        .write_all(b"POST /api/v1/zones HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
        .await
        .unwrap();
    let (status, head, body) = read_response(&mut stream).await;
    assert_eq!(status, 413);
    assert!(head.contains("connection: close"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains("payload-too-large"));
    assert!(closed_within(&mut stream, Duration::from_secs(2)).await);
}

/// Defect 9: the smaller ones.
#[tokio::test]
async fn framework_answers_are_problems_and_bad_headers_and_bodies_are_named() {
    let app = TestApp::spawn().await;
    // 415 on the PDF check names what it takes.
    let resp = app
        .client
        .post(app.url("/api/v1/verify/pdf"))
        .json(&json!({"pdf": "no"}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(resp, 415, "unsupported-media-type").await;
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("application/pdf") && !detail.contains("json;"),
        "{detail}"
    );

    // A target or headers too large: problems, not bare statuses.
    let long = format!("/api/v1/zones?q={}", "a".repeat(9000));
    let p = assert_problem(app.get(&long).await, 414, "uri-too-long").await;
    assert!(p["detail"].as_str().unwrap().contains("8192"));
    let mut req = app.authed(Method::GET, "/api/v1/zones");
    for i in 0..110 {
        req = req.header(format!("x-extra-{i}"), "1");
    }
    assert_problem(req.send().await.unwrap(), 431, "header-fields-too-large").await;

    // A role is checked before the body is read: a non-admin gets 403 whatever the body.
    for body in ["{\"username\": 5", "[]", "{\"username\": \"x\"}"] {
        let resp = app
            .authed(Method::POST, "/api/v1/users")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(resp, 403, "forbidden").await;
    }

    // A header the API reads, sent as something other than printable ASCII, is named.
    let (project, _, _) = {
        let (_, _, p) = app.zone_parcel_project("KCN-HDR").await;
        (p, (), ())
    };
    let resp = app
        .authed(
            Method::POST,
            &format!(
                "/api/v1/projects/{}/certificates",
                project["id"].as_str().unwrap()
            ),
        )
        .header(
            "Idempotency-Key",
            reqwest::header::HeaderValue::from_bytes("khóa".as_bytes()).unwrap(),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let p = assert_problem(resp, 400, "bad-request").await;
    assert_eq!(error_fields(&p), ["Idempotency-Key:invalid_parameter"]);

    // API keys: a field of the wrong type is a 422 naming it, like every other body.
    let resp = app
        .as_admin()
        .post(
            "/api/v1/api-keys",
            &json!({"agency": "Cục Thuế", "scopes": ["registry:read"], "rate_limit_per_minute": "many"}),
        )
        .await;
    let p = assert_problem(resp, 422, "validation").await;
    assert_eq!(error_fields(&p), ["rate_limit_per_minute:invalid_type"]);
}

/// Defect 9, last: `audit verify` reads only: no migration, no signing key.
#[tokio::test]
async fn audit_verify_on_the_command_line_needs_no_signing_key_and_migrates_nothing() {
    let app = TestApp::spawn().await;
    let settings = crate::helpers::test_settings_for(&app);
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_invest-registry"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", &settings.database_url)
            .env("DATA_DIR", &settings.data_dir)
            .env("SIGNING_KEY_FILE", "/nonexistent/key.pem")
            .env("SIGNING_CHAIN_FILE", "/nonexistent/chain.pem")
            .env("LOG_LEVEL", "error")
            .output()
            .unwrap()
    };
    let out = run(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("audit chain intact"));
}

/// Defect 8: another party's signature confused the PDF check.
#[tokio::test]
async fn another_partys_signature_is_not_ours_and_a_countersigned_certificate_is_recognised() {
    if !crate::issuing::have("pyhanko") || !crate::issuing::have("openssl") {
        return;
    }
    let app = TestApp::spawn_with(&[("MAX_BODY_BYTES", "1048576")]).await;
    let (_, cert, _) = crate::issuing::issued(&app, "KCN-RSA").await;
    let issued = crate::issuing::pdf_bytes(&app, cert["id"].as_str().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    // A bank's RSA key and certificate, as Vietnamese PKI commonly issues them.
    crate::issuing::run(std::process::Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=Ngan hang thu nghiem",
        "-keyout",
        &path("bank.key"),
        "-out",
        &path("bank.pem"),
    ]));
    let sign = |input: &str, output: &str| {
        crate::issuing::run(std::process::Command::new("pyhanko").args([
            "sign",
            "addsig",
            "--field",
            "1/20,20,120,60/Bank",
            "pemder",
            "--key",
            &path("bank.key"),
            "--cert",
            &path("bank.pem"),
            "--no-pass",
            input,
            output,
        ]))
    };
    let upload = |pdf: Vec<u8>| {
        app.client
            .post(app.url("/api/v1/verify/pdf"))
            .header("content-type", "application/pdf")
            .body(pdf)
            .send()
    };

    // A PDF signed only by the bank: signed, but not by this registry (not "unreadable").
    let preview = {
        let (_, _, project) = app.zone_parcel_project("KCN-RSA2").await;
        let draft = crate::issuing::json_of(
            crate::issuing::draft(&app, project["id"].as_str().unwrap()).await,
            StatusCode::CREATED,
        )
        .await;
        app.get(&format!(
            "/api/v1/certificates/{}/preview",
            draft["id"].as_str().unwrap()
        ))
        .await
        .bytes()
        .await
        .unwrap()
    };
    std::fs::write(path("plain.pdf"), &preview).unwrap();
    let out = sign(&path("plain.pdf"), &path("bank-only.pdf"));
    let bank_only = std::fs::read(path("bank-only.pdf")).unwrap_or_else(|_| panic!("{out}"));
    let v: Value = upload(bank_only).await.unwrap().json().await.unwrap();
    assert_eq!(v["verdict"], "not_signed_by_us", "{v}");
    // A signature made with an algorithm the registry does not check is not vouched for: its
    // signer is not named.
    assert!(v["signer"].is_null(), "{v}");

    // The registry's certificate, countersigned by the bank: the registry's signature is found
    // and intact, the certificate is named with its status, and the file is not the one issued.
    std::fs::write(path("issued.pdf"), &issued).unwrap();
    let out = sign(&path("issued.pdf"), &path("countersigned.pdf"));
    let countersigned =
        std::fs::read(path("countersigned.pdf")).unwrap_or_else(|_| panic!("{out}"));
    assert!(countersigned.starts_with(&issued), "an incremental update");
    let v: Value = upload(countersigned).await.unwrap().json().await.unwrap();
    assert_eq!(v["verdict"], "modified", "{v}");
    assert!(v["detail"].as_str().unwrap().contains("intact"), "{v}");
    assert_eq!(
        v["certificate"]["project_code"], cert["project_code"],
        "{v}"
    );
    assert_eq!(v["certificate_verdict"], "genuine", "{v}");
    // The issued file itself is still simply genuine.
    let v: Value = upload(issued).await.unwrap().json().await.unwrap();
    assert_eq!(v["verdict"], "genuine");
}
