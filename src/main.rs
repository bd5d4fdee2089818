//! `invest-registry`: parses the command line and runs it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match invest_registry::cli::Cli::try_parse() {
        Ok(cli) => invest_registry::startup::run(cli),
        Err(e) => invest_registry::cli::usage_error(&e),
    }
}
