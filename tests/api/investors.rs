use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, company_body, error_fields, foreigner_body};

#[tokio::test]
async fn an_investor_is_stored_and_read_back_with_the_foreign_procedure_derived() {
    let app = TestApp::spawn().await;
    let resp = app
        .post(
            "/api/v1/investors",
            &company_body("Công ty Cổ phần Điện tử Ánh Dương", "3200123456"),
        )
        .await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["etag"], "\"1\"");
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = resp.json().await.unwrap();
    assert_eq!(created["name"], "Công ty Cổ phần Điện tử Ánh Dương");
    assert_eq!(created["document"]["number"], "3200123456");
    assert_eq!(created["representative"]["title"], "Giám đốc");
    assert_eq!(created["foreign_investor_procedure"], false);
    let fetched: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(fetched, created);

    let mut majority_foreign = company_body("Công ty TNHH Sakura Việt Nam", "3200123457");
    majority_foreign["foreign_ownership_percent"] = json!(51.5);
    let fi = app.create_investor(majority_foreign).await;
    assert_eq!(fi["foreign_ownership_percent"], 51.5);
    assert_eq!(
        fi["foreign_investor_procedure"], true,
        "over 50 % foreign-owned (Art. 23)"
    );
    let mut half = company_body("Công ty TNHH Nửa Nửa", "3200123458");
    half["foreign_ownership_percent"] = json!(50);
    assert_eq!(
        app.create_investor(half).await["foreign_investor_procedure"],
        false,
        "exactly 50 % is not more"
    );
    let person = app
        .create_investor(foreigner_body("KIM MIN JUN", "M12345678", "KR"))
        .await;
    assert_eq!(person["foreign_investor_procedure"], true);
    assert_eq!(person["date_of_birth"], "1980-07-21");
}

#[tokio::test]
async fn the_same_document_cannot_be_registered_twice() {
    let app = TestApp::spawn().await;
    let first = app
        .create_investor(company_body("Công ty A", "3200123456"))
        .await;
    let branch = app
        .create_investor(company_body("Chi nhánh Công ty A", "3200123456001"))
        .await;
    assert_eq!(
        branch["document"]["number"], "3200123456-001",
        "13-digit codes are written 10-3"
    );
    let before = app.registry_snapshot().await;

    // The same code typed with spaces is the same document.
    let resp = app
        .post(
            "/api/v1/investors",
            &company_body("Công ty A (trùng)", " 3200 123456 "),
        )
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(problem["existing_id"], first["id"]);
    assert_eq!(error_fields(&problem), ["document.number:duplicate"]);
    assert_eq!(app.registry_snapshot().await, before);

    // Changing another investor onto a registered document is refused the same way.
    let path = format!("/api/v1/investors/{}", branch["id"].as_str().unwrap());
    let resp = app
        .patch(
            &path,
            Some("\"1\""),
            &json!({"document": {"doc_type": "enterprise_code", "number": "3200123456"}}),
        )
        .await;
    let problem = assert_problem(resp, 409, "conflict").await;
    assert_eq!(problem["existing_id"], first["id"]);
    assert_eq!(app.registry_snapshot().await, before);
}

#[tokio::test]
async fn investor_rules_are_each_named_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let before = app.registry_snapshot().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({"document": {"doc_type": "enterprise_code", "number": "12345"}}),
            vec!["document.number:invalid_format"],
        ),
        (
            json!({"nationality": "XX"}),
            vec!["nationality:invalid_country"],
        ),
        (
            json!({"nationality": "JP"}),
            vec!["nationality:kind_mismatch"],
        ),
        (json!({"kind": "foreign_individual"}), vec![]),
        (
            json!({"representative": null}),
            vec!["representative:required"],
        ),
        (
            json!({"head_office_address": "  "}),
            vec!["head_office_address:required"],
        ),
        (
            json!({"foreign_ownership_percent": 120}),
            vec!["foreign_ownership_percent:out_of_range"],
        ),
        (
            json!({"foreign_ownership_percent": 12.345}),
            vec!["foreign_ownership_percent:invalid_value"],
        ),
        (json!({"kind": "alien"}), vec!["kind:invalid_value"]),
        (json!({"tax_code": "12-3"}), vec!["tax_code:invalid_format"]),
        (json!({"name": ""}), vec!["name:blank"]),
        (json!({"sex": "male"}), vec!["sex:not_allowed"]),
    ];
    for (overrides, expected) in cases {
        let mut body = company_body("Công ty B", "3200555555");
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        let resp = app.post("/api/v1/investors", &body).await;
        let problem = assert_problem(resp, 422, "validation").await;
        let fields = error_fields(&problem);
        if expected.is_empty() {
            // A company body declared as a foreign individual breaks several rules at once.
            assert!(fields.contains(&"sex:required".to_owned()), "{fields:?}");
            assert!(
                fields.contains(&"document.doc_type:kind_mismatch".to_owned()),
                "{fields:?}"
            );
        } else {
            assert_eq!(fields, expected, "{overrides}");
        }
    }
    let mut person = foreigner_body("LEE", "M1", "KR");
    person["document"]["number"] = json!("M1");
    person["date_of_birth"] = json!("2999-01-01");
    let problem = assert_problem(
        app.post("/api/v1/investors", &person).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        [
            "date_of_birth:out_of_range",
            "document.issue_date:before_birth",
            "document.number:invalid_format"
        ]
    );
    let mut citizen = foreigner_body("Nguyễn Văn Bình", "045089001234", "VN");
    citizen["kind"] = json!("domestic_individual");
    citizen["document"]["doc_type"] = json!("cccd");
    citizen["document"]["number"] = json!("04508900123");
    let problem = assert_problem(
        app.post("/api/v1/investors", &citizen).await,
        422,
        "validation",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["document.number:invalid_format"],
        "a CCCD is 12 digits"
    );
    assert_eq!(app.registry_snapshot().await, before);
}

#[tokio::test]
async fn search_by_name_ignores_diacritics_and_case() {
    let app = TestApp::spawn().await;
    app.create_investor(company_body("Công ty Điện tử Ánh Dương", "3200123456"))
        .await;
    app.create_investor(company_body("Công ty Bao bì Đông Hà", "3200123457"))
        .await;
    app.create_investor(foreigner_body("KIM MIN JUN", "M12345678", "KR"))
        .await;
    let names = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for q in [
        "cong ty dien tu anh duong",
        "CÔNG TY ĐIỆN TỬ",
        "anh duong",
        "Ánh   Dương",
    ] {
        let found = app
            .get(&format!("/api/v1/investors?q={}", urlencode(q)))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(names(found), ["Công ty Điện tử Ánh Dương"], "{q}");
    }
    let both: Value = app
        .get("/api/v1/investors?q=cong%20ty")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(both).len(), 2);
    let none: Value = app
        .get("/api/v1/investors?q=%25")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        names(none),
        Vec::<String>::new(),
        "a % is matched literally, not as a wildcard"
    );
    let korean: Value = app
        .get("/api/v1/investors?nationality=kr")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(korean), ["KIM MIN JUN"]);
    let orgs: Value = app
        .get("/api/v1/investors?kind=domestic_organization")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(names(orgs).len(), 2);
}

#[tokio::test]
async fn investor_patches_honour_if_match_and_rules() {
    let app = TestApp::spawn().await;
    let inv = app
        .create_investor(company_body("Công ty C", "3200123456"))
        .await;
    let path = format!("/api/v1/investors/{}", inv["id"].as_str().unwrap());
    let resp = app
        .patch(
            &path,
            Some("\"1\""),
            &json!({"foreign_ownership_percent": 75}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let patched: Value = resp.json().await.unwrap();
    assert_eq!(patched["foreign_investor_procedure"], true);
    assert_eq!(patched["name"], "Công ty C");
    let before = app.registry_snapshot().await;
    assert_problem(
        app.patch(&path, Some("\"1\""), &json!({"name": "X"})).await,
        412,
        "precondition-failed",
    )
    .await;
    assert_problem(
        app.patch(&path, None, &json!({"name": "X"})).await,
        428,
        "precondition-required",
    )
    .await;
    let problem = assert_problem(
        app.patch(&path, Some("\"2\""), &json!({"representative": null}))
            .await,
        422,
        "validation",
    )
    .await;
    assert_eq!(error_fields(&problem), ["representative:required"]);
    assert_eq!(app.registry_snapshot().await, before);
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
