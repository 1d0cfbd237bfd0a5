# Summarises the output of `cargo test` (used by scripts/test.sh and scripts/test-matrix.sh):
#
#   awk -f scripts/cargo-test-summary.awk LOG
#
# prints one line of space-separated fields:
#
#   PASSED FAILED IGNORED RESULTS BUILD FAILED_BINARIES FAILED_TESTS
#
# PASSED/FAILED/IGNORED are summed over every `test result:` line; RESULTS counts those lines
# (0 means no test binary reported anything); BUILD is `build-failed` when a crate did not
# compile, else `built`; FAILED_BINARIES and FAILED_TESTS (BINARY::TEST) are comma-separated
# lists (`-` when empty). A failing binary without a `test result:` line (a crash) shows up in
# FAILED_BINARIES only.
# `Running tests/runner.rs (target/…)`: the binary whose tests follow (names are prefixed
# with it, e.g. `runner::apply_resumes`, as several binaries have tests of the same name).
/^ *Running / {
    binary = $2
    sub(/^.*\//, "", binary)
    sub(/\.rs$/, "", binary)
    sub(/-[0-9a-f]+$/, "", binary)
}
/^ *Doc-tests / { binary = "doc-" $2 }
/^test result: / {
    results++
    if (match($0, /[0-9]+ passed/)) passed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ failed/)) failed += substr($0, RSTART, RLENGTH) + 0
    if (match($0, /[0-9]+ ignored/)) ignored += substr($0, RSTART, RLENGTH) + 0
}
/^test .* \.\.\. FAILED$/ {
    name = $0
    sub(/^test /, "", name)
    sub(/ \.\.\. FAILED$/, "", name)
    if (binary != "") name = binary "::" name
    if (!(name in seen_test)) {
        seen_test[name] = 1
        tests = tests (tests == "" ? "" : ",") name
    }
}
/^error: test failed, to rerun pass / {
    bin = $0
    sub(/^error: test failed, to rerun pass /, "", bin)
    gsub(/[`']/, "", bin)
    gsub(/ /, "_", bin)
    if (!(bin in seen_bin)) {
        seen_bin[bin] = 1
        bins = bins (bins == "" ? "" : ",") bin
    }
}
/^error(\[E[0-9]+\])?: could not compile|^error\[E[0-9]+\]/ { build = "build-failed" }
END {
    printf "%d %d %d %d %s %s %s\n", passed, failed, ignored, results,
        (build == "" ? "built" : build), (bins == "" ? "-" : bins), (tests == "" ? "-" : tests)
}
