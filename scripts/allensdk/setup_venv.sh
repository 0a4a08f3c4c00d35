#!/usr/bin/env bash
# Create (or refresh) the Python environment that runs AllenSDK's GLIF simulator,
# the ground truth of glif-rs. Idempotent: re-running only installs what is missing.
#
#   scripts/allensdk/setup_venv.sh            # venv at <repo>/.venv-allensdk
#   GLIF_ALLENSDK_VENV=/some/path scripts/allensdk/setup_venv.sh
#   GLIF_ALLENSDK_PYTHON=python3.11 ...       # interpreter used to create it
#   GLIF_ALLENSDK_NEST=0 ...                  # skip nest-simulator (not under CI=true or CI=1)
#
# allensdk 2.16.2 is installed with --no-deps: its full dependency list pins
# old versions of many packages that do not build on current Python. Importing
# allensdk.model.glif.glif_neuron only needs numpy, and (through allensdk.core
# and allensdk.api, imported by the package __init__ files) the pins below;
# requests, requests_toolbelt and jinja2 are what AllenSDK's own
# allensdk.model.glif.simulate_neuron imports (the NWB pytest runs it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="${GLIF_ALLENSDK_VENV:-$repo/.venv-allensdk}"
py="${GLIF_ALLENSDK_PYTHON:-python3.11}"
# `in_ci`: CI=true or CI=1, as glif_reference::env::ci() reads it.
# shellcheck source=../env_check.sh
. "$repo/scripts/env_check.sh"
command -v "$py" >/dev/null 2>&1 || py=python3

if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv with $py"
    "$py" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

# Pins used to produce reference/traces (see reference/README.md).
"${pip[@]}" install \
    'numpy==1.23.5' 'pandas==1.5.3' 'xarray<2023.2.0' 'scipy<1.12' \
    simplejson python-dateutil SimpleITK 'pynwb<3' 'hdmf<4' h5py \
    'requests==2.32.3' 'requests_toolbelt==1.0.0' 'jinja2==3.1.4'
"${pip[@]}" install --no-deps 'allensdk==2.16.2'
# The fitting pipeline's oracles (allensdk.internal.model.glif imports them;
# glif-fit's tests call its stages): numpy pinned on the same line so pip
# keeps it.
"${pip[@]}" install 'statsmodels==0.14.0' 'patsy==0.5.6' 'six==1.16.0' 'numpy==1.23.5'

"$venv/bin/python" - <<'PY'
import allensdk, numpy
from allensdk.model.glif.glif_neuron import GlifNeuron
from allensdk.model.glif.simulate_neuron import simulate_neuron
print("allensdk", allensdk.__version__, "numpy", numpy.__version__, "GlifNeuron and simulate_neuron OK")
PY

# NEST 3.10.0 (glif_psc, glif_psc_double_alpha, glif_cond): the ground truth
# of reference/nest (scripts/nest/make_nest_reference.py) and used by
# bench_allensdk.py --nest. numpy is pinned on the same line, or pip upgrades
# it and AllenSDK's pandas pin breaks. Required: when it cannot be installed,
# this script fails under CI (CI=true or CI=1) and warns otherwise (GLIF_ALLENSDK_NEST=0
# skips it outside CI).
if [ "${GLIF_ALLENSDK_NEST:-1}" != "0" ] || in_ci; then
    if "$venv/bin/python" -c 'import nest, sys; sys.exit(nest.__version__ != "3.10.0")' >/dev/null 2>&1; then
        echo "nest 3.10.0 already importable"
    elif "${pip[@]}" install 'nest-simulator==3.10.0' 'numpy==1.23.5' >/dev/null 2>&1 \
         && "$venv/bin/python" -c 'import nest' >/dev/null 2>&1; then
        echo "nest-simulator 3.10.0 installed"
    elif in_ci; then
        echo "error: nest-simulator==3.10.0 could not be installed (required under CI=${CI})" >&2
        exit 1
    else
        echo "warning: nest-simulator==3.10.0 not available through pip here; the NEST reference checks need it" >&2
    fi
fi
# Brian2 (C++ standalone mode; needs g++): the peer `cargo xtask peers`
# runs beside glif-rs and NEST (scripts/peers/bench_peers.py). 2.9.0 is the
# last release for Python 3.11; numpy on the same line.
"${pip[@]}" install 'brian2==2.9.0' 'numpy==1.23.5'
# scripts/fit/allensdk_pipeline.py runs allensdk.internal.model.glif.preprocess_neuron, which
# imports matplotlib.pyplot (its plots are switched off); numpy on the same line.
"${pip[@]}" install 'matplotlib==3.10.9' 'numpy==1.23.5'

echo "venv ready: $venv"
