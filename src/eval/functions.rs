//! Terraform built-in functions.

use super::value::*;
use std::collections::HashSet;

pub fn call_function(name: &str, args: Vec<Val>) -> Value {
    let known_str = |v: &Val| v.as_str().map(str::to_string);
    match (name, args.len()) {
        ("concat", _) | ("setunion", _) => {
            let mut out = Vec::new();
            for arg in args {
                match arg.value {
                    Value::List(items) => out.extend(items),
                    _ => out.push(Val::unknown(arg.loc)),
                }
            }
            if name == "setunion" {
                Value::List(dedup(out))
            } else {
                Value::List(out)
            }
        }
        ("tolist" | "toset" | "distinct", 1) => {
            let arg = args.into_iter().next().expect("one argument");
            match arg.value {
                Value::List(items) if name == "tolist" => Value::List(items),
                Value::List(items) => Value::List(dedup(items)),
                _ => Value::Unknown,
            }
        }
        ("setsubtract", 2) => {
            let mut args = args.into_iter();
            let (a, b) = (args.next().expect("two"), args.next().expect("two"));
            match (a.value, &b.value) {
                (Value::List(items), Value::List(remove))
                    if remove.iter().all(|r| r.as_str().is_some()) =>
                {
                    let remove: HashSet<&str> = remove.iter().filter_map(Val::as_str).collect();
                    Value::List(
                        items
                            .into_iter()
                            .filter(|v| v.as_str().is_none_or(|s| !remove.contains(s)))
                            .collect(),
                    )
                }
                _ => Value::Unknown,
            }
        }
        ("flatten", 1) => {
            let mut out = Vec::new();
            flatten_into(args.into_iter().next().expect("one argument"), &mut out);
            Value::List(out)
        }
        ("compact", 1) => match args.into_iter().next().expect("one argument").value {
            Value::List(items) => Value::List(
                items
                    .into_iter()
                    .filter(|v| !matches!(&v.value, Value::Null) && v.as_str() != Some(""))
                    .collect(),
            ),
            _ => Value::Unknown,
        },
        ("merge", _) => {
            let mut out: Vec<(String, Val)> = Vec::new();
            for arg in args {
                match arg.value {
                    Value::Object(entries) => {
                        for (k, v) in entries {
                            out.retain(|(old, _)| *old != k);
                            out.push((k, v));
                        }
                    }
                    Value::Null => {}
                    _ => return Value::Unknown,
                }
            }
            Value::Object(out)
        }
        ("lookup", 2 | 3) => match (&args[0].value, known_str(&args[1])) {
            (Value::Object(entries), Some(key)) => match entries.iter().find(|(k, _)| *k == key) {
                Some((_, v)) => v.value.clone(),
                None => args.get(2).map_or(Value::Unknown, |d| d.value.clone()),
            },
            _ => Value::Unknown,
        },
        ("keys" | "values", 1) => match &args[0].value {
            Value::Object(entries) => Value::List(
                entries
                    .iter()
                    .map(|(k, v)| match name {
                        "keys" => Val {
                            value: Value::Str(Str::literal(k.clone())),
                            loc: v.loc.clone(),
                        },
                        _ => v.clone(),
                    })
                    .collect(),
            ),
            _ => Value::Unknown,
        },
        ("length", 1) => match &args[0].value {
            Value::List(items) if !items.iter().any(Val::is_unknown) => {
                number(Some(items.len() as f64))
            }
            Value::Object(entries) => number(Some(entries.len() as f64)),
            Value::Str(s) => s
                .as_literal()
                .map_or(Value::Unknown, |s| number(Some(s.chars().count() as f64))),
            _ => Value::Unknown,
        },
        ("contains", 2) => match (&args[0].value, scalar(&args[1].value)) {
            (Value::List(items), Some(needle)) => {
                if items
                    .iter()
                    .any(|i| scalar(&i.value).as_deref() == Some(needle.as_str()))
                {
                    Value::Bool(true)
                } else if items.iter().all(|i| scalar(&i.value).is_some()) {
                    Value::Bool(false)
                } else {
                    Value::Unknown
                }
            }
            _ => Value::Unknown,
        },
        ("element", 2) => match (&args[0].value, as_number(&args[1].value)) {
            (Value::List(items), Some(i))
                if !items.is_empty() && !items.iter().any(Val::is_unknown) && i >= 0.0 =>
            {
                items[(i as usize) % items.len()].value.clone()
            }
            _ => Value::Unknown,
        },
        ("join", 2) => match (known_str(&args[0]), &args[1].value) {
            (Some(sep), Value::List(items)) => {
                let parts: Option<Vec<String>> = items.iter().map(|i| scalar(&i.value)).collect();
                parts.map_or(Value::Unknown, |p| Value::Str(Str::literal(p.join(&sep))))
            }
            _ => Value::Unknown,
        },
        ("split", 2) => match (known_str(&args[0]), known_str(&args[1])) {
            (Some(sep), Some(text)) if !sep.is_empty() => Value::List(
                text.split(sep.as_str())
                    .map(|part| Val {
                        value: Value::Str(Str::literal(part)),
                        loc: args[1].loc.clone(),
                    })
                    .collect(),
            ),
            _ => Value::Unknown,
        },
        ("replace", 3) => match (
            known_str(&args[0]),
            known_str(&args[1]),
            known_str(&args[2]),
        ) {
            // A `/regex/` pattern is not evaluated.
            (Some(text), Some(from), Some(to))
                if !(from.len() > 1 && from.starts_with('/') && from.ends_with('/')) =>
            {
                Value::Str(Str::literal(text.replace(&from, &to)))
            }
            _ => Value::Unknown,
        },
        ("lower" | "upper" | "trimspace" | "tostring", 1) => match scalar(&args[0].value) {
            Some(s) if name == "lower" => Value::Str(Str::literal(s.to_lowercase())),
            Some(s) if name == "upper" => Value::Str(Str::literal(s.to_uppercase())),
            Some(s) if name == "trimspace" => Value::Str(Str::literal(s.trim())),
            Some(s) => Value::Str(Str::literal(s)),
            None if name == "tostring" => args.into_iter().next().expect("one").value,
            None => Value::Unknown,
        },
        ("format", n) if n >= 1 => {
            let Some(spec) = known_str(&args[0]) else {
                return Value::Unknown;
            };
            let mut out = String::new();
            let mut rest = args[1..].iter();
            let mut chars = spec.chars();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('%') => out.push('%'),
                    Some('s' | 'd' | 'v') => match rest.next().and_then(|v| scalar(&v.value)) {
                        Some(v) => out.push_str(&v),
                        None => return Value::Unknown,
                    },
                    _ => return Value::Unknown,
                }
            }
            Value::Str(Str::literal(out))
        }
        ("coalesce", _) => {
            for arg in &args {
                match &arg.value {
                    Value::Null => continue,
                    Value::Str(s) if s.as_literal() == Some("") => continue,
                    Value::Unknown => return Value::Unknown,
                    Value::Str(s) if s.as_literal().is_none() => return Value::Unknown,
                    v => return v.clone(),
                }
            }
            Value::Unknown
        }
        ("coalescelist", _) => {
            for arg in &args {
                match &arg.value {
                    Value::List(items) if items.is_empty() => continue,
                    Value::List(_) => return arg.value.clone(),
                    _ => return Value::Unknown,
                }
            }
            Value::Unknown
        }
        // `try` returns the first argument that evaluates without error; statically, only a
        // first argument known outright can be taken.
        ("try", n) if n >= 1 => match &args[0].value {
            Value::Unknown => Value::Unknown,
            Value::Str(s) if s.as_literal().is_none() => Value::Unknown,
            v => v.clone(),
        },
        _ => Value::Unknown,
    }
}

fn dedup(items: Vec<Val>) -> Vec<Val> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|v| match v.as_str() {
            Some(s) => seen.insert(s.to_string()),
            None => true,
        })
        .collect()
}

fn flatten_into(val: Val, out: &mut Vec<Val>) {
    match val.value {
        Value::List(items) => items.into_iter().for_each(|v| flatten_into(v, out)),
        _ => out.push(val),
    }
}
