#!/usr/bin/env bash
# Scaffolds a new rule: `scripts/new-rule.sh ID` (ID in kebab-case) writes
#   src/rules/<id_snake>.rs      the rule's check, modelled on service-account-key
#   src/registry.rs              its metadata (id, summary, severities, scope, doc) in RULES
#   src/rules/mod.rs             its `mod` line and its entry in ALL_RULES (both kept sorted)
#   rules/<id>.md                its doc page, with the sections tests/meta.rs asks for
#   fixtures/<id>/fires/main.tf  a case that fires (`# expect: <id>` marker)
#   fixtures/<id>/silent/main.tf a near miss that stays silent
# then runs `UPDATE_EXPECT=1 cargo test --test fixtures --test formats --test meta` to write the goldens and
# the rules index (set NEW_RULE_NO_CARGO=1 to skip that step).
#
# The generated check is a working placeholder: it fires on grants of one predefined role
# (`roles/iam.denyReviewer`), so that everything builds and every meta-test passes at once.
# Replace the check, the doc's text and the fixtures with the rule's real ones.
# tests/tree.rs checks that none of the four pieces is left out (orphan checks).
set -euo pipefail
cd "$(dirname "$0")/.."

id="${1:-}"
if ! [[ "$id" =~ ^[a-z]+(-[a-z]+)*$ ]]; then
  echo "usage: scripts/new-rule.sh ID   (ID is kebab-case: lowercase words joined by '-')" >&2
  exit 2
fi
snake="${id//-/_}"
camel="$(echo "$id" | awk -F- '{ for (i = 1; i <= NF; i++) printf "%s%s", toupper(substr($i, 1, 1)), substr($i, 2) }')"
rule_file="src/rules/$snake.rs"
doc="rules/$id.md"
fixtures="fixtures/$id"

for existing in "$rule_file" "$doc" "$fixtures"; do
  if [ -e "$existing" ]; then
    echo "error: $existing already exists" >&2
    exit 1
  fi
done
if grep -q "^mod $snake;" src/rules/mod.rs; then
  echo "error: src/rules/mod.rs already declares \`mod $snake;\`" >&2
  exit 1
fi

upper="$(echo "$snake" | tr a-z A-Z)"
cat >"$rule_file" <<EOF
use crate::diagnostic::{Diagnostic, Label};
use crate::model::{Module, RoleTarget};
use crate::registry::{self, RuleMeta};
use crate::rules::{Ctx, Rule};

static META: &RuleMeta = &registry::$upper;

/// The role the placeholder check looks for: replace the check with the rule's own.
const ROLE: &str = "roles/iam.denyReviewer";

pub struct $camel;

impl Rule for $camel {
    fn meta(&self) -> &'static RuleMeta {
        META
    }

    fn check(&self, module: &Module, _cx: &Ctx, out: &mut Vec<Diagnostic>) {
        for grant in &module.grants {
            let RoleTarget::Predefined(role) = &grant.target else {
                continue;
            };
            if role != ROLE {
                continue;
            }
            out.push(
                META.diagnostic(
                    Label::new(grant.res.file, grant.res.type_label.clone(), "granted here"),
                    format!("\`{}\` grants \`{ROLE}\`", grant.res.address()),
                )
                .help("say what to do instead"),
            );
        }
    }
}
EOF

# The `mod` line and the ALL_RULES entry, each before the first one that sorts after it.
awk -v snake="$snake" -v camel="$camel" '
  /^mod [a-z_]+;$/ && !mod_done {
    name = $2; sub(/;$/, "", name)
    if (name > snake) { print "mod " snake ";"; mod_done = 1 }
  }
  /^pub static ALL_RULES/ { in_rules = 1 }
  in_rules && /^    &[a-z_]+::/ && !rule_done {
    name = $1; sub(/^&/, "", name); sub(/::.*/, "", name)
    if (name > snake) { print "    &" snake "::" camel ","; rule_done = 1 }
  }
  in_rules && /^\];/ {
    if (!rule_done) { print "    &" snake "::" camel ","; rule_done = 1 }
    in_rules = 0
  }
  { print }
  END { if (!rule_done) exit 3 }
' src/rules/mod.rs >src/rules/mod.rs.new
if ! grep -q "^mod $snake;" src/rules/mod.rs.new; then
  # It sorts after every existing module: after the last `mod` line.
  last="$(grep -n '^mod [a-z_]*;$' src/rules/mod.rs.new | tail -1 | cut -d: -f1)"
  sed -i "${last}a mod $snake;" src/rules/mod.rs.new
fi
mv src/rules/mod.rs.new src/rules/mod.rs

# The registry entry (appended) and its place in RULES (kept sorted).
cat >>src/registry.rs <<EOF

pub static $upper: RuleMeta = RuleMeta {
    id: "$id",
    summary: "a grant of \`roles/iam.denyReviewer\`",
    default_severity: Severity::Warning,
    severities: &[Severity::Warning],
    scope: Scope::Module,
    docs: include_str!("../rules/$id.md"),
};
EOF
awk -v upper="$upper" '
  /^pub static RULES/ { in_rules = 1 }
  in_rules && /^    &[A-Z_]+,$/ && !done {
    name = $1; sub(/^&/, "", name); sub(/,$/, "", name)
    if (name > upper) { print "    &" upper ","; done = 1 }
  }
  in_rules && /^\];/ {
    if (!done) { print "    &" upper ","; done = 1 }
    in_rules = 0
  }
  { print }
' src/registry.rs >src/registry.rs.new
mv src/registry.rs.new src/registry.rs

cat >"$doc" <<EOF
# $id

Default severity: **warning**

## What it does

Finds a grant of \`roles/iam.denyReviewer\`. (Placeholder written by \`scripts/new-rule.sh\`:
say what the rule finds.)

## Why it matters

Say what goes wrong when this is left in: who can do what they should not, or what breaks.

## Example

\`\`\`hcl
resource "google_project_iam_member" "reviewer" {
  project = "acme-prod"
  role    = "roles/iam.denyReviewer"
  member  = "group:security@example.com"
}
\`\`\`

## Use instead

\`\`\`hcl
resource "google_project_iam_member" "reader" {
  project = "acme-prod"
  role    = "roles/storage.objectViewer"
  member  = "group:security@example.com"
}
\`\`\`

## Suppressing

\`# iamlint-ignore: $id -- reason\` on the line above the grant.

## References

- [IAM roles and permissions](https://cloud.google.com/iam/docs/roles-permissions)
EOF

mkdir -p "$fixtures/fires" "$fixtures/silent"
cat >"$fixtures/fires/main.tf" <<EOF
# expect: $id
resource "google_project_iam_member" "reviewer" {
  project = "acme-prod"
  role    = "roles/iam.denyReviewer"
  member  = "group:security@example.com"
}
EOF
cat >"$fixtures/silent/main.tf" <<EOF
# A near miss: another role of the same family.
resource "google_project_iam_member" "reader" {
  project = "acme-prod"
  role    = "roles/storage.objectViewer"
  member  = "group:security@example.com"
}
EOF

echo "wrote $rule_file, $doc, $fixtures/{fires,silent}/main.tf and registered $camel in src/rules/mod.rs"
if [ -z "${NEW_RULE_NO_CARGO:-}" ]; then
  UPDATE_EXPECT=1 nice -n 10 cargo test --quiet --test fixtures --test formats --test meta >/dev/null 2>&1 ||
    echo "warning: writing the goldens failed: run UPDATE_EXPECT=1 cargo test --test fixtures --test formats --test meta" >&2
  echo "wrote the goldens (fixtures/$id/*/expected.txt, tests/goldens/formats/) and rules/README.md"
fi
