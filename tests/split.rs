//! Large files are parsed block by block (src/parse.rs, `parse_pieces`) and extracted a batch
//! of blocks at a time. `IAMLINT_SPLIT_ABOVE=0` sends every file down that path: the output on
//! every fixture, in every format, must be what the whole-file path gives.

use std::path::Path;
use std::process::Command;

fn run(split: bool, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamlint"));
    cmd.args(args);
    if split {
        cmd.env("IAMLINT_SPLIT_ABOVE", "0");
    } else {
        cmd.env_remove("IAMLINT_SPLIT_ABOVE");
    }
    let out = cmd.output().expect("iamlint runs");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), out.stdout)
}

#[test]
fn block_by_block_gives_the_same_output_on_every_fixture() {
    let mut dirs: Vec<String> = std::fs::read_dir("fixtures")
        .expect("fixtures/")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.path().display().to_string())
        .collect();
    dirs.sort();
    assert!(dirs.len() > 20, "fixtures found: {}", dirs.len());
    let mut compared = 0;
    for dir in &dirs {
        for format in ["json", "human", "sarif"] {
            let args = ["--format", format, "--color", "never", dir.as_str()];
            let whole = run(false, &args);
            let split = run(true, &args);
            assert_eq!(
                whole.0, split.0,
                "exit status of {dir} in {format}, whole vs block by block"
            );
            if whole.1 != split.1 {
                panic!(
                    "{dir} in {format}: output differs when parsed block by block\n--- whole\n{}\n--- block by block\n{}",
                    String::from_utf8_lossy(&whole.1),
                    String::from_utf8_lossy(&split.1)
                );
            }
            compared += usize::from(!whole.1.is_empty());
        }
    }
    assert!(compared > 60, "outputs compared: {compared}");
}

#[test]
fn a_syntax_error_in_a_split_file_loses_only_its_block() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("split-error");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let text = "resource \"google_project_iam_member\" \"a\" {\n  project = \"p\"\n  role    = \"roles/owner\"\n  member  = \"user:a@example.com\"\n}\n\nresource \"google_project_iam_member\" \"broken\" {\n  role = [\n}\n\nresource \"google_project_iam_member\" \"b\" {\n  project = \"p\"\n  role    = \"roles/editor\"\n  member  = \"user:b@example.com\"\n}\n";
    std::fs::write(dir.join("main.tf"), text).unwrap();
    let d = dir.display().to_string();
    let args = ["--format", "json", d.as_str()];
    let whole = run(false, &args);
    let split = run(true, &args);
    assert_eq!(whole, split);
    let json = String::from_utf8(split.1).unwrap();
    assert!(json.contains("parse-error"), "{json}");
    assert!(
        json.contains("roles/owner") && json.contains("roles/editor"),
        "{json}"
    );
}
