//! Shared by the tests of iamlint's other parsing paths (tests/split.rs, tests/outline.rs):
//! each runs the binary with an environment knob that changes how files are parsed, and
//! compares the output with the default path's.

use std::process::Command;

/// The knobs. A run sets at most one and clears the others, so the default path is the same
/// whatever the environment the tests run in.
const KNOBS: &[&str] = &["IAMLINT_SPLIT_ABOVE", "IAMLINT_OUTLINE"];

/// Runs iamlint with `args` and the knob `set` (name, value): its exit status and standard
/// output. A panic fails the test.
pub fn run(set: Option<(&str, &str)>, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iamlint"));
    cmd.args(args);
    for knob in KNOBS {
        cmd.env_remove(knob);
    }
    if let Some((name, value)) = set {
        cmd.env(name, value);
    }
    let out = cmd.output().expect("iamlint runs");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), out.stdout)
}

/// Every fixture, in json, human and sarif, gives the same exit status and output with the
/// knob `set` as on the default path. `path` names the knob's path for messages ("parsed
/// block by block").
pub fn same_output_on_every_fixture(set: (&str, &str), path: &str) {
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
            let default = run(None, &args);
            let other = run(Some(set), &args);
            assert_eq!(
                default.0, other.0,
                "exit status of {dir} in {format}, default vs {path}"
            );
            if default.1 != other.1 {
                panic!(
                    "{dir} in {format}: output differs when {path}\n--- default\n{}\n--- {path}\n{}",
                    String::from_utf8_lossy(&default.1),
                    String::from_utf8_lossy(&other.1)
                );
            }
            compared += usize::from(!default.1.is_empty());
        }
    }
    assert!(compared > 60, "outputs compared: {compared}");
}
