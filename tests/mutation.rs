//! A fast mutation test (issue 7): thousands of damaged copies of the fixtures go through
//! parse -> model -> rules -> every output format in process. Each must give a normal report:
//! no panic, every label inside its file and on character boundaries, JSON and SARIF that parse.
//! The fuzz target in fuzz/ does the same with coverage guidance, for much longer.

use iamlint::Config;
use iamlint::emit::{self, Format};
use std::path::{Path, PathBuf};

/// splitmix64: deterministic, so a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Tokens that steer mutations into the parser's and the evaluator's corners.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{",
    "<<EOT\n",
    "\nEOT\n",
    "<<-EOT\n",
    "#",
    "//",
    "/*",
    "*/",
    "\n",
    "\r\n",
    "\t",
    "=",
    ",",
    ".",
    "*",
    "?",
    ":",
    "...",
    "=>",
    "for x in ",
    "if ",
    "endif",
    "endfor",
    "local.",
    "var.",
    "module.",
    "each.key",
    "each.value",
    "count.index",
    "self.",
    "null",
    "true",
    "-1",
    "1e999",
    "0x",
    "\\u00",
    "\u{feff}",
    "é",
    "\u{10FFFF}",
    "\u{0}",
    "roles/owner",
    "allUsers",
    "serviceAccount:",
    "-compute@developer.gserviceaccount.com",
    "run.services.delete",
    "concat(",
    "merge(",
    "lookup(",
    "format(\"%s\", ",
    "try(",
    "toset(",
    "for_each = ",
    "count = ",
    "dynamic \"binding\" {\n",
    "content {\n",
    "source = \"./\"\n",
    "resource \"google_project_iam_member\" \"x\" {\n",
    "member = ",
    "members = [",
    "role = ",
    "permissions = [",
    "service_account = ",
    "iamlint-ignore: ",
    "iamlint-ignore-file: ",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            // Delete a range.
            0 => {
                let end = (at + 1 + rng.below(64)).min(len);
                bytes.drain(at.min(end)..end);
            }
            // Insert a token.
            1 | 2 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, token.iter().copied());
            }
            // Duplicate a slice somewhere else.
            3 => {
                let end = (at + rng.below(200)).min(len);
                let slice = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, slice);
            }
            // Overwrite one byte with anything (non-UTF-8 included).
            4 if len > 0 => bytes[at.min(len - 1)] = rng.next() as u8,
            // Truncate.
            5 => bytes.truncate(at),
            // Swap two halves.
            6 => bytes.rotate_left(at.min(len)),
            // Repeat the whole file's head.
            _ => {
                let head = bytes[..at.min(len)].to_vec();
                bytes.extend_from_slice(&head);
            }
        }
    }
    bytes
}

fn fixture_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            fixture_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "tf" || e == "json") {
            out.push(path);
        }
    }
}

fn check(name: &str, bytes: Vec<u8>, config: &Config, what: &str) {
    let report = iamlint::lint_source(name, bytes, config);
    let text = report.files.text(0);
    for d in &report.diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let range = &label.range;
            assert!(label.file == 0, "{what}: label in another file: {d:?}");
            assert!(
                range.start <= range.end && range.end <= text.len(),
                "{what}: label outside the file: {d:?}"
            );
            assert!(
                text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
                "{what}: label inside a character: {d:?}"
            );
        }
    }
    for format in [Format::Human, Format::Gcc, Format::Json, Format::Sarif] {
        let mut out = Vec::new();
        emit::emit(&report, format, false, &mut out).unwrap();
        if matches!(format, Format::Json | Format::Sarif) {
            serde_json::from_slice::<serde_json::Value>(&out)
                .unwrap_or_else(|e| panic!("{what}: {format:?} is not JSON: {e}"));
        }
    }
}

#[test]
fn mutated_fixtures_give_normal_reports() {
    let mut files = Vec::new();
    fixture_files(Path::new("fixtures"), &mut files);
    assert!(files.len() > 50, "{} fixture files", files.len());
    let config = Config::default();
    let per_file = 40;
    let mut runs = 0;
    for (index, path) in files.iter().enumerate() {
        let original = std::fs::read(path).unwrap();
        let name = if path.to_string_lossy().ends_with(".tf.json") {
            "main.tf.json"
        } else {
            "main.tf"
        };
        check(name, original.clone(), &config, &path.display().to_string());
        for i in 0..per_file {
            let seed = (index as u64) << 32 | i;
            let mut rng = Rng(seed);
            let mutated = mutate(&mut rng, &original);
            check(
                name,
                mutated,
                &config,
                &format!("{} seed {seed}", path.display()),
            );
            runs += 1;
        }
    }
    assert!(runs >= 2000, "{runs} mutated inputs");
}

#[test]
fn regression_inputs_give_normal_reports() {
    let mut inputs: Vec<_> = std::fs::read_dir("tests/regressions")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_none_or(|e| e != "md"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let config = Config::default();
    for path in inputs {
        let bytes = std::fs::read(&path).unwrap();
        let Some((&kind, rest)) = bytes.split_first() else {
            continue;
        };
        let name = if kind & 1 == 1 {
            "main.tf.json"
        } else {
            "main.tf"
        };
        check(name, rest.to_vec(), &config, &path.display().to_string());
    }
}
