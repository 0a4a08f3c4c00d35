# Sourced (not run) by the scripts whose check needs the AllenSDK venv
# (scripts/python/test_package.sh, test_wheel.sh, scripts/fit/check_quick.sh,
# and scripts/allensdk/setup_venv.sh for `in_ci`): how "in CI" is read, how a
# check's outcome is recorded in the environment-check report, and what a
# missing or broken venv does, the same way glif_reference::env does it for
# the Rust checks.
#
# The sourcing script sets `venv` (the venv's folder), `check` (the check's
# name in $GLIF_ENV_REPORT) and `label` (how its messages start).

# "In CI" means CI=true or CI=1, as glif_reference::env::ci() reads it.
in_ci() { case "${CI:-}" in true|1) return 0 ;; *) return 1 ;; esac; }

# record OUTCOME CASES DETAIL: one line of the environment-check report.
record() {
    recorded=1
    if [ -n "${GLIF_ENV_REPORT:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$check" "$1" "$2" "$(printf '%s' "$3" | tr '\t\n' '  ')" >>"$GLIF_ENV_REPORT"
    fi
}

# record_failure_on_exit: on exit, removes the folder `work` names (if set)
# and records any failure before the end that was not recorded as one.
record_failure_on_exit() {
    on_exit() {
        local rc=$?
        if [ -n "${work:-}" ]; then rm -rf "$work"; fi
        if [ $rc -ne 0 ] && [ -z "${recorded:-}" ]; then
            record failed 0 "$(basename "$0") failed (exit $rc): see its output"
        fi
    }
    trap on_exit EXIT
}

# numpy_without_avx512: numpy 1.23.5 runs its own AVX-512 kernels (exp,
# sums) on a CPU with AVX512F, and the C library's path otherwise; the
# fitting reference (reference/fit) was recorded on that path and glif-fit
# computes as it does, so the fitting oracles switch the AVX-512 kernels
# off (glif_reference::env::NUMPY_WITHOUT_AVX512; numpy refuses to switch
# off a feature the CPU lacks, hence the test).
numpy_without_avx512() {
    if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
        export NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL"
    fi
}

# require_venv REASON: without the venv, fails (exit 1) under CI and skips
# (exit 0) otherwise, recording which with REASON.
require_venv() {
    if [ -x "$venv/bin/python" ]; then return 0; fi
    if in_ci; then
        echo "$label: FAILED: $1 (required under CI=${CI})" >&2
        record failed 0 "$1 (required in CI)"
        exit 1
    fi
    echo "$label: skipped: $1"
    record skipped 0 "$1"
    exit 0
}

# probe_venv CODE: a venv that exists but whose python cannot run CODE is
# broken, and fails (exit 1) in CI or not.
probe_venv() {
    local out reason
    if ! out="$("$venv/bin/python" -c "$1" 2>&1)"; then
        reason="the AllenSDK venv at $venv is broken: \`python -c '$1'\` failed: $(printf '%s' "$out" | tail -n 1)"
        echo "$label: FAILED: $reason" >&2
        record failed 0 "$reason"
        exit 1
    fi
}
