"""glif_rs.run_many: each model gives what AllenSDK's GlifNeuron.run gives
for it (compared directly, in this process), and what its own
GlifNeuron.run gives, on a shared stimulus or one stimulus per model;
errors belong to their model, not to the batch."""

import copy
import gzip
import json

import numpy as np
import pytest

import glif_rs
from conftest import REFERENCE, assert_same_run, ticks_while

DT = 5e-6

# Teeter models whose run on square() ends in a bad reset (glif-io's batch
# test lists the same three).
BAD_RESETS = (
    "482809953_Nr5a1-Cre_GLIF5_neuron_config.json",
    "509881736_Ctgf-2A-dgCre_GLIF2_neuron_config.json",
    "522723828_Ctgf-2A-dgCre_GLIF2_neuron_config.json",
)


def teeter():
    with gzip.open(REFERENCE / "teeter-all.jsonl.gz", "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def square(n=60000, start=20000, stop=60000, amp=2e-10):
    x = np.zeros(n)
    x[start:stop] = amp
    return x


@pytest.fixture(scope="module")
def configs():
    """18 Teeter configs of each level (one full population block of 16 and
    a padded one) and the bad-reset ones, each with dt = DT."""
    lines = teeter()
    assert len(lines) == 2441
    chosen = [l["config"] for l in lines if l["file"] in BAD_RESETS]
    for level in range(1, 6):
        chosen += [l["config"] for l in lines if "_GLIF%d_" % level in l["file"]][:18]
    out = []
    for c in chosen:
        c = copy.deepcopy(c)
        c["dt"] = DT
        out.append(c)
    return out


def own_run(config, stim, **kwargs):
    neuron = glif_rs.GlifNeuron.from_dict(copy.deepcopy(config))
    neuron.dt = DT
    return neuron.run(stim, **kwargs)


@pytest.mark.parametrize("record", ["all", "spikes"])
def test_each_model_equals_its_own_run(configs, record):
    stim = square()
    results = glif_rs.run_many(configs, stim, dt=DT, record=record, threads=2)
    assert len(results) == len(configs)
    bad = 0
    for config, got in zip(configs, results):
        assert isinstance(got, dict), got
        want = own_run(config, stim, record=record)
        assert_same_run(got, want)
        bad += int(np.isnan(want["voltage"][-1])) if record == "all" else 0
    if record == "all":
        assert bad >= len(BAD_RESETS)


def allensdk_run(allensdk, config, stim):
    glif_neuron, _ = allensdk
    neuron = glif_neuron.GlifNeuron.from_dict(copy.deepcopy(config))
    neuron.dt = DT
    return neuron.run(stim)


def test_each_model_equals_allensdks_run(configs, allensdk):
    """run_many against AllenSDK itself: every output of every model equal
    in dtype, shape and value (numpy's exp, the default), bad resets
    included. AllenSDK needs ~10 us per step, so the stimulus is shorter
    than square()'s (the same step, 0.1 s)."""
    stim = square(n=20000, start=4000, stop=20000)
    results = glif_rs.run_many(configs, stim, dt=DT, threads=2)
    assert len(results) == len(configs)
    spikes = 0
    for config, got in zip(configs, results):
        assert isinstance(got, dict), got
        theirs = allensdk_run(allensdk, config, stim)
        assert_same_run(got, theirs)
        spikes += len(theirs["spike_time_steps"])
    assert spikes > 0


def test_one_stimulus_per_model_equals_allensdk(configs, allensdk):
    """One stimulus per model (different amplitudes), against AllenSDK."""
    chosen = configs[::9]
    stims = [square(n=8000, start=1000, stop=8000, amp=a)
             for a in np.linspace(1e-10, 4e-10, len(chosen))]
    results = glif_rs.run_many(chosen, stims, dt=DT, threads=2)
    for config, stim, got in zip(chosen, stims, results):
        assert_same_run(got, allensdk_run(allensdk, config, stim))


def test_neurons_keyed_dicts_and_default_dt(configs):
    stim = square(n=8000, start=1000, stop=7000)
    neurons = []
    for c in configs[:20]:
        n = glif_rs.GlifNeuron.from_dict(copy.deepcopy(c))
        n.dt = DT
        neurons.append(n)
    keyed = {"123": copy.deepcopy(configs[20])}
    # dt=None: every model's dt is DT, so it is the batch's.
    results = glif_rs.run_many(neurons + [keyed], stim)
    for n, got in zip(neurons, results):
        assert_same_run(got, n.run(stim))
    assert_same_run(results[-1], own_run(configs[20], stim))


def test_exp_libm_equals_run_with_exp_libm(configs):
    stim = square(n=8000, start=1000, stop=7000)
    results = glif_rs.run_many(configs[::7], stim, dt=DT, exp="libm")
    for config, got in zip(configs[::7], results):
        assert_same_run(got, own_run(config, stim, exp="libm"))


def test_one_stimulus_per_model(configs):
    chosen = configs[::9]
    stimuli = [square(n=6000 + 500 * i, start=1000, stop=5000, amp=1e-10 + 3e-11 * i)
               for i in range(len(chosen))]
    for arg in (stimuli, [s.tolist() for s in stimuli]):
        results = glif_rs.run_many(chosen, arg, dt=DT)
        for config, stim, got in zip(chosen, stimuli, results):
            assert_same_run(got, own_run(config, stim))
    # A 2-D array: one row per model.
    rows = np.stack([square(n=5000, amp=1e-10 * (i + 1)) for i in range(3)])
    results = glif_rs.run_many(chosen[:3], rows, dt=DT)
    for config, row, got in zip(chosen[:3], rows, results):
        assert_same_run(got, own_run(config, row))
    with pytest.raises(ValueError, match="stimulus_or_stimuli: found 2 stimuli for 3 models"):
        glif_rs.run_many(chosen[:3], stimuli[:2], dt=DT)


def test_errors_belong_to_their_model(configs):
    good = configs[0]
    missing = copy.deepcopy(good)
    del missing["El"]
    negative = copy.deepcopy(good)
    negative["C"] = -1.0
    wrong_type = copy.deepcopy(good)
    wrong_type["R_input"] = "big"
    custom = glif_rs.GlifNeuron.from_dict(copy.deepcopy(good))
    custom.voltage_reset_method = glif_rs.GlifNeuron.configure_method(
        "custom", lambda neuron, v: v, {}
    )
    items = [good, missing, negative, wrong_type, custom, "not a dict", good]
    stim = square(n=6000, start=1000, stop=5000)
    results = glif_rs.run_many(items, stim, dt=DT)
    assert len(results) == len(items)
    want = own_run(good, stim)
    assert_same_run(results[0], want)
    assert_same_run(results[-1], want)
    assert isinstance(results[1], KeyError) and "El" in str(results[1])
    assert isinstance(results[2], ValueError) and "C" in str(results[2])
    assert isinstance(results[3], TypeError) and "R_input" in str(results[3])
    # A neuron with a Python rule runs too, on its own, as its run() at dt.
    custom.dt = DT
    assert_same_run(results[4], custom.run(stim))
    assert isinstance(results[5], TypeError), results[5]


def test_a_run_that_stops_fails_only_its_model(configs):
    # A NaN sample stops the run with ValueError, as run() raises it.
    bad = square(n=6000, start=1000, stop=5000)
    bad[3000] = np.nan
    good = square(n=6000, start=1000, stop=5000)
    with pytest.raises(ValueError) as raised:
        own_run(configs[0], bad)
    results = glif_rs.run_many(configs[:3], [good, bad, good], dt=DT)
    assert isinstance(results[1], ValueError)
    # The same message, naming run_many's argument instead of run()'s.
    assert str(raised.value).startswith("stim[3000]: found nan")
    assert str(results[1]) == "stimulus_or_stimuli[1]" + str(raised.value)[len("stim"):]
    for i in (0, 2):
        assert_same_run(results[i], own_run(configs[i], good))


def test_bad_arguments_raise_for_the_call(configs):
    stim = square(n=1000)
    with pytest.raises(ValueError, match="dt"):
        glif_rs.run_many(configs[:2], stim, dt=0.0)
    with pytest.raises(ValueError, match="dt"):
        glif_rs.run_many([dict(configs[0], dt=1e-5), configs[1]], stim)
    with pytest.raises(ValueError, match="threads"):
        glif_rs.run_many(configs[:2], stim, dt=DT, threads=0)
    with pytest.raises(ValueError, match="record"):
        glif_rs.run_many(configs[:2], stim, dt=DT, record="voltage")
    with pytest.raises(ValueError, match="exp"):
        glif_rs.run_many(configs[:2], stim, dt=DT, exp="fast")
    with pytest.raises(ValueError, match="shape"):
        glif_rs.run_many(configs[:2], np.zeros((2, 3, 4)), dt=DT)
    assert glif_rs.run_many([], stim, dt=DT) == []


def test_progress_counts_every_neuron_step(configs):
    stim = square()
    calls = []
    glif_rs.run_many(configs, stim, dt=DT, record="spikes",
                     progress=lambda done, total: calls.append((done, total)))
    total = len(configs) * len(stim)
    assert calls and all(t == total for _, t in calls)
    assert max(d for d, _ in calls) == total

    def boom(done, total):
        raise RuntimeError("stop reporting")

    with pytest.raises(RuntimeError, match="stop reporting"):
        glif_rs.run_many(configs[:4], stim, dt=DT, progress=boom)


def test_releases_the_gil(configs):
    stim = square(n=400000, start=0, stop=400000)

    def run():
        glif_rs.run_many(configs[:32], stim, dt=DT, record="spikes", threads=1)

    assert ticks_while(run) > 0


def test_exp_numpy_is_this_processs_numpy_exp(configs, monkeypatch):
    # numpy's exp may equal libm's for every argument on this CPU, which
    # would hide a run_many that ignored numpy. A numpy.exp 1e-9 off
    # (relative) cannot hide: run_many must follow it as run() does.
    real = np.exp
    monkeypatch.setattr(np, "exp", lambda x, *a, **k: real(x, *a, **k) * (1 + 1e-9))
    stim = square()
    chosen = configs[::6]
    results = glif_rs.run_many(chosen, stim, dt=DT)
    libm = glif_rs.run_many(chosen, stim, dt=DT, exp="libm")
    differ = 0
    for config, got, other in zip(chosen, results, libm):
        assert_same_run(got, own_run(config, stim))
        differ += int(any(not np.array_equal(got[k], other[k], equal_nan=True) for k in got))
    # The shifted exp shows (models without exponentials, GLIF1, or whose
    # only ones act after spikes that do not come, are the same either way).
    assert differ > len(chosen) // 2, differ
