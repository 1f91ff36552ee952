//! Compiles the GCP IAM catalog (`rules/data/gcp-iam/*.tsv`) into the compact form embedded in
//! the binary. The format is read by `src/gcp/catalog.rs`, which documents it; `catalog::tests`
//! checks the embedded form against the TSVs, entry by entry.

use std::collections::HashMap;
use std::env;
use std::fs;
use std::path::PathBuf;

fn varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn string(out: &mut Vec<u8>, s: &str) {
    varint(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

/// Front coding: the length of the prefix shared with the previous name, then the rest.
fn front_coded(out: &mut Vec<u8>, prev: &str, s: &str) {
    let shared = prev
        .bytes()
        .zip(s.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let mut shared = shared;
    while !s.is_char_boundary(shared) {
        shared -= 1;
    }
    varint(out, shared as u32);
    string(out, &s[shared..]);
}

fn main() {
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules/data/gcp-iam");
    let perms_path = dir.join("permissions.tsv");
    let roles_path = dir.join("roles.tsv");
    println!("cargo:rerun-if-changed={}", perms_path.display());
    println!("cargo:rerun-if-changed={}", roles_path.display());
    println!("cargo:rerun-if-changed=build.rs");

    let perms_text = fs::read_to_string(&perms_path).expect("permissions.tsv");
    let roles_text = fs::read_to_string(&roles_path).expect("roles.tsv");

    let mut out = b"IAMC\x01".to_vec();
    let perms: Vec<Vec<&str>> = perms_text
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    varint(&mut out, perms.len() as u32);
    let mut index: HashMap<&str, u32> = HashMap::new();
    let mut prev = "";
    for (i, fields) in perms.iter().enumerate() {
        assert_eq!(fields.len(), 3, "permissions.tsv row {}", i + 1);
        let name = fields[0];
        assert!(
            prev < name,
            "permissions.tsv is sorted and unique at row {}",
            i + 1
        );
        let support = match fields[1] {
            "" => 0u8,
            "SUPPORTED" => 1,
            "TESTING" => 2,
            "NOT_SUPPORTED" => 3,
            other => panic!("unknown support level {other}"),
        };
        let stage = match fields[2] {
            "" => 0u8,
            "GA" => 1,
            "BETA" => 2,
            "DEPRECATED" => 3,
            "ALPHA" => 4,
            other => panic!("unknown permission stage {other}"),
        };
        front_coded(&mut out, prev, name);
        out.push(support | (stage << 2));
        index.insert(name, i as u32);
        prev = name;
    }

    let roles: Vec<Vec<&str>> = roles_text
        .lines()
        .map(|l| l.split('\t').collect())
        .collect();
    varint(&mut out, roles.len() as u32);
    let mut prev = "";
    for (i, fields) in roles.iter().enumerate() {
        assert_eq!(fields.len(), 4, "roles.tsv row {}", i + 1);
        let name = fields[0];
        assert!(
            prev < name,
            "roles.tsv is sorted and unique at row {}",
            i + 1
        );
        front_coded(&mut out, prev, name);
        string(&mut out, fields[1]);
        string(&mut out, fields[2]);
        let mut ids: Vec<u32> = fields[3]
            .split(' ')
            .filter(|p| !p.is_empty())
            .map(|p| {
                *index
                    .get(p)
                    .unwrap_or_else(|| panic!("{name}: {p} is not in permissions.tsv"))
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        varint(&mut out, ids.len() as u32);
        let mut last = 0;
        for id in ids {
            varint(&mut out, id - last);
            last = id;
        }
        prev = name;
    }
    let dest = PathBuf::from(env::var("OUT_DIR").unwrap()).join("catalog.bin");
    fs::write(dest, out).expect("write catalog.bin");
}
