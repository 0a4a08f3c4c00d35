#!/usr/bin/env bash
# Runs every examples/*.py as a user would (`python examples/NAME.py OUT_DIR`),
# with the AllenSDK venv's interpreter (numpy, matplotlib, NEST 3.10; made by
# scripts/allensdk/setup_venv.sh) and MPLBACKEND=Agg, each from its own
# scratch directory with its own OUT_DIR, and checks that each wrote its
# figure (a non-empty PNG). glif_rs comes from GLIF_EXAMPLES_PYTHONPATH when
# set (scripts/python/test_wheel.sh points it at the CI-built wheel), else
# from the venv. Every example runs; any failure fails the script. Prints
# `examples: N ran` at the end.
# Without the venv it fails under CI (CI=true or CI=1) and skips otherwise.
#
#   scripts/python/run_examples.sh
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${GLIF_ALLENSDK_VENV:-$repo/.venv-allensdk}"
in_ci() { case "${CI:-}" in true|1) return 0 ;; *) return 1 ;; esac; }
if [ ! -x "$venv/bin/python" ]; then
    if in_ci; then echo "examples: FAILED: no venv at $venv (required under CI=$CI)" >&2; exit 1; fi
    echo "examples: skipped: no venv at $venv"
    exit 0
fi
# examples/04_fit_a_cell.py fits the synthetic `sparse` cell from here
# (cargo xtask verify-fit generates it; the example generates it if absent).
export GLIF_FIT_CELLS="${GLIF_FIT_CELLS:-$repo/target/fit-cells}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
ran=0
failed=0
for ex in "$repo"/examples/*.py; do
    name="$(basename "$ex" .py)"
    mkdir -p "$work/$name"
    echo "== examples/$name.py"
    if (cd "$work/$name" && MPLBACKEND=Agg PYTHONPATH="${GLIF_EXAMPLES_PYTHONPATH:-}" \
        "$venv/bin/python" "$ex" "$work/$name/out") >&2; then
        if ls "$work/$name"/out/*.png >/dev/null 2>&1 && [ -z "$(find "$work/$name/out" -name '*.png' -empty)" ]; then
            ran=$((ran + 1))
        else
            echo "examples: FAILED: $name.py wrote no figure" >&2
            failed=$((failed + 1))
        fi
    else
        echo "examples: FAILED: $name.py exited with an error" >&2
        failed=$((failed + 1))
    fi
done
if [ "$failed" -ne 0 ] || [ "$ran" -eq 0 ]; then
    echo "examples: $failed failed, $ran ran" >&2
    exit 1
fi
echo "examples: $ran ran"
