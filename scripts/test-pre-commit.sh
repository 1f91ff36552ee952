#!/usr/bin/env bash
# End-to-end test of the pre-commit hook with the real pre-commit client: makes a throwaway git
# repository that uses this repository as its hook source, and checks that a commit with an
# IAM mistake is blocked (with the diagnostic shown), a clean commit passes, and a mistake under
# a path `iamlint.toml` excludes blocks nothing. The hook is built with cargo (crates.io).
# pre-commit is `$IAMLINT_PRE_COMMIT` (.ci/run installs it there), else the one on PATH, else it
# is installed from PyPI into a throwaway virtualenv. tests/integrations.rs runs this script.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rev="$(git -C "$repo" rev-parse HEAD)"
if [ -n "$(git -C "$repo" status --porcelain -- . ':!target')" ]; then
  echo "note: pre-commit installs the hook from the last commit ($rev); uncommitted changes are not tested" >&2
fi

if [ -n "${IAMLINT_PRE_COMMIT:-}" ]; then
  mkdir "$work/bin" && ln -s "$IAMLINT_PRE_COMMIT" "$work/bin/pre-commit"
  export PATH="$work/bin:$PATH"
elif ! command -v pre-commit > /dev/null; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet pre-commit
  export PATH="$work/venv/bin:$PATH"
fi
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

echo "== a mistake under a path iamlint.toml excludes must not block the commit"
printf 'exclude = ["legacy/**"]\n' > iamlint.toml
mkdir -p legacy/old
cat > legacy/old/iam.tf <<'TF'
resource "google_project_iam_member" "legacy_editor" {
  project = "acme-legacy"
  role    = "roles/editor"
  member  = "serviceAccount:123456789012-compute@developer.gserviceaccount.com"
}
TF
git add iamlint.toml legacy/old/iam.tf
git commit -m "legacy" > "$work/legacy.log" 2>&1 || { cat "$work/legacy.log"; echo "FAIL: a commit under an excluded path was blocked" >&2; exit 1; }
cat "$work/legacy.log"

echo "== ... while the same mistake elsewhere in the same commit still blocks it"
echo "# touched" >> legacy/old/iam.tf
cp legacy/old/iam.tf current.tf
git add legacy/old/iam.tf current.tf
if git commit -m "mixed" > "$work/mixed.log" 2>&1; then
  cat "$work/mixed.log"
  echo "FAIL: the mistake outside the excluded path was not blocked" >&2
  exit 1
fi
cat "$work/mixed.log"
grep -q "current.tf" "$work/mixed.log" || { echo "FAIL: the diagnostic for current.tf is not shown" >&2; exit 1; }
if grep -q "legacy/old/iam.tf:" "$work/mixed.log"; then
  echo "FAIL: the excluded file was reported" >&2
  exit 1
fi
echo "PASS: pre-commit blocks the mistake, lets the clean commit through, and honours iamlint.toml's exclude"
