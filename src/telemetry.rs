//! Structured logs (tracing): text for people, JSON for collectors.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{LogFormat, Settings};

/// Installs the global subscriber once; a second call (tests) is a no-op.
pub fn init(settings: &Settings) {
    let mut filter =
        EnvFilter::try_new(&settings.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    // The PDF library logs an error line for each oddity of a hostile upload; the refusal is
    // what matters, and it is answered and logged once. An operator may still ask for it.
    if !settings.log_level.contains("lopdf")
        && let Ok(quiet) = "lopdf=off".parse()
    {
        filter = filter.add_directive(quiet);
    }
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match settings.log_format {
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).try_init(),
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
    };
}
