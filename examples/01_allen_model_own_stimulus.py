"""An Allen GLIF model on your own stimulus, with a plot.

    python examples/01_allen_model_own_stimulus.py [OUT_DIR] [CONFIG.json]

CONFIG.json: an Allen neuron_config (bare, or keyed by neuronal model id, as
the Allen Cell Types Database serves it; default: the repository's GLIF5
model 566283540). Writes OUT_DIR/own_stimulus.png (default ./example-output)
and prints the spike times. Units are SI: A, V, s.
"""

import pathlib
import sys

import matplotlib

matplotlib.use("Agg")  # write files; no display needed
import matplotlib.pyplot as plt
import numpy as np

import glif_rs

HERE = pathlib.Path(__file__).resolve().parent
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")
config_path = sys.argv[2] if len(sys.argv) > 2 else HERE.parent / "reference/configs/osb/566283540_neuron_config.json"
out_dir.mkdir(parents=True, exist_ok=True)

# The model, and what it needs to fire.
config = glif_rs.read_config(config_path)
facts = glif_rs.info(config)
print("%s, tau_m %.1f ms, rheobase %.0f pA" % (facts["level_name"], facts["tau_m"] * 1e3, facts["rheobase"] * 1e12))

# Your stimulus: 2 s sampled at 200 kHz (Allen's rate), a ramp from 0 to
# 2x rheobase with 20 pA of noise filtered at 1 ms, as an array in A.
dt = 5e-6
t = np.arange(int(2.0 / dt)) * dt
rng = np.random.default_rng(1)
noise = rng.normal(0.0, 20e-12, t.size)
kernel = np.exp(-np.arange(int(5e-3 / dt)) * dt / 1e-3)
noise = np.convolve(noise, kernel / np.sqrt((kernel**2).sum()), mode="same")
stimulus = 2.0 * facts["rheobase"] * t / t[-1] + noise

neuron = glif_rs.GlifNeuron.from_dict(config)
neuron.dt = dt  # the stimulus sampling interval, not the config's own dt
out = neuron.run(stimulus)
spikes = out["interpolated_spike_times"]
print("%d spikes; first at %s s" % (len(spikes), np.round(spikes[:5], 4)))

fig, (ax1, ax2) = plt.subplots(2, 1, sharex=True, figsize=(8, 5))
ax1.plot(t, out["voltage"] * 1e3, lw=0.6, label="voltage")
ax1.plot(t, out["threshold"] * 1e3, lw=0.6, label="threshold")
ax1.plot(spikes, np.full(len(spikes), np.nanmax(out["threshold"]) * 1e3 + 2), "|k", label="spikes")
ax1.set_ylabel("mV (relative to rest)")
ax1.legend(loc="upper left", fontsize=8)
ax2.plot(t, stimulus * 1e12, lw=0.4)
ax2.set_ylabel("stimulus (pA)")
ax2.set_xlabel("time (s)")
fig.tight_layout()
fig.savefig(out_dir / "own_stimulus.png", dpi=120)
print("wrote", out_dir / "own_stimulus.png")
