//! The one-stop desk's printed documents: the receipt and appointment slip (form 01) and the
//! apology letter (form 04) of Circular 01/2018/TT-VPCP, rendered on demand from the dossier's
//! rows (so a reprint is the same document) in the certificate's typographic family.

use uuid::Uuid;

use super::{AppState, ServiceError, dossiers, users::require};
use crate::{
    certificate::render::onestop::{ApologyLetter, ReceiptSlip, SlipDocument},
    db,
    domain::{
        auth::Context,
        dossier::{Channel, DOSSIER_READERS, Dossier, DossierStatus},
        procedure::deadline_vi,
    },
};

/// Renders on the blocking pool: a PDF is CPU work.
async fn render<T: Send + 'static>(
    state: &AppState,
    doc: T,
    f: fn(
        &crate::certificate::render::Renderer,
        &T,
    ) -> Result<Vec<u8>, crate::certificate::render::RenderError>,
) -> Result<Vec<u8>, ServiceError> {
    let renderer = state.issuer.renderer().clone();
    tokio::task::spawn_blocking(move || f(&renderer, &doc))
        .await
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))?
        .map_err(|e| ServiceError::Unexpected(Box::new(e)))
}

async fn slip_for(
    state: &AppState,
    d: &Dossier,
    secret: Option<String>,
) -> Result<(String, Vec<u8>), ServiceError> {
    let now = state.clock.now();
    let details = dossiers::details(&state.db, d.clone(), now).await?;
    let procedure_name = details
        .procedure
        .as_ref()
        .map(|p| p.data.name_vi.clone())
        .unwrap_or_else(|| d.procedure_code.clone());
    let deadline = d
        .rule
        .map(|r| r.deadline)
        .or(details.procedure.as_ref().map(|p| p.data.deadline));
    let clerk = match d.created_by {
        Some(id) => db::users::find(&state.db, id)
            .await?
            .map(|u| u.display_name),
        None => None,
    };
    let contact = [d.applicant.phone.clone(), d.applicant.email.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let slip = ReceiptSlip {
        issuing_body: state.issuer.issuing_body(),
        receipt_code: d.receipt_code.clone(),
        procedure_name,
        applicant_name: d.applicant.name.clone(),
        applicant_contact: (!contact.is_empty()).then_some(contact),
        subject: d.subject.clone(),
        documents: d
            .documents
            .iter()
            .map(|x| SlipDocument {
                name: x.name_vi.clone(),
                provided: x.provided,
            })
            .collect(),
        received_at: d.received_at.unwrap_or(d.submitted_at),
        complete: d.status.clock_runs() || d.status == DossierStatus::ResultReturned,
        due_date: d.due_date,
        deadline_text: deadline.map(deadline_vi),
        channel_online: d.channel == Channel::Online,
        clerk_name: clerk,
        tracking_url: format!(
            "{}/d/{}",
            state.issuer.public_base_url().trim_end_matches('/'),
            d.receipt_code
        ),
        tracking_secret: secret,
        development: state.issuer.is_development(),
    };
    let bytes = render(state, slip, |r, s| r.receipt_slip(s)).await?;
    Ok((format!("giay-tiep-nhan-{}.pdf", d.receipt_code), bytes))
}

/// The receipt slip of a dossier, for staff; with the tracking secret (checked against the
/// dossier) printed on it when given.
pub async fn receipt_pdf(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
    secret: Option<&str>,
) -> Result<(String, Vec<u8>), ServiceError> {
    require(ctx, DOSSIER_READERS)?;
    let d = db::dossiers::find(&state.db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("dossier", id))?;
    let secret = match secret {
        None => None,
        Some(s) => {
            let (_, hash) = db::dossiers::find_by_code(&state.db, &d.receipt_code)
                .await?
                .ok_or_else(|| ServiceError::not_found("dossier", id))?;
            if dossiers::secret_hash(s) != hash {
                return Err(ServiceError::invalid(
                    "Tracking-Secret",
                    "mismatch",
                    "this is not the dossier's tracking secret",
                ));
            }
            Some(s.trim().to_owned())
        }
    };
    slip_for(state, &d, secret).await
}

/// The receipt slip, for the holder of the tracking secret (printed on it).
pub async fn receipt_pdf_as_applicant(
    state: &AppState,
    code: &str,
    secret: &str,
) -> Result<(String, Vec<u8>), ServiceError> {
    let tracked = dossiers::lookup(state, code, Some(secret)).await?;
    slip_for(
        state,
        &tracked.details.dossier,
        Some(secret.trim().to_owned()),
    )
    .await
}

/// The letter of an apology.
pub async fn apology_pdf(
    state: &AppState,
    ctx: &Context,
    id: Uuid,
    apology_id: Uuid,
) -> Result<(String, Vec<u8>), ServiceError> {
    require(ctx, DOSSIER_READERS)?;
    let d = db::dossiers::find(&state.db, id)
        .await?
        .ok_or_else(|| ServiceError::not_found("dossier", id))?;
    let apology = db::dossiers::apologies(&state.db, id)
        .await?
        .into_iter()
        .find(|a| a.id == apology_id)
        .ok_or_else(|| ServiceError::not_found("apology", apology_id))?;
    // The due date the apology was written against: the one in the log at that moment.
    let steps = db::dossiers::steps(&state.db, id).await?;
    let due = steps
        .iter()
        .filter(|s| s.at <= apology.issued_at)
        .filter_map(|s| s.due_date)
        .next_back()
        .or(d.due_date)
        .unwrap_or(apology.new_date);
    let received = steps
        .iter()
        .filter(|s| s.at <= apology.issued_at && s.action == "receive")
        .map(|s| s.at)
        .next_back()
        .or(d.received_at)
        .unwrap_or(d.submitted_at);
    let procedure_name = match d.rule {
        Some(r) => db::procedures::find(&state.db, r.procedure_id)
            .await?
            .map(|p| p.data.name_vi),
        None => None,
    }
    .unwrap_or_else(|| d.procedure_code.clone());
    let letter = ApologyLetter {
        issuing_body: state.issuer.issuing_body(),
        receipt_code: d.receipt_code.clone(),
        applicant_name: d.applicant.name.clone(),
        procedure_name,
        received_at: received,
        due_date: due,
        reason: apology.reason.clone(),
        new_date: apology.new_date,
        issued_at: apology.issued_at,
        issued_by_name: apology.issued_by_name.clone(),
        development: state.issuer.is_development(),
    };
    let bytes = render(state, letter, |r, l| r.apology_letter(l)).await?;
    Ok((format!("phieu-xin-loi-{}.pdf", d.receipt_code), bytes))
}
