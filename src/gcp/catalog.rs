//! The GCP IAM catalog: every permission (with its custom-role support level and stage) and every
//! predefined role (title, stage, permissions), embedded in the binary and decoded once, lazily,
//! on first use.
//!
//! The embedded form is written by `build.rs` from `rules/data/gcp-iam/*.tsv` (provenance in
//! `SOURCE.md` beside them). Layout, all integers LEB128 varints:
//!
//! ```text
//! "IAMC" 0x01
//! n_permissions, then per permission (sorted): shared-prefix length, suffix (len + bytes), meta byte
//!     meta = support (0 unknown, 1 SUPPORTED, 2 TESTING, 3 NOT_SUPPORTED) | stage << 2
//!            (0 unknown, 1 GA, 2 BETA, 3 DEPRECATED, 4 ALPHA)
//! n_roles, then per role (sorted): shared-prefix length, suffix, title, stage (len + bytes each),
//!     n_permissions, permission ids delta-encoded in ascending order
//! ```

use crate::util::suggest::{closest, edit_distance};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::OnceLock;

/// When the catalog's sources were taken (see `rules/data/gcp-iam/SOURCE.md`).
pub const SNAPSHOT_DATE: &str = "2026-08-22";

static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/catalog.bin"));

/// A permission's index in the catalog (permissions are sorted by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PermId(pub u32);

/// A predefined role's index in the catalog (roles are sorted by name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoleId(pub u32);

/// Whether custom roles may hold a permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// The source data does not say.
    Unknown,
    Supported,
    Testing,
    NotSupported,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Unknown,
    Ga,
    Beta,
    Deprecated,
    Alpha,
}

struct Role {
    name: Range<u32>,
    title: Range<u32>,
    stage: Range<u32>,
    perms: Range<u32>,
}

pub struct Catalog {
    /// Every permission name, concatenated; `perm_ends[i]` is where name `i` ends.
    perm_names: String,
    perm_ends: Vec<u32>,
    perm_meta: Vec<u8>,
    /// Role names, titles and stages, concatenated.
    role_text: String,
    roles: Vec<Role>,
    /// Each role's permission ids, ascending, concatenated.
    role_perms: Vec<PermId>,
    /// Permissions by their last segment (`create`), for `*.create` globs.
    by_verb: OnceLock<HashMap<&'static str, Vec<PermId>>>,
    /// service -> resource -> verbs, for suggestions.
    tree: OnceLock<Tree>,
}

/// Permissions as `service.resource.verb`, grouped.
type Tree = BTreeMap<&'static str, BTreeMap<&'static str, Vec<&'static str>>>;

/// `run.services.get` -> ("run", "services", "get"); the service may itself contain dots.
fn segments(name: &str) -> Option<(&str, &str, &str)> {
    let (rest, verb) = name.rsplit_once('.')?;
    let (service, resource) = rest.rsplit_once('.')?;
    Some((service, resource, verb))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> u32 {
        let mut value = 0u32;
        let mut shift = 0;
        loop {
            let byte = self.bytes[self.at];
            self.at += 1;
            value |= u32::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }

    fn bytes(&mut self) -> &[u8] {
        let len = self.varint() as usize;
        let bytes = &self.bytes[self.at..self.at + len];
        self.at += len;
        bytes
    }

    fn str_into(&mut self, out: &mut String) -> Range<u32> {
        let start = out.len() as u32;
        out.push_str(std::str::from_utf8(self.bytes()).expect("catalog text is UTF-8"));
        start..out.len() as u32
    }

    fn front_coded(&mut self, prev: &mut String) {
        let shared = self.varint() as usize;
        prev.truncate(shared);
        prev.push_str(std::str::from_utf8(self.bytes()).expect("catalog text is UTF-8"));
    }
}

impl Catalog {
    /// The embedded catalog, decoded on first use.
    pub fn get() -> &'static Catalog {
        static CATALOG: OnceLock<Catalog> = OnceLock::new();
        CATALOG.get_or_init(|| Catalog::decode(EMBEDDED))
    }

    fn decode(bytes: &[u8]) -> Catalog {
        assert_eq!(&bytes[..5], b"IAMC\x01", "catalog format");
        let mut r = Reader { bytes, at: 5 };
        let n_perms = r.varint() as usize;
        let mut perm_names = String::with_capacity(n_perms * 40);
        let mut perm_ends = Vec::with_capacity(n_perms);
        let mut perm_meta = Vec::with_capacity(n_perms);
        let mut name = String::new();
        for _ in 0..n_perms {
            r.front_coded(&mut name);
            perm_names.push_str(&name);
            perm_ends.push(perm_names.len() as u32);
            perm_meta.push(r.bytes[r.at]);
            r.at += 1;
        }
        let n_roles = r.varint() as usize;
        let mut role_text = String::with_capacity(n_roles * 60);
        let mut roles = Vec::with_capacity(n_roles);
        let mut role_perms = Vec::new();
        let mut name = String::new();
        for _ in 0..n_roles {
            r.front_coded(&mut name);
            let start = role_text.len() as u32;
            role_text.push_str(&name);
            let name_range = start..role_text.len() as u32;
            let title = r.str_into(&mut role_text);
            let stage = r.str_into(&mut role_text);
            let count = r.varint();
            let first = role_perms.len() as u32;
            let mut id = 0;
            for _ in 0..count {
                id += r.varint();
                role_perms.push(PermId(id));
            }
            roles.push(Role {
                name: name_range,
                title,
                stage,
                perms: first..role_perms.len() as u32,
            });
        }
        assert_eq!(r.at, bytes.len(), "catalog has trailing bytes");
        Catalog {
            perm_names,
            perm_ends,
            perm_meta,
            role_text,
            roles,
            role_perms,
            by_verb: OnceLock::new(),
            tree: OnceLock::new(),
        }
    }

    pub fn permission_count(&self) -> usize {
        self.perm_ends.len()
    }

    pub fn role_count(&self) -> usize {
        self.roles.len()
    }

    pub fn permission_name(&self, id: PermId) -> &str {
        let i = id.0 as usize;
        let start = if i == 0 {
            0
        } else {
            self.perm_ends[i - 1] as usize
        };
        &self.perm_names[start..self.perm_ends[i] as usize]
    }

    pub fn permission(&self, name: &str) -> Option<PermId> {
        self.search_permission(name).ok()
    }

    fn search_permission(&self, name: &str) -> Result<PermId, usize> {
        let (mut lo, mut hi) = (0, self.perm_ends.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.permission_name(PermId(mid as u32)).cmp(name) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(PermId(mid as u32)),
            }
        }
        Err(lo)
    }

    pub fn support(&self, id: PermId) -> Support {
        match self.perm_meta[id.0 as usize] & 3 {
            1 => Support::Supported,
            2 => Support::Testing,
            3 => Support::NotSupported,
            _ => Support::Unknown,
        }
    }

    pub fn stage(&self, id: PermId) -> Stage {
        match self.perm_meta[id.0 as usize] >> 2 {
            1 => Stage::Ga,
            2 => Stage::Beta,
            3 => Stage::Deprecated,
            4 => Stage::Alpha,
            _ => Stage::Unknown,
        }
    }

    fn text(&self, range: &Range<u32>) -> &str {
        &self.role_text[range.start as usize..range.end as usize]
    }

    pub fn role(&self, name: &str) -> Option<RoleId> {
        self.roles
            .binary_search_by(|r| self.text(&r.name).cmp(name))
            .ok()
            .map(|i| RoleId(i as u32))
    }

    pub fn roles(&self) -> impl Iterator<Item = RoleId> + '_ {
        (0..self.roles.len() as u32).map(RoleId)
    }

    pub fn role_name(&self, id: RoleId) -> &str {
        self.text(&self.roles[id.0 as usize].name)
    }

    pub fn role_title(&self, id: RoleId) -> &str {
        self.text(&self.roles[id.0 as usize].title)
    }

    pub fn role_stage(&self, id: RoleId) -> &str {
        self.text(&self.roles[id.0 as usize].stage)
    }

    /// The role's permissions, ascending by name.
    pub fn role_permissions(&self, id: RoleId) -> &[PermId] {
        let r = &self.roles[id.0 as usize].perms;
        &self.role_perms[r.start as usize..r.end as usize]
    }

    pub fn role_has(&self, role: RoleId, perm: PermId) -> bool {
        self.role_permissions(role).binary_search(&perm).is_ok()
    }

    /// Permissions matching a glob where `*` matches any run of characters. A leading literal
    /// prefix is found by binary search; `*.verb` uses an index by last segment.
    pub fn glob(&self, pattern: &str) -> Vec<PermId> {
        let Some(star) = pattern.find('*') else {
            return self.permission(pattern).into_iter().collect();
        };
        let prefix = &pattern[..star];
        let verb = pattern
            .strip_prefix("*.")
            .filter(|v| prefix.is_empty() && !v.contains(['*', '.']));
        if let Some(verb) = verb {
            return self.by_verb().get(verb).cloned().unwrap_or_default();
        }
        let start = match self.search_permission(prefix) {
            Ok(id) => id.0 as usize,
            Err(i) => i,
        };
        (start..self.perm_ends.len())
            .map(|i| PermId(i as u32))
            .take_while(|&id| self.permission_name(id).starts_with(prefix))
            .filter(|&id| crate::util::text::glob_match(pattern, self.permission_name(id)))
            .collect()
    }

    fn by_verb(&self) -> &HashMap<&'static str, Vec<PermId>> {
        self.by_verb.get_or_init(|| {
            // The catalog is a process-wide static, so its names live for 'static.
            let this: &'static Catalog = Catalog::get();
            let mut map: HashMap<&'static str, Vec<PermId>> = HashMap::new();
            for i in 0..this.perm_ends.len() {
                let id = PermId(i as u32);
                let name = this.permission_name(id);
                let verb = name.rsplit('.').next().unwrap_or(name);
                map.entry(verb).or_default().push(id);
            }
            map
        })
    }

    fn tree(&self) -> &Tree {
        self.tree.get_or_init(|| {
            let this: &'static Catalog = Catalog::get();
            let mut tree = Tree::new();
            for i in 0..this.perm_ends.len() {
                if let Some((service, resource, verb)) =
                    segments(this.permission_name(PermId(i as u32)))
                {
                    tree.entry(service)
                        .or_default()
                        .entry(resource)
                        .or_default()
                        .push(verb);
                }
            }
            tree
        })
    }

    /// The closest real permission to a misspelt one, when one is clearly closest. The search
    /// goes segment by segment (service, resource, verb), so it costs little per name.
    /// Memoized for the run: the same misspelling is often copied into many roles and modules.
    pub fn suggest_permission(&self, name: &str) -> Option<String> {
        static MEMO: std::sync::Mutex<Option<std::collections::HashMap<String, Option<String>>>> =
            std::sync::Mutex::new(None);
        if let Some(hit) = MEMO
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(Default::default)
            .get(name)
        {
            return hit.clone();
        }
        let suggestion = self.closest_permission(name);
        MEMO.lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert_with(Default::default)
            .insert(name.to_string(), suggestion.clone());
        suggestion
    }

    fn closest_permission(&self, name: &str) -> Option<String> {
        let limit = (name.chars().count() / 8).clamp(1, 3);
        let Some((service, resource, verb)) = segments(name) else {
            let all = (0..self.perm_ends.len()).map(|i| self.permission_name(PermId(i as u32)));
            return closest(name, all).map(str::to_string);
        };
        let mut best: Option<(usize, String)> = None;
        let mut tie = false;
        for (s, resources) in self.tree() {
            let Some(ds) = edit_distance(service, s, limit) else {
                continue;
            };
            for (r, verbs) in resources {
                let Some(dr) = edit_distance(resource, r, limit - ds) else {
                    continue;
                };
                for v in verbs {
                    let Some(dv) = edit_distance(verb, v, limit - ds - dr) else {
                        continue;
                    };
                    let d = ds + dr + dv;
                    match &best {
                        Some((bd, _)) if d > *bd => {}
                        Some((bd, _)) if d == *bd => tie = true,
                        _ => {
                            best = Some((d, format!("{s}.{r}.{v}")));
                            tie = false;
                        }
                    }
                }
            }
        }
        match best {
            Some((d, suggestion)) if d > 0 && !tie => Some(suggestion),
            _ => None,
        }
    }

    /// The closest predefined role to a misspelt one.
    /// The closest role: a near miss of the name, else the one role of another service with
    /// the same words (`roles/apikeys.admin` -> `roles/serviceusage.apiKeysAdmin`).
    pub fn suggest_role(&self, name: &str) -> Option<&str> {
        closest(name, self.roles().map(|r| self.role_name(r))).or_else(|| self.role_across(name))
    }

    /// The one role whose name after its service spells, letter for letter and ignoring case
    /// and dots, what `name` writes after `roles/`.
    fn role_across(&self, name: &str) -> Option<&str> {
        let letters = |s: &str| -> String {
            s.chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        let wanted = letters(name.strip_prefix("roles/")?);
        if wanted.len() < 6 {
            return None;
        }
        let mut found = self.roles().map(|r| self.role_name(r)).filter(|r| {
            r.strip_prefix("roles/")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(_, role)| letters(role) == wanted)
        });
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded form holds exactly what the TSVs say.
    #[test]
    fn embedded_catalog_matches_the_tsvs() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/data/gcp-iam");
        let cat = Catalog::get();
        let perms = std::fs::read_to_string(format!("{dir}/permissions.tsv")).unwrap();
        assert_eq!(cat.permission_count(), perms.lines().count());
        for (i, line) in perms.lines().enumerate() {
            let f: Vec<&str> = line.split('\t').collect();
            let id = PermId(i as u32);
            assert_eq!(cat.permission_name(id), f[0]);
            assert_eq!(cat.permission(f[0]), Some(id));
            let support = match f[1] {
                "SUPPORTED" => Support::Supported,
                "TESTING" => Support::Testing,
                "NOT_SUPPORTED" => Support::NotSupported,
                _ => Support::Unknown,
            };
            assert_eq!(cat.support(id), support, "{}", f[0]);
            let stage = match f[2] {
                "GA" => Stage::Ga,
                "BETA" => Stage::Beta,
                "DEPRECATED" => Stage::Deprecated,
                _ => Stage::Unknown,
            };
            assert_eq!(cat.stage(id), stage, "{}", f[0]);
        }
        let roles = std::fs::read_to_string(format!("{dir}/roles.tsv")).unwrap();
        assert_eq!(cat.role_count(), roles.lines().count());
        for line in roles.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let id = cat.role(f[0]).unwrap();
            assert_eq!((cat.role_title(id), cat.role_stage(id)), (f[1], f[2]));
            let names: Vec<&str> = cat
                .role_permissions(id)
                .iter()
                .map(|&p| cat.permission_name(p))
                .collect();
            let want: Vec<&str> = f[3].split(' ').filter(|p| !p.is_empty()).collect();
            assert_eq!(names, want, "{}", f[0]);
        }
    }

    #[test]
    fn known_facts() {
        let cat = Catalog::get();
        let dev = cat.role("roles/run.developer").unwrap();
        assert_eq!(cat.role_permissions(dev).len(), 89);
        assert!(cat.role_has(dev, cat.permission("run.services.delete").unwrap()));
        assert!(!cat.role_has(dev, cat.permission("run.services.setIamPolicy").unwrap()));
        let edit = cat.permission("stackdriver.projects.edit").unwrap();
        assert_eq!(
            (cat.support(edit), cat.stage(edit)),
            (Support::NotSupported, Stage::Deprecated)
        );
        assert!(cat.role("roles/editor").is_some());
        assert!(cat.role("roles/nope").is_none());
    }

    #[test]
    fn globs() {
        let cat = Catalog::get();
        let names = |p: &str| -> Vec<String> {
            cat.glob(p)
                .into_iter()
                .map(|i| cat.permission_name(i).to_string())
                .collect()
        };
        let run = names("run.services.*");
        assert!(
            run.contains(&"run.services.update".to_string())
                && run.iter().all(|n| n.starts_with("run.services."))
        );
        let creates = names("*.create");
        assert!(creates.len() > 500 && creates.iter().all(|n| n.ends_with(".create")));
        assert_eq!(
            names("run.*.get"),
            names("run.*")
                .into_iter()
                .filter(|n| n.ends_with(".get"))
                .collect::<Vec<_>>()
        );
        assert_eq!(names("run.services.get"), ["run.services.get"]);
        assert!(names("nope.*").is_empty());
    }

    #[test]
    fn suggestions() {
        let cat = Catalog::get();
        let suggest = |p: &str| cat.suggest_permission(p);
        assert_eq!(
            suggest("run.services.lsit").as_deref(),
            Some("run.services.list")
        );
        assert_eq!(
            suggest("run.service.update").as_deref(),
            Some("run.services.update")
        );
        assert_eq!(
            suggest("rn.services.update").as_deref(),
            Some("run.services.update")
        );
        assert_eq!(
            suggest("storage.object.get").as_deref(),
            Some("storage.objects.get")
        );
        assert_eq!(suggest("totally.made.up"), None);
        assert_eq!(
            cat.suggest_role("roles/run.devloper"),
            Some("roles/run.developer")
        );
    }
}
