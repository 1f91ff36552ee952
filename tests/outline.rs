//! `.tf` files are parsed through their outline (src/outline.rs, `load::outline_chunks`): a
//! scanner checks the whole file and hcl-edit parses only what the model reads. Two things must
//! hold: the scanner accepts nothing hcl-edit refuses (and reads the same blocks and attribute
//! spans), and the output is what parsing every file whole gives (`IAMLINT_OUTLINE=0`).

mod knobs;

use std::path::{Path, PathBuf};

#[test]
fn the_outline_gives_the_same_output_on_every_fixture() {
    knobs::same_output_on_every_fixture(("IAMLINT_OUTLINE", "0"), "every file is parsed whole");
}

fn tf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            tf_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "tf") {
            out.push(path);
        }
    }
}

fn check(text: &str, what: &str) {
    if let Some(why) = iamlint::outline::differs_from_hcl_edit(text) {
        panic!("{what}: {why}\n--- text\n{text}");
    }
}

/// Every fixture, and thousands of one-edit variants of each (a character removed, doubled,
/// or one of HCL's delimiters inserted), chosen by a fixed generator: the scanner accepts
/// none that hcl-edit refuses, and agrees with it on the others.
#[test]
fn the_scanner_accepts_only_what_hcl_edit_accepts() {
    let mut files = Vec::new();
    tf_files(Path::new("fixtures"), &mut files);
    files.sort();
    assert!(files.len() > 100, "fixture files: {}", files.len());
    const INSERTS: &[&str] = &[
        "\n", "{", "}", "\"", "$", "${", "%{", "$${", "=", "==", "#", "//", "/*", "*/", "<<EOT\n",
        "\nEOT\n", ",", "[", "]", "(", ")", ".", "...", "?", ":", "::", " ", "\\", "~", "-", "!",
        "=>", "for ", " if ", "\r\n", "\r", "é", "0", "1e", "x",
    ];
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n as u64) as usize
    };
    let (mut accepted, mut variants, mut whole_accepted) = (0, 0, 0);
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        check(&text, &path.display().to_string());
        whole_accepted += usize::from(iamlint::outline::scan(&text).is_some());
        if text.is_empty() {
            continue;
        }
        for _ in 0..60 {
            let mut at = next(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut variant = text.clone();
            match next(3) {
                0 if at < text.len() => {
                    variant.remove(at);
                }
                1 if at < text.len() => {
                    let c = text[at..].chars().next().unwrap();
                    variant.insert(at, c);
                }
                _ => variant.insert_str(at, INSERTS[next(INSERTS.len())]),
            }
            variants += 1;
            accepted += usize::from(iamlint::outline::scan(&variant).is_some());
            check(&variant, &format!("{} edited at {at}", path.display()));
        }
    }
    // Not a vacuous check: the scanner reads most fixtures, and a good share of the variants.
    assert!(
        whole_accepted * 10 >= files.len() * 8,
        "the scanner accepts {whole_accepted} of {} fixture files",
        files.len()
    );
    assert!(
        accepted * 5 >= variants,
        "the scanner accepts {accepted} of {variants} variants"
    );
}

/// Constructs where hcl-edit's reading is subtle: the scanner either refuses them or reads
/// them as hcl-edit does.
#[test]
fn the_scanner_agrees_on_hcl_edit_s_subtle_cases() {
    for text in [
        // Newlines in an expression: allowed inside brackets, parentheses, calls and
        // interpolations; after an array, hcl-edit goes on to an operator on the next line.
        "a = [1]\n-1 = 2\n",
        "a = {\n  x = [1]\n  -1 = 2\n}\n",
        "a = [\n  x\n  [0]\n]\n",
        "a = f(\n  x\n  (1)\n)\n",
        "a = (\n  1\n  + 2\n)\n",
        "a = x\n  .y\n",
        "a = { for k, v in m : k => v\n  ... }\n",
        "a = { for k, v in m : k => v... if v }\n",
        "a = [for x in y : x\n  if x]\n",
        "a = \"${\n  x\n}\"\n",
        // Heredocs: a closing line right away, a delimiter inside the text, `$${`, `%%{`.
        "a = <<EOT\nEOT\nb = <<EOT\nx\nEOT\n",
        "a = <<EOT\n  EOTX\nEOT\n",
        "a = <<-EOT\n  x ${y} $${z} %%{w}\n  EOT\n",
        "a = <<EOT\n${<<EOT\nx\nEOT\n}\nEOT\n",
        "a = f(<<EOT\nx\nEOT\n)\n",
        "a = f(<<EOT\nx\nEOT)\n",
        // Strings: escapes, markers, literal newlines, directives.
        "a = \"\\u00e9 \\U0001F600 \\ud800\"\n",
        "a = \"$$${x}\"\n",
        "a = \"$${x}%%{y}$\"\n",
        "a = \"a\nb\"\n",
        "a = \"%{ if x }y%{ endif }\"\n",
        "b \"${x}\" {}\n",
        "b \"$${x}\" {}\n",
        // Keys: repeated, quoted and bare, expressions.
        "a = { x = 1, \"x\" = 2 }\n",
        "a = { \"x\" = 1, \"\\u0078\" = 2 }\n",
        "a = { (k) = 1, ( k ) = 2 }\n",
        "a = { true = 1, true = 2 }\n",
        "b {\n  x = 1\n  x {}\n}\n",
        // Numbers and traversals.
        "a = 1.x\n",
        "a = 1..2\n",
        "a = x.0.1\n",
        "a = x.01\n",
        "a = x.0994398328 # c\n",
        "a = - 1\n",
        "a = -x.y\n",
        "a = 99999999999999999999999999\n",
        // Operators.
        "a = x ! y\n",
        "a = x & y\n",
        "a = x // y\n",
        "a = x / /* c */ y\n",
        "a = x ? y : z ? w : v\n",
        "a = x == y != z\n",
        // Blocks and comments.
        "b { x = 1 }\n",
        "b { c {} }\n",
        "b {}\n",
        "b { # c\n}\n",
        "b {\n  x = 1 }\n",
        "b \"l\" i {\n}\n",
        "/* a\n */ b {\n}\n# end",
        "b {\n} # c\nd {\n}",
        "a = 1 /* x\n */ + 2\n",
        "a = f(x,)\n",
        "a = f(x...)\n",
        "a = f(x, ...)\n",
        "a = f()\n",
        "a = f( )\n",
        "a = f(,)\n",
        "a = [,]\n",
        "a = []\n",
        "a = [1,]\n",
        "a = ns::f(1)\n",
        "a = for\n",
        "a = [for]\n",
        "a = { for = 1 }\n",
        "a = {\n  x = 1 # c\n  y = 2\n}\n",
        "a = { x = 1 /* c */, y = 2 }\n",
        "a = { x = 1 # c }\n",
    ] {
        check(text, text);
    }
}
