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

use crate::diagnostic::Severity;
use crate::registry;
use crate::source::LineIndex;
use crate::util::suggest::closest;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

pub const FILE_NAMES: &[&str] = &["iamlint.toml", ".iamlint.toml"];

/// The settings of a run: the file-level ones, and each rule's `[rules.<id>]` table, which the
/// rule reads into its own `Options` type (see [`Config::options`]).
#[derive(Debug, Default, Clone)]
pub struct Config {
    /// Where it was read from, as shown to the user.
    pub path: Option<String>,
    pub exclude: Vec<String>,
    /// A rule's severity when set; `None` turns the rule off.
    pub severities: BTreeMap<String, Option<Severity>>,
    /// The rules with a `[rules.<id>]` table: only theirs are read again by [`Config::options`].
    tables: BTreeSet<String>,
    /// The file's text, for errors located in it.
    text: Arc<str>,
}

impl Config {
    /// The severity a rule's diagnostics get: `None` when the rule is off.
    pub fn severity(&self, rule: &str, default: Severity) -> Option<Severity> {
        match self.severities.get(rule) {
            Some(set) => *set,
            None => Some(default),
        }
    }

    /// Rule `id`'s options: its `[rules.<id>]` table (without `severity`) read into the rule's
    /// `Options` type, or `O`'s defaults when there is no table. An unknown key, a missing one
    /// or a value of the wrong type is an error located in the file, with a "did you mean"
    /// when a known key is close.
    pub fn options<O: DeserializeOwned + Default>(&self, id: &str) -> Result<O, ConfigError> {
        if !self.tables.contains(id) {
            return Ok(O::default());
        }
        // The text was checked when it was read: parse it again for the table's spans.
        let Ok(root) = DeTable::parse(&self.text) else {
            return Ok(O::default());
        };
        let table = root
            .get_ref()
            .iter()
            .filter(|(key, _)| key.get_ref() == "rules")
            .filter_map(|(_, rules)| rules.get_ref().as_table())
            .flat_map(|rules| rules.iter())
            .find(|(key, value)| key.get_ref() == id && value.get_ref().is_table())
            .map(|(_, value)| value);
        let Some(table) = table else {
            return Ok(O::default());
        };
        // `severity` is every rule's and read with the file.
        let mut options = DeTable::new();
        if let Some(keys) = table.get_ref().as_table() {
            for (key, value) in keys {
                if key.get_ref() != "severity" {
                    options.insert(key.clone(), value.clone());
                }
            }
        }
        let table = Spanned::new(table.span(), DeValue::Table(options));
        let known = fields::<O>();
        if let Some(keys) = table.get_ref().as_table() {
            for key in keys.keys() {
                let name: &str = key.get_ref();
                if !known.contains(&name) {
                    let mut all = vec!["severity"];
                    all.extend(known.iter().map(|k| &**k));
                    return Err(unknown_key(
                        key.span(),
                        name,
                        &all,
                        &format!("[rules.{id}]"),
                        &|r, m, h| self.error(r, m, h),
                    ));
                }
            }
        }
        O::deserialize(toml::de::ValueDeserializer::from(table.clone())).map_err(|e| {
            let span = e.span().unwrap_or_else(|| table.span());
            let message = e.message().trim();
            // A key unknown in a nested table (an `allow` or `require` entry): serde's
            // "unknown field `rol`, expected `resource` or `role`".
            if let Some(rest) = message.strip_prefix("unknown field `")
                && let Some((key, expected)) = rest.split_once('`')
            {
                let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
                return unknown_key(span, key, &known, &format!("[rules.{id}]"), &|r, m, h| {
                    self.error(r, m, h)
                });
            }
            self.error(span, format!("in [rules.{id}]: {message}"), None)
        })
    }

    /// An error located at `range` of the configuration file.
    pub fn error(&self, range: Range<usize>, message: String, help: Option<String>) -> ConfigError {
        ConfigError {
            path: self.path.clone().unwrap_or_default(),
            text: self.text.to_string(),
            range,
            message,
            help,
        }
    }

    /// `iamlint.toml:12`: where `range` is, for messages that name the setting they come from.
    pub fn origin(&self, range: &Range<usize>) -> String {
        format!(
            "{}:{}",
            self.path.as_deref().unwrap_or_default(),
            LineIndex::new(&self.text).line_index(range.start) + 1
        )
    }
}

/// The keys of a struct `O` deserializes from: serde's derive names them when it asks for a
/// struct, and this deserializer asks nothing else.
fn fields<O: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe(Option<&'static [&'static str]>);
    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("stop")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<T: std::fmt::Display>(_: T) -> Stop {
            Stop
        }
    }
    impl<'de> serde::Deserializer<'de> for &mut Probe {
        type Error = Stop;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0 = Some(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut probe = Probe(None);
    let _ = O::deserialize(&mut probe);
    probe.0.unwrap_or_default()
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
    let display = crate::util::paths::display_path(path);
    let text = crate::util::optfile::read_text(path, crate::util::optfile::MAX_OPTION_FILE)
        .map_err(|e| ConfigError {
            path: display.clone(),
            text: String::new(),
            range: 0..0,
            message: format!("cannot read the configuration: {e}"),
            help: None,
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
        text: text.into(),
        ..Config::default()
    };
    for (key, value) in root.get_ref() {
        match key.get_ref().as_ref() {
            "exclude" => config.exclude = strings(value, "exclude", &err)?,
            "rules" => {
                let table = table(value, "rules", &err)?;
                for (id, setting) in table {
                    rule(id, setting, &mut config, &err)?;
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
    id: &Spanned<DeString>,
    setting: &Spanned<DeValue>,
    config: &mut Config,
    err: &Err,
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
    config.tables.insert(name.to_string());
    for (key, value) in table(setting, name, err)? {
        if key.get_ref().as_ref() == "severity" {
            config
                .severities
                .insert(name.to_string(), severity(value, err)?);
        }
    }
    Ok(())
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
            error("[rules]\nunknown-role = 3\n").contains("a severity is a string, not integer")
        );
        assert!(error("exclude = \"x\"\n").contains("`exclude` must be a list of strings"));
        assert!(error("a = [\n").contains("iamlint.toml:1:6: error: invalid TOML: unclosed array"));
    }
}
