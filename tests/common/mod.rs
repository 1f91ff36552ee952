//! Shared by the integration tests: lint a fixture case the way the CLI would, with the case's
//! own `iamlint.toml` when it has one.

use iamlint::{Options, Report, lint};
use std::path::Path;

pub fn lint_case(dir: &Path) -> Report {
    let config_path = dir.join("iamlint.toml");
    let config = if config_path.exists() {
        iamlint::load_config(&config_path).unwrap_or_else(|e| panic!("{}", e.render()))
    } else {
        iamlint::Config::default()
    };
    lint(&Options {
        paths: vec![dir.to_path_buf()],
        jobs: Some(1),
        config,
        ..Options::default()
    })
    .unwrap()
}
