//! iamlint: a static linter for Google Cloud IAM in Terraform.
//!
//! The pipeline, one module per step: [`discover`] finds files, [`parse`] parses them with
//! spans, [`model`] extracts the IAM facts of each module, [`rules`] check them, [`engine`] runs
//! it all in parallel and sorts, [`emit`] renders. Rules never touch files or print.

pub mod access;
pub mod baseline;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod data;
pub mod diagnostic;
pub mod discover;
pub mod emit;
pub mod engine;
pub mod eval;
pub mod fix;
pub mod lex;
pub mod load;
pub mod model;
pub mod optfile;
pub mod parse;
pub mod project;
pub mod registry;
pub mod report;
pub mod rules;
pub mod server;
pub mod source;
pub mod suggest;
pub mod suppress;
pub mod tfjson;

pub use engine::{Options, Report, lint};
