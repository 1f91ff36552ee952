//! Static values of Terraform expressions, and a small evaluator over hcl-edit expressions.
//!
//! Every value remembers where it was written ([`Loc`]), so a permission that comes from a
//! `local` points at the string in the `locals` block. What cannot be known statically is
//! [`Value::Unknown`] (or an unknown part of a string); rules never guess about unknowns.

use crate::diagnostic::FileId;
use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, Traversal, TraversalOperator};
use hcl_edit::template::{Element, Template};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
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
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Str {
    pub parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Lit(String),
    /// A reference to an attribute of a resource or data source of the module.
    Ref(Ref),
    /// An input whose value is unknown here but is the same wherever it is used in the module:
    /// `var.project_id`, `module.network.name`.
    Input(String),
    Unknown,
}

/// `google_service_account.ci.email` or `data.google_compute_default_service_account.d.email`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ref {
    pub data: bool,
    pub rtype: String,
    pub name: String,
    pub attr: Option<String>,
}

impl Str {
    pub fn literal(s: impl Into<String>) -> Str {
        Str {
            parts: vec![Part::Lit(s.into())],
        }
    }

    fn push(&mut self, part: Part) {
        match (self.parts.last_mut(), part) {
            (Some(Part::Lit(prev)), Part::Lit(next)) => prev.push_str(&next),
            (_, Part::Lit(next)) if next.is_empty() => {}
            (_, part) => self.parts.push(part),
        }
    }

    /// The whole string, when every part of it is known.
    pub fn as_literal(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Lit(s)] => Some(s),
            _ => None,
        }
    }

    /// The known text the string starts with.
    pub fn known_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The known text the string ends with.
    pub fn known_suffix(&self) -> &str {
        match self.parts.last() {
            Some(Part::Lit(s)) => s,
            _ => "",
        }
    }

    /// The string as written, with its unknown parts as `${...}`: `projects/${var.project}`.
    pub fn display(&self) -> String {
        if let [Part::Input(name)] = self.parts.as_slice() {
            return name.clone();
        }
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Ref(r) => {
                    let data = if r.data { "data." } else { "" };
                    let attr = r
                        .attr
                        .as_deref()
                        .map(|a| format!(".{a}"))
                        .unwrap_or_default();
                    out.push_str(&format!("${{{data}{}.{}{attr}}}", r.rtype, r.name));
                }
                Part::Input(name) => out.push_str(&format!("${{{name}}}")),
                Part::Unknown => out.push_str("${...}"),
            }
        }
        out
    }

    pub fn refs(&self) -> impl Iterator<Item = &Ref> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            _ => None,
        })
    }

    /// The string without a known prefix, if it starts with it.
    pub fn strip_prefix(&self, prefix: &str) -> Option<Str> {
        let first = match self.parts.first() {
            Some(Part::Lit(s)) => s.strip_prefix(prefix)?,
            _ => return None,
        };
        let mut rest = Str::default();
        rest.push(Part::Lit(first.to_string()));
        for part in &self.parts[1..] {
            rest.push(part.clone());
        }
        Some(rest)
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

/// Nested evaluations (locals referring to locals) stop at this depth and give unknown.
const MAX_DEPTH: usize = 64;

/// The names an expression can refer to in one module: locals and variables.
#[derive(Default)]
pub struct Scope<'a> {
    locals: HashMap<&'a str, (&'a Expression, Src)>,
    variables: HashMap<&'a str, (Option<&'a Expression>, Src)>,
    memo: RefCell<HashMap<&'a str, Val>>,
    active: RefCell<HashSet<&'a str>>,
}

impl<'a> Scope<'a> {
    pub fn add_local(&mut self, name: &'a str, expr: &'a Expression, src: Src) {
        self.locals.entry(name).or_insert((expr, src));
    }

    pub fn add_variable(&mut self, name: &'a str, default: Option<&'a Expression>, src: Src) {
        self.variables.entry(name).or_insert((default, src));
    }

    pub fn eval(&self, expr: &Expression, src: Src) -> Val {
        self.eval_at(expr, src, 0)
    }

    fn eval_at(&self, expr: &Expression, src: Src, depth: usize) -> Val {
        let loc = src.loc(expr);
        if depth > MAX_DEPTH {
            return Val::unknown(loc);
        }
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().to_string()),
            Expression::String(s) => Value::Str(Str::literal(s.value().as_str())),
            Expression::StringTemplate(t) => self.template(t, src, depth),
            Expression::HeredocTemplate(h) => self.template(&h.template, src, depth),
            Expression::Array(items) => Value::List(
                items
                    .iter()
                    .map(|item| self.eval_at(item, src, depth + 1))
                    .collect(),
            ),
            Expression::Object(object) => {
                let mut entries = Vec::new();
                for (key, value) in object.iter() {
                    let key = match key {
                        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
                        ObjectKey::Expression(expr) => self
                            .eval_at(expr, src, depth + 1)
                            .as_str()
                            .map(str::to_string),
                    };
                    if let Some(key) = key {
                        entries.push((key, self.eval_at(value.expr(), src, depth + 1)));
                    }
                }
                Value::Object(entries)
            }
            Expression::Parenthesis(p) => return self.eval_at(p.inner(), src, depth + 1),
            Expression::Traversal(t) => return self.traversal(t, src, depth, loc),
            Expression::Conditional(c) => {
                return match self.eval_at(&c.cond_expr, src, depth + 1).value {
                    Value::Bool(true) => self.eval_at(&c.true_expr, src, depth + 1),
                    Value::Bool(false) => self.eval_at(&c.false_expr, src, depth + 1),
                    _ => Val::unknown(loc),
                };
            }
            Expression::FuncCall(call) => {
                if call.name.is_namespaced() || call.args.expand_final() {
                    Value::Unknown
                } else {
                    let args: Vec<Val> = call
                        .args
                        .iter()
                        .map(|a| self.eval_at(a, src, depth + 1))
                        .collect();
                    call_function(call.name.name.as_str(), args)
                }
            }
            Expression::Variable(_)
            | Expression::UnaryOp(_)
            | Expression::BinaryOp(_)
            | Expression::ForExpr(_) => Value::Unknown,
        };
        Val { value, loc }
    }

    fn template(&self, template: &Template, src: Src, depth: usize) -> Value {
        let mut out = Str::default();
        for element in template.iter() {
            match element {
                Element::Literal(lit) => out.push(Part::Lit(lit.value().clone())),
                Element::Interpolation(interp) => {
                    match self.eval_at(&interp.expr, src, depth + 1).value {
                        Value::Str(s) => s.parts.into_iter().for_each(|p| out.push(p)),
                        Value::Number(n) => out.push(Part::Lit(n)),
                        Value::Bool(b) => out.push(Part::Lit(b.to_string())),
                        _ => out.push(Part::Unknown),
                    }
                }
                Element::Directive(_) => out.push(Part::Unknown),
            }
        }
        Value::Str(out)
    }

    fn traversal(&self, t: &Traversal, src: Src, depth: usize, loc: Loc) -> Val {
        let ops: Vec<&TraversalOperator> = t.operators.iter().map(|op| op.value()).collect();
        let root = match &t.expr {
            Expression::Variable(v) => v.as_str(),
            other => {
                let base = self.eval_at(other, src, depth + 1);
                return self.apply(base, &ops, src, depth, loc);
            }
        };
        match (root, ops.first()) {
            ("local" | "var", Some(TraversalOperator::GetAttr(name))) => {
                let base = if root == "local" {
                    self.local(name.as_str(), depth + 1)
                } else {
                    self.variable(name.as_str(), depth + 1)
                };
                let mut val = self.apply(base, &ops[1..], src, depth, loc.clone());
                if val.is_unknown() {
                    // An unknown is reported (if ever) where it is used, not where it was defined.
                    val.loc = loc;
                    if ops.len() == 1 {
                        val.value = input(format!("{root}.{}", name.as_str()));
                    }
                }
                val
            }
            ("module", Some(TraversalOperator::GetAttr(call))) => match ops.get(1) {
                Some(TraversalOperator::GetAttr(output)) if ops.len() == 2 => Val {
                    value: input(format!("module.{}.{}", call.as_str(), output.as_str())),
                    loc,
                },
                _ => Val::unknown(loc),
            },
            ("data", _) => match (ops.first(), ops.get(1)) {
                (
                    Some(TraversalOperator::GetAttr(rtype)),
                    Some(TraversalOperator::GetAttr(name)),
                ) => reference(true, rtype.as_str(), name.as_str(), &ops[2..], loc),
                _ => Val::unknown(loc),
            },
            (rtype, Some(TraversalOperator::GetAttr(name))) if is_resource_type(rtype) => {
                reference(false, rtype, name.as_str(), &ops[1..], loc)
            }
            _ => Val::unknown(loc),
        }
    }

    fn apply(
        &self,
        mut val: Val,
        ops: &[&TraversalOperator],
        src: Src,
        depth: usize,
        loc: Loc,
    ) -> Val {
        for op in ops {
            let next = match op {
                TraversalOperator::GetAttr(name) => val.get(name.as_str()).cloned(),
                TraversalOperator::LegacyIndex(i) => {
                    index(&val, &Value::Number(i.value().to_string()))
                }
                TraversalOperator::Index(expr) => {
                    let key = self.eval_at(expr, src, depth + 1);
                    index(&val, &key.value)
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => None,
            };
            match next {
                Some(next) => val = next,
                None => return Val::unknown(loc),
            }
        }
        val
    }

    fn local(&self, name: &str, depth: usize) -> Val {
        let Some((&key, &(expr, src))) = self.locals.get_key_value(name) else {
            return Val::unknown(Loc {
                file: 0,
                range: 0..0,
            });
        };
        if let Some(val) = self.memo.borrow().get(key) {
            return val.clone();
        }
        if !self.active.borrow_mut().insert(key) {
            return Val::unknown(src.loc(expr)); // a cycle
        }
        let val = self.eval_at(expr, src, depth);
        self.active.borrow_mut().remove(key);
        self.memo.borrow_mut().insert(key, val.clone());
        val
    }

    fn variable(&self, name: &str, depth: usize) -> Val {
        match self.variables.get(name) {
            Some(&(Some(default), src)) => {
                let val = self.eval_at(default, src, depth);
                // `null` and `""` defaults mean "not set here": the caller decides.
                match &val.value {
                    Value::Null => Val::unknown(val.loc),
                    Value::Str(s) if s.as_literal() == Some("") => Val::unknown(val.loc),
                    _ => val,
                }
            }
            Some(&(None, src)) => Val::unknown(Loc {
                file: src.file,
                range: 0..0,
            }),
            None => Val::unknown(Loc {
                file: 0,
                range: 0..0,
            }),
        }
    }
}

fn input(name: String) -> Value {
    Value::Str(Str {
        parts: vec![Part::Input(name)],
    })
}

fn is_resource_type(name: &str) -> bool {
    name.contains('_')
        && !matches!(
            name,
            "each" | "count" | "path" | "self" | "terraform" | "module"
        )
}

fn reference(data: bool, rtype: &str, name: &str, rest: &[&TraversalOperator], loc: Loc) -> Val {
    // `x[0].email` and `x["key"].email` name the same resource; a splat does not name one attribute.
    let mut attr = None;
    for op in rest {
        match op {
            TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => {}
            TraversalOperator::GetAttr(a) => {
                attr = Some(a.as_str().to_string());
                break;
            }
            TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                return Val::unknown(loc);
            }
        }
    }
    let r = Ref {
        data,
        rtype: rtype.to_string(),
        name: name.to_string(),
        attr,
    };
    Val {
        value: Value::Str(Str {
            parts: vec![Part::Ref(r)],
        }),
        loc,
    }
}

fn index(val: &Val, key: &Value) -> Option<Val> {
    match (&val.value, key) {
        (Value::List(items), Value::Number(n)) => {
            if items.iter().any(Val::is_unknown) {
                return None;
            }
            items.get(n.parse::<usize>().ok()?).cloned()
        }
        (Value::Object(_), Value::Str(s)) => val.get(s.as_literal()?).cloned(),
        _ => None,
    }
}

/// The Terraform functions that are cheap to know statically. Anything else is unknown.
fn call_function(name: &str, args: Vec<Val>) -> Value {
    match name {
        "concat" => {
            let mut out = Vec::new();
            for arg in args {
                match arg.value {
                    Value::List(items) => out.extend(items),
                    _ => out.push(Val::unknown(arg.loc)),
                }
            }
            Value::List(out)
        }
        "tolist" | "toset" | "distinct" if args.len() == 1 => {
            let arg = args.into_iter().next().expect("one argument");
            match arg.value {
                Value::List(items) if name == "tolist" => Value::List(items),
                Value::List(items) => Value::List(dedup(items)),
                _ => Value::Unknown,
            }
        }
        "flatten" if args.len() == 1 => {
            let mut out = Vec::new();
            flatten_into(args.into_iter().next().expect("one argument"), &mut out);
            Value::List(out)
        }
        "compact" if args.len() == 1 => {
            match args.into_iter().next().expect("one argument").value {
                Value::List(items) => Value::List(
                    items
                        .into_iter()
                        .filter(|v| !matches!(&v.value, Value::Null) && v.as_str() != Some(""))
                        .collect(),
                ),
                _ => Value::Unknown,
            }
        }
        "lower" | "upper" if args.len() == 1 => match args[0].as_str() {
            Some(s) if name == "lower" => Value::Str(Str::literal(s.to_lowercase())),
            Some(s) => Value::Str(Str::literal(s.to_uppercase())),
            None => Value::Unknown,
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

#[cfg(test)]
mod tests {
    use super::*;
    use hcl_edit::structure::Body;

    fn eval_attr(text: &str, name: &str) -> Val {
        let body: Body = hcl_edit::parser::parse_body(text).unwrap();
        let src = Src { file: 0, base: 0 };
        let mut scope = Scope::default();
        for block in body.blocks() {
            if block.ident.as_str() == "locals" {
                for attr in block.body.attributes() {
                    scope.add_local(attr.key.as_str(), &attr.value, src);
                }
            }
            if block.ident.as_str() == "variable" {
                let default = block.body.get_attribute("default").map(|a| &a.value);
                scope.add_variable(block.labels[0].as_str(), default, src);
            }
        }
        let attr = body.get_attribute(name).unwrap();
        scope.eval(&attr.value, src)
    }

    #[test]
    fn resolves_locals_and_concat_with_origins() {
        let text = "locals {\n  a = [\"x.y.create\"]\n  b = concat(local.a, [\"x.y.get\"], var.more)\n}\nvariable \"more\" {}\nv = local.b\n";
        let val = eval_attr(text, "v");
        let items = val.elements();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].as_str(), Some("x.y.create"));
        assert_eq!(&text[items[0].loc.range.clone()], "\"x.y.create\"");
        assert!(items[2].is_unknown());
    }

    #[test]
    fn templates_keep_references() {
        let val = eval_attr(
            "v = \"serviceAccount:${google_service_account.ci[0].email}\"\n",
            "v",
        );
        let s = val.as_template().unwrap();
        assert_eq!(s.known_prefix(), "serviceAccount:");
        let r = s.refs().next().unwrap();
        assert_eq!(
            (r.rtype.as_str(), r.name.as_str(), r.attr.as_deref()),
            ("google_service_account", "ci", Some("email"))
        );
    }

    #[test]
    fn cycles_and_unknowns_do_not_hang() {
        let val = eval_attr(
            "locals {\n  a = local.b\n  b = local.a\n}\nv = local.a\n",
            "v",
        );
        assert_eq!(val.as_str(), None);
        let val = eval_attr("variable \"x\" {\n  default = \"\"\n}\nv = var.x\n", "v");
        assert_eq!(
            val.as_template().unwrap().parts,
            [Part::Input("var.x".into())]
        );
        let a = eval_attr("v = \"projects/${var.p}\"\n", "v");
        let b = eval_attr("v = \"projects/${var.p}\"\n", "v");
        assert_eq!(a.value, b.value, "the same input is the same value");
        assert_ne!(a.value, eval_attr("v = \"projects/${var.q}\"\n", "v").value);
    }
}
