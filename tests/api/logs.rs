//! Runs the real binary with debug logging and checks that no secret reaches its output.

use std::{
    io::Read,
    process::{Command, Stdio},
    time::Duration,
};

use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, TestDb, test_settings};

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let db = TestDb::create().await;
    let settings = test_settings(&db);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_invest-registry"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &settings.database_url)
        .env("DATA_DIR", &settings.data_dir)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("LOG_LEVEL", "trace")
        .env("LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while the server runs: at trace level it writes more than a pipe holds,
    // and a full pipe would block its logging and with it every request.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    // Up to 30 s for the fresh database to be migrated on a busy machine.
    for _ in 0..300 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the binary starts");

    let wrong = "Wrong-Secret-Password-42";
    let _ = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": wrong}))
        .send()
        .await
        .unwrap();
    let login: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["token"].as_str().unwrap().to_owned();
    let created: Value = client
        .post(format!("{base}/api/v1/api-keys"))
        .bearer_auth(&token)
        .json(&json!({"agency": "Cục Thuế", "scopes": ["registry:read"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = created["secret"].as_str().unwrap().to_owned();
    let status = client
        .get(format!("{base}/api/v1/zones"))
        .header("X-Api-Key", &key)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let new_user_password = "New-User-Secret-Password";
    let status = client
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"username": "nguyenvanan", "display_name": "Nguyễn Văn An", "password": new_user_password, "roles": ["officer"]}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 201);
    client
        .post(format!("{base}/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();

    child.kill().unwrap();
    child.wait().unwrap();
    let out = stdout.join().unwrap() + &stderr.join().unwrap();
    assert!(out.contains("request served"), "the log was captured");
    for secret in [
        ADMIN_PASSWORD,
        wrong,
        new_user_password,
        token.as_str(),
        key.as_str(),
        "$argon2",
    ] {
        assert!(!out.contains(secret), "a secret reached the log");
    }
}
