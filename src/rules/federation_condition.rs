//! Whether a workload identity provider's `attribute_condition` (a CEL expression) pins the
//! owner of the pipelines it admits: a small CEL parser and a three-valued judgement. Parts
//! of the condition that cannot be known statically (`${var.x}`) are kept as a marker: inside a
//! string they are some value, elsewhere they make the judgement unknown.

use serde::Deserialize;
use std::sync::OnceLock;

/// Stands for an interpolation whose value is unknown.
pub const UNKNOWN: char = '\u{E000}';

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub name: String,
    pub issuer: String,
    #[serde(default)]
    pub owner_in_issuer: bool,
    /// How to pin the owner, for the help line.
    pub fix: String,
    pub claims: Vec<Claim>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    pub name: String,
    pub level: Level,
    #[serde(default)]
    pub head: String,
    #[serde(default)]
    pub separator: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Owner,
    Repository,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Data {
    platform: Vec<Platform>,
}

pub fn platforms() -> &'static [Platform] {
    static DATA: OnceLock<Data> = OnceLock::new();
    &DATA
        .get_or_init(|| {
            toml::from_str(include_str!("../../rules/data/federation.toml"))
                .expect("rules/data/federation.toml is checked by tests")
        })
        .platform
}

/// The shared platform whose tokens a provider with this issuer accepts from every owner.
pub fn shared_platform(issuer: &str) -> Option<&'static Platform> {
    let issuer = issuer.trim_end_matches('/');
    // For a platform with one issuer per owner, only the bare prefix, with no workspace or
    // organization after it, is shared.
    platforms()
        .iter()
        .find(|p| issuer == p.issuer.trim_end_matches('/'))
}

/// What a condition pins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pin {
    /// Admits pipelines of any owner.
    Nothing,
    /// Every pipeline of one owner (organization, group).
    Owner,
    /// One repository, project or workspace.
    Repository,
    /// Cannot be known statically, or not understood.
    Unknown,
}

/// How a condition names a claim.
enum ClaimRef<'p> {
    /// The claim itself (`assertion.repository`, or an attribute mapped to it).
    Exact(&'p Claim),
    /// An attribute mapped to an expression that starts with the claim
    /// (`assertion.repository + '|' + assertion.ref`).
    Prefixed(&'p Claim),
    /// Something that does not identify the owner.
    Other,
    Unknown,
}

/// How the provider maps attributes: `google.subject` / `attribute.X` -> its expression text
/// (with [`UNKNOWN`] markers); `None` when the mapping cannot be known.
pub type Mapping<'a> = Option<&'a [(String, Option<String>)]>;

pub fn judge(condition: &str, platform: &Platform, mapping: Mapping) -> Pin {
    match parse(condition) {
        Some(expr) => Judge { platform, mapping }.pin(&expr),
        None => Pin::Unknown,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num,
    Unknown,
    Op(&'static str),
}

const OPS: &[&str] = &[
    "&&", "||", "==", "!=", "<=", ">=", "!", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", "?",
    ":", "+", "-", "*", "/", "%",
];

fn tokens(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == UNKNOWN {
            out.push(Tok::Unknown);
            i += 1;
        } else if (c == 'r' || c == 'R') && matches!(chars.get(i + 1), Some('\'' | '"')) {
            let (s, next) = string(&chars, i + 1, true)?;
            out.push(Tok::Str(s));
            i = next;
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num);
        } else if c == '\'' || c == '"' {
            let (s, next) = string(&chars, i, false)?;
            out.push(Tok::Str(s));
            i = next;
        } else {
            let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = OPS.iter().find(|op| rest.starts_with(**op))?;
            out.push(Tok::Op(op));
            i += op.chars().count();
        }
    }
    Some(out)
}

/// A string literal starting at the quote at `at`: its value and the index after it.
fn string(chars: &[char], at: usize, raw: bool) -> Option<(String, usize)> {
    let quote = chars[at];
    let triple = chars.get(at + 1) == Some(&quote) && chars.get(at + 2) == Some(&quote);
    let mut i = if triple { at + 3 } else { at + 1 };
    let mut out = String::new();
    loop {
        let c = *chars.get(i)?;
        if c == quote
            && (!triple || (chars.get(i + 1) == Some(&quote) && chars.get(i + 2) == Some(&quote)))
        {
            return Some((out, if triple { i + 3 } else { i + 1 }));
        }
        if c == '\\' && !raw {
            let e = *chars.get(i + 1)?;
            out.push(match e {
                'n' => '\n',
                't' => '\t',
                other => other,
            });
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
}

#[derive(Debug, PartialEq)]
enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Eq(Box<Expr>, Box<Expr>),
    In(Box<Expr>, Box<Expr>),
    Path(Vec<String>),
    Call {
        recv: Option<Box<Expr>>,
        name: String,
        args: Vec<Expr>,
    },
    Str(String),
    List(Vec<Expr>),
    Unknown,
    /// Anything else (arithmetic, comparisons, indexing, ternaries, literals), with its operands.
    Other(Vec<Expr>),
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
    depth: usize,
}

/// Google accepts conditions of up to 4,096 characters; longer text is not a condition GCP would
/// take, and bounds the parser's work.
const MAX_LEN: usize = 4096;

fn parse(text: &str) -> Option<Expr> {
    if text.len() > MAX_LEN {
        return None;
    }
    let mut p = Parser {
        toks: tokens(text)?,
        at: 0,
        depth: 0,
    };
    let e = p.ternary()?;
    (p.at == p.toks.len()).then_some(e)
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn ternary(&mut self) -> Option<Expr> {
        self.depth += 1;
        if self.depth > 64 {
            return None;
        }
        let c = self.or()?;
        let out = if self.eat("?") {
            let a = self.ternary()?;
            if !self.eat(":") {
                return None;
            }
            let b = self.ternary()?;
            Expr::Other(vec![c, a, b])
        } else {
            c
        };
        self.depth -= 1;
        Some(out)
    }

    fn or(&mut self) -> Option<Expr> {
        let mut xs = vec![self.and()?];
        while self.eat("||") {
            xs.push(self.and()?);
        }
        Some(if xs.len() == 1 {
            xs.pop()?
        } else {
            Expr::Or(xs)
        })
    }

    fn and(&mut self) -> Option<Expr> {
        let mut xs = vec![self.relation()?];
        while self.eat("&&") {
            xs.push(self.relation()?);
        }
        Some(if xs.len() == 1 {
            xs.pop()?
        } else {
            Expr::And(xs)
        })
    }

    fn relation(&mut self) -> Option<Expr> {
        let mut left = self.arith()?;
        loop {
            if self.eat("==") {
                left = Expr::Eq(Box::new(left), Box::new(self.arith()?));
            } else if matches!(self.peek(), Some(Tok::Ident(i)) if i == "in") {
                self.at += 1;
                left = Expr::In(Box::new(left), Box::new(self.arith()?));
            } else if ["!=", "<", "<=", ">", ">="].iter().any(|op| self.eat(op)) {
                left = Expr::Other(vec![left, self.arith()?]);
            } else {
                return Some(left);
            }
        }
    }

    fn arith(&mut self) -> Option<Expr> {
        let mut xs = vec![self.unary()?];
        while ["+", "-", "*", "/", "%"].iter().any(|op| self.eat(op)) {
            xs.push(self.unary()?);
        }
        Some(if xs.len() == 1 {
            xs.pop()?
        } else {
            Expr::Other(xs)
        })
    }

    fn unary(&mut self) -> Option<Expr> {
        let mut nots = 0;
        let mut negated = false;
        loop {
            if self.eat("!") {
                nots += 1;
            } else if self.eat("-") {
                negated = true;
            } else {
                break;
            }
        }
        let mut e = self.member()?;
        if negated {
            e = Expr::Other(vec![e]);
        }
        // `!!x` is `x`.
        if nots % 2 == 1 {
            e = Expr::Not(Box::new(e));
        }
        Some(e)
    }

    fn member(&mut self) -> Option<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.eat(".") {
                let Some(Tok::Ident(name)) = self.peek().cloned() else {
                    return None;
                };
                self.at += 1;
                if self.eat("(") {
                    let args = self.list(")")?;
                    e = Expr::Call {
                        recv: Some(Box::new(e)),
                        name,
                        args,
                    };
                } else {
                    e = match e {
                        Expr::Path(mut p) => {
                            p.push(name);
                            Expr::Path(p)
                        }
                        other => Expr::Other(vec![other]),
                    };
                }
            } else if self.eat("[") {
                let index = self.ternary()?;
                if !self.eat("]") {
                    return None;
                }
                e = Expr::Other(vec![e, index]);
            } else {
                return Some(e);
            }
        }
    }

    /// Comma-separated expressions up to `close`.
    fn list(&mut self, close: &str) -> Option<Vec<Expr>> {
        let mut out = Vec::new();
        if self.eat(close) {
            return Some(out);
        }
        loop {
            out.push(self.ternary()?);
            if self.eat(close) {
                return Some(out);
            }
            if !self.eat(",") {
                return None;
            }
            if self.eat(close) {
                return Some(out);
            }
        }
    }

    fn primary(&mut self) -> Option<Expr> {
        let tok = self.peek()?.clone();
        self.at += 1;
        match tok {
            Tok::Ident(name) => {
                if self.eat("(") {
                    let args = self.list(")")?;
                    return Some(Expr::Call {
                        recv: None,
                        name,
                        args,
                    });
                }
                Some(match name.as_str() {
                    "true" | "false" | "null" => Expr::Other(Vec::new()),
                    _ => Expr::Path(vec![name]),
                })
            }
            Tok::Str(s) => Some(Expr::Str(s)),
            Tok::Num => Some(Expr::Other(Vec::new())),
            Tok::Unknown => Some(Expr::Unknown),
            Tok::Op("(") => {
                let e = self.ternary()?;
                self.eat(")").then_some(e)
            }
            Tok::Op("[") => Some(Expr::List(self.list("]")?)),
            Tok::Op("{") => {
                // A map literal: its keys and values are operands.
                let mut xs = Vec::new();
                if self.eat("}") {
                    return Some(Expr::Other(xs));
                }
                loop {
                    xs.push(self.ternary()?);
                    if !self.eat(":") {
                        return None;
                    }
                    xs.push(self.ternary()?);
                    if self.eat("}") {
                        return Some(Expr::Other(xs));
                    }
                    if !self.eat(",") {
                        return None;
                    }
                }
            }
            Tok::Op(_) => None,
        }
    }
}

impl Expr {
    fn children(&self) -> Vec<&Expr> {
        match self {
            Expr::Or(xs) | Expr::And(xs) | Expr::List(xs) | Expr::Other(xs) => xs.iter().collect(),
            Expr::Not(x) => vec![x],
            Expr::Eq(a, b) | Expr::In(a, b) => vec![a, b],
            Expr::Call { recv, args, .. } => recv.iter().map(|r| &**r).chain(args).collect(),
            Expr::Path(_) | Expr::Str(_) | Expr::Unknown => Vec::new(),
        }
    }

    fn has_unknown(&self) -> bool {
        matches!(self, Expr::Unknown) || self.children().iter().any(|c| c.has_unknown())
    }

    /// A string literal, possibly with unknown parts.
    fn literal(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }
}

struct Judge<'p, 'm> {
    platform: &'p Platform,
    mapping: Mapping<'m>,
}

impl Judge<'_, '_> {
    fn pin(&self, e: &Expr) -> Pin {
        match e {
            Expr::Or(xs) => {
                let pins: Vec<Pin> = xs.iter().map(|x| self.pin(x)).collect();
                if pins.contains(&Pin::Nothing) {
                    Pin::Nothing
                } else if pins.contains(&Pin::Unknown) {
                    Pin::Unknown
                } else if pins.contains(&Pin::Owner) {
                    Pin::Owner
                } else {
                    Pin::Repository
                }
            }
            Expr::And(xs) => {
                let pins: Vec<Pin> = xs.iter().map(|x| self.pin(x)).collect();
                if pins.contains(&Pin::Repository) {
                    Pin::Repository
                } else if pins.contains(&Pin::Owner) {
                    Pin::Owner
                } else if pins.contains(&Pin::Unknown) {
                    Pin::Unknown
                } else {
                    Pin::Nothing
                }
            }
            // A negation pins nothing, unless it may be a double negation of a pin.
            Expr::Not(x) => {
                if x.has_unknown() || self.mentions_claim(x) {
                    Pin::Unknown
                } else {
                    Pin::Nothing
                }
            }
            Expr::Eq(a, b) => match (self.equality(a, b), self.equality(b, a)) {
                (p @ (Pin::Owner | Pin::Repository), _)
                | (_, p @ (Pin::Owner | Pin::Repository)) => p,
                (Pin::Unknown, _) | (_, Pin::Unknown) => Pin::Unknown,
                _ => Pin::Nothing,
            },
            Expr::In(a, b) => match (self.claim(a), &**b) {
                (ClaimRef::Exact(c), Expr::List(items))
                    if items.iter().all(|i| i.literal().is_some()) =>
                {
                    if items.is_empty() {
                        Pin::Unknown
                    } else {
                        level(c)
                    }
                }
                (ClaimRef::Prefixed(c), Expr::List(items))
                    if !items.is_empty()
                        && items
                            .iter()
                            .all(|i| i.literal().is_some_and(|s| prefix_pins(c, s))) =>
                {
                    Pin::Owner
                }
                (ClaimRef::Unknown, _) => Pin::Unknown,
                _ if e.has_unknown() => Pin::Unknown,
                _ => Pin::Nothing,
            },
            Expr::Call {
                recv: Some(recv),
                name,
                args,
            } if name == "startsWith" || name == "matches" => {
                let claim = match self.claim(recv) {
                    ClaimRef::Exact(c) | ClaimRef::Prefixed(c) => c,
                    ClaimRef::Unknown => return Pin::Unknown,
                    ClaimRef::Other => return self.unknown_or_nothing(e),
                };
                let [arg] = args.as_slice() else {
                    return Pin::Unknown;
                };
                let Some(text) = arg.literal() else {
                    return self.unknown_or_nothing(e);
                };
                let prefix = if name == "matches" {
                    match regex_prefix(text) {
                        Some(p) => p,
                        None => return Pin::Nothing,
                    }
                } else {
                    text.to_string()
                };
                if prefix_pins(claim, &prefix) {
                    Pin::Owner
                } else {
                    Pin::Nothing
                }
            }
            _ => self.unknown_or_nothing(e),
        }
    }

    fn unknown_or_nothing(&self, e: &Expr) -> Pin {
        if e.has_unknown() {
            Pin::Unknown
        } else {
            Pin::Nothing
        }
    }

    /// `claim == value`.
    fn equality(&self, claim: &Expr, value: &Expr) -> Pin {
        match (self.claim(claim), value) {
            (ClaimRef::Exact(c), Expr::Str(_)) => level(c),
            (ClaimRef::Prefixed(c), Expr::Str(s)) if prefix_pins(c, s) => Pin::Owner,
            (ClaimRef::Unknown, _) => Pin::Unknown,
            (ClaimRef::Exact(_) | ClaimRef::Prefixed(_), v) if v.has_unknown() => Pin::Unknown,
            _ => Pin::Nothing,
        }
    }

    fn mentions_claim(&self, e: &Expr) -> bool {
        !matches!(self.claim(e), ClaimRef::Other)
            || e.children().iter().any(|c| self.mentions_claim(c))
    }

    fn claim(&self, e: &Expr) -> ClaimRef<'_> {
        let Expr::Path(path) = e else {
            return ClaimRef::Other;
        };
        let key = match path.as_slice() {
            [a, c] if a == "assertion" => return self.assertion(c, true),
            [a, x] if a == "attribute" => format!("attribute.{x}"),
            [g, s] if g == "google" && s == "subject" => "google.subject".to_string(),
            _ => return ClaimRef::Other,
        };
        let Some(mapping) = self.mapping else {
            return ClaimRef::Unknown;
        };
        let Some((_, expr)) = mapping.iter().find(|(k, _)| *k == key) else {
            // An attribute the provider does not map: Google rejects such a condition.
            return ClaimRef::Unknown;
        };
        let Some(expr) = expr.as_deref().and_then(parse) else {
            return ClaimRef::Unknown;
        };
        match &expr {
            Expr::Path(p) if p.len() == 2 && p[0] == "assertion" => self.assertion(&p[1], true),
            // `assertion.repository + '|' + ...`
            Expr::Other(xs) => match xs.first() {
                Some(Expr::Path(p)) if p.len() == 2 && p[0] == "assertion" => {
                    self.assertion(&p[1], false)
                }
                _ if expr.has_unknown() => ClaimRef::Unknown,
                _ => ClaimRef::Other,
            },
            _ if expr.has_unknown() => ClaimRef::Unknown,
            _ => ClaimRef::Other,
        }
    }

    fn assertion(&self, name: &str, exact: bool) -> ClaimRef<'_> {
        match self.platform.claims.iter().find(|c| c.name == name) {
            Some(c) if exact => ClaimRef::Exact(c),
            Some(c) => ClaimRef::Prefixed(c),
            None => ClaimRef::Other,
        }
    }
}

fn level(c: &Claim) -> Pin {
    match c.level {
        Level::Owner => Pin::Owner,
        Level::Repository => Pin::Repository,
    }
}

/// A prefix of the claim's value pins the owner: `head`, some owner, then the separator.
fn prefix_pins(c: &Claim, prefix: &str) -> bool {
    let Some(sep) = c.separator.as_deref() else {
        return false;
    };
    let Some(rest) = prefix.strip_prefix(c.head.as_str()) else {
        return false;
    };
    rest.find(sep).is_some_and(|at| at > 0)
}

/// The literal text an anchored regular expression starts with: `^repo:acme/.*` -> `repo:acme/`.
fn regex_prefix(re: &str) -> Option<String> {
    let mut chars = re.strip_prefix('^')?.chars();
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if !e.is_alphanumeric() => out.push(e),
                _ => break,
            },
            '.' | '[' | ']' | '(' | ')' | '{' | '}' | '*' | '+' | '?' | '|' | '$' => {
                // A quantifier makes the previous character optional.
                if matches!(c, '*' | '?' | '{') {
                    out.pop();
                }
                break;
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> &'static Platform {
        shared_platform("https://token.actions.githubusercontent.com/").unwrap()
    }

    fn mapping() -> Vec<(String, Option<String>)> {
        [
            ("google.subject", "assertion.sub"),
            ("attribute.repository", "assertion.repository"),
            ("attribute.repository_owner", "assertion.repository_owner"),
            ("attribute.actor", "assertion.actor"),
            (
                "attribute.exact",
                "assertion.repository + '|' + assertion.ref",
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect()
    }

    fn pin(condition: &str) -> Pin {
        let m = mapping();
        judge(condition, github(), Some(&m))
    }

    #[test]
    fn accepted_forms() {
        assert_eq!(pin("attribute.repository == \"acme/app\""), Pin::Repository);
        assert_eq!(pin("assertion.repository_owner == 'acme'"), Pin::Owner);
        assert_eq!(pin("'acme' == assertion.repository_owner"), Pin::Owner);
        assert_eq!(
            pin("assertion.sub.startsWith(\"repo:acme/app:\")"),
            Pin::Owner
        );
        assert_eq!(
            pin("attribute.repository in ['acme/a', \"acme/b\"]"),
            Pin::Repository
        );
        assert_eq!(
            pin("assertion.repository_owner == 'acme' && assertion.ref == 'refs/heads/main'"),
            Pin::Owner
        );
        assert_eq!(
            pin("attribute.repository == 'acme/a' || attribute.repository == 'acme/b'"),
            Pin::Repository
        );
        assert_eq!(pin("(assertion.repository_owner == 'acme')"), Pin::Owner);
        assert_eq!(
            pin("google.subject.matches('^repo:acme/[a-z]+:.*$')"),
            Pin::Owner
        );
        assert_eq!(pin("attribute.exact.startsWith('acme/app|')"), Pin::Owner);
        assert_eq!(
            pin(&format!("assertion.repository_owner == '{UNKNOWN}'")),
            Pin::Owner
        );
        assert_eq!(
            pin(&format!("assertion.repository.startsWith('{UNKNOWN}/')")),
            Pin::Owner
        );
    }

    #[test]
    fn rejected_forms() {
        assert_eq!(pin("assertion.ref == 'refs/heads/main'"), Pin::Nothing);
        assert_eq!(pin("attribute.actor == 'octocat'"), Pin::Nothing);
        assert_eq!(
            pin("assertion.repository_owner == 'acme' || assertion.ref == 'refs/heads/main'"),
            Pin::Nothing
        );
        assert_eq!(pin("assertion.sub.startsWith('repo:acme')"), Pin::Nothing);
        assert_eq!(pin("assertion.sub.startsWith('repo:')"), Pin::Nothing);
        assert_eq!(pin("assertion.repository.endsWith('/app')"), Pin::Nothing);
        assert_eq!(pin("assertion.repository_owner != 'evil'"), Pin::Nothing);
        assert_eq!(
            pin("assertion.sub.matches('repo:acme/.*')"),
            Pin::Nothing,
            "not anchored"
        );
        assert_eq!(
            pin("assertion.repository_owner.startsWith('acme')"),
            Pin::Nothing
        );
        assert_eq!(pin("true"), Pin::Nothing);
        assert_eq!(pin("!assertion.ref.startsWith('refs/pull/')"), Pin::Nothing);
        assert_eq!(pin("!!(assertion.repository_owner == 'acme')"), Pin::Owner);
    }

    #[test]
    fn unknown_forms() {
        assert_eq!(pin(&UNKNOWN.to_string()), Pin::Unknown);
        assert_eq!(
            pin(&format!("{UNKNOWN} && assertion.ref == 'x'")),
            Pin::Unknown
        );
        assert_eq!(
            pin(&format!("assertion.repository_owner == {UNKNOWN}")),
            Pin::Unknown
        );
        assert_eq!(
            pin("assertion.repository_owner == "),
            Pin::Unknown,
            "does not parse"
        );
        assert_eq!(pin("attribute.unmapped == 'acme'"), Pin::Unknown);
        assert_eq!(
            judge("attribute.repository == 'a/b'", github(), None),
            Pin::Unknown
        );
    }

    #[test]
    fn hostile_conditions_do_not_overflow() {
        let deep = format!("{}assertion.ref == 'x'", "!".repeat(4000));
        assert_eq!(pin(&deep), Pin::Nothing);
        let nested = format!("{}true{}", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(pin(&nested), Pin::Unknown);
        let chained = "assertion.ref == ".repeat(240) + "'x'";
        assert_eq!(pin(&chained), Pin::Nothing);
        let long = "assertion.ref == 'x' && ".repeat(10_000) + "true";
        assert_eq!(pin(&long), Pin::Unknown, "longer than GCP accepts");
    }

    #[test]
    fn issuers() {
        assert!(shared_platform("https://gitlab.com/").is_some());
        assert!(shared_platform("https://gitlab.example.com").is_none());
        assert!(shared_platform("https://oidc.circleci.com/org/1234").is_none());
        assert!(shared_platform("https://oidc.circleci.com/org/").is_some());
        assert!(
            shared_platform(
                "https://api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc"
            )
            .is_none()
        );
        for p in platforms() {
            assert!(p.owner_in_issuer || !p.claims.is_empty(), "{}", p.name);
        }
    }
}
