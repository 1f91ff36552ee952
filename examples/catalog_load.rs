//! Times the first use of the embedded IAM catalog (decoding it), in a fresh process.
//! `cargo run --release --example catalog_load`

use iamlint::Catalog;
use std::time::Instant;

fn main() {
    let start = Instant::now();
    let catalog = Catalog::get();
    let decoded = start.elapsed();
    let start = Instant::now();
    let creates = catalog.glob("*.create").len();
    let verb_index = start.elapsed();
    println!(
        "decoded {} permissions and {} roles in {:.2} ms; first `*.create` glob ({} matches, builds the verb index) {:.2} ms",
        catalog.permission_count(),
        catalog.role_count(),
        decoded.as_secs_f64() * 1e3,
        creates,
        verb_index.as_secs_f64() * 1e3
    );
}
