#!/usr/bin/env python
"""glif_rs.GlifNeuron.run() against AllenSDK's, side by side in one process;
glif_rs.run_many() against `glif batch` on the same models and stimulus.

For GLIF1..GLIF5 of specimen 313861677 (Teeter et al. 2018; the reference
case long_square: 240,000 samples at dt 5e-6 s, a 1 s step at 1.5x the
rheobase) it times run() with everything returned, in glif_rs and in
AllenSDK 2.16.2, the same work (every output, the same 240,000 samples), the
same rule on both sides (best of --repeats, each run on a neuron fresh from
from_dict), each level in a fresh Python process (this script again, with
--level), checks that every output is identical, and prints the ratio. Wall-clock timings on a
shared machine are noisy: the best of several runs is what is reported,
and ratios from one run of this script are what we quote.

    .venv-allensdk/bin/python scripts/python/bench_glif_rs.py [--repeats 3]

run_many: all 2,441 Teeter et al. 2018 configs (reference/teeter-all.jsonl.gz)
on one 1.2 s, 200 kHz stimulus (a 1 s step of 200 pA from 0.1 s, saved as
.npy so `glif batch --stimulus` reads the same samples), spikes only, in
this process (run_many from the parsed configs to the result dicts, with the
default exp="numpy" and with exp="libm") and as `glif batch` (the whole
command: reading the configs, running, writing the summary), best of
--many-repeats each; the ratio is run_many's time over glif batch's (target:
at most 1.5). Spike counts and first spike times of run_many(exp="libm")
are checked equal to glif batch's (both use libm's exp). --glif names the
binary (default target/release/glif; `cargo build --release -p glif-cli`).

Needs glif_rs installed in that venv (scripts/python/test_package.sh or
`pip install ./crates/glif-py 'numpy==1.23.5'`).
"""

import argparse
import copy
import gzip
import json
import pathlib
import sys
import time

import numpy as np

REFERENCE = pathlib.Path(__file__).resolve().parents[2] / "reference"


def stimulus(case):
    spec = case["stimulus"]
    assert spec["kind"] == "piecewise_constant"
    x = np.zeros(spec["n"])
    for a, b, v in spec["segments"]:
        x[a:b] = v
    return x


def bench_level(level, repeats):
    """One level's run() on both sides, in this process: a dict for main()."""
    import glif_rs
    from allensdk.model.glif.glif_neuron import GlifNeuron

    path = REFERENCE / "traces" / ("teeter_313861677_GLIF%d" % level) / "long_square.json.gz"
    with gzip.open(path, "rt") as f:
        case = json.load(f)
    stim = stimulus(case)

    def timed(cls):
        neuron = cls.from_dict(copy.deepcopy(case["config"]))
        neuron.dt = case["dt"]
        t0 = time.perf_counter()
        out = neuron.run(stim)
        return time.perf_counter() - t0, out

    # Alternate the sides, so neither always runs on memory the other left.
    t_theirs, t_ours = [], []
    out_theirs = out_ours = None
    for _ in range(repeats):
        t, out_theirs = timed(GlifNeuron)
        t_theirs.append(t)
        t, out_ours = timed(glif_rs.GlifNeuron)
        t_ours.append(t)
    identical = all(
        out_ours[k].dtype == out_theirs[k].dtype
        and np.array_equal(out_ours[k], out_theirs[k], equal_nan=True)
        for k in out_theirs
    )
    return {"level": level, "samples": len(stim), "spikes": len(out_ours["spike_time_steps"]),
            "allensdk_s": min(t_theirs), "glif_rs_s": min(t_ours),
            "ratio": min(t_theirs) / min(t_ours), "identical": identical, "repeats": repeats}


def best(f, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def bench_run_many(args):
    import glif_rs
    import subprocess
    import tempfile

    with gzip.open(REFERENCE / "teeter-all.jsonl.gz", "rt") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    configs = [line["config"] for line in lines]
    dt = 5e-6
    stim = np.zeros(240000)
    stim[20000:220000] = 2e-10
    glif = pathlib.Path(args.glif)
    if not glif.is_file():
        print("run_many: skipped: no glif binary at %s (cargo build --release -p glif-cli)" % glif)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        stim_path = pathlib.Path(tmp) / "stim.npy"
        np.save(stim_path, stim)
        summary = pathlib.Path(tmp) / "summary.json"
        cmd = [str(glif), "batch", "--configs", str(REFERENCE / "teeter-all.jsonl.gz"),
               "--stimulus", str(stim_path), "--dt", repr(dt), "--output", str(summary), "--force"]

        def batch():
            done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if done.returncode not in (0, 1):
                raise RuntimeError("glif batch failed: %s" % done.stderr.decode())
            return json.loads(summary.read_text())

        t_batch, rows = best(batch, args.many_repeats)
    t_numpy, _ = best(lambda: glif_rs.run_many(configs, stim, dt=dt, record="spikes"), args.many_repeats)
    t_libm, results = best(lambda: glif_rs.run_many(configs, stim, dt=dt, record="spikes", exp="libm"),
                           args.many_repeats)
    by_file = {r["file"]: r for r in rows["rows"]}
    agree = 0
    for line, r in zip(lines, results):
        row = by_file[line["file"]]
        if isinstance(r, BaseException):
            agree += int(row["outcome"] == "error")
            continue
        first = float(r["interpolated_spike_times"][0]) if len(r["interpolated_spike_times"]) else None
        agree += int(row["spike_count"] == len(r["spike_time_steps"]) and row["first_spike_time_s"] == first)
    steps = len(configs) * len(stim)
    print()
    print("run_many vs glif batch: %d configs x %d samples (%.0f million neuron-steps), spikes only, "
          "best of %d" % (len(configs), len(stim), steps / 1e6, args.many_repeats))
    print("%-28s %8s %8s" % ("", "s", "ratio"))
    print("%-28s %8.3f %8s" % ("glif batch", t_batch, "1.00"))
    print("%-28s %8.3f %7.2fx" % ("run_many (exp=numpy)", t_numpy, t_numpy / t_batch))
    print("%-28s %8.3f %7.2fx" % ("run_many (exp=libm)", t_libm, t_libm / t_batch))
    print("spike counts and first spike times equal to glif batch's: %d of %d" % (agree, len(configs)))
    return {"configs": len(configs), "samples": len(stim), "glif_batch_s": t_batch,
            "run_many_numpy_s": t_numpy, "run_many_libm_s": t_libm,
            "ratio_numpy": t_numpy / t_batch, "ratio_libm": t_libm / t_batch,
            "agree": agree, "identical": agree == len(configs)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3,
                   help="runs per level on each side, glif_rs and AllenSDK alike (best is kept)")
    p.add_argument("--level", type=int, choices=range(1, 6),
                   help="time one level in this process and print it as JSON (used by the script itself)")
    p.add_argument("--many-repeats", type=int, default=3, help="run_many / glif batch runs (best is kept)")
    p.add_argument("--glif", default=str(REFERENCE.parent / "target" / "release" / "glif"),
                   help="the glif binary for the run_many comparison")
    p.add_argument("--only", choices=["run", "run_many"], help="run one of the two benchmarks")
    p.add_argument("--json", help="also write the numbers to this file")
    args = p.parse_args()
    if args.only == "run_many":
        many = bench_run_many(args)
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps({"run_many": many}, indent=1))
        return 0 if many is None or many["identical"] else 1

    if args.level:
        print(json.dumps(bench_level(args.level, args.repeats)))
        return 0
    import subprocess

    rows = []
    print("GlifNeuron.run(), 240,000 samples, everything returned on both sides; best of %d runs "
          "on both sides, each on a neuron fresh from from_dict; each level in a fresh process"
          % args.repeats)
    print("%-6s %10s %12s %10s %10s  %s" % ("level", "spikes", "AllenSDK s", "glif_rs s", "ratio", "outputs"))
    for level in range(1, 6):
        done = subprocess.run([sys.executable, __file__, "--level", str(level),
                               "--repeats", str(args.repeats)],
                              stdout=subprocess.PIPE, check=True)
        rows.append(json.loads(done.stdout.decode().strip().splitlines()[-1]))
        r = rows[-1]
        print("GLIF%-2d %10d %12.3f %10.5f %9.0fx  %s" % (level, r["spikes"], r["allensdk_s"], r["glif_rs_s"],
                                                          r["ratio"], "identical" if r["identical"] else "DIFFERENT"))
    many = None if args.only == "run" else bench_run_many(args)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"run": rows, "run_many": many}, indent=1))
    ok = all(r["identical"] for r in rows) and (many is None or many["identical"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
