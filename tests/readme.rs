//! The README's snippets work as pasted: every fenced YAML, JSON and TOML block parses (a TOML
//! block is also a valid `iamlint.toml`), and every `iamlint` command in a shell block, a YAML
//! `run:` line or the options table names only flags that `iamlint --help` (or the
//! subcommand's help) lists. The workflows are linted with actionlint in tests/integrations.rs.

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

/// `(language, first line number, text)` of every fenced block.
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for (n, line) in text.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), n + 2, String::new())),
            (Some(_), Some(_)) => out.push(open.take().unwrap()),
            (Some((_, _, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a fenced block is not closed");
    out
}

/// The long flags a help text lists.
fn flags_of(args: &[&str]) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_iamlint"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '<')
        .filter(|w| w.starts_with("--") && w.len() > 2)
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
                .to_string()
        })
        .collect()
}

/// The `iamlint` commands in a piece of shell: `(subcommand, flags)` for each.
fn commands(shell: &str) -> Vec<(Option<String>, Vec<String>)> {
    let mut out = Vec::new();
    for line in shell.lines() {
        // A comment is `#` after a space, not inside `"::add-matcher::..."`.
        let code = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        };
        for segment in code.split(['|', ';', '&', '>']) {
            let words: Vec<&str> = segment.split_whitespace().collect();
            let Some(start) = words.iter().position(|w| *w == "iamlint") else {
                continue;
            };
            // `cargo install ... iamlint` names the package, not a command.
            if start > 0 {
                continue;
            }
            let args = &words[start + 1..];
            let sub = args
                .first()
                .filter(|a| ["access", "rules", "explain"].contains(a))
                .map(|s| s.to_string());
            let flags = args
                .iter()
                .filter(|a| a.starts_with("--"))
                .map(|a| a.split('=').next().unwrap().to_string())
                .collect();
            out.push((sub, flags));
        }
    }
    out
}

#[test]
fn readme_snippets_parse_and_name_real_flags() {
    let readme = fs::read_to_string("README.md").unwrap();
    let main_flags = flags_of(&[]);
    assert!(main_flags.contains("--exit-zero"), "{main_flags:?}");
    let mut checked = 0;
    let mut check_shell = |shell: &str, at: usize| {
        for (sub, flags) in commands(shell) {
            let known = match &sub {
                Some(s) => flags_of(&[s.as_str()]),
                None => main_flags.clone(),
            };
            for flag in flags {
                assert!(
                    known.contains(&flag),
                    "README.md:{at}: `iamlint {}` has no flag `{flag}`",
                    sub.as_deref().unwrap_or("")
                );
                checked += 1;
            }
        }
    };
    let mut kinds = BTreeSet::new();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("readme");
    fs::create_dir_all(&dir).unwrap();
    for (lang, at, body) in blocks(&readme) {
        match lang.as_str() {
            "yaml" => {
                let docs = yaml_rust2::YamlLoader::load_from_str(&body)
                    .unwrap_or_else(|e| panic!("README.md:{at}: YAML does not parse: {e}"));
                assert_eq!(docs.len(), 1, "README.md:{at}");
                let runs: String = body
                    .lines()
                    .filter_map(|l| {
                        l.trim_start()
                            .trim_start_matches("- ")
                            .strip_prefix("run: ")
                    })
                    .map(|l| format!("{l}\n"))
                    .collect();
                check_shell(&runs, at);
            }
            "json" => {
                serde_json::from_str::<serde_json::Value>(&body)
                    .unwrap_or_else(|e| panic!("README.md:{at}: JSON does not parse: {e}"));
            }
            "toml" => {
                let path = dir.join(format!("snippet-{at}.toml"));
                fs::write(&path, &body).unwrap();
                if let Err(e) = iamlint::load_config(&path) {
                    panic!("README.md:{at}: not a valid iamlint.toml:\n{}", e.render());
                }
            }
            "sh" | "bash" | "shell" => check_shell(&body, at),
            _ => continue,
        }
        kinds.insert(lang);
    }
    // The options table: `| `--format ...` |` rows.
    for (n, line) in readme.lines().enumerate() {
        if let Some(cell) = line.strip_prefix("| `") {
            let cell = cell.split('|').next().unwrap();
            for word in cell.split(['`', ' ', '/', ',']) {
                if word.starts_with("--") {
                    assert!(
                        main_flags.contains(word),
                        "README.md:{}: the options table names `{word}`, which `iamlint --help` does not list",
                        n + 1
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(
        kinds,
        ["json", "sh", "toml", "yaml"]
            .into_iter()
            .map(String::from)
            .collect(),
        "every kind of snippet was found"
    );
    assert!(checked > 20, "{checked} flags checked");
}

#[test]
fn the_snippet_checker_catches_a_made_up_flag() {
    let found = commands(
        "iamlint --fail-on warning --no-such-flag . # --not-this\ncargo install --locked iamlint\n",
    );
    assert_eq!(
        found,
        [(
            None,
            vec!["--fail-on".to_string(), "--no-such-flag".to_string()]
        )]
    );
    assert!(!flags_of(&[]).contains("--no-such-flag"));
    let sub = commands("echo x && iamlint access --member user:a@b.c .");
    assert_eq!(
        sub,
        [(Some("access".to_string()), vec!["--member".to_string()])]
    );
}
