#!/usr/bin/env bash
# Benchmarks iamlint on a generated corpus of Google Cloud Terraform and prints a markdown table.
#
#   bench/run.sh [--files N] [--seed S] [--peers] [--repeat R] [--no-build] [--keep]
#   bench/run.sh --one-module [--repeat R] [--no-build] [--keep]
#   bench/run.sh --one-file MB [--repeat R] [--no-build] [--keep]
#   bench/run.sh --real DIR [--repeat R] [--instructions] [--compare BIN] [--no-build] [--keep]
#
# Steps, all on the same files:
#   (a) read every file (find | xargs cat): the floor set by the file system
#   (b) parse only, with hcl-edit (examples/gen_corpus.rs --parse-only; the files are read
#       before the clock starts), on 1 and on 2 threads
#   (c) iamlint --format json DIR end to end, with --jobs 1 and --jobs 2
#   --one-module: instead of the above, one cross-referenced module of 5 MB and one of 50 MB
#       (gen_corpus --one-module), iamlint --jobs 1 on each, and the ratio of their times
#       (linear: about 10)
#   --one-file MB: instead of the above, one generated main.tf of MB megabytes (gen_corpus
#       --one-file: custom roles and the grants that use them), iamlint with --jobs 1 and 2 in
#       json and in sarif (the formats that write the most), the best wall time and the largest
#       peak RSS of R runs (default 3) each, and that RSS as a multiple of the file's size
#   --peers: checkov (--skip-download: it reaches for no network) on a slice of about 300 files
#       of the same corpus, and iamlint on that slice
#
# --real DIR: the same steps on a real tree (nothing generated, nothing checked first): the parse
#   alone on 1 thread, then iamlint --format json with 1 and 2 threads, each R times (default 5),
#   as medians of wall and CPU (user + sys) time with the spread of the walls, and the largest
#   peak RSS. --instructions adds the instructions each step executes under callgrind (one run
#   each, slow: about 50x): a figure the machine's load does not move, to compare two builds.
#   --compare BIN: another iamlint build (an earlier commit's) measured in the same rounds, with
#   its rows in the table, its instructions with --instructions, and whether its output is the
#   same bytes.
#
# The corpus is bench/corpus-N-S when that directory exists (it is reused as it is), otherwise it
# is generated into a temporary directory that is removed at the end (--keep keeps it).
# Binaries come from $CARGO_TARGET_DIR (default: the crate's target/). See bench/README.md.
set -euo pipefail

FILES=4000
SEED=1
PEERS=0
REPEAT=1
BUILD=1
KEEP=0
ONE_MODULE=0
ONE_FILE=""
SLICE_FILES=300
REAL=""
INSTRUCTIONS=0
COMPARE=""

usage() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
}
die() {
    echo "bench/run.sh: $*" >&2
    exit 2
}
need_value() {
    [[ $# -ge 2 && -n "$2" ]] || die "$1 needs a value"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
    --files) need_value "$@"; FILES="$2"; shift 2 ;;
    --seed) need_value "$@"; SEED="$2"; shift 2 ;;
    --repeat) need_value "$@"; REPEAT="$2"; REPEAT_SET=1; shift 2 ;;
    --one-module) ONE_MODULE=1; shift ;;
    --one-file) need_value "$@"; ONE_FILE="$2"; shift 2 ;;
    --real) need_value "$@"; REAL="$2"; shift 2 ;;
    --instructions) INSTRUCTIONS=1; shift ;;
    --compare) need_value "$@"; COMPARE="$2"; shift 2 ;;
    --peers) PEERS=1; shift ;;
    --no-build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (try --help)" ;;
    esac
done
if [[ -n "$REAL" && -z "${REPEAT_SET:-}" ]]; then REPEAT=5; fi
if [[ -n "$ONE_FILE" && -z "${REPEAT_SET:-}" ]]; then REPEAT=3; fi
[[ -z "$ONE_FILE" || "$ONE_FILE" =~ ^[1-9][0-9]*$ ]] ||
    die "--one-file must be a positive integer (MB), got '$ONE_FILE'"
[[ -z "$ONE_FILE" || ( -z "$REAL" && $ONE_MODULE -eq 0 ) ]] ||
    die "--one-file goes with neither --real nor --one-module"
[[ -z "$REAL" || -d "$REAL" ]] || die "--real: not a directory: $REAL"
[[ $INSTRUCTIONS -eq 0 || -n "$REAL" ]] || die "--instructions goes with --real"
[[ $PEERS -eq 0 || -z "$REAL" ]] || die "--peers does not go with --real"
[[ -z "$COMPARE" || -n "$REAL" ]] || die "--compare goes with --real"
[[ -z "$COMPARE" || -x "$COMPARE" ]] || die "--compare: not an executable: $COMPARE"
[[ "$FILES" =~ ^[1-9][0-9]*$ ]] || die "--files must be a positive integer, got '$FILES'"
[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, got '$SEED'"
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || die "--repeat must be a positive integer, got '$REPEAT'"

for tool in cargo find xargs awk; do
    command -v "$tool" >/dev/null || die "needs $tool on PATH"
done
[[ -x /usr/bin/time ]] || die "needs GNU time at /usr/bin/time (apt-get install time)"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
IAMLINT="$TARGET/release/iamlint"
GEN="$TARGET/release/examples/gen_corpus"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/iamlint-bench.XXXXXX")"
cleanup() {
    if [[ $KEEP -eq 1 ]]; then
        echo "kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
log() { echo "[bench] $*" >&2; }

# ---- build -------------------------------------------------------------------------------------
if [[ $BUILD -eq 1 ]]; then
    log "building release (target dir $TARGET)"
    (cd "$ROOT" && cargo build --release --quiet --bin iamlint --example gen_corpus) ||
        die "cargo build failed"
fi
[[ -x "$IAMLINT" ]] || die "no iamlint binary at $IAMLINT (build without --no-build?)"
[[ -x "$GEN" ]] || die "no gen_corpus example at $GEN (build without --no-build?)"

# ---- one module --------------------------------------------------------------------------------
# measure_one NAME DIR [JOBS [FORMAT]]: iamlint --format FORMAT (json) --jobs JOBS (1) on DIR,
# best wall time of $REPEAT runs (seconds) and largest peak RSS (KiB), into ONE_WALL / ONE_RSS.
declare -A ONE_WALL ONE_RSS
measure_one() {
    local name="$1" dir="$2" jobs="${3:-1}" format="${4:-json}" best="" rss=0 i code start end
    local secs r
    for ((i = 0; i < REPEAT; i++)); do
        start="$(date +%s%N)"
        set +e
        /usr/bin/time -v -o "$WORK/$name.time" "$IAMLINT" --format "$format" --jobs "$jobs" \
            "$dir" >"$WORK/$name.out" 2>"$WORK/$name.err"
        code=$?
        set -e
        end="$(date +%s%N)"
        [[ $code -eq 0 || $code -eq 1 ]] || die "$name: exit code $code"
        secs="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
        r="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/$name.time")"
        if [[ -z "$best" ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best="$secs"
        fi
        if ((r > rss)); then rss="$r"; fi
    done
    ONE_WALL[$name]="$best"
    ONE_RSS[$name]="$rss"
}
if [[ -n "$ONE_FILE" ]]; then
    log "generating one main.tf of $ONE_FILE MB"
    "$GEN" --one-file "$ONE_FILE" "$WORK/one-file" >&2 || die "gen_corpus --one-file failed"
    cat "$WORK/one-file/main.tf" >/dev/null
    bytes="$(find "$WORK/one-file" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')"
    for format in json sarif; do
        for jobs in 1 2; do
            log "iamlint --format $format --jobs $jobs on the $ONE_FILE MB file"
            measure_one "file-$format-$jobs" "$WORK/one-file" "$jobs" "$format"
        done
    done
    echo
    echo "| one file of $bytes bytes | best wall s of $REPEAT | largest peak RSS MiB | RSS / file size |"
    echo "| --- | ---: | ---: | ---: |"
    for format in json sarif; do
        for jobs in 1 2; do
            k="file-$format-$jobs"
            printf '| `--format %s --jobs %s` | %s | %.1f | %.2fx |\n' "$format" "$jobs" \
                "${ONE_WALL[$k]}" "$(awk -v k="${ONE_RSS[$k]}" 'BEGIN { print k / 1024 }')" \
                "$(awk -v k="${ONE_RSS[$k]}" -v b="$bytes" 'BEGIN { print k * 1024 / b }')"
        done
    done
    exit 0
fi
if [[ $ONE_MODULE -eq 1 ]]; then
    for mb in 5 50; do
        log "generating one cross-referenced module of $mb MB"
        "$GEN" --one-module "$mb" "$WORK/one-$mb" >&2 || die "gen_corpus --one-module failed"
        find "$WORK/one-$mb" -type f -print0 | xargs -0 cat >/dev/null
        log "iamlint --format json --jobs 1 on the $mb MB module"
        measure_one "one$mb" "$WORK/one-$mb"
    done
    echo
    echo "| one module | bytes | wall s | peak RSS MiB |"
    echo "| --- | ---: | ---: | ---: |"
    for mb in 5 50; do
        bytes="$(find "$WORK/one-$mb" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')"
        printf '| %s MB | %s | %s | %.1f |\n' "$mb" "$bytes" "${ONE_WALL[one$mb]}" \
            "$(awk -v k="${ONE_RSS[one$mb]}" 'BEGIN { print k / 1024 }')"
    done
    awk -v a="${ONE_WALL[one5]}" -v b="${ONE_WALL[one50]}" \
        'BEGIN { printf "\ntime ratio 50 MB / 5 MB: %.2f (linear: about 10)\n", b / a }'
    exit 0
fi

# ---- measuring ---------------------------------------------------------------------------------
# measure NAME OK_CODES CMD...: runs CMD $REPEAT times under /usr/bin/time; keeps the fastest wall
# time (seconds, from the shell's clock) and the largest peak RSS (KiB). Stdout of the last run
# goes to $WORK/NAME.out, its stderr to $WORK/NAME.err. An exit code outside OK_CODES (a
# space-separated list) is fatal.
declare -A WALL RSS WALLS CPUS
now_ns() { date +%s%N; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
measure() {
    local name="$1" ok="$2"
    shift 2
    local best="" rss=0 i code start end secs r cpu
    WALLS[$name]=""
    CPUS[$name]=""
    for ((i = 0; i < REPEAT; i++)); do
        start="$(now_ns)"
        set +e
        /usr/bin/time -v -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
        code=$?
        set -e
        end="$(now_ns)"
        if [[ " $ok " != *" $code "* ]]; then
            echo "---- stderr of $name (last 30 lines) ----" >&2
            tail -n 30 "$WORK/$name.err" >&2
            die "$name: exit code $code (expected one of: $ok): $*"
        fi
        secs="$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')"
        r="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/$name.time")"
        cpu="$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$WORK/$name.time")"
        WALLS[$name]+="$secs "
        CPUS[$name]+="$cpu "
        if [[ -z "$best" ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best="$secs"
        fi
        if ((r > rss)); then rss="$r"; fi
    done
    WALL[$name]="$best"
    RSS[$name]="$rss"
    if grep -qE 'panicked at|RUST_BACKTRACE' "$WORK/$name.err"; then
        echo "---- $name panicked ----" >&2
        head -n 20 "$WORK/$name.err" >&2
        die "$name panicked"
    fi
}

LOAD_BEFORE="$(cut -d" " -f1-3 /proc/loadavg)"
# ---- a real tree ------------------------------------------------------------------------------
if [[ -n "$REAL" ]]; then
    CORPUS="$(cd "$REAL" && pwd)"
    NFILES="$(find "$CORPUS" -type f -name '*.tf' | wc -l)"
    NJSON="$(find "$CORPUS" -type f -name '*.tf.json' | wc -l)"
    BYTES="$(find "$CORPUS" -type f -name '*.tf' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
    [[ "$NFILES" -gt 0 ]] || die "no .tf files in $CORPUS"
    find "$CORPUS" -type f -name '*.tf*' -print0 | xargs -0 cat >/dev/null
    # Interleaved, so that a burst of load on a shared machine hits every step alike.
    REPS="$REPEAT"
    REPEAT=1
    declare -A ALLW ALLC RSSMAX
    ALLP=""
    for ((rep = 0; rep < REPS; rep++)); do
        log "run $((rep + 1)) of $REPS"
        measure parse1 "0" "$GEN" --parse-only "$CORPUS" --threads 1
        ALLP+="$(sed -n 's/.*parse_only_seconds=\([0-9.]*\).*/\1/p' "$WORK/parse1.out") "
        ALLW[parse1]+="${WALLS[parse1]}"; ALLC[parse1]+="${CPUS[parse1]}"
        RSSMAX[parse1]=$(( ${RSSMAX[parse1]:-0} > ${RSS[parse1]} ? ${RSSMAX[parse1]:-0} : ${RSS[parse1]} ))
        for j in 1 2; do
            measure "lint$j" "0 1" "$IAMLINT" --format json --jobs "$j" "$CORPUS"
            ALLW[lint$j]+="${WALLS[lint$j]}"; ALLC[lint$j]+="${CPUS[lint$j]}"
            RSSMAX[lint$j]=$(( ${RSSMAX[lint$j]:-0} > ${RSS[lint$j]} ? ${RSSMAX[lint$j]:-0} : ${RSS[lint$j]} ))
            cp "$WORK/lint$j.out" "$WORK/lint$j.run$rep.out"
            if [[ -n "$COMPARE" ]]; then
                measure "other$j" "0 1" "$COMPARE" --format json --jobs "$j" "$CORPUS"
                ALLW[other$j]+="${WALLS[other$j]}"; ALLC[other$j]+="${CPUS[other$j]}"
                RSSMAX[other$j]=$(( ${RSSMAX[other$j]:-0} > ${RSS[other$j]} ? ${RSSMAX[other$j]:-0} : ${RSS[other$j]} ))
                cp "$WORK/other$j.out" "$WORK/other$j.run$rep.out"
            fi
        done
    done
    SAME=yes
    for f in "$WORK"/lint*.run*.out; do cmp -s "$f" "$WORK/lint1.run0.out" || SAME=no; done
    OTHER_SAME=yes
    for f in "$WORK"/other*.run*.out; do [[ -e "$f" ]] || continue; cmp -s "$f" "$WORK/lint1.run0.out" || OTHER_SAME=no; done
    P1="$(median <<<"$ALLP")"
    spread() { tr ' ' '\n' | grep . | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f-%.2f", lo, hi }'; }
    rowr() { # name label wall-list cpu-list
        local w c
        w="$(median <<<"$3")"
        c="$(if [[ -n "$4" ]]; then median <<<"$4"; else echo ""; fi)"
        awk -v l="$2" -v w="$w" -v c="$c" -v sp="$(spread <<<"$3")" -v r="${RSSMAX[$1]}" -v p="$P1" 'BEGIN {
            printf "| %s | %.3f | %s | %.2fx | %s | %.0f |\n", l, w, sp, w / p, (c == "" ? "" : sprintf("%.2f", c)), r / 1024 }'
    }
    echo
    echo "### iamlint on a real tree: $NFILES .tf files ($NJSON .tf.json besides), $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB"
    echo
    echo "$(uname -sm), $(nproc) cores, load average before: $LOAD_BEFORE; $("$IAMLINT" --version 2>/dev/null || echo iamlint); medians of $REPS runs, interleaved; page cache warm"
    echo
    echo "| step | wall s (median) | wall s (range) | wall / parse alone | CPU s (user + sys) | peak RSS MiB |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    rowr parse1 "hcl-edit parse_body alone, 1 thread (timed in the process)" "$ALLP" ""
    rowr parse1 "parse only, 1 thread (process: read + parse)" "${ALLW[parse1]}" "${ALLC[parse1]}"
    rowr lint1 "iamlint --format json --jobs 1" "${ALLW[lint1]}" "${ALLC[lint1]}"
    rowr lint2 "iamlint --format json --jobs 2" "${ALLW[lint2]}" "${ALLC[lint2]}"
    if [[ -n "$COMPARE" ]]; then
        rowr other1 "compared build ($COMPARE) --jobs 1" "${ALLW[other1]}" "${ALLC[other1]}"
        rowr other2 "compared build ($COMPARE) --jobs 2" "${ALLW[other2]}" "${ALLC[other2]}"
    fi
    echo
    CPU_P="$(median <<<"${ALLC[parse1]}")"
    CPU_L="$(median <<<"${ALLC[lint1]}")"
    echo "CPU of iamlint --jobs 1 / CPU of the parse-only process: $(awk -v a="$CPU_L" -v b="$CPU_P" 'BEGIN { printf "%.2f", a / b }'). Same output in every run and for --jobs 1 and 2: $SAME."
    if [[ -n "$COMPARE" ]]; then
        echo "The compared build: CPU of --jobs 1 / parse-only process $(awk -v a="$(median <<<"${ALLC[other1]}")" -v b="$CPU_P" 'BEGIN { printf "%.2f", a / b }'); the same bytes as this build in every run: $OTHER_SAME."
    fi
    if [[ $INSTRUCTIONS -eq 1 ]]; then
        command -v valgrind >/dev/null || die "--instructions needs valgrind"
        # iamlint exits 1 when it finds something: the count is read whatever the exit code.
        instr() { { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null || true; } | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'; }
        log "callgrind: parse only"
        IP="$(instr "$GEN" --parse-only "$CORPUS" --threads 1)"
        log "callgrind: iamlint --jobs 1"
        IL="$(instr "$IAMLINT" --format json --jobs 1 "$CORPUS")"
        echo
        echo "| instructions (callgrind) | count |"
        echo "| --- | ---: |"
        echo "| parse only, 1 thread (read + parse) | $IP |"
        echo "| iamlint --format json --jobs 1 | $IL |"
        echo "| ratio | $(awk -v a="$IL" -v b="$IP" 'BEGIN { printf "%.3f", a / b }') |"
        if [[ -n "$COMPARE" ]]; then
            log "callgrind: the compared build, --jobs 1"
            IO="$(instr "$COMPARE" --format json --jobs 1 "$CORPUS")"
            echo "| compared build, --jobs 1 | $IO |"
            echo "| its ratio | $(awk -v a="$IO" -v b="$IP" 'BEGIN { printf "%.3f", a / b }') |"
        fi
    fi
    exit 0
fi

# ---- corpus ------------------------------------------------------------------------------------
CORPUS="$ROOT/bench/corpus-$FILES-$SEED"
if [[ -d "$CORPUS" ]]; then
    log "reusing $CORPUS"
    CHECK_OUT="$("$GEN" --check "$CORPUS")" || true
else
    CORPUS="$WORK/corpus"
    log "generating $FILES files, seed $SEED, into $CORPUS"
    CHECK_OUT="$("$GEN" --files "$FILES" --seed "$SEED" --check "$CORPUS")" || true
fi
echo "$CHECK_OUT" | sed 's/^/[bench] /' >&2
grep -q ', 0 unexpected failures, 0 broken on purpose but parse' <<<"$CHECK_OUT" ||
    die "the corpus check failed: files that should parse do not (see above)"
NFILES="$(find "$CORPUS" -type f -name '*.tf' | wc -l)"
BYTES="$(find "$CORPUS" -type f -name '*.tf' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
[[ "$NFILES" -gt 0 ]] || die "no .tf files in $CORPUS"
NMODULES="$(find "$CORPUS" -mindepth 2 -maxdepth 2 -type d | wc -l)"

# Warm the page cache so that every step reads from memory.
find "$CORPUS" -type f -name '*.tf' -print0 | xargs -0 cat >/dev/null

log "(a) reading every file"
measure read "0" sh -c 'find "$1" -type f -name "*.tf" -print0 | xargs -0 cat >/dev/null' sh "$CORPUS"

log "(b) parse only, hcl-edit, 1 thread"
measure parse1 "0" "$GEN" --parse-only "$CORPUS" --threads 1
log "(b) parse only, hcl-edit, 2 threads"
measure parse2 "0" "$GEN" --parse-only "$CORPUS" --threads 2
# The parse itself, timed inside the process (the rest is reading the files into memory).
parse_secs() { sed -n 's/.*parse_only_seconds=\([0-9.]*\).*/\1/p' "$WORK/$1.out"; }
P1="$(parse_secs parse1)"
P2="$(parse_secs parse2)"
[[ -n "$P1" && -n "$P2" ]] || die "gen_corpus --parse-only printed no time"
PARSE_FAILED="$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' "$WORK/parse1.out")"

# iamlint exits 1 when it finds problems, which it will: 0 and 1 are both success here.
log "(c) iamlint --format json --jobs 1"
measure lint1 "0 1" "$IAMLINT" --format json --jobs 1 "$CORPUS"
log "(c) iamlint --format json --jobs 2"
measure lint2 "0 1" "$IAMLINT" --format json --jobs 2 "$CORPUS"

count_findings() {
    # The JSON is either an array of diagnostics or an object holding one.
    jq 'if type == "array" then length
        elif type == "object" then ([.[] | select(type == "array")] | map(length) | add // 0)
        else 0 end' "$1" 2>/dev/null || echo "?"
}
FINDINGS="?"
SAME="?"
if command -v jq >/dev/null; then
    FINDINGS="$(count_findings "$WORK/lint1.out")"
    if cmp -s <(jq -S . "$WORK/lint1.out" 2>/dev/null) <(jq -S . "$WORK/lint2.out" 2>/dev/null); then
        SAME="yes"
    else
        SAME="no"
    fi
fi

# ---- peers -------------------------------------------------------------------------------------
if [[ $PEERS -eq 1 ]]; then
    command -v python3 >/dev/null || die "--peers needs python3"
    VENV="/tmp/iamlint-bench-venv"
    if [[ ! -x "$VENV/bin/checkov" ]]; then
        log "installing checkov into $VENV (takes a minute or two)"
        python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv?)"
        "$VENV/bin/pip" install --quiet --upgrade pip >&2 || die "pip upgrade failed"
        "$VENV/bin/pip" install --quiet checkov >&2 || die "pip install checkov failed"
    fi
    CHECKOV_VERSION="$("$VENV/bin/checkov" --version 2>/dev/null | tail -n 1)"
    # Whole modules, in order, until at least SLICE_FILES files.
    SLICE="$WORK/slice"
    mkdir -p "$SLICE"
    n=0
    while IFS= read -r -d '' mod; do
        rel="${mod#"$CORPUS"/}"
        mkdir -p "$SLICE/$rel"
        cp "$mod"/*.tf "$SLICE/$rel/"
        n=$((n + $(find "$mod" -maxdepth 1 -name '*.tf' | wc -l)))
        if ((n >= SLICE_FILES)); then break; fi
    done < <(find "$CORPUS" -mindepth 2 -maxdepth 2 -type d -print0 | sort -z)
    SLICE_N="$(find "$SLICE" -type f -name '*.tf' | wc -l)"
    SLICE_BYTES="$(find "$SLICE" -type f -name '*.tf' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
    log "peers: checkov $CHECKOV_VERSION on $SLICE_N files"
    # checkov exits 1 when a check fails, which it will.
    measure checkov "0 1" "$VENV/bin/checkov" -d "$SLICE" --framework terraform --quiet --compact --skip-download
    measure slice1 "0 1" "$IAMLINT" --format json --jobs 1 "$SLICE"
    measure slice2 "0 1" "$IAMLINT" --format json --jobs 2 "$SLICE"
fi

# ---- report ------------------------------------------------------------------------------------
row() { # name label files bytes [seconds]
    local name="$1" label="$2" n="$3" b="$4" s="${5:-${WALL[$1]}}"
    awk -v l="$label" -v s="$s" -v n="$n" -v b="$b" -v r="${RSS[$name]}" 'BEGIN {
        printf "| %s | %.3f | %.0f | %.1f | %.1f |\n", l, s, n / s, b / 1e6 / s, r / 1024 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo
echo "### iamlint benchmark: $NFILES files in $NMODULES modules, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB (seed $SEED)"
echo
echo "$(uname -sm), $(nproc) cores; $("$IAMLINT" --version 2>/dev/null || echo iamlint); best of $REPEAT; page cache warm"
echo
echo "| step | wall s | files/s | MB/s | peak RSS MiB |"
echo "| --- | ---: | ---: | ---: | ---: |"
row read "(a) read every file (find \\| xargs cat)" "$NFILES" "$BYTES"
row parse1 "(b) parse only, hcl-edit, 1 thread (parse alone)" "$NFILES" "$BYTES" "$P1"
row parse1 "(b) parse only, 1 thread (process: read + parse)" "$NFILES" "$BYTES"
row parse2 "(b) parse only, hcl-edit, 2 threads (parse alone)" "$NFILES" "$BYTES" "$P2"
row lint1 "(c) iamlint --format json --jobs 1" "$NFILES" "$BYTES"
row lint2 "(c) iamlint --format json --jobs 2" "$NFILES" "$BYTES"
if [[ $PEERS -eq 1 ]]; then
    row slice1 "slice: iamlint --jobs 1 ($SLICE_N files)" "$SLICE_N" "$SLICE_BYTES"
    row slice2 "slice: iamlint --jobs 2 ($SLICE_N files)" "$SLICE_N" "$SLICE_BYTES"
    row checkov "slice: checkov $CHECKOV_VERSION --framework terraform ($SLICE_N files)" "$SLICE_N" "$SLICE_BYTES"
fi
echo
echo "| ratio | value |"
echo "| --- | ---: |"
echo "| c/b: iamlint --jobs 1 / parse alone, 1 thread | $(ratio "${WALL[lint1]}" "$P1") |"
echo "| c/b: iamlint --jobs 2 / parse alone, 1 thread | $(ratio "${WALL[lint2]}" "$P1") |"
echo "| c/b: iamlint --jobs 2 / parse alone, 2 threads | $(ratio "${WALL[lint2]}" "$P2") |"
echo "| iamlint --jobs 1 / --jobs 2 (speed-up) | $(ratio "${WALL[lint1]}" "${WALL[lint2]}") |"
echo "| iamlint --jobs 1 / read every file | $(ratio "${WALL[lint1]}" "${WALL[read]}") |"
if [[ $PEERS -eq 1 ]]; then
    echo "| checkov / iamlint --jobs 1, same $SLICE_N files | $(ratio "${WALL[checkov]}" "${WALL[slice1]}") |"
    echo "| checkov / iamlint --jobs 2, same $SLICE_N files | $(ratio "${WALL[checkov]}" "${WALL[slice2]}") |"
fi
echo
echo "Files that do not parse: $PARSE_FAILED (all of them broken on purpose, one in 2,000). iamlint findings (JSON, --jobs 1): $FINDINGS; same output with --jobs 1 and 2: $SAME."
