//! Terraform's built-in functions, as one table: [`FUNCTIONS`] (name, arity, implementation).
//! Adding a function is adding one row and its implementation.
//!
//! Only functions whose result is determined by their arguments are here. Functions that
//! depend on time, randomness or the machine (`timestamp`, `uuid`, `bcrypt`, ...) are not, so
//! a call of them is unknown, like a call of any function not in the table.
//!
//! An implementation returns [`Ok`] with the value, or [`Value::Unknown`] when its arguments
//! are not known well enough, and [`Err(Failed)`](Failed) only when Terraform would fail on
//! these arguments for certain (what `try` and `can` catch).

use super::MAX_ITEMS;
use super::budget::{self, Budget};
use super::files::Files;
use super::value::*;
use std::collections::{BTreeMap, HashSet};

/// What a function is given: its arguments (with a `...` expansion already applied), the
/// location of the call (for the values it makes) and the files it may read.
pub struct Call<'c> {
    pub args: Vec<Val>,
    pub loc: Loc,
    pub files: &'c Files,
    /// The module's evaluation budget: a result that would be past one value's caps is
    /// unknown, and counted here, before it is built.
    pub budget: &'c Budget,
}

impl Call<'_> {
    /// The result would be past the caps of one value ([`budget`]): unknown, counted.
    fn too_large(&self) -> Out {
        self.budget.hit();
        Ok(Value::Unknown)
    }
}

pub enum Imp {
    Pure(fn(&Call) -> Out),
    /// `try` and `can`: the arguments are evaluated by the scope, which catches failures.
    Lazy,
}

pub struct Function {
    pub name: &'static str,
    pub min: usize,
    /// `None`: any number of arguments.
    pub max: Option<usize>,
    pub imp: Imp,
}

const fn f(name: &'static str, min: usize, max: usize, imp: fn(&Call) -> Out) -> Function {
    Function {
        name,
        min,
        max: Some(max),
        imp: Imp::Pure(imp),
    }
}

const fn variadic(name: &'static str, min: usize, imp: fn(&Call) -> Out) -> Function {
    Function {
        name,
        min,
        max: None,
        imp: Imp::Pure(imp),
    }
}

/// Every function iamlint evaluates, sorted by name.
pub static FUNCTIONS: &[Function] = &[
    f("abs", 1, 1, |c| num1(c, f64::abs)),
    f("alltrue", 1, 1, |c| all_any(c, true)),
    f("anytrue", 1, 1, |c| all_any(c, false)),
    f("base64decode", 1, 1, base64decode),
    f("base64encode", 1, 1, |c| {
        str1(c, |s| Ok(lit(base64_encode(s.as_bytes()))))
    }),
    f("base64sha256", 1, 1, |c| hashed(c, sha256, true)),
    f("base64sha512", 1, 1, |c| hashed(c, sha512, true)),
    f("basename", 1, 1, |c| {
        str1(c, |s| {
            let trimmed = s.trim_end_matches('/');
            Ok(lit(match trimmed {
                "" if s.is_empty() => ".",
                "" => "/",
                t => t.rsplit('/').next().unwrap_or(t),
            }))
        })
    }),
    Function {
        name: "can",
        min: 1,
        max: Some(1),
        imp: Imp::Lazy,
    },
    f("ceil", 1, 1, |c| num1(c, f64::ceil)),
    f("chomp", 1, 1, |c| {
        str1(c, |s| Ok(lit(s.trim_end_matches(['\n', '\r']))))
    }),
    f("chunklist", 2, 2, chunklist),
    f("cidrhost", 2, 2, cidrhost),
    f("cidrnetmask", 1, 1, cidrnetmask),
    f("cidrsubnet", 3, 3, cidrsubnet),
    variadic("cidrsubnets", 1, cidrsubnets),
    variadic("coalesce", 1, coalesce),
    variadic("coalescelist", 1, coalescelist),
    f("compact", 1, 1, compact),
    variadic("concat", 0, concat),
    f("contains", 2, 2, contains),
    f("csvdecode", 1, 1, csvdecode),
    f("dirname", 1, 1, |c| {
        str1(c, |s| {
            Ok(lit(match s.rsplit_once('/') {
                Some(("", _)) => "/",
                Some((dir, _)) => dir.trim_end_matches('/'),
                None => ".",
            }))
        })
    }),
    f("distinct", 1, 1, |c| tolist_like(c, true)),
    f("element", 2, 2, element),
    f("endswith", 2, 2, |c| {
        str2(c, |a, b| Ok(Value::Bool(a.ends_with(b))))
    }),
    f("file", 1, 1, |c| c.files.file(&c.args[0])),
    f("filebase64", 1, 1, |c| match c.files.file(&c.args[0])? {
        Value::Str(s) => Ok(s
            .as_literal()
            .map_or(Value::Unknown, |s| lit(base64_encode(s.as_bytes())))),
        other => Ok(other),
    }),
    f("fileexists", 1, 1, |c| c.files.exists(&c.args[0])),
    f("fileset", 2, 2, |c| {
        c.files.fileset(&c.args[0], &c.args[1], &c.loc)
    }),
    f("flatten", 1, 1, flatten),
    f("floor", 1, 1, |c| num1(c, f64::floor)),
    variadic("format", 1, format),
    variadic("formatlist", 1, formatlist),
    f("indent", 2, 2, indent),
    f("index", 2, 2, index_of),
    f("join", 2, 2, join),
    f("jsondecode", 1, 1, jsondecode),
    f("jsonencode", 1, 1, jsonencode),
    f("keys", 1, 1, |c| keys_values(c, true)),
    f("length", 1, 1, length),
    f("lookup", 2, 3, lookup),
    f("lower", 1, 1, |c| scalar1(c, |s| Ok(lit(s.to_lowercase())))),
    f("matchkeys", 3, 3, matchkeys),
    variadic("max", 1, |c| min_max(c, true)),
    f("md5", 1, 1, |c| hashed(c, md5, false)),
    variadic("merge", 0, merge),
    variadic("min", 1, |c| min_max(c, false)),
    f("nonsensitive", 1, 1, |c| Ok(c.args[0].value.clone())),
    f("one", 1, 1, one),
    f("parseint", 2, 2, parseint),
    // `~` is the home directory of the machine that runs Terraform: unknown.
    f("pathexpand", 1, 1, |c| {
        str1(c, |s| match s.starts_with('~') {
            true => Ok(Value::Unknown),
            false => Ok(lit(s)),
        })
    }),
    f("pow", 2, 2, |c| match (num(&c.args[0]), num(&c.args[1])) {
        (Some(a), Some(b)) => Ok(number(Some(a.powf(b)))),
        _ => Ok(Value::Unknown),
    }),
    f("range", 1, 3, range),
    f("regex", 2, 2, |c| regex(c, false)),
    f("regexall", 2, 2, |c| regex(c, true)),
    f("replace", 3, 3, replace),
    f("reverse", 1, 1, |c| match complete_list(&c.args[0]) {
        Some(items) => Ok(Value::List(items.iter().rev().cloned().collect())),
        None => Ok(Value::Unknown),
    }),
    f("sensitive", 1, 1, |c| Ok(c.args[0].value.clone())),
    variadic("setintersection", 1, setintersection),
    variadic("setproduct", 1, setproduct),
    f("setsubtract", 2, 2, setsubtract),
    variadic("setunion", 0, setunion),
    f("sha1", 1, 1, |c| hashed(c, sha1, false)),
    f("sha256", 1, 1, |c| hashed(c, sha256, false)),
    f("sha512", 1, 1, |c| hashed(c, sha512, false)),
    f("signum", 1, 1, |c| {
        num1(c, |n| if n == 0.0 { 0.0 } else { n.signum() })
    }),
    f("slice", 3, 3, slice),
    f("sort", 1, 1, sort),
    f("split", 2, 2, split),
    f("startswith", 2, 2, |c| {
        str2(c, |a, b| Ok(Value::Bool(a.starts_with(b))))
    }),
    f("strcontains", 2, 2, |c| {
        str2(c, |a, b| Ok(Value::Bool(a.contains(b))))
    }),
    f("strrev", 1, 1, |c| {
        str1(c, |s| Ok(lit(s.chars().rev().collect::<String>())))
    }),
    f("substr", 3, 3, substr),
    f("sum", 1, 1, sum),
    // Evaluated by the scope, which evaluates the template.
    f("templatefile", 2, 2, |_| Ok(Value::Unknown)),
    f("templatestring", 2, 2, |_| Ok(Value::Unknown)),
    f("title", 1, 1, |c| str1(c, |s| Ok(lit(title(s))))),
    f("tobool", 1, 1, tobool),
    f("tolist", 1, 1, |c| tolist_like(c, false)),
    f("tomap", 1, 1, |c| match &c.args[0].value {
        Value::Object(_) | Value::Null | Value::Unknown => Ok(c.args[0].value.clone()),
        _ => Err(Failed),
    }),
    f("tonumber", 1, 1, tonumber),
    f("toset", 1, 1, |c| tolist_like(c, true)),
    f("tostring", 1, 1, |c| match &c.args[0].value {
        Value::List(_) | Value::Object(_) => Err(Failed),
        Value::Number(n) => Ok(lit(n.clone())),
        Value::Bool(b) => Ok(lit(b.to_string())),
        other => Ok(other.clone()),
    }),
    f("transpose", 1, 1, transpose),
    f("trim", 2, 2, |c| {
        str2(c, |s, cut| Ok(lit(s.trim_matches(|ch| cut.contains(ch)))))
    }),
    f("trimprefix", 2, 2, |c| {
        str2(c, |s, p| Ok(lit(s.strip_prefix(p).unwrap_or(s))))
    }),
    f("trimspace", 1, 1, |c| str1(c, |s| Ok(lit(s.trim())))),
    f("trimsuffix", 2, 2, |c| {
        str2(c, |s, p| Ok(lit(s.strip_suffix(p).unwrap_or(s))))
    }),
    Function {
        name: "try",
        min: 1,
        max: None,
        imp: Imp::Lazy,
    },
    f("upper", 1, 1, |c| scalar1(c, |s| Ok(lit(s.to_uppercase())))),
    f("urlencode", 1, 1, |c| str1(c, |s| Ok(lit(urlencode(s))))),
    f("values", 1, 1, |c| keys_values(c, false)),
    f("yamldecode", 1, 1, yamldecode),
    f("zipmap", 2, 2, zipmap),
];

/// The function of a name, if iamlint evaluates it.
pub fn lookup_function(name: &str) -> Option<&'static Function> {
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .map(|i| &FUNCTIONS[i])
}

// ---- helpers -------------------------------------------------------------------------------

fn lit(s: impl Into<super::value::Text>) -> Value {
    Value::Str(Str::literal(s))
}

fn text(s: impl Into<super::value::Text>, loc: &Loc) -> Val {
    Val {
        value: lit(s),
        loc: loc.clone(),
    }
}

fn num_val(n: f64, loc: &Loc) -> Val {
    Val {
        value: number(Some(n)),
        loc: loc.clone(),
    }
}

/// A string argument, converted from a number or a bool as Terraform does.
fn string(v: &Val) -> Option<String> {
    scalar(&v.value)
}

fn num(v: &Val) -> Option<f64> {
    as_number(&v.value)
}

/// A list whose every element is there (no unknown run of elements).
fn complete_list(v: &Val) -> Option<&[Val]> {
    match &v.value {
        Value::List(items) if !items.iter().any(Val::is_unknown) => Some(items),
        _ => None,
    }
}

/// Known all the way down: no unknown value, no unknown or symbolic part of a string.
pub fn deep_known(v: &Value) -> bool {
    match v {
        Value::Unknown => false,
        Value::Str(s) => s.as_literal().is_some(),
        Value::List(items) => items.iter().all(|i| deep_known(&i.value)),
        Value::Object(entries) => entries.iter().all(|(_, v)| deep_known(&v.value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
    }
}

fn str1(c: &Call, f: impl FnOnce(&str) -> Out) -> Out {
    match &c.args[0].value {
        Value::Str(s) => s.as_literal().map_or(Ok(Value::Unknown), f),
        _ => Ok(Value::Unknown),
    }
}

fn scalar1(c: &Call, f: impl FnOnce(&str) -> Out) -> Out {
    string(&c.args[0]).map_or(Ok(Value::Unknown), |s| f(&s))
}

fn str2(c: &Call, f: impl FnOnce(&str, &str) -> Out) -> Out {
    match (string(&c.args[0]), string(&c.args[1])) {
        (Some(a), Some(b)) => f(&a, &b),
        _ => Ok(Value::Unknown),
    }
}

fn num1(c: &Call, f: impl FnOnce(f64) -> f64) -> Out {
    Ok(num(&c.args[0]).map_or(Value::Unknown, |n| number(Some(f(n)))))
}

fn int(v: &Val) -> Option<i64> {
    let n = num(v)?;
    (n.fract() == 0.0 && n.abs() < 1e15).then_some(n as i64)
}

/// Removes duplicates among the known strings, keeping the first of each.
fn dedup(items: Vec<Val>) -> Vec<Val> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|v| match scalar(&v.value) {
            Some(s) => seen.insert(s),
            None => true,
        })
        .collect()
}

// ---- collections ---------------------------------------------------------------------------

fn concat(c: &Call) -> Out {
    let mut out = Vec::new();
    for arg in &c.args {
        match &arg.value {
            Value::List(items) => out.extend(items.iter().cloned()),
            Value::Unknown => out.push(Val::unknown(arg.loc.clone())),
            // An input or a resource's attribute: a list of unknown length.
            Value::Str(s) if s.as_literal().is_none() => out.push(Val::unknown(arg.loc.clone())),
            _ => return Err(Failed),
        }
    }
    Ok(Value::List(out))
}

fn setunion(c: &Call) -> Out {
    match concat(c)? {
        Value::List(items) => Ok(Value::List(dedup(items))),
        other => Ok(other),
    }
}

fn setintersection(c: &Call) -> Out {
    let mut sets = Vec::new();
    for arg in &c.args {
        let Some(items) = complete_list(arg) else {
            return Ok(Value::Unknown);
        };
        let Some(strings) = items
            .iter()
            .map(|i| scalar(&i.value))
            .collect::<Option<Vec<_>>>()
        else {
            return Ok(Value::Unknown);
        };
        sets.push((items, strings));
    }
    let (first, first_strings) = &sets[0];
    let out = first
        .iter()
        .zip(first_strings)
        .filter(|(_, s)| sets[1..].iter().all(|(_, other)| other.contains(s)))
        .map(|(v, _)| v.clone())
        .collect();
    Ok(Value::List(dedup(out)))
}

fn setsubtract(c: &Call) -> Out {
    match (&c.args[0].value, &c.args[1].value) {
        (Value::List(items), Value::List(remove))
            if remove.iter().all(|r| r.as_str().is_some()) =>
        {
            let remove: HashSet<&str> = remove.iter().filter_map(Val::as_str).collect();
            Ok(Value::List(
                items
                    .iter()
                    .filter(|v| v.as_str().is_none_or(|s| !remove.contains(s)))
                    .cloned()
                    .collect(),
            ))
        }
        _ => Ok(Value::Unknown),
    }
}

fn setproduct(c: &Call) -> Out {
    let mut lists = Vec::new();
    for arg in &c.args {
        match complete_list(arg) {
            Some(items) => lists.push(items),
            None => return Ok(Value::Unknown),
        }
    }
    let size = lists
        .iter()
        .try_fold(1usize, |n, l| n.checked_mul(l.len()))
        .unwrap_or(usize::MAX);
    if size > MAX_ITEMS {
        return c.too_large();
    }
    // Each element of list i is copied into size / len(i) tuples.
    let mut elements = size;
    for list in &lists {
        let copies = size / list.len().max(1);
        for item in list.iter() {
            let Some(s) = budget::measure(&item.value, budget::VALUE_LIMIT) else {
                return c.too_large();
            };
            elements = elements.saturating_add(s.elements.saturating_mul(copies));
        }
    }
    if elements > budget::MAX_ELEMENTS {
        return c.too_large();
    }
    let mut out: Vec<Vec<Val>> = vec![Vec::new()];
    for list in lists {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |item| {
                    let mut next = prefix.clone();
                    next.push(item.clone());
                    next
                })
            })
            .collect();
    }
    Ok(Value::List(
        out.into_iter()
            .map(|tuple| Val {
                value: Value::List(tuple),
                loc: c.loc.clone(),
            })
            .collect(),
    ))
}

fn tolist_like(c: &Call, unique: bool) -> Out {
    match &c.args[0].value {
        Value::List(items) if unique => {
            // A set of partly unknown strings may hold fewer elements than written.
            Ok(Value::List(dedup(items.clone())))
        }
        Value::List(items) => Ok(Value::List(items.clone())),
        Value::Null => Ok(Value::Null),
        Value::Unknown => Ok(Value::Unknown),
        _ => Err(Failed),
    }
}

fn flatten_into(val: &Val, out: &mut Vec<Val>) {
    match &val.value {
        Value::List(items) => items.iter().for_each(|v| flatten_into(v, out)),
        _ => out.push(val.clone()),
    }
}

fn flatten(c: &Call) -> Out {
    match &c.args[0].value {
        Value::List(_) => {
            let mut out = Vec::new();
            flatten_into(&c.args[0], &mut out);
            Ok(Value::List(out))
        }
        Value::Unknown => Ok(Value::Unknown),
        _ => Err(Failed),
    }
}

fn compact(c: &Call) -> Out {
    match &c.args[0].value {
        Value::List(items) => Ok(Value::List(
            items
                .iter()
                .filter(|v| !matches!(&v.value, Value::Null) && v.as_str() != Some(""))
                .cloned()
                .collect(),
        )),
        _ => Ok(Value::Unknown),
    }
}

fn merge(c: &Call) -> Out {
    let mut out: Vec<(String, Val)> = Vec::new();
    for arg in &c.args {
        match &arg.value {
            Value::Object(entries) => {
                for (k, v) in entries {
                    out.retain(|(old, _)| old != k);
                    out.push((k.clone(), v.clone()));
                }
            }
            Value::Null => {}
            Value::Unknown => return Ok(Value::Unknown),
            _ => return Err(Failed),
        }
    }
    Ok(Value::Object(out))
}

fn lookup(c: &Call) -> Out {
    match (&c.args[0].value, string(&c.args[1])) {
        (Value::Object(entries), Some(key)) => match entries.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => Ok(v.value.clone()),
            None => c.args.get(2).map_or(Err(Failed), |d| Ok(d.value.clone())),
        },
        (Value::Null | Value::List(_) | Value::Bool(_) | Value::Number(_), _) => Err(Failed),
        _ => Ok(Value::Unknown),
    }
}

/// Terraform lists a map's keys, and so its values, in lexical order of the keys.
fn keys_values(c: &Call, keys: bool) -> Out {
    match &c.args[0].value {
        Value::Object(entries) => {
            let mut sorted: Vec<&(String, Val)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Value::List(
                sorted
                    .into_iter()
                    .map(|(k, v)| match keys {
                        true => text(k.clone(), &v.loc),
                        false => v.clone(),
                    })
                    .collect(),
            ))
        }
        Value::Unknown => Ok(Value::Unknown),
        _ => Err(Failed),
    }
}

fn length(c: &Call) -> Out {
    Ok(match &c.args[0].value {
        Value::List(items) if !items.iter().any(Val::is_unknown) => {
            number(Some(items.len() as f64))
        }
        Value::Object(entries) => number(Some(entries.len() as f64)),
        Value::Str(s) => s
            .as_literal()
            .map_or(Value::Unknown, |s| number(Some(s.chars().count() as f64))),
        _ => Value::Unknown,
    })
}

fn contains(c: &Call) -> Out {
    Ok(match (&c.args[0].value, scalar(&c.args[1].value)) {
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
    })
}

fn element(c: &Call) -> Out {
    match (complete_list(&c.args[0]), int(&c.args[1])) {
        (Some([]), Some(_)) => Err(Failed),
        (Some(items), Some(i)) if i >= 0 => Ok(items[(i as usize) % items.len()].value.clone()),
        _ => Ok(Value::Unknown),
    }
}

fn index_of(c: &Call) -> Out {
    let (Some(items), Some(needle)) = (complete_list(&c.args[0]), scalar(&c.args[1].value)) else {
        return Ok(Value::Unknown);
    };
    let Some(strings) = items
        .iter()
        .map(|i| scalar(&i.value))
        .collect::<Option<Vec<_>>>()
    else {
        return Ok(Value::Unknown);
    };
    match strings.iter().position(|s| *s == needle) {
        Some(i) => Ok(number(Some(i as f64))),
        None => Err(Failed),
    }
}

fn chunklist(c: &Call) -> Out {
    let (Some(items), Some(size)) = (complete_list(&c.args[0]), int(&c.args[1])) else {
        return Ok(Value::Unknown);
    };
    if size < 0 {
        return Err(Failed);
    }
    if size == 0 {
        return Ok(Value::List(vec![c.args[0].clone()]));
    }
    Ok(Value::List(
        items
            .chunks(size as usize)
            .map(|chunk| Val {
                value: Value::List(chunk.to_vec()),
                loc: c.loc.clone(),
            })
            .collect(),
    ))
}

fn slice(c: &Call) -> Out {
    let (Some(items), Some(start), Some(end)) =
        (complete_list(&c.args[0]), int(&c.args[1]), int(&c.args[2]))
    else {
        return Ok(Value::Unknown);
    };
    if start < 0 || end < start || end as usize > items.len() {
        return Err(Failed);
    }
    Ok(Value::List(items[start as usize..end as usize].to_vec()))
}

fn one(c: &Call) -> Out {
    match &c.args[0].value {
        Value::List(items) if !items.iter().any(Val::is_unknown) => match items.as_slice() {
            [] => Ok(Value::Null),
            [only] => Ok(only.value.clone()),
            _ => Err(Failed),
        },
        Value::Null => Ok(Value::Null),
        _ => Ok(Value::Unknown),
    }
}

fn coalesce(c: &Call) -> Out {
    for arg in &c.args {
        match &arg.value {
            Value::Null => continue,
            Value::Str(s) if s.as_literal() == Some("") => continue,
            Value::Unknown => return Ok(Value::Unknown),
            Value::Str(s) if s.as_literal().is_none() => return Ok(Value::Unknown),
            v => return Ok(v.clone()),
        }
    }
    Err(Failed)
}

fn coalescelist(c: &Call) -> Out {
    for arg in &c.args {
        match &arg.value {
            Value::List(items) if items.is_empty() => continue,
            Value::List(_) => return Ok(arg.value.clone()),
            _ => return Ok(Value::Unknown),
        }
    }
    Err(Failed)
}

fn matchkeys(c: &Call) -> Out {
    let (Some(values), Some(keys), Some(search)) = (
        complete_list(&c.args[0]),
        complete_list(&c.args[1]),
        complete_list(&c.args[2]),
    ) else {
        return Ok(Value::Unknown);
    };
    if values.len() != keys.len() {
        return Err(Failed);
    }
    let keys: Option<Vec<String>> = keys.iter().map(|k| scalar(&k.value)).collect();
    let search: Option<HashSet<String>> = search.iter().map(|k| scalar(&k.value)).collect();
    let (Some(keys), Some(search)) = (keys, search) else {
        return Ok(Value::Unknown);
    };
    Ok(Value::List(
        values
            .iter()
            .zip(keys)
            .filter(|(_, k)| search.contains(k))
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

fn range(c: &Call) -> Out {
    let nums: Option<Vec<f64>> = c.args.iter().map(num).collect();
    let Some(nums) = nums else {
        return Ok(Value::Unknown);
    };
    let (start, limit, step) = match nums.as_slice() {
        [limit] => (0.0, *limit, 1.0),
        [start, limit] => (*start, *limit, if limit >= start { 1.0 } else { -1.0 }),
        [start, limit, step] => (*start, *limit, *step),
        _ => return Ok(Value::Unknown),
    };
    if step == 0.0 || (step > 0.0) != (limit >= start) && limit != start {
        return Err(Failed);
    }
    let mut out = Vec::new();
    let mut n = start;
    while (step > 0.0 && n < limit) || (step < 0.0 && n > limit) {
        if out.len() >= MAX_ITEMS {
            return c.too_large();
        }
        out.push(num_val(n, &c.loc));
        n += step;
    }
    Ok(Value::List(out))
}

fn all_scalars(items: &[Val]) -> Option<Vec<String>> {
    items.iter().map(|i| scalar(&i.value)).collect()
}

fn sort(c: &Call) -> Out {
    let Some(items) = complete_list(&c.args[0]) else {
        return Ok(Value::Unknown);
    };
    if all_scalars(items).is_none() {
        return Ok(Value::Unknown);
    }
    let mut items = items.to_vec();
    items.sort_by_key(|i| scalar(&i.value).unwrap_or_default());
    Ok(Value::List(
        items
            .into_iter()
            .map(|i| Val {
                value: lit(scalar(&i.value).unwrap_or_default()),
                loc: i.loc,
            })
            .collect(),
    ))
}

fn sum(c: &Call) -> Out {
    let Some(items) = complete_list(&c.args[0]) else {
        return Ok(Value::Unknown);
    };
    if items.is_empty() {
        return Err(Failed);
    }
    let nums: Option<Vec<f64>> = items.iter().map(num).collect();
    Ok(nums.map_or(Value::Unknown, |n| number(Some(n.iter().sum()))))
}

fn min_max(c: &Call, max: bool) -> Out {
    let nums: Option<Vec<f64>> = c.args.iter().map(num).collect();
    Ok(nums.map_or(Value::Unknown, |n| {
        let pick = n.into_iter().reduce(|a, b| match max {
            true => a.max(b),
            false => a.min(b),
        });
        number(pick)
    }))
}

fn all_any(c: &Call, all: bool) -> Out {
    let Some(items) = complete_list(&c.args[0]) else {
        return Ok(Value::Unknown);
    };
    let mut unknown = false;
    for item in items {
        let b = match &item.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) => match s.as_literal() {
                Some("true") => Some(true),
                Some("false") => Some(false),
                Some(_) => return Err(Failed),
                None => None,
            },
            Value::Null => Some(false),
            _ => None,
        };
        match b {
            Some(b) if b != all => return Ok(Value::Bool(!all)),
            Some(_) => {}
            None => unknown = true,
        }
    }
    Ok(if unknown {
        Value::Unknown
    } else {
        Value::Bool(all)
    })
}

fn transpose(c: &Call) -> Out {
    let Value::Object(entries) = &c.args[0].value else {
        return Ok(Value::Unknown);
    };
    let mut sorted: Vec<&(String, Val)> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: BTreeMap<String, Vec<Val>> = BTreeMap::new();
    for (key, list) in sorted {
        let Some(items) = complete_list(list) else {
            return Ok(Value::Unknown);
        };
        for item in items {
            let Some(s) = item.as_str() else {
                return Ok(Value::Unknown);
            };
            out.entry(s.to_string())
                .or_default()
                .push(text(key.clone(), &item.loc));
        }
    }
    Ok(Value::Object(
        out.into_iter()
            .map(|(k, v)| {
                (
                    k,
                    Val {
                        value: Value::List(v),
                        loc: c.loc.clone(),
                    },
                )
            })
            .collect(),
    ))
}

fn zipmap(c: &Call) -> Out {
    let (Some(keys), Some(values)) = (complete_list(&c.args[0]), complete_list(&c.args[1])) else {
        return Ok(Value::Unknown);
    };
    if keys.len() != values.len() {
        return Err(Failed);
    }
    let mut out: Vec<(String, Val)> = Vec::new();
    for (k, v) in keys.iter().zip(values) {
        let Some(k) = scalar(&k.value) else {
            return Ok(Value::Unknown);
        };
        out.retain(|(old, _)| *old != k);
        out.push((k, v.clone()));
    }
    Ok(Value::Object(out))
}

// ---- strings -------------------------------------------------------------------------------

fn join(c: &Call) -> Out {
    match (string(&c.args[0]), &c.args[1].value) {
        (Some(sep), Value::List(items)) => {
            let parts: Option<Vec<String>> = items.iter().map(|i| scalar(&i.value)).collect();
            Ok(parts.map_or(Value::Unknown, |p| lit(p.join(&sep))))
        }
        _ => Ok(Value::Unknown),
    }
}

fn split(c: &Call) -> Out {
    match (string(&c.args[0]), string(&c.args[1])) {
        (Some(sep), Some(s)) if !sep.is_empty() => Ok(Value::List(
            s.split(sep.as_str())
                .map(|part| text(part, &c.args[1].loc))
                .collect(),
        )),
        _ => Ok(Value::Unknown),
    }
}

/// `/.../` marks a regular expression in `replace`.
fn as_pattern(s: &str) -> Option<&str> {
    (s.len() > 1 && s.starts_with('/') && s.ends_with('/')).then(|| &s[1..s.len() - 1])
}

fn replace(c: &Call) -> Out {
    let (Some(s), Some(from), Some(to)) =
        (string(&c.args[0]), string(&c.args[1]), string(&c.args[2]))
    else {
        return Ok(Value::Unknown);
    };
    match as_pattern(&from) {
        Some(pattern) => {
            let re = ::regex::Regex::new(pattern).map_err(|_| Failed)?;
            // A `$1` in the replacement may copy up to the whole string.
            let per_match = to
                .len()
                .saturating_add(to.matches('$').count().saturating_mul(s.len()));
            let matches = re.find_iter(&s).count();
            if s.len().saturating_add(matches.saturating_mul(per_match)) > budget::MAX_STRING_BYTES
            {
                return c.too_large();
            }
            Ok(lit(re.replace_all(&s, to.as_str()).into_owned()))
        }
        None => {
            let matches = match from.is_empty() {
                true => s.chars().count() + 1,
                false => s.matches(from.as_str()).count(),
            };
            if s.len().saturating_add(matches.saturating_mul(to.len())) > budget::MAX_STRING_BYTES {
                return c.too_large();
            }
            Ok(lit(s.replace(&from, &to)))
        }
    }
}

fn substr(c: &Call) -> Out {
    let (Some(s), Some(offset), Some(length)) =
        (string(&c.args[0]), int(&c.args[1]), int(&c.args[2]))
    else {
        return Ok(Value::Unknown);
    };
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let start = if offset < 0 { n + offset } else { offset };
    if start < 0 || start > n {
        return Err(Failed);
    }
    let end = if length < 0 {
        n
    } else {
        (start + length).min(n)
    };
    Ok(lit(chars[start as usize..end as usize]
        .iter()
        .collect::<String>()))
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_separator = true;
    for ch in s.chars() {
        if after_separator {
            out.extend(ch.to_uppercase());
        } else {
            out.push(ch);
        }
        after_separator = !(ch.is_alphanumeric() || ch == '_' || ch == '\'');
    }
    out
}

fn indent(c: &Call) -> Out {
    let (Some(n), Some(s)) = (int(&c.args[0]), string(&c.args[1])) else {
        return Ok(Value::Unknown);
    };
    let pad = " ".repeat(n.clamp(0, 1024) as usize);
    let lines = s.matches('\n').count();
    if s.len().saturating_add(lines.saturating_mul(pad.len())) > budget::MAX_STRING_BYTES {
        return c.too_large();
    }
    Ok(lit(s.replace('\n', &format!("\n{pad}"))))
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `format`'s verbs for one value: `%s`, `%d`, `%v`, `%q`, `%t`, `%%`. Flags, widths and other
/// verbs give unknown.
fn format_one(spec: &str, args: &[&Val]) -> Option<String> {
    let mut out = String::new();
    let mut rest = args.iter();
    let mut chars = spec.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let verb = chars.next()?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = rest.next()?;
        match (verb, &arg.value) {
            ('s' | 'v', _) => out.push_str(&scalar(&arg.value)?),
            ('d', _) => {
                let n = num(arg)?;
                (n.fract() == 0.0).then_some(())?;
                out.push_str(&format!("{}", n as i64));
            }
            ('t', Value::Bool(b)) => out.push_str(&b.to_string()),
            ('q', _) => out.push_str(&serde_json::to_string(&scalar(&arg.value)?).ok()?),
            _ => return None,
        }
    }
    Some(out)
}

fn format(c: &Call) -> Out {
    let Some(spec) = string(&c.args[0]) else {
        return Ok(Value::Unknown);
    };
    let args: Vec<&Val> = c.args[1..].iter().collect();
    Ok(format_one(&spec, &args).map_or(Value::Unknown, lit))
}

fn formatlist(c: &Call) -> Out {
    let Some(spec) = string(&c.args[0]) else {
        return Ok(Value::Unknown);
    };
    let mut n = None;
    for arg in &c.args[1..] {
        match &arg.value {
            Value::List(items) => {
                if items.iter().any(Val::is_unknown) {
                    return Ok(Value::Unknown);
                }
                match n {
                    Some(m) if m != items.len() => return Err(Failed),
                    _ => n = Some(items.len()),
                }
            }
            Value::Unknown => return Ok(Value::Unknown),
            _ => {}
        }
    }
    let n = n.unwrap_or(1);
    let mut out = Vec::with_capacity(n.min(MAX_ITEMS));
    let mut bytes = 0usize;
    for i in 0..n {
        let args: Vec<&Val> = c.args[1..]
            .iter()
            .map(|a| match &a.value {
                Value::List(items) => &items[i],
                _ => a,
            })
            .collect();
        match format_one(&spec, &args) {
            Some(s) => {
                bytes = bytes.saturating_add(s.len());
                if bytes > budget::MAX_STRING_BYTES {
                    return c.too_large();
                }
                out.push(text(s, &c.loc))
            }
            None => return Ok(Value::Unknown),
        }
    }
    Ok(Value::List(out))
}

fn regex(c: &Call, all: bool) -> Out {
    let (Some(pattern), Some(s)) = (string(&c.args[0]), string(&c.args[1])) else {
        return Ok(Value::Unknown);
    };
    let re = ::regex::Regex::new(&pattern).map_err(|_| Failed)?;
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().any(Option::is_some);
    let one = |caps: ::regex::Captures| -> Value {
        let group = |i: usize| match caps.get(i) {
            Some(m) => text(m.as_str(), &c.loc),
            None => Val {
                value: Value::Null,
                loc: c.loc.clone(),
            },
        };
        if names.is_empty() {
            group(0).value
        } else if named {
            Value::Object(
                names
                    .iter()
                    .enumerate()
                    .filter_map(|(i, n)| Some((n.as_ref()?.to_string(), group(i + 1))))
                    .collect(),
            )
        } else {
            Value::List((1..=names.len()).map(group).collect())
        }
    };
    if all {
        Ok(Value::List(
            re.captures_iter(&s)
                .map(|caps| Val {
                    value: one(caps),
                    loc: c.loc.clone(),
                })
                .collect(),
        ))
    } else {
        re.captures(&s).map(one).ok_or(Failed)
    }
}

// ---- numbers and conversions ---------------------------------------------------------------

fn parseint(c: &Call) -> Out {
    let (Some(s), Some(base)) = (string(&c.args[0]), int(&c.args[1])) else {
        return Ok(Value::Unknown);
    };
    if !(2..=62).contains(&base) || base > 36 {
        return Ok(Value::Unknown);
    }
    i64::from_str_radix(&s, base as u32)
        .map(|n| number(Some(n as f64)))
        .map_err(|_| Failed)
}

fn tobool(c: &Call) -> Out {
    match &c.args[0].value {
        Value::Bool(_) | Value::Null => Ok(c.args[0].value.clone()),
        Value::Str(s) => match s.as_literal() {
            Some("true") => Ok(Value::Bool(true)),
            Some("false") => Ok(Value::Bool(false)),
            Some(_) => Err(Failed),
            None => Ok(Value::Unknown),
        },
        Value::Unknown => Ok(Value::Unknown),
        _ => Err(Failed),
    }
}

fn tonumber(c: &Call) -> Out {
    match &c.args[0].value {
        Value::Number(_) | Value::Null => Ok(c.args[0].value.clone()),
        Value::Str(s) => match s.as_literal() {
            Some(s) => s
                .parse::<f64>()
                .map(|n| number(Some(n)))
                .map_err(|_| Failed),
            None => Ok(Value::Unknown),
        },
        Value::Unknown => Ok(Value::Unknown),
        _ => Err(Failed),
    }
}

// ---- encodings -----------------------------------------------------------------------------

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        let mut pad = 0;
        for (i, &b) in chunk.iter().enumerate() {
            let v = match b {
                b'=' if i >= 2 => {
                    pad += 1;
                    0
                }
                _ if pad > 0 => return None,
                _ => BASE64.iter().position(|&c| c == b)? as u32,
            };
            n = (n << 6) | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

fn base64decode(c: &Call) -> Out {
    str1(c, |s| {
        let bytes = base64_decode(s).ok_or(Failed)?;
        String::from_utf8(bytes).map(lit).map_err(|_| Failed)
    })
}

/// A fully known value as JSON; object keys in lexical order, as Terraform writes them.
pub fn to_json(v: &Value) -> Option<serde_json::Value> {
    Some(match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => match n.parse::<i64>() {
            Ok(i) => serde_json::Value::from(i),
            Err(_) => serde_json::Value::from(n.parse::<f64>().ok()?),
        },
        Value::Str(s) => serde_json::Value::String(s.as_literal()?.to_string()),
        Value::List(items) => serde_json::Value::Array(
            items
                .iter()
                .map(|i| to_json(&i.value))
                .collect::<Option<_>>()?,
        ),
        Value::Object(entries) => {
            let sorted: BTreeMap<&String, &Val> = entries.iter().map(|(k, v)| (k, v)).collect();
            let mut map = serde_json::Map::new();
            for (k, v) in sorted {
                map.insert(k.clone(), to_json(&v.value)?);
            }
            serde_json::Value::Object(map)
        }
        Value::Unknown => return None,
    })
}

/// JSON as a value; every part of it is located at `loc` (the call that read it).
pub fn from_json(j: &serde_json::Value, loc: &Loc) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => number(n.as_f64()),
        serde_json::Value::String(s) => lit(s.clone()),
        serde_json::Value::Array(items) => Value::List(
            items
                .iter()
                .map(|i| Val {
                    value: from_json(i, loc),
                    loc: loc.clone(),
                })
                .collect(),
        ),
        serde_json::Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        Val {
                            value: from_json(v, loc),
                            loc: loc.clone(),
                        },
                    )
                })
                .collect(),
        ),
    }
}

fn jsonencode(c: &Call) -> Out {
    let Some(json) = to_json(&c.args[0].value) else {
        return Ok(Value::Unknown);
    };
    let text = serde_json::to_string(&json).map_err(|_| Failed)?;
    // Terraform (Go) escapes these for safe embedding in HTML.
    let text = text
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029");
    Ok(lit(text))
}

fn jsondecode(c: &Call) -> Out {
    str1(c, |s| {
        let json: serde_json::Value = serde_json::from_str(s).map_err(|_| Failed)?;
        Ok(from_json(&json, &c.loc))
    })
}

/// YAML larger than this is not decoded (unknown).
const MAX_YAML: usize = 4 << 20;

fn yamldecode(c: &Call) -> Out {
    str1(c, |s| {
        if s.len() > MAX_YAML {
            return Ok(Value::Unknown);
        }
        if yaml_expanded_size(s).is_none_or(|n| n > MAX_YAML_NODES) {
            // Aliases that expand beyond reason (a "billion laughs"): not decoded.
            return Ok(Value::Unknown);
        }
        // The whole text of a file the module read: its values are located there.
        if let Some((file, _)) = c.files.origin(s) {
            let value = super::yaml::decode(s, file).map_err(|()| Failed)?;
            c.files.decoded(file, &c.loc);
            return Ok(value.unwrap_or(Value::Unknown));
        }
        let docs = yaml_rust2::YamlLoader::load_from_str(s).map_err(|_| Failed)?;
        match docs.as_slice() {
            [] => Ok(Value::Null),
            [doc] => Ok(super::yaml::from_yaml(doc, &c.loc, 0)),
            _ => Err(Failed),
        }
    })
}

/// A decoded YAML document larger than this many nodes (aliases expanded) is unknown.
const MAX_YAML_NODES: u64 = 1_000_000;

/// How many nodes the YAML holds once its aliases are expanded (the loader copies an anchored
/// node for each alias); `None` when it does not parse.
fn yaml_expanded_size(s: &str) -> Option<u64> {
    use yaml_rust2::Event;
    #[derive(Default)]
    struct Sizes {
        /// The open collections: their anchor and size so far.
        open: Vec<(usize, u64)>,
        anchors: std::collections::HashMap<usize, u64>,
        total: u64,
    }
    impl Sizes {
        fn node(&mut self, anchor: usize, size: u64) {
            if anchor > 0 {
                self.anchors.insert(anchor, size);
            }
            match self.open.last_mut() {
                Some((_, parent)) => *parent = parent.saturating_add(size),
                None => self.total = self.total.saturating_add(size),
            }
        }
    }
    impl yaml_rust2::parser::EventReceiver for Sizes {
        fn on_event(&mut self, ev: Event) {
            match ev {
                Event::Scalar(_, _, anchor, _) => self.node(anchor, 1),
                Event::Alias(id) => {
                    let size = self.anchors.get(&id).copied().unwrap_or(1);
                    self.node(0, size);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    self.open.push((anchor, 1));
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some((anchor, size)) = self.open.pop() {
                        self.node(anchor, size);
                    }
                }
                _ => {}
            }
        }
    }
    let mut sizes = Sizes::default();
    yaml_rust2::parser::Parser::new_from_str(s)
        .load(&mut sizes, true)
        .ok()?;
    Some(sizes.total)
}

// ---- IP networks (IPv4 and IPv6) -------------------------------------------------------------

/// A prefix: its address as a number, its length, and the width of its family (32 or 128).
fn cidr(s: &str) -> Option<(u128, u32, u32)> {
    let (addr, bits) = s.split_once('/')?;
    let bits: u32 = bits.parse().ok()?;
    let (addr, width) = match addr.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        std::net::IpAddr::V6(a) => (u128::from(a), 128),
    };
    (bits <= width).then_some((addr, bits, width))
}

/// The network mask of a prefix length in a family of `width` bits.
fn mask(bits: u32, width: u32) -> u128 {
    let all = match width {
        32 => u128::from(u32::MAX),
        _ => u128::MAX,
    };
    match bits {
        0 => 0,
        _ => all & (all << (width - bits)),
    }
}

fn address(ip: u128, width: u32) -> String {
    match width {
        // Terraform prints an IPv4 address as such, never as IPv6.
        32 => std::net::Ipv4Addr::from(ip as u32).to_string(),
        _ => std::net::Ipv6Addr::from(ip).to_string(),
    }
}

/// The `netnum`th subnet of `newbits` more bits of a prefix, `Err` when it does not fit.
fn subnet(prefix: (u128, u32, u32), newbits: i64, netnum: i64) -> Result<(u128, u32), Failed> {
    let (addr, bits, width) = prefix;
    let total = bits as i64 + newbits;
    if !(0..=width as i64).contains(&total)
        || !(0..=64).contains(&newbits)
        || netnum < 0
        || (newbits < 63 && netnum >= 1i64 << newbits)
    {
        return Err(Failed);
    }
    let total = total as u32;
    let base = addr & mask(bits, width);
    let shifted = (netnum as u128).checked_shl(width - total).unwrap_or(0);
    Ok((base | shifted, total))
}

fn cidrsubnet(c: &Call) -> Out {
    let (Some(prefix), Some(newbits), Some(netnum)) =
        (string(&c.args[0]), int(&c.args[1]), int(&c.args[2]))
    else {
        return Ok(Value::Unknown);
    };
    let Some(prefix) = cidr(&prefix) else {
        return Ok(Value::Unknown);
    };
    let (net, total) = subnet(prefix, newbits, netnum)?;
    Ok(lit(format!("{}/{total}", address(net, prefix.2))))
}

/// `cidrsubnets(prefix, newbits...)`: consecutive subnets of the sizes given, each aligned
/// to its size after the one before, as Terraform allocates them.
fn cidrsubnets(c: &Call) -> Out {
    let Some(prefix) = string(&c.args[0]).and_then(|p| cidr(&p)) else {
        return Ok(Value::Unknown);
    };
    let (addr, bits, width) = prefix;
    let mut out = Vec::new();
    // The next free address, relative to the prefix's base.
    let base = addr & mask(bits, width);
    let mut next: u128 = 0;
    let space = width - bits;
    for arg in &c.args[1..] {
        let Some(newbits) = int(arg) else {
            return Ok(Value::Unknown);
        };
        if newbits < 1 || bits as i64 + newbits > width as i64 {
            return Err(Failed);
        }
        let size_bits = space - newbits as u32;
        let size: u128 = 1u128.checked_shl(size_bits).ok_or(Failed)?;
        // Align up to the subnet's size.
        let start = next.div_ceil(size).checked_mul(size).ok_or(Failed)?;
        if space < 128 && start >= 1u128 << space {
            return Err(Failed);
        }
        next = start.checked_add(size).ok_or(Failed)?;
        if space < 128 && next > 1u128 << space {
            return Err(Failed);
        }
        out.push(Val {
            value: lit(format!(
                "{}/{}",
                address(base | start, width),
                bits + newbits as u32
            )),
            loc: c.loc.clone(),
        });
    }
    Ok(Value::List(out))
}

fn cidrhost(c: &Call) -> Out {
    let (Some(prefix), Some(host)) = (string(&c.args[0]), int(&c.args[1])) else {
        return Ok(Value::Unknown);
    };
    let Some((addr, bits, width)) = cidr(&prefix) else {
        return Ok(Value::Unknown);
    };
    let host_bits = width - bits;
    let host = if host_bits >= 63 {
        // More hosts than an i64 counts: any number given is in range.
        match u128::try_from(host) {
            Ok(h) => h,
            Err(_) => return Ok(Value::Unknown),
        }
    } else {
        let size = 1i64 << host_bits;
        let host = if host < 0 { size + host } else { host };
        if host < 0 || host >= size {
            return Err(Failed);
        }
        host as u128
    };
    Ok(lit(address((addr & mask(bits, width)) | host, width)))
}

fn cidrnetmask(c: &Call) -> Out {
    str1(c, |s| match cidr(s) {
        Some((_, bits, 32)) => Ok(lit(address(mask(bits, 32), 32))),
        // Terraform: netmasks are an IPv4 notion.
        Some(_) => Err(Failed),
        None => Ok(Value::Unknown),
    })
}

// ---- Hashes and CSV ----------------------------------------------------------------------------

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A hash of a string's UTF-8 bytes, as Terraform's `md5`, `sha1`, ... give it.
fn hashed(c: &Call, hash: fn(&[u8]) -> Vec<u8>, base64: bool) -> Out {
    scalar1(c, |s| {
        let digest = hash(s.as_bytes());
        Ok(lit(match base64 {
            true => base64_encode(&digest),
            false => hex(&digest),
        }))
    })
}

fn md5(b: &[u8]) -> Vec<u8> {
    use md5::Digest;
    md5::Md5::digest(b).to_vec()
}

fn sha1(b: &[u8]) -> Vec<u8> {
    use sha1::Digest;
    sha1::Sha1::digest(b).to_vec()
}

fn sha256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

fn sha512(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha512::digest(b).to_vec()
}

/// `csvdecode`: a list of objects keyed by the header row, every value a string.
fn csvdecode(c: &Call) -> Out {
    str1(c, |s| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(s.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|_| Failed)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|_| Failed)?;
            if rows.len() >= MAX_ITEMS {
                return Ok(Value::Unknown);
            }
            let entries = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| {
                    (
                        h.clone(),
                        Val {
                            value: lit(v.to_string()),
                            loc: c.loc.clone(),
                        },
                    )
                })
                .collect();
            rows.push(Val {
                value: Value::Object(entries),
                loc: c.loc.clone(),
            });
        }
        Ok(Value::List(rows))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::scope::Scope;
    use serde_json::json;

    fn eval(expr: &str) -> Value {
        let parsed = hcl_edit::parser::parse_expr(expr).unwrap();
        Scope::default()
            .eval(&parsed, Src { file: 0, base: 0 })
            .value
    }

    /// The value of a Terraform expression, as JSON; `None` when it is unknown.
    fn ev(expr: &str) -> Option<serde_json::Value> {
        to_json(&eval(expr))
    }

    #[track_caller]
    fn check(expr: &str, expected: serde_json::Value) {
        assert_eq!(ev(expr), Some(expected), "{expr}");
    }

    #[track_caller]
    fn unknown(expr: &str) {
        assert_eq!(eval(expr), Value::Unknown, "{expr}");
    }

    #[test]
    fn the_table_is_sorted_and_unique() {
        for pair in FUNCTIONS.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} {}",
                pair[0].name,
                pair[1].name
            );
        }
        assert!(lookup_function("zipmap").is_some());
        assert!(lookup_function("timestamp").is_none());
    }

    #[test]
    fn arity_is_checked() {
        unknown("upper(\"a\", \"b\")");
        unknown("lookup({})");
    }

    // Examples from Terraform's function documentation.

    #[test]
    fn string_functions() {
        check("basename(\"foo/bar/baz.txt\")", json!("baz.txt"));
        check("dirname(\"foo/bar/baz.txt\")", json!("foo/bar"));
        check("pathexpand(\"data/x.yaml\")", json!("data/x.yaml"));
        check("nonsensitive(sensitive(\"a\"))", json!("a"));
        check("chomp(\"hello\\n\\n\")", json!("hello"));
        check("endswith(\"hello world\", \"world\")", json!(true));
        check("startswith(\"hello world\", \"hello\")", json!(true));
        check("startswith(\"hello world\", \"world\")", json!(false));
        check("strcontains(\"hello world\", \"wor\")", json!(true));
        check("format(\"Hello, %s!\", \"Ander\")", json!("Hello, Ander!"));
        check(
            "format(\"There are %d lights\", 4)",
            json!("There are 4 lights"),
        );
        check(
            "formatlist(\"Hello, %s!\", [\"Valentina\", \"Ander\", \"Olivia\", \"Sam\"])",
            json!([
                "Hello, Valentina!",
                "Hello, Ander!",
                "Hello, Olivia!",
                "Hello, Sam!"
            ]),
        );
        check(
            "formatlist(\"%s, %s!\", \"Salutations\", [\"Valentina\", \"Ander\"])",
            json!(["Salutations, Valentina!", "Salutations, Ander!"]),
        );
        check(
            "indent(2, \"[\\n  foo,\\n  bar,\\n]\")",
            json!("[\n    foo,\n    bar,\n  ]"),
        );
        check(
            "join(\", \", [\"foo\", \"bar\", \"baz\"])",
            json!("foo, bar, baz"),
        );
        check("lower(\"HELLO\")", json!("hello"));
        check("upper(\"hello\")", json!("HELLO"));
        check(
            "regex(\"[a-z]+\", \"53453453.345345aaabbbccc23454\")",
            json!("aaabbbccc"),
        );
        check(
            "regex(\"(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)\", \"2019-02-01\")",
            json!(["2019", "02", "01"]),
        );
        check(
            "regex(\"^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?\", \"https://terraform.io/docs/\")",
            json!({"authority": "terraform.io", "scheme": "https"}),
        );
        check(
            "regexall(\"[a-z]+\", \"1234abcd5678efgh9\")",
            json!(["abcd", "efgh"]),
        );
        check(
            "length(regexall(\"[a-z]+\", \"1234abcd5678efgh9\"))",
            json!(2),
        );
        assert_eq!(
            eval("regex(\"[a-z]+\", \"12345\")"),
            Value::Unknown,
            "no match fails"
        );
        check("replace(\"1 + 2 + 3\", \"+\", \"-\")", json!("1 - 2 - 3"));
        check(
            "replace(\"hello world\", \"/w.*d/\", \"everybody\")",
            json!("hello everybody"),
        );
        check(
            "split(\",\", \"foo,bar,baz\")",
            json!(["foo", "bar", "baz"]),
        );
        check("strrev(\"hello\")", json!("olleh"));
        check("substr(\"hello world\", 1, 4)", json!("ello"));
        check("substr(\"hello world\", -5, -1)", json!("world"));
        check("substr(\"hello world\", 6, 10)", json!("world"));
        check("title(\"hello world\")", json!("Hello World"));
        check("trim(\"?!hello?!\", \"!?\")", json!("hello"));
        check("trimprefix(\"helloworld\", \"hello\")", json!("world"));
        check("trimprefix(\"helloworld\", \"cat\")", json!("helloworld"));
        check("trimsuffix(\"helloworld\", \"world\")", json!("hello"));
        check("trimspace(\"  hello\\n\\n\")", json!("hello"));
        check("urlencode(\"Hello World!\")", json!("Hello+World%21"));
    }

    #[test]
    fn collection_functions() {
        check("alltrue([\"true\", true])", json!(true));
        check("alltrue([true, false])", json!(false));
        check("anytrue([true, false])", json!(true));
        check("anytrue([])", json!(false));
        check(
            "chunklist([\"a\", \"b\", \"c\", \"d\", \"e\"], 2)",
            json!([["a", "b"], ["c", "d"], ["e"]]),
        );
        check("coalesce(\"a\", \"b\")", json!("a"));
        check("coalesce(\"\", \"b\")", json!("b"));
        check("coalesce(1, 2)", json!(1));
        check(
            "coalescelist([\"a\", \"b\"], [\"c\", \"d\"])",
            json!(["a", "b"]),
        );
        check("coalescelist([], [\"c\", \"d\"])", json!(["c", "d"]));
        check(
            "compact([\"a\", \"\", \"b\", null, \"c\"])",
            json!(["a", "b", "c"]),
        );
        check(
            "concat([\"a\", \"\"], [\"b\", \"c\"])",
            json!(["a", "", "b", "c"]),
        );
        check("contains([\"a\", \"b\", \"c\"], \"a\")", json!(true));
        check("contains([\"a\", \"b\", \"c\"], \"d\")", json!(false));
        check(
            "distinct([\"a\", \"b\", \"a\", \"c\", \"d\", \"b\"])",
            json!(["a", "b", "c", "d"]),
        );
        check("element([\"a\", \"b\", \"c\"], 1)", json!("b"));
        check("element([\"a\", \"b\", \"c\"], 3)", json!("a"));
        check(
            "flatten([[\"a\", \"b\"], [], [\"c\"]])",
            json!(["a", "b", "c"]),
        );
        check(
            "flatten([[[\"a\", \"b\"], []], [\"c\"]])",
            json!(["a", "b", "c"]),
        );
        check("index([\"a\", \"b\", \"c\"], \"b\")", json!(1));
        check("keys({a=1, c=2, d=3})", json!(["a", "c", "d"]));
        check("length([])", json!(0));
        check("length([\"a\", \"b\"])", json!(2));
        check("length({\"a\" = \"b\"})", json!(1));
        check("length(\"hello\")", json!(5));
        check(
            "lookup({a=\"ay\", b=\"bee\"}, \"a\", \"what?\")",
            json!("ay"),
        );
        check(
            "lookup({a=\"ay\", b=\"bee\"}, \"c\", \"what?\")",
            json!("what?"),
        );
        check(
            "matchkeys([\"i-123\", \"i-abc\", \"i-def\"], [\"us-west\", \"us-east\", \"us-east\"], [\"us-east\"])",
            json!(["i-abc", "i-def"]),
        );
        check(
            "merge({a=\"b\", c=\"d\"}, {e=\"f\", c=\"z\"})",
            json!({"a": "b", "c": "z", "e": "f"}),
        );
        check("one([])", json!(null));
        check("one([\"hello\"])", json!("hello"));
        unknown("one([\"hello\", \"goodbye\"])");
        check("range(3)", json!([0, 1, 2]));
        check("range(1, 4)", json!([1, 2, 3]));
        check("range(1, 8, 2)", json!([1, 3, 5, 7]));
        check("range(4, 1)", json!([4, 3, 2]));
        check("range(10, 5, -2)", json!([10, 8, 6]));
        check("reverse([1, 2, 3])", json!([3, 2, 1]));
        check(
            "setintersection([\"a\", \"b\"], [\"b\", \"c\"], [\"b\", \"d\"])",
            json!(["b"]),
        );
        check(
            "setproduct([\"development\", \"staging\"], [\"app1\", \"app2\"])",
            json!([
                ["development", "app1"],
                ["development", "app2"],
                ["staging", "app1"],
                ["staging", "app2"]
            ]),
        );
        check(
            "setsubtract([\"a\", \"b\", \"c\"], [\"a\", \"c\"])",
            json!(["b"]),
        );
        check(
            "setunion([\"a\", \"b\"], [\"b\", \"c\"], [\"d\"])",
            json!(["a", "b", "c", "d"]),
        );
        check(
            "slice([\"a\", \"b\", \"c\", \"d\"], 1, 3)",
            json!(["b", "c"]),
        );
        check(
            "sort([\"e\", \"d\", \"a\", \"x\"])",
            json!(["a", "d", "e", "x"]),
        );
        check("sum([10, 13, 6, 4.5])", json!(33.5));
        check(
            "transpose({\"a\" = [\"1\", \"2\"], \"b\" = [\"2\", \"3\"]})",
            json!({"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
        );
        check("values({a=3, c=2, d=1})", json!([3, 2, 1]));
        check("zipmap([\"a\", \"b\"], [1, 2])", json!({"a": 1, "b": 2}));
    }

    #[test]
    fn numeric_functions() {
        check("abs(-12.4)", json!(12.4));
        check("ceil(5.1)", json!(6));
        check("floor(4.9)", json!(4));
        check("max(12, 54, 3)", json!(54));
        check("min(12, 54, 3)", json!(3));
        check("parseint(\"100\", 10)", json!(100));
        check("parseint(\"FF\", 16)", json!(255));
        check("parseint(\"-10\", 16)", json!(-16));
        check("pow(3, 2)", json!(9));
        check("signum(-13)", json!(-1));
        check("signum(0)", json!(0));
    }

    #[test]
    fn encoding_functions() {
        check("base64encode(\"Hello World\")", json!("SGVsbG8gV29ybGQ="));
        check("base64decode(\"SGVsbG8gV29ybGQ=\")", json!("Hello World"));
        check(
            "jsonencode({\"hello\"=\"world\"})",
            json!("{\"hello\":\"world\"}"),
        );
        check(
            "jsonencode({b = [1, true], a = null})",
            json!("{\"a\":null,\"b\":[1,true]}"),
        );
        check(
            "jsonencode(\"<a&b>\")",
            json!("\"\\u003ca\\u0026b\\u003e\""),
        );
        check(
            "jsondecode(\"{\\\"hello\\\": \\\"world\\\"}\")",
            json!({"hello": "world"}),
        );
        check("jsondecode(\"true\")", json!(true));
        check("yamldecode(\"hello: world\")", json!({"hello": "world"}));
        check("yamldecode(\"true\")", json!(true));
        check(
            "yamldecode(\"{a: &foo [1, 2, 3], b: 2}\")",
            json!({"a": [1, 2, 3], "b": 2}),
        );
        check(
            "yamldecode(\"roles:\\n  - roles/viewer\\n  - roles/editor\\n\")",
            json!({"roles": ["roles/viewer", "roles/editor"]}),
        );
        unknown("yamldecode(\"a: 1\\n---\\nb: 2\\n\")");
        // A "billion laughs": nine levels of nine aliases is not expanded.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\\n");
        for i in 1..10 {
            let refs = vec![format!("*a{}", i - 1); 9].join(", ");
            bomb.push_str(&format!("a{i}: &a{i} [{refs}]\\n"));
        }
        unknown(&format!("yamldecode(\"{bomb}\")"));
        assert!(yaml_expanded_size(&bomb.replace("\\n", "\n")).unwrap() > MAX_YAML_NODES);
        check(
            "yamldecode(\"{a: &r [1, 2], b: *r}\")",
            json!({"a": [1, 2], "b": [1, 2]}),
        );
    }

    #[test]
    fn conversion_functions() {
        check("tobool(\"true\")", json!(true));
        check("tobool(null)", json!(null));
        check("tolist([\"a\", \"b\", \"c\"])", json!(["a", "b", "c"]));
        check("tomap({\"a\" = 1, \"b\" = 2})", json!({"a": 1, "b": 2}));
        check("tonumber(\"1\")", json!(1));
        check("toset([\"a\", \"b\", \"a\"])", json!(["a", "b"]));
        check("tostring(1)", json!("1"));
        check("tostring(null)", json!(null));
        check("can(regex(\"^ami-\", \"ami-123\"))", json!(true));
        check("can(regex(\"^ami-\", \"img-123\"))", json!(false));
        check(
            "try(regex(\"^ami-\", \"img-123\"), \"fallback\")",
            json!("fallback"),
        );
        check("try({a = 1}.b, {a = 1}.a)", json!(1));
    }

    #[test]
    fn ip_network_functions() {
        check(
            "cidrsubnet(\"172.16.0.0/12\", 4, 2)",
            json!("172.18.0.0/16"),
        );
        check("cidrsubnet(\"10.1.2.0/24\", 4, 15)", json!("10.1.2.240/28"));
        check("cidrhost(\"10.12.112.0/20\", 16)", json!("10.12.112.16"));
        check("cidrhost(\"10.12.112.0/20\", 268)", json!("10.12.113.12"));
        check("cidrnetmask(\"172.16.0.0/12\")", json!("255.240.0.0"));
        check(
            "cidrsubnet(\"fd00:fd12:3456:7890::/56\", 16, 162)",
            json!("fd00:fd12:3456:7800:a200::/72"),
        );
        check(
            "cidrhost(\"fd00:fd12:3456:7890:00a2::/72\", 34)",
            json!("fd00:fd12:3456:7890::22"),
        );
        check(
            "cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)",
            json!([
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20"
            ]),
        );
        check(
            "cidrsubnets(\"fd00:fd12:3456:7890::/56\", 16, 16, 16, 32)",
            json!([
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88"
            ]),
        );
        check(
            "md5(\"hello world\")",
            json!("5eb63bbbe01eeed093cb22bb8f5acdc3"),
        );
        check(
            "sha1(\"hello world\")",
            json!("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
        );
        check(
            "sha256(\"hello world\")",
            json!("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
        );
        check(
            "base64sha256(\"hello world\")",
            json!("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
        );
        check(
            "csvdecode(\"role,member\\nroles/viewer,group:a@x.com\\n\")",
            json!([{"role": "roles/viewer", "member": "group:a@x.com"}]),
        );
        check(
            "templatestring(\"hello $${name}%%{ if admin } (admin)%%{ endif }\", { name = \"al\", admin = true })",
            json!("hello al (admin)"),
        );
        check(
            "\"%{ for r in [\"a\", \"b\"] ~}\n  ${r},\n%{~ endfor }\"",
            json!("a,b,"),
        );
        check(
            "\"x %{~ if false }no%{ else }yes%{ endif ~} y\"",
            json!("xyesy"),
        );
        check(
            "\"%{ for k, v in { a = 1 } }${k}=${v}%{ endfor }\"",
            json!("a=1"),
        );
        // An unknown condition: that part of the string is unknown, the rest is kept.
        assert_eq!(
            eval("\"p-%{ if var.x }a%{ endif }\""),
            Value::Str(Str::from_parts(vec![Part::Lit("p-".into()), Part::Unknown]))
        );
    }

    #[test]
    fn machine_dependent_functions_are_unknown() {
        unknown("timestamp()");
        unknown("uuid()");
        unknown("bcrypt(\"hello\")");
        unknown("pathexpand(\"~/.ssh/id_rsa\")");
    }
}
