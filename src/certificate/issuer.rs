//! Issues certificates: renders a content with its template, seals it (QR) and signs the PDF
//! (PAdES) with the service's signing identity. Built once at start-up: fonts and templates are
//! parsed once, and the identity is loaded once. Everything here is CPU work: call it on the
//! blocking pool.

use std::{path::Path, sync::Arc};

use chrono::NaiveDate;

use super::{
    content::{CertificateContent, IssuingBody},
    render::{RenderOptions, Renderer},
    templates,
};
use crate::{
    config::{Settings, SigningKeySource},
    error::ServiceError,
    signing::{
        keys::{self, SigningIdentity},
        pades::{self, SignatureField},
        seal::{self, SealFacts},
    },
};

/// The template new certificates are drafted with.
pub const CURRENT_TEMPLATE: &str = "irc-2021";

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
    issuing_body: IssuingBody,
    public_base_url: String,
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

/// Why the issuer could not be built.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    /// Fonts or templates could not be loaded.
    #[error("certificate renderer: {0}")]
    Render(#[from] super::render::RenderError),
    /// The signing key could not be loaded or generated.
    #[error("signing key: {0}")]
    Key(#[from] keys::KeyError),
}

/// Loads the configured signing identity, or the development one under `DATA_DIR/keys`
/// (generated on first start).
pub fn load_identity(settings: &Settings) -> Result<SigningIdentity, keys::KeyError> {
    match &settings.signing_key {
        SigningKeySource::Development => {
            keys::load_or_generate_development(&development_key_dir(&settings.data_dir))
        }
        SigningKeySource::Pem { key, chain } => keys::load_pem(key, chain),
        SigningKeySource::Pkcs12 { file, password } => keys::load_pkcs12(file, password),
    }
}

/// Where development keys live.
pub fn development_key_dir(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("keys")
}

impl Issuer {
    /// Builds the issuer: parses fonts and templates, loads the signing identity.
    pub fn new(settings: &Settings) -> Result<Self, IssuerError> {
        let identity = load_identity(settings)?;
        Self::with_identity(settings, identity)
    }

    /// Builds the issuer with a given identity.
    pub fn with_identity(
        settings: &Settings,
        identity: SigningIdentity,
    ) -> Result<Self, IssuerError> {
        Ok(Self {
            inner: Arc::new(Inner {
                renderer: Renderer::new()?,
                identity,
                issuing_body: IssuingBody {
                    superior: settings.issuing_body_superior.clone(),
                    name: settings.issuing_body_name.clone(),
                    place: settings.issuing_place.clone(),
                },
                public_base_url: settings.public_base_url.as_str().to_owned(),
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

    /// The issuing body printed on certificates.
    pub fn issuing_body(&self) -> IssuingBody {
        self.inner.issuing_body.clone()
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
        seal::verification_url(&self.inner.public_base_url, seal)
    }

    /// An unsigned, watermarked preview of a draft.
    pub fn preview(&self, content: &CertificateContent) -> Result<Vec<u8>, ServiceError> {
        let rendered = self
            .inner
            .renderer
            .render(
                content,
                &RenderOptions {
                    draft: true,
                    qr: None,
                    link: None,
                    english: content.bilingual,
                },
            )
            .map_err(|e| ServiceError::Unexpected(Box::new(e)))?;
        Ok(rendered.bytes)
    }

    /// Renders, seals and signs a complete content (issue date, signer and signing time set).
    pub fn issue(&self, content: &CertificateContent) -> Result<IssuedDocument, ServiceError> {
        let unexpected = |e: Box<dyn std::error::Error + Send + Sync>| ServiceError::Unexpected(e);
        let (Some(issued_on), Some(signed_at)) = (content.issued_on, content.signed_at) else {
            return Err(ServiceError::conflict(
                "a certificate needs an issue date and a signing time",
            ));
        };
        let content_digest = content.digest();
        let facts = SealFacts {
            project_code: content.project_code.clone(),
            certificate_version: u16::try_from(content.version)
                .map_err(|_| ServiceError::conflict("too many versions for a seal"))?,
            issued_on,
            total_capital_vnd: content.project.capital.total_vnd,
            content_digest,
        };
        let seal = seal::make(&facts, self.inner.identity.signing_key()).map_err(|e| {
            ServiceError::conflict(format!("this certificate cannot be sealed: {e}"))
        })?;
        let url = self.verification_url(&seal);
        let qr = seal::qr_code(&url).map_err(|e| unexpected(Box::new(e)))?;
        let rendered = self
            .inner
            .renderer
            .render(
                content,
                &RenderOptions {
                    draft: false,
                    qr: Some(&qr),
                    link: Some(&url),
                    english: content.bilingual,
                },
            )
            .map_err(|e| unexpected(Box::new(e)))?;
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
            .map_err(|e| unexpected(Box::new(e)))?;
        Ok(IssuedDocument {
            pdf,
            seal,
            pages: rendered.pages,
            content_digest,
        })
    }
}
