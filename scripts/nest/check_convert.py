#!/usr/bin/env python3
"""Check `glif convert --to nest` against NEST 3.10 itself.

    .venv-allensdk/bin/python scripts/nest/check_convert.py --glif target/release/glif [--spikes N]

1. Every config of reference/configs (the published levels) and all 2,441
   Teeter configs (reference/teeter-all.jsonl.gz) are converted with
   `glif convert --to nest` for glif_psc, glif_psc_double_alpha and
   glif_cond. Each dict glif writes must be accepted by NEST
   (`nest.Create(model, params=dict)`); each conversion glif refuses must be
   one NEST refuses too (the unconverted v_before fraction outside [0, 1],
   set directly in NEST, must raise).
2. For the first N converted reference configs (default 10), glif_psc with a
   DC of 1.5x rheobase-ish current (300 pA) for 200 ms at 0.1 ms: NEST's
   spike times (dc_generator with the pre-roll protocol of
   make_nest_reference.py) must equal `glif nest`'s, bit for bit.

Prints counts; exit 1 on any failure. Only the standard library and nest.
"""
import argparse
import contextlib
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

with contextlib.redirect_stdout(io.StringIO()):
    import nest

import make_nest_reference as ref  # noqa: E402  (the same NEST run protocol)

MODELS = ["glif_psc", "glif_psc_double_alpha", "glif_cond"]


def convert(glif, path, model, model_id=None):
    cmd = [glif, "convert", "--to", "nest", "--config", path, "--model", model]
    if model_id:
        cmd += ["--model-id", model_id]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        return json.loads(r.stdout), None
    return None, r.stderr.strip()


def nest_accepts(model, params):
    nest.ResetKernel()
    nest.verbosity = nest.VerbosityLevel.ERROR
    try:
        nest.Create(model, params=params)
        return True
    except nest.NESTError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--glif", required=True)
    ap.add_argument("--spikes", type=int, default=10)
    ap.add_argument("--skip-teeter", action="store_true", help="only the reference configs")
    a = ap.parse_args()
    with open(os.path.join(REPO, "reference", "configs", "index.json")) as f:
        index = json.load(f)
    items = [(e["key"], os.path.join(REPO, "reference", e["file"]), None) for e in index]
    tmp = tempfile.mkdtemp(prefix="glif-convert-")
    with gzip.open(os.path.join(REPO, "reference", "teeter-all.jsonl.gz"), "rt") as f:
        for i, line in enumerate([] if a.skip_teeter else f):
            doc = json.loads(line)
            p = os.path.join(tmp, "%04d.json" % i)
            with open(p, "w") as g:
                json.dump(doc["config"], g)
            items.append((doc["file"], p, None))
    ok = refused = bad = 0
    converted_refs = []
    for key, path, mid in items:
        for model in MODELS:
            d, err = convert(a.glif, path, model, mid)
            if d is not None:
                if nest_accepts(model, d):
                    ok += 1
                    if model == "glif_psc" and not key.endswith(".json"):
                        converted_refs.append((key, path, d))
                else:
                    bad += 1
                    print("NEST REFUSES", key, model)
            elif "not a published GLIF level" in err:
                pass  # reference configs with non-published method combinations
            elif "voltage_reset_fraction" in err:
                # NEST must refuse it too: set the raw fraction directly.
                with open(path) as f:
                    cfg = json.load(f)
                if mid is None and len(cfg) == 1:
                    cfg = next(iter(cfg.values()))
                frac = cfg["voltage_reset_method"]["params"]["a"]
                if nest_accepts(model, {"spike_dependent_threshold": True, "voltage_reset_fraction": frac}):
                    bad += 1
                    print("glif refused but NEST accepts", key, model, err)
                else:
                    refused += 1
            else:
                bad += 1
                print("ERROR", key, model, err)
    print("%d dicts accepted by NEST, %d conversions refused as NEST refuses them, %d failures"
          % (ok, refused, bad))
    same = n_spikes = 0
    for key, path, d in converted_refs[: a.spikes]:
        case = {"model": "glif_psc", "case": key, "resolution": 0.1, "duration": 200.0,
                "params": d, "dc": 300.0, "spikes": []}
        _, out = ref.run_nest(case, True)
        p = os.path.join(tmp, "p.json")
        o = os.path.join(tmp, "o.json")
        with open(p, "w") as g:
            json.dump(d, g)
        r = subprocess.run([a.glif, "nest", "--model", "glif_psc", "--params", p, "--resolution", "0.1",
                            "--duration", "200", "--dc", "300", "--output", o, "--force"],
                           capture_output=True, text=True)
        if r.returncode != 0:
            bad += 1
            print("glif nest failed", key, r.stderr)
            continue
        with open(o) as g:
            mine = json.load(g)
        if mine["spike_times"] == out["spike_times"] and mine["V_m"] == out["V_m"]:
            same += 1
            n_spikes += len(out["spike_times"])
        else:
            bad += 1
            print("DIFF", key, len(mine["spike_times"]), len(out["spike_times"]))
    print("%d of %d converted reference models: NEST's spike times (%d spikes) and V_m equal glif nest's"
          % (same, min(a.spikes, len(converted_refs)), n_spikes))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
