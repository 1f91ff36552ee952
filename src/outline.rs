//! A validating scanner for HCL's native syntax: it reads a file without building a syntax
//! tree and returns its outline, the top-level blocks with their headers and the ranges of their
//! attributes. It is several times faster than hcl-edit's parser, so the loader parses with
//! hcl-edit only the parts of a file the model reads (issue 19) and this scanner checks the rest.
//!
//! **It accepts a subset of what hcl-edit accepts, never more.** Its grammar follows hcl-edit's
//! parser (`hcl-edit/src/parser`) decision by decision, and it refuses whatever it is not sure
//! of: template directives (`%{ if }`), an empty heredoc, a number with an exponent, a
//! non-ASCII identifier, an object key that is not a plain name or string, a lone carriage
//! return, deep nesting, long operator chains, and an expression continued on the next line
//! where hcl-edit's rule for newlines depends on what came before. A file it refuses is parsed
//! by hcl-edit as before, so a syntax error is always hcl-edit's, with its message and place.
//! `fuzz/fuzz_targets/outline.rs` and `tests/outline.rs` check that whatever it accepts,
//! hcl-edit accepts too, with the same blocks and attribute spans.

use std::ops::Range;

/// A top-level block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block<'a> {
    /// From the first byte of its identifier to just after its closing brace, as hcl-edit's
    /// span of the block.
    pub range: Range<usize>,
    pub ident: &'a str,
    /// Its labels as written: a quoted label without its quotes (escapes left as they are).
    pub labels: Vec<&'a str>,
    /// Where its body's `{` is.
    pub open: usize,
    /// The attributes directly in its body, in order.
    pub attrs: Vec<Attr<'a>>,
}

/// An attribute of a top-level block's body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr<'a> {
    pub key: &'a str,
    /// From the first byte of its key to the last byte of its value, as hcl-edit's span of the
    /// attribute.
    pub range: Range<usize>,
}

/// The file's top-level blocks, when the scanner accepts the whole text (then hcl-edit parses
/// it, with these blocks and spans); `None` when it does not (hcl-edit may still accept it).
pub fn scan(text: &str) -> Option<Vec<Block<'_>>> {
    let b = text.as_bytes();
    // A carriage return is only ever part of a line ending here.
    for at in memchr::memchr_iter(b'\r', b) {
        if b.get(at + 1) != Some(&b'\n') {
            return None;
        }
    }
    let mut s = Scanner {
        b,
        text,
        i: 0,
        depth: 0,
        ops: 0,
    };
    let mut blocks = Vec::new();
    s.body(Record::Blocks(&mut blocks))?;
    s.ws()?;
    (s.i == b.len()).then_some(blocks)
}

/// What is wrong with [`scan`] on `text`, checked against hcl-edit: `Some` when the scanner
/// accepts a text hcl-edit refuses, or reads other top-level blocks, labels or attribute spans
/// than hcl-edit's. For the tests, the fuzz target and `examples/outline_check.rs`.
pub fn differs_from_hcl_edit(text: &str) -> Option<String> {
    use hcl_edit::Span;
    let outline = scan(text)?;
    let body = match hcl_edit::parser::parse_body(text) {
        Ok(body) => body,
        Err(err) => return Some(format!("hcl-edit refuses what the scanner accepts: {err}")),
    };
    let blocks: Vec<_> = body.blocks().collect();
    if blocks.len() != outline.len() {
        return Some(format!(
            "{} top-level blocks, hcl-edit reads {}",
            outline.len(),
            blocks.len()
        ));
    }
    for (b, o) in blocks.iter().zip(&outline) {
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        let escaped = o.labels.iter().any(|l| !plain(l));
        let attrs: Vec<(&str, Option<Range<usize>>)> = b
            .body
            .attributes()
            .map(|a| (a.key.as_str(), a.span()))
            .collect();
        let mine: Vec<(&str, Option<Range<usize>>)> = o
            .attrs
            .iter()
            .map(|a| (a.key, Some(a.range.clone())))
            .collect();
        if b.span() != Some(o.range.clone())
            || b.ident.as_str() != o.ident
            || (!escaped && labels != o.labels)
            || labels.len() != o.labels.len()
            || attrs != mine
            || text.as_bytes()[o.open] != b'{'
        {
            return Some(format!(
                "block {:?} {:?} at {:?}: hcl-edit reads {:?} {:?} at {:?} with {attrs:?}, the scanner {mine:?}",
                o.ident,
                o.labels,
                o.range,
                b.ident.as_str(),
                labels,
                b.span()
            ));
        }
    }
    None
}

/// Whether a label as written is its value: no escape, no `$${` or `%%{`.
pub fn plain(label: &str) -> bool {
    !label.contains('\\') && !label.contains("$${") && !label.contains("%%{")
}

/// Nesting levels the scanner follows (hcl-edit allows 64, counted more sparingly).
const MAX_DEPTH: u32 = 32;
/// Binary operators in one attribute's value (hcl-edit allows chains 128 deep).
const MAX_OPS: u32 = 100;
/// Digits in a number (hcl-edit reads longer ones as floats, infinite past about 309).
const MAX_DIGITS: usize = 300;

type R = Option<()>;

/// The attribute keys of a body: hcl-edit refuses one defined twice.
#[derive(Default)]
struct Keys<'a> {
    list: Vec<&'a [u8]>,
    set: std::collections::HashSet<&'a [u8]>,
}

impl<'a> Keys<'a> {
    /// `None` when `key` is there already.
    fn insert(&mut self, key: &'a [u8]) -> R {
        if self.list.len() < 32 {
            if self.list.contains(&key) {
                return None;
            }
            self.list.push(key);
            if self.list.len() == 32 {
                self.set.extend(self.list.iter().copied());
            }
            Some(())
        } else {
            self.set.insert(key).then_some(())
        }
    }
}

/// What [`Scanner::body`] records: the top level's blocks, a top-level block's attributes, or
/// nothing (deeper bodies).
enum Record<'r, 'a> {
    Blocks(&'r mut Vec<Block<'a>>),
    Attrs(&'r mut Vec<Attr<'a>>),
    Nothing,
}

/// The shape of an expression, for object keys: hcl-edit refuses a key repeated in an object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A lone identifier: its text.
    Ident(usize, usize),
    /// A lone quoted string with no escape or interpolation: its content.
    Str(usize, usize),
    Other,
}

struct Scanner<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    depth: u32,
    ops: u32,
}

fn id_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn id_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn at(&self, j: usize) -> Option<u8> {
        self.b.get(j).copied()
    }

    fn starts(&self, s: &[u8]) -> bool {
        self.b[self.i..].starts_with(s)
    }

    fn expect(&mut self, c: u8) -> R {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    fn enter(&mut self) -> R {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// `/* ... */` at `i`.
    fn inline_comment(&mut self) -> R {
        let end = memchr::memmem::find(&self.b[self.i + 2..], b"*/")?;
        self.i += 2 + end + 2;
        Some(())
    }

    /// To the end of the line (not past it).
    fn line_comment(&mut self) {
        self.i = memchr::memchr(b'\n', &self.b[self.i..]).map_or(self.b.len(), |n| {
            let end = self.i + n;
            if end > 0 && self.b[end - 1] == b'\r' {
                end - 1
            } else {
                end
            }
        });
    }

    /// hcl-edit's `sp`: spaces, tabs and inline comments.
    fn sp(&mut self) -> R {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.i += 1,
                Some(b'/') if self.at(self.i + 1) == Some(b'*') => self.inline_comment()?,
                _ => return Some(()),
            }
        }
    }

    /// hcl-edit's `ws`: whitespace with line endings, and every kind of comment.
    fn ws(&mut self) -> R {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.i += 1,
                Some(b'#') => self.line_comment(),
                Some(b'/') if self.at(self.i + 1) == Some(b'/') => self.line_comment(),
                Some(b'/') if self.at(self.i + 1) == Some(b'*') => self.inline_comment()?,
                _ => return Some(()),
            }
        }
    }

    /// A line comment if one starts here.
    fn opt_line_comment(&mut self) {
        match self.peek() {
            Some(b'#') => self.line_comment(),
            Some(b'/') if self.at(self.i + 1) == Some(b'/') => self.line_comment(),
            _ => {}
        }
    }

    fn line_ending(&mut self) -> bool {
        match self.peek() {
            Some(b'\n') => {
                self.i += 1;
                true
            }
            Some(b'\r') if self.at(self.i + 1) == Some(b'\n') => {
                self.i += 2;
                true
            }
            _ => false,
        }
    }

    /// Whitespace where hcl-edit reads `ws` or `sp` depending on the expression's state, at a
    /// point where it then looks for a continuation (an operator, `?`, a traversal, a call).
    /// With `nl` (a state hcl-edit certainly gives newlines in), `ws`. Without, `sp`; but when
    /// the next line goes on with what could continue the expression, the state hcl-edit has
    /// may differ from the scanner's, so the scanner gives up.
    fn gap(&mut self, nl: bool) -> R {
        if nl {
            return self.ws();
        }
        self.sp()?;
        if matches!(self.peek(), Some(b'\n' | b'\r' | b'#'))
            || (self.peek() == Some(b'/') && self.at(self.i + 1) == Some(b'/'))
        {
            let here = self.i;
            self.ws()?;
            let next = self.peek();
            let after = self.at(self.i + 1);
            let goes_on = match next {
                Some(
                    b'.' | b'[' | b'?' | b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%'
                    | b'&' | b'|' | b'(' | b'~',
                ) => true,
                Some(b'=') => after == Some(b'='),
                Some(b':') => after == Some(b':'),
                _ => false,
            };
            self.i = here;
            if goes_on {
                return None;
            }
        }
        Some(())
    }

    fn ident(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        if !self.peek().is_some_and(id_start) {
            return None;
        }
        self.i += 1;
        while self.peek().is_some_and(id_continue) {
            self.i += 1;
        }
        // An identifier goes on with non-ASCII letters in hcl-edit: not read here.
        if self.peek().is_some_and(|c| c >= 0x80) {
            return None;
        }
        Some((start, self.i))
    }

    /// A body's structures, each ended by a line ending (at the top level, or by the end of
    /// the text), recording what `into` asks for.
    fn body(&mut self, mut into: Record<'_, 'a>) -> R {
        let top = matches!(into, Record::Blocks(_));
        let mut keys = Keys::default();
        let mut labels = Vec::new();
        loop {
            let save = self.i;
            self.ws()?;
            if !self.peek().is_some_and(id_start) {
                self.i = save;
                return Some(());
            }
            let start = self.i;
            let (ks, ke) = self.ident()?;
            self.sp()?;
            if self.peek() == Some(b'=') {
                keys.insert(&self.b[ks..ke])?;
                self.attribute_value()?;
                if let Record::Attrs(attrs) = &mut into {
                    attrs.push(Attr {
                        key: &self.text[ks..ke],
                        range: start..self.i,
                    });
                }
            } else if let Record::Blocks(blocks) = &mut into {
                let mut labels = Vec::new();
                let mut attrs = Vec::new();
                let open = self.block(&mut labels, Some(&mut attrs))?;
                blocks.push(Block {
                    range: start..self.i,
                    ident: &self.text[ks..ke],
                    labels,
                    open,
                    attrs,
                });
            } else {
                labels.clear();
                self.block(&mut labels, None)?;
            }
            self.sp()?;
            self.opt_line_comment();
            let at_end = top && self.i == self.b.len();
            if !(self.line_ending() || at_end) {
                return None;
            }
        }
    }

    /// A block after its identifier: its labels and body. Returns where its `{` is.
    fn block(
        &mut self,
        labels: &mut Vec<&'a str>,
        attrs: Option<&mut Vec<Attr<'a>>>,
    ) -> Option<usize> {
        loop {
            match self.peek()? {
                b'"' => {
                    let (ls, le) = self.label()?;
                    labels.push(&self.text[ls..le]);
                }
                c if id_start(c) => {
                    let (ls, le) = self.ident()?;
                    labels.push(&self.text[ls..le]);
                }
                b'{' => {
                    let open = self.i;
                    self.block_body(attrs)?;
                    return Some(open);
                }
                _ => return None,
            }
            self.sp()?;
        }
    }

    /// `= value` of an attribute.
    fn attribute_value(&mut self) -> R {
        self.expect(b'=')?;
        self.sp()?;
        self.ops = 0;
        self.expr(false)?;
        Some(())
    }

    /// A quoted block label: no interpolation. Returns the range of its content.
    fn label(&mut self) -> Option<(usize, usize)> {
        self.i += 1;
        let start = self.i;
        loop {
            let n = memchr::memchr3(b'"', b'\\', b'{', &self.b[self.i..])?;
            self.i += n;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i - 1));
                }
                b'\\' => self.escape()?,
                // `{`: `$${` and `%%{` are literal; an interpolation or a directive is not
                // allowed in a label.
                _ => match &self.b[start..self.i] {
                    [.., b'$', b'$'] | [.., b'%', b'%'] => self.i += 1,
                    [.., b'$'] | [.., b'%'] => return None,
                    _ => self.i += 1,
                },
            }
        }
    }

    /// A backslash escape in a quoted string, at `i`.
    fn escape(&mut self) -> R {
        let hex = |s: &Self, from: usize, n: usize| -> Option<u32> {
            let digits = s.b.get(from..from + n)?;
            if !digits.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
        };
        match self.at(self.i + 1)? {
            b'n' | b'r' | b't' | b'\\' | b'"' => self.i += 2,
            b'u' => {
                char::from_u32(hex(self, self.i + 2, 4)?)?;
                self.i += 6;
            }
            b'U' => {
                char::from_u32(hex(self, self.i + 2, 8)?)?;
                self.i += 10;
            }
            _ => return None,
        }
        Some(())
    }

    /// `{ ... }` of a block, multi-line or on one line.
    fn block_body(&mut self, mut attrs: Option<&mut Vec<Attr<'a>>>) -> R {
        self.enter()?;
        self.expect(b'{')?;
        let save = self.i;
        self.sp()?;
        self.opt_line_comment();
        if self.line_ending() {
            let into = match attrs.as_deref_mut() {
                Some(attrs) => Record::Attrs(attrs),
                None => Record::Nothing,
            };
            self.body(into)?;
            self.ws()?;
        } else {
            self.i = save;
            self.sp()?;
            if self.peek().is_some_and(id_start) {
                let start = self.i;
                let (ks, ke) = self.ident()?;
                self.sp()?;
                self.attribute_value()?;
                if let Some(attrs) = attrs {
                    attrs.push(Attr {
                        key: &self.text[ks..ke],
                        range: start..self.i,
                    });
                }
                self.sp()?;
            }
            self.sp()?;
        }
        self.expect(b'}')?;
        self.leave();
        Some(())
    }

    /// An expression (hcl-edit's `expr_inner` under `nested`): a term, then binary operators,
    /// then perhaps a conditional. `nl`: newlines are allowed between its parts.
    fn expr(&mut self, nl: bool) -> Option<Shape> {
        self.enter()?;
        let mut shape = self.term(nl)?;
        loop {
            let save = self.i;
            self.gap(nl)?;
            let c = self.peek();
            let d = self.at(self.i + 1);
            match c {
                Some(b'?') => {
                    self.i += 1;
                    self.gap(nl)?;
                    self.expr(nl)?;
                    self.gap(nl)?;
                    self.expect(b':')?;
                    self.gap(nl)?;
                    self.expr(nl)?;
                    shape = Shape::Other;
                    break;
                }
                Some(_) if d.is_some() && is_operator_start(c?, d?) => {
                    self.i = save;
                    self.binary_ops(nl)?;
                    shape = Shape::Other;
                }
                _ => {
                    self.i = save;
                    break;
                }
            }
        }
        self.leave();
        Some(shape)
    }

    /// One or more `op term`; the first must be there.
    fn binary_ops(&mut self, nl: bool) -> R {
        let mut first = true;
        loop {
            let save = self.i;
            self.gap(nl)?;
            if !self.operator() {
                if first {
                    return None;
                }
                self.i = save;
                return Some(());
            }
            first = false;
            self.ops += 1;
            if self.ops > MAX_OPS {
                return None;
            }
            self.gap(nl)?;
            self.term(nl)?;
        }
    }

    fn operator(&mut self) -> bool {
        let (Some(c), d) = (self.peek(), self.at(self.i + 1)) else {
            return false;
        };
        let len = match (c, d) {
            (b'=', Some(b'=')) | (b'!', Some(b'=')) | (b'&', Some(b'&')) | (b'|', Some(b'|')) => 2,
            (b'<' | b'>', Some(b'=')) => 2,
            (b'<' | b'>' | b'+' | b'-' | b'*' | b'%', _) => 1,
            (b'/', Some(b'/' | b'*')) => return false,
            (b'/', _) => 1,
            _ => return false,
        };
        self.i += len;
        true
    }

    /// A term and its traversals (hcl-edit's `expr_term_inner`).
    fn term(&mut self, nl: bool) -> Option<Shape> {
        let mut shape = Shape::Other;
        match self.peek()? {
            b'"' => shape = self.string_template()?,
            b'[' => self.array()?,
            b'{' => self.object()?,
            b'0'..=b'9' => self.number()?,
            b'<' => self.heredoc()?,
            b'-' | b'!' => {
                let neg = self.peek() == Some(b'-');
                self.i += 1;
                self.sp()?;
                if neg && self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.number()?;
                } else {
                    self.enter()?;
                    self.term(nl)?;
                    self.leave();
                }
            }
            b'(' => {
                self.i += 1;
                self.ws()?;
                self.expr(true)?;
                self.ws()?;
                self.expect(b')')?;
            }
            c if id_start(c) => shape = self.identlike(nl)?,
            _ => return None,
        }
        loop {
            let save = self.i;
            self.gap(nl)?;
            let c = self.peek();
            let d = self.at(self.i + 1);
            if (c == Some(b'.') && d != Some(b'.')) || c == Some(b'[') {
                self.traversal_operator()?;
                shape = Shape::Other;
            } else {
                self.i = save;
                return Some(shape);
            }
        }
    }

    /// `.name`, `.0`, `.*`, `[expr]`, `[*]` at `i`.
    fn traversal_operator(&mut self) -> R {
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.ws()?;
            match self.peek()? {
                b'*' => self.i += 1,
                b'0'..=b'9' => {
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    // A leading zero ends hcl-edit's index (`.01` is `.0` then `1`).
                    if self.i - start > 18 || (self.b[start] == b'0' && self.i - start > 1) {
                        return None;
                    }
                }
                c if id_start(c) => {
                    self.ident()?;
                }
                _ => return None,
            }
        } else {
            self.i += 1;
            self.ws()?;
            if self.peek() == Some(b'*') {
                self.i += 1;
            } else {
                self.expr(true)?;
            }
            self.ws()?;
            self.expect(b']')?;
        }
        Some(())
    }

    /// A variable, a keyword or a function call.
    fn identlike(&mut self, nl: bool) -> Option<Shape> {
        let (s, e) = self.ident()?;
        let save = self.i;
        self.gap(nl)?;
        let call = self.starts(b"::") || self.peek() == Some(b'(');
        if !call {
            self.i = save;
            return Some(Shape::Ident(s, e));
        }
        while self.starts(b"::") {
            self.i += 2;
            self.gap(nl)?;
            self.ident()?;
            self.gap(nl)?;
        }
        self.expect(b'(')?;
        let save = self.i;
        self.ws()?;
        if matches!(self.peek(), None | Some(b',' | b'.' | b')')) {
            self.i = save;
        } else {
            self.expr(true)?;
            self.ws()?;
            while self.peek() == Some(b',') {
                let before = self.i;
                self.i += 1;
                self.ws()?;
                if matches!(self.peek(), None | Some(b',' | b'.' | b')')) {
                    self.i = before;
                    break;
                }
                self.expr(true)?;
                self.ws()?;
            }
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'.') => {
                    if !self.starts(b"...") {
                        return None;
                    }
                    self.i += 3;
                }
                _ => {}
            }
        }
        self.ws()?;
        self.expect(b')')?;
        Some(Shape::Other)
    }

    fn number(&mut self) -> R {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start > MAX_DIGITS {
            return None;
        }
        if self.peek() == Some(b'.') && self.at(self.i + 1).is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        // An exponent: hcl-edit's reading of one that overflows is not followed here.
        if matches!(self.peek(), Some(b'e' | b'E')) {
            return None;
        }
        Some(())
    }

    /// Whether `for` followed by a space, tab, comment or newline comes after whitespace.
    fn for_comes(&mut self) -> Option<bool> {
        let save = self.i;
        self.ws()?;
        let yes = self.starts(b"for")
            && matches!(
                self.at(self.i + 3),
                Some(b' ' | b'\t' | b'#' | b'/' | b'\n')
            );
        self.i = save;
        Some(yes)
    }

    /// `for k, v in coll :` (after whitespace).
    fn for_intro(&mut self) -> R {
        self.ws()?;
        self.i += 3;
        self.ws()?;
        self.ident()?;
        self.ws()?;
        if self.peek() == Some(b',') {
            self.i += 1;
            self.ws()?;
            self.ident()?;
            self.ws()?;
        }
        if !self.starts(b"in") {
            return None;
        }
        self.i += 2;
        self.ws()?;
        self.expr(false)?;
        self.ws()?;
        self.expect(b':')
    }

    /// `if cond` of a `for` expression, when there is one.
    fn for_cond(&mut self) -> R {
        let save = self.i;
        self.ws()?;
        if !self.starts(b"if") {
            self.i = save;
            return Some(());
        }
        self.i += 2;
        self.ws()?;
        self.expr(true)?;
        self.ws()
    }

    fn array(&mut self) -> R {
        self.i += 1;
        if self.for_comes()? {
            self.for_intro()?;
            self.ws()?;
            self.expr(true)?;
            self.ws()?;
            self.for_cond()?;
        } else {
            let save = self.i;
            self.ws()?;
            if matches!(self.peek(), None | Some(b']')) {
                self.i = save;
            } else {
                self.expr(true)?;
                self.ws()?;
                while self.peek() == Some(b',') {
                    let before = self.i;
                    self.i += 1;
                    self.ws()?;
                    if matches!(self.peek(), None | Some(b']')) {
                        self.i = before;
                        break;
                    }
                    self.expr(true)?;
                    self.ws()?;
                }
            }
            if self.peek() == Some(b',') {
                self.i += 1;
            }
            self.ws()?;
        }
        self.expect(b']')
    }

    fn object(&mut self) -> R {
        self.i += 1;
        if self.for_comes()? {
            self.for_intro()?;
            self.ws()?;
            self.expr(false)?;
            self.ws()?;
            if !self.starts(b"=>") {
                return None;
            }
            self.i += 2;
            self.ws()?;
            self.expr(false)?;
            self.ws()?;
            if self.starts(b"...") {
                self.i += 3;
                self.ws()?;
            }
            self.for_cond()?;
            return self.expect(b'}');
        }
        let mut keys = Keys::default();
        loop {
            self.ws()?;
            match self.peek()? {
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => {
                    let key = match self.expr(false)? {
                        Shape::Ident(s, e) | Shape::Str(s, e) => &self.b[s..e],
                        Shape::Other => return None,
                    };
                    keys.insert(key)?;
                    self.sp()?;
                    match self.peek()? {
                        b'=' | b':' => self.i += 1,
                        _ => return None,
                    }
                    self.sp()?;
                    self.expr(false)?;
                    self.sp()?;
                    match self.peek()? {
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        b'\n' | b',' => self.i += 1,
                        b'\r' => {
                            if !self.line_ending() {
                                return None;
                            }
                        }
                        b'#' | b'/' => {
                            if self.peek() == Some(b'/') && self.at(self.i + 1) != Some(b'/') {
                                return None;
                            }
                            self.line_comment();
                            if !self.line_ending() {
                                return None;
                            }
                        }
                        _ => return None,
                    }
                }
            }
        }
    }

    /// A quoted string, with interpolations; no template directive.
    fn string_template(&mut self) -> Option<Shape> {
        self.i += 1;
        let start = self.i;
        let mut plain = true;
        loop {
            let n = memchr::memchr3(b'"', b'\\', b'{', &self.b[self.i..])?;
            self.i += n;
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    let shape = match plain {
                        true => Shape::Str(start, self.i - 1),
                        false => Shape::Other,
                    };
                    return Some(shape);
                }
                b'\\' => {
                    plain = false;
                    self.escape()?;
                }
                _ => self.brace(start, &mut plain)?,
            }
        }
    }

    /// A `{` at `i` in a template's literal text (which began at `start`): part of `$${` or
    /// `%%{` (literal), of `${` (an interpolation, read), `%{` (a directive: refused), or
    /// literal.
    fn brace(&mut self, start: usize, plain: &mut bool) -> R {
        let before = &self.b[start..self.i];
        match before {
            // hcl-edit reads a run of `$` one at a time, so the last two and the `{` are the
            // escaped marker whatever the run's length (`$$${` is `$` then a literal `${`).
            [.., b'$', b'$'] | [.., b'%', b'%'] => {
                *plain = false;
                self.i += 1;
            }
            [.., b'$'] => {
                *plain = false;
                self.i += 1;
                self.interpolation()?;
            }
            [.., b'%'] => return None,
            _ => self.i += 1,
        }
        Some(())
    }

    /// After `${`: `~? expr ~? }`.
    fn interpolation(&mut self) -> R {
        if self.peek() == Some(b'~') {
            self.i += 1;
        }
        self.ws()?;
        self.expr(true)?;
        self.ws()?;
        if self.peek() == Some(b'~') {
            self.i += 1;
        }
        self.expect(b'}')
    }

    /// `<<EOT` or `<<-EOT`, its lines and its closing delimiter.
    fn heredoc(&mut self) -> R {
        if !self.starts(b"<<") {
            return None;
        }
        self.i += 2;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let (ds, de) = self.ident()?;
        let delim = &self.b[ds..de];
        if !self.line_ending() {
            return None;
        }
        // The first line closing the heredoc is read by hcl-edit through backtracking: refused.
        if self.closes(self.i, delim).is_some() {
            return None;
        }
        // Where the current line's literal text began: `$` and `%` runs before a `{` are read
        // from there.
        let mut literal = self.i;
        loop {
            let n = memchr::memchr2(b'\n', b'{', &self.b[self.i..])?;
            self.i += n;
            if self.b[self.i] == b'\n' {
                self.i += 1;
                if let Some(end) = self.closes(self.i, delim) {
                    self.i = end;
                    return Some(());
                }
                literal = self.i;
                continue;
            }
            self.brace(literal, &mut false)?;
            literal = self.i;
        }
    }

    /// Where a line starting at `at` closes a heredoc: spaces, the delimiter, then anything
    /// but an identifier character (or the end). `None` if it does not.
    fn closes(&self, at: usize, delim: &[u8]) -> Option<usize> {
        let mut j = at;
        while matches!(self.at(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        if !self.b[j..].starts_with(delim) {
            return None;
        }
        j += delim.len();
        match self.at(j) {
            Some(c) if id_continue(c) => None,
            // What follows may be an identifier character beyond ASCII: not read here.
            Some(c) if c >= 0x80 => None,
            _ => Some(j),
        }
    }
}

/// `c d` start a binary operator in hcl-edit's reading (comments excluded).
fn is_operator_start(c: u8, d: u8) -> bool {
    match c {
        b'=' => d == b'=',
        b'/' => d != b'/' && d != b'*',
        b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'%' | b'&' | b'|' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(text: &str) -> bool {
        scan(text).is_some()
    }

    #[test]
    fn reads_blocks_and_their_attributes() {
        let text = "# head\nvariable \"x\" {\n  description = \"a ${var.y} b\"\n  type = list(string)\n  default = [\"a\", \"b\"]\n}\nresource \"google_x\" \"y\" { count = 1 }\n";
        let blocks = scan(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].ident, "variable");
        assert_eq!(blocks[0].labels, ["x"]);
        let keys: Vec<&str> = blocks[0].attrs.iter().map(|a| a.key).collect();
        assert_eq!(keys, ["description", "type", "default"]);
        assert_eq!(
            &text[blocks[0].attrs[1].range.clone()],
            "type = list(string)"
        );
        assert_eq!(&text[blocks[1].attrs[0].range.clone()], "count = 1");
        assert!(text[blocks[1].range.clone()].ends_with("1 }"));
    }

    #[test]
    fn refuses_what_hcl_edit_refuses() {
        for bad in [
            "a = 1 +\n 2\n",
            "a = {\n x = 1\n x = 2\n}\n",
            "a = 1\na = 2\n",
            "a = \"\\q\"\n",
            "b {\n a = 1 }\n",
            "a = [1,]]\n",
            "a = <<EOT\nx\n",
            "resource \"a\" \"b\" {\n  x = [\n}\n",
            "a = f(x, ...)\n",
            "a = x ?\n 1 : 2\n",
        ] {
            assert!(hcl_edit::parser::parse_body(bad).is_err(), "{bad:?}");
            assert!(!accepts(bad), "{bad:?}");
        }
    }

    #[test]
    fn refuses_what_it_does_not_follow() {
        for unsure in [
            "a = \"%{ if x }y%{ endif }\"\n",
            "a = <<EOT\nEOT\n",
            "a = 1e5\n",
            "a = { (k) = 1 }\n",
            "a = [1]\n  - 1\n",
            "a = \"x\"\r b = 1\n",
            "é = 1\n",
        ] {
            assert!(!accepts(unsure), "{unsure:?}");
        }
    }

    #[test]
    fn accepts_common_terraform() {
        for good in [
            "locals {\n  a = { for k, v in var.m : k => v if v != null }\n  b = [for x in var.l : upper(x)]\n  c = merge(var.a, { x = 1 }, [for x in y : x]...)\n}\n",
            "output \"x\" {\n  value = <<-EOT\n    ${var.a}\n    $${not} %%{no}\n  EOT\n}\n",
            "a = var.x[0].y[*].z\nb = -1.5\nc = !var.x && (var.y || var.z)\n",
            "a = {\n  \"roles/x\" = [\"a\"], b: 2 # c\n  c = 3 // d\n}\n",
            "a = provider::google::region_from_zone(\"x\")\n",
            "block {\n}\nother \"l\" ident {}\n",
            "a = x ? y : z\n",
            "a = (\n  x\n  ? y\n  : z\n)\n",
        ] {
            assert!(hcl_edit::parser::parse_body(good).is_ok(), "{good:?}");
            assert!(accepts(good), "{good:?}");
        }
    }
}
