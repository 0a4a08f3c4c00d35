"""What a custom (Python) rule costs in glif_rs, beside AllenSDK running the
same rule: CPU seconds of one run (best of --repeat) of a 200,000-sample
step stimulus (1 s at 5 us) for

- the built-in rules, compiled (glif_rs only);
- a custom voltage reset (a Python call at each spike) on GLIF3;
- a custom voltage dynamics (a Python call at each step) on GLIF3;
- a custom voltage reset on GLIF5 (its threshold rules, which keep
  threshold_components, then run in Python too at each step).

Run it in an environment with AllenSDK and glif_rs installed:

    python scripts/python/bench_custom.py [--repeat 3]

CPU time (time.process_time), not wall time: the numbers hold on a
shared machine as long as the process gets the CPU it asks for.
"""

import argparse
import copy
import json
import pathlib
import time

import numpy as np

import glif_rs
from allensdk.model.glif.glif_neuron import GlifNeuron

REPO = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = {
    "GLIF3": REPO / "reference/configs/osb/566291897_neuron_config.json",
    "GLIF5": REPO / "reference/configs/osb/566283540_neuron_config.json",
}
DT = 5e-6


def bare(path):
    d = json.loads(path.read_text())
    return d if "El" in d else next(iter(d.values()))


def voltage_reset(neuron, voltage_t0, a, b):
    return a * voltage_t0 + b


def voltage_dynamics(neuron, voltage_t0, AScurrents_t0, inj):
    return voltage_t0 + (inj + np.sum(AScurrents_t0) - neuron.G * neuron.coeffs["G"]
                         * (voltage_t0 - neuron.El)) * neuron.dt / (neuron.C * neuron.coeffs["C"])


# The voltage resets reset as the level's built-in does: to 0 (GLIF3's
# `zero`), or GLIF5's own v_before parameters (None: the config's).
CASES = [
    ("built-in rules", "GLIF3", None),
    ("custom voltage reset (each spike)", "GLIF3",
     ("voltage_reset_method", voltage_reset, {"a": 0.0, "b": 0.0})),
    ("custom voltage dynamics (each step)", "GLIF3",
     ("voltage_dynamics_method", voltage_dynamics, {})),
    ("built-in rules", "GLIF5", None),
    ("custom voltage reset (threshold rules in Python, each step)", "GLIF5",
     ("voltage_reset_method", voltage_reset, None)),
]


def neuron(cls, config, custom):
    n = cls.from_dict(copy.deepcopy(config))
    n.dt = DT
    if custom is not None:
        family, rule, params = custom
        if params is None:
            params = config[family]["params"]
        setattr(n, family, n.configure_method(rule.__name__, rule, dict(params)))
    return n


def cpu(run, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.process_time()
        out = run()
        best = min(best, time.process_time() - t0)
    return best, out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    stim = np.zeros(200_000)
    stim[20_000:180_000] = 2.5e-10
    print("| level | rules | spikes | glif_rs CPU s | AllenSDK CPU s | AllenSDK / glif_rs |")
    print("|---|---|---|---|---|---|")
    for label, level, custom in CASES:
        config = bare(CONFIGS[level])
        ours, out = cpu(lambda: neuron(glif_rs.GlifNeuron, config, custom).run(stim), args.repeat)
        theirs, ref = cpu(lambda: neuron(GlifNeuron, config, custom).run(stim), 1)
        assert np.array_equal(out["voltage"], ref["voltage"], equal_nan=True), label
        print("| %s | %s | %d | %.4f | %.3f | %.0fx |"
              % (level, label, len(out["spike_time_steps"]), ours, theirs, theirs / ours))
    # What the Python calls alone cost: the per-step rule called once per
    # sample from a Python loop, without any simulation around it.
    n = neuron(glif_rs.GlifNeuron, bare(CONFIGS["GLIF3"]), None)
    asc = np.zeros(2)

    def calls():
        for _ in range(len(stim)):
            voltage_dynamics(n, 0.001, asc, 2.5e-10)

    alone, _ = cpu(calls, args.repeat)
    print("\nvoltage_dynamics alone, %d calls from a Python loop: %.4f CPU s" % (len(stim), alone))


if __name__ == "__main__":
    main()
