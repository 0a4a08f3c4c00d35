"""A folder of Allen models: what each needs to fire, and its f-I curve.

    python examples/02_folder_of_models.py [OUT_DIR] [FOLDER]

FOLDER: neuron_config JSON files (default: the repository's 16 Allen models
from the Cell Types Database, reference/configs/osb). For each model:
glif_rs.info's rheobase and clean DC range, then every model on five DC
steps at once with glif_rs.run_many (spikes only, every core). Writes
OUT_DIR/f_i.png (default ./example-output) and prints a table.
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import glif_rs

HERE = pathlib.Path(__file__).resolve().parent
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")
folder = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else HERE.parent / "reference/configs/osb")
out_dir.mkdir(parents=True, exist_ok=True)

paths = sorted(folder.glob("*.json"))
configs = [glif_rs.read_config(p) for p in paths]
print("%d models in %s" % (len(configs), folder))

dt, seconds = 5e-6, 1.0
amplitudes = np.array([50e-12, 100e-12, 150e-12, 200e-12, 300e-12])  # A
rates = np.zeros((len(configs), len(amplitudes)))
for j, amp in enumerate(amplitudes):
    stim = np.full(int(seconds / dt), amp)
    results = glif_rs.run_many(configs, stim, dt=dt, record="spikes")
    for i, r in enumerate(results):
        if isinstance(r, Exception):  # one bad model never stops the others
            print("%s: %s" % (paths[i].name, r))
            rates[i, j] = np.nan
        else:
            rates[i, j] = len(r["spike_time_steps"]) / seconds

print("%-32s %-22s %10s  %s" % ("model", "level", "rheobase", "rate (Hz) at " + ", ".join("%g" % (a * 1e12) for a in amplitudes) + " pA"))
fig, ax = plt.subplots(figsize=(6, 4))
for path, config, row in zip(paths, configs, rates):
    facts = glif_rs.info(config)
    rheobase = "%.0f pA" % (facts["rheobase"] * 1e12) if facts["rheobase"] else "none"
    print("%-32s %-22s %10s  %s" % (path.name, facts["level_name"], rheobase, " ".join("%5.0f" % x for x in row)))
    ax.plot(amplitudes * 1e12, row, marker="o", lw=0.8)
ax.set_xlabel("DC step (pA)")
ax.set_ylabel("firing rate (Hz)")
ax.set_title("%d Allen GLIF models" % len(configs))
fig.tight_layout()
fig.savefig(out_dir / "f_i.png", dpi=120)
print("wrote", out_dir / "f_i.png")
