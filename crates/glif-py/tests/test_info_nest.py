"""glif_rs.info, glif_rs.to_nest and glif_rs.nest.run against the `glif`
command on the same inputs (`glif info`, `glif convert --to nest`,
`glif nest`), and glif_rs.nest.run against NEST 3.10 itself (PyNEST, run in
a subprocess of this venv's interpreter with the protocol of
scripts/nest/make_nest_reference.py).

The `glif` binary is $GLIF_BIN, else target/release/glif or
target/debug/glif (scripts/python/test_package.sh builds it); NEST is the
venv's nest-simulator 3.10. Without either these tests fail under CI
(CI=true or CI=1) and skip, saying why, otherwise."""

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

import glif_rs

REPO = pathlib.Path(__file__).resolve().parents[3]
CONFIGS = REPO / "reference" / "configs"


def in_ci():
    return os.environ.get("CI", "") in ("true", "1")


def missing(reason):
    if in_ci():
        pytest.fail("%s (required under CI=%s)" % (reason, os.environ["CI"]))
    pytest.skip(reason)


@pytest.fixture(scope="session")
def glif():
    candidates = [os.environ.get("GLIF_BIN")] + [
        str(REPO / "target" / p / "glif") for p in ("release", "debug")
    ]
    for c in candidates:
        if c and os.access(c, os.X_OK):
            return c
    missing("no glif binary (set GLIF_BIN or run `cargo build -p glif-cli`)")


def cli(glif, *args):
    r = subprocess.run([glif, *map(str, args)], capture_output=True, text=True)
    assert r.returncode in (0, 2), r.stderr
    return r


# ---------------------------------------------------------------- info

INFO_CASES = [
    ("osb/486557295_neuron_config.json", 5e-6),  # GLIF1
    ("osb/486558431_neuron_config.json", 5e-6),  # GLIF2
    ("osb/485904755_neuron_config.json", 5e-6),  # GLIF3
    ("osb/486052403_neuron_config.json", 5e-6),  # GLIF4
    ("osb/566283540_neuron_config.json", 5e-6),  # GLIF5
    ("bmtk/637930677_lif_r_asc_a.json", 5e-6),  # GLIF5, bmtk's copy
    ("osb/486557295_neuron_config.json", 0.05),  # forward Euler unstable at this dt
]


def si_value(line):
    """The exact value `glif info` prints in parentheses after the
    rounded one ("17.623518 ms  (1.7623518170235906e-2 s)"), or the bare
    value for 0 ("0 A"). Rust's `{:e}` is the shortest text that reads back
    to the same f64, so float() gives the bits back."""
    m = re.search(r"\(([-+0-9.e]+) [^)]*\)\s*$", line)
    if m:
        return float(m.group(1))
    return float(line.split()[-2])


def cli_row(text, label):
    (line,) = [l for l in text.splitlines() if l.strip().startswith(label)]
    return si_value(line)


def sci_close(printed, value):
    # glif-io's `sci` prints 4 significant digits: half a unit in the 4th.
    return abs(printed - value) <= 5e-4 * abs(value)


def check_info_against_cli(glif, path, dt):
    ours = glif_rs.info(path, dt=dt)
    text = cli(glif, "info", "--config", path, "--dt", repr(dt)).stdout
    assert "Level: " + ours["level_name"] in text
    assert ours["dt"] == dt
    for label, key in [
        ("tau_m = R_input*C", "tau_m"),
        ("G*coeffs.G", "conductance"),
        ("C*coeffs.C", "capacitance"),
        ("th_inf*coeffs.th_inf", "threshold_at_rest"),
        ("rheobase (LIF)", "rheobase_lif"),
    ]:
        assert cli_row(text, label) == ours[key], label
    if ours["threshold_voltage_ratio"] is not None and ours["rheobase"] is not None:
        assert cli_row(text, "rheobase (adapting)") == ours["rheobase"]
    else:
        assert "rheobase (adapting)" not in text
    assert (ours["euler_warning"] is not None) == ("forward Euler" in text)
    if ours["euler_warning"]:
        assert ours["euler_warning"] in text
    if ours["reset_risk"]:
        assert ours["reset_risk"] in text
    assert ours["valid"] == ("Validation: the parameters are valid" in text)
    for p in ours["problems"]:
        assert p in text
    # The DC scan line.
    (dc,) = [l for l in text.splitlines() if l.strip().startswith("- DC steps of")]
    scan = ours["dc_scan"]
    assert len(scan["amplitudes"]) == len(scan["spike_counts"]) == len(scan["bad_reset"]) == 100
    if ours["dc_clean_range"] is None:
        assert "no DC amplitude tried makes it spike without a bad reset" in dc
    else:
        lo, hi = map(float, re.search(r"from (\S+) to (\S+) pA;", dc).groups())
        assert sci_close(lo, ours["dc_clean_range"][0] * 1e12)
        assert sci_close(hi, ours["dc_clean_range"][1] * 1e12)
        # The range is where the scan's runs spiked without a bad reset.
        i = list(scan["amplitudes"]).index(ours["dc_clean_range"][0])
        assert scan["spike_counts"][i] > 0 and not scan["bad_reset"][i]
    if ours["dc_first_bad_reset"] is None:
        assert dc.endswith("; no bad reset")
        assert not scan["bad_reset"].any()
    else:
        (x,) = re.search(r"a bad reset from (\S+) pA on", dc).groups()
        assert sci_close(float(x), ours["dc_first_bad_reset"] * 1e12)
    return ours


@pytest.mark.parametrize("rel,dt", INFO_CASES)
def test_info_equals_glif_info(glif, rel, dt):
    ours = check_info_against_cli(glif, CONFIGS / rel, dt)
    # The same numbers from a dict and from a GlifNeuron (its own dt is
    # overridden by `dt`, as glif info's --dt overrides the file's).
    config = glif_rs.read_config(CONFIGS / rel)
    from_dict = glif_rs.info(config, dt=dt)
    from_neuron = glif_rs.info(glif_rs.GlifNeuron.from_dict(config), dt=dt)
    for other in (from_dict, from_neuron):
        for key in ("tau_m", "rheobase", "rheobase_lif", "euler_step_ratio", "dc_clean_range"):
            assert other[key] == ours[key], key
        assert np.array_equal(other["dc_scan"]["spike_counts"], ours["dc_scan"]["spike_counts"])


def test_info_reports_a_bad_reset_like_glif_info(glif, tmp_path):
    # A GLIF2 whose v_before reset lands above the threshold: the reset
    # rule's risk and the DC scan's bad resets, as glif info reports them.
    config = glif_rs.read_config(CONFIGS / "osb/486558431_neuron_config.json")
    config["voltage_reset_method"]["params"]["a"] = 1.5
    config["voltage_reset_method"]["params"]["b"] = 0.01
    path = tmp_path / "bad_reset.json"
    path.write_text(json.dumps(config))
    ours = check_info_against_cli(glif, path, 5e-6)
    assert ours["reset_risk"] is not None
    assert ours["dc_first_bad_reset"] is not None
    assert ours["dc_scan"]["bad_reset"].any()


def test_info_rejects_bad_arguments():
    path = CONFIGS / "osb/566283540_neuron_config.json"
    with pytest.raises(ValueError, match=r"^dt: found -1"):
        glif_rs.info(path, dt=-1.0)
    with pytest.raises(KeyError, match="R_input"):
        config = glif_rs.read_config(path)
        del config["R_input"]
        glif_rs.info(config)
    with pytest.raises(FileNotFoundError):
        glif_rs.info(REPO / "no-such-config.json")


# ---------------------------------------------------------------- to_nest

TO_NEST_CASES = [
    ("osb/486557295_neuron_config.json", "glif_psc", []),
    ("osb/486558431_neuron_config.json", "glif_cond", ["--tau-syn", "2,5", "--e-rev", "0,-80"]),
    ("osb/566283540_neuron_config.json", "glif_psc", ["--tau-syn", "5.5,8.5"]),
    (
        "osb/486052403_neuron_config.json",
        "glif_psc_double_alpha",
        ["--tau-syn", "1,2", "--tau-syn-slow", "5,8", "--amp-slow", "0.3,0.2"],
    ),
]


def syn_kwargs(args):
    kw = {}
    for flag, value in zip(args[::2], args[1::2]):
        kw[flag[2:].replace("-", "_")] = [float(x) for x in value.split(",")]
    return kw


@pytest.mark.parametrize("rel,model,args", TO_NEST_CASES)
def test_to_nest_equals_glif_convert(glif, rel, model, args):
    r = cli(glif, "convert", "--to", "nest", "--config", CONFIGS / rel, "--model", model, *args)
    assert r.returncode == 0, r.stderr
    theirs = json.loads(r.stdout)
    ours = glif_rs.to_nest(CONFIGS / rel, model=model, **syn_kwargs(args))
    assert ours == theirs
    # Floats equal as values and as bits (json reads Rust's shortest text back exactly).
    for k, v in theirs.items():
        assert repr(ours[k]) == repr(v), k


def test_to_nest_refuses_what_glif_convert_refuses():
    with pytest.raises(ValueError, match=r"^model: found glif_lif, expected"):
        glif_rs.to_nest(CONFIGS / "osb/486557295_neuron_config.json", model="glif_lif")
    with pytest.raises(ValueError, match="tau_syn"):
        glif_rs.to_nest(CONFIGS / "osb/486557295_neuron_config.json", tau_syn=[-1.0])


# ---------------------------------------------------------------- nest.run

def nest_cases():
    """Inputs covering the three models, DC, spikes on several ports and a
    step current: (name, model, params, resolution, duration, dc, spikes, current)."""
    g5 = CONFIGS / "osb/566283540_neuron_config.json"
    g2 = CONFIGS / "osb/486558431_neuron_config.json"
    g4 = CONFIGS / "osb/486052403_neuron_config.json"
    spikes2 = [
        {"port": 1, "times": [2.0, 5.5, 5.5, 12.3, 40.0], "weights": [300.0, 250.0, 100.0, 500.0, 800.0]},
        {"port": 2, "times": [3.1, 20.0, 33.3], "weights": [-200.0, 150.0, 600.0]},
    ]
    cond_spikes = [
        {"port": 1, "times": [2.0, 5.5, 12.3, 40.0], "weights": [30.0, 25.0, 50.0, 80.0]},
        {"port": 2, "times": [3.1, 20.0], "weights": [20.0, 15.0]},
    ]
    current = {"amplitude_times": [10.0, 30.0, 60.0], "amplitude_values": [250.0, 0.0, 400.0], "delay": 1.0}
    return [
        ("psc_dc", "glif_psc", glif_rs.to_nest(g5), 0.1, 100.0, 300.0, None, None),
        (
            "psc_spikes",
            "glif_psc",
            glif_rs.to_nest(g5, tau_syn=[2.0, 5.0]),
            0.1,
            60.0,
            120.0,
            spikes2,
            None,
        ),
        (
            "double_alpha_current",
            "glif_psc_double_alpha",
            glif_rs.to_nest(g4, model="glif_psc_double_alpha", tau_syn=[1.0, 2.0], tau_syn_slow=[5.0, 8.0], amp_slow=[0.3, 0.2]),
            0.05,
            80.0,
            50.0,
            spikes2,
            current,
        ),
        (
            "cond_spikes",
            "glif_cond",
            glif_rs.to_nest(g2, model="glif_cond", tau_syn=[2.0, 5.0], e_rev=[0.0, -80.0]),
            0.1,
            60.0,
            200.0,
            cond_spikes,
            None,
        ),
    ]


def bits(a):
    return np.asarray(a, dtype="<f8").view("<u8")


def assert_bit_identical(ours, theirs, what):
    assert sorted(ours) == sorted(theirs), what
    for k in theirs:
        assert ours[k].dtype == np.float64, (what, k)
        assert np.array_equal(bits(ours[k]), bits(theirs[k])), (what, k)


@pytest.mark.parametrize("case", nest_cases(), ids=lambda c: c[0])
def test_nest_run_equals_glif_nest(glif, tmp_path, case):
    name, model, params, res, dur, dc, spikes, current = case
    p = tmp_path / "p.json"
    p.write_text(json.dumps(params))
    args = ["nest", "--model", model, "--params", p, "--resolution", repr(res), "--duration", repr(dur)]
    args += ["--dc", repr(dc), "--output", tmp_path / "out.json"]
    if spikes is not None:
        (tmp_path / "s.json").write_text(json.dumps(spikes))
        args += ["--spikes", tmp_path / "s.json"]
    if current is not None:
        (tmp_path / "c.json").write_text(json.dumps(current))
        args += ["--current", tmp_path / "c.json"]
    r = cli(glif, *args)
    assert r.returncode == 0, r.stderr
    theirs = {k: np.asarray(v, dtype=np.float64) for k, v in json.loads((tmp_path / "out.json").read_text()).items()}
    ours = glif_rs.nest.run(model, params, res, dur, dc=dc, spikes=spikes, current=current)
    assert_bit_identical(ours, theirs, name)
    assert len(ours["times"]) == round(dur / res)


def test_nest_run_takes_numpy_inputs_and_names_bad_arguments():
    params = glif_rs.to_nest(CONFIGS / "osb/566283540_neuron_config.json", tau_syn=[2.0, 5.0])
    listed = glif_rs.nest.run("glif_psc", params, 0.1, 20.0, spikes=[{"port": 2, "times": [1.0, 3.0], "weights": [400.0, 400.0]}])
    arrays = glif_rs.nest.run(
        "glif_psc", params, 0.1, 20.0, spikes=[{"port": 2, "times": np.array([1.0, 3.0]), "weights": np.array([400.0, 400.0])}]
    )
    assert_bit_identical(arrays, listed, "numpy spikes")
    with pytest.raises(ValueError, match=r"^resolution: found -0.1"):
        glif_rs.nest.run("glif_psc", params, -0.1, 20.0)
    with pytest.raises(ValueError, match=r"^duration: found 20.05"):
        glif_rs.nest.run("glif_psc", params, 0.1, 20.05)
    with pytest.raises(ValueError, match=r"^spikes\[0\]\.port: found 3"):
        glif_rs.nest.run("glif_psc", params, 0.1, 20.0, spikes=[{"port": 3, "times": [1.0], "weights": [1.0]}])
    with pytest.raises(ValueError, match=r"^model: found glif_lif, expected"):
        glif_rs.nest.run("glif_lif", params, 0.1, 20.0)
    with pytest.raises(ValueError, match=r'^precision: found "f16"'):
        glif_rs.nest.run("glif_psc", params, 0.1, 20.0, precision="f16")


# The PyNEST side: make_nest_reference.run_nest (pre-roll protocol, which
# reproduces NEST's run from the first step on) for each case, in a
# subprocess so that NEST's kernel and banner stay out of this process.
PYNEST = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import make_nest_reference as ref
cases = json.load(sys.stdin)
out = {}
for c in cases:
    _, o = ref.run_nest(c, True)
    out[c["case"]] = {k: [float(x) for x in v] for k, v in o.items()}
json.dump(out, sys.stdout)
"""


def test_nest_run_equals_pynest():
    probe = subprocess.run([sys.executable, "-c", "import nest"], capture_output=True, text=True)
    if probe.returncode != 0:
        missing("NEST 3.10 (nest-simulator) is not importable in %s: %s" % (sys.executable, probe.stderr.strip()[-200:]))
    cases = [
        {"case": c[0], "model": c[1], "params": c[2], "resolution": c[3], "duration": c[4], "dc": c[5],
         "spikes": c[6] or [], **({"current": c[7]} if c[7] else {})}
        for c in nest_cases()
    ]
    r = subprocess.run(
        [sys.executable, "-c", PYNEST, str(REPO / "scripts" / "nest")],
        input=json.dumps(cases), capture_output=True, text=True,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    theirs = json.loads(r.stdout)
    for c in cases:
        ours = glif_rs.nest.run(c["model"], c["params"], c["resolution"], c["duration"], dc=c["dc"],
                                spikes=c["spikes"], current=c.get("current"))
        want = {k: np.asarray(v, dtype=np.float64) for k, v in theirs[c["case"]].items()}
        assert_bit_identical(ours, want, c["case"])
        assert len(ours["spike_times"]) > 0, c["case"]  # each case exercises spiking
