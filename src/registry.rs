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

/// The diagnostics the engine itself produces: they have ids, docs and configurable
/// severities like rules, but no check over a module.
pub static ENGINE_RULES: &[&RuleMeta] = &[
    &RuleMeta {
        id: crate::suppress::EXPIRED,
        summary: "a suppression whose `until=` date has passed",
        default_severity: Severity::Warning,
        docs: include_str!("../rules/expired-suppression.md"),
    },
    &RuleMeta {
        id: crate::suppress::INVALID,
        summary: "a suppression without a reason, naming an unknown rule, or misplaced",
        default_severity: Severity::Warning,
        docs: include_str!("../rules/invalid-suppression.md"),
    },
    &RuleMeta {
        id: crate::engine::IO_ERROR,
        summary: "a path that cannot be read",
        default_severity: Severity::Error,
        docs: include_str!("../rules/io-error.md"),
    },
    &RuleMeta {
        id: crate::project::MODULE_CYCLE,
        summary: "a module call that leads back to a module already calling it",
        default_severity: Severity::Error,
        docs: include_str!("../rules/module-cycle.md"),
    },
    &RuleMeta {
        id: crate::parse::PARSE_ERROR,
        summary: "a file or block that does not parse, or a file that is not UTF-8",
        default_severity: Severity::Error,
        docs: include_str!("../rules/parse-error.md"),
    },
    &RuleMeta {
        id: crate::suppress::UNUSED,
        summary: "a suppression that suppresses nothing",
        default_severity: Severity::Warning,
        docs: include_str!("../rules/unused-suppression.md"),
    },
];

/// Every id: the rules, then the engine's.
pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    crate::rules::ALL_RULES
        .iter()
        .map(|r| r.meta())
        .chain(ENGINE_RULES.iter().copied())
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    all_metas().find(|m| m.id == id)
}

/// The known id closest to a misspelt one.
pub fn suggest_id(id: &str) -> Option<&'static str> {
    crate::suggest::closest(id, all_metas().map(|m| m.id))
}
