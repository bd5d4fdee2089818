use serde_json::{Value, json};

use crate::helpers::{
    TestApp, assert_problem, company_body, error_fields, foreigner_body, project_body,
};

async fn two_investors(app: &TestApp) -> (String, String) {
    let a = app
        .create_investor(company_body("Công ty Điện tử Ánh Dương", "3200123456"))
        .await;
    let b = app
        .create_investor(foreigner_body("KIM MIN JUN", "M12345678", "KR"))
        .await;
    (
        a["id"].as_str().unwrap().to_owned(),
        b["id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_project_with_two_investors_gets_a_local_code_and_derived_shares() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let (a, b) = two_investors(&app).await;
    let mut body = project_body(&[&a, &b], zone["id"].as_str());
    body["investors"][0]["capital_vnd"] = json!(60_000_000_000i64);
    body["investors"][1]["capital_vnd"] = json!(40_000_000_000i64);
    body["capital_usd"] = json!(10_000_000);
    body["exchange_rate_vnd_per_usd"] = json!(25_000);
    body["exchange_rate_date"] = json!("2026-11-01");
    let resp = app.post("/api/v1/projects", &body).await;
    assert_eq!(resp.status(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let p: Value = resp.json().await.unwrap();
    let code = p["project_code"].as_str().unwrap();
    assert_eq!(code.len(), 10);
    assert!(
        code.starts_with("99"),
        "local codes use the configured prefix: {code}"
    );
    assert_eq!(p["code_source"], "local");
    assert_eq!(p["status"], "draft");
    assert_eq!(
        p["investors"][0]["investor_name"],
        "Công ty Điện tử Ánh Dương"
    );
    assert_eq!(p["investors"][0]["share_percent"], 60.0);
    assert_eq!(p["investors"][1]["share_percent"], 40.0);
    assert_eq!(p["objectives"][0]["vsic_code"], "2610");
    assert_eq!(
        p["incentives"][0]["legal_basis"],
        "Điều 15 Luật Đầu tư 2020"
    );
    assert_eq!(p["milestones"][0]["due_date"], "2028-06-30");
    assert_eq!(p["total_capital_vnd"], 250_000_000_000i64);
    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, p);

    let second = app.create_project(project_body(&[&a], None)).await;
    let next: i64 = second["project_code"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        next,
        code.parse::<i64>().unwrap() + 1,
        "local codes are sequential"
    );
}

#[tokio::test]
async fn a_national_code_is_kept_and_never_duplicated_or_changed() {
    let app = TestApp::spawn().await;
    let (a, _) = two_investors(&app).await;
    let mut body = project_body(&[&a], None);
    body["project_code"] = json!("2310001234");
    let p = app.create_project(body.clone()).await;
    assert_eq!(p["project_code"], "2310001234");
    assert_eq!(p["code_source"], "national");
    let before = app.registry_snapshot().await;

    let problem = assert_problem(app.post("/api/v1/projects", &body).await, 409, "conflict").await;
    assert_eq!(error_fields(&problem), ["project_code:duplicate"]);
    assert_eq!(problem["existing_id"], p["id"]);
    body["project_code"] = json!("23100012");
    let problem =
        assert_problem(app.post("/api/v1/projects", &body).await, 422, "validation").await;
    assert_eq!(error_fields(&problem), ["project_code:invalid_format"]);

    let path = format!("/api/v1/projects/{}", p["id"].as_str().unwrap());
    let problem = assert_problem(
        app.patch(&path, Some("\"1\""), &json!({"project_code": "2310009999"}))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["project_code:immutable"]);
    assert_eq!(app.registry_snapshot().await, before);
}

#[tokio::test]
async fn capital_duration_and_references_are_checked_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let zone = app.create_zone("KCN-NDH").await;
    let (a, b) = two_investors(&app).await;
    let before = app.registry_snapshot().await;
    let zone_id = zone["id"].as_str().unwrap();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"mobilized_capital_vnd": 1}),
            vec!["total_capital_vnd:sum_mismatch"],
        ),
        (
            json!({"contributed_capital_vnd": 1, "total_capital_vnd": 150_000_000_001i64}),
            vec!["contributed_capital_vnd:sum_mismatch"],
        ),
        (
            json!({"capital_usd": 9_000_000, "exchange_rate_vnd_per_usd": 25_000, "exchange_rate_date": "2026-11-01"}),
            vec!["capital_usd:rate_mismatch"],
        ),
        (
            json!({"capital_usd": 10_000_000}),
            vec!["capital_usd:incomplete"],
        ),
        (
            json!({"duration_years": 71, "zone_id": zone_id}),
            vec!["duration_years:out_of_range"],
        ),
        (
            json!({"duration_years": 51, "zone_id": null}),
            vec!["duration_years:out_of_range"],
        ),
        (
            json!({"duration_years": 0}),
            vec!["duration_years:out_of_range"],
        ),
        (
            json!({"objectives": [{"description": "Sản xuất", "vsic_code": "26"}]}),
            vec!["objectives[0].vsic_code:invalid_format"],
        ),
        (json!({"objectives": []}), vec!["objectives:required"]),
        (json!({"investors": []}), vec!["investors:required"]),
        (json!({"name_vi": " "}), vec!["name_vi:blank"]),
        (
            json!({"total_capital_vnd": "nhiều"}),
            vec!["total_capital_vnd:invalid_type"],
        ),
        (
            json!({"zone_id": "01939a4e-0000-7000-8000-000000000000"}),
            vec!["zone_id:not_found"],
        ),
        (
            json!({"milestones": [{"description": "Xong", "due_date": "2028-02-30"}]}),
            vec!["milestones[0].due_date:invalid_format"],
        ),
    ];
    for (overrides, expected) in cases {
        let mut body = project_body(&[&a, &b], Some(zone_id));
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        let problem =
            assert_problem(app.post("/api/v1/projects", &body).await, 422, "validation").await;
        assert_eq!(error_fields(&problem), expected, "{overrides}");
    }
    let mut body = project_body(&[&a, "01939a4e-0000-7000-8000-000000000001"], None);
    body["duration_years"] = json!(50);
    let problem =
        assert_problem(app.post("/api/v1/projects", &body).await, 422, "validation").await;
    assert_eq!(
        error_fields(&problem),
        ["investors[1].investor_id:not_found"]
    );
    let mut dup = project_body(&[&a, &a], None);
    dup["duration_years"] = json!(50);
    let problem = assert_problem(app.post("/api/v1/projects", &dup).await, 422, "validation").await;
    assert_eq!(
        error_fields(&problem),
        ["investors[1].investor_id:duplicate"]
    );
    assert_eq!(app.registry_snapshot().await, before);
}

#[tokio::test]
async fn the_status_machine_refuses_unlawful_moves_naming_the_allowed_ones() {
    let app = TestApp::spawn().await;
    let approver = app.user_token("approver1", &["approver"]).await;
    let (a, _) = two_investors(&app).await;
    let p = app.create_project(project_body(&[&a], None)).await;
    let id = p["id"].as_str().unwrap();

    let resp = app
        .set_status(&approver, id, "suspended", Some("Tạm dừng"))
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("allowed: registered, terminated"),
        "{problem}"
    );
    assert_eq!(error_fields(&problem), ["status:transition_not_allowed"]);

    assert_problem(
        app.set_status(&app.token, id, "registered", None).await,
        403,
        "forbidden",
    )
    .await;

    let registered: Value = app
        .set_status(&approver, id, "registered", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(registered["status"], "registered");
    assert!(registered["registered_at"].is_string());
    let problem = assert_problem(
        app.set_status(&approver, id, "suspended", None).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["reason:required"]);
    let suspended: Value = app
        .set_status(
            &approver,
            id,
            "suspended",
            Some("Thông báo tạm ngừng số 12/TB"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(suspended["status"], "suspended");
    assert_eq!(suspended["status_reason"], "Thông báo tạm ngừng số 12/TB");
    let resumed: Value = app
        .set_status(&approver, id, "registered", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        resumed["registered_at"], registered["registered_at"],
        "the first registration date is kept"
    );
    let terminated: Value = app
        .set_status(
            &approver,
            id,
            "terminated",
            Some("Quyết định chấm dứt số 5/QĐ"),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(terminated["status"], "terminated");

    let before = app.registry_snapshot().await;
    let problem = assert_problem(
        app.set_status(&approver, id, "registered", None).await,
        409,
        "conflict",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("terminated is final")
    );
    let problem = assert_problem(
        app.patch(
            &format!("/api/v1/projects/{id}"),
            Some("*"),
            &json!({"name_vi": "Khác"}),
        )
        .await,
        409,
        "conflict",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("terminated"));
    assert_eq!(app.registry_snapshot().await, before);
}

#[tokio::test]
async fn project_lists_filter_by_zone_status_investor_nationality_capital_and_year() {
    let app = TestApp::spawn().await;
    let approver = app.user_token("approver1", &["approver"]).await;
    let zone = app.create_zone("KCN-NDH").await;
    let zone_id = zone["id"].as_str().unwrap();
    let (a, b) = two_investors(&app).await;
    let p1 = app.create_project(project_body(&[&a], Some(zone_id))).await;
    let mut big = project_body(&[&b], None);
    big["total_capital_vnd"] = json!(1_100_000_000_000i64);
    big["mobilized_capital_vnd"] = json!(1_000_000_000_000i64);
    let p2 = app.create_project(big).await;
    app.set_status(&approver, p2["id"].as_str().unwrap(), "registered", None)
        .await;
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let one = |p: &Value| vec![p["id"].as_str().unwrap().to_owned()];
    let get = |q: String| {
        let app = &app;
        async move {
            app.get(&format!("/api/v1/projects?{q}"))
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(ids(get(format!("zone_id={zone_id}")).await), one(&p1));
    assert_eq!(ids(get("status=registered".into()).await), one(&p2));
    assert_eq!(ids(get(format!("investor_id={b}")).await), one(&p2));
    assert_eq!(ids(get("nationality=KR".into()).await), one(&p2));
    assert_eq!(ids(get("nationality=vn".into()).await), one(&p1));
    assert_eq!(
        ids(get("min_capital_vnd=1000000000000".into()).await),
        one(&p2)
    );
    assert_eq!(
        ids(get("max_capital_vnd=300000000000".into()).await),
        one(&p1)
    );
    let year = (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y")
        .to_string();
    assert_eq!(
        ids(get(format!("registration_year={year}")).await),
        one(&p2)
    );
    assert_eq!(
        ids(get("registration_year=2001".into()).await),
        Vec::<String>::new()
    );
    let problem = assert_problem(
        app.get("/api/v1/projects?status=dreaming").await,
        400,
        "bad-request",
    )
    .await;
    assert_eq!(error_fields(&problem), ["status:invalid_parameter"]);
}

#[tokio::test]
async fn two_instances_allocating_local_codes_at_once_never_share_one() {
    let a_app = TestApp::spawn().await;
    let b_app = a_app.sibling().await;
    let (a, _) = two_investors(&a_app).await;
    let body = project_body(&[&a], None);
    let mut codes = Vec::new();
    for _ in 0..4 {
        let (r1, r2) = tokio::join!(
            a_app.post("/api/v1/projects", &body),
            b_app.post("/api/v1/projects", &body)
        );
        for r in [r1, r2] {
            assert_eq!(r.status(), 201);
            let p: Value = r.json().await.unwrap();
            codes.push(p["project_code"].as_str().unwrap().to_owned());
        }
    }
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), codes.len(), "{codes:?}");
    let numbers: Vec<i64> = unique.iter().map(|c| c.parse().unwrap()).collect();
    assert_eq!(
        numbers.last().unwrap() - numbers.first().unwrap(),
        7,
        "gapless: {codes:?}"
    );
}

#[tokio::test]
async fn whoever_prepared_a_project_cannot_register_it_but_another_approver_can() {
    let app = TestApp::spawn().await;
    // Two staff who hold both roles, as in a small board.
    let lan = app.user_token("lan", &["officer", "approver"]).await;
    let minh = app.user_token("minh", &["officer", "approver"]).await;
    let (a, _) = two_investors(&app).await;
    let resp = app
        .as_user(&lan)
        .post("/api/v1/projects", &project_body(&[&a], None))
        .await;
    assert_eq!(resp.status(), 201);
    let p: Value = resp.json().await.unwrap();
    let id = p["id"].as_str().unwrap();
    let before = app.registry_snapshot().await;

    let problem = assert_problem(
        app.set_status(&lan, id, "registered", None).await,
        403,
        "forbidden",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("four eyes"),
        "{problem}"
    );
    assert_eq!(app.registry_snapshot().await, before);

    // Minh edits the draft: now Minh prepared it too, and cannot register it either.
    let resp = app
        .as_user(&minh)
        .patch(
            &format!("/api/v1/projects/{id}"),
            Some("\"1\""),
            &json!({"scale": "6 triệu sản phẩm/năm"}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert_problem(
        app.set_status(&minh, id, "registered", None).await,
        403,
        "forbidden",
    )
    .await;
    // A third person, who prepared nothing, registers it.
    let hoa = app.user_token("hoa", &["approver"]).await;
    let resp = app.set_status(&hoa, id, "registered", None).await;
    assert_eq!(resp.status(), 200);
    let registered: Value = resp.json().await.unwrap();
    assert_eq!(registered["status"], "registered");
}

#[tokio::test]
async fn a_draft_prepared_by_one_user_is_registered_by_another() {
    let app = TestApp::spawn().await;
    let approver = app.user_token("approver1", &["approver"]).await;
    let (a, _) = two_investors(&app).await;
    let p = app.create_project(project_body(&[&a], None)).await;
    let resp = app
        .set_status(&approver, p["id"].as_str().unwrap(), "registered", None)
        .await;
    assert_eq!(
        resp.status(),
        200,
        "the officer drafted, a different approver registers"
    );
}
