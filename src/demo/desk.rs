//! The one-stop desk of the demo: sample staff for each role (passwords generated and shown
//! once), the packaging plant's certificate issued as the result of its dossier, and dossiers
//! in every state, all marked as sample data. Created once, with the staff.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{DemoSummary, SAMPLE_NOTE};
use crate::{
    domain::{
        auth::{Actor, Context, Role, User},
        dossier::{Applicant, ApplicantKind, DossierAction, Satisfaction},
    },
    service::{
        self, AppState, ServiceError,
        dossiers::{NewDossier, StepInput, Upload},
    },
};

/// A sample staff member.
struct Staff {
    username: &'static str,
    display_name: &'static str,
    role: Role,
    title: Option<(&'static str, &'static str)>,
}

const STAFF: &[Staff] = &[
    Staff {
        username: "demo-clerk",
        display_name: "Lê Thị Hoa (mẫu)",
        role: Role::Clerk,
        title: None,
    },
    Staff {
        username: "demo-officer",
        display_name: "Nguyễn Văn Minh (mẫu)",
        role: Role::Officer,
        title: None,
    },
    Staff {
        username: "demo-approver",
        display_name: "Trần Văn Phúc (mẫu)",
        role: Role::Approver,
        title: Some(("PHÓ TRƯỞNG BAN", "KT. TRƯỞNG BAN")),
    },
    Staff {
        username: "demo-admin",
        display_name: "Phạm Thu Trang (mẫu)",
        role: Role::Admin,
        title: None,
    },
];

fn as_user(u: &User, now: DateTime<Utc>) -> Context {
    Context {
        actor: Actor::User {
            id: u.id,
            username: u.username.clone(),
            roles: u.roles.clone(),
        },
        request_id: None,
        now,
    }
}

/// A small, well-formed one-page PDF standing for a scanned document.
fn sample_pdf(title: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Title ({title}) >>"),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn applicant(name: &str, id_number: &str) -> Applicant {
    Applicant {
        kind: ApplicantKind::Organization,
        name: name.to_owned(),
        id_number: Some(id_number.to_owned()),
        birth_date: None,
        address: Some("Khu công nghiệp Nam Đông Hà, phường Đông Hà, tỉnh Quảng Trị".to_owned()),
        phone: Some("0233 3999 999".to_owned()),
        email: None,
    }
}

/// Every document of the rule in force, as handed in.
async fn all_documents(
    state: &AppState,
    code: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ServiceError> {
    let day = crate::domain::time::vietnam_date(now);
    let rules = service::procedures::list(&state.db).await?;
    Ok(crate::domain::procedure::in_force(&rules, code, day)
        .map(|r| r.data.documents.iter().map(|d| d.code.clone()).collect())
        .unwrap_or_default())
}

async fn take_in(
    state: &AppState,
    clerk: &User,
    at: DateTime<Utc>,
    procedure: &str,
    subject: &str,
    complete: bool,
    project_id: Option<Uuid>,
) -> Result<(Uuid, String, String), ServiceError> {
    let provided = all_documents(state, procedure, at).await?;
    let created = service::dossiers::intake(
        state,
        &as_user(clerk, at),
        NewDossier {
            procedure_code: procedure.to_owned(),
            applicant: applicant("Công ty Cổ phần Bao bì Nam Đông Hà", "3200999001"),
            subject: subject.to_owned(),
            investor_id: None,
            project_id,
            provided: if complete {
                provided
            } else {
                provided.into_iter().take(1).collect()
            },
            complete,
            supplement_request: (!complete).then(|| {
                "Bổ sung đề xuất dự án đầu tư và báo cáo tài chính 02 năm gần nhất".to_owned()
            }),
            note: Some(SAMPLE_NOTE.to_owned()),
        },
        Vec::new(),
    )
    .await?;
    Ok((
        created.dossier.id,
        created.dossier.receipt_code,
        created.tracking_secret,
    ))
}

async fn act(
    state: &AppState,
    who: &User,
    at: DateTime<Utc>,
    id: Uuid,
    action: DossierAction,
    input: StepInput,
) -> Result<(), ServiceError> {
    service::dossiers::act(state, &as_user(who, at), id, action, input).await?;
    Ok(())
}

/// Creates the sample staff and, when they are new, the desk's sample work; the staff's generated
/// passwords go into the summary, to be shown once.
pub(super) async fn load(
    state: &AppState,
    ctx: &Context,
    packaging: Option<Uuid>,
    summary: &mut DemoSummary,
) -> Result<(), ServiceError> {
    let db = &state.db;
    let mut users = Vec::new();
    for s in STAFF {
        if service::users::find_by_username(db, s.username)
            .await?
            .is_some()
        {
            return Ok(());
        }
    }
    for s in STAFF {
        let password = service::users::generate_password();
        let user = service::users::create(
            db,
            ctx,
            service::users::NewUser {
                username: s.username.to_owned(),
                display_name: s.display_name.to_owned(),
                password: password.clone(),
                roles: vec![s.role],
                signing_title: s.title.map(|t| t.0.to_owned()),
                signing_capacity: s.title.map(|t| t.1.to_owned()),
            },
        )
        .await?;
        summary
            .staff
            .push((s.username.to_owned(), s.role.as_str().to_owned(), password));
        users.push(user);
    }
    let [clerk, officer, approver, _admin] = users.as_slice() else {
        return Ok(());
    };
    let now = ctx.now;
    let days = |n: i64| now - Duration::days(n);

    // The packaging plant's first certificate, issued as the result of its dossier, which was
    // returned and rated.
    if let Some(pid) = packaging {
        let (id, code, secret) = take_in(
            state,
            clerk,
            days(6),
            "irc_issue",
            "Nhà máy sản xuất bao bì Nam Đông Hà (dữ liệu mẫu)",
            true,
            Some(pid),
        )
        .await?;
        act(
            state,
            officer,
            days(5),
            id,
            DossierAction::StartReview,
            StepInput::default(),
        )
        .await?;
        let draft = service::certificates::draft(
            db,
            &state.issuer,
            &as_user(officer, days(1)),
            pid,
            service::certificates::DraftRequest {
                dossier_received_on: None,
                bilingual: false,
                dossier_id: Some(id),
            },
            None,
        )
        .await?;
        service::certificates::approve(
            db,
            &state.issuer,
            &as_user(approver, now),
            draft.certificate.id,
            None,
        )
        .await?;
        summary.certificates_issued += 1;
        act(
            state,
            clerk,
            now,
            id,
            DossierAction::ReturnResult,
            StepInput::default(),
        )
        .await?;
        service::dossiers::rate(
            state,
            &code,
            &secret,
            Satisfaction::VerySatisfied,
            Some("Cán bộ hướng dẫn tận tình (dữ liệu mẫu).".to_owned()),
            None,
        )
        .await?;
        summary.dossiers_created += 1;
    }

    // Online, awaiting the desk: two scanned documents attached.
    let created = service::dossiers::submit_online(
        state,
        days(1),
        None,
        NewDossier {
            procedure_code: "irc_adjust_name".to_owned(),
            applicant: applicant("Công ty Cổ phần Bao bì Nam Đông Hà", "3200999001"),
            subject: "Đổi tên dự án Nhà máy sản xuất bao bì Nam Đông Hà (dữ liệu mẫu)".to_owned(),
            investor_id: None,
            project_id: None,
            provided: Vec::new(),
            complete: false,
            supplement_request: None,
            note: None,
        },
        vec![
            Upload {
                file_name: "van-ban-de-nghi-mau.pdf".to_owned(),
                document_code: Some("request".to_owned()),
                bytes: sample_pdf("Van ban de nghi (mau)"),
            },
            Upload {
                file_name: "nghi-quyet-doi-ten-mau.pdf".to_owned(),
                document_code: Some("name_change".to_owned()),
                bytes: sample_pdf("Nghi quyet doi ten (mau)"),
            },
        ],
    )
    .await?;
    summary.dossiers_created += 1;
    summary.sample_tracking = Some((created.dossier.receipt_code, created.tracking_secret));

    // Incomplete at the desk: a supplement is awaited.
    take_in(
        state,
        clerk,
        days(2),
        "irc_adjust",
        "Điều chỉnh vốn đầu tư (dữ liệu mẫu)",
        false,
        None,
    )
    .await?;
    // Received today; in review since yesterday.
    take_in(
        state,
        clerk,
        now,
        "irc_reissue",
        "Cấp lại Giấy chứng nhận bị hỏng (dữ liệu mẫu)",
        true,
        None,
    )
    .await?;
    let (review, _, _) = take_in(
        state,
        clerk,
        days(2),
        "irc_correct",
        "Hiệu đính địa chỉ trụ sở (dữ liệu mẫu)",
        true,
        None,
    )
    .await?;
    act(
        state,
        officer,
        days(1),
        review,
        DossierAction::StartReview,
        StepInput::default(),
    )
    .await?;
    // Refused, the refusal not yet handed back.
    let (refused, _, _) = take_in(
        state,
        clerk,
        days(4),
        "irc_adjust_name",
        "Đổi tên nhà đầu tư (dữ liệu mẫu)",
        true,
        None,
    )
    .await?;
    act(
        state,
        approver,
        days(1),
        refused,
        DossierAction::Refuse,
        StepInput {
            reason: Some(
                "Tên mới trùng với tên dự án đã được cấp Giấy chứng nhận (dữ liệu mẫu).".to_owned(),
            ),
            ..StepInput::default()
        },
    )
    .await?;
    // Approved (a notice), awaiting return.
    let (notice, _, _) = take_in(
        state,
        clerk,
        days(3),
        "suspension_notice",
        "Tạm ngừng dây chuyền số 2 (dữ liệu mẫu)",
        true,
        None,
    )
    .await?;
    act(
        state,
        approver,
        days(1),
        notice,
        DossierAction::Approve,
        StepInput::default(),
    )
    .await?;
    // Overdue: received three weeks ago, still in review.
    let (late, _, _) = take_in(
        state,
        clerk,
        days(21),
        "irc_adjust_name",
        "Đổi tên dự án (dữ liệu mẫu, quá hạn)",
        true,
        None,
    )
    .await?;
    act(
        state,
        officer,
        days(20),
        late,
        DossierAction::StartReview,
        StepInput::default(),
    )
    .await?;
    summary.dossiers_created += 6;
    Ok(())
}
