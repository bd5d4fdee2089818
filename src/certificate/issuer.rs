//! Issues certificates: renders a content with its template, seals it (QR) and signs the PDF
//! (PAdES) with the service's signing identity. Built once at start-up: fonts and templates are
//! parsed once, and the identity is loaded once. Everything here is CPU work: call it on the
//! blocking pool.

use std::sync::Arc;

use chrono::NaiveDate;

use super::{
    render::{RenderError, RenderOptions, Renderer},
    templates,
};
use crate::{
    domain::certificate::content::{CertificateContent, IssuingBody},
    signing::{
        keys::SigningIdentity,
        pades::{self, SignatureField},
        seal::{self, SealFacts},
    },
};

/// The template new certificates are drafted with.
pub const CURRENT_TEMPLATE: &str = "irc-2021";

/// What the issuer prints and links, from the configuration.
#[derive(Debug, Clone)]
pub struct IssuerConfig {
    /// The issuing body printed top left, and the place of signing.
    pub issuing_body: IssuingBody,
    /// The public address of the service; the QR code opens `{public_base_url}/v/{seal}`.
    pub public_base_url: String,
}

/// A certificate rendered, sealed and signed.
#[derive(Debug, Clone)]
pub struct IssuedDocument {
    /// The signed PDF.
    pub pdf: Vec<u8>,
    /// The QR seal, upper-case Base32.
    pub seal: String,
    /// Pages.
    pub pages: u32,
    /// SHA-256 of the content, the digest the seal carries.
    pub content_digest: [u8; 32],
}

struct Inner {
    renderer: Renderer,
    identity: SigningIdentity,
    config: IssuerConfig,
}

/// Renders, seals and signs. Cheap to clone.
#[derive(Clone)]
pub struct Issuer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("key_id", &self.key_id_hex())
            .finish_non_exhaustive()
    }
}

/// Why a certificate could not be issued or previewed.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The content lacks what only approval adds (issue date, signing time).
    #[error("a certificate needs an issue date and a signing time")]
    Incomplete,
    /// The content cannot be carried by a seal (for example too many versions).
    #[error("this certificate cannot be sealed: {0}")]
    Unsealable(String),
    /// Rendering failed.
    #[error("rendering: {0}")]
    Render(#[from] RenderError),
    /// The QR code could not be drawn or the PDF signed.
    #[error("{0}")]
    Sign(String),
}

impl Issuer {
    /// Builds the issuer: parses fonts and templates once.
    pub fn new(config: IssuerConfig, identity: SigningIdentity) -> Result<Self, RenderError> {
        Ok(Self {
            inner: Arc::new(Inner {
                renderer: Renderer::new()?,
                identity,
                config,
            }),
        })
    }

    /// The signing identity.
    pub fn identity(&self) -> &SigningIdentity {
        &self.inner.identity
    }

    /// The signing key's id, lower-case hex.
    pub fn key_id_hex(&self) -> String {
        self.inner.identity.key_id().to_hex()
    }

    /// True when signing with a generated development key.
    pub fn is_development(&self) -> bool {
        self.inner.identity.is_development()
    }

    /// The renderer, for the desk's other documents (receipt slips, apology letters).
    pub fn renderer(&self) -> &Renderer {
        &self.inner.renderer
    }

    /// The body issuing certificates, as printed.
    pub fn issuing_body(&self) -> IssuingBody {
        self.inner.config.issuing_body.clone()
    }

    /// The template new drafts use.
    pub fn template_id(&self) -> &'static str {
        CURRENT_TEMPLATE
    }

    /// The current template's statutory "Căn cứ" lines.
    pub fn statutory_basis(&self) -> Vec<String> {
        templates::get(CURRENT_TEMPLATE)
            .map(|t| t.default_legal_basis().to_vec())
            .unwrap_or_default()
    }

    /// The "Căn cứ hồ sơ ... nộp ngày ..." line of the current template.
    pub fn dossier_line(&self, version: u32, received_on: NaiveDate) -> String {
        templates::get(CURRENT_TEMPLATE)
            .map(|t| t.dossier_line(version, received_on))
            .unwrap_or_default()
    }

    /// The verification URL a seal opens.
    pub fn verification_url(&self, seal: &str) -> String {
        seal::verification_url(&self.inner.config.public_base_url, seal)
    }

    /// The public address of the service.
    pub fn public_base_url(&self) -> &str {
        &self.inner.config.public_base_url
    }

    /// An unsigned, watermarked preview of a draft.
    pub fn preview(&self, content: &CertificateContent) -> Result<Vec<u8>, IssueError> {
        let rendered = self.inner.renderer.render(
            content,
            &RenderOptions {
                draft: true,
                qr: None,
                link: None,
                english: content.bilingual,
            },
        )?;
        Ok(rendered.bytes)
    }

    /// Renders, seals and signs a complete content (issue date, signer and signing time set).
    pub fn issue(&self, content: &CertificateContent) -> Result<IssuedDocument, IssueError> {
        let (Some(issued_on), Some(signed_at)) = (content.issued_on, content.signed_at) else {
            return Err(IssueError::Incomplete);
        };
        let content_digest = content.digest();
        let facts = SealFacts {
            project_code: content.project_code.clone(),
            certificate_version: u16::try_from(content.version)
                .map_err(|_| IssueError::Unsealable("too many versions".to_owned()))?,
            issued_on,
            total_capital_vnd: content.project.capital.total_vnd,
            content_digest,
        };
        let seal = seal::make(&facts, self.inner.identity.signing_key())
            .map_err(|e| IssueError::Unsealable(e.to_string()))?;
        let url = self.verification_url(&seal);
        let qr = seal::qr_code(&url).map_err(|e| IssueError::Sign(e.to_string()))?;
        let rendered = self.inner.renderer.render(
            content,
            &RenderOptions {
                draft: false,
                qr: Some(&qr),
                link: Some(&url),
                english: content.bilingual,
            },
        )?;
        let signer = content
            .signer
            .as_ref()
            .map(|s| s.full_name.clone())
            .unwrap_or_default();
        let field = SignatureField {
            page: rendered.signature_page,
            rect: rendered.signature_rect,
            name: format!("GCNDKDT-{}-{}", content.project_code, content.version),
            reason: Some(format!(
                "Cấp Giấy chứng nhận đăng ký đầu tư, mã số dự án {} ({})",
                content.project_code, signer
            )),
            location: Some(content.issuing_body.place.clone()),
            contact: None,
        };
        let pdf = pades::sign_pdf(&rendered.bytes, &self.inner.identity, signed_at, &field)
            .map_err(|e| IssueError::Sign(e.to_string()))?;
        Ok(IssuedDocument {
            pdf,
            seal,
            pages: rendered.pages,
            content_digest,
        })
    }
}
