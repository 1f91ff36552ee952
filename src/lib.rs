//! iamlint: a static linter for Google Cloud IAM in Terraform.
//!
//! The library's surface is small, and `tests/surface.rs` pins it:
//!
//! - [`lint`] a tree with [`Options`] (or [`lint_source`] one file's bytes, [`lint_plan`] a
//!   `terraform show -json` plan), under a [`Config`] read by [`load_config`] /
//!   [`parse_config`] (found by [`find_config`]); the [`Report`] holds [`Diagnostic`]s, which
//!   [`emit`] renders in every output format;
//! - [`registry`]: every rule and engine diagnostic, read-only;
//! - the entry points of the other commands: [`access`] (who can do what), [`fix`],
//!   [`baseline`], [`server`] (the language server), the embedded [`Catalog`], and [`util`]'s
//!   bounded reads and atomic writes of the files options name.
//!
//! Inside, one module per step, with no import cycles (`tests/layers.rs`), from the bottom:
//! `util` (text and path helpers), `diagnostic` and `source`, [`registry`], `lex`, `parse`,
//! `tfjson`, `suppress`, `config`, `discover`, `eval`, `model`, `load`, `project`, `gcp` (the
//! catalog, rule data, effective access), `rules`, `report`, `engine`, then [`emit`], [`fix`],
//! [`baseline`] and [`server`]. Rules never touch files or print; the binary (`src/main.rs`,
//! `src/cli.rs`) parses arguments, prints, and picks the exit status.

pub mod baseline;
mod config;
mod diagnostic;
mod discover;
pub mod emit;
mod engine;
mod eval;
pub mod fix;
mod gcp;
mod lex;
mod load;
mod model;
pub mod outline;
mod parse;
mod project;
pub mod registry;
mod report;
mod rules;
pub mod server;
mod source;
mod suppress;
mod tfjson;
pub mod util;

pub use config::discover as find_config;
pub use config::{Config, ConfigError};
pub use diagnostic::{Diagnostic, Edit, FileId, Fix, Group, Label, Severity};
pub use engine::{Fatal, Options, access, lint, lint_plan, lint_source, load_config, parse_config};
pub use gcp::access::{NotCounted, Query, Row, Via};
pub use gcp::catalog::Catalog;
pub use report::{Report, Stats};
