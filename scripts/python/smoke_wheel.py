"""Smoke test of an installed glif_rs wheel on a machine without Rust.

Run by scripts/python/test_wheel.sh with the interpreter of a fresh venv
into which only the wheel (and numpy) were installed, with a PATH that has
no cargo or rustc, from the repository root (the README examples read
reference/configs/...):

    python scripts/python/smoke_wheel.py VENV [NWB_FIXTURE]

1. proves the setting: no cargo or rustc on PATH, glif_rs imported from
   VENV's site-packages (not from the source tree);
2. runs every ```python block of README.md and crates/glif-py/README.md,
   as a user would paste them, each in a fresh namespace, in a working
   folder holding the repository's reference/ and, as cell.nwb and
   ephys_sweeps.json, the sparse fitting cell (target/fit-cells/sparse,
   which `cargo xtask verify-fit` writes) for the glif_rs.fit example
   (skipped, saying so, only when the wheel has no NWB support);
3. checks what the README example computes against the same run by
   glif_rs.run_many (one model through both entry points; the wheel's
   compiled code is what answers);
4. with NWB_FIXTURE (an Allen NWB 1.x file, given when the wheel was built
   with NWB support): simulate_neuron on it into a copy, and load_sweep of
   the result.
Prints one line per check; any failure raises (exit status 1).
"""

import os
import pathlib
import re
import shutil
import sys
import tempfile

REPO = pathlib.Path(__file__).resolve().parents[2]
READMES = [REPO / "README.md", REPO / "crates" / "glif-py" / "README.md"]


def python_blocks(path):
    return re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)


def main():
    venv = pathlib.Path(sys.argv[1]).resolve()
    nwb = sys.argv[2] if len(sys.argv) > 2 else None

    # 1. No Rust toolchain, and the wheel's glif_rs.
    assert shutil.which("cargo") is None, "cargo is on PATH: %s" % shutil.which("cargo")
    assert shutil.which("rustc") is None, "rustc is on PATH: %s" % shutil.which("rustc")
    import numpy as np

    import glif_rs

    where = pathlib.Path(glif_rs.__file__).resolve()
    assert venv in where.parents, "glif_rs imported from %s, not from the venv %s" % (where, venv)
    print("no cargo or rustc on PATH; glif_rs %s from %s with numpy %s" % (glif_rs.version, where.parent, np.__version__))

    # 2. The README examples, in a folder with reference/ and a cell.
    cell = REPO / "target" / "fit-cells" / "sparse"
    has_nwb = hasattr(glif_rs._glif_rs, "load_sweep")
    n = 0
    with tempfile.TemporaryDirectory() as work:
        os.symlink(REPO / "reference", os.path.join(work, "reference"))
        for name in ("cell.nwb", "ephys_sweeps.json"):
            if (cell / name).is_file():
                os.symlink(cell / name, os.path.join(work, name))
        here = os.getcwd()
        os.chdir(work)
        try:
            for readme in READMES:
                for i, code in enumerate(python_blocks(readme)):
                    where = "%s[python block %d]" % (readme.name, i)
                    if "cell.nwb" in code:
                        if not has_nwb:
                            print("%s: skipped (glif_rs.fit on NWB: not in this wheel)" % where)
                            continue
                        assert (cell / "cell.nwb").is_file(), (
                            "%s needs the sparse fitting cell at %s (cargo xtask verify-fit writes it)" % (where, cell))
                    exec(compile(code, where, "exec"), {"__name__": "__readme__"})
                    n += 1
        finally:
            os.chdir(here)
    assert n >= 2, "found only %d python blocks in the READMEs" % n
    print("ran %d README python blocks" % n)

    # 3. One model, two entry points of the compiled code, the same answer.
    config = glif_rs.read_config("reference/configs/osb/566283540_neuron_config.json")
    neuron = glif_rs.GlifNeuron.from_dict(config)
    neuron.dt = 5e-6
    stim = np.full(200_000, 3e-10)
    one = neuron.run(stim)
    (many,) = glif_rs.run_many([neuron], stim, dt=5e-6)
    assert np.array_equal(one["spike_time_steps"], many["spike_time_steps"])
    assert np.array_equal(one["voltage"], many["voltage"], equal_nan=True)
    assert len(one["spike_time_steps"]) > 0
    print("run and run_many agree: %d spikes" % len(one["spike_time_steps"]))

    # 4. NWB, when the wheel has it.
    if nwb:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "out.nwb")
            glif_rs.simulate_neuron(neuron, [3], nwb, out, 0.05)
            sweep = glif_rs.load_sweep(out, 3)
            assert len(sweep["response"]) == len(glif_rs.load_sweep(nwb, 3)["stimulus"])
            print("NWB: simulate_neuron and load_sweep (%d samples)" % len(sweep["response"]))
    else:
        assert not hasattr(glif_rs._glif_rs, "load_sweep"), "the wheel has NWB support but no fixture was given"
        print("NWB: not in this wheel (built without the nwb feature)")
    print("smoke test passed")


if __name__ == "__main__":
    main()
