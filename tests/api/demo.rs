use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_loads_the_quang_tri_zones_once() {
    let app = TestApp::spawn().await;
    let demo = app.second_instance().await;
    let first = invest_registry::demo::load(&demo.state).await.unwrap();
    assert_eq!(
        (
            first.zones_created,
            first.zones_present,
            first.parcels_created
        ),
        (9, 0, 4)
    );
    let again = invest_registry::demo::load(&demo.state).await.unwrap();
    assert_eq!(
        (
            again.zones_created,
            again.zones_present,
            again.parcels_created
        ),
        (0, 9, 0)
    );

    let zones: Value = app
        .get("/api/v1/zones?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let items = zones["items"].as_array().unwrap();
    let by_code = |code: &str| items.iter().find(|z| z["code"] == code).unwrap().clone();
    let ndh = by_code("KCN-NDH");
    assert_eq!(ndh["name"], "Khu công nghiệp Nam Đông Hà");
    assert_eq!(ndh["total_area_ha"], 98.754);
    let qt = by_code("KCN-QT");
    assert_eq!(
        qt["parent_id"],
        by_code("KKT-DNQT")["id"],
        "KCN Quảng Trị lies in KKT Đông Nam Quảng Trị"
    );
    let tbhx = by_code("KCN-TBHX");
    assert_eq!(tbhx["term_start"], "2021-03-19");
    assert_eq!(tbhx["term_end"], "2071-03-19");
    let parcels: Value = app
        .get(&format!(
            "/api/v1/zones/{}/parcels",
            ndh["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        parcels["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["note"].as_str().unwrap().contains("Dữ liệu mẫu")),
        "sample parcels are marked as sample data"
    );
    let projects: Value = app.get("/api/v1/projects").await.json().await.unwrap();
    let items = projects["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|p| p["note"].as_str().unwrap().contains("Dữ liệu mẫu"))
    );
    let packaging = &items[0];
    assert_eq!(packaging["status"], "registered");
    assert_eq!(
        packaging["investors"].as_array().unwrap().len(),
        2,
        "one project has two investors"
    );
    assert_eq!(packaging["investors"][0]["share_percent"], 60.0);
    let ndh_now: Value = app
        .get(&format!("/api/v1/zones/{}", ndh["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        ndh_now["occupancy"]["leased_m2"], 52300.0,
        "lot CN-01 is leased to the registered project"
    );
    let investors: Value = app.get("/api/v1/investors").await.json().await.unwrap();
    let kinds: Vec<&str> = investors["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "domestic_organization",
            "foreign_organization",
            "foreign_individual"
        ]
    );

    // Staff for each role, with passwords shown once, who can sign in.
    let roles: Vec<&str> = first.staff.iter().map(|(_, r, _)| r.as_str()).collect();
    assert_eq!(roles, ["clerk", "officer", "approver", "admin"]);
    for (user, _, password) in &first.staff {
        app.login(user, password).await;
    }
    assert!(first.credentials().unwrap().contains("demo-approver"));
    assert!(
        again.staff.is_empty() && again.credentials().is_none(),
        "created once"
    );
    // The packaging plant's certificate was issued as the result of its dossier; its QR seal
    // verifies.
    let certs = app
        .as_officer()
        .get_json(&format!(
            "/api/v1/projects/{}/certificates",
            packaging["id"].as_str().unwrap()
        ))
        .await;
    let cert = &certs["items"][0];
    assert_eq!(cert["status"], "in_force");
    let verdict = app
        .anonymous()
        .get_json(&format!(
            "/api/v1/verify/{}",
            cert["seal"].as_str().unwrap()
        ))
        .await;
    assert_eq!(verdict["verdict"], "genuine", "{verdict}");
    // Dossiers in every state, one of them overdue, all sample data.
    let dossiers = app
        .as_officer()
        .get_json("/api/v1/dossiers?limit=200")
        .await;
    let items = dossiers["items"].as_array().unwrap();
    let mut states: Vec<&str> = items
        .iter()
        .map(|d| d["status"].as_str().unwrap())
        .collect();
    states.sort_unstable();
    states.dedup();
    assert_eq!(
        states,
        [
            "approved",
            "in_review",
            "received",
            "refused",
            "result_returned",
            "submitted",
            "supplement_requested"
        ]
    );
    assert!(items.iter().any(|d| d["overdue"] == true));
    assert!(
        items
            .iter()
            .all(|d| d["subject"].as_str().unwrap().contains("dữ liệu mẫu"))
    );
    let returned = items
        .iter()
        .find(|d| d["status"] == "result_returned")
        .unwrap();
    assert_eq!(returned["result_certificate_id"], cert["id"]);
    assert_eq!(returned["rating"]["score"], 5);
    let (code, secret) = first.sample_tracking.clone().unwrap();
    let tracked = app
        .anonymous()
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/dossiers/lookup/{code}"),
        )
        .header("Tracking-Secret", secret)
        .send()
        .await
        .unwrap();
    let tracked: Value = tracked.json().await.unwrap();
    assert_eq!(
        tracked["holder"]["attachments"].as_array().unwrap().len(),
        2
    );
}
