//! `invest-registry`: parses the command line and runs it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = invest_registry::cli::Cli::parse();
    invest_registry::cli::run(cli)
}
