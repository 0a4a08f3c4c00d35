# Sourced (not run) by test_package.sh and test_wheel.sh, after `venv` and
# `work` are set: the tools both use to build the glif_rs wheel.

# maturin_setup: sets `py`, the interpreter the AllenSDK venv was made from
# (it makes the fresh venvs), installs maturin into a venv at $work/tools
# (`maturin` is its path), and sets `nwb` (1 or 0) and `features` (maturin's
# arguments): the nwb feature when GLIF_PY_NWB=1, or, without GLIF_PY_NWB,
# when pkg-config finds HDF5. The wheel then links the system's libhdf5:
# nothing to bundle for a wheel built and used on this machine (bundling
# would need patchelf).
maturin_setup() {
    py="$("$venv/bin/python" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
    "$py" -m venv "$work/tools"
    "$work/tools/bin/python" -m pip install --disable-pip-version-check -q 'maturin>=1.7,<2'
    maturin="$work/tools/bin/maturin"
    nwb="${GLIF_PY_NWB:-}"
    if [ -z "$nwb" ]; then
        if pkg-config --exists hdf5 2>/dev/null; then nwb=1; else nwb=0; fi
    fi
    features=()
    if [ "$nwb" = "1" ]; then features=(--features nwb --auditwheel skip); fi
}
