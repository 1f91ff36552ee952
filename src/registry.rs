//! The registry, at the bottom of the crate: every diagnostic id iamlint can emit, with its
//! metadata (summary, default severity and the other severities it declares, scope, docs).
//! The rules' checks live in `src/rules/`; each names its entry here, and a meta-test
//! checks that every entry has exactly one check and every check an entry. The engine's own
//! ids (a file that cannot be read or parsed, a module cycle, suppression problems) are here
//! too, so that configuration, suppressions and output treat every id alike.

use crate::diagnostic::{Diagnostic, Label, Severity};

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One module at a time (a root and the modules it calls, each as itself).
    Module,
    /// The estate: what crosses modules (the same account used by several of them).
    Estate,
    /// Not a check: the engine reports it while loading files or reading suppressions.
    Engine,
}

/// Everything about a diagnostic id that is not its logic.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case id, part of the interface (config, suppressions, output).
    pub id: &'static str,
    /// One line, lowercase, no period.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// Every severity its findings may have, the default first: a rule grades its findings by
    /// consequence only among these (the rule's page says when each applies).
    pub severities: &'static [Severity],
    pub scope: Scope,
    /// `rules/<id>.md`.
    pub docs: &'static str,
}

impl RuleMeta {
    /// A diagnostic of this rule at its default severity.
    pub fn diagnostic(&'static self, primary: Label, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(self.id, self.default_severity, primary, message)
    }

    /// A diagnostic at one of the severities the rule declares (the default when `severity`
    /// is not declared: a test run fails on that first).
    pub fn diagnostic_at(
        &'static self,
        severity: Severity,
        primary: Label,
        message: impl Into<String>,
    ) -> Diagnostic {
        debug_assert!(
            self.severities.contains(&severity),
            "`{}` does not declare {severity:?}",
            self.id
        );
        let severity = if self.severities.contains(&severity) {
            severity
        } else {
            self.default_severity
        };
        Diagnostic::new(self.id, severity, primary, message)
    }
}

/// A suppression whose `until=` date has passed.
pub const EXPIRED_SUPPRESSION: &str = "expired-suppression";
/// A suppression without a reason, naming an unknown rule, or misplaced.
pub const INVALID_SUPPRESSION: &str = "invalid-suppression";
/// A suppression that suppresses nothing.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";
/// A path that cannot be read.
pub const IO_ERROR: &str = "io-error";
/// A module call that leads back to a module already calling it.
pub const MODULE_CYCLE: &str = "module-cycle";
/// A file or block that does not parse, or a file that is not UTF-8.
pub const PARSE_ERROR: &str = "parse-error";

/// The diagnostics the engine itself produces: they have ids, docs and configurable
/// severities like rules, but no check over a module.
pub static ENGINE_RULES: &[&RuleMeta] = &[
    &RuleMeta {
        id: EXPIRED_SUPPRESSION,
        summary: "a suppression whose `until=` date has passed",
        default_severity: Severity::Warning,
        severities: &[Severity::Warning],
        scope: Scope::Engine,
        docs: include_str!("../rules/expired-suppression.md"),
    },
    &RuleMeta {
        id: INVALID_SUPPRESSION,
        summary: "a suppression without a reason, naming an unknown rule, or misplaced",
        default_severity: Severity::Warning,
        severities: &[Severity::Warning],
        scope: Scope::Engine,
        docs: include_str!("../rules/invalid-suppression.md"),
    },
    &RuleMeta {
        id: IO_ERROR,
        summary: "a path that cannot be read",
        default_severity: Severity::Error,
        severities: &[Severity::Error],
        scope: Scope::Engine,
        docs: include_str!("../rules/io-error.md"),
    },
    &RuleMeta {
        id: MODULE_CYCLE,
        summary: "a module call that leads back to a module already calling it",
        default_severity: Severity::Error,
        severities: &[Severity::Error],
        scope: Scope::Engine,
        docs: include_str!("../rules/module-cycle.md"),
    },
    &RuleMeta {
        id: PARSE_ERROR,
        summary: "a file or block that does not parse, or a file that is not UTF-8",
        default_severity: Severity::Error,
        severities: &[Severity::Error],
        scope: Scope::Engine,
        docs: include_str!("../rules/parse-error.md"),
    },
    &RuleMeta {
        id: UNUSED_SUPPRESSION,
        summary: "a suppression that suppresses nothing",
        default_severity: Severity::Warning,
        severities: &[Severity::Warning],
        scope: Scope::Engine,
        docs: include_str!("../rules/unused-suppression.md"),
    },
];

/// The rules, sorted by id; each has one check in `src/rules/`.
pub static RULES: &[&RuleMeta] = &[
    &AUTHORITATIVE_IAM,
    &AUTOMATION_ADMIN_ROLE,
    &BASIC_ROLE,
    &DEFAULT_SERVICE_ACCOUNT,
    &DEPLOYER_ROLE_CREATE_DELETE,
    &DUPLICATE_PERMISSION,
    &INVALID_MEMBER,
    &MISSING_REQUIRED_PERMISSION,
    &MISSING_SERVICE_ACCOUNT,
    &PRIVILEGE_ESCALATION_PERMISSION,
    &PROJECT_LEVEL_ACTAS,
    &PROVIDER_IMPERSONATION,
    &PUBLIC_MEMBER,
    &SERVICE_ACCOUNT_KEY,
    &SHARED_SERVICE_ACCOUNT,
    &UNKNOWN_PERMISSION,
    &UNKNOWN_ROLE,
    &UNSUPPORTED_PERMISSION,
    &USER_MEMBER,
    &WORKLOAD_IDENTITY_FEDERATION,
];

/// Every id: the rules, then the engine's.
pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().chain(ENGINE_RULES.iter()).copied()
}

pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    all_metas().find(|m| m.id == id)
}

/// The known id closest to a misspelt one: the one "did you mean" for rule ids (options,
/// suppressions, `--select`, `explain`).
pub fn suggest_id(id: &str) -> Option<&'static str> {
    crate::util::suggest::closest(id, all_metas().map(|m| m.id))
}

pub static AUTHORITATIVE_IAM: RuleMeta = RuleMeta {
    id: "authoritative-iam",
    summary: "an authoritative IAM resource replaces grants made elsewhere",
    default_severity: Severity::Note,
    severities: &[Severity::Note, Severity::Error, Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/authoritative-iam.md"),
};

pub static AUTOMATION_ADMIN_ROLE: RuleMeta = RuleMeta {
    id: "automation-admin-role",
    summary: "a service account is granted a predefined role that can delete or reconfigure whole services on a project, folder or organization",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/automation-admin-role.md"),
};

pub static BASIC_ROLE: RuleMeta = RuleMeta {
    id: "basic-role",
    summary: "a basic role (owner or editor) is granted, or a basic role has a condition",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning, Severity::Error, Severity::Note],
    scope: Scope::Module,
    docs: include_str!("../rules/basic-role.md"),
};

pub static DEFAULT_SERVICE_ACCOUNT: RuleMeta = RuleMeta {
    id: "default-service-account",
    summary: "a default service account is a workload's identity or is granted a role",
    default_severity: Severity::Error,
    severities: &[Severity::Error],
    scope: Scope::Module,
    docs: include_str!("../rules/default-service-account.md"),
};

pub static DEPLOYER_ROLE_CREATE_DELETE: RuleMeta = RuleMeta {
    id: "deployer-role-create-delete",
    summary: "a continuous-deployment role can create or delete resources",
    default_severity: Severity::Error,
    severities: &[Severity::Error, Severity::Note],
    scope: Scope::Module,
    docs: include_str!("../rules/deployer-role-create-delete.md"),
};

pub static DUPLICATE_PERMISSION: RuleMeta = RuleMeta {
    id: "duplicate-permission",
    summary: "a custom role lists the same permission twice",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/duplicate-permission.md"),
};

pub static INVALID_MEMBER: RuleMeta = RuleMeta {
    id: "invalid-member",
    summary: "a member with no valid type prefix, or a malformed value",
    default_severity: Severity::Error,
    severities: &[Severity::Error],
    scope: Scope::Module,
    docs: include_str!("../rules/invalid-member.md"),
};

pub static MISSING_REQUIRED_PERMISSION: RuleMeta = RuleMeta {
    id: "missing-required-permission",
    summary: "an identity lacks permissions the configuration says it needs",
    default_severity: Severity::Error,
    severities: &[Severity::Error],
    scope: Scope::Module,
    docs: include_str!("../rules/missing-required-permission.md"),
};

pub static MISSING_SERVICE_ACCOUNT: RuleMeta = RuleMeta {
    id: "missing-service-account",
    summary: "a workload names no service account, so it runs as a default identity",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/missing-service-account.md"),
};

pub static PRIVILEGE_ESCALATION_PERMISSION: RuleMeta = RuleMeta {
    id: "privilege-escalation-permission",
    summary: "a custom role, or a predefined role granted on a project, folder or organization, holds a permission that lets its holder gain other identities' or broader access",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/privilege-escalation-permission.md"),
};

pub static PROJECT_LEVEL_ACTAS: RuleMeta = RuleMeta {
    id: "project-level-actas",
    summary: "a role that can act as service accounts is granted on a whole project, folder or organization",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/project-level-actas.md"),
};

pub static PROVIDER_IMPERSONATION: RuleMeta = RuleMeta {
    id: "provider-impersonation",
    summary: "a google provider authenticates with a key or a literal token instead of impersonating a deploy service account",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/provider-impersonation.md"),
};

pub static PUBLIC_MEMBER: RuleMeta = RuleMeta {
    id: "public-member",
    summary: "a grant to allUsers or allAuthenticatedUsers",
    default_severity: Severity::Error,
    severities: &[Severity::Error, Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/public-member.md"),
};

pub static SERVICE_ACCOUNT_KEY: RuleMeta = RuleMeta {
    id: "service-account-key",
    summary: "a service account key is created",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/service-account-key.md"),
};

pub static SHARED_SERVICE_ACCOUNT: RuleMeta = RuleMeta {
    id: "shared-service-account",
    summary: "one service account is the identity of more than one workload",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Estate,
    docs: include_str!("../rules/shared-service-account.md"),
};

pub static UNKNOWN_PERMISSION: RuleMeta = RuleMeta {
    id: "unknown-permission",
    summary: "a custom role lists a permission that GCP does not have",
    default_severity: Severity::Error,
    severities: &[Severity::Error],
    scope: Scope::Module,
    docs: include_str!("../rules/unknown-permission.md"),
};

pub static UNKNOWN_ROLE: RuleMeta = RuleMeta {
    id: "unknown-role",
    summary: "a grant names a role that does not exist",
    default_severity: Severity::Error,
    severities: &[Severity::Error, Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/unknown-role.md"),
};

pub static UNSUPPORTED_PERMISSION: RuleMeta = RuleMeta {
    id: "unsupported-permission",
    summary: "a custom role lists a permission custom roles cannot hold, hold only in testing, or that is deprecated",
    default_severity: Severity::Error,
    severities: &[Severity::Error, Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/unsupported-permission.md"),
};

pub static USER_MEMBER: RuleMeta = RuleMeta {
    id: "user-member",
    summary: "a role is granted to one person instead of a group",
    default_severity: Severity::Note,
    severities: &[Severity::Note, Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/user-member.md"),
};

pub static WORKLOAD_IDENTITY_FEDERATION: RuleMeta = RuleMeta {
    id: "workload-identity-federation",
    summary: "a workload identity provider trusts a shared CI platform without pinning the owner, or a pool is granted an account as a whole",
    default_severity: Severity::Error,
    severities: &[Severity::Error],
    scope: Scope::Module,
    docs: include_str!("../rules/workload-identity-federation.md"),
};
