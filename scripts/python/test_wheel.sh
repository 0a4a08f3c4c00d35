#!/usr/bin/env bash
# The glif_rs wheel as a colleague without Rust gets it:
#  1. `maturin build --release` builds the abi3 wheel (one wheel for every
#     CPython >= 3.9) into target/wheels/, the artifact CI keeps (install it
#     with `pip install target/wheels/glif_rs-*.whl`). Built as
#     scripts/python/test_package.sh builds it: with the cargo feature `nwb`
#     when pkg-config finds the HDF5 library (GLIF_PY_NWB=0 or 1 forces it),
#     linking that machine's libhdf5 (not bundled).
#  2. Two fresh venvs, one with numpy 1.x and one with numpy 2.x (pinned
#     below), install the wheel with pip under a PATH that has no cargo or
#     rustc (--only-binary: nothing may be compiled), and run
#     scripts/python/smoke_wheel.py there under the same PATH: it asserts
#     that cargo and rustc are absent, runs every python example of README.md
#     and crates/glif-py/README.md, and, for a wheel with NWB support, runs
#     simulate_neuron and load_sweep on an NWB fixture (written by the
#     AllenSDK venv's h5py with tests/test_nwb.py's writer).
#  3. mypy (pinned) checks the README examples against the wheel's type
#     stubs, in the numpy 2.x venv.
#  4. The examples/ scripts run in the AllenSDK venv (which has matplotlib
#     and NEST 3.10) with the wheel on its path (scripts/python/run_examples.sh).
# Needs network access to PyPI for numpy, maturin and mypy. Any failure
# fails; it records how it ended, with the number of checks passed, as the
# environment check `python/wheel-without-rust` in $GLIF_ENV_REPORT (when
# set; `cargo xtask ci` sets it). Without the AllenSDK venv's interpreter
# (the one the venvs are made from) it fails under CI (CI=true or CI=1) and
# skips otherwise.
#
#   scripts/python/test_wheel.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${GLIF_ALLENSDK_VENV:-$repo/.venv-allensdk}"
check=python/wheel-without-rust
# Pinned: the last numpy 1.x and a numpy 2.x with wheels for CPython 3.9-3.13.
numpy1='numpy==1.26.4'
numpy2='numpy==2.2.6'
mypy='mypy==1.13.0'
label=wheel
# shellcheck source=../env_check.sh
. "$repo/scripts/env_check.sh"
record_failure_on_exit
require_venv "no AllenSDK venv at $venv (scripts/allensdk/setup_venv.sh creates it; its interpreter makes the fresh venvs)"
# A venv that exists but is broken fails, in CI or not (its h5py writes the
# NWB fixture; matplotlib and NEST run examples/).
probe_venv 'import numpy, h5py, matplotlib; from allensdk.model.glif.glif_neuron import GlifNeuron'
work="$(mktemp -d)"
passed=0

echo "== maturin build --release (abi3) -> target/wheels/"
# shellcheck source=maturin.sh
. "$repo/scripts/python/maturin.sh"
maturin_setup
rm -f "$repo"/target/wheels/glif_rs-*.whl
"$maturin" build --release "${features[@]}" -m "$repo/crates/glif-py/Cargo.toml" -o "$repo/target/wheels"
wheel="$(ls "$repo"/target/wheels/glif_rs-*.whl)"
case "$(basename "$wheel")" in
    *-abi3-*) echo "wheel: $wheel" ;;
    *) echo "wheel: FAILED: $(basename "$wheel") is not an abi3 wheel" >&2; exit 1 ;;
esac

# A PATH without cargo and rustc: the system directories only, minus any
# that holds either (the toolchain lives in ~/.cargo/bin, on CI too).
norust=""
for d in /usr/local/bin /usr/bin /bin; do
    if [ -d "$d" ] && [ ! -e "$d/cargo" ] && [ ! -e "$d/rustc" ]; then norust="${norust:+$norust:}$d"; fi
done

# The wheel for the AllenSDK venv (NWB fixture writer, examples/), beside
# whatever glif_rs that venv has: on PYTHONPATH, never installed into it.
"$venv/bin/python" -m pip install --disable-pip-version-check -q --no-deps --target "$work/site" "$wheel"

fixture=""
if [ "$nwb" = "1" ]; then
    echo "== an NWB fixture for the wheel's NWB functions (AllenSDK venv's h5py)"
    fixture="$work/fixture.nwb"
    (cd "$repo/crates/glif-py/tests" && PYTHONPATH="$work/site" "$venv/bin/python" -c \
        'import sys, importlib.util as u; s = u.spec_from_file_location("t", "test_nwb.py"); m = u.module_from_spec(s); s.loader.exec_module(m); m.write_fixture(sys.argv[1])' \
        "$fixture")
fi

for numpy in "$numpy1" "$numpy2"; do
    name="fresh-${numpy#numpy==}"
    echo "== fresh venv with $numpy, PATH=$norust (no cargo, no rustc)"
    "$py" -m venv "$work/$name"
    env PATH="$work/$name/bin:$norust" "$work/$name/bin/python" -m pip install \
        --disable-pip-version-check -q --only-binary :all: "$wheel" "$numpy"
    (cd "$repo" && env PATH="$work/$name/bin:$norust" \
        "$work/$name/bin/python" scripts/python/smoke_wheel.py "$work/$name" $fixture)
    passed=$((passed + 1))
done

echo "== mypy on the README examples against the wheel's stubs ($numpy2 venv)"
name="fresh-${numpy2#numpy==}"
env PATH="$work/$name/bin:$norust" "$work/$name/bin/python" -m pip install \
    --disable-pip-version-check -q --only-binary :all: "$mypy"
mkdir -p "$work/examples"
"$work/$name/bin/python" - "$repo" "$work/examples" <<'PY'
import pathlib, re, sys
repo, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
n = 0
for readme in [repo / "README.md", repo / "crates/glif-py/README.md"]:
    for code in re.findall(r"```python\n(.*?)```", readme.read_text(), flags=re.S):
        (out / ("readme_%d.py" % n)).write_text(code)
        n += 1
print("%d README examples for mypy" % n)
PY
(cd "$work" && env PATH="$work/$name/bin:$norust" \
    "$work/$name/bin/python" -m mypy --no-incremental --warn-unused-ignores --python-executable "$work/$name/bin/python" examples)
passed=$((passed + 1))

echo "== examples/ (AllenSDK venv: matplotlib, NEST 3.10), the wheel on its path"
# (Its summary line goes to a file: `tee /dev/stderr` would truncate a log
# file that stderr points to.)
GLIF_EXAMPLES_PYTHONPATH="$work/site" bash "$repo/scripts/python/run_examples.sh" >"$work/examples.out"
cat "$work/examples.out"
examples_run="$(sed -n 's/^examples: \([0-9]*\) ran$/\1/p' "$work/examples.out")"
if [ -z "$examples_run" ] || [ "$examples_run" -eq 0 ]; then
    echo "wheel: FAILED: no example ran" >&2
    exit 1
fi
passed=$((passed + examples_run))
record ran "$passed" "the abi3 wheel in target/wheels installed without cargo/rustc on PATH and smoke-tested with $numpy1 and $numpy2, mypy on the README examples, $examples_run examples/ scripts run"
echo "wheel: $passed checks passed"
