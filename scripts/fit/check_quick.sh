#!/usr/bin/env bash
# AllenSDK's own fitting pipeline, run live on a reduced setting (one cell:
# loading, spike detection and R/C/El), compared exactly with the committed
# reference (reference/fit/adapting/quick.json). The full pipeline takes
# minutes per cell, so its results are committed and `cargo xtask verify-fit`
# compares glif fit with them; this step proves the committed reference is
# still what AllenSDK computes.
#
# Without the AllenSDK venv this fails under CI (CI=true or CI=1) and skips
# (saying so) otherwise. It records how it ended as the check
# `fit/allensdk-pipeline-quick` in the file $GLIF_ENV_REPORT names (when set).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${GLIF_ALLENSDK_VENV:-$repo/.venv-allensdk}"
check="fit/allensdk-pipeline-quick"
in_ci() { case "${CI:-}" in true|1) return 0 ;; *) return 1 ;; esac; }
record() {
    if [ -n "${GLIF_ENV_REPORT:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$check" "$1" "$2" "$3" >>"$GLIF_ENV_REPORT"
    fi
}
if [ ! -x "$venv/bin/python" ]; then
    reason="no AllenSDK environment at $venv (scripts/allensdk/setup_venv.sh)"
    if in_ci; then
        echo "$check: FAILED: $reason (required in CI)" >&2
        record failed 0 "$reason (required in CI)"
        exit 1
    fi
    echo "skipped $check: $reason" >&2
    record skipped 0 "$reason"
    exit 0
fi
cd "$repo"
if "$venv/bin/python" scripts/fit/allensdk_pipeline.py --quick --cells-dir target/fit-cells; then
    record ran 1 "AllenSDK's load_sweeps, find_spikes and R/C/El on the adapting cell, equal to reference/fit/adapting/quick.json"
else
    rc=$?
    record failed 0 "scripts/fit/allensdk_pipeline.py --quick failed (exit $rc)"
    exit 1
fi
