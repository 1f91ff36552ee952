#!/usr/bin/env bash
# End-to-end test of the pre-commit hook with the real pre-commit client (needs PyPI and
# crates.io, so it is not part of `cargo test`): installs pre-commit into a throwaway
# virtualenv, makes a throwaway git repository that uses this repository as its hook source,
# and checks that a commit with an IAM mistake is blocked (with the diagnostic shown) and a
# clean commit passes.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rev="$(git -C "$repo" rev-parse HEAD)"
if [ -n "$(git -C "$repo" status --porcelain -- . ':!target')" ]; then
  echo "note: pre-commit installs the hook from the last commit ($rev); uncommitted changes are not tested" >&2
fi

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet pre-commit
export PATH="$work/venv/bin:$PATH"
export PRE_COMMIT_HOME="$work/cache"

mkdir "$work/estate" && cd "$work/estate"
git init --quiet
git config user.email test@example.com
git config user.name test
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $repo
    rev: $rev
    hooks:
      - id: iamlint
YAML
git add .pre-commit-config.yaml
git commit --quiet -m "config" --no-verify
pre-commit install --install-hooks

echo "== a commit with a default service account granted Editor must be blocked"
cat > iam.tf <<'TF'
resource "google_project_iam_member" "default_editor" {
  project = "acme-prod"
  role    = "roles/editor"
  member  = "serviceAccount:123456789012-compute@developer.gserviceaccount.com"
}
TF
git add iam.tf
if git commit -m "bad" > "$work/bad.log" 2>&1; then
  cat "$work/bad.log"
  echo "FAIL: the bad commit was not blocked" >&2
  exit 1
fi
cat "$work/bad.log"
grep -q "error\[default-service-account\]" "$work/bad.log" || { echo "FAIL: the diagnostic is not shown" >&2; exit 1; }

echo "== a clean commit must pass"
cat > iam.tf <<'TF'
resource "google_service_account" "api" {
  account_id = "api"
}

resource "google_project_iam_member" "api_logs" {
  project = "acme-prod"
  role    = "roles/logging.logWriter"
  member  = google_service_account.api.member
}
TF
git add iam.tf
git commit -m "good" > "$work/good.log" 2>&1 || { cat "$work/good.log"; echo "FAIL: the clean commit was blocked" >&2; exit 1; }
cat "$work/good.log"
echo "PASS: pre-commit blocks the mistake and lets the clean commit through"
