//! Scopes (locals, variables, inputs, bound iterators) and the evaluation of hcl-edit expressions.

use super::budget::{self, Budget, Size};
use super::files::Files;
use super::functions::{self, Call, Imp};
use super::types;
use super::value::Failed;
use super::value::*;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, Traversal, TraversalOperator, UnaryOperator,
};
use hcl_edit::structure::Body;
use hcl_edit::template::{Directive, Element, Template};
use std::cell::{Cell, RefCell};
/// The scope's maps are keyed by short names and looked up on every reference: a fast hash
/// (SipHash was 6% of a run's instructions). Nothing iterates them in an order that shows.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Nested evaluations (locals referring to locals) stop at this depth and give unknown.
const MAX_DEPTH: usize = 64;

/// Collections larger than this are not expanded (`for` expressions, instances).
pub const MAX_ITEMS: usize = 4096;

/// The names an expression can refer to in one module: locals and variables.
#[derive(Default)]
pub struct Scope<'a> {
    locals: HashMap<&'a str, (&'a Expression, Src)>,
    variables: HashMap<&'a str, Declared<'a>>,
    /// Values set from outside the module (tfvars, a caller's module block): win over defaults.
    inputs: HashMap<String, Val>,
    /// Analysed as called by a module block: a variable it does not pass has its default for
    /// certain, `null` and `""` included.
    called: bool,
    /// A module other modules call, analysed on its own: its defaults are not what runs.
    defaults_unknown: bool,
    /// The known outputs of the local modules this module calls, by call name: their values
    /// stand for `module.NAME.OUTPUT`.
    module_outputs: HashMap<String, HashMap<String, Val>>,
    /// The `for_each` or `count` of the module's resources, by (data, type, name):
    /// `google_x.y` alone is the collection of its instances.
    repetitions: HashMap<(bool, &'a str, &'a str), Repetition<'a>>,
    memo: RefCell<HashMap<&'a str, Val>>,
    active: RefCell<HashSet<&'a str>>,
    /// Names bound while evaluating: `each`, `count`, a `dynamic` block's iterator, the
    /// variables of a `for` expression. The innermost binding of a name is last.
    bindings: RefCell<Vec<(String, Binding)>>,
    /// Variables' values, once converted to their types.
    variable_memo: RefCell<HashMap<String, Val>>,
    /// The files `file()` and its kind may read.
    files: Files,
    /// How many evaluations failed for certain (what `try` and `can` catch).
    failures: Cell<usize>,
    /// Where the keys of object constructors are written, by the place of their value and the
    /// key: a finding about a map key (a role => members map) points at the key.
    key_locs: RefCell<HashMap<(Loc, String), Loc>>,
    /// The work done and the values that hit a budget ([`budget`]).
    budget: Budget,
    /// The module's type constraints already read, shared by every context it is checked in.
    types: Option<std::sync::Arc<types::Cache>>,
    /// The text of the module's string literals: one [`Text`] for each text, however often it
    /// is written (a permission in many roles is held once).
    texts: RefCell<HashSet<Text>>,
}

/// A value being built from parts (list or object elements, template parts, arguments),
/// stopped as soon as the parts together are past one value's budget.
#[derive(Default)]
struct Gather {
    size: Size,
}

impl Gather {
    /// Adds `value`'s size; `false` (a hit) once the parts are past the budget.
    fn add(&mut self, budget: &Budget, value: &Value) -> bool {
        let left = Size {
            elements: budget::MAX_ELEMENTS.saturating_sub(self.size.elements),
            bytes: budget::MAX_STRING_BYTES.saturating_sub(self.size.bytes),
        };
        match budget::measure(value, left) {
            Some(size) if budget.spend(size.elements as u64) => {
                self.size = self.size.plus(size);
                true
            }
            Some(_) => false,
            None => {
                budget.hit();
                false
            }
        }
    }
}

/// A `variable` block: its default, type constraint and `nullable`.
#[derive(Clone, Copy)]
struct Variable<'a> {
    default: Option<&'a Expression>,
    ty: Option<&'a Expression>,
    nullable: bool,
    src: Src,
}

/// A block's body that may be parsed only when it is first read (the loader's outline parses
/// a `variable` block's arguments once the variable is looked up).
pub trait LazyBody: Sync {
    /// The body; `None` if it does not parse (it always does: its file was checked).
    fn body(&self) -> Option<&Body>;
}

impl LazyBody for Body {
    fn body(&self) -> Option<&Body> {
        Some(self)
    }
}

/// A declared variable, read when it is first looked up.
#[derive(Clone, Copy)]
enum Declared<'a> {
    #[cfg(test)]
    Ready(Variable<'a>),
    Block(&'a dyn LazyBody, Src),
}

impl<'a> Declared<'a> {
    fn read(self) -> Variable<'a> {
        match self {
            #[cfg(test)]
            Declared::Ready(v) => v,
            Declared::Block(lazy, src) => {
                let attr = |n: &str| lazy.body()?.get_attribute(n).map(|a| &a.value);
                Variable {
                    default: attr("default"),
                    ty: attr("type"),
                    nullable: !matches!(attr("nullable"), Some(Expression::Bool(b)) if !*b.value()),
                    src,
                }
            }
        }
    }
}

/// One step of a traversal: a value, an unknown, or a failure Terraform would report.
enum Step {
    Val(Val),
    Unknown,
    Failed,
}

/// How a resource repeats: `for_each` or `count`, and its expression.
#[derive(Clone, Copy)]
struct Repetition<'a> {
    for_each: bool,
    expr: &'a Expression,
    src: Src,
}

/// A piece of a template being evaluated: a part of the string, or a strip marker's request.
enum Piece {
    Part(Part),
    /// `~` before a directive or interpolation: the literal before loses its trailing spaces.
    StripPrev,
    /// `~` after one: the literal after loses its leading spaces.
    StripNext,
}

/// What a bound name stands for.
#[derive(Clone, Debug)]
pub enum Binding {
    /// `each.key` / `each.value`, `binding.key` / `binding.value`, `count.index` (as the key).
    Iterator { key: Val, value: Val },
    /// A `for` expression's variable.
    Var(Val),
}

impl<'a> Scope<'a> {
    /// Records a resource's `for_each` or `count`: a reference to the resource alone is the
    /// collection of its instances.
    pub fn add_repetition(
        &mut self,
        data: bool,
        rtype: &'a str,
        name: &'a str,
        for_each: bool,
        expr: &'a Expression,
        src: Src,
    ) {
        self.repetitions
            .entry((data, rtype, name))
            .or_insert(Repetition {
                for_each,
                expr,
                src,
            });
    }

    pub fn add_local(&mut self, name: &'a str, expr: &'a Expression, src: Src) {
        self.locals.entry(name).or_insert((expr, src));
    }

    #[cfg(test)]
    pub fn add_variable(&mut self, name: &'a str, default: Option<&'a Expression>, src: Src) {
        self.variables
            .entry(name)
            .or_insert(Declared::Ready(Variable {
                default,
                ty: None,
                nullable: true,
                src,
            }));
    }

    /// A variable from its block: `default`, `type` and `nullable`, read when it is first
    /// looked up.
    pub fn add_variable_block(&mut self, name: &'a str, body: &'a dyn LazyBody, src: Src) {
        self.variables
            .entry(name)
            .or_insert(Declared::Block(body, src));
    }

    /// Lets `file()`, `fileset()`, `templatefile()` read the module's own files, and makes
    /// `path.module` known.
    pub fn set_files(&mut self, files: Files) {
        self.files = files;
    }

    /// Shares the module's type constraints already read ([`types::Cache`]).
    pub fn set_type_cache(&mut self, cache: std::sync::Arc<types::Cache>) {
        self.types = Some(cache);
    }

    /// Sets a variable's value from outside the module, overriding its default.
    pub fn set_input(&mut self, name: &str, value: Val) {
        self.inputs.insert(name.to_string(), value);
    }

    /// Marks the module as called: its inputs are all the caller passes.
    pub fn set_called(&mut self) {
        self.called = true;
    }

    /// The known outputs of a called module (see [`Module::outputs`](crate::model::Module::outputs)).
    pub fn set_module_outputs(&mut self, call: &str, outputs: &[(String, Val)]) {
        self.module_outputs
            .insert(call.to_string(), outputs.iter().cloned().collect());
    }

    /// The instances of call `name` as Terraform gives `module.NAME` for a call with `count`
    /// or `for_each`; unknown unless every instance was read.
    fn module_instances(&self, name: &str, loc: &Loc) -> Value {
        let prefix = format!("{name}[");
        let mut by_index: Vec<(usize, Val)> = Vec::new();
        let mut by_key: Vec<(String, Val)> = Vec::new();
        let mut keys: Vec<&String> = self
            .module_outputs
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .collect();
        keys.sort();
        for key in keys {
            let instance = &key[prefix.len()..key.len().saturating_sub(1)];
            let Some(outputs) = self.module_outputs.get(key) else {
                continue;
            };
            let mut entries: Vec<(String, Val)> = outputs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let object = Val {
                value: Value::Object(entries),
                loc: loc.clone(),
            };
            if let Ok(n) = instance.parse::<usize>() {
                by_index.push((n, object));
            } else if let Some(k) = instance
                .strip_prefix('"')
                .and_then(|k| k.strip_suffix('"'))
                .filter(|k| !k.contains('\\'))
            {
                by_key.push((k.to_string(), object));
            } else {
                // `[?]`: some instance was not read; or a key this cannot read back.
                return Value::Unknown;
            }
        }
        match (by_index.is_empty(), by_key.is_empty()) {
            (false, true) => {
                by_index.sort_by_key(|(n, _)| *n);
                if by_index.iter().enumerate().any(|(i, (n, _))| i != *n) {
                    return Value::Unknown;
                }
                Value::List(by_index.into_iter().map(|(_, v)| v).collect())
            }
            (true, false) => {
                by_key.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(by_key)
            }
            _ => Value::Unknown,
        }
    }

    /// Marks the module as called by other modules while analysed on its own: a variable that
    /// no tfvars sets is unknown, not its default.
    pub fn set_defaults_unknown(&mut self) {
        self.defaults_unknown = true;
    }

    /// Where the key of an object entry is written, given its value (as evaluated) and the
    /// key: `"roles/owner"` in `{ "roles/owner" = [...] }`.
    pub fn key_loc(&self, value: &Val, key: &str) -> Option<Loc> {
        self.key_locs
            .borrow()
            .get(&(value.loc.clone(), key.to_string()))
            .cloned()
    }

    pub fn eval(&self, expr: &Expression, src: Src) -> Val {
        self.eval_at(expr, src, 0)
    }

    /// Sets the module's work budget from the size of its source ([`budget::WORK_PER_BYTE`]).
    pub fn set_source_bytes(&mut self, bytes: usize) {
        self.budget.set_source_bytes(bytes);
    }

    /// How many values were made unknown by an evaluation budget (`--stats`).
    pub fn budget_hits(&self) -> usize {
        self.budget.hits()
    }

    /// Runs `f` with `name` bound; the binding is removed afterwards.
    pub fn bind<R>(&self, name: &str, binding: Binding, f: impl FnOnce() -> R) -> R {
        self.bindings.borrow_mut().push((name.to_string(), binding));
        let result = f();
        self.bindings.borrow_mut().pop();
        result
    }

    fn bound(&self, name: &str) -> Option<Binding> {
        self.bindings
            .borrow()
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
    }

    /// Evaluates `expr` within the budgets: one unit of work for the expression, and a value
    /// past one value's caps is unknown.
    fn eval_at(&self, expr: &Expression, src: Src, depth: usize) -> Val {
        if depth > MAX_DEPTH || !self.budget.spend(1) {
            return Val::unknown(src.loc(expr));
        }
        let val = self.eval_node(expr, src, depth);
        // Constructors measured their parts as they built them (and spent that work): not
        // measured again.
        let built = matches!(
            expr,
            Expression::String(_)
                | Expression::StringTemplate(_)
                | Expression::HeredocTemplate(_)
                | Expression::Array(_)
                | Expression::Object(_)
        );
        match val.value {
            _ if built => val,
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::Unknown => val,
            _ if self.budget.admit(&val.value) => val,
            _ => Val::unknown(val.loc),
        }
    }

    /// The [`Text`] of a string literal: the one already made for the same text, if any.
    pub fn text(&self, s: &str) -> Text {
        let mut texts = self.texts.borrow_mut();
        if let Some(text) = texts.get(s) {
            return text.clone();
        }
        let text = Text::from(s);
        texts.insert(text.clone());
        text
    }

    fn eval_node(&self, expr: &Expression, src: Src, depth: usize) -> Val {
        let loc = src.loc(expr);
        let value = match expr {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => Value::Number(n.value().to_string()),
            Expression::String(s) => Value::Str(Str::literal(self.text(s.value()))),
            Expression::StringTemplate(t) => self.template(t, src, depth),
            Expression::HeredocTemplate(h) => self.template(&h.template, src, depth),
            Expression::Array(items) => {
                let mut gather = Gather::default();
                // As many as written (a list may be kept in the model: a role's permissions).
                let mut list = Vec::with_capacity(items.len());
                for item in items.iter() {
                    let item = self.eval_at(item, src, depth + 1);
                    if !gather.add(&self.budget, &item.value) {
                        return Val::unknown(loc);
                    }
                    list.push(item);
                }
                Value::List(list)
            }
            Expression::Object(object) => {
                let mut gather = Gather::default();
                let mut entries = Vec::new();
                for (object_key, value) in object.iter() {
                    let key = match object_key {
                        ObjectKey::Ident(ident) => Some(ident.as_str().to_string()),
                        ObjectKey::Expression(expr) => self
                            .eval_at(expr, src, depth + 1)
                            .as_str()
                            .map(str::to_string),
                    };
                    match key {
                        Some(key) => {
                            let value = self.eval_at(value.expr(), src, depth + 1);
                            if !gather.add(&self.budget, &value.value) {
                                return Val::unknown(loc);
                            }
                            self.key_locs
                                .borrow_mut()
                                .entry((value.loc.clone(), key.clone()))
                                .or_insert_with(|| src.loc(object_key));
                            entries.retain(|(k, _): &(String, Val)| *k != key);
                            entries.push((key, value));
                        }
                        // Which attributes the object has is not known.
                        None => return Val::unknown(loc),
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
            Expression::FuncCall(call) => return self.call(call, src, depth, &loc),
            Expression::Variable(v) => match self.bound(v.as_str()) {
                Some(Binding::Var(val)) => return val,
                _ => Value::Unknown,
            },
            Expression::UnaryOp(op) => {
                let operand = self.eval_at(&op.expr, src, depth + 1).value;
                match (op.operator.value(), operand) {
                    (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
                    (UnaryOperator::Neg, Value::Number(n)) => {
                        number(n.parse::<f64>().map(|n| -n).ok())
                    }
                    _ => Value::Unknown,
                }
            }
            Expression::BinaryOp(op) => {
                let lhs = self.eval_at(&op.lhs_expr, src, depth + 1);
                let rhs = self.eval_at(&op.rhs_expr, src, depth + 1);
                binary(*op.operator.value(), &lhs.value, &rhs.value)
            }
            Expression::ForExpr(f) => self.for_expr(f, src, depth),
        };
        Val { value, loc }
    }

    /// A function call: the table's function with its arguments, the last one expanded when
    /// written `...`. Unknown for a function not in the table or a wrong number of arguments.
    /// A value made by the call is located at the call; what `try` picks keeps its location.
    fn call(&self, call: &hcl_edit::expr::FuncCall, src: Src, depth: usize, loc: &Loc) -> Val {
        let made = |value: Value| Val {
            value,
            loc: loc.clone(),
        };
        let name = call.name.name.as_str();
        let function = match functions::lookup_function(name) {
            Some(f) if !call.name.is_namespaced() => f,
            _ => return made(Value::Unknown),
        };
        let exprs: Vec<&Expression> = call.args.iter().collect();
        if let Imp::Lazy = function.imp {
            return match (name, exprs.as_slice()) {
                _ if call.args.expand_final() => made(Value::Unknown),
                ("can", [expr]) => made(match self.attempt(expr, src, depth) {
                    Err(Failed) => Value::Bool(false),
                    Ok(v) if functions::deep_known(&v.value) => Value::Bool(true),
                    Ok(_) => Value::Unknown,
                }),
                ("try", exprs) if !exprs.is_empty() => {
                    for expr in exprs {
                        match self.attempt(expr, src, depth) {
                            Err(Failed) => continue,
                            Ok(v) if settled(&v.value) => return v,
                            Ok(_) => return made(Value::Unknown),
                        }
                    }
                    made(self.fail())
                }
                _ => made(Value::Unknown),
            };
        }
        let mut gather = Gather::default();
        let mut args: Vec<Val> = Vec::with_capacity(exprs.len());
        for expr in &exprs {
            let arg = self.eval_at(expr, src, depth + 1);
            // Arguments that are together past one value's budget make a result past it too
            // (or nearly: `merge` of overlapping objects), and are not all held at once.
            if !gather.add(&self.budget, &arg.value) {
                return made(Value::Unknown);
            }
            args.push(arg);
        }
        if call.args.expand_final() {
            match args.pop().map(|last| last.value) {
                Some(Value::List(items)) if !items.iter().any(Val::is_unknown) => {
                    args.extend(items)
                }
                Some(v @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::Str(_)))
                    if !opaque(&v) =>
                {
                    return made(self.fail());
                }
                _ => return made(Value::Unknown),
            }
        }
        if args.len() < function.min || function.max.is_some_and(|max| args.len() > max) {
            return made(Value::Unknown);
        }
        let Imp::Pure(imp) = function.imp else {
            return made(Value::Unknown);
        };
        if name == "templatefile" {
            return made(self.templatefile(&args, loc, depth));
        }
        if name == "templatestring" {
            return made(self.templatestring(&args, loc, depth));
        }
        let call = Call {
            args,
            loc: loc.clone(),
            files: &self.files,
            budget: &self.budget,
        };
        made(match imp(&call) {
            Ok(value) => value,
            // An input may be a value of another type than it looks: not a failure for certain.
            Err(Failed) if call.args.iter().any(|a| opaque(&a.value)) => Value::Unknown,
            Err(Failed) => self.fail(),
        })
    }

    /// Notes a failure Terraform would report; the value is unknown.
    fn fail(&self) -> Value {
        self.failures.set(self.failures.get() + 1);
        Value::Unknown
    }

    /// Evaluates `expr`, telling a failure from a value (for `try` and `can`).
    fn attempt(&self, expr: &Expression, src: Src, depth: usize) -> Result<Val, Failed> {
        let before = self.failures.get();
        let val = self.eval_at(expr, src, depth + 1);
        if self.failures.get() > before {
            // Caught here: not a failure of the expression around the `try`.
            self.failures.set(before);
            return Err(Failed);
        }
        Ok(val)
    }

    /// `templatefile(path, vars)`: the template read from the module's files, evaluated with
    /// `vars` as its only names.
    fn templatefile(&self, args: &[Val], loc: &Loc, depth: usize) -> Value {
        let text = match self.files.template(&args[0]) {
            Ok(Some(text)) => text,
            Ok(None) => return Value::Unknown,
            Err(Failed) => return self.fail(),
        };
        self.render(&text, &args[1], loc, depth)
    }

    /// `templatestring(string, vars)`: a string value (a template kept as data, written
    /// `"$${name}"`) evaluated as a template with `vars` as its only names.
    fn templatestring(&self, args: &[Val], loc: &Loc, depth: usize) -> Value {
        match &args[0].value {
            Value::Str(s) => match s.as_literal() {
                Some(text) => self.render(text, &args[1], loc, depth),
                None => Value::Unknown,
            },
            v if opaque(v) => Value::Unknown,
            _ => self.fail(),
        }
    }

    /// The template `text` evaluated with the object `vars` as its only names; its values
    /// point at the call.
    fn render(&self, text: &str, vars: &Val, loc: &Loc, depth: usize) -> Value {
        let vars = match &vars.value {
            Value::Object(entries) => entries,
            v if opaque(v) => return Value::Unknown,
            _ => return self.fail(),
        };
        let Ok(template) = hcl_edit::parser::parse_template(text) else {
            return self.fail();
        };
        let inner = Scope {
            files: self.files.clone(),
            called: self.called,
            budget: self.budget.nested(),
            ..Scope::default()
        };
        for (name, val) in vars {
            inner
                .bindings
                .borrow_mut()
                .push((name.clone(), Binding::Var(val.clone())));
        }
        // Spans of the template are in the data file: its values point at the call.
        let src = Src {
            file: loc.file,
            base: 0,
        };
        let value = inner.template(&template, src, depth + 1);
        self.budget.absorb(&inner.budget);
        if inner.failures.get() > 0 {
            return self.fail();
        }
        value
    }

    /// The (key, value) pairs a `for` (expression or template directive) iterates over: a
    /// list's indexes or an object's keys, each located at its value; `None` when the
    /// collection or an element of a list is unknown, or the list is past the budget.
    fn iteration(&self, collection: Value) -> Option<Vec<(Val, Val)>> {
        let key = |value: Value, v: &Val| Val {
            value,
            loc: v.loc.clone(),
        };
        match collection {
            Value::List(items) => {
                if items.iter().any(Val::is_unknown) {
                    return None;
                }
                if items.len() > MAX_ITEMS {
                    self.budget.hit();
                    return None;
                }
                Some(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| (key(Value::Number(i.to_string()), &v), v))
                        .collect(),
                )
            }
            Value::Object(entries) => Some(
                entries
                    .into_iter()
                    .map(|(k, v)| (key(Value::Str(Str::literal(k)), &v), v))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// `[for v in c : e if cond]` and `{for k, v in c : k => v}`, over a known collection.
    /// With grouping (`{for ... : k => v...}`), the values of one key are gathered in a list.
    fn for_expr(&self, f: &ForExpr, src: Src, depth: usize) -> Value {
        let collection = self.eval_at(&f.intro.collection_expr, src, depth + 1);
        let Some(pairs) = self.iteration(collection.value) else {
            return Value::Unknown;
        };
        let value_name = f.intro.value_var.as_str();
        let key_name = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
        let mut list = Vec::new();
        let mut object = Vec::new();
        let mut gather = Gather::default();
        for (key, value) in pairs {
            if self.budget.exhausted() {
                return Value::Unknown;
            }
            let step = || {
                if let Some(cond) = &f.cond {
                    match self.eval_at(&cond.expr, src, depth + 1).value {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(None),
                        _ => return Err(()),
                    }
                }
                let v = self.eval_at(&f.value_expr, src, depth + 1);
                let k = f.key_expr.as_ref().map(|k| self.eval_at(k, src, depth + 1));
                Ok(Some((k, v)))
            };
            let with_value = || self.bind(value_name, Binding::Var(value.clone()), step);
            let result = match &key_name {
                Some(k) => self.bind(k, Binding::Var(key.clone()), with_value),
                None => with_value(),
            };
            if let Ok(Some((_, v))) = &result
                && !gather.add(&self.budget, &v.value)
            {
                return Value::Unknown;
            }
            match result {
                Err(()) => return Value::Unknown,
                Ok(None) => {}
                Ok(Some((None, v))) => list.push(v),
                Ok(Some((Some(key), v))) => match key.as_str() {
                    Some(k) if f.grouping => {
                        match object
                            .iter_mut()
                            .find(|(old, _): &&mut (String, Val)| old == k)
                        {
                            Some((
                                _,
                                Val {
                                    value: Value::List(group),
                                    ..
                                },
                            )) => group.push(v),
                            _ => object.push((
                                k.to_string(),
                                Val {
                                    value: Value::List(vec![v]),
                                    loc: key.loc.clone(),
                                },
                            )),
                        }
                    }
                    // Two elements with one key: Terraform fails.
                    Some(k) if object.iter().any(|(old, _)| old == k) => return self.fail(),
                    Some(k) => object.push((k.to_string(), v)),
                    None => return Value::Unknown,
                },
            }
        }
        if f.key_expr.is_some() {
            Value::Object(object)
        } else {
            Value::List(list)
        }
    }

    /// A string template: literals, interpolations and `%{ if }` / `%{ for }` directives, with
    /// the `~` strip markers applied to the literals beside them.
    fn template(&self, template: &Template, src: Src, depth: usize) -> Value {
        let mut pieces = Vec::new();
        let mut work = 0usize;
        let mut gather = Gather::default();
        if !self.template_pieces(template, src, depth, &mut pieces, &mut work, &mut gather) {
            // Past a value's budget: the whole string is unknown.
            return Value::Unknown;
        }
        let mut out = PartsBuilder::default();
        let mut strip_next = false;
        for piece in pieces {
            match piece {
                Piece::StripPrev => out.trim_end(),
                Piece::StripNext => strip_next = true,
                Piece::Part(Part::Lit(text)) if std::mem::take(&mut strip_next) => {
                    out.push_lit(text.trim_start())
                }
                Piece::Part(part) => {
                    strip_next = false;
                    out.push(part);
                }
            }
        }
        Value::Str(out.finish())
    }

    /// The pieces of a template, evaluated; `false` when its parts together are past a
    /// value's budget.
    fn template_pieces(
        &self,
        template: &Template,
        src: Src,
        depth: usize,
        out: &mut Vec<Piece>,
        work: &mut usize,
        gather: &mut Gather,
    ) -> bool {
        *work += 1;
        if depth > MAX_DEPTH || *work > MAX_ITEMS {
            out.push(Piece::Part(Part::Unknown));
            return true;
        }
        let strip = |out: &mut Vec<Piece>, before: bool, after: bool| {
            if before {
                out.push(Piece::StripPrev);
            }
            if after {
                out.push(Piece::StripNext);
            }
        };
        for element in template.iter() {
            match element {
                Element::Literal(lit) => {
                    let text = Value::Str(Str::literal(lit.value().as_str()));
                    if !gather.add(&self.budget, &text) {
                        return false;
                    }
                    out.push(Piece::Part(Part::Lit(lit.value().as_str().into())))
                }
                Element::Interpolation(interp) => {
                    strip(out, interp.strip.strip_start(), false);
                    let val = self.eval_at(&interp.expr, src, depth + 1);
                    if !gather.add(&self.budget, &val.value) {
                        return false;
                    }
                    match val.value {
                        Value::Str(s) => out.extend(s.into_parts().into_iter().map(Piece::Part)),
                        Value::Number(n) => out.push(Piece::Part(Part::Lit(n.into()))),
                        Value::Bool(b) => out.push(Piece::Part(Part::Lit(b.to_string().into()))),
                        _ => out.push(Piece::Part(Part::Unknown)),
                    }
                    strip(out, false, interp.strip.strip_end());
                }
                Element::Directive(directive) => match &**directive {
                    Directive::If(d) => {
                        strip(out, d.if_expr.strip.strip_start(), false);
                        let end = d.endif_expr.strip;
                        match self.eval_at(&d.if_expr.cond_expr, src, depth + 1).value {
                            Value::Bool(true) => {
                                strip(out, false, d.if_expr.strip.strip_end());
                                if !self.template_pieces(
                                    &d.if_expr.template,
                                    src,
                                    depth + 1,
                                    out,
                                    work,
                                    gather,
                                ) {
                                    return false;
                                }
                                let close = d.else_expr.as_ref().map_or(end, |e| e.strip);
                                strip(out, close.strip_start(), false);
                            }
                            Value::Bool(false) => {
                                if let Some(e) = &d.else_expr {
                                    strip(out, false, e.strip.strip_end());
                                    if !self.template_pieces(
                                        &e.template,
                                        src,
                                        depth + 1,
                                        out,
                                        work,
                                        gather,
                                    ) {
                                        return false;
                                    }
                                }
                                strip(out, end.strip_start(), false);
                            }
                            _ => out.push(Piece::Part(Part::Unknown)),
                        }
                        strip(out, false, end.strip_end());
                    }
                    Directive::For(d) => {
                        let f = &d.for_expr;
                        strip(out, f.strip.strip_start(), false);
                        let collection = self.eval_at(&f.collection_expr, src, depth + 1).value;
                        let Some(pairs) = self.iteration(collection) else {
                            out.push(Piece::Part(Part::Unknown));
                            strip(out, false, d.endfor_expr.strip.strip_end());
                            continue;
                        };
                        for (key, value) in pairs {
                            strip(out, false, f.strip.strip_end());
                            let body =
                                |out: &mut Vec<Piece>, work: &mut usize, gather: &mut Gather| {
                                    self.bind(f.value_var.as_str(), Binding::Var(value), || {
                                        self.template_pieces(
                                            &f.template,
                                            src,
                                            depth + 1,
                                            out,
                                            work,
                                            gather,
                                        )
                                    })
                                };
                            let within = match &f.key_var {
                                Some(k) => self.bind(k.as_str(), Binding::Var(key), || {
                                    body(out, work, gather)
                                }),
                                None => body(out, work, gather),
                            };
                            if !within {
                                return false;
                            }
                            strip(out, d.endfor_expr.strip.strip_start(), false);
                        }
                        strip(out, false, d.endfor_expr.strip.strip_end());
                    }
                },
            }
        }
        true
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
        if let Some(binding) = self.bound(root) {
            let base = match (binding, ops.first()) {
                (Binding::Var(val), _) => return self.apply(val, &ops, src, depth, loc),
                (Binding::Iterator { key, .. }, Some(TraversalOperator::GetAttr(a)))
                    if a.as_str() == "key" || a.as_str() == "index" =>
                {
                    key
                }
                (Binding::Iterator { value, .. }, Some(TraversalOperator::GetAttr(a)))
                    if a.as_str() == "value" =>
                {
                    value
                }
                _ => return Val::unknown(loc),
            };
            return self.apply(base, &ops[1..], src, depth, loc);
        }
        match (root, ops.first()) {
            ("path", Some(TraversalOperator::GetAttr(name))) if ops.len() == 1 => {
                // Relative to the root module's directory, as file functions resolve paths.
                let known = match name.as_str() {
                    "module" => self.files.path_module(),
                    "root" => self.files.enabled().then(|| ".".to_string()),
                    _ => None,
                };
                Val {
                    value: known.map_or(Value::Unknown, |p| Value::Str(Str::literal(p))),
                    loc,
                }
            }
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
                Some(TraversalOperator::GetAttr(output)) => {
                    let known = self
                        .module_outputs
                        .get(call.as_str())
                        .and_then(|outputs| outputs.get(output.as_str()));
                    match known.filter(|v| !v.is_unknown() || ops.len() > 2) {
                        // Reported, if ever, where this module uses it.
                        Some(val) => {
                            let mut val = val.clone();
                            val.loc = loc.clone();
                            self.apply(val, &ops[2..], src, depth, loc)
                        }
                        None if ops.len() == 2 => Val {
                            value: input(format!("module.{}.{}", call.as_str(), output.as_str())),
                            loc,
                        },
                        None => Val::unknown(loc),
                    }
                }
                // `module.NAME`: the instances of a call with `count` (a list) or `for_each`
                // (an object), each an object of its outputs, when every one is known.
                None | Some(TraversalOperator::FullSplat(_) | TraversalOperator::AttrSplat(_)) => {
                    let value = self.module_instances(call.as_str(), &loc);
                    self.apply(
                        Val {
                            value,
                            loc: loc.clone(),
                        },
                        &ops[1..],
                        src,
                        depth,
                        loc,
                    )
                }
                // `module.NAME[0].output`, `module.NAME["key"].output`: an instance of a call
                // with `count` or `for_each`, known by its key.
                Some(index @ (TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_))) => {
                    let key = match index {
                        TraversalOperator::LegacyIndex(n) => Some(format!("[{n}]")),
                        TraversalOperator::Index(expr) => {
                            match self.eval_at(expr, src, depth + 1).value {
                                Value::Number(n) => Some(format!("[{n}]")),
                                Value::Str(s) => s.as_literal().map(|s| format!("[{s:?}]")),
                                _ => None,
                            }
                        }
                        _ => None,
                    };
                    let known = match (key, ops.get(2)) {
                        (Some(key), Some(TraversalOperator::GetAttr(output))) => self
                            .module_outputs
                            .get(&format!("{}{key}", call.as_str()))
                            .and_then(|outputs| outputs.get(output.as_str())),
                        _ => None,
                    };
                    match known {
                        Some(val) => {
                            let mut val = val.clone();
                            val.loc = loc.clone();
                            self.apply(val, &ops[3..], src, depth, loc)
                        }
                        None => Val::unknown(loc),
                    }
                }
            },
            ("data", _) => match (ops.first(), ops.get(1)) {
                (
                    Some(TraversalOperator::GetAttr(rtype)),
                    Some(TraversalOperator::GetAttr(name)),
                ) => self.reference(
                    true,
                    rtype.as_str(),
                    name.as_str(),
                    &ops[2..],
                    src,
                    depth,
                    loc,
                ),
                _ => Val::unknown(loc),
            },
            (rtype, Some(TraversalOperator::GetAttr(name))) if is_resource_type(rtype) => {
                self.reference(false, rtype, name.as_str(), &ops[1..], src, depth, loc)
            }
            _ => Val::unknown(loc),
        }
    }

    /// Applies traversal operators to a value. After a full splat `[*]` every following
    /// operator applies to each element; after an attribute-only splat `.*` only attribute
    /// accesses (and legacy `.0` indexes) do, and a `[i]` applies to the resulting list (the
    /// HCL spec: `a.*.b[0]` is `[for x in a : x.b][0]`).
    fn apply(&self, val: Val, ops: &[&TraversalOperator], src: Src, depth: usize, loc: Loc) -> Val {
        let mut val = val;
        let mut i = 0;
        while i < ops.len() {
            let op = ops[i];
            if let TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) = op {
                let full = matches!(op, TraversalOperator::FullSplat(_));
                let end = match full {
                    true => ops.len(),
                    false => {
                        i + 1
                            + ops[i + 1..]
                                .iter()
                                .take_while(|o| {
                                    matches!(
                                        o,
                                        TraversalOperator::GetAttr(_)
                                            | TraversalOperator::LegacyIndex(_)
                                    )
                                })
                                .count()
                    }
                };
                let items = match val.value {
                    Value::List(items) if !items.iter().any(Val::is_unknown) => items,
                    Value::Null => Vec::new(),
                    Value::Unknown | Value::List(_) => return Val::unknown(loc),
                    _ => vec![val],
                };
                let rest = &ops[i + 1..end];
                let mapped = items
                    .into_iter()
                    .map(|item| self.apply(item, rest, src, depth + 1, loc.clone()))
                    .collect();
                val = Val {
                    value: Value::List(mapped),
                    loc: loc.clone(),
                };
                i = end;
                continue;
            }
            let step = match op {
                TraversalOperator::GetAttr(name) => get_attr(&val, name.as_str()),
                TraversalOperator::LegacyIndex(n) => {
                    index(&val, &Value::Number(n.value().to_string()))
                }
                TraversalOperator::Index(expr) => {
                    let key = self.eval_at(expr, src, depth + 1);
                    index(&val, &key.value)
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    unreachable!("handled above")
                }
            };
            match step {
                Step::Val(next) => val = next,
                Step::Unknown => return Val::unknown(loc),
                Step::Failed => {
                    self.fail();
                    return Val::unknown(loc);
                }
            }
            i += 1;
        }
        val
    }

    /// `google_service_account.ci.email`, `google_service_account.report[each.key].email`:
    /// a reference to a resource's attribute, with the instance when its key is known.
    #[allow(clippy::too_many_arguments)]
    fn reference(
        &self,
        data: bool,
        rtype: &str,
        name: &str,
        rest: &[&TraversalOperator],
        src: Src,
        depth: usize,
        loc: Loc,
    ) -> Val {
        if rest.is_empty()
            && let Some(value) = self.instances(data, rtype, name, depth, &loc)
        {
            return Val { value, loc };
        }
        // A splat does not name one attribute.
        let mut attr = None;
        let mut key = None;
        for (i, op) in rest.iter().enumerate() {
            match op {
                TraversalOperator::Index(expr) if i == 0 => {
                    key = match self.eval_at(expr, src, depth + 1).value {
                        Value::Str(s) => s.as_literal().map(|k| format!("[{k:?}]")),
                        Value::Number(n) => Some(format!("[{n}]")),
                        _ => None,
                    };
                }
                TraversalOperator::LegacyIndex(n) if i == 0 => {
                    key = Some(format!("[{}]", n.value()));
                }
                TraversalOperator::Index(_) | TraversalOperator::LegacyIndex(_) => {}
                TraversalOperator::GetAttr(a) => {
                    attr = Some(self.text(a.as_str()));
                    break;
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    return Val::unknown(loc);
                }
            }
        }
        let r = Ref {
            data,
            rtype: self.text(rtype),
            name: self.text(name),
            key,
            attr,
        };
        Val {
            value: Value::Str(Str::from_parts(vec![Part::Ref(Box::new(r))])),
            loc,
        }
    }

    /// `google_x.y` alone, for a resource with a known `for_each` (an object keyed like it)
    /// or `count` (a list): each instance a reference to it, its attributes readable.
    fn instances(
        &self,
        data: bool,
        rtype: &str,
        name: &str,
        depth: usize,
        loc: &Loc,
    ) -> Option<Value> {
        let rep = *self.repetitions.get(&(data, rtype, name))?;
        let reference = |key: String| Val {
            value: Value::Str(Str::from_parts(vec![Part::Ref(Box::new(Ref {
                data,
                rtype: self.text(rtype),
                name: self.text(name),
                key: Some(key),
                attr: None,
            }))])),
            loc: loc.clone(),
        };
        let value = self.eval_at(rep.expr, rep.src, depth + 1).value;
        match (rep.for_each, value) {
            (true, Value::Object(entries)) if entries.len() <= MAX_ITEMS => Some(Value::Object(
                entries
                    .into_iter()
                    .map(|(k, _)| {
                        let key = format!("[{k:?}]");
                        (k, reference(key))
                    })
                    .collect(),
            )),
            (true, Value::List(items)) if items.len() <= MAX_ITEMS => {
                let mut keys = Vec::with_capacity(items.len());
                for item in &items {
                    keys.push(item.as_str()?.to_string());
                }
                keys.sort();
                keys.dedup();
                Some(Value::Object(
                    keys.into_iter()
                        .map(|k| {
                            let key = format!("[{k:?}]");
                            (k, reference(key))
                        })
                        .collect(),
                ))
            }
            (false, Value::Number(n)) => {
                let n: usize = n.parse().ok().filter(|&n| n <= MAX_ITEMS)?;
                Some(Value::List(
                    (0..n).map(|i| reference(format!("[{i}]"))).collect(),
                ))
            }
            _ => None,
        }
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
        if let Some(val) = self.variable_memo.borrow().get(name) {
            return val.clone();
        }
        let val = self.variable_value(name, depth);
        self.variable_memo
            .borrow_mut()
            .insert(name.to_string(), val.clone());
        val
    }

    /// A variable's value: its input or its default, converted to its type.
    fn variable_value(&self, name: &str, depth: usize) -> Val {
        let decl = self.variables.get(name).map(|d| d.read());
        // Only a collection changes with its type (optional attributes); the type is read then.
        let convert = |val: Val, null_unknown: bool| {
            if !matches!(val.value, Value::Object(_) | Value::List(_)) {
                return val;
            }
            let ty = match decl.and_then(|d| Some((d.ty?, d.src))) {
                Some((ty, src)) => {
                    let parse = || {
                        let literal = Scope::default();
                        types::parse(ty, &|e| literal.eval_at(e, src, depth + 1))
                    };
                    // Far from the depth limit, a type reads the same wherever it is asked for.
                    match (&self.types, hcl_edit::Span::span(ty)) {
                        (Some(cache), Some(span)) if depth < MAX_DEPTH / 4 => {
                            cache.get_or((src.file, src.base + span.start), parse)
                        }
                        _ => parse(),
                    }
                }
                None => types::Type::Any,
            };
            types::convert(val, &ty, null_unknown)
        };
        if let Some(val) = self.inputs.get(name) {
            // `nullable = false`: a `null` input means the default.
            let null_means_default = matches!(val.value, Value::Null)
                && decl.is_some_and(|d| !d.nullable && d.default.is_some());
            if !null_means_default {
                return convert(val.clone(), false);
            }
        }
        match decl {
            Some(Variable {
                default: Some(default),
                src,
                ..
            }) if self.defaults_unknown => Val::unknown(src.loc(default)),
            Some(Variable {
                default: Some(default),
                src,
                ..
            }) => {
                let val = self.eval_at(default, src, depth);
                // `null` and `""` defaults mean "not set here": the caller decides, unless this
                // is the caller's view. So does a `null` attribute of an object default.
                match &val.value {
                    _ if self.called => convert(val, false),
                    Value::Null => Val::unknown(val.loc),
                    Value::Str(s) if s.as_literal() == Some("") => Val::unknown(val.loc),
                    _ => convert(val, true),
                }
            }
            Some(Variable { src, .. }) => Val::unknown(Loc {
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
    Value::Str(Str::from_parts(vec![Part::Input(name)]))
}

fn is_resource_type(name: &str) -> bool {
    name.contains('_')
        && !matches!(
            name,
            "each" | "count" | "path" | "self" | "terraform" | "module"
        )
}

fn index(val: &Val, key: &Value) -> Step {
    match (&val.value, key) {
        (Value::Unknown, _) | (_, Value::Unknown) => Step::Unknown,
        (Value::List(items), Value::Number(n)) => {
            if items.iter().any(Val::is_unknown) {
                return Step::Unknown;
            }
            match n.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(v) => Step::Val(v.clone()),
                None => Step::Failed,
            }
        }
        (Value::Object(_), Value::Str(s)) => match s.as_literal() {
            Some(k) => get_attr(val, k),
            None => Step::Unknown,
        },
        (Value::Object(_), Value::Number(n)) => get_attr(val, n),
        (Value::Null, _) => Step::Failed,
        _ => Step::Unknown,
    }
}

/// `value.name`: an attribute of a known object; a failure when the object lacks it.
fn get_attr(val: &Val, name: &str) -> Step {
    match &val.value {
        Value::Object(entries) => match entries.iter().find(|(k, _)| k == name) {
            Some((_, v)) => Step::Val(v.clone()),
            None => Step::Failed,
        },
        Value::Null | Value::Bool(_) | Value::Number(_) => Step::Failed,
        // An instance of a resource (`v` in `for k, v in google_x.y`): its attribute.
        Value::Str(s) => match s.parts() {
            [Part::Ref(r)] if r.attr.is_none() => Step::Val(Val {
                value: Value::Str(Str::from_parts(vec![Part::Ref(Box::new(Ref {
                    attr: Some(name.into()),
                    ..(**r).clone()
                }))])),
                loc: val.loc.clone(),
            }),
            _ => Step::Unknown,
        },
        Value::List(_) | Value::Unknown => Step::Unknown,
    }
}

/// A value whose type is not known: unknown, or a string standing for an input or unknown.
fn opaque(v: &Value) -> bool {
    match v {
        Value::Unknown => true,
        Value::Str(s) => s
            .parts()
            .iter()
            .any(|p| matches!(p, Part::Input(_) | Part::Unknown)),
        _ => false,
    }
}

/// Known well enough for `try` to take: nothing in it is unknown (a reference to a resource
/// or an input is not a failure).
fn settled(v: &Value) -> bool {
    match v {
        Value::Unknown => false,
        Value::Str(s) => !s.parts().iter().any(|p| matches!(p, Part::Unknown)),
        Value::List(items) => items.iter().all(|i| settled(&i.value)),
        Value::Object(entries) => entries.iter().all(|(_, v)| settled(&v.value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    }
}

fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value) -> Value {
    use BinaryOperator::*;
    match op {
        And | Or => match (lhs, rhs) {
            (Value::Bool(a), Value::Bool(b)) => {
                Value::Bool(if op == And { *a && *b } else { *a || *b })
            }
            (Value::Bool(false), _) if op == And => Value::Bool(false),
            (Value::Bool(true), _) if op == Or => Value::Bool(true),
            _ => Value::Unknown,
        },
        Eq | NotEq => {
            let equal = match (lhs, rhs) {
                (Value::Null, Value::Null) => Some(true),
                (Value::Null, v) | (v, Value::Null) => scalar(v).map(|_| false),
                (Value::Number(_), Value::Number(_)) => {
                    as_number(lhs).zip(as_number(rhs)).map(|(a, b)| a == b)
                }
                _ => match (scalar(lhs), scalar(rhs)) {
                    (Some(a), Some(b)) => Some(a == b),
                    _ => None,
                },
            };
            match equal {
                Some(e) => Value::Bool(if op == Eq { e } else { !e }),
                None => Value::Unknown,
            }
        }
        _ => {
            let (Some(a), Some(b)) = (as_number(lhs), as_number(rhs)) else {
                return Value::Unknown;
            };
            match op {
                Less => Value::Bool(a < b),
                LessEq => Value::Bool(a <= b),
                Greater => Value::Bool(a > b),
                GreaterEq => Value::Bool(a >= b),
                Plus => number(Some(a + b)),
                Minus => number(Some(a - b)),
                Mul => number(Some(a * b)),
                Div if b != 0.0 => number(Some(a / b)),
                Mod if b != 0.0 => number(Some(a % b)),
                _ => Value::Unknown,
            }
        }
    }
}

/// The Terraform functions that can be known statically. Anything else is unknown, and so is a
/// call whose arguments are not known well enough.
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
    fn equal_string_literals_share_one_text() {
        let text = "locals {\n  a = \"run.services.get\"\n}\nv = [\"run.services.get\", local.a, \"run.jobs.get\", \"run.${local.a}\"]\n";
        let val = eval_attr(text, "v");
        let items = val.elements();
        let lit = |i: usize| match items[i].as_template().unwrap().parts() {
            [Part::Lit(t)] => t.clone(),
            other => panic!("not one literal: {other:?}"),
        };
        assert_eq!(lit(0), lit(1));
        assert!(
            std::ptr::eq(lit(0).as_str(), lit(1).as_str()),
            "written twice, held once"
        );
        assert_eq!(lit(2), "run.jobs.get");
        assert!(!std::ptr::eq(lit(0).as_str(), lit(2).as_str()));
        assert_eq!(
            lit(3),
            "run.run.services.get",
            "a template is joined into a text of its own"
        );
        // Where each was written is still its own.
        assert_eq!(&text[items[0].loc.range.clone()], "\"run.services.get\"");
        assert_eq!(&text[items[1].loc.range.clone()], "\"run.services.get\"");
        assert_ne!(items[0].loc, items[1].loc);
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

    fn strs(val: &Val) -> Vec<String> {
        val.elements()
            .iter()
            .map(|v| v.as_str().unwrap_or("?").to_string())
            .collect()
    }

    #[test]
    fn for_expressions_splats_and_operators() {
        let text = "locals {\n  roles = { viewer = \"roles/viewer\", editor = \"roles/editor\" }\n  sas = [{ email = \"a@x\" }, { email = \"b@x\" }]\n}\nl = [for k, r in local.roles : r if k != \"viewer\"]\no = { for s in local.sas : s.email => \"serviceAccount:${s.email}\" }\ns = local.sas[*].email\nb = length(local.sas) > 1 && !false\nn = 2 * 3 - 1\n";
        assert_eq!(strs(&eval_attr(text, "l")), ["roles/editor"]);
        assert_eq!(
            eval_attr(text, "o").get("b@x").and_then(Val::as_str),
            Some("serviceAccount:b@x")
        );
        assert_eq!(strs(&eval_attr(text, "s")), ["a@x", "b@x"]);
        assert_eq!(eval_attr(text, "b").value, Value::Bool(true));
        assert_eq!(eval_attr(text, "n").value, Value::Number("5".into()));
    }

    #[test]
    fn functions() {
        let text = "locals {\n  m = merge({ a = \"1\" }, { b = \"2\", a = \"3\" })\n}\nu = setunion([\"a\", \"b\"], [\"b\", \"c\"])\nd = setsubtract([\"a\", \"b\"], [\"b\"])\nl = lookup(local.m, \"a\", \"none\")\nf = format(\"%s-compute@%s\", \"123\", \"developer.gserviceaccount.com\")\nj = join(\",\", split(\"/\", \"a/b\"))\nr = replace(\"a-b\", \"-\", \"_\")\nc = coalesce(\"\", \"x\")\nt = try(var.nope, \"fallback\")\n";
        assert_eq!(strs(&eval_attr(text, "u")), ["a", "b", "c"]);
        assert_eq!(strs(&eval_attr(text, "d")), ["a"]);
        assert_eq!(eval_attr(text, "l").as_str(), Some("3"));
        assert_eq!(
            eval_attr(text, "f").as_str(),
            Some("123-compute@developer.gserviceaccount.com")
        );
        assert_eq!(eval_attr(text, "j").as_str(), Some("a,b"));
        assert_eq!(eval_attr(text, "r").as_str(), Some("a_b"));
        assert_eq!(eval_attr(text, "c").as_str(), Some("x"));
        assert_eq!(
            eval_attr(text, "t").as_str(),
            None,
            "try does not guess past an unknown"
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
            val.as_template().unwrap().parts(),
            [Part::Input("var.x".into())]
        );
        let a = eval_attr("v = \"projects/${var.p}\"\n", "v");
        let b = eval_attr("v = \"projects/${var.p}\"\n", "v");
        assert_eq!(a.value, b.value, "the same input is the same value");
        assert_ne!(a.value, eval_attr("v = \"projects/${var.q}\"\n", "v").value);
    }

    /// Evaluates attribute `name` of `text`, with its variable blocks (types included) and
    /// `inputs` (name, expression) set as from tfvars.
    fn eval_typed(text: &str, name: &str, inputs: &[(&str, &str)], called: bool) -> Val {
        let body: Body = hcl_edit::parser::parse_body(text).unwrap();
        let src = Src { file: 0, base: 0 };
        let mut scope = Scope::default();
        for block in body.blocks() {
            if block.ident.as_str() == "variable" {
                scope.add_variable_block(block.labels[0].as_str(), &block.body, src);
            }
        }
        for (input, expr) in inputs {
            let expr = hcl_edit::parser::parse_expr(expr).unwrap();
            let val = Scope::default().eval(&expr, src);
            scope.set_input(input, val);
        }
        if called {
            scope.set_called();
        }
        let attr = body.get_attribute(name).unwrap();
        scope.eval(&attr.value, src)
    }

    fn json(val: &Val) -> Option<serde_json::Value> {
        functions::to_json(&val.value)
    }

    #[test]
    fn splats_follow_the_hcl_spec() {
        let text = "locals {\n  x = [{ a = [\"p\", \"q\"] }, { a = [\"r\", \"s\"] }]\n}\nlegacy = local.x.*.a[0]\nfull = local.x[*].a[0]\nlegacy_dot = local.x.*.a.0\nsingle = { a = \"b\" }[*].a\nnone = null[*]\n";
        assert_eq!(
            json(&eval_attr(text, "legacy")),
            Some(serde_json::json!(["p", "q"]))
        );
        assert_eq!(
            json(&eval_attr(text, "full")),
            Some(serde_json::json!(["p", "r"]))
        );
        assert_eq!(
            json(&eval_attr(text, "legacy_dot")),
            Some(serde_json::json!(["p", "r"]))
        );
        assert_eq!(
            json(&eval_attr(text, "single")),
            Some(serde_json::json!(["b"]))
        );
        assert_eq!(json(&eval_attr(text, "none")), Some(serde_json::json!([])));
    }

    #[test]
    fn the_last_argument_expands() {
        let text = "locals {\n  maps = [{ a = 1 }, { b = 2 }, { a = 3 }]\n}\nm = merge(local.maps...)\nc = concat([[\"x\"], [\"y\"]]...)\nu = merge(var.unknown...)\n";
        assert_eq!(
            json(&eval_attr(text, "m")),
            Some(serde_json::json!({"a": 3, "b": 2}))
        );
        assert_eq!(
            json(&eval_attr(text, "c")),
            Some(serde_json::json!(["x", "y"]))
        );
        assert!(eval_attr(text, "u").is_unknown());
    }

    #[test]
    fn try_and_can_catch_failures_only() {
        let text = "locals {\n  o = { a = \"x\" }\n}\nmissing = try(local.o.b, \"fallback\")\npresent = try(local.o.a, \"fallback\")\ninput = try(var.v.b, \"fallback\")\ncan_missing = can(local.o.b)\ncan_input = can(var.v.b)\nindex = try([\"a\"][3], \"fallback\")\n";
        assert_eq!(eval_attr(text, "missing").as_str(), Some("fallback"));
        assert_eq!(eval_attr(text, "present").as_str(), Some("x"));
        assert!(
            eval_attr(text, "input").is_unknown(),
            "an input is not a failure"
        );
        assert_eq!(eval_attr(text, "can_missing").value, Value::Bool(false));
        assert!(eval_attr(text, "can_input").is_unknown());
        assert_eq!(eval_attr(text, "index").as_str(), Some("fallback"));
    }

    #[test]
    fn types_apply_to_defaults_and_inputs() {
        let text = "variable \"c\" {\n  type = object({\n    principals = optional(map(string), {})\n    groups = optional(list(object({ name = string, role = optional(string, \"roles/viewer\") })), [])\n  })\n  default = {}\n  nullable = false\n}\nv = var.c\n";
        assert_eq!(
            json(&eval_typed(text, "v", &[], false)),
            Some(serde_json::json!({"principals": {}, "groups": []}))
        );
        assert_eq!(
            json(&eval_typed(
                text,
                "v",
                &[("c", "{ groups = [{ name = \"g\" }] }")],
                false
            )),
            Some(
                serde_json::json!({"principals": {}, "groups": [{"name": "g", "role": "roles/viewer"}]})
            ),
            "tfvars and a caller's inputs get the optional() defaults too"
        );
        assert_eq!(
            json(&eval_typed(text, "v", &[("c", "null")], false)),
            Some(serde_json::json!({"principals": {}, "groups": []})),
            "nullable = false: null means the default"
        );
    }

    #[test]
    fn a_null_attribute_of_a_default_is_like_a_null_default() {
        let text = "variable \"sa\" {\n  type = object({ email = string })\n  default = { email = null }\n}\nvariable \"plain\" {\n  default = null\n}\nfield = var.sa.email\nplain = var.plain\n";
        assert!(eval_typed(text, "field", &[], false).is_unknown());
        assert_eq!(
            eval_typed(text, "plain", &[], false).value,
            input("var.plain".into()),
            "an input: the caller decides"
        );
        assert_eq!(
            eval_typed(text, "field", &[], true).value,
            Value::Null,
            "called without it: the default, for certain"
        );
    }

    #[test]
    fn for_grouping_gathers_the_values_of_a_key() {
        let text = "locals {\n  b = [{ r = \"viewer\", m = \"a\" }, { r = \"editor\", m = \"b\" }, { r = \"viewer\", m = \"c\" }]\n}\ng = { for x in local.b : x.r => x.m... }\nd = try({ for x in local.b : x.r => x.m }, \"duplicate\")\n";
        assert_eq!(
            json(&eval_attr(text, "g")),
            Some(serde_json::json!({"viewer": ["a", "c"], "editor": ["b"]}))
        );
        assert_eq!(
            eval_attr(text, "d").as_str(),
            Some("duplicate"),
            "a key twice without grouping fails"
        );
    }
}
