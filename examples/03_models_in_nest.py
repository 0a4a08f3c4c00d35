"""The same Allen models in NEST: the route to networks across machines.

    python examples/03_models_in_nest.py [OUT_DIR]

Needs NEST 3.10 (`pip install nest-simulator` or your cluster's module).
1. Converts the five levels of one Allen cell (and a few more Allen models)
   to NEST parameter dicts with glif_rs.to_nest.
2. Tries one of them from numpy first with glif_rs.nest.run (NEST's
   glif_psc, bit for bit, without building a network).
3. Builds a small PyNEST network: each model as a population of glif_psc
   neurons driven by Poisson input, plus sparse recurrent connections, and
   prints each population's firing rate. NEST runs such networks on many
   cores and machines (MPI); the models are the ones fitted by the Allen
   Institute. Writes OUT_DIR/nest_raster.png (default ./example-output).
"""

import contextlib
import io
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import glif_rs

HERE = pathlib.Path(__file__).resolve().parent
CONFIGS = HERE.parent / "reference/configs"
out_dir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "example-output")
out_dir.mkdir(parents=True, exist_ok=True)

models = {
    "GLIF1 313861677": CONFIGS / "teeter/313861677_Rorb-IRES2-Cre-D_GLIF1_neuron_config.json",
    "GLIF3 313861677": CONFIGS / "teeter/313861677_Rorb-IRES2-Cre-D_GLIF3_neuron_config.json",
    "GLIF5 313861677": CONFIGS / "teeter/313861677_Rorb-IRES2-Cre-D_GLIF5_neuron_config.json",
    "GLIF2 486558431": CONFIGS / "osb/486558431_neuron_config.json",
    "GLIF5 566283540": CONFIGS / "osb/566283540_neuron_config.json",
}
# 1. Allen config -> NEST parameters (NEST units: mV, ms, pA, nS, pF); one
#    synaptic port with a 2 ms alpha current.
params = {name: glif_rs.to_nest(path, model="glif_psc", tau_syn=[2.0]) for name, path in models.items()}

# 2. One model from numpy, as NEST would run it: 500 ms of 250 pA.
name = "GLIF5 566283540"
proto = glif_rs.nest.run("glif_psc", params[name], resolution=0.1, duration=500.0, dc=250.0)
print("%s alone with 250 pA: %d spikes in 500 ms (glif_rs.nest.run)" % (name, len(proto["spike_times"])))

# 3. The network in NEST.
with contextlib.redirect_stdout(io.StringIO()):  # NEST's banner
    import nest
nest.ResetKernel()
nest.verbosity = nest.VerbosityLevel.ERROR
nest.SetKernelStatus({"resolution": 0.1, "rng_seed": 12})
n_per, rate_in, w_in = 40, 5000.0, 20.0  # neurons per model, Poisson Hz, pA
pops = {name: nest.Create("glif_psc", n_per, params=p) for name, p in params.items()}
noise = nest.Create("poisson_generator", params={"rate": rate_in})
recorder = nest.Create("spike_recorder")
everyone = sum(pops.values(), start=nest.NodeCollection())
nest.Connect(noise, everyone, syn_spec={"weight": w_in, "receptor_type": 1})
nest.Connect(everyone, everyone, {"rule": "fixed_indegree", "indegree": 10},
             {"weight": 5.0, "delay": 1.5, "receptor_type": 1})
nest.Connect(everyone, recorder)
seconds = 1.0
nest.Simulate(seconds * 1000.0)

events = recorder.get("events")
senders, times = np.asarray(events["senders"]), np.asarray(events["times"])
fig, ax = plt.subplots(figsize=(7, 4))
for name, pop in pops.items():
    ids = np.asarray(pop.tolist())
    mine = np.isin(senders, ids)
    print("%-18s %5.1f Hz" % (name, mine.sum() / (n_per * seconds)))
    ax.plot(times[mine], senders[mine], ",", label=name)
assert len(times) > 0, "the network did not spike"
ax.set_xlabel("time (ms)")
ax.set_ylabel("neuron")
ax.legend(fontsize=7, markerscale=20)
fig.tight_layout()
fig.savefig(out_dir / "nest_raster.png", dpi=120)
print("wrote", out_dir / "nest_raster.png")
