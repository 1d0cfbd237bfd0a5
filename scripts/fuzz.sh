#!/usr/bin/env bash
# Fuzzes migrator's parsers with cargo-fuzz (libFuzzer): the statement splitter (Postgres and
# MySQL), the `-- migrator:` directive parser (with the backfill UPDATE reader) and the
# `migrator.sum` parser. Not part of the tests.
#
#   bash scripts/fuzz.sh [SECONDS]      # every target for SECONDS each (default 60)
#   FUZZ_TARGETS="split" bash scripts/fuzz.sh 600
#
# Installs cargo-fuzz when missing. Runs on a stable toolchain through RUSTC_BOOTSTRAP=1 (the
# fuzz build needs nightly flags); built with debug assertions (overflows panic) and without a
# sanitizer (the parsers are safe Rust: a sanitizer would only slow them down).
# Corpora live in fuzz/corpus/<target> (seeded from the repository's .sql and .sum files on the
# first run); a crash is written to fuzz/artifacts/<target>/ and reproduced with
#   RUSTC_BOOTSTRAP=1 cargo fuzz run -s none -a <target> fuzz/artifacts/<target>/crash-…
# Prints executions per target and exits 1 when any target crashed.
set -euo pipefail

secs=${1:-60}
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

targets=${FUZZ_TARGETS:-$(cargo fuzz list)}
flags=(-s none -a)
for t in $targets; do cargo fuzz build "${flags[@]}" "$t"; done

# Seeds: real migration files for the SQL targets, real sum files for the sum-file target.
seed() {
    local target=$1 dir=fuzz/corpus/$1 pattern
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir")" ] && return
    case $target in sum_file) pattern='*.sum' ;; *) pattern='*.sql' ;; esac
    find migrations examples tests -name "$pattern" -type f -size -64k 2>/dev/null |
        while read -r f; do cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
}

status=0
summary=()
for t in $targets; do
    seed "$t"
    log=$(mktemp)
    echo "== $t: ${secs}s" >&2
    if cargo fuzz run "${flags[@]}" "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -max_len=8192 -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result="CRASH (see fuzz/artifacts/$t/)"
        status=1
        tail -40 "$log" >&2
    fi
    runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 | awk '{print $2}')
    [ -n "$runs" ] || runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{print $2}' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
    summary+=("$(printf '%-12s %12s executions  %6s edges covered  %s' "$t" "${runs:-?}" "${cov:-?}" "$result")")
    rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit $status
