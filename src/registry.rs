//! What a rule is: its metadata and its check. Rules read a [`Module`] and push diagnostics;
//! they never read files or print.

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::model::Module;

/// Everything about a rule that is not its logic.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case id, part of the interface (config, suppressions, output).
    pub id: &'static str,
    /// One line, lowercase, no period.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// `rules/<id>.md`.
    pub docs: &'static str,
}

impl RuleMeta {
    /// A diagnostic of this rule at its default severity.
    pub fn diagnostic(&'static self, primary: Label, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.id, self.default_severity, primary, message)
    }
}

/// What a rule may read besides the module: its options.
pub struct Ctx<'a> {
    pub config: &'a Config,
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, module: &Module, cx: &Ctx, out: &mut Vec<Diagnostic>);
}

/// Diagnostics the engine itself produces.
pub static ENGINE_IDS: &[&str] = &[crate::parse::PARSE_ERROR, crate::engine::IO_ERROR];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    crate::rules::ALL_RULES
        .iter()
        .copied()
        .find(|r| r.meta().id == id)
}
