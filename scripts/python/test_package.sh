#!/usr/bin/env bash
# The Python package glif_rs (crates/glif-py), as a user gets it:
#  1. `maturin build --release` builds the wheel (maturin from PyPI, in a
#     throwaway venv), with the cargo feature `nwb` (simulate_neuron,
#     load_sweep) when the HDF5 library is installed (pkg-config finds
#     `hdf5`; GLIF_PY_NWB=0 or 1 forces it off or on), and then requires the
#     NWB tests to run (GLIF_PY_EXPECT_NWB=1);
#  2. the wheel installs into a fresh venv (pulling only numpy) and
#     `import glif_rs` works there;
#  3. the same wheel is installed into the AllenSDK 2.16.2 venv
#     (scripts/allensdk/setup_venv.sh; numpy stays 1.23.5) and the pytest
#     suite crates/glif-py/tests compares glif_rs with AllenSDK there.
# Without the AllenSDK venv this fails under CI (CI=true or CI=1, as
# glif_reference::env::ci() reads it) and skips (saying so) otherwise.
# It records how it ended, with pytest's count of passed tests, as the
# check `python/pytest-against-allensdk` in the file $GLIF_ENV_REPORT names
# (when set; `cargo xtask ci` sets it and lists the check in its summary).
#
#   scripts/python/test_package.sh [pytest args...]
#   GLIF_ALLENSDK_VENV=/some/path scripts/python/test_package.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${GLIF_ALLENSDK_VENV:-$repo/.venv-allensdk}"
check=python/pytest-against-allensdk
label="python package"
# shellcheck source=../env_check.sh
. "$repo/scripts/env_check.sh"
# Any failure before the end (build, install, pytest) is recorded as one.
record_failure_on_exit
require_venv "no AllenSDK venv at $venv (scripts/allensdk/setup_venv.sh creates it)"
# A venv that exists but is broken fails, in CI or not.
probe_venv 'import numpy; from allensdk.model.glif.glif_neuron import GlifNeuron'
work="$(mktemp -d)"

echo "== maturin build --release"
# shellcheck source=maturin.sh
. "$repo/scripts/python/maturin.sh"
maturin_setup
if [ "$nwb" = "1" ]; then
    export GLIF_PY_EXPECT_NWB=1
    echo "with the nwb feature (HDF5 found)"
else
    echo "without the nwb feature (no HDF5 library found by pkg-config): the NWB tests skip"
fi
"$maturin" build --release "${features[@]}" -m "$repo/crates/glif-py/Cargo.toml" -o "$work/dist"
wheel="$(ls "$work"/dist/*.whl)"
echo "wheel: $(basename "$wheel")"

echo "== fresh venv: pip install the wheel, import glif_rs"
"$py" -m venv "$work/fresh"
"$work/fresh/bin/python" -m pip install --disable-pip-version-check -q "$wheel"
(cd "$work" && "$work/fresh/bin/python" -c 'import glif_rs, numpy; print("fresh venv: glif_rs", glif_rs.version, "with numpy", numpy.__version__)')

echo "== the glif command, which tests/test_info_nest.py compares glif_rs.info, to_nest and nest.run with"
cargo build -q -p glif-cli --manifest-path "$repo/Cargo.toml"
export GLIF_BIN="$repo/target/debug/glif"

echo "== AllenSDK venv: install the wheel, run pytest"
"$venv/bin/python" -m pip install --disable-pip-version-check -q --force-reinstall --no-deps "$wheel"
"$venv/bin/python" -m pip install --disable-pip-version-check -q pytest 'numpy==1.23.5'
cd "$repo/crates/glif-py"
"$venv/bin/python" -m pytest -q -p no:cacheprovider --junitxml="$work/pytest.xml" tests "$@"
# pytest passed: record how many tests passed (and how many it skipped).
counts="$("$venv/bin/python" - "$work/pytest.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
print(tests - skipped - bad, skipped)
PY
)"
read -r passed skipped <<<"$counts"
if [ "$passed" -eq 0 ]; then
    echo "python package: FAILED: pytest ran no test" >&2
    record failed 0 "pytest ran no test"
    exit 1
fi
record ran "$passed" "pytest crates/glif-py/tests in the AllenSDK venv: $passed passed, $skipped skipped"
