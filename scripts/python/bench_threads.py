"""Two Python threads running two glif_rs models: the speed-up over one
thread, spikes only and with everything recorded, and what limits the
recorded case.

    python scripts/python/bench_threads.py [--steps 4000000] [--repeats 7]

Needs glif_rs installed (scripts/python/test_package.sh builds the wheel).
Prints the machine's load average before and after: on a shared machine
the figures are only as good as the idle cores were.

What it measures, per record mode (best of --repeats, wall clock):
- one: one GLIF5 run() of --steps samples, on this thread;
- two threads: two such runs (two different GLIF5 models) at once, one
  per thread (run() releases the GIL for the whole computation);
- two processes: the same two runs, one per process (no shared address
  space: no shared page tables, no shared allocator);
and, to find what keeps the recorded case below 2x, the minor page faults
of one recorded run (getrusage) and the time two threads take to fill
fresh arrays of the recorded run's size (numpy's fill releases the GIL):
what allocating and first-touching the output memory costs on its own.
"""

import argparse
import concurrent.futures as cf
import json
import multiprocessing as mp
import os
import pathlib
import resource
import threading
import time

import numpy as np

import glif_rs

REPO = pathlib.Path(__file__).resolve().parents[2]
CONFIGS = ("osb_566283540_GLIF5", "teeter_313862134_GLIF5")


def config(key):
    index = json.loads((REPO / "reference" / "configs" / "index.json").read_text())
    (entry,) = [e for e in index if e["key"] == key]
    return json.loads((REPO / "reference" / entry["file"]).read_text())


def neuron(key):
    n = glif_rs.GlifNeuron.from_dict(config(key))
    n.dt = 5e-6
    return n


def stimulus(steps):
    x = np.full(steps, 1.5e-10)
    x[: steps // 10] = 0.0
    return x


def best(f, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def in_threads(calls):
    threads = [threading.Thread(target=c) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def _run_in_process(args):
    key, steps, record = args
    n = neuron(key)
    x = stimulus(steps)
    t0 = time.perf_counter()
    n.run(x, record=record)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=4_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    print("date %s UTC, load average before %s, %d cores"
          % (time.strftime("%Y-%m-%d %H:%M", time.gmtime()), os.getloadavg(), os.cpu_count()))
    neurons = [neuron(k) for k in CONFIGS]
    x = stimulus(a.steps)
    ctx = mp.get_context("spawn")
    with cf.ProcessPoolExecutor(2, mp_context=ctx) as pool:
        # Start both workers (imports) before timing.
        list(pool.map(_run_in_process, [(k, 1000, "spikes") for k in CONFIGS]))
        for record in ("spikes", "all"):
            one = best(lambda: neurons[0].run(x, record=record), a.repeats)
            two = best(lambda: in_threads([lambda n=n: n.run(x, record=record) for n in neurons]),
                       a.repeats)
            procs = best(lambda: list(pool.map(_run_in_process,
                                               [(k, a.steps, record) for k in CONFIGS])),
                         a.repeats)
            print("record=%-6s one %.1f ms, two threads %.1f ms (speed-up %.2fx), "
                  "two processes %.1f ms incl. process round trip (speed-up %.2fx)"
                  % (record, one * 1e3, two * 1e3, 2 * one / two, procs * 1e3, 2 * one / procs))
    # What one recorded run costs in page faults, and filling fresh memory
    # of its size (voltage, threshold, two currents: 4 float64 per step).
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    neurons[0].run(x)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    size = 4 * a.steps

    def fill():
        np.full(size, 1.0)

    one_fill = best(fill, a.repeats)
    two_fill = best(lambda: in_threads([fill, fill]), a.repeats)
    print("one recorded run: %d minor page faults (%.0f MB of output)" % (faults, size * 8 / 1e6))
    print("filling fresh %.0f MB arrays: one %.1f ms, two threads %.1f ms (speed-up %.2fx)"
          % (size * 8 / 1e6, one_fill * 1e3, two_fill * 1e3, 2 * one_fill / two_fill))
    print("load average after %s" % (os.getloadavg(),))


if __name__ == "__main__":
    main()
