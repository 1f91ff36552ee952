//! Checks the outline scanner (src/outline.rs) against hcl-edit on a tree of `.tf` files:
//! whatever the scanner accepts, hcl-edit must accept, with the same top-level blocks and
//! attribute spans. Prints how many files each accepts and the time each takes; exits 1 on a
//! difference. `SHOW_REFUSED=1` lists the files hcl-edit accepts and the scanner refuses.
//!
//!     cargo run --release --example outline_check -- DIR

use std::time::{Duration, Instant};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: outline_check DIR");
        std::process::exit(2);
    };
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
        let path = entry.path();
        if entry.file_type().is_file()
            && path.extension().is_some_and(|e| e == "tf")
            && let Ok(text) = std::fs::read_to_string(path)
        {
            files.push((path.display().to_string(), text));
        }
    }
    let (mut parsed, mut scanned, mut refused, mut refused_bytes, mut wrong) = (0, 0, 0, 0, 0);
    let (mut t_parse, mut t_scan) = (Duration::ZERO, Duration::ZERO);
    for (path, text) in &files {
        let t = Instant::now();
        let parses = hcl_edit::parser::parse_body(text).is_ok();
        t_parse += t.elapsed();
        let t = Instant::now();
        let scans = iamlint::outline::scan(text).is_some();
        t_scan += t.elapsed();
        parsed += usize::from(parses);
        scanned += usize::from(scans);
        if parses && !scans {
            refused += 1;
            refused_bytes += text.len();
            if std::env::var_os("SHOW_REFUSED").is_some() {
                println!("refused: {path}");
            }
        }
        if let Some(why) = iamlint::outline::differs_from_hcl_edit(text) {
            wrong += 1;
            println!("WRONG: {path}: {why}");
        }
    }
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{} files, {bytes} bytes: hcl-edit accepts {parsed} in {:.3} s, the scanner {scanned} in {:.3} s; \
         refused where hcl-edit accepts: {refused} files, {refused_bytes} bytes; wrong: {wrong}",
        files.len(),
        t_parse.as_secs_f64(),
        t_scan.as_secs_f64(),
    );
    if wrong > 0 {
        std::process::exit(1);
    }
}
