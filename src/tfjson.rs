//! Terraform's JSON syntax (`*.tf.json`), read by translating it into equivalent native syntax
//! that hcl-edit parses, with a map from the translation's offsets back to the JSON file, so
//! every diagnostic points into the JSON.
//!
//! Strings, numbers and literals are copied verbatim (JSON string escapes are valid HCL escapes,
//! and JSON strings are templates in both syntaxes). Without provider schemas, an object value
//! is read as a nested block, an array of objects as repeated blocks, anything else as an
//! attribute, which is what the IAM model needs.

use std::ops::Range;

/// A JSON value with the byte range of its token(s).
#[derive(Debug)]
pub(crate) enum Json {
    /// A string, number, `true`, `false` or `null`: the range of its token.
    Scalar(Range<usize>),
    Array(Vec<Json>),
    /// Keys with the range of their string token (quotes included).
    Object(Vec<(String, Range<usize>, Json)>),
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

/// A JSON syntax error at a byte offset.
#[derive(Debug)]
pub struct JsonError {
    pub offset: usize,
    pub message: String,
}

impl Reader<'_> {
    fn error<T>(&self, message: &str) -> Result<T, JsonError> {
        Err(JsonError {
            offset: self.at.min(self.b.len()),
            message: message.to_string(),
        })
    }

    fn skip_ws(&mut self) {
        while self.at < self.b.len() && matches!(self.b[self.at], b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > 64 {
            return self.error("nested too deeply");
        }
        self.skip_ws();
        match self.b.get(self.at) {
            Some(b'{') => {
                self.at += 1;
                let mut entries = Vec::new();
                self.skip_ws();
                if self.b.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Ok(Json::Object(entries));
                }
                loop {
                    self.skip_ws();
                    if self.b.get(self.at) != Some(&b'"') {
                        return self.error("expected a key string");
                    }
                    let key_range = self.string()?;
                    let key = serde_json::from_slice::<String>(&self.b[key_range.clone()])
                        .map_err(|e| JsonError {
                            offset: key_range.start,
                            message: e.to_string(),
                        })?;
                    self.skip_ws();
                    if self.b.get(self.at) != Some(&b':') {
                        return self.error("expected `:`");
                    }
                    self.at += 1;
                    let value = self.value(depth + 1)?;
                    entries.push((key, key_range, value));
                    self.skip_ws();
                    match self.b.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Json::Object(entries));
                        }
                        _ => return self.error("expected `,` or `}`"),
                    }
                }
            }
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.b.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.b.get(self.at) {
                        Some(b',') => self.at += 1,
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return self.error("expected `,` or `]`"),
                    }
                }
            }
            Some(b'"') => Ok(Json::Scalar(self.string()?)),
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.at;
                while self.at < self.b.len()
                    && matches!(
                        self.b[self.at],
                        b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'
                    )
                {
                    self.at += 1;
                }
                Ok(Json::Scalar(start..self.at))
            }
            Some(_) => {
                for word in [&b"true"[..], b"false", b"null"] {
                    if self.b[self.at..].starts_with(word) {
                        let start = self.at;
                        self.at += word.len();
                        return Ok(Json::Scalar(start..self.at));
                    }
                }
                self.error("expected a value")
            }
            None => self.error("unexpected end of file"),
        }
    }

    /// A string token, quotes included.
    fn string(&mut self) -> Result<Range<usize>, JsonError> {
        let start = self.at;
        self.at += 1;
        while self.at < self.b.len() {
            match self.b[self.at] {
                b'\\' => self.at += 2,
                b'"' => {
                    self.at += 1;
                    return Ok(start..self.at);
                }
                b'\n' => return self.error("unterminated string"),
                _ => self.at += 1,
            }
        }
        self.error("unterminated string")
    }
}

/// Offsets of the translation back to the JSON file: segments copied verbatim.
#[derive(Debug, Default, Clone)]
pub struct OffsetMap {
    /// (start in the translation, start in the JSON, length), sorted by the first.
    segments: Vec<(usize, usize, usize)>,
}

impl OffsetMap {
    /// The JSON offset of a translation offset: exact inside a copied token, else the start of
    /// the next copied token (or the last one's end).
    pub fn to_json(&self, offset: usize) -> usize {
        let i = self.segments.partition_point(|&(hcl, _, _)| hcl <= offset);
        if i > 0 {
            let (hcl, json, len) = self.segments[i - 1];
            if offset < hcl + len || (offset == hcl + len && i == self.segments.len()) {
                return json + (offset - hcl);
            }
            if offset == hcl + len {
                return json + len;
            }
        }
        match self.segments.get(i) {
            Some(&(_, json, _)) => json,
            None => self.segments.last().map_or(0, |&(_, json, len)| json + len),
        }
    }

    pub fn range(&self, range: &Range<usize>) -> Range<usize> {
        let start = self.to_json(range.start);
        let end = if range.end > range.start {
            self.to_json(range.end - 1) + 1
        } else {
            start
        };
        start..end.max(start)
    }
}

struct Writer<'a> {
    json: &'a str,
    out: String,
    map: OffsetMap,
}

impl Writer<'_> {
    fn copy(&mut self, range: &Range<usize>) {
        self.map
            .segments
            .push((self.out.len(), range.start, range.len()));
        self.out.push_str(&self.json[range.clone()]);
    }

    /// A block header: `ident "label" "label" {`, the ident mapped to `ident_at`.
    fn header(&mut self, ident: &str, ident_at: &Range<usize>, labels: &[&Range<usize>]) {
        // The ident is not copied (it is unquoted in HCL): map it to its key's first letter.
        self.map
            .segments
            .push((self.out.len(), ident_at.start + 1, ident.len()));
        self.out.push_str(ident);
        for label in labels {
            self.out.push(' ');
            self.copy(label);
        }
        self.out.push_str(" {\n");
    }

    fn body(&mut self, entries: &[(String, Range<usize>, Json)]) {
        for (key, key_at, value) in entries {
            if key == "//" || !is_identifier(key) {
                continue;
            }
            match value {
                Json::Object(inner) => {
                    self.header(key, key_at, &[]);
                    self.body(inner);
                    self.out.push_str("}\n");
                }
                Json::Array(items)
                    if !items.is_empty() && items.iter().all(|i| matches!(i, Json::Object(_))) =>
                {
                    for item in items {
                        if let Json::Object(inner) = item {
                            self.header(key, key_at, &[]);
                            self.body(inner);
                            self.out.push_str("}\n");
                        }
                    }
                }
                _ => {
                    self.map
                        .segments
                        .push((self.out.len(), key_at.start + 1, key.len()));
                    self.out.push_str(key);
                    self.out.push_str(" = ");
                    self.expr(value);
                    self.out.push('\n');
                }
            }
        }
    }

    /// A JSON string as a native template. Outside `${ }` and `%{ }`, JSON's escapes are HCL's
    /// (but `\/`, `\b`, `\f`); inside, the text is an expression written in a JSON string,
    /// so it is decoded (`${upper(\"a\")}` is `${upper("a")}`).
    fn string(&mut self, range: &Range<usize>) {
        let raw = &self.json[range.clone()];
        if !raw.contains('\\') {
            return self.copy(range);
        }
        let bytes = raw.as_bytes();
        let mut depth = 0usize; // inside `${` / `%{` when > 0
        let mut run = 0; // start of the bytes not yet written
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\\' && i > 0 && i + 1 < bytes.len() - 1 && bytes[i + 1].is_ascii() {
                let esc = bytes[i + 1];
                let (len, text): (usize, std::borrow::Cow<str>) = match esc {
                    b'u' => match raw.get(i + 2..i + 6) {
                        Some(hex) if depth > 0 && i + 6 < bytes.len() => {
                            let code = u32::from_str_radix(hex, 16).ok();
                            let c = code.and_then(char::from_u32).unwrap_or('\u{FFFD}');
                            (6, c.to_string().into())
                        }
                        _ => (2, raw[i..i + 2].to_string().into()),
                    },
                    b'/' => (2, "/".into()),
                    b'b' if depth == 0 => (2, "\\u0008".into()),
                    b'f' if depth == 0 => (2, "\\u000C".into()),
                    _ if depth == 0 => (2, raw[i..i + 2].to_string().into()),
                    b'"' => (2, "\"".into()),
                    b'\\' => (2, "\\".into()),
                    b'n' => (2, "\n".into()),
                    b't' => (2, "\t".into()),
                    b'r' => (2, "\r".into()),
                    _ => (2, " ".into()),
                };
                if text != raw[i..i + len] {
                    self.copy(&(range.start + run..range.start + i));
                    self.map
                        .segments
                        .push((self.out.len(), range.start + i, text.len().min(len)));
                    self.out.push_str(&text);
                    run = i + len;
                }
                i += len;
                continue;
            }
            match b {
                b'$' | b'%' if depth == 0 && bytes.get(i + 1) == Some(&b'{') => {
                    // `$${` is an escaped `${`.
                    if i > 0 && bytes[i - 1] == b && (i < 2 || bytes[i - 2] != b) {
                        i += 2;
                        continue;
                    }
                    depth = 1;
                    i += 2;
                    continue;
                }
                b'{' if depth > 0 => depth += 1,
                b'}' if depth > 0 => depth -= 1,
                _ => {}
            }
            i += 1;
        }
        self.copy(&(range.start + run..range.end));
    }

    fn expr(&mut self, value: &Json) {
        match value {
            Json::Scalar(range) if self.json[range.clone()].starts_with('"') => self.string(range),
            Json::Scalar(range) => self.copy(range),
            Json::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.expr(item);
                }
                self.out.push(']');
            }
            Json::Object(entries) => {
                self.out.push('{');
                for (i, (_, key_at, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.copy(key_at);
                    self.out.push_str(" = ");
                    self.expr(v);
                }
                self.out.push('}');
            }
        }
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Block types with two labels (type and name), one label (name), or none.
fn labels_of(kind: &str) -> Option<usize> {
    match kind {
        "resource" | "data" => Some(2),
        "variable" | "output" | "module" | "provider" => Some(1),
        "locals" | "terraform" => Some(0),
        _ => None,
    }
}

/// One JSON value with the byte ranges of its tokens: for JSON written inside a Terraform
/// string (an IAM policy document), whose members are located in the file.
pub(crate) fn parse(json: &str) -> Result<Json, JsonError> {
    let mut reader = Reader {
        b: json.as_bytes(),
        at: 0,
    };
    let value = reader.value(0)?;
    reader.skip_ws();
    if reader.at != json.len() {
        return reader.error("unexpected text after the JSON value");
    }
    Ok(value)
}

/// Translates a `.tf.json` file into native syntax, with the map back to the JSON.
pub fn translate(json: &str) -> Result<(String, OffsetMap), JsonError> {
    let mut reader = Reader {
        b: json.as_bytes(),
        at: 0,
    };
    let root = reader.value(0)?;
    reader.skip_ws();
    if reader.at != json.len() {
        return reader.error("unexpected text after the JSON value");
    }
    let Json::Object(top) = root else {
        return Err(JsonError {
            offset: 0,
            message: "a .tf.json file holds one JSON object".into(),
        });
    };
    let mut w = Writer {
        json,
        out: String::new(),
        map: OffsetMap::default(),
    };
    for (kind, kind_at, value) in &top {
        let Some(depth) = labels_of(kind) else {
            continue;
        };
        emit_blocks(&mut w, kind, kind_at, value, depth, &mut Vec::new());
    }
    Ok((w.out, w.map))
}

/// `{"type": {"name": {body}}}` (as deep as the block type has labels) -> blocks.
fn emit_blocks<'j>(
    w: &mut Writer,
    kind: &str,
    kind_at: &Range<usize>,
    value: &'j Json,
    depth: usize,
    labels: &mut Vec<&'j Range<usize>>,
) {
    if depth == 0 {
        let bodies: Vec<&Vec<(String, Range<usize>, Json)>> = match value {
            Json::Object(entries) => vec![entries],
            Json::Array(items) => items
                .iter()
                .filter_map(|i| match i {
                    Json::Object(e) => Some(e),
                    _ => None,
                })
                .collect(),
            Json::Scalar(_) => Vec::new(),
        };
        for body in bodies {
            w.header(kind, kind_at, labels);
            w.body(body);
            w.out.push_str("}\n");
        }
        return;
    }
    match value {
        Json::Object(entries) => {
            for (_, key_at, inner) in entries {
                labels.push(key_at);
                emit_blocks(w, kind, kind_at, inner, depth - 1, labels);
                labels.pop();
            }
        }
        // At every label level, an array of objects means the same as their entries together.
        Json::Array(items) => {
            for item in items {
                if matches!(item, Json::Object(_)) {
                    emit_blocks(w, kind, kind_at, item, depth, labels);
                }
            }
        }
        Json::Scalar(_) => {}
    }
}

/// `terraform show -json PLAN`: every managed resource of `planned_values` (root and child
/// modules) becomes a block labelled with its type and its full address, its `values` copied from
/// the plan. What `resource_changes[].change.after_unknown` marks unknown until apply becomes an
/// unknown expression, so no rule guesses about it.
pub fn translate_plan(json: &str) -> Result<(String, OffsetMap), JsonError> {
    let mut reader = Reader {
        b: json.as_bytes(),
        at: 0,
    };
    let root = reader.value(0)?;
    fn get<'j>(v: &'j Json, key: &str) -> Option<&'j Json> {
        match v {
            Json::Object(entries) => entries.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }
    let text = |v: &Json| -> Option<String> {
        match v {
            Json::Scalar(r) => serde_json::from_str::<String>(&json[r.clone()]).ok(),
            _ => None,
        }
    };
    let planned = get(&root, "planned_values")
        .and_then(|p| get(p, "root_module"))
        .ok_or(JsonError {
            offset: 0,
            message:
                "not a plan: no `planned_values.root_module` (use `terraform show -json PLAN`)"
                    .into(),
        })?;
    let mut unknown: std::collections::HashMap<String, &Json> = std::collections::HashMap::new();
    if let Some(Json::Array(changes)) = get(&root, "resource_changes") {
        for change in changes {
            if let (Some(address), Some(after)) = (
                get(change, "address").and_then(text),
                get(change, "change").and_then(|c| get(c, "after_unknown")),
            ) {
                unknown.insert(address, after);
            }
        }
    }
    let mut w = Writer {
        json,
        out: String::new(),
        map: OffsetMap::default(),
    };
    let mut modules = vec![planned];
    while let Some(module) = modules.pop() {
        if let Some(Json::Array(resources)) = get(module, "resources") {
            for resource in resources {
                if get(resource, "mode").and_then(text).as_deref() != Some("managed") {
                    continue;
                }
                let (
                    Some(Json::Scalar(rtype)),
                    Some(address @ Json::Scalar(address_at)),
                    Some(Json::Object(values)),
                ) = (
                    get(resource, "type"),
                    get(resource, "address"),
                    get(resource, "values"),
                )
                else {
                    continue;
                };
                let mask = text(address).and_then(|a| unknown.get(&a).copied());
                w.map.segments.push((w.out.len(), rtype.start, 0));
                w.out.push_str("resource ");
                w.copy(rtype);
                w.out.push(' ');
                w.copy(address_at);
                w.out.push_str(" {\n");
                w.body_masked(values, mask);
                w.out.push_str("}\n");
            }
        }
        if let Some(Json::Array(children)) = get(module, "child_modules") {
            modules.extend(children.iter().rev());
        }
    }
    Ok((w.out, w.map))
}

impl Writer<'_> {
    /// Like [`Writer::body`], with `mask` (a plan's `after_unknown`) marking values unknown.
    fn body_masked(&mut self, entries: &[(String, Range<usize>, Json)], mask: Option<&Json>) {
        let sub = |key: &str| match mask {
            Some(Json::Object(m)) => m.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        };
        for (key, key_at, value) in entries {
            if !is_identifier(key) {
                continue;
            }
            let key_mask = sub(key);
            let all_unknown =
                matches!(key_mask, Some(Json::Scalar(r)) if &self.json[r.clone()] == "true");
            if all_unknown {
                self.map
                    .segments
                    .push((self.out.len(), key_at.start + 1, key.len()));
                self.out.push_str(key);
                self.out.push_str(" = unknown.until_apply\n");
                continue;
            }
            match value {
                Json::Object(inner) => {
                    self.header(key, key_at, &[]);
                    self.body_masked(inner, key_mask);
                    self.out.push_str("}\n");
                }
                Json::Array(items)
                    if !items.is_empty() && items.iter().all(|i| matches!(i, Json::Object(_))) =>
                {
                    for (i, item) in items.iter().enumerate() {
                        if let Json::Object(inner) = item {
                            let item_mask = match key_mask {
                                Some(Json::Array(m)) => m.get(i),
                                _ => None,
                            };
                            self.header(key, key_at, &[]);
                            self.body_masked(inner, item_mask);
                            self.out.push_str("}\n");
                        }
                    }
                }
                _ => {
                    self.map
                        .segments
                        .push((self.out.len(), key_at.start + 1, key.len()));
                    self.out.push_str(key);
                    self.out.push_str(" = ");
                    self.expr(value);
                    self.out.push('\n');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_with_offsets_back_to_the_json() {
        let json = r#"{
  "resource": {
    "google_project_iam_member": {
      "ci": { "project": "acme", "role": "roles/editor", "member": "serviceAccount:${var.sa}" }
    }
  },
  "variable": { "sa": { "default": "ci@acme.iam.gserviceaccount.com" } },
  "locals": { "xs": ["a", 1, true] }
}"#;
        let (hcl, map) = translate(json).unwrap();
        assert!(
            hcl.contains("resource \"google_project_iam_member\" \"ci\" {\nproject = \"acme\""),
            "{hcl}"
        );
        hcl_edit::parser::parse_body(&hcl).unwrap();
        let role = hcl.find("\"roles/editor\"").unwrap();
        let back = map.range(&(role..role + "\"roles/editor\"".len()));
        assert_eq!(&json[back], "\"roles/editor\"");
    }

    #[test]
    fn expressions_in_json_strings_are_decoded() {
        let json = r#"{"locals": {
  "a": "${upper(\"a\")}",
  "b": "x ${var.sa == \"\" ? \"a\" : \"b\"} \"q\" a\/b $${x} \u00e9 %{ if true }\"%{ endif }",
  "c": "${replace(\"a\\nb\", \"\\n\", \"\")}"
}}"#;
        let (hcl, map) = translate(json).unwrap();
        assert!(hcl.contains(r#"a = "${upper("a")}""#), "{hcl}");
        assert!(
            hcl.contains(r#"b = "x ${var.sa == "" ? "a" : "b"} \"q\" a/b $${x} \u00e9 %{ if true }\"%{ endif }""#),
            "{hcl}"
        );
        assert!(
            hcl.contains(r#"c = "${replace("a\nb", "\n", "")}""#),
            "{hcl}"
        );
        hcl_edit::parser::parse_body(&hcl).unwrap();
        // The whole string maps back to the whole JSON string.
        let start = hcl.find("\"${upper").unwrap();
        let end = start + r#""${upper("a")}""#.len();
        assert_eq!(&json[map.range(&(start..end))], r#""${upper(\"a\")}""#);
    }

    #[test]
    fn arrays_at_label_levels_are_read() {
        let json = r#"{"resource": [{"google_project_iam_member": [{"c": [{"role": "roles/owner"}]}]}, {"google_service_account": {"sa": {"account_id": "x"}}}]}"#;
        let (hcl, _) = translate(json).unwrap();
        assert!(
            hcl.contains("resource \"google_project_iam_member\" \"c\" {\nrole = \"roles/owner\""),
            "{hcl}"
        );
        assert!(
            hcl.contains("resource \"google_service_account\" \"sa\" {"),
            "{hcl}"
        );
    }

    #[test]
    fn reports_json_errors_with_offsets() {
        let err = translate("{\"resource\": [}").unwrap_err();
        assert_eq!(err.offset, 14);
        assert!(translate("[]").is_err());
    }
}
