//! Walks every operation of the generated spec and checks what anonymous callers and each role get,
//! so a new operation cannot ship unprotected: an operation missing from the table fails the test.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_PASSWORD, TestApp, USER_PASSWORD, zone_body};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in staff member.
    AnyStaff,
    /// Any staff member, or an agency key with this scope.
    Reader(&'static str),
    /// Only these roles.
    Roles(&'static [&'static str]),
    /// An administrator, or an agency key with this scope (for what is the key's own).
    AdminOrKey(&'static str),
}

const EDITORS: &[&str] = &["officer", "admin"];
const ADMIN: &[&str] = &["admin"];
const APPROVER: &[&str] = &["approver"];

fn access(operation_id: &str) -> Option<Access> {
    Some(match operation_id {
        "healthz" | "readyz" | "login" | "list_trust_keys" | "get_status_bundle"
        | "get_status_list" | "verify_seal" | "verify_pdf" => Access::Public,
        // The applicant's side of dossiers: public, the secret proves the holder.
        "submit_dossier"
        | "lookup_dossier"
        | "get_dossier_receipt_as_applicant"
        | "get_dossier_result"
        | "rate_dossier"
        | "attach_dossier_file_as_applicant"
        | "get_dossier_file_as_applicant"
        | "list_procedures"
        | "get_procedure"
        | "list_calendar_days" => Access::Public,
        "list_dossiers"
        | "get_dossier"
        | "get_dossier_apology_pdf"
        | "get_dossier_receipt"
        | "get_dossier_file" => Access::AnyStaff,
        "create_dossier" | "reissue_dossier_secret" => Access::Roles(&["clerk"]),
        // A step's roles depend on the step (tests/api/dossiers.rs checks each); the sample
        // body asks for a supplement, which the desk and officers may do.
        "take_dossier_step" | "attach_dossier_file" => Access::Roles(&["clerk", "officer"]),
        "create_dossier_apology" => Access::Roles(&["clerk", "officer", "approver"]),
        "create_procedure" | "update_procedure" | "put_calendar_day" | "delete_calendar_day" => {
            Access::Roles(ADMIN)
        }
        "get_dossier_stats"
        | "get_project_stats"
        | "get_occupancy_stats"
        | "get_certificate_stats"
        | "get_project_chart_svg"
        | "get_project_chart_png"
        | "get_occupancy_chart_svg"
        | "get_occupancy_chart_png"
        | "get_certificate_chart_svg"
        | "get_certificate_chart_png" => Access::Reader("stats:read"),
        "read_feed" | "export_snapshot" => Access::Reader("feed:read"),
        "list_webhooks" | "get_webhook" | "list_webhook_deliveries" => {
            Access::AdminOrKey("feed:read")
        }
        "create_webhook" | "delete_webhook" | "resume_webhook" => Access::Roles(ADMIN),
        "export_investors" | "export_projects" | "export_parcels" | "export_leases" => {
            Access::Reader("registry:read")
        }
        "export_certificates" => Access::Reader("certificates:read"),
        "export_dossiers" => Access::AnyStaff,
        "me" | "logout" => Access::AnyStaff,
        "list_zones"
        | "get_zone"
        | "list_parcels"
        | "get_parcel"
        | "get_zone_occupancy"
        | "list_investors"
        | "get_investor"
        | "list_projects"
        | "get_project"
        | "list_project_leases" => Access::Reader("registry:read"),
        "create_investor" | "update_investor" | "create_project" | "update_project"
        | "create_lease" | "release_lease" => Access::Roles(EDITORS),
        "change_project_status" => Access::Roles(APPROVER),
        "list_project_certificates" | "get_certificate" | "get_certificate_pdf" => {
            Access::Reader("certificates:read")
        }
        "preview_certificate" => Access::AnyStaff,
        "draft_certificate" => Access::Roles(&["officer"]),
        "approve_certificate"
        | "reject_certificate"
        | "suspend_certificate"
        | "resume_certificate"
        | "revoke_certificate" => Access::Roles(APPROVER),
        "create_zone" | "update_zone" | "create_parcel" | "update_parcel" => Access::Roles(EDITORS),
        "list_users"
        | "create_user"
        | "disable_user"
        | "enable_user"
        | "reset_user_password"
        | "list_api_keys"
        | "create_api_key"
        | "revoke_api_key"
        | "list_audit_events"
        | "verify_audit_chain" => Access::Roles(ADMIN),
        // Imports write registered projects and certificate histories without the approver's
        // step: a one-off migration of the register, for admins.
        "create_import" | "list_imports" | "get_import" => Access::Roles(ADMIN),
        _ => return None,
    })
}

fn body(operation_id: &str, n: usize) -> Option<Value> {
    Some(match operation_id {
        "login" => json!({"username": "admin", "password": ADMIN_PASSWORD}),
        "create_zone" => zone_body(&format!("KCN-M{n}")),
        "update_zone" => json!({"name": "Tên mới"}),
        "create_parcel" => {
            json!({"lot_code": format!("M-{n}"), "area_m2": 100, "land_use": "industrial"})
        }
        "update_parcel" => json!({"status": "reserved"}),
        "create_investor" | "update_investor" | "create_project" | "update_project"
        | "create_lease" => json!({}),
        "change_project_status" => json!({"status": "registered"}),
        "release_lease" => json!({"reason": "Quyết định thu hồi"}),
        "draft_certificate" | "verify_pdf" => json!({}),
        "reject_certificate" | "suspend_certificate" | "revoke_certificate" => {
            json!({"reason": "Quyết định số 1/QĐ-BQLKKT"})
        }
        "create_user" => {
            json!({"username": format!("matrix{n}"), "display_name": "Ma Trận", "password": USER_PASSWORD, "roles": ["clerk"]})
        }
        "reset_user_password" => json!({"password": "another-long-password"}),
        "create_api_key" => json!({"agency": "Sở Tài chính", "scopes": ["stats:read"]}),
        "create_webhook" => json!({}),
        // JSON is not an import file: callers allowed in get 415.
        "create_import" => json!({}),
        "create_dossier"
        | "create_procedure"
        | "update_procedure"
        | "attach_dossier_file"
        | "submit_dossier"
        | "attach_dossier_file_as_applicant" => json!({}),
        "take_dossier_step" => {
            json!({"action": "request_supplement", "missing": "Thiếu đề xuất dự án"})
        }
        "create_dossier_apology" => {
            json!({"reason": "Chờ ý kiến thẩm định", "new_date": "2030-01-02"})
        }
        "rate_dossier" => json!({"score": 5}),
        "put_calendar_day" => json!({"kind": "holiday", "name": "Ngày thử", "source": "Thử"}),
        _ => return None,
    })
}

/// The headers of an answer that its operation does not declare for that status (HTTP's own
/// framing headers aside): every header a response carries is in the spec.
fn undeclared_headers(
    op: &Value,
    status: u16,
    headers: &reqwest::header::HeaderMap,
) -> Vec<String> {
    const FRAMING: &[&str] = &[
        "content-type",
        "content-length",
        "date",
        "transfer-encoding",
        "connection",
        "vary",
        "content-encoding",
    ];
    let Some(declared) = op["responses"][status.to_string()]["headers"].as_object() else {
        return Vec::new();
    };
    headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| {
            !FRAMING.contains(&k.as_str()) && !declared.keys().any(|d| d.eq_ignore_ascii_case(k))
        })
        .collect()
}

#[tokio::test]
async fn every_operation_is_protected_as_declared() {
    let app = TestApp::spawn().await;
    let roles = ["clerk", "officer", "approver", "admin"];
    let mut tokens = Vec::new();
    for role in roles {
        tokens.push((role, app.user_token(&format!("m{role}"), &[role]).await));
    }
    let mut keys = Vec::new();
    for scope in ["registry:read", "stats:read", "feed:read"] {
        let resp = app
            .as_admin().post("/api/v1/api-keys", &json!({"agency": "Cơ quan thử", "scopes": [scope], "rate_limit_per_minute": 10000}))
            .await;
        let body: Value = resp.json().await.unwrap();
        keys.push((scope, body["secret"].as_str().unwrap().to_owned()));
    }
    let zone = app.create_zone("KCN-MATRIX").await;
    let zone_id = zone["id"].as_str().unwrap().to_owned();
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    let mut n = 0;
    let mut checked = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap();
            let access = access(op_id).unwrap_or_else(|| {
                panic!("operation {op_id} ({method} {path}) is not in the authorization table: declare who may call it")
            });
            let declared_secure = op
                .get("security")
                .is_some_and(|s| !s.as_array().unwrap().is_empty());
            assert_eq!(
                declared_secure,
                access != Access::Public,
                "{op_id}: the spec's security matches the table"
            );
            let has_body = op.get("requestBody").is_some();
            let url = path.replace("{id}", &zone_id);
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();

            // Anonymous.
            n += 1;
            let b = if has_body {
                Some(body(op_id, n).unwrap_or_else(|| panic!("no sample body for {op_id}")))
            } else {
                None
            };
            let resp = app
                .anonymous()
                .send(method.clone(), &url, b.as_ref(), Some("*"))
                .await;
            let status = resp.status().as_u16();
            let extra = undeclared_headers(op, status, resp.headers());
            assert!(
                extra.is_empty(),
                "{op_id} anonymous {status}: undeclared {extra:?}"
            );
            if access == Access::Public {
                assert!(
                    status != 401 && status != 403,
                    "{op_id} anonymous got {status}"
                );
            } else {
                assert_eq!(status, 401, "{op_id} anonymous");
            }

            for (scope, key) in &keys {
                n += 1;
                let b = if has_body { body(op_id, n) } else { None };
                let mut req = app
                    .client
                    .request(method.clone(), app.url(&url))
                    .header("X-Api-Key", key)
                    .header("If-Match", "*");
                if let Some(b) = &b {
                    req = req.json(b);
                }
                let status = req.send().await.unwrap().status().as_u16();
                match access {
                    Access::Public => assert!(
                        status != 401 && status != 403,
                        "{op_id} with a {scope} key got {status}"
                    ),
                    Access::Reader(s) | Access::AdminOrKey(s) if s == *scope => {
                        assert!(
                            status != 401 && status != 403,
                            "{op_id} with a {scope} key got {status}"
                        )
                    }
                    Access::Reader(_) | Access::AdminOrKey(_) => {
                        assert_eq!(status, 403, "{op_id} with a {scope} key")
                    }
                    // Keys never write and never reach staff operations.
                    Access::AnyStaff | Access::Roles(_) => {
                        assert_eq!(status, 401, "{op_id} with a {scope} key")
                    }
                }
            }

            for (role, token) in &tokens {
                n += 1;
                // Signing out would end the session the rest of the walk uses: use a fresh one.
                let fresh;
                let token = if op_id == "logout" {
                    fresh = app.login(&format!("m{role}"), USER_PASSWORD).await;
                    &fresh
                } else {
                    token
                };
                let b = if has_body { body(op_id, n) } else { None };
                let resp = app
                    .as_user(token)
                    .send(method.clone(), &url, b.as_ref(), Some("*"))
                    .await;
                let status = resp.status().as_u16();
                let extra = undeclared_headers(op, status, resp.headers());
                assert!(
                    extra.is_empty(),
                    "{op_id} as {role} {status}: undeclared {extra:?}"
                );
                let allowed = match access {
                    Access::Public | Access::AnyStaff | Access::Reader(_) => true,
                    Access::Roles(r) => r.contains(role),
                    Access::AdminOrKey(_) => *role == "admin",
                };
                if allowed {
                    assert!(
                        status != 401 && status != 403,
                        "{op_id} as {role} got {status}"
                    );
                } else {
                    assert_eq!(status, 403, "{op_id} as {role}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 4 * 15, "walked {checked} operation-role pairs");
}

/// Credentials and roles come before the body: a caller without the role gets 403 (anonymous
/// 401) whatever the body holds — not JSON, the wrong type, unknown fields, the wrong content
/// type — so nothing about an operation's rules leaks to those who may not call it.
#[tokio::test]
async fn roles_are_checked_before_the_body_is_read() {
    let app = TestApp::spawn().await;
    let roles = ["clerk", "officer", "approver", "admin"];
    let mut tokens = Vec::new();
    for role in roles {
        tokens.push((role, app.user_token(&format!("b{role}"), &[role]).await));
    }
    let zone = app.create_zone("KCN-BODY").await;
    let zone_id = zone["id"].as_str().unwrap().to_owned();
    let spec: Value = serde_json::from_str(&invest_registry::api::spec_json()).unwrap();
    let bodies: [(&str, &str); 4] = [
        ("application/json", "{"),
        ("application/json", "[1, 2]"),
        ("application/json", r#"{"not_a_field": true, "name": 7}"#),
        ("text/plain", "hello"),
    ];
    let mut checked = 0;
    for (path, ops) in spec["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let is_json = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
                .is_some_and(|c| c.keys().any(|k| k.starts_with("application/json")));
            let op_id = op["operationId"].as_str().unwrap();
            let Some(Access::Roles(allowed)) = access(op_id) else {
                continue;
            };
            // A dossier step's role depends on the step named in its body (the desk returns,
            // an approver decides): any staff member gets to the body, and the step's own role
            // is checked next (tests/api/dossiers.rs: wrong roles get 403).
            if !is_json || op_id == "take_dossier_step" {
                continue;
            }
            let url = path.replace("{id}", &zone_id);
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            for (content_type, body) in bodies {
                let send = |token: Option<&str>| {
                    let mut req = app
                        .client
                        .request(method.clone(), app.url(&url))
                        .header("content-type", content_type)
                        .header("If-Match", "*")
                        .body(body);
                    if let Some(t) = token {
                        req = req.bearer_auth(t);
                    }
                    req.send()
                };
                let status = send(None).await.unwrap().status().as_u16();
                assert_eq!(status, 401, "{op_id} anonymous with {body:?}");
                for (role, token) in &tokens {
                    if allowed.contains(role) {
                        continue;
                    }
                    let status = send(Some(token)).await.unwrap().status().as_u16();
                    assert_eq!(
                        status, 403,
                        "{op_id} as {role} with {content_type} {body:?}"
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 4 * 20, "checked {checked} refusals");
}
