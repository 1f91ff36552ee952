//! Static values of Terraform expressions, and a small evaluator over hcl-edit expressions.
//!
//! Every value remembers where it was written ([`Loc`]), so a permission that comes from a
//! `local` points at the string in the `locals` block. What cannot be known statically is
//! [`Value::Unknown`] (or an unknown part of a string); rules never guess about unknowns.

use crate::diagnostic::FileId;
use hcl_edit::Span;
use std::ops::Range;

/// Where a value was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    pub file: FileId,
    pub range: Range<usize>,
}

/// A value and where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Val {
    pub value: Value,
    pub loc: Loc,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    Str(Str),
    /// A list, tuple or set. An element that is [`Value::Unknown`] stands for an unknown number
    /// of unknown elements (for example the part of a `concat` that came from an input).
    List(Vec<Val>),
    Object(Vec<(String, Val)>),
    Unknown,
}

/// A string that may be only partly known, such as `"serviceAccount:${google_service_account.x.email}"`.
///
/// Built by a [`PartsBuilder`], its parts are never two literals in a row. A string of one part (most are one literal: a permission, a role, a member) holds it inline, with no
/// vector of its own: in a module of many custom roles, the vectors were a quarter of the model.
#[derive(Clone, Debug, Default)]
pub struct Str {
    parts: Parts,
}

#[derive(Clone, Debug)]
enum Parts {
    One(Part),
    Many(Vec<Part>),
}

impl Default for Parts {
    fn default() -> Parts {
        Parts::Many(Vec::new())
    }
}

impl PartialEq for Str {
    fn eq(&self, other: &Str) -> bool {
        self.parts() == other.parts()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(Text),
    /// A reference to an attribute of a resource or data source of the module. Boxed: it is
    /// rare next to literals, and inline it made every part (each permission string's) 104
    /// bytes instead of 24.
    Ref(Box<Ref>),
    /// An input whose value is unknown here but is the same wherever it is used in the module:
    /// `var.project_id`, `module.network.name`.
    Input(String),
    Unknown,
}

/// The text of a literal part. Shared: the same literal is often held many times (a permission
/// in many roles, a project in every grant, a value copied from a variable), and a copy is a
/// count, not a string. [`crate::eval::Scope`] gives one `Text` for every string literal of the
/// same text in a module.
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(std::sync::Arc<str>);

impl Text {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.into())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(s.into())
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text(s.as_str().into())
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

/// Parts being gathered into a [`Str`]: a literal after a literal extends it, and an empty
/// literal after anything else adds nothing. The literal the parts end with is held apart until
/// something else follows, so that joining many pieces (a template's `%{ for }`) copies each
/// once; one literal that nothing joins stays the [`Text`] it was, shared.
#[derive(Default)]
pub(crate) struct PartsBuilder {
    parts: Vec<Part>,
    lit: Option<Pending>,
}

/// The literal a [`PartsBuilder`]'s parts end with.
enum Pending {
    Shared(Text),
    Owned(String),
}

impl Pending {
    fn as_str(&self) -> &str {
        match self {
            Pending::Shared(text) => text,
            Pending::Owned(s) => s,
        }
    }

    fn owned(&mut self) -> &mut String {
        if let Pending::Shared(text) = self {
            *self = Pending::Owned(text.to_string());
        }
        match self {
            Pending::Owned(s) => s,
            Pending::Shared(_) => unreachable!("made owned above"),
        }
    }
}

impl PartsBuilder {
    pub(crate) fn push(&mut self, part: Part) {
        match part {
            Part::Lit(text) => match &mut self.lit {
                Some(lit) => lit.owned().push_str(&text),
                None if text.is_empty() => {}
                None => self.lit = Some(Pending::Shared(text)),
            },
            other => self.push_other(other),
        }
    }

    /// [`PartsBuilder::push`] of literal text.
    pub(crate) fn push_lit(&mut self, s: &str) {
        match &mut self.lit {
            Some(lit) => lit.owned().push_str(s),
            None if s.is_empty() => {}
            None => self.lit = Some(Pending::Owned(s.to_string())),
        }
    }

    /// Appends a part as it is: a literal after a literal extends it, but an empty literal
    /// after something else stays a part of its own (a copy of another string's parts).
    pub(crate) fn keep(&mut self, part: Part) {
        match part {
            Part::Lit(text) if self.lit.is_none() => self.lit = Some(Pending::Shared(text)),
            other => self.push(other),
        }
    }

    /// Removes the white space at the end of the literal the parts end with, if they end with
    /// one (a template's `~` before an interpolation or directive).
    pub(crate) fn trim_end(&mut self) {
        if let Some(lit) = &mut self.lit {
            let kept = lit.as_str().trim_end().len();
            if kept < lit.as_str().len() {
                lit.owned().truncate(kept);
            }
        }
    }

    fn push_other(&mut self, part: Part) {
        self.flush();
        self.parts.push(part);
    }

    fn flush(&mut self) {
        match self.lit.take() {
            Some(Pending::Shared(text)) => self.parts.push(Part::Lit(text)),
            Some(Pending::Owned(s)) => self.parts.push(Part::Lit(s.into())),
            None => {}
        }
    }

    pub(crate) fn finish(mut self) -> Str {
        self.flush();
        Str::from_parts(self.parts)
    }
}

/// `google_service_account.ci.email` or `data.google_compute_default_service_account.d.email`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ref {
    pub data: bool,
    /// Shared, as the type's and the attribute's texts: a module refers to few of each.
    pub rtype: Text,
    pub name: Text,
    /// The instance, when the reference indexes a `count` or `for_each` resource with a
    /// known key: `["billing"]`, `[0]` (the form of [`Resource::instance`](crate::model::Resource)).
    pub key: Option<String>,
    pub attr: Option<Text>,
}

impl Str {
    pub fn literal(s: impl Into<Text>) -> Str {
        Str {
            parts: Parts::One(Part::Lit(s.into())),
        }
    }

    /// The string of exactly these parts.
    pub fn from_parts(parts: Vec<Part>) -> Str {
        let parts = match <[Part; 1]>::try_from(parts) {
            Ok([part]) => Parts::One(part),
            Err(parts) => Parts::Many(parts),
        };
        Str { parts }
    }

    /// Its parts, in order.
    pub fn parts(&self) -> &[Part] {
        match &self.parts {
            Parts::One(part) => std::slice::from_ref(part),
            Parts::Many(parts) => parts,
        }
    }

    pub fn into_parts(self) -> Vec<Part> {
        match self.parts {
            Parts::One(part) => vec![part],
            Parts::Many(parts) => parts,
        }
    }

    /// The whole string, when every part of it is known.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The known text the string starts with.
    pub fn known_prefix(&self) -> &str {
        match self.parts().first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The known text the string ends with.
    pub fn known_suffix(&self) -> &str {
        match self.parts().last() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The string as written, with its unknown parts as `${...}`: `projects/${var.project}`.
    pub fn display(&self) -> String {
        if let [Part::Input(name)] = self.parts() {
            return name.clone();
        }
        let mut out = String::new();
        for part in self.parts() {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Ref(r) => {
                    let data = if r.data { "data." } else { "" };
                    let attr = r
                        .attr
                        .as_deref()
                        .map(|a| format!(".{a}"))
                        .unwrap_or_default();
                    let key = r.key.as_deref().unwrap_or("");
                    out.push_str(&format!("${{{data}{}.{}{key}{attr}}}", r.rtype, r.name));
                }
                Part::Input(name) => out.push_str(&format!("${{{name}}}")),
                Part::Unknown => out.push_str("${...}"),
            }
        }
        out
    }

    pub fn refs(&self) -> impl Iterator<Item = &Ref> {
        self.parts().iter().filter_map(|p| match p {
            Part::Ref(r) => Some(&**r),
            _ => None,
        })
    }

    /// The string without a known prefix, if it starts with it.
    pub fn strip_prefix(&self, prefix: &str) -> Option<Str> {
        let first = match self.parts().first() {
            Some(Part::Lit(s)) => s.strip_prefix(prefix)?,
            _ => return None,
        };
        let mut rest = PartsBuilder::default();
        rest.push_lit(first);
        for part in &self.parts()[1..] {
            rest.push(part.clone());
        }
        Some(rest.finish())
    }
}

impl Val {
    pub fn unknown(loc: Loc) -> Val {
        Val {
            value: Value::Unknown,
            loc,
        }
    }

    /// The string, when it is fully known.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => s.as_literal(),
            _ => None,
        }
    }

    pub fn as_template(&self) -> Option<&Str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown)
    }

    /// The elements of a list; an unknown value is one unknown element.
    pub fn elements(&self) -> Vec<&Val> {
        match &self.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![self],
        }
    }

    pub fn get(&self, key: &str) -> Option<&Val> {
        match &self.value {
            Value::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// This value as the caller of module `call` sees it, as `module.CALL.OUTPUT`: references
    /// to the module's resources are qualified (`google_service_account.this` becomes
    /// `google_service_account.module.CALL.this`: the same account wherever it is used, and
    /// never one of the caller's). `None` when a part is unknown or an input, whose meaning
    /// belongs to the module.
    pub fn exported(&self, call: &str) -> Option<Val> {
        let value = match &self.value {
            Value::Unknown => return None,
            Value::Str(s) => {
                let mut parts = Vec::with_capacity(s.parts().len());
                for part in s.parts() {
                    parts.push(match part {
                        Part::Lit(_) => part.clone(),
                        // Exported by a module it calls: already qualified.
                        Part::Ref(r) if r.name.starts_with("module.") => part.clone(),
                        Part::Ref(r) => Part::Ref(Box::new(Ref {
                            name: format!("module.{call}.{}", r.name).into(),
                            ..(**r).clone()
                        })),
                        Part::Input(_) | Part::Unknown => return None,
                    });
                }
                Value::Str(Str::from_parts(parts))
            }
            Value::List(items) => Value::List(
                items
                    .iter()
                    .map(|v| v.exported(call))
                    .collect::<Option<_>>()?,
            ),
            Value::Object(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.exported(call)?)))
                    .collect::<Option<_>>()?,
            ),
            other => other.clone(),
        };
        Some(Val {
            value,
            loc: self.loc.clone(),
        })
    }
}

/// Which file a parsed tree came from, and the offset its spans are relative to.
#[derive(Clone, Copy, Debug)]
pub struct Src {
    pub file: FileId,
    pub base: usize,
}

impl Src {
    pub fn loc(self, node: &impl Span) -> Loc {
        let range = node.span().unwrap_or(0..0);
        Loc {
            file: self.file,
            range: range.start + self.base..range.end + self.base,
        }
    }
}

pub(crate) fn number(n: Option<f64>) -> Value {
    match n {
        Some(n) if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e15 => {
            Value::Number(format!("{}", n as i64))
        }
        Some(n) if n.is_finite() => Value::Number(n.to_string()),
        _ => Value::Unknown,
    }
}

pub(crate) fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.parse().ok(),
        Value::Str(s) => s.as_literal()?.parse().ok(),
        _ => None,
    }
}

/// A scalar's text, for comparisons and string functions.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) => s.as_literal().map(str::to_string),
        Value::Number(n) => Some(n.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Terraform would fail: the arguments are known and wrong (`one([1, 2])`, no match for `regex`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failed;

pub type Out = Result<Value, Failed>;

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> Part {
        Part::Input(name.into())
    }

    #[test]
    fn pushing_joins_literals_and_drops_empty_ones() {
        let s = PartsBuilder::default().finish();
        assert_eq!(s.parts(), []);
        assert_eq!(s.as_literal(), Some(""));
        let mut b = PartsBuilder::default();
        b.push(Part::Lit("".into()));
        assert_eq!(PartsBuilder::default().finish(), Str::default());
        b.push(Part::Lit("projects/".into()));
        b.push(Part::Lit("p".into()));
        let mut more = PartsBuilder::default();
        more.push_lit("projects/");
        more.push_lit("p");
        assert_eq!(more.finish(), Str::literal("projects/p"));
        b.push(input("var.x"));
        b.push(Part::Lit("".into()));
        b.push_lit("");
        b.push(Part::Lit("/a".into()));
        b.push_lit("b");
        let s = b.finish();
        assert_eq!(
            s.parts(),
            [
                Part::Lit("projects/p".into()),
                input("var.x"),
                Part::Lit("/ab".into())
            ]
        );
        assert_eq!(s.display(), "projects/p${var.x}/ab");
        assert_eq!(s.clone().into_parts(), s.parts());
    }

    #[test]
    fn strings_of_the_same_parts_are_equal_however_built() {
        let one = Str::from_parts(vec![input("var.x")]);
        let mut pushed = PartsBuilder::default();
        pushed.push(input("var.x"));
        assert_eq!(one, pushed.finish());
        assert_eq!(one.parts(), [input("var.x")]);
        assert_ne!(one, Str::from_parts(vec![input("var.x"), input("var.y")]));
        // `from_parts` keeps exactly what it is given, an empty literal too.
        let kept = Str::from_parts(vec![Part::Lit("".into()), input("var.x")]);
        assert_eq!(kept.parts().len(), 2);
        assert_eq!(Str::from_parts(Vec::new()), Str::default());
    }

    #[test]
    fn the_last_literal_can_be_trimmed() {
        let mut b = PartsBuilder::default();
        b.push_lit("a ");
        b.trim_end();
        b.push(input("var.x"));
        // Nothing to trim: the parts end with an input.
        b.trim_end();
        b.push(Part::Lit("b  ".into()));
        b.trim_end();
        let s = b.finish();
        assert_eq!(s.known_suffix(), "b");
        assert_eq!(s.known_prefix(), "a");
        // Trimmed to nothing, the literal stays, empty (as a template's did before).
        let mut b = PartsBuilder::default();
        b.push(input("var.x"));
        b.push_lit("  ");
        b.trim_end();
        assert_eq!(b.finish().parts(), [input("var.x"), Part::Lit("".into())]);
    }

    #[test]
    fn keeping_copies_parts_as_they_are() {
        let mut b = PartsBuilder::default();
        b.push_lit("user:");
        b.keep(Part::Lit("a".into()));
        b.keep(input("var.x"));
        // After something else, even an empty literal is a part of its own (`prefixed` keeps
        // the parts it copies as they are), and what follows joins it.
        b.keep(Part::Lit("".into()));
        b.keep(Part::Lit("@x".into()));
        b.keep(Part::Unknown);
        b.keep(Part::Lit("".into()));
        let s = b.finish();
        assert_eq!(
            s.parts(),
            [
                Part::Lit("user:a".into()),
                input("var.x"),
                Part::Lit("@x".into()),
                Part::Unknown,
                Part::Lit("".into())
            ]
        );
    }

    #[test]
    fn a_literal_nothing_joins_stays_shared() {
        let text = Text::from("roles/viewer");
        let mut b = PartsBuilder::default();
        b.push(Part::Lit(text.clone()));
        let s = b.finish();
        let [Part::Lit(got)] = s.parts() else {
            panic!("one literal: {s:?}")
        };
        assert!(std::ptr::eq(got.as_str(), text.as_str()));
        let mut b = PartsBuilder::default();
        b.push(Part::Lit(text.clone()));
        b.push_lit("s");
        assert_eq!(b.finish().as_literal(), Some("roles/viewers"));
        assert_eq!(
            text, "roles/viewer",
            "joining copies, it does not change the text"
        );
    }

    #[test]
    fn a_text_is_its_str() {
        let t = Text::from("roles/viewer");
        assert_eq!(t, "roles/viewer");
        assert_eq!(t, *"roles/viewer");
        assert_eq!(t, String::from("roles/viewer"));
        assert_eq!(t.as_str(), "roles/viewer");
        assert_eq!(format!("{t} {t:?}"), "roles/viewer \"roles/viewer\"");
        assert!(t.starts_with("roles/"));
        let copy = t.clone();
        assert!(
            std::ptr::eq(copy.as_str(), t.as_str()),
            "a copy is the same text"
        );
    }

    /// The model holds hundreds of thousands of these in a huge module (issue 19): their
    /// sizes are part of its memory budget.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn values_stay_small() {
        assert_eq!(size_of::<Part>(), 24);
        assert_eq!(size_of::<Str>(), 32, "one part inline, no vector");
        assert_eq!(size_of::<Value>(), 32);
        assert_eq!(size_of::<Val>(), 56);
        assert_eq!(size_of::<Text>(), 16);
    }
}
