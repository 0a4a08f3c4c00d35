#!/usr/bin/env python3
"""Time NEST 3.10's glif_psc, glif_psc_double_alpha or glif_cond on given input
spike trains, for `cargo xtask compare-nest`.

    .venv-allensdk/bin/python scripts/nest/bench_nest.py --trains FILE \\
        [--model glif_psc] --steps N --resolution 0.1 --delay-steps 10 --weights 80,-60 \\
        --params '{"tau_syn": [2.0, 5.0], ...}' [--repeats R]

FILE (written by glif-benches' `SpikeTrains::write`, little-endian): u64
neurons, u64 ports, then per port u64 offsets[neurons + 1] and u32 arrival
steps (1-based: a spike in step k reaches the neuron at k * resolution),
neuron after neuron.

Each repeat: ResetKernel, one thread, `resolution`; `neurons` `--model` nodes
with `params`; per port one spike_generator per neuron holding that
neuron's train (emission time = arrival - delay), connected one to one with
`receptor_type` = port, the port's weight and the delay; one
spike_recorder. Only `nest.Simulate(steps * resolution)` is timed (not
node creation, connection or the train upload); the simulation then goes
on for delay + 1 step untimed, so that spikes of the last slice reach the
recorder, and spikes after step `steps` are dropped.

Prints one JSON line: {"nest_version", "neurons", "steps", "seconds": [wall
time, one per repeat], "cpu_seconds": [the process's CPU time, one per
repeat], "input_spikes", "spikes": [[neuron (0-based), step], ...]
(sorted, first repeat), "repeats_agree": bool}.
Only the standard library, numpy and nest are used.
"""
import argparse
import json
import sys
import time

import numpy as np


def read_trains(path):
    raw = open(path, "rb").read()
    neurons, ports = np.frombuffer(raw, dtype="<u8", count=2, offset=0)
    neurons, ports = int(neurons), int(ports)
    pos = 16
    out = []
    for _ in range(ports):
        offsets = np.frombuffer(raw, dtype="<u8", count=neurons + 1, offset=pos)
        pos += 8 * (neurons + 1)
        total = int(offsets[-1])
        steps = np.frombuffer(raw, dtype="<u4", count=total, offset=pos)
        pos += 4 * total
        out.append((offsets.astype(np.int64), steps.astype(np.int64)))
    assert pos == len(raw), "trailing bytes in the trains file"
    return neurons, out


def run_once(nest, neurons, trains, args, params, weights):
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    h = args.resolution
    nest.SetKernelStatus({"resolution": h, "local_num_threads": 1})
    nodes = nest.Create(args.model, neurons, params=params)
    delay = args.delay_steps * h
    for port, (offsets, steps) in enumerate(trains):
        gens = nest.Create("spike_generator", neurons)
        status = []
        for i in range(neurons):
            k = steps[offsets[i]:offsets[i + 1]]
            # Emission at arrival - delay, on the grid (as make_nest_reference.py).
            status.append({"spike_times": [round(float(x) * h, 10) for x in (k - args.delay_steps)]})
        nest.SetStatus(gens, status)
        nest.Connect(gens, nodes, "one_to_one",
                     syn_spec={"weight": weights[port], "delay": delay, "receptor_type": port + 1})
    sr = nest.Create("spike_recorder", params={"time_in_steps": True})
    nest.Connect(nodes, sr)
    t0, c0 = time.perf_counter(), time.process_time()
    nest.Simulate(args.steps * h)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    nest.Simulate(delay + h)
    ev = sr.get("events")
    first = nodes.tolist()[0]
    senders = np.asarray(ev["senders"], dtype=np.int64) - first
    steps_out = np.asarray(ev["times"], dtype=np.int64)
    keep = steps_out <= args.steps
    spikes = sorted(zip(senders[keep].tolist(), steps_out[keep].tolist()))
    return seconds, cpu, spikes


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trains", required=True)
    ap.add_argument("--model", default="glif_psc",
                    choices=["glif_psc", "glif_psc_double_alpha", "glif_cond"])
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--resolution", type=float, required=True)
    ap.add_argument("--delay-steps", type=int, required=True)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--params", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    import nest  # noqa: E402  (after argument errors)

    params = json.loads(args.params)
    weights = [float(w) for w in args.weights.split(",")]
    neurons, trains = read_trains(args.trains)
    assert len(trains) == len(weights), "one weight per port"
    seconds, cpu_seconds, first, agree = [], [], None, True
    for _ in range(args.repeats):
        s, c, spikes = run_once(nest, neurons, trains, args, params, weights)
        seconds.append(s)
        cpu_seconds.append(c)
        if first is None:
            first = spikes
        elif spikes != first:
            agree = False
    print(json.dumps({
        "nest_version": nest.__version__,
        "neurons": neurons,
        "steps": args.steps,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "input_spikes": int(sum(len(s) for _, s in trains)),
        "spikes": first,
        "repeats_agree": agree,
    }))


if __name__ == "__main__":
    sys.exit(main())
