//! What the benchmarks share: the settings of a bench server on a SQLite file in a temporary
//! folder.

use std::collections::HashMap;

use invest_registry::config::Settings;

/// The bench admin's password.
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// Settings for a server on `dir/bench.sqlite`, with a known admin password and only errors
/// logged.
pub fn settings(dir: &std::path::Path) -> Settings {
    let env: HashMap<String, String> = [
        ("DATA_DIR", dir.display().to_string()),
        (
            "DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("bench.sqlite").display()),
        ),
        ("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
        ("PUBLIC_BASE_URL", "https://dkdt.quangtri.gov.vn".to_owned()),
        ("LOG_LEVEL", "error".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Settings::from_sources(None, &env).expect("settings")
}
