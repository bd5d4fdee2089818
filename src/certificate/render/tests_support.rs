//! Shared test fixtures: one renderer for all tests, PDF tools.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use super::Renderer;
use super::layout::FontSet;

/// One renderer for every test (fonts are parsed once).
pub(crate) fn renderer() -> &'static Renderer {
    static R: OnceLock<Renderer> = OnceLock::new();
    R.get_or_init(|| Renderer::new().expect("renderer builds"))
}

/// The parsed fonts.
pub(crate) fn fonts() -> &'static FontSet {
    &renderer().inner.fonts
}

/// Runs a poppler tool, or returns `None` when it is missing and validators are not required
/// (`REQUIRE_PDF_VALIDATORS=1` makes a missing tool a failure).
pub(crate) fn tool(name: &str, args: &[&str]) -> Option<String> {
    match Command::new(name).args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) => {
            assert!(
                std::env::var("REQUIRE_PDF_VALIDATORS").as_deref() != Ok("1"),
                "{name} is required (REQUIRE_PDF_VALIDATORS=1) but cannot run: {e}"
            );
            eprintln!("skipping: {name} not available ({e})");
            None
        }
    }
}

/// `pdftotext -layout` of a PDF's bytes.
pub(crate) fn pdftotext(bytes: &[u8], dir: &Path) -> Option<String> {
    let path = dir.join("cert.pdf");
    std::fs::write(&path, bytes).expect("write pdf");
    let p = path.to_string_lossy().into_owned();
    tool("pdftotext", &["-enc", "UTF-8", &p, "-"])
}
