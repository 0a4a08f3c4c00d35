#!/usr/bin/env python3
"""glif_cond beyond the committed reference cases: 60 generated cases (all five
levels; resolutions 1, 0.5, 0.1, 0.05, 0.025, 0.01 ms, the coarse ones making
NEST's RKF45 take several sub-steps per update step; 3 or 4 ports with
tau_syn down to 0.05 ms; strong excitatory and inhibitory conductance input,
most cases spiking, inputs during refractory periods) run in NEST 3.10 (as
make_nest_reference.py runs a case: pre-roll, dc_generator, spike_generators)
and through `glif nest --model glif_cond`, compared bit for bit. Nothing is
written to the repository.

    .venv-allensdk/bin/python scripts/nest/check_glif_cond.py [path/to/glif]

(default: target/release/glif, then target/debug/glif). Exit status 1 if any
case differs.
"""
import contextlib
import io
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
with contextlib.redirect_stdout(io.StringIO()):
    import make_nest_reference as m


def glif_binary():
    if len(sys.argv) > 1:
        return sys.argv[1]
    for kind in ("release", "debug"):
        p = os.path.join(REPO, "target", kind, "glif")
        if os.path.exists(p):
            return p
    sys.exit("build glif first (cargo build -p glif-cli) or pass its path")


GLIF = glif_binary()
TMP = tempfile.mkdtemp(prefix="glif-cond-check-")
rng = random.Random(7)
n_spikes = 0
results = []
n_cases = 0
for level in [1, 2, 3, 4, 5]:
    for res in [1.0, 0.5, 0.1, 0.05, 0.01, 0.025]:
        for variant in range(2):
            tau = [0.2, 2.0, m.TAU_M] if variant == 0 else [0.05, 1.0, 3.0, 10.0]
            erev = [0.0, -85.0, -70.0] if variant == 0 else [0.0, -90.0, 10.0, -60.0]
            params = dict(m.level_switches(level), tau_syn=tau, E_rev=erev, g_m=9.43)
            if variant == 1:
                params.update({"V_m": -70.0, "t_ref": 2.0, "C_m": 80.0, "E_L": -72.0})
            dur = 60.0 if res >= 0.05 else 20.0
            spikes = []
            for p in range(1, len(tau) + 1):
                ts, ws = [], []
                k = rng.randint(1, 10)
                step = max(res, 0.1)
                while k * step < dur:
                    t = round(k * step, 10)
                    # on the grid of res
                    if abs(round(t / res) * res - t) < 1e-9:
                        ts.append(t)
                        ws.append(round(rng.uniform(2.0, 25.0 if p == 1 else 10.0), 3))
                    k += rng.randint(3, 25)
                spikes.append({"port": p, "times": ts, "weights": ws})
            case = {"model": "glif_cond", "case": "x", "level": level, "resolution": res,
                    "duration": dur, "params": params, "dc": 150.0 if variant == 0 else 0.0,
                    "spikes": spikes}
            _, out = m.run_nest(case, True)
            open(os.path.join(TMP, "p.json"), "w").write(json.dumps(params))
            open(os.path.join(TMP, "s.json"), "w").write(json.dumps(spikes))
            r = subprocess.run([GLIF, "nest", "--model", "glif_cond", "--params", os.path.join(TMP, "p.json"),
                                "--spikes", os.path.join(TMP, "s.json"), "--resolution", repr(res),
                                "--duration", repr(dur), "--dc", repr(case["dc"]), "--force",
                                "--output", os.path.join(TMP, "out.json")], capture_output=True, text=True)
            assert r.returncode == 0, r.stderr
            got = json.load(open(os.path.join(TMP, "out.json")))
            n_cases += 1
            n_spikes += len(out["spike_times"])
            bad = []
            for k, v in out.items():
                g = got.get(k)
                if g is None or len(g) != len(v) or any(a != b for a, b in zip(g, v)):
                    nd = None if g is None else sum(1 for a, b in zip(g, v) if a != b)
                    bad.append((k, nd, len(v), None if g is None else len(g)))
            print(level, res, variant, "spikes", len(out["spike_times"]), "OK" if not bad else bad, flush=True)
            results.append(not bad)
print("%d of %d cases bit-identical (every recordable, times, spike times); %d output spikes"
      % (sum(results), n_cases, n_spikes))
sys.exit(0 if all(results) else 1)
