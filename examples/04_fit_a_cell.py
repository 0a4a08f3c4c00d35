"""Fit GLIF models to a cell's recordings, and see how well they predict it.

    python examples/04_fit_a_cell.py [OUT_DIR] [CELL_DIR]

CELL_DIR: an Allen cell, `cell.nwb` (NWB 1.x) with its `ephys_sweeps.json`
(default: the repository's synthetic `sparse` cell in $GLIF_FIT_CELLS, or
in ./example-cells, generated there by scripts/fit/make_cells.py the first
time, about a minute). For your own recordings as .npy/CSV files, give
`glif_rs.fit(recordings=FOLDER)` instead (layout in docs/FITTING.md).

glif_rs.fit runs the Allen Institute's pipeline: the preprocessing (R, C,
after-spike currents, threshold), AllenSDK's optimizer tuning th_inf on
Noise 1 (seed 1234: the path of AllenSDK's run_many(seed=1234)), and the
report: explained variance of spike times on Noise 1 and on the held-out
Noise 2, before and after optimization (Teeter et al. 2018). GLIF1 and
GLIF3 here, to keep it short; leave `levels` out for all five. The result
is plain dicts: it pickles, so cells can be spread over processes or a
cluster with the executor you already use. Writes OUT_DIR/fit.png
(default ./example-output), the fitted configs and fit.pkl.
Needs glif_rs built with NWB support (the CI wheel is).
"""

import json
import os
import pathlib
import pickle
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import glif_rs

HERE = pathlib.Path(__file__).resolve().parent
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")
out_dir.mkdir(parents=True, exist_ok=True)
if len(sys.argv) > 2:
    cell = pathlib.Path(sys.argv[2])
else:
    cell = pathlib.Path(os.environ.get("GLIF_FIT_CELLS", "example-cells")) / "sparse"
    if not (cell / "cell.nwb").is_file():
        print("generating the synthetic cell 'sparse' (scripts/fit/make_cells.py, about a minute)")
        subprocess.run([sys.executable, str(HERE.parent / "scripts/fit/make_cells.py"),
                        "--out", str(cell.parent), "--cells", "sparse"], check=True)

result = glif_rs.fit(nwb=cell / "cell.nwb", sweeps=cell / "ephys_sweeps.json",
                     levels=["GLIF1", "GLIF3"], seed=1234, threads=2)

pv = result["preprocessor_values"]  # AllenSDK's keys, SI units
print("R %.1f MOhm, C %.1f pF, th_inf %.2f mV above rest" % (
    pv["resistance"]["R_test_list"]["mean"] / 1e6,
    pv["capacitance"]["C_test_list"]["mean"] * 1e12,
    pv["th_inf"]["via_Vmeasure"]["from_zero"] * 1e3))
for level, why in result["refused"].items():
    print("%s not fitted: %s" % (level, why))
print("%-6s %-17s %-17s %-16s %s" % ("level", "EV Noise 1", "EV Noise 2", "th_inf coeff", "evaluations"))
for row in result["report"]:
    print("%-6s %.3f -> %.3f    %.3f -> %.3f    1 -> %.4f     %d" % (
        row["level"], row["noise1_before"]["ratio"], row["noise1_after"]["ratio"],
        row["noise2_before"]["ratio"], row["noise2_after"]["ratio"],
        row["th_inf_coeff_fitted"], row["evaluations"]))

# The fitted models are ordinary neuron_configs: glif_rs.GlifNeuron.from_dict
# (or AllenSDK's) runs them.
for level, config in result["configs"].items():
    (out_dir / ("%s_neuron_config.json" % level)).write_text(json.dumps(config, indent=1))
with open(out_dir / "fit.pkl", "wb") as f:
    pickle.dump(result, f)

# Recorded and model spikes on Noise 2, which the optimizer never saw.
dt = result["recordings"]["dt_s"]
recorded = result["recordings"]["noise2"]["recorded_spike_indices"]
rows = [("recorded %d" % (i + 1), s) for i, s in enumerate(recorded)]
for row in result["report"]:
    rows.append(("%s start" % row["level"], row["noise2_before"]["model_spike_time_steps"]))
    rows.append(("%s fitted" % row["level"], row["noise2_after"]["model_spike_time_steps"]))
fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.5), gridspec_kw={"width_ratios": [3, 1]})
for y, (name, steps) in enumerate(rows):
    ax.vlines([s * dt for s in steps], y - 0.4, y + 0.4, color="k" if name.startswith("rec") else "C0")
ax.set_yticks(range(len(rows)))
ax.set_yticklabels([r[0] for r in rows])
ax.set_xlabel("time (s)")
ax.set_title("Noise 2 (held out)")
levels = [r["level"] for r in result["report"]]
x = range(len(levels))
bx.bar([i - 0.2 for i in x], [r["noise2_before"]["ratio"] for r in result["report"]], 0.4, label="start")
bx.bar([i + 0.2 for i in x], [r["noise2_after"]["ratio"] for r in result["report"]], 0.4, label="fitted")
bx.set_xticks(list(x))
bx.set_xticklabels(levels)
bx.set_ylabel("explained variance (Noise 2)")
bx.legend()
fig.tight_layout()
fig.savefig(out_dir / "fit.png", dpi=120)
print("wrote", out_dir / "fit.png")
