use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, company_body, error_fields, project_body};

fn lease_body(parcel: &Value, area: f64, start: &str, end: &str) -> Value {
    json!({"parcel_id": parcel["id"], "area_m2": area, "start_date": start, "end_date": end})
}

async fn second_project(app: &TestApp, zone: &Value) -> Value {
    let n = uuid::Uuid::now_v7().as_u128() % 1_000_000;
    let inv = app
        .create_investor(company_body("Công ty TNHH Thứ hai", &format!("3201{n:06}")))
        .await;
    app.create_project(project_body(
        &[inv["id"].as_str().unwrap()],
        zone["id"].as_str(),
    ))
    .await
}

#[tokio::test]
async fn a_parcel_is_leased_to_one_active_project_at_a_time() {
    let app = TestApp::spawn().await;
    let (zone, parcel, p1) = app.zone_parcel_project("KCN-A").await;
    let p2 = second_project(&app, &zone).await;
    let path1 = format!("/api/v1/projects/{}/leases", p1["id"].as_str().unwrap());
    let path2 = format!("/api/v1/projects/{}/leases", p2["id"].as_str().unwrap());

    let resp = app
        .post(
            &path1,
            &lease_body(&parcel, 8000.0, "2026-12-01", "2070-12-01"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let lease: Value = resp.json().await.unwrap();
    assert_eq!(lease["active"], true);
    assert_eq!(lease["area_m2"], 8000.0);
    let parcel_now: Value = app
        .get(&format!(
            "/api/v1/parcels/{}",
            parcel["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(parcel_now["status"], "leased");

    let before = app.registry_snapshot().await;
    let resp = app
        .post(
            &path2,
            &lease_body(&parcel, 1000.0, "2026-12-01", "2060-12-01"),
        )
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(error_fields(&problem), ["parcel_id:already_leased"]);
    assert_eq!(problem["existing_id"], lease["id"]);
    assert_eq!(app.registry_snapshot().await, before);

    // Released, the parcel can go to the other project.
    let resp = app
        .post(
            &format!("/api/v1/leases/{}/release", lease["id"].as_str().unwrap()),
            &json!({"reason": "Nhà đầu tư trả lại đất"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let released: Value = resp.json().await.unwrap();
    assert_eq!(released["active"], false);
    assert_eq!(released["release_reason"], "Nhà đầu tư trả lại đất");
    let again = app
        .post(
            &format!("/api/v1/leases/{}/release", lease["id"].as_str().unwrap()),
            &json!({"reason": "lần nữa"}),
        )
        .await;
    assert_problem(again, 409, "conflict").await;
    assert_eq!(
        app.post(
            &path2,
            &lease_body(&parcel, 10000.0, "2027-01-01", "2060-12-01")
        )
        .await
        .status(),
        201
    );
}

#[tokio::test]
async fn lease_terms_must_fit_the_parcel_the_zone_and_the_project() {
    let app = TestApp::spawn().await;
    let (zone, parcel, p1) = app.zone_parcel_project("KCN-A").await;
    let other_zone = app.create_zone("KCN-B").await;
    let elsewhere = app
        .create_parcel(other_zone["id"].as_str().unwrap(), "CN-09", 500.0)
        .await;
    let path = format!("/api/v1/projects/{}/leases", p1["id"].as_str().unwrap());
    let before = app.registry_snapshot().await;
    let cases = [
        (
            lease_body(&parcel, 10000.01, "2026-12-01", "2060-12-01"),
            vec!["area_m2:exceeds_parcel"],
        ),
        (
            lease_body(&parcel, 0.0, "2026-12-01", "2060-12-01"),
            vec!["area_m2:out_of_range"],
        ),
        (
            lease_body(&parcel, 100.0, "2026-12-01", "2072-01-01"),
            vec!["end_date:after_zone_term"],
        ),
        (
            lease_body(&parcel, 100.0, "2010-01-01", "2061-01-01"),
            vec!["end_date:exceeds_project_duration"],
        ),
        (
            lease_body(&parcel, 100.0, "2030-01-01", "2029-01-01"),
            vec!["end_date:before_start"],
        ),
        (
            lease_body(&elsewhere, 100.0, "2026-12-01", "2030-01-01"),
            vec!["parcel_id:other_zone"],
        ),
        (
            json!({"parcel_id": "01939a4e-0000-7000-8000-000000000000", "area_m2": 1, "start_date": "2026-12-01", "end_date": "2030-01-01"}),
            vec!["parcel_id:not_found"],
        ),
        (
            json!({"parcel_id": parcel["id"]}),
            vec![
                "area_m2:required",
                "end_date:required",
                "start_date:required",
            ],
        ),
    ];
    for (body, expected) in cases {
        let problem = assert_problem(app.post(&path, &body).await, 422, "validation").await;
        assert_eq!(error_fields(&problem), expected, "{body}");
    }
    assert_eq!(app.registry_snapshot().await, before);
    let _ = zone;
}

async fn occupancy(app: &TestApp, zone_id: &str) -> Value {
    app.get(&format!("/api/v1/zones/{zone_id}/occupancy"))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn occupancy_counts_leased_land_of_projects_holding_a_certificate() {
    let app = TestApp::spawn().await;
    let approver = app.user_token("approver1", &["approver"]).await;
    let (zone, parcel, p1) = app.zone_parcel_project("KCN-A").await;
    let zone_id = zone["id"].as_str().unwrap();
    assert_eq!(zone["occupancy"]["rate_percent"], 0.0);
    assert_eq!(zone["occupancy"]["land_m2"], 100000.0);
    assert_eq!(zone["occupancy"]["land_is_planned"], true);

    let path = format!("/api/v1/projects/{}/leases", p1["id"].as_str().unwrap());
    assert_eq!(
        app.post(
            &path,
            &lease_body(&parcel, 7500.0, "2026-12-01", "2060-12-01")
        )
        .await
        .status(),
        201
    );
    // A draft project's land does not count yet.
    assert_eq!(occupancy(&app, zone_id).await["leased_m2"], 0.0);

    let id = p1["id"].as_str().unwrap();
    app.set_status(&approver, id, "registered", None).await;
    let o = occupancy(&app, zone_id).await;
    assert_eq!(o["leased_m2"], 7500.0);
    assert_eq!(o["rate_percent"], 7.5);
    let z: Value = app
        .get(&format!("/api/v1/zones/{zone_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(z["occupancy"], o, "zone responses carry the same figure");

    app.set_status(&approver, id, "suspended", Some("Tạm ngừng"))
        .await;
    assert_eq!(
        occupancy(&app, zone_id).await["leased_m2"],
        7500.0,
        "a suspended project still holds its land"
    );

    // Terminating releases the land in the same transaction.
    app.set_status(&approver, id, "terminated", Some("Quyết định chấm dứt"))
        .await;
    assert_eq!(occupancy(&app, zone_id).await["leased_m2"], 0.0);
    let leases: Value = app.get(&path).await.json().await.unwrap();
    assert_eq!(leases["items"][0]["active"], false);
    assert_eq!(leases["items"][0]["release_reason"], "project terminated");
    let parcel_now: Value = app
        .get(&format!(
            "/api/v1/parcels/{}",
            parcel["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(parcel_now["status"], "available");
    // A terminated project leases nothing.
    let resp = app
        .post(
            &path,
            &lease_body(&parcel, 100.0, "2027-01-01", "2030-01-01"),
        )
        .await;
    assert_problem(resp, 409, "conflict").await;
}

#[tokio::test]
async fn two_instances_racing_for_one_parcel_let_exactly_one_win() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    let (zone, _, p1) = a.zone_parcel_project("KCN-A").await;
    let p2 = second_project(&a, &zone).await;
    let zone_id = zone["id"].as_str().unwrap();
    for round in 0..6 {
        let parcel = a
            .create_parcel(zone_id, &format!("R-{round}"), 1000.0)
            .await;
        let body = lease_body(&parcel, 1000.0, "2026-12-01", "2060-12-01");
        let (path1, path2) = (
            format!("/api/v1/projects/{}/leases", p1["id"].as_str().unwrap()),
            format!("/api/v1/projects/{}/leases", p2["id"].as_str().unwrap()),
        );
        let (ra, rb) = tokio::join!(a.post(&path1, &body), b.post(&path2, &body));
        let mut statuses = [ra.status().as_u16(), rb.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}");
    }
    let l1: Value = a
        .get(&format!(
            "/api/v1/projects/{}/leases",
            p1["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let l2: Value = b
        .get(&format!(
            "/api/v1/projects/{}/leases",
            p2["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let total = l1["items"].as_array().unwrap().len() + l2["items"].as_array().unwrap().len();
    assert_eq!(total, 6, "one lease per parcel, never two");
}
