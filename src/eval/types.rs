//! Type constraints of variables (`object({ a = optional(string, "x") })`) and the conversion
//! of a value to its declared type: the attributes an object type leaves out get their
//! `optional()` default (or `null`), at any depth, and attributes the type does not name are
//! dropped, as Terraform does.

use super::value::{Val, Value, number};
use std::collections::HashMap;
use std::sync::Mutex;

/// Type constraints already read, by where they are written (file, offset): a module checked
/// in many contexts reads each of its variables' types once. A type reads the same in every
/// context: the defaults of its `optional()` are evaluated without variables.
#[derive(Default)]
pub struct Cache(Mutex<HashMap<(crate::diagnostic::FileId, usize), Type>>);

impl Cache {
    pub fn get_or(
        &self,
        key: (crate::diagnostic::FileId, usize),
        parse: impl FnOnce() -> Type,
    ) -> Type {
        if let Some(ty) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return ty.clone();
        }
        let ty = parse();
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, ty.clone());
        ty
    }
}
use hcl_edit::expr::{Expression, ObjectKey};

#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// `any`, or a constraint iamlint does not read: the value is left as it is.
    Any,
    String,
    Number,
    Bool,
    /// `list(T)`, `set(T)`, `tuple([...])` (as `list(any)`).
    List(Box<Type>),
    Map(Box<Type>),
    Object(Vec<Attr>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    /// `optional(T, default)`'s default, as written.
    pub default: Option<Val>,
}

/// Reads a type constraint; `eval` evaluates the defaults of `optional()`.
pub fn parse(expr: &Expression, eval: &dyn Fn(&Expression) -> Val) -> Type {
    parse_at(expr, eval, 0)
}

fn parse_at(expr: &Expression, eval: &dyn Fn(&Expression) -> Val, depth: usize) -> Type {
    if depth > 32 {
        return Type::Any;
    }
    match expr {
        Expression::Variable(v) => match v.as_str() {
            "string" => Type::String,
            "number" => Type::Number,
            "bool" => Type::Bool,
            _ => Type::Any,
        },
        Expression::Parenthesis(p) => parse_at(p.inner(), eval, depth + 1),
        Expression::FuncCall(call) if !call.name.is_namespaced() => {
            let args: Vec<&Expression> = call.args.iter().collect();
            match (call.name.name.as_str(), args.as_slice()) {
                ("list" | "set", [inner]) => Type::List(Box::new(parse_at(inner, eval, depth + 1))),
                ("map", [inner]) => Type::Map(Box::new(parse_at(inner, eval, depth + 1))),
                ("tuple", [_]) => Type::List(Box::new(Type::Any)),
                ("object", [Expression::Object(object)]) => {
                    let mut attrs = Vec::new();
                    for (key, value) in object.iter() {
                        let name = match key {
                            ObjectKey::Ident(ident) => ident.as_str().to_string(),
                            ObjectKey::Expression(Expression::String(s)) => s.value().to_string(),
                            ObjectKey::Expression(Expression::Variable(v)) => {
                                v.as_str().to_string()
                            }
                            // An attribute iamlint cannot name: the type is not read.
                            ObjectKey::Expression(_) => return Type::Any,
                        };
                        attrs.push(attribute(name, value.expr(), eval, depth));
                    }
                    Type::Object(attrs)
                }
                _ => Type::Any,
            }
        }
        _ => Type::Any,
    }
}

fn attribute(
    name: String,
    expr: &Expression,
    eval: &dyn Fn(&Expression) -> Val,
    depth: usize,
) -> Attr {
    if let Expression::FuncCall(call) = expr
        && call.name.name.as_str() == "optional"
        && !call.name.is_namespaced()
    {
        let args: Vec<&Expression> = call.args.iter().collect();
        if let [ty, rest @ ..] = args.as_slice()
            && rest.len() <= 1
        {
            return Attr {
                name,
                ty: parse_at(ty, eval, depth + 1),
                optional: true,
                default: rest.first().map(|d| eval(d)),
            };
        }
    }
    Attr {
        name,
        ty: parse_at(expr, eval, depth + 1),
        optional: false,
        default: None,
    }
}

/// `value` converted to `ty`. With `null_unknown` (a default the caller may replace), a `null`
/// written as an attribute of an object is unknown, like a `null` default; an attribute left
/// to `optional()` is its default for certain.
pub fn convert(val: Val, ty: &Type, null_unknown: bool) -> Val {
    convert_at(val, ty, null_unknown, 0)
}

fn convert_at(val: Val, ty: &Type, null_unknown: bool, depth: usize) -> Val {
    if depth > 32 {
        return val;
    }
    let loc = val.loc.clone();
    let value = match (ty, val.value) {
        (_, Value::Unknown) => Value::Unknown,
        (_, Value::Null) => Value::Null,
        (Type::Any, value) if null_unknown => nulls_unknown(value),
        (Type::Any, value) => value,
        (Type::String, Value::Number(n)) => Value::Str(super::value::Str::literal(n)),
        (Type::String, Value::Bool(b)) => Value::Str(super::value::Str::literal(b.to_string())),
        (Type::Number, Value::Str(s)) => match s.as_literal().map(str::parse::<f64>) {
            Some(Ok(n)) => number(Some(n)),
            _ => Value::Str(s),
        },
        (Type::List(inner), Value::List(items)) => Value::List(
            items
                .into_iter()
                .map(|i| convert_at(i, inner, null_unknown, depth + 1))
                .collect(),
        ),
        (Type::Map(inner), Value::Object(entries)) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, convert_at(v, inner, null_unknown, depth + 1)))
                .collect(),
        ),
        (Type::Object(attrs), Value::Object(mut entries)) => {
            let mut out = Vec::with_capacity(attrs.len());
            for attr in attrs {
                let given = entries
                    .iter()
                    .position(|(k, _)| *k == attr.name)
                    .map(|i| entries.swap_remove(i).1);
                let given = match given {
                    Some(v) if matches!(v.value, Value::Null) => match &attr.default {
                        Some(d) if !matches!(d.value, Value::Null) => Some(d.clone()),
                        _ if null_unknown => Some(Val::unknown(v.loc)),
                        _ => Some(v),
                    },
                    Some(v) => Some(v),
                    None if attr.optional => Some(attr.default.clone().unwrap_or(Val {
                        value: Value::Null,
                        loc: loc.clone(),
                    })),
                    // Terraform rejects the value: it is not what runs.
                    None => return Val::unknown(loc),
                };
                if let Some(v) = given {
                    // A default is converted too: its own optional attributes get theirs.
                    out.push((attr.name.clone(), convert_at(v, &attr.ty, false, depth + 1)));
                }
            }
            Value::Object(out)
        }
        (_, value) => value,
    };
    Val { value, loc }
}

/// The `null` attributes of an object (at any depth) as unknown.
fn nulls_unknown(value: Value) -> Value {
    match value {
        Value::Object(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let value = match v.value {
                        Value::Null => Value::Unknown,
                        other => nulls_unknown(other),
                    };
                    (k, Val { value, loc: v.loc })
                })
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::functions::to_json;
    use crate::eval::scope::Scope;
    use crate::eval::value::Src;
    use serde_json::json;

    fn converted(ty: &str, value: &str, null_unknown: bool) -> Option<serde_json::Value> {
        let scope = Scope::default();
        let src = Src { file: 0, base: 0 };
        let ty = hcl_edit::parser::parse_expr(ty).unwrap();
        let value = hcl_edit::parser::parse_expr(value).unwrap();
        let ty = parse(&ty, &|e| scope.eval(e, src));
        to_json(&convert(scope.eval(&value, src), &ty, null_unknown).value)
    }

    #[test]
    fn optional_attributes_get_their_defaults_at_any_depth() {
        // Terraform's documented example of optional object type attributes.
        let ty = "object({\n  a = string\n  b = optional(string)\n  c = optional(number, 127)\n  d = optional(object({\n    e = optional(list(object({\n      f = string\n      g = optional(string, \"hello\")\n    })), [])\n  }), {})\n})";
        assert_eq!(
            converted(ty, "{ a = \"foo\", b = \"bar\" }", false),
            Some(json!({"a": "foo", "b": "bar", "c": 127, "d": {"e": []}}))
        );
        assert_eq!(
            converted(ty, "{ a = \"x\", d = { e = [{ f = \"y\" }] } }", false),
            Some(json!({"a": "x", "b": null, "c": 127, "d": {"e": [{"f": "y", "g": "hello"}]}}))
        );
        assert_eq!(
            converted(
                "map(object({ r = optional(list(string), []) }))",
                "{ k = {} }",
                false
            ),
            Some(json!({"k": {"r": []}}))
        );
        assert_eq!(
            converted(
                "object({ m = optional(map(string), {}) })",
                "{ extra = 1 }",
                false
            ),
            Some(json!({"m": {}})),
            "attributes the type does not name are dropped"
        );
    }

    #[test]
    fn a_written_null_attribute_is_unknown_when_the_caller_may_set_it() {
        let ty = "object({ email = string, o = optional(string, null) })";
        assert_eq!(converted(ty, "{ email = null }", true), None);
        assert_eq!(
            converted(ty, "{ email = null }", false),
            Some(json!({"email": null, "o": null}))
        );
        assert_eq!(
            converted("any", "{ email = null, x = \"y\" }", false),
            Some(json!({"email": null, "x": "y"}))
        );
        assert_eq!(converted("any", "{ email = null }", true), None);
        assert_eq!(
            converted("object({ a = string })", "{}", false),
            None,
            "a missing required attribute is not what runs"
        );
    }
}
