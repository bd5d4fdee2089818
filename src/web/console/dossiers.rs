//! The one-stop desk's screens: the dossier list with its filters, intake with the procedure's
//! checklist and attachments, a dossier's page (facts, checklist, the timeline of steps, files,
//! apologies) with the steps the signed-in user may take, and the printed receipt slip and apology
//! letters.

use askama::Template;
use poem::{
    Request, Response, Route, get, handler,
    http::StatusCode,
    post,
    web::{Data, Multipart, Path},
};
use uuid::Uuid;

use super::{
    Checked, Chrome, DossierLine, Field, Fields, Problems, Staff, day, day_opt, dossier_line, file,
    moment, page, place_errors, query_of, see_other, status_label,
};
use crate::{
    domain::{
        dossier::{Applicant, ApplicantKind, DossierAction, DossierStatus, next_actions},
        procedure::{Procedure, deadline_vi, in_force},
        time::vietnam_date,
    },
    service::{
        AppState, ServiceError, dossier_documents,
        dossiers::{self, DossierFilter, NewDossier, StepInput, Upload},
        procedures,
    },
};

pub(super) fn mount(route: Route) -> Route {
    route
        .at("/console/dossiers", get(list))
        .at("/console/dossiers/new", get(new_page).post(intake))
        .at("/console/dossiers/:id", get(detail))
        .at("/console/dossiers/:id/act", post(act))
        .at("/console/dossiers/:id/apology", post(apologize))
        .at("/console/dossiers/:id/slip", post(slip))
        .at("/console/dossiers/:id/files", post(attach))
        .at("/console/dossiers/:id/files/:file", get(attachment))
        .at(
            "/console/dossiers/:id/apologies/:apology",
            get(apology_letter),
        )
}

fn action_label(a: DossierAction, en: bool) -> &'static str {
    if !en {
        return a.label_vi();
    }
    match a {
        DossierAction::Receive => "Receive (complete)",
        DossierAction::RequestSupplement => "Request a supplement",
        DossierAction::StartReview => "Start the review",
        DossierAction::Approve => "Approve",
        DossierAction::Refuse => "Refuse",
        DossierAction::ReturnResult => "Return the result",
    }
}

// ---------------------------------------------------------------------------------------------
// The list

#[derive(Template)]
#[template(path = "console/dossiers.html")]
struct ListPage {
    c: Chrome,
    filters: Vec<Field>,
    rows: Vec<DossierLine>,
    next: Option<String>,
    message: String,
}

#[handler]
async fn list(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let q = query_of(req);
    let c = staff.chrome(&state, "dossiers");
    let mut problems = Problems::default();
    let status = q
        .opt("status")
        .and_then(|s| s.parse::<DossierStatus>().ok());
    let filter = DossierFilter {
        status,
        procedure_code: q.opt("procedure"),
        overdue: q.checked("overdue").then_some(true),
        due_within_working_days: problems
            .number(&q, "due_within", false)
            .and_then(|n| u32::try_from(n).ok()),
        received_from: problems.date(&q, "received_from", false),
        received_to: problems.date(&q, "received_to", false),
        ..Default::default()
    };
    let after = q.opt("after").and_then(|a| a.parse::<Uuid>().ok());
    let rules = match procedures::list(&state.db).await {
        Ok(r) => r,
        Err(e) => return staff.failure(&state, &e),
    };
    let mut codes: Vec<(String, String)> = rules
        .iter()
        .map(|r| {
            (
                r.data.code.clone(),
                format!(
                    "{} — {}",
                    r.data.code,
                    if staff.en {
                        &r.data.name_en
                    } else {
                        &r.data.name_vi
                    }
                ),
            )
        })
        .collect();
    codes.dedup_by(|a, b| a.0 == b.0);
    let mut filters = vec![
        Field::new("status", c.t("Trạng thái", "Status"), "select", &q).options(
            &q,
            DossierStatus::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), status_label(*s, staff.en).to_owned()))
                .collect(),
        ),
        Field::new("procedure", c.t("Thủ tục", "Procedure"), "select", &q).options(&q, codes),
        Field::new(
            "due_within",
            c.t("Đến hạn trong (ngày làm việc)", "Due within (working days)"),
            "number",
            &q,
        ),
        Field::new(
            "received_from",
            c.t("Tiếp nhận từ ngày", "Received from"),
            "date",
            &q,
        ),
        Field::new("received_to", c.t("đến ngày", "to"), "date", &q),
        Field::new(
            "overdue",
            c.t("Chỉ hồ sơ quá hạn", "Overdue only"),
            "check",
            &q,
        ),
    ];
    let problems = problems.into_vec();
    if !problems.is_empty() {
        let rest = place_errors(&mut filters, &problems, staff.en);
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ListPage {
                c,
                filters,
                rows: Vec::new(),
                next: None,
                message: rest.join("; "),
            },
        );
    }
    match dossiers::list(&state, &staff.context(&state), filter, after, 50).await {
        Ok(p) => {
            let next = p
                .next_after
                .map(|n| super::with_param(req, "after", &n.to_string()));
            page(
                StatusCode::OK,
                &ListPage {
                    rows: p
                        .items
                        .iter()
                        .map(|(d, t)| dossier_line(d, t.overdue, staff.en))
                        .collect(),
                    c,
                    filters,
                    next,
                    message: String::new(),
                },
            )
        }
        Err(ServiceError::Validation(v)) => {
            let rest = place_errors(&mut filters, &v, staff.en);
            page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ListPage {
                    c,
                    filters,
                    rows: Vec::new(),
                    next: None,
                    message: rest.join("; "),
                },
            )
        }
        Err(ServiceError::BadParameter { name, message }) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ListPage {
                c,
                filters,
                rows: Vec::new(),
                next: None,
                message: format!("{name}: {message}"),
            },
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// Intake

#[derive(Template)]
#[template(path = "console/dossier_new.html")]
struct NewPage {
    c: Chrome,
    /// `(code, label, chosen)`.
    procedures: Vec<(String, String, bool)>,
    /// The chosen procedure's name, deadline and legal basis.
    chosen: Option<(String, String, String, String)>,
    fields: Vec<Field>,
    errors: Vec<String>,
}

async fn rules_in_force(state: &AppState) -> Result<Vec<Procedure>, ServiceError> {
    let rules = procedures::list(&state.db).await?;
    let today = vietnam_date(state.clock.now());
    let mut codes: Vec<&str> = rules.iter().map(|r| r.data.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    Ok(codes
        .iter()
        .filter_map(|c| in_force(&rules, c, today).cloned())
        .collect())
}

fn intake_fields(c: &Chrome, p: &Procedure, f: &Fields) -> Vec<Field> {
    let en = c.en;
    vec![
        Field::new(
            "applicant.kind",
            c.t("Người nộp là", "The applicant is"),
            "select",
            f,
        )
        .required()
        .options(
            f,
            vec![
                (
                    "organization".to_owned(),
                    c.t("Tổ chức", "An organisation").to_owned(),
                ),
                (
                    "individual".to_owned(),
                    c.t("Cá nhân", "A person").to_owned(),
                ),
            ],
        ),
        Field::new(
            "applicant.name",
            c.t("Tên người nộp / tổ chức", "Applicant's name"),
            "text",
            f,
        )
        .required(),
        Field::new(
            "applicant.id_number",
            c.t("Số giấy tờ pháp lý", "Identity or registration number"),
            "text",
            f,
        ),
        Field::new(
            "applicant.birth_date",
            c.t("Ngày sinh (cá nhân)", "Date of birth (a person)"),
            "date",
            f,
        ),
        Field::new("applicant.address", c.t("Địa chỉ", "Address"), "text", f),
        Field::new("applicant.phone", c.t("Điện thoại", "Phone"), "text", f),
        Field::new("applicant.email", c.t("Thư điện tử", "E-mail"), "email", f),
        Field::new(
            "subject",
            c.t(
                "Nội dung yêu cầu (tên dự án)",
                "What is asked (project name)",
            ),
            "text",
            f,
        )
        .required(),
        Field::new(
            "provided",
            c.t("Thành phần hồ sơ đã nhận", "Documents received"),
            "checks",
            f,
        )
        .hint(c.t(
            "Đánh dấu các giấy tờ có trong hồ sơ.",
            "Tick the documents handed in.",
        ))
        .options(
            f,
            p.data
                .documents
                .iter()
                .map(|d| {
                    let name = if en { &d.name_en } else { &d.name_vi };
                    let tail = if d.required {
                        ""
                    } else {
                        c.t(" (nếu có)", " (if any)")
                    };
                    (d.code.clone(), format!("{name}{tail}"))
                })
                .collect(),
        ),
        Field::new(
            "complete",
            c.t(
                "Hồ sơ đầy đủ, hợp lệ: bắt đầu tính thời hạn giải quyết",
                "Complete: the statutory clock starts",
            ),
            "check",
            f,
        ),
        Field::new(
            "supplement_request",
            c.t(
                "Nếu chưa đầy đủ: nội dung cần bổ sung",
                "If incomplete: what must be added",
            ),
            "textarea",
            f,
        ),
        Field::new("note", c.t("Ghi chú", "Note"), "textarea", f),
        Field::new(
            "files",
            c.t(
                "Tệp đính kèm (PDF, PNG, JPEG)",
                "Attachments (PDF, PNG, JPEG)",
            ),
            "file",
            f,
        ),
    ]
}

fn new_page_for(
    c: Chrome,
    rules: &[Procedure],
    code: Option<&str>,
    f: &Fields,
    errors: Vec<String>,
    violations: &[crate::domain::FieldViolation],
) -> NewPage {
    let en = c.en;
    let chosen = code.and_then(|code| rules.iter().find(|p| p.data.code == code));
    let mut fields = chosen.map(|p| intake_fields(&c, p, f)).unwrap_or_default();
    let mut errors = errors;
    errors.extend(place_errors(&mut fields, violations, en));
    NewPage {
        procedures: rules
            .iter()
            .map(|p| {
                (
                    p.data.code.clone(),
                    if en {
                        p.data.name_en.clone()
                    } else {
                        p.data.name_vi.clone()
                    },
                    Some(p.data.code.as_str()) == code,
                )
            })
            .collect(),
        chosen: chosen.map(|p| {
            (
                p.data.code.clone(),
                if en {
                    p.data.name_en.clone()
                } else {
                    p.data.name_vi.clone()
                },
                deadline_vi(p.data.deadline),
                p.data.legal_basis.clone(),
            )
        }),
        c,
        fields,
        errors,
    }
}

#[handler]
async fn new_page(req: &Request, staff: Staff, state: Data<&AppState>) -> Response {
    let q = query_of(req);
    let rules = match rules_in_force(&state).await {
        Ok(r) => r,
        Err(e) => return staff.failure(&state, &e),
    };
    let c = staff.chrome(&state, "dossiers");
    let mut f = Fields::default();
    f.push("applicant.kind".to_owned(), "organization".to_owned());
    page(
        StatusCode::OK,
        &new_page_for(
            c,
            &rules,
            q.opt("procedure").as_deref(),
            &f,
            Vec::new(),
            &[],
        ),
    )
}

/// Reads a multipart form: its text fields and its files (fields named `files`).
async fn read_multipart(multipart: poem::Result<Multipart>) -> Result<(Fields, Vec<Upload>), ()> {
    let mut fields = Fields::default();
    let mut files = Vec::new();
    let mut multipart = multipart.map_err(|_| ())?;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                if name == "files" {
                    let file_name = field.file_name().unwrap_or_default().to_owned();
                    let bytes = field.bytes().await.map_err(|_| ())?;
                    if !bytes.is_empty() {
                        files.push(Upload {
                            file_name,
                            document_code: None,
                            bytes,
                        });
                    }
                } else {
                    let value = field.text().await.map_err(|_| ())?;
                    fields.push(name, value);
                }
            }
            Ok(None) => return Ok((fields, files)),
            Err(_) => return Err(()),
        }
    }
}

#[derive(Template)]
#[template(path = "console/dossier_created.html")]
struct CreatedPage {
    c: Chrome,
    id: Uuid,
    code: String,
    secret: String,
    status: String,
    due: String,
}

#[handler]
async fn intake(
    staff: Staff,
    state: Data<&AppState>,
    multipart: poem::Result<Multipart>,
) -> Response {
    let c = staff.chrome(&state, "dossiers");
    let Ok((f, files)) = read_multipart(multipart).await else {
        return staff.refusal(
            &state,
            StatusCode::BAD_REQUEST,
            c.t(
                "Không đọc được biểu mẫu (tệp quá lớn hoặc bị cắt ngang).",
                "The form could not be read (a file too large, or cut short).",
            ),
        );
    };
    if let Err(r) = staff.check(&state, &f) {
        return *r;
    }
    let rules = match rules_in_force(&state).await {
        Ok(r) => r,
        Err(e) => return staff.failure(&state, &e),
    };
    let code = f.text("procedure_code");
    let mut problems = Problems::default();
    let birth_date = problems.date(&f, "applicant.birth_date", false);
    let kind = if f.text("applicant.kind") == "individual" {
        ApplicantKind::Individual
    } else {
        ApplicantKind::Organization
    };
    let new = NewDossier {
        procedure_code: code.clone(),
        applicant: Applicant {
            kind,
            name: f.text("applicant.name"),
            id_number: f.opt("applicant.id_number"),
            birth_date,
            address: f.opt("applicant.address"),
            phone: f.opt("applicant.phone"),
            email: f.opt("applicant.email"),
        },
        subject: f.text("subject"),
        investor_id: None,
        project_id: None,
        provided: f.all("provided"),
        complete: f.checked("complete"),
        supplement_request: f.opt("supplement_request"),
        note: f.opt("note"),
    };
    let result = if problems.is_empty() {
        dossiers::intake(&state, &staff.context(&state), new, files).await
    } else {
        Err(ServiceError::Validation(problems.into_vec()))
    };
    match result {
        Ok(created) => page(
            StatusCode::CREATED,
            &CreatedPage {
                id: created.dossier.id,
                code: created.dossier.receipt_code.clone(),
                secret: created.tracking_secret,
                status: status_label(created.dossier.status, staff.en).to_owned(),
                due: day_opt(created.dossier.due_date),
                c,
            },
        ),
        Err(ServiceError::Validation(v)) => page(
            StatusCode::UNPROCESSABLE_ENTITY,
            &new_page_for(c, &rules, Some(&code), &f, Vec::new(), &v),
        ),
        Err(e) => staff.failure(&state, &e),
    }
}

// ---------------------------------------------------------------------------------------------
// A dossier

struct Moment {
    at: String,
    what: String,
    who: String,
    note: String,
}

struct StepForm {
    action: &'static str,
    label: &'static str,
    fields: Vec<Field>,
    danger: bool,
}

struct FileLine {
    id: Uuid,
    name: String,
    media_type: String,
    size: String,
    sha256: String,
}

struct ApologyLine {
    id: Uuid,
    at: String,
    reason: String,
    new_date: String,
    by: String,
}

#[derive(Template)]
#[template(path = "console/dossier.html")]
struct DetailPage {
    c: Chrome,
    id: Uuid,
    code: String,
    status: String,
    overdue: bool,
    late: bool,
    facts: Vec<(String, String)>,
    /// `(name, required, provided)`.
    checklist: Vec<(String, bool, bool)>,
    timeline: Vec<Moment>,
    files: Vec<FileLine>,
    apologies: Vec<ApologyLine>,
    steps: Vec<StepForm>,
    /// Steps of the status that belong to other roles.
    others: Vec<String>,
    can_apologize: bool,
    apology_fields: Vec<Field>,
    can_attach: bool,
    result_certificate: Option<Uuid>,
    project: Option<Uuid>,
    message: String,
}

fn step_forms(
    c: &Chrome,
    staff: &Staff,
    details: &dossiers::Details,
    f: &Fields,
) -> (Vec<StepForm>, Vec<String>) {
    let d = &details.dossier;
    let mut mine = Vec::new();
    let mut others = Vec::new();
    for a in next_actions(d.status) {
        if !staff.user.roles.iter().any(|r| a.roles().contains(r)) {
            others.push(action_label(a, c.en).to_owned());
            continue;
        }
        let mut fields = Vec::new();
        match a {
            DossierAction::Receive => {
                let mut with = f.clone();
                if f.get("action") != Some(a.as_str()) {
                    for doc in d.documents.iter().filter(|x| x.provided) {
                        with.push("provided".to_owned(), doc.code.clone());
                    }
                }
                fields.push(
                    Field::new(
                        "provided",
                        c.t("Thành phần hồ sơ đã nhận", "Documents received"),
                        "checks",
                        &with,
                    )
                    .options(
                        &with,
                        d.documents
                            .iter()
                            .map(|x| {
                                (
                                    x.code.clone(),
                                    if c.en {
                                        x.name_en.clone()
                                    } else {
                                        x.name_vi.clone()
                                    },
                                )
                            })
                            .collect(),
                    ),
                );
            }
            DossierAction::RequestSupplement => fields.push(
                Field::new(
                    "missing",
                    c.t(
                        "Nội dung cần bổ sung, sửa đổi",
                        "What is missing or must be corrected",
                    ),
                    "textarea",
                    f,
                )
                .required(),
            ),
            DossierAction::Refuse => fields.push(
                Field::new(
                    "reason",
                    c.t("Lý do từ chối", "Reasons for the refusal"),
                    "textarea",
                    f,
                )
                .required(),
            ),
            _ => {}
        }
        fields.push(Field::new("note", c.t("Ghi chú", "Note"), "textarea", f));
        mine.push(StepForm {
            action: a.as_str(),
            label: action_label(a, c.en),
            fields,
            danger: a == DossierAction::Refuse,
        });
    }
    (mine, others)
}

async fn detail_page(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    f: &Fields,
    violations: &[crate::domain::FieldViolation],
    message: String,
) -> Result<DetailPage, ServiceError> {
    let details = dossiers::get(state, &staff.context(state), id).await?;
    let c = staff.chrome(state, "dossiers");
    let en = staff.en;
    let d = &details.dossier;
    let (mut steps, others) = step_forms(&c, staff, &details, f);
    let acted = f.text("action");
    let mut rest = Vec::new();
    for s in steps.iter_mut().filter(|s| s.action == acted) {
        rest.extend(place_errors(&mut s.fields, violations, en));
    }
    let mut apology_fields = vec![
        Field::new(
            "reason",
            c.t("Lý do chậm trễ", "Why it is late"),
            "textarea",
            f,
        )
        .required(),
        Field::new(
            "new_date",
            c.t("Hẹn lại ngày trả kết quả", "New date for the result"),
            "date",
            f,
        )
        .required(),
    ];
    if acted == "apology" {
        rest.extend(place_errors(&mut apology_fields, violations, en));
    }
    let procedure = details
        .procedure
        .as_ref()
        .map(|p| {
            format!(
                "{} — {} ({})",
                p.data.code,
                if en { &p.data.name_en } else { &p.data.name_vi },
                deadline_vi(p.data.deadline)
            )
        })
        .unwrap_or_else(|| d.procedure_code.clone());
    let t = details.today;
    let mut facts = vec![
        (c.t("Thủ tục", "Procedure").to_owned(), procedure),
        (c.t("Nội dung", "Subject").to_owned(), d.subject.clone()),
        (
            c.t("Người nộp", "Applicant").to_owned(),
            d.applicant.name.clone(),
        ),
        (
            c.t("Kênh", "Channel").to_owned(),
            match d.channel.as_str() {
                "online" => c.t("Trực tuyến", "Online"),
                _ => c.t("Trực tiếp tại Bộ phận một cửa", "At the one-stop desk"),
            }
            .to_owned(),
        ),
        (
            c.t("Nộp lúc", "Submitted").to_owned(),
            moment(d.submitted_at),
        ),
        (
            c.t("Tiếp nhận đủ lúc", "Received complete").to_owned(),
            d.received_at.map(moment).unwrap_or_else(|| "—".to_owned()),
        ),
        (
            c.t("Hạn trả kết quả", "Due").to_owned(),
            d.due_date.map(day).unwrap_or_else(|| "—".to_owned()),
        ),
    ];
    if let Some(p) = d.promised_date {
        facts.push((
            c.t("Hẹn lại (thư xin lỗi)", "New date (apology)")
                .to_owned(),
            day(p),
        ));
    }
    if let Some(left) = t.working_days_left {
        facts.push((
            c.t("Còn lại", "Left").to_owned(),
            format!("{left} {}", c.t("ngày làm việc", "working days")),
        ));
    }
    if t.late {
        facts.push((
            c.t("Trễ hạn", "Late by").to_owned(),
            format!(
                "{} {}",
                t.late_by_working_days,
                c.t("ngày làm việc", "working days")
            ),
        ));
    }
    if let Some(s) = &d.supplement_request {
        facts.push((
            c.t("Yêu cầu bổ sung", "Supplement requested").to_owned(),
            s.clone(),
        ));
    }
    if let Some(r) = &d.refusal_reason {
        facts.push((
            c.t("Lý do từ chối", "Refusal reasons").to_owned(),
            r.clone(),
        ));
    }
    if let Some(r) = &d.rating {
        facts.push((
            c.t("Đánh giá của người nộp", "Applicant's rating")
                .to_owned(),
            format!("{} / 5 — {}", r.level.score(), r.level.label_vi()),
        ));
    }
    let status = status_label(d.status, en).to_owned();
    Ok(DetailPage {
        id: d.id,
        code: d.receipt_code.clone(),
        status,
        overdue: t.overdue,
        late: t.late,
        facts,
        checklist: d
            .documents
            .iter()
            .map(|x| {
                (
                    if en {
                        x.name_en.clone()
                    } else {
                        x.name_vi.clone()
                    },
                    x.required,
                    x.provided,
                )
            })
            .collect(),
        timeline: details
            .steps
            .iter()
            .map(|s| Moment {
                at: moment(s.at),
                // A step of the flow says where it led; the dossier's first moment (taken in at
                // the desk, or submitted online) is followed by the step that set its status.
                what: match s.action.parse::<DossierAction>() {
                    Ok(a) => format!("{} → {}", action_label(a, en), status_label(s.to, en)),
                    Err(_) => match s.action.as_str() {
                        "submit" => c.t("Nộp hồ sơ trực tuyến", "Submitted online").to_owned(),
                        "intake" => c
                            .t("Tiếp nhận tại Bộ phận một cửa", "Taken in at the desk")
                            .to_owned(),
                        other => other.to_owned(),
                    },
                },
                who: s.actor_name.clone(),
                note: {
                    let mut n = s.note.clone().unwrap_or_default();
                    if let Some(due) = s.due_date {
                        if !n.is_empty() {
                            n.push_str(" · ");
                        }
                        n.push_str(c.t("hạn trả: ", "due: "));
                        n.push_str(&day(due));
                    }
                    n
                },
            })
            .collect(),
        files: details
            .attachments
            .iter()
            .map(|a| FileLine {
                id: a.id,
                name: a.file_name.clone(),
                media_type: a.media_type.clone(),
                size: format!("{} KB", (a.size_bytes + 1023) / 1024),
                sha256: a.sha256.chars().take(16).collect(),
            })
            .collect(),
        apologies: details
            .apologies
            .iter()
            .map(|a| ApologyLine {
                id: a.id,
                at: moment(a.issued_at),
                reason: a.reason.clone(),
                new_date: day(a.new_date),
                by: a.issued_by_name.clone(),
            })
            .collect(),
        steps,
        others,
        can_apologize: d.status.is_open()
            && d.due_date.is_some()
            && ["clerk", "officer", "approver"].iter().any(|r| c.has(r)),
        apology_fields,
        can_attach: d.status.is_open() && (c.has("clerk") || c.has("officer")),
        result_certificate: d.result_certificate_id,
        project: d.project_id,
        message: if rest.is_empty() {
            message
        } else {
            rest.join("; ")
        },
        c,
    })
}

#[handler]
async fn detail(staff: Staff, state: Data<&AppState>, Path(id): Path<Uuid>) -> Response {
    match detail_page(&staff, &state, id, &Fields::default(), &[], String::new()).await {
        Ok(p) => page(StatusCode::OK, &p),
        Err(e) => staff.failure(&state, &e),
    }
}

async fn after_step(
    staff: &Staff,
    state: &AppState,
    id: Uuid,
    f: &Fields,
    result: Result<(), ServiceError>,
) -> Response {
    match result {
        Ok(()) => see_other(&format!("/console/dossiers/{id}")),
        Err(ServiceError::Validation(v)) => {
            match detail_page(staff, state, id, f, &v, String::new()).await {
                Ok(p) => page(StatusCode::UNPROCESSABLE_ENTITY, &p),
                Err(e) => staff.failure(state, &e),
            }
        }
        Err(e) => staff.failure(state, &e),
    }
}

#[handler]
async fn act(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let Ok(action) = f.text("action").parse::<DossierAction>() else {
        return staff.refusal(&state, StatusCode::UNPROCESSABLE_ENTITY, "action?");
    };
    let input = StepInput {
        note: f.opt("note"),
        provided: (action == DossierAction::Receive).then(|| f.all("provided")),
        missing: f.opt("missing"),
        reason: f.opt("reason"),
    };
    let result = dossiers::act(&state, &staff.context(&state), id, action, input)
        .await
        .map(|_| ());
    after_step(&staff, &state, id, &f, result).await
}

#[handler]
async fn apologize(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(mut f): Checked,
) -> Response {
    f.push("action".to_owned(), "apology".to_owned());
    let mut problems = Problems::default();
    let new_date = problems.date(&f, "new_date", true);
    let result = match new_date {
        Some(date) if problems.is_empty() => {
            dossiers::apologize(&state, &staff.context(&state), id, f.text("reason"), date)
                .await
                .map(|_| ())
        }
        _ => Err(ServiceError::Validation(problems.into_vec())),
    };
    after_step(&staff, &state, id, &f, result).await
}

#[handler]
async fn slip(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    Checked(f): Checked,
) -> Response {
    let secret = f.opt("secret");
    match dossier_documents::receipt_pdf(&state, &staff.context(&state), id, secret.as_deref())
        .await
    {
        Ok((name, bytes)) => file("application/pdf", "inline", &name, bytes),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn apology_letter(
    staff: Staff,
    state: Data<&AppState>,
    Path((id, apology)): Path<(Uuid, Uuid)>,
) -> Response {
    match dossier_documents::apology_pdf(&state, &staff.context(&state), id, apology).await {
        Ok((name, bytes)) => file("application/pdf", "inline", &name, bytes),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn attachment(
    staff: Staff,
    state: Data<&AppState>,
    Path((id, att)): Path<(Uuid, Uuid)>,
) -> Response {
    match dossiers::attachment(&state, &staff.context(&state), id, att).await {
        Ok((a, bytes)) => file(&a.media_type, "attachment", &a.file_name, bytes),
        Err(e) => staff.failure(&state, &e),
    }
}

#[handler]
async fn attach(
    staff: Staff,
    state: Data<&AppState>,
    Path(id): Path<Uuid>,
    multipart: poem::Result<Multipart>,
) -> Response {
    let Ok((f, files)) = read_multipart(multipart).await else {
        return staff.refusal(
            &state,
            StatusCode::BAD_REQUEST,
            staff.chrome(&state, "").t(
                "Không đọc được biểu mẫu (tệp quá lớn hoặc bị cắt ngang).",
                "The form could not be read (a file too large, or cut short).",
            ),
        );
    };
    if let Err(r) = staff.check(&state, &f) {
        return *r;
    }
    // One file a form, so a refused file never leaves the others half attached.
    let mut files = files.into_iter();
    let (Some(upload), None) = (files.next(), files.next()) else {
        return staff.refusal(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            staff
                .chrome(&state, "")
                .t("Hãy chọn đúng một tệp.", "Choose exactly one file."),
        );
    };
    match dossiers::attach(&state, &staff.context(&state), id, upload).await {
        Ok(_) => see_other(&format!("/console/dossiers/{id}")),
        Err(e) => staff.failure(&state, &e),
    }
}
