//! One-stop dossiers: the procedure catalogue (dated rules), the working-day calendar, dossiers
//! with their processing-control log, apologies and attachments. Seeds the catalogue under both
//! regimes (Decree 31/2021, then Decree 239/2025 from 2025-09-03 where the figure is known) and
//! the calendar's days off and swapped working days of 2025 and 2026.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{
        ConnectionTrait, Value,
        prelude::{Date, Uuid},
    },
};

use crate::seed_calendar::CALENDAR_SEED;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Decree 31/2021/NĐ-CP took effect on this day.
const DECREE_31: &str = "2021-03-26";
/// Decree 239/2025/NĐ-CP took effect on this day.
const DECREE_239: &str = "2025-09-03";

const LAW_61: &str = "Luật Đầu tư số 61/2020/QH14";
const ND_31: &str = "Nghị định số 31/2021/NĐ-CP ngày 26/3/2021 của Chính phủ";
const ND_239: &str = "Nghị định số 239/2025/NĐ-CP ngày 03/9/2025 của Chính phủ sửa đổi, bổ sung một số điều của Nghị định số 31/2021/NĐ-CP";

/// One document of a procedure's checklist: code, Vietnamese name, English name, required.
type Doc = (&'static str, &'static str, &'static str, bool);

/// One seeded rule: code, names, deadline (value, unit, note), legal basis, documents, fully
/// online, result kind, effective from.
struct Seed {
    code: &'static str,
    name_vi: &'static str,
    name_en: &'static str,
    deadline: (i32, &'static str, Option<&'static str>),
    legal_basis: String,
    documents: &'static [Doc],
    fully_online: bool,
    result: &'static str,
    effective_from: &'static str,
}

const ISSUE_DOCS: &[Doc] = &[
    (
        "request",
        "Văn bản đề nghị thực hiện dự án đầu tư",
        "Request to implement the investment project",
        true,
    ),
    (
        "investor_legal",
        "Bản sao giấy tờ pháp lý của nhà đầu tư",
        "Copy of the investor's legal documents",
        true,
    ),
    (
        "proposal",
        "Đề xuất dự án đầu tư",
        "Investment project proposal",
        true,
    ),
    (
        "financial",
        "Bản sao báo cáo tài chính 02 năm gần nhất hoặc cam kết hỗ trợ tài chính, bảo lãnh về năng lực tài chính của nhà đầu tư",
        "Financial statements of the last two years, or a commitment of financial support or a guarantee of the investor's financial capacity",
        true,
    ),
    (
        "land",
        "Đề xuất nhu cầu sử dụng đất hoặc bản sao thỏa thuận thuê địa điểm",
        "Land-use proposal or a copy of the site lease agreement",
        true,
    ),
    (
        "technology",
        "Giải trình về sử dụng công nghệ (dự án thuộc diện thẩm định, lấy ý kiến về công nghệ)",
        "Explanation of the technology used (projects subject to technology appraisal)",
        false,
    ),
    (
        "bcc",
        "Hợp đồng BCC (dự án đầu tư theo hình thức hợp đồng BCC)",
        "BCC contract (projects under a business cooperation contract)",
        false,
    ),
];

const ISSUE_POLICY_DOCS: &[Doc] = &[
    (
        "request",
        "Văn bản đề nghị cấp Giấy chứng nhận đăng ký đầu tư",
        "Request for an Investment Registration Certificate",
        true,
    ),
    (
        "policy_approval",
        "Bản sao văn bản chấp thuận chủ trương đầu tư",
        "Copy of the investment-policy approval",
        true,
    ),
    (
        "investor_legal",
        "Bản sao giấy tờ pháp lý của nhà đầu tư",
        "Copy of the investor's legal documents",
        true,
    ),
];

const ADJUST_NAME_DOCS: &[Doc] = &[
    (
        "request",
        "Văn bản đề nghị điều chỉnh dự án đầu tư",
        "Request to adjust the investment project",
        true,
    ),
    (
        "name_change",
        "Tài liệu về việc thay đổi tên dự án hoặc tên nhà đầu tư",
        "Document showing the change of the project's or investor's name",
        true,
    ),
    (
        "investor_legal",
        "Bản sao giấy tờ pháp lý của nhà đầu tư (khi đổi tên nhà đầu tư)",
        "Copy of the investor's legal documents (when the investor's name changes)",
        false,
    ),
];

const ADJUST_DOCS: &[Doc] = &[
    (
        "request",
        "Văn bản đề nghị điều chỉnh dự án đầu tư",
        "Request to adjust the investment project",
        true,
    ),
    (
        "progress_report",
        "Báo cáo tình hình triển khai dự án đầu tư đến thời điểm điều chỉnh",
        "Report on the project's implementation up to the adjustment",
        true,
    ),
    (
        "investor_decision",
        "Quyết định của nhà đầu tư về việc điều chỉnh dự án đầu tư",
        "The investor's decision to adjust the project",
        true,
    ),
    (
        "explanation",
        "Tài liệu giải trình, làm rõ nội dung điều chỉnh",
        "Documents explaining the adjusted contents",
        true,
    ),
    (
        "investor_legal",
        "Bản sao giấy tờ pháp lý của nhà đầu tư (khi thay đổi nhà đầu tư)",
        "Copy of the investor's legal documents (when the investor changes)",
        false,
    ),
];

const REISSUE_DOCS: &[Doc] = &[
    (
        "request",
        "Văn bản đề nghị cấp lại Giấy chứng nhận đăng ký đầu tư",
        "Request to re-issue the Investment Registration Certificate",
        true,
    ),
    (
        "damaged_certificate",
        "Giấy chứng nhận đăng ký đầu tư bị hỏng (nếu có)",
        "The damaged certificate (if any)",
        false,
    ),
];

const CORRECT_DOCS: &[Doc] = &[
    (
        "request",
        "Văn bản đề nghị hiệu đính thông tin trên Giấy chứng nhận đăng ký đầu tư",
        "Request to correct information on the certificate",
        true,
    ),
    (
        "evidence",
        "Tài liệu chứng minh thông tin đúng (nếu có)",
        "Documents showing the correct information (if any)",
        false,
    ),
];

const SUSPEND_DOCS: &[Doc] = &[
    (
        "notice",
        "Văn bản thông báo tạm ngừng hoạt động dự án đầu tư",
        "Notice of the suspension of the project's operation",
        true,
    ),
    (
        "investor_decision",
        "Quyết định của nhà đầu tư về việc tạm ngừng (nếu có)",
        "The investor's decision to suspend (if any)",
        false,
    ),
];

const TERMINATE_DOCS: &[Doc] = &[
    (
        "decision",
        "Quyết định chấm dứt hoạt động dự án đầu tư của nhà đầu tư",
        "The investor's decision to terminate the project",
        true,
    ),
    (
        "certificate",
        "Bản chính Giấy chứng nhận đăng ký đầu tư",
        "The original Investment Registration Certificate",
        true,
    ),
    (
        "related",
        "Tài liệu liên quan khác (nếu có)",
        "Other related documents (if any)",
        false,
    ),
];

fn seeds() -> Vec<Seed> {
    let before = |articles: &str| format!("{LAW_61}, {articles}; {ND_31}");
    let after = |articles: &str| format!("{LAW_61}, {articles}; {ND_31}; {ND_239}");
    vec![
        Seed {
            code: "irc_issue_policy",
            name_vi: "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án thuộc diện chấp thuận chủ trương đầu tư",
            name_en: "Issue an Investment Registration Certificate for a project that needed investment-policy approval",
            deadline: (
                5,
                "working_days",
                Some("kể từ ngày nhận được văn bản chấp thuận chủ trương đầu tư và hồ sơ hợp lệ"),
            ),
            legal_basis: before("Điều 37, Điều 38"),
            documents: ISSUE_POLICY_DOCS,
            fully_online: false,
            result: "certificate",
            effective_from: DECREE_31,
        },
        Seed {
            code: "irc_issue",
            name_vi: "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
            name_en: "Issue an Investment Registration Certificate for a project without investment-policy approval",
            deadline: (15, "calendar_days", None),
            legal_basis: before("Điều 37, Điều 38"),
            documents: ISSUE_DOCS,
            fully_online: false,
            result: "certificate",
            effective_from: DECREE_31,
        },
        Seed {
            code: "irc_issue",
            name_vi: "Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư",
            name_en: "Issue an Investment Registration Certificate for a project without investment-policy approval",
            deadline: (10, "calendar_days", None),
            legal_basis: after("Điều 37, Điều 38"),
            documents: ISSUE_DOCS,
            fully_online: false,
            result: "certificate",
            effective_from: DECREE_239,
        },
        Seed {
            code: "irc_adjust_name",
            name_vi: "Điều chỉnh Giấy chứng nhận đăng ký đầu tư: tên dự án, tên nhà đầu tư",
            name_en: "Adjust the certificate: the name of the project or of the investor",
            deadline: (3, "working_days", None),
            legal_basis: before("Điều 41"),
            documents: ADJUST_NAME_DOCS,
            fully_online: true,
            result: "certificate",
            effective_from: DECREE_31,
        },
        Seed {
            code: "irc_adjust_name",
            name_vi: "Điều chỉnh Giấy chứng nhận đăng ký đầu tư: tên dự án, tên nhà đầu tư",
            name_en: "Adjust the certificate: the name of the project or of the investor",
            deadline: (3, "working_days", None),
            legal_basis: after("Điều 41"),
            documents: ADJUST_NAME_DOCS,
            fully_online: true,
            result: "certificate",
            effective_from: DECREE_239,
        },
        Seed {
            code: "irc_adjust",
            name_vi: "Điều chỉnh Giấy chứng nhận đăng ký đầu tư: các nội dung khác",
            name_en: "Adjust the certificate: other contents",
            deadline: (10, "calendar_days", None),
            legal_basis: before("Điều 41"),
            documents: ADJUST_DOCS,
            fully_online: true,
            result: "certificate",
            effective_from: DECREE_31,
        },
        Seed {
            code: "irc_adjust",
            name_vi: "Điều chỉnh Giấy chứng nhận đăng ký đầu tư: các nội dung khác",
            name_en: "Adjust the certificate: other contents",
            deadline: (7, "working_days", None),
            legal_basis: after("Điều 41"),
            documents: ADJUST_DOCS,
            fully_online: true,
            result: "certificate",
            effective_from: DECREE_239,
        },
        Seed {
            code: "irc_reissue",
            name_vi: "Cấp lại Giấy chứng nhận đăng ký đầu tư (bị mất, bị hỏng)",
            name_en: "Re-issue the certificate (lost or damaged)",
            deadline: (5, "working_days", None),
            legal_basis: before("Điều 41"),
            documents: REISSUE_DOCS,
            fully_online: true,
            result: "certificate",
            effective_from: DECREE_31,
        },
        Seed {
            code: "irc_correct",
            name_vi: "Hiệu đính thông tin trên Giấy chứng nhận đăng ký đầu tư",
            name_en: "Correct an error on the certificate",
            deadline: (3, "working_days", None),
            legal_basis: before("Điều 41"),
            documents: CORRECT_DOCS,
            fully_online: true,
            result: "certificate",
            effective_from: DECREE_31,
        },
        Seed {
            code: "suspension_notice",
            name_vi: "Thông báo tạm ngừng hoạt động của dự án đầu tư",
            name_en: "Notice by the investor of the suspension of the project",
            deadline: (
                5,
                "working_days",
                Some("thời hạn xác nhận của cơ quan đăng ký đầu tư: chưa đối chiếu văn bản gốc"),
            ),
            legal_basis: before("Điều 47"),
            documents: SUSPEND_DOCS,
            fully_online: true,
            result: "notice",
            effective_from: DECREE_31,
        },
        Seed {
            code: "termination",
            name_vi: "Chấm dứt hoạt động của dự án đầu tư theo đề nghị của nhà đầu tư",
            name_en: "Termination of the project at the investor's request",
            deadline: (15, "calendar_days", None),
            legal_basis: before("Điều 48"),
            documents: TERMINATE_DOCS,
            fully_online: false,
            result: "decision",
            effective_from: DECREE_31,
        },
    ]
}

fn parse_date(text: &str) -> Result<Date, DbErr> {
    Date::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| DbErr::Custom(format!("seed date {text}: {e}")))
}

fn documents_json(docs: &[Doc]) -> String {
    serde_json::Value::Array(
        docs.iter()
            .map(|(code, vi, en, required)| {
                serde_json::json!({"code": code, "name_vi": vi, "name_en": en, "required": required})
            })
            .collect(),
    )
    .to_string()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("procedures")
                    .col(pk_uuid("id"))
                    .col(string("code"))
                    .col(text("name_vi"))
                    .col(text("name_en"))
                    .col(integer("deadline_value"))
                    // `calendar_days` or `working_days`.
                    .col(string("deadline_unit"))
                    .col(text_null("deadline_note"))
                    .col(text("legal_basis"))
                    // The checklist, as JSON: [{code, name_vi, name_en, required}].
                    .col(text("documents"))
                    .col(boolean("fully_online"))
                    // `certificate`, `notice` or `decision`.
                    .col(string("result_kind"))
                    .col(date("effective_from"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_procedures_code_effective")
                    .table("procedures")
                    .col("code")
                    .col("effective_from")
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("calendar_days")
                    .col(date("date").primary_key())
                    // `holiday`, `compensatory`, `day_off` (weekdays off) or `working` (a weekend
                    // day made a working day by a swap).
                    .col(string("kind"))
                    .col(text("name"))
                    .col(text("source"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("dossiers")
                    .col(pk_uuid("id"))
                    .col(string("receipt_code").unique_key())
                    .col(string("procedure_code"))
                    // The rule fixed when the dossier first became complete, with its deadline.
                    .col(uuid_null("procedure_id"))
                    .col(integer_null("deadline_value"))
                    .col(string_null("deadline_unit"))
                    // `desk` or `online`.
                    .col(string("channel"))
                    .col(string("status"))
                    // `individual` or `organization`.
                    .col(string("applicant_kind"))
                    .col(text("applicant_name"))
                    .col(string_null("applicant_id_number"))
                    .col(date_null("applicant_birth_date"))
                    .col(text_null("applicant_address"))
                    .col(string_null("applicant_phone"))
                    .col(string_null("applicant_email"))
                    .col(text("subject"))
                    .col(uuid_null("investor_id"))
                    .col(uuid_null("project_id"))
                    // The checklist as received: [{code, name_vi, name_en, required, provided}].
                    .col(text("documents"))
                    .col(text_null("note"))
                    .col(timestamp_with_time_zone("submitted_at"))
                    .col(timestamp_with_time_zone_null("first_received_at"))
                    .col(timestamp_with_time_zone_null("received_at"))
                    .col(date_null("due_date"))
                    .col(date_null("promised_date"))
                    .col(text_null("supplement_request"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(text_null("refusal_reason"))
                    .col(uuid_null("result_certificate_id"))
                    .col(timestamp_with_time_zone_null("returned_at"))
                    // SHA-256 (hex) of the tracking secret; the secret itself is never stored.
                    .col(string("tracking_secret_hash"))
                    .col(integer_null("rating"))
                    .col(text_null("rating_comment"))
                    .col(timestamp_with_time_zone_null("rated_at"))
                    .col(uuid_null("created_by"))
                    .col(integer("version"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossiers", "procedure_id")
                            .to("procedures", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossiers", "investor_id")
                            .to("investors", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossiers", "project_id")
                            .to("projects", "id"),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossiers", "result_certificate_id")
                            .to("certificates", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_dossiers_status_due", vec!["status", "due_date"]),
            ("ix_dossiers_received_at", vec!["received_at"]),
            ("ix_dossiers_procedure", vec!["procedure_code"]),
            ("ix_dossiers_project", vec!["project_id"]),
        ] {
            let mut index = Index::create();
            index.name(name).table("dossiers");
            for c in col {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table("dossier_steps")
                    .col(pk_uuid("id"))
                    .col(uuid("dossier_id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(string("action"))
                    .col(string_null("from_status"))
                    .col(string("to_status"))
                    // `user`, `applicant` or `system`.
                    .col(string("actor_kind"))
                    .col(uuid_null("actor_id"))
                    .col(string("actor_name"))
                    .col(text_null("note"))
                    .col(date_null("due_date"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossier_steps", "dossier_id")
                            .to("dossiers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_dossier_steps_dossier")
                    .table("dossier_steps")
                    .col("dossier_id")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("dossier_apologies")
                    .col(pk_uuid("id"))
                    .col(uuid("dossier_id"))
                    .col(timestamp_with_time_zone("issued_at"))
                    .col(text("reason"))
                    .col(date("new_date"))
                    .col(uuid_null("issued_by"))
                    .col(string("issued_by_name"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossier_apologies", "dossier_id")
                            .to("dossiers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_dossier_apologies_dossier")
                    .table("dossier_apologies")
                    .col("dossier_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("dossier_attachments")
                    .col(pk_uuid("id"))
                    .col(uuid("dossier_id"))
                    .col(string_null("document_code"))
                    .col(text("file_name"))
                    .col(string("media_type"))
                    .col(big_integer("size_bytes"))
                    .col(string("sha256"))
                    // `user` or `applicant`.
                    .col(string("uploaded_by_kind"))
                    .col(uuid_null("uploaded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossier_attachments", "dossier_id")
                            .to("dossiers", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        // The bytes apart, so listing a dossier's attachments never loads them.
        manager
            .create_table(
                Table::create()
                    .table("dossier_attachment_contents")
                    .col(uuid("attachment_id").primary_key())
                    .col(blob("content"))
                    .foreign_key(
                        ForeignKey::create()
                            .from("dossier_attachment_contents", "attachment_id")
                            .to("dossier_attachments", "id"),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_dossier_attachments_dossier")
                    .table("dossier_attachments")
                    .col("dossier_id")
                    .to_owned(),
            )
            .await?;
        // A certificate drafted for a dossier names it; issuing it approves the dossier.
        manager
            .alter_table(
                Table::alter()
                    .table("certificates")
                    .add_column(uuid_null("dossier_id"))
                    .to_owned(),
            )
            .await?;
        seed(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("certificates")
                    .drop_column("dossier_id")
                    .to_owned(),
            )
            .await?;
        for t in [
            "dossier_attachment_contents",
            "dossier_attachments",
            "dossier_apologies",
            "dossier_steps",
            "dossiers",
            "calendar_days",
            "procedures",
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM code_counters WHERE name LIKE 'receipt:%'")
            .await
            .map(|_| ())
    }
}

/// The seeds' creation time: the day this migration was written, so a fresh database and one
/// migrated long ago hold the same rows.
const SEEDED_AT: &str = "2026-12-03T00:00:00Z";

async fn seed(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let at = chrono::DateTime::parse_from_rfc3339(SEEDED_AT)
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .with_timezone(&chrono::Utc);
    for (i, s) in seeds().into_iter().enumerate() {
        let id = Uuid::from_u128(0x019a_d000_0000_7000_8000_0000_0000_0000 + i as u128 + 1);
        let insert = Query::insert()
            .into_table("procedures")
            .columns([
                "id",
                "code",
                "name_vi",
                "name_en",
                "deadline_value",
                "deadline_unit",
                "deadline_note",
                "legal_basis",
                "documents",
                "fully_online",
                "result_kind",
                "effective_from",
                "version",
                "created_at",
                "updated_at",
            ])
            .values([
                id.into(),
                s.code.into(),
                s.name_vi.into(),
                s.name_en.into(),
                s.deadline.0.into(),
                s.deadline.1.into(),
                Value::from(s.deadline.2.map(str::to_owned)).into(),
                s.legal_basis.into(),
                documents_json(s.documents).into(),
                s.fully_online.into(),
                s.result.into(),
                parse_date(s.effective_from)?.into(),
                1.into(),
                at.into(),
                at.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        conn.execute(&insert).await?;
    }
    for (day, kind, name, source) in CALENDAR_SEED {
        let insert = Query::insert()
            .into_table("calendar_days")
            .columns(["date", "kind", "name", "source", "updated_at"])
            .values([
                parse_date(day)?.into(),
                (*kind).into(),
                (*name).into(),
                (*source).into(),
                at.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        conn.execute(&insert).await?;
    }
    Ok(())
}
