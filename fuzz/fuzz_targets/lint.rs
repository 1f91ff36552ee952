//! parse -> model -> rules -> every output format, on arbitrary bytes. The first byte picks the
//! file's syntax (native `.tf` or `.tf.json`); the rest is the file. Any panic is a bug.
#![no_main]

use iamlint::Config;
use iamlint::emit::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let name = if kind & 1 == 1 {
        "main.tf.json"
    } else {
        "main.tf"
    };
    let config = Config::default();
    let report = iamlint::lint_source(name, bytes.to_vec(), &config);
    let format = match kind >> 1 & 3 {
        0 => Format::Human,
        1 => Format::Json,
        2 => Format::Sarif,
        _ => Format::Gcc,
    };
    let mut out = Vec::new();
    emit::emit(&report, format, false, &mut out).expect("writing to memory cannot fail");
});
