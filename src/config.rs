//! `iamlint.toml` (or `.iamlint.toml`): found from the current directory upward, or given with
//! `--config`. Every key is checked; an unknown key or a bad value is an error with its line
//! and column, and a "did you mean" when a known key is close.
//!
//! ```toml
//! exclude = ["examples/**"]
//!
//! [rules]
//! missing-service-account = "error"          # off | note | warning | error
//!
//! [rules.deployer-role-create-delete]
//! severity = "warning"
//! words = ["deploy", "release"]
//!
//! [rules.missing-required-permission]
//! require = [
//!   { member = "serviceAccount:renderer@acme-prod.iam.gserviceaccount.com", permissions = ["storage.objects.get"] },
//! ]
//! ```

use crate::access::Query;
use crate::data::{self, Deployer};
use crate::diagnostic::Severity;
use crate::registry;
use crate::source::LineIndex;
use crate::suggest::closest;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

pub const FILE_NAMES: &[&str] = &["iamlint.toml", ".iamlint.toml"];

/// The settings of a run.
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Where it was read from, as shown to the user.
    pub path: Option<String>,
    pub exclude: Vec<String>,
    /// A rule's severity when set; `None` turns the rule off.
    pub severities: BTreeMap<String, Option<Severity>>,
    /// `[rules.deployer-role-create-delete]` options, merged over the defaults.
    pub deployer: Option<Deployer>,
    /// `[rules.missing-required-permission]` requirements.
    pub requirements: Vec<Requirement>,
    /// `[rules.public-member] allow`: public grants that are intended.
    pub public_allowed: Vec<PublicAllowed>,
    /// `[rules.provider-impersonation] require-impersonation`: impersonation must be in the code.
    pub require_impersonation: bool,
    /// `[rules.default-service-account] extra-identities`: more accounts to treat as default
    /// identities (emails; `*` matches any run of characters).
    pub extra_defaults: Vec<String>,
}

/// A (resource type, role) pair where a public member is intended, such as a public website
/// on Cloud Run: `{ resource = "google_cloud_run_v2_service", role = "roles/run.invoker" }`.
#[derive(Debug, Clone)]
pub struct PublicAllowed {
    /// An IAM resource type, or the resource type it applies to.
    pub resource: String,
    pub role: String,
}

/// "This member needs these permissions."
#[derive(Debug, Clone)]
pub struct Requirement {
    pub member: Query,
    pub member_text: String,
    pub permissions: Vec<String>,
    /// `iamlint.toml:12`, for messages.
    pub origin: String,
}

impl Config {
    pub fn deployer(&self) -> &Deployer {
        self.deployer.as_ref().unwrap_or_else(|| data::deployer())
    }

    /// The severity a rule's diagnostics get: `None` when the rule is off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.severities.get(rule) {
            Some(set) => *set,
            None => Some(default),
        }
    }
}

/// A configuration error, with the text it points into.
#[derive(Debug)]
pub struct ConfigError {
    pub path: String,
    pub text: String,
    pub range: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl ConfigError {
    /// `iamlint.toml:3:1: error: ...`, with a help line.
    pub fn render(&self) -> String {
        let lines = LineIndex::new(&self.text);
        let pos = lines.position(&self.text, self.range.start);
        let mut out = format!(
            "{}:{}:{}: error: {}",
            self.path, pos.line, pos.column, self.message
        );
        if let Some(line) = self.text.lines().nth(pos.line - 1) {
            out.push_str(&format!(
                "\n  |\n  | {line}\n  | {}^",
                " ".repeat(pos.column - 1)
            ));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\n  = help: {help}"));
        }
        out
    }
}

/// The config file for a run started in `dir`: the nearest `iamlint.toml` or `.iamlint.toml`
/// in it or a parent directory.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    let mut dir = Some(dir);
    while let Some(d) = dir {
        for name in FILE_NAMES {
            let candidate = d.join(name);
            // A directory (or anything else) by that name is this directory's configuration
            // and an error, not a reason to use a parent's.
            if std::fs::symlink_metadata(&candidate).is_ok() {
                return Some(candidate);
            }
        }
        dir = d.parent();
    }
    None
}

pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let display = crate::discover::display_path(path);
    let text = crate::optfile::read_text(path, crate::optfile::MAX_OPTION_FILE).map_err(|e| {
        ConfigError {
            path: display.clone(),
            text: String::new(),
            range: 0..0,
            message: format!("cannot read the configuration: {e}"),
            help: None,
        }
    })?;
    parse(&display, &text)
}

pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
    let err = |range: Range<usize>, message: String, help: Option<String>| ConfigError {
        path: path.to_string(),
        text: text.to_string(),
        range,
        message,
        help,
    };
    let root = DeTable::parse(text).map_err(|e| {
        err(
            e.span().unwrap_or(0..0),
            format!("invalid TOML: {}", e.message().trim()),
            None,
        )
    })?;
    let mut config = Config {
        path: Some(path.to_string()),
        ..Config::default()
    };
    let origin = |range: &Range<usize>| {
        format!(
            "{path}:{}",
            LineIndex::new(text).line_index(range.start) + 1
        )
    };
    for (key, value) in root.get_ref() {
        match key.get_ref().as_ref() {
            "exclude" => config.exclude = strings(value, "exclude", &err)?,
            "rules" => {
                let table = table(value, "rules", &err)?;
                for (id, setting) in table {
                    rule(id, setting, &mut config, &err, &origin)?;
                }
            }
            other => {
                return Err(unknown_key(
                    key.span(),
                    other,
                    &["exclude", "rules"],
                    "top level",
                    &err,
                ));
            }
        }
    }
    Ok(config)
}

type Err<'a> = dyn Fn(Range<usize>, String, Option<String>) -> ConfigError + 'a;

fn unknown_key(
    span: Range<usize>,
    key: &str,
    known: &[&str],
    place: &str,
    err: &Err,
) -> ConfigError {
    let help = match closest(key, known.iter().copied()) {
        Some(near) => Some(format!("did you mean `{near}`?")),
        None => Some(format!("known keys here: {}", known.join(", "))),
    };
    err(span, format!("unknown key `{key}` at {place}"), help)
}

fn severity(value: &Spanned<DeValue>, err: &Err) -> Result<Option<Severity>, ConfigError> {
    let levels = ["off", "note", "warning", "error"];
    match value.get_ref().as_str() {
        Some("off") => Ok(None),
        Some("note") => Ok(Some(Severity::Note)),
        Some("warning") => Ok(Some(Severity::Warning)),
        Some("error") => Ok(Some(Severity::Error)),
        Some(other) => Err(err(
            value.span(),
            format!("`{other}` is not a severity"),
            Some(match closest(other, levels.iter().copied()) {
                Some(near) => format!("did you mean `{near}`? (one of off, note, warning, error)"),
                None => "use one of off, note, warning, error".into(),
            }),
        )),
        None => Err(err(
            value.span(),
            format!("a severity is a string, not {}", value.get_ref().type_str()),
            Some("use one of \"off\", \"note\", \"warning\", \"error\"".into()),
        )),
    }
}

fn table<'v, 'i>(
    value: &'v Spanned<DeValue<'i>>,
    key: &str,
    err: &Err,
) -> Result<&'v DeTable<'i>, ConfigError> {
    value.get_ref().as_table().ok_or_else(|| {
        err(
            value.span(),
            format!(
                "`{key}` must be a table, not {}",
                value.get_ref().type_str()
            ),
            None,
        )
    })
}

fn strings(value: &Spanned<DeValue>, key: &str, err: &Err) -> Result<Vec<String>, ConfigError> {
    let not_list = || {
        err(
            value.span(),
            format!("`{key}` must be a list of strings"),
            None,
        )
    };
    let array = value.get_ref().as_array().ok_or_else(not_list)?;
    array
        .iter()
        .map(|item| {
            item.get_ref().as_str().map(str::to_string).ok_or_else(|| {
                err(
                    item.span(),
                    format!(
                        "`{key}` must be a list of strings, and this is {}",
                        item.get_ref().type_str()
                    ),
                    None,
                )
            })
        })
        .collect()
}

fn rule(
    id: &Spanned<std::borrow::Cow<str>>,
    setting: &Spanned<DeValue>,
    config: &mut Config,
    err: &Err,
    origin: &dyn Fn(&Range<usize>) -> String,
) -> Result<(), ConfigError> {
    let name: &str = id.get_ref();
    if registry::meta(name).is_none() {
        let help = match registry::suggest_id(name) {
            Some(near) => format!("did you mean `{near}`?"),
            None => "`iamlint rules` lists the rule ids".into(),
        };
        return Err(err(id.span(), format!("unknown rule `{name}`"), Some(help)));
    }
    if setting.get_ref().as_str().is_some() || !setting.get_ref().is_table() {
        config
            .severities
            .insert(name.to_string(), severity(setting, err)?);
        return Ok(());
    }
    let options: &[&str] = match name {
        "deployer-role-create-delete" => &[
            "severity",
            "words",
            "terraform-words",
            "forbidden",
            "allowed",
        ],
        "missing-required-permission" => &["severity", "require"],
        "public-member" => &["severity", "allow"],
        "provider-impersonation" => &["severity", "require-impersonation"],
        "default-service-account" => &["severity", "extra-identities"],
        _ => &["severity"],
    };
    let mut deployer: Option<Deployer> = None;
    for (key, value) in table(setting, name, err)? {
        let key_name: &str = key.get_ref();
        let place = format!("[rules.{name}]");
        match (name, key_name) {
            (_, "severity") => {
                config
                    .severities
                    .insert(name.to_string(), severity(value, err)?);
            }
            (
                "deployer-role-create-delete",
                "words" | "terraform-words" | "forbidden" | "allowed",
            ) => {
                let defaults = data::deployer();
                let d = deployer.get_or_insert_with(|| Deployer {
                    words: defaults.words.clone(),
                    terraform_words: defaults.terraform_words.clone(),
                    forbidden: defaults.forbidden.clone(),
                    allowed: defaults.allowed.clone(),
                    needed_roles: defaults.needed_roles.clone(),
                    forbidden_ids: Default::default(),
                    forbidden_by_role: Default::default(),
                    allowed_by_service: Default::default(),
                });
                let list = strings(value, key_name, err)?;
                match key_name {
                    "words" => d.words = list.iter().map(|w| w.to_lowercase()).collect(),
                    "terraform-words" => {
                        d.terraform_words = list.iter().map(|w| w.to_lowercase()).collect()
                    }
                    "allowed" => d.allowed = list,
                    _ => d.forbidden = list,
                }
            }
            ("default-service-account", "extra-identities") => {
                config.extra_defaults = strings(value, key_name, err)?
                    .into_iter()
                    .map(|e| e.trim_start_matches("serviceAccount:").to_lowercase())
                    .collect();
            }
            ("provider-impersonation", "require-impersonation") => {
                config.require_impersonation = value.get_ref().as_bool().ok_or_else(|| {
                    err(
                        value.span(),
                        "`require-impersonation` must be true or false".into(),
                        None,
                    )
                })?;
            }
            ("public-member", "allow") => {
                let array = value.get_ref().as_array().ok_or_else(|| {
                    err(
                        value.span(),
                        "`allow` must be a list of { resource, role } tables".into(),
                        None,
                    )
                })?;
                for item in array.iter() {
                    let t = table(item, "allow", err)?;
                    let mut resource = None;
                    let mut role = None;
                    for (k, v) in t {
                        let text = v.get_ref().as_str().map(str::to_string);
                        match (k.get_ref().as_ref(), text) {
                            ("resource", Some(t)) => resource = Some(t),
                            ("role", Some(t)) => role = Some(t),
                            ("resource" | "role", None) => {
                                return Err(err(
                                    v.span(),
                                    format!("`{}` must be a string", k.get_ref()),
                                    None,
                                ));
                            }
                            (other, _) => {
                                return Err(unknown_key(
                                    k.span(),
                                    other,
                                    &["resource", "role"],
                                    "an `allow` entry",
                                    err,
                                ));
                            }
                        }
                    }
                    match (resource, role) {
                        (Some(resource), Some(role)) => {
                            config.public_allowed.push(PublicAllowed { resource, role })
                        }
                        _ => {
                            return Err(err(
                                item.span(),
                                "an `allow` entry needs `resource` and `role`".into(),
                                None,
                            ));
                        }
                    }
                }
            }
            ("missing-required-permission", "require") => {
                let array = value.get_ref().as_array().ok_or_else(|| {
                    err(
                        value.span(),
                        "`require` must be a list of { member, permissions } tables".into(),
                        None,
                    )
                })?;
                for item in array.iter() {
                    config.requirements.push(requirement(item, err, origin)?);
                }
            }
            _ => return Err(unknown_key(key.span(), key_name, options, &place, err)),
        }
    }
    if deployer.is_some() {
        config.deployer = deployer;
    }
    Ok(())
}

fn requirement(
    item: &Spanned<DeValue>,
    err: &Err,
    origin: &dyn Fn(&Range<usize>) -> String,
) -> Result<Requirement, ConfigError> {
    let t = table(item, "require", err)?;
    let mut member = None;
    let mut permissions = None;
    for (key, value) in t {
        match key.get_ref().as_ref() {
            "member" => {
                let text = value
                    .get_ref()
                    .as_str()
                    .ok_or_else(|| err(value.span(), "`member` must be a string".into(), None))?;
                let query = Query::parse(text).map_err(|m| err(value.span(), m, None))?;
                member = Some((query, text.to_string()));
            }
            "permissions" => {
                let list = strings(value, "permissions", err)?;
                let catalog = crate::catalog::Catalog::get();
                for (p, item) in list.iter().zip(
                    value
                        .get_ref()
                        .as_array()
                        .into_iter()
                        .flat_map(|a| a.iter()),
                ) {
                    if catalog.permission(p).is_none() {
                        let help = catalog
                            .suggest_permission(p)
                            .map(|s| format!("did you mean `{s}`?"));
                        return Err(err(
                            item.span(),
                            format!("`{p}` is not a GCP permission"),
                            help,
                        ));
                    }
                }
                permissions = Some(list);
            }
            other => {
                return Err(unknown_key(
                    key.span(),
                    other,
                    &["member", "permissions"],
                    "a `require` entry",
                    err,
                ));
            }
        }
    }
    match (member, permissions) {
        (Some((member, member_text)), Some(permissions)) => Ok(Requirement {
            member,
            member_text,
            permissions,
            origin: origin(&item.span()),
        }),
        _ => Err(err(
            item.span(),
            "a `require` entry needs `member` and `permissions`".into(),
            None,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        parse("iamlint.toml", text).unwrap_err().render()
    }

    #[test]
    fn reads_severities_and_options() {
        let config = parse(
            "iamlint.toml",
            "exclude = [\"examples/**\"]\n[rules]\nmissing-service-account = \"off\"\nunknown-role = \"warning\"\n[rules.deployer-role-create-delete]\nwords = [\"Ship\"]\nallowed = [\"run.jobs.create\"]\n[rules.missing-required-permission]\nrequire = [{ member = \"serviceAccount:r@p.iam.gserviceaccount.com\", permissions = [\"storage.objects.get\"] }]\n",
        )
        .unwrap();
        assert_eq!(config.exclude, ["examples/**"]);
        assert_eq!(
            config.severity("missing-service-account", Severity::Warning),
            None
        );
        assert_eq!(
            config.severity("unknown-role", Severity::Error),
            Some(Severity::Warning)
        );
        assert_eq!(
            config.severity("basic-role", Severity::Error),
            Some(Severity::Error)
        );
        assert_eq!(config.deployer().words, ["ship"]);
        assert_eq!(config.deployer().forbidden, data::deployer().forbidden);
        assert_eq!(config.deployer().allowed, ["run.jobs.create"]);
        assert!(!config.deployer().is_forbidden("run.jobs.create"));
        assert!(config.deployer().is_forbidden("run.services.create"));
        assert_eq!(config.requirements[0].origin, "iamlint.toml:9");
    }

    #[test]
    fn errors_have_locations_and_suggestions() {
        assert_eq!(
            error("[rules]\nunknown-rol = \"off\"\n"),
            "iamlint.toml:2:1: error: unknown rule `unknown-rol`\n  |\n  | unknown-rol = \"off\"\n  | ^\n  = help: did you mean `unknown-role`?"
        );
        assert!(
            error("exlude = []\n")
                .contains("iamlint.toml:1:1: error: unknown key `exlude` at top level")
        );
        assert!(error("exlude = []\n").contains("did you mean `exclude`?"));
        assert!(
            error("[rules]\nunknown-role = \"warn\"\n")
                .contains("2:16: error: `warn` is not a severity")
        );
        assert!(
            error("[rules.deployer-role-create-delete]\nwrods = []\n")
                .contains("did you mean `words`?")
        );
        assert!(
            error("[rules]\nunknown-role = 3\n").contains("a severity is a string, not integer")
        );
        assert!(error("exclude = \"x\"\n").contains("`exclude` must be a list of strings"));
        assert!(error("[rules.missing-required-permission]\nrequire = [{ member = \"x\", permissions = [] }]\n").contains("is not a member"));
        assert!(error("[rules.missing-required-permission]\nrequire = [{ member = \"user:a@b.c\", permissions = [\"storage.objects.gte\"] }]\n").contains("did you mean `storage.objects.get`?"));
        assert!(error("a = [\n").contains("iamlint.toml:1:6: error: invalid TOML: unclosed array"));
    }
}
