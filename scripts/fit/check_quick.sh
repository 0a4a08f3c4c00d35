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
label="$check"
# shellcheck source=../env_check.sh
. "$repo/scripts/env_check.sh"
require_venv "no AllenSDK environment at $venv (scripts/allensdk/setup_venv.sh)"
cd "$repo"
numpy_without_avx512
if "$venv/bin/python" scripts/fit/allensdk_pipeline.py --quick --cells-dir target/fit-cells; then
    record ran 1 "AllenSDK's load_sweeps, find_spikes and R/C/El on the adapting cell, equal to reference/fit/adapting/quick.json"
else
    rc=$?
    record failed 0 "scripts/fit/allensdk_pipeline.py --quick failed (exit $rc)"
    exit 1
fi
