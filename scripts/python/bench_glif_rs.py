#!/usr/bin/env python
"""glif_rs.GlifNeuron.run() against AllenSDK's, side by side in one process.

For GLIF1..GLIF5 of specimen 313861677 (Teeter et al. 2018; the reference
case long_square: 240,000 samples at dt 5e-6 s, a 1 s step at 1.5x the
rheobase) it times run() with everything returned, in glif_rs (best of
--repeats) and in AllenSDK 2.16.2 (best of --allensdk-repeats), checks that
every output is identical, and prints the ratio. Wall-clock timings on a
shared machine are noisy: the best of several runs is what is reported,
and ratios from one run of this script are what we quote.

    .venv-allensdk/bin/python scripts/python/bench_glif_rs.py [--repeats 20] [--allensdk-repeats 3]

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


def best(f, repeats):
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=20, help="glif_rs runs per level (best is kept)")
    p.add_argument("--allensdk-repeats", type=int, default=3, help="AllenSDK runs per level (best is kept)")
    p.add_argument("--json", help="also write the numbers to this file")
    args = p.parse_args()

    import glif_rs
    from allensdk.model.glif.glif_neuron import GlifNeuron

    rows = []
    print("GlifNeuron.run(), 240,000 samples, everything returned (best of %d glif_rs / %d AllenSDK runs)"
          % (args.repeats, args.allensdk_repeats))
    print("%-6s %10s %12s %10s %10s  %s" % ("level", "spikes", "AllenSDK s", "glif_rs s", "ratio", "outputs"))
    for level in range(1, 6):
        path = REFERENCE / "traces" / ("teeter_313861677_GLIF%d" % level) / "long_square.json.gz"
        with gzip.open(path, "rt") as f:
            case = json.load(f)
        stim = stimulus(case)
        theirs = GlifNeuron.from_dict(copy.deepcopy(case["config"]))
        theirs.dt = case["dt"]
        ours = glif_rs.GlifNeuron.from_dict(copy.deepcopy(case["config"]))
        ours.dt = case["dt"]
        t_theirs, out_theirs = best(lambda: theirs.run(stim), args.allensdk_repeats)
        t_ours, out_ours = best(lambda: ours.run(stim), args.repeats)
        identical = all(
            out_ours[k].dtype == out_theirs[k].dtype
            and np.array_equal(out_ours[k], out_theirs[k], equal_nan=True)
            for k in out_theirs
        )
        ratio = t_theirs / t_ours
        rows.append({"level": level, "samples": len(stim), "spikes": len(out_ours["spike_time_steps"]),
                     "allensdk_s": t_theirs, "glif_rs_s": t_ours, "ratio": ratio, "identical": identical})
        print("GLIF%-2d %10d %12.3f %10.5f %9.0fx  %s" % (level, rows[-1]["spikes"], t_theirs, t_ours, ratio,
                                                          "identical" if identical else "DIFFERENT"))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if all(r["identical"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
