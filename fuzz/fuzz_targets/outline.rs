//! The outline scanner (src/outline.rs) against hcl-edit on arbitrary text: whatever the
//! scanner accepts, hcl-edit must accept, with the same top-level blocks and attribute spans.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(why) = iamlint::outline::differs_from_hcl_edit(text) {
        panic!("{why}");
    }
});
