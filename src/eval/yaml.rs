//! `yamldecode` of a data file's whole text, with every value located in that file: a role
//! written in `data/iam.yaml` is reported at its line there. The values are those
//! `yaml_rust2::YamlLoader` gives (the YAML 1.2 core schema, aliases copied); the parser's
//! markers give the places.

use super::value::{Loc, Str, Val, Value, number};
use crate::diagnostic::FileId;
use std::collections::HashMap;
use std::ops::Range;
use yaml_rust2::Yaml;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Collections nested deeper than this make the document unknown.
const MAX_DEPTH: usize = 64;

/// The single document of `text` (a file with id `file`), its values located in the file;
/// `Err` when it does not parse or holds several documents, `Ok(None)` when it is too deep or a
/// key is not a scalar (unknown).
pub fn decode(text: &str, file: FileId) -> Result<Option<Value>, ()> {
    let mut builder = Builder {
        text,
        file,
        offsets: Offsets::new(text),
        open: Vec::new(),
        anchors: HashMap::new(),
        docs: Vec::new(),
        unknown: false,
    };
    Parser::new_from_str(text)
        .load(&mut builder, true)
        .map_err(|_| ())?;
    if builder.unknown {
        return Ok(None);
    }
    match builder.docs.len() {
        0 => Ok(Some(Value::Null)),
        1 => Ok(builder.docs.pop().map(|v| v.value)),
        _ => Err(()),
    }
}

/// Character index (what the parser's markers count) to byte offset.
struct Offsets {
    /// Byte offset of each character, when the text is not ASCII.
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        Offsets {
            bytes: (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect()),
            len: text.len(),
        }
    }

    fn byte(&self, chars: usize) -> usize {
        match &self.bytes {
            None => chars.min(self.len),
            Some(bytes) => bytes.get(chars).copied().unwrap_or(self.len),
        }
    }
}

enum Open {
    Seq {
        anchor: usize,
        loc: Loc,
        items: Vec<Val>,
    },
    Map {
        anchor: usize,
        loc: Loc,
        entries: Vec<(String, Val)>,
        /// The key read, waiting for its value, and its place.
        key: Option<(String, Range<usize>)>,
    },
}

struct Builder<'t> {
    text: &'t str,
    file: FileId,
    offsets: Offsets,
    open: Vec<Open>,
    anchors: HashMap<usize, Val>,
    docs: Vec<Val>,
    unknown: bool,
}

impl Builder<'_> {
    /// The place of the token at `mark`: a quoted scalar to its closing quote, a plain one
    /// to the end of its text, anything else to the end of its line.
    fn span(&self, mark: Marker, value: Option<(&str, TScalarStyle)>) -> Range<usize> {
        let start = self.offsets.byte(mark.index());
        let rest = self.text.get(start..).unwrap_or("");
        let line = rest.find(['\n', '\r']).unwrap_or(rest.len());
        let len = match value {
            Some((_, TScalarStyle::DoubleQuoted)) => closing(rest, '"', true),
            Some((_, TScalarStyle::SingleQuoted)) => closing(rest, '\'', false),
            Some((v, TScalarStyle::Plain)) if !v.is_empty() && rest.starts_with(v) => Some(v.len()),
            _ => None,
        }
        .unwrap_or_else(|| rest[..line].trim_end().len());
        start..start + len
    }

    fn loc(&self, range: Range<usize>) -> Loc {
        Loc {
            file: self.file,
            range,
        }
    }

    /// Adds a finished node to the collection it is in, or as a document.
    fn insert(&mut self, mut val: Val, range: Range<usize>, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, val.clone());
        }
        match self.open.last_mut() {
            None => self.docs.push(val),
            Some(Open::Seq { items, .. }) => items.push(val),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => match key_text(&val.value) {
                    Some(k) => *key = Some((k, range)),
                    None => self.unknown = true,
                },
                Some((k, key_range)) => {
                    // A collection under a key is located at its key: the entry.
                    if matches!(val.value, Value::List(_) | Value::Object(_)) {
                        val.loc.range = key_range;
                    }
                    entries.push((k, val));
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.unknown {
            return;
        }
        match ev {
            Event::Scalar(v, style, anchor, tag) => {
                let range = self.span(mark, Some((&v, style)));
                let value = from_yaml_scalar(&scalar(v, style, tag));
                let val = Val {
                    value,
                    loc: self.loc(range.clone()),
                };
                self.insert(val, range, anchor);
            }
            Event::Alias(id) => {
                let range = self.span(mark, None);
                let val = match self.anchors.get(&id) {
                    Some(v) => v.clone(),
                    None => {
                        self.unknown = true;
                        return;
                    }
                };
                self.insert(val, range, 0);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.open.len() >= MAX_DEPTH {
                    self.unknown = true;
                    return;
                }
                let loc = self.loc(self.span(mark, None));
                self.open.push(match ev {
                    Event::SequenceStart(..) => Open::Seq {
                        anchor,
                        loc,
                        items: Vec::new(),
                    },
                    _ => Open::Map {
                        anchor,
                        loc,
                        entries: Vec::new(),
                        key: None,
                    },
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (val, anchor) = match self.open.pop() {
                    Some(Open::Seq { anchor, loc, items }) => (
                        Val {
                            value: Value::List(items),
                            loc,
                        },
                        anchor,
                    ),
                    Some(Open::Map {
                        anchor,
                        loc,
                        entries,
                        ..
                    }) => (
                        Val {
                            value: Value::Object(entries),
                            loc,
                        },
                        anchor,
                    ),
                    None => return,
                };
                let range = val.loc.range.clone();
                self.insert(val, range, anchor);
            }
            _ => {}
        }
    }
}

/// The length of a quoted scalar starting at `rest` (with its quotes).
fn closing(rest: &str, quote: char, escapes: bool) -> Option<usize> {
    let mut chars = rest.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if escapes && c == '\\' {
            chars.next();
        } else if c == quote {
            if !escapes && rest[i + 1..].starts_with(quote) {
                chars.next();
                continue;
            }
            return Some(i + 1);
        }
    }
    None
}

/// A scalar as `YamlLoader` types it.
fn scalar(v: String, style: TScalarStyle, tag: Option<Tag>) -> Yaml {
    if style != TScalarStyle::Plain {
        return Yaml::String(v);
    }
    match tag {
        Some(Tag { handle, suffix }) if handle == "tag:yaml.org,2002:" => match suffix.as_str() {
            "bool" => match v.as_str() {
                "true" | "True" | "TRUE" => Yaml::Boolean(true),
                "false" | "False" | "FALSE" => Yaml::Boolean(false),
                _ => Yaml::BadValue,
            },
            "int" => v.parse::<i64>().map_or(Yaml::BadValue, Yaml::Integer),
            "float" => match v.parse::<f64>() {
                Ok(_) => Yaml::Real(v),
                Err(_) => Yaml::BadValue,
            },
            "null" => match v.as_str() {
                "~" | "null" => Yaml::Null,
                _ => Yaml::BadValue,
            },
            _ => Yaml::String(v),
        },
        Some(_) => Yaml::String(v),
        None => Yaml::from_str(&v),
    }
}

/// A mapping key as Terraform's object key.
fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::Str(s) => s.as_literal().map(str::to_string),
        Value::Number(n) => Some(n.clone()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A YAML scalar as a value (a collection is unknown: see [`decode`]).
pub(super) fn from_yaml_scalar(y: &yaml_rust2::Yaml) -> Value {
    match y {
        yaml_rust2::Yaml::Array(_) | yaml_rust2::Yaml::Hash(_) => Value::Unknown,
        scalar => from_yaml(
            scalar,
            &Loc {
                file: 0,
                range: 0..0,
            },
            0,
        ),
    }
}

pub(super) fn from_yaml(y: &yaml_rust2::Yaml, loc: &Loc, depth: usize) -> Value {
    use yaml_rust2::Yaml;
    if depth > 64 {
        return Value::Unknown;
    }
    let val = |y: &Yaml| Val {
        value: from_yaml(y, loc, depth + 1),
        loc: loc.clone(),
    };
    match y {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::Number(i.to_string()),
        Yaml::Real(r) => number(r.parse::<f64>().ok()),
        Yaml::String(s) => Value::Str(Str::literal(s.clone())),
        Yaml::Array(items) => Value::List(items.iter().map(val).collect()),
        Yaml::Hash(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (k, v) in map {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    Yaml::Real(r) => r.clone(),
                    _ => return Value::Unknown,
                };
                entries.push((key, val(v)));
            }
            Value::Object(entries)
        }
        Yaml::Alias(_) | Yaml::BadValue => Value::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, val: &Val) -> &'a str {
        &text[val.loc.range.clone()]
    }

    #[test]
    fn values_are_located_in_the_file() {
        let text = "# bindings\nroles/editor:\n  - \"user:a@x.com\"\n  - group:b@x.com\nplain: 'it''s'\nn: 3\nlist: [roles/viewer, \"é\"]\n";
        let Some(Value::Object(entries)) = decode(text, 7).unwrap() else {
            panic!("an object")
        };
        let (key, members) = &entries[0];
        assert_eq!(key, "roles/editor");
        assert_eq!(at(text, members), "roles/editor");
        let Value::List(items) = &members.value else {
            panic!("a list")
        };
        assert_eq!(at(text, &items[0]), "\"user:a@x.com\"");
        assert_eq!(at(text, &items[1]), "group:b@x.com");
        assert_eq!(items[0].loc.file, 7);
        assert_eq!(at(text, &entries[1].1), "'it''s'");
        assert_eq!(entries[2].1.value, Value::Number("3".into()));
        let Value::List(flow) = &entries[3].1.value else {
            panic!("a list")
        };
        assert_eq!(at(text, &flow[0]), "roles/viewer");
        assert_eq!(at(text, &flow[1]), "\"é\"");
    }

    #[test]
    fn same_values_as_the_loader() {
        for text in [
            "a: &x [1, 2]\nb: *x\nc: ~\nd: !!str 12\ne: 1.5\nf: true\n",
            "- a\n- {b: c}\n",
            "",
            "just text",
        ] {
            let located = decode(text, 0).unwrap().unwrap();
            let docs = yaml_rust2::YamlLoader::load_from_str(text).unwrap();
            let loc = Loc {
                file: 0,
                range: 0..0,
            };
            let plain = match docs.as_slice() {
                [] => Value::Null,
                [doc] => super::from_yaml(doc, &loc, 0),
                _ => unreachable!(),
            };
            assert_eq!(strip(located), strip(plain), "{text}");
        }
        assert!(decode("a: 1\n---\nb: 2\n", 0).is_err());
        assert!(decode("a: [", 0).is_err());
        assert_eq!(decode("? [a]\n: b\n", 0), Ok(None));
    }

    fn strip(v: Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => b.into(),
            Value::Number(n) => n.into(),
            Value::Str(s) => s.as_literal().unwrap().into(),
            Value::List(items) => items.into_iter().map(|v| strip(v.value)).collect(),
            Value::Object(entries) => entries
                .into_iter()
                .map(|(k, v)| (k, strip(v.value)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            other => panic!("{other:?}"),
        }
    }
}
