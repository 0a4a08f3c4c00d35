"""Brian2 (C++ standalone) or NEST 3.10 on the population `cargo xtask peers` times.

Run by `cargo xtask peers` (xtask/src/peers.rs), which writes the input file:

    {"neurons": N, "steps": S, "dt": 5e-06, "threads": T,
     "model_of": [index into the per-model lists, one per neuron],
     "current": [A, one per distinct model],
     "brian2": [{El, G, C, th, q1, q2, amp1, amp2, f1, f2, ref_steps, v0, I1_0, I2_0}, ...],
     "nest": [glif_psc parameter dict, ...],
     "nest_delay_ms": 1.0}

and prints one JSON line: {"side", "version", "seconds", "cpu_seconds",
"counts": [spikes per neuron], ...} (the times are of the simulation only,
see below), or exits non-zero with the reason on stderr.

--side brian2: GLIF3 as equations (glif_benches::peers::brian2_glif3 gives
the parameters and the equations' reasoning): forward Euler (`method='euler'`)
at dt, the two after-spike currents, AllenSDK's `zero` voltage reset and
`sum` current reset, threshold th_inf, refractory (`unless refractory`: every
variable held) for spike_cut_length + 1 steps from the spike's step. C++
standalone (`set_device('cpp_standalone')`), compiled in --build-dir (kept,
so an unchanged project is not recompiled) before timing; OpenMP with T
threads when T > 1. Timed: Brian2's own measure of its run loop
(`device._last_run_time`: `std::clock()` CPU seconds of the loop with one
thread, `omp_get_wtime()` wall seconds with OpenMP), and beside it the CPU
seconds of the whole standalone binary (loading its arrays and writing its
results included) from getrusage(RUSAGE_CHILDREN). Compilation is not timed.

--side nest: `glif_psc` with the GLIF3 switches (after_spike_currents only),
one neuron per entry of model_of with its model's dict, resolution dt,
local_num_threads T; the current from one `dc_generator` per distinct model
(NEST's GLIF models have no I_e), connected with delay nest_delay_ms (1 ms:
NEST advances one min_delay slice of steps at a time, as in a network), so
the current is seen from about that delay on. Timed: `nest.Simulate`
(wall: time.perf_counter; CPU: time.process_time, all threads).
"""

import argparse
import json
import os
import resource
import sys
import time


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_brian2(inp, build_dir):
    import numpy as np
    import brian2 as b2

    n, steps, dt, threads = inp["neurons"], inp["steps"], inp["dt"], inp["threads"]
    b2.set_device("cpp_standalone", directory=build_dir, build_on_run=False)
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
    b2.defaultclock.dt = dt * b2.second
    idx = np.asarray(inp["model_of"], dtype=np.int64)
    per = inp["brian2"]

    def col(key):
        return np.asarray([p[key] for p in per], dtype=np.float64)[idx]

    eqs = """
    dv/dt = (I_e + I1 + I2 - G * (v - El)) / C : volt (unless refractory)
    dI1/dt = -q1 * I1 : amp (unless refractory)
    dI2/dt = -q2 * I2 : amp (unless refractory)
    I_e : amp (constant)
    El : volt (constant)
    G : siemens (constant)
    C : farad (constant)
    th : volt (constant)
    q1 : 1/second (constant)
    q2 : 1/second (constant)
    a1 : amp (constant)
    a2 : amp (constant)
    f1 : 1 (constant)
    f2 : 1 (constant)
    ref : second (constant)
    """
    group = b2.NeuronGroup(
        n,
        eqs,
        threshold="v > th",
        reset="v = 0*volt; I1 = a1 + I1 * f1; I2 = a2 + I2 * f2",
        refractory="ref",
        method="euler",
    )
    group.I_e = np.asarray(inp["current"], dtype=np.float64)[idx] * b2.amp
    group.El = col("El") * b2.volt
    group.G = col("G") * b2.siemens
    group.C = col("C") * b2.farad
    group.th = col("th") * b2.volt
    group.q1 = col("q1") / b2.second
    group.q2 = col("q2") / b2.second
    group.a1 = col("amp1") * b2.amp
    group.a2 = col("amp2") * b2.amp
    group.f1 = col("f1")
    group.f2 = col("f2")
    group.ref = col("ref_steps") * dt * b2.second
    group.v = col("v0") * b2.volt
    group.I1 = col("I1_0") * b2.amp
    group.I2 = col("I2_0") * b2.amp
    spikes = b2.SpikeMonitor(group, record=False)
    b2.run(steps * dt * b2.second)
    t0 = time.perf_counter()
    b2.device.build(directory=build_dir, compile=True, run=False, with_output=False)
    build = time.perf_counter() - t0
    c0 = children_cpu()
    t0 = time.perf_counter()
    b2.device.run(directory=build_dir, with_output=False)
    wall = time.perf_counter() - t0
    cpu = children_cpu() - c0
    counts = np.asarray(spikes.count[:], dtype=np.int64)
    return {
        "side": "brian2",
        "version": b2.__version__,
        "seconds": float(b2.device._last_run_time),
        "seconds_measure": "std::clock (CPU) of the run loop"
        if threads <= 1
        else "omp_get_wtime (wall) of the run loop",
        "binary_cpu_seconds": cpu,
        "binary_wall_seconds": wall,
        "build_seconds": build,
        "counts": counts.tolist(),
    }


def run_nest(inp):
    import numpy as np
    import nest

    n, steps, dt, threads = inp["neurons"], inp["steps"], inp["dt"], inp["threads"]
    dt_ms = dt * 1e3
    nest.set_verbosity("M_ERROR")
    nest.ResetKernel()
    nest.SetKernelStatus(
        {"resolution": dt_ms, "local_num_threads": threads, "print_time": False}
    )
    idx = np.asarray(inp["model_of"], dtype=np.int64)
    dicts = inp["nest"]
    for d in dicts:
        # GLIF3's switches, asserted rather than assumed from the converter.
        assert d.get("after_spike_currents") is True, d
        assert not d.get("spike_dependent_threshold") and not d.get("adapting_threshold"), d
    neurons = nest.Create("glif_psc", n, params=[dicts[i] for i in idx])
    amps = np.asarray(inp["current"], dtype=np.float64) * 1e12  # pA
    dc = nest.Create("dc_generator", len(dicts), params=[{"amplitude": float(a)} for a in amps])
    delay = inp["nest_delay_ms"]
    for j in range(len(dicts)):
        mine = np.flatnonzero(idx == j)
        if len(mine):
            nest.Connect(dc[j], neurons[mine.tolist()], "all_to_all", syn_spec={"delay": delay})
    rec = nest.Create("spike_recorder")
    nest.Connect(neurons, rec)
    c0, t0 = time.process_time(), time.perf_counter()
    nest.Simulate(steps * dt_ms)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    senders = np.asarray(rec.get("events")["senders"], dtype=np.int64)
    first = neurons[0].global_id
    counts = np.bincount(senders - first, minlength=n)
    return {
        "side": "nest",
        "version": nest.__version__,
        "seconds": wall,
        "cpu_seconds": cpu,
        "threads": nest.GetKernelStatus("local_num_threads"),
        "min_delay_ms": nest.GetKernelStatus("min_delay"),
        "counts": counts.tolist(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--side", choices=["brian2", "nest"], required=True)
    ap.add_argument("--input", required=True)
    ap.add_argument("--build-dir", help="Brian2's standalone project folder")
    a = ap.parse_args()
    with open(a.input) as f:
        inp = json.load(f)
    if a.side == "brian2":
        if not a.build_dir:
            sys.exit("--side brian2 needs --build-dir")
        out = run_brian2(inp, os.path.abspath(a.build_dir))
    else:
        # `import nest` prints a banner on stdout: the JSON line is the last.
        out = run_nest(inp)
    if len(out["counts"]) != inp["neurons"]:
        sys.exit(f"{a.side}: {len(out['counts'])} spike counts for {inp['neurons']} neurons")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
