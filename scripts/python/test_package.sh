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
# Without the AllenSDK venv this fails under CI=true and skips (saying so)
# otherwise.
#
#   scripts/python/test_package.sh [pytest args...]
#   GLIF_ALLENSDK_VENV=/some/path scripts/python/test_package.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${GLIF_ALLENSDK_VENV:-$repo/.venv-allensdk}"
if [ ! -x "$venv/bin/python" ]; then
    if [ "${CI:-}" = "true" ]; then
        echo "python package: FAILED: no AllenSDK venv at $venv (scripts/allensdk/setup_venv.sh creates it)" >&2
        exit 1
    fi
    echo "python package: skipped: no AllenSDK venv at $venv (scripts/allensdk/setup_venv.sh creates it)"
    exit 0
fi
# The interpreter the AllenSDK venv was made from makes the other venvs.
py="$("$venv/bin/python" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== maturin build --release"
"$py" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install --disable-pip-version-check -q 'maturin>=1.7,<2'
nwb="${GLIF_PY_NWB:-}"
if [ -z "$nwb" ]; then
    if pkg-config --exists hdf5 2>/dev/null; then nwb=1; else nwb=0; fi
fi
features=()
if [ "$nwb" = "1" ]; then
    # The wheel links the system's libhdf5: nothing to bundle for a wheel
    # built and used on this machine (bundling would need patchelf).
    features=(--features nwb --auditwheel skip)
    export GLIF_PY_EXPECT_NWB=1
    echo "with the nwb feature (HDF5 found)"
else
    echo "without the nwb feature (no HDF5 library found by pkg-config): the NWB tests skip"
fi
"$work/tools/bin/maturin" build --release "${features[@]}" -m "$repo/crates/glif-py/Cargo.toml" -o "$work/dist"
wheel="$(ls "$work"/dist/*.whl)"
echo "wheel: $(basename "$wheel")"

echo "== fresh venv: pip install the wheel, import glif_rs"
"$py" -m venv "$work/fresh"
"$work/fresh/bin/python" -m pip install --disable-pip-version-check -q "$wheel"
(cd "$work" && "$work/fresh/bin/python" -c 'import glif_rs, numpy; print("fresh venv: glif_rs", glif_rs.version, "with numpy", numpy.__version__)')

echo "== AllenSDK venv: install the wheel, run pytest"
"$venv/bin/python" -m pip install --disable-pip-version-check -q --force-reinstall --no-deps "$wheel"
"$venv/bin/python" -m pip install --disable-pip-version-check -q pytest 'numpy==1.23.5'
cd "$repo/crates/glif-py"
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests "$@"
