"""Custom (Python) rules in each of the six families, run by glif_rs and by
AllenSDK 2.16.2's GlifNeuron in the same process on the same config and
stimulus: the same function, called with the same arguments, gives the
same outputs bit for bit (every key of run()'s dict, NaN for NaN), and
leaves the same threshold_components on the neuron. For each family: a
modified copy of AllenSDK's built-in rule, and a rule that does what no
built-in can (reads the step, the spike history, the threshold
components, or is nonlinear). Then the same inside run_many and
simulate_neuron, and rules that return the wrong thing or raise."""

import copy
import json
import math
import os
import shutil

import numpy as np
import pytest

import glif_rs
from conftest import assert_same_run, config_path

GLIF5 = "osb_566283540_GLIF5"
GLIF3 = "osb_566291897_GLIF3"
DT = 5e-6


def bare(key):
    d = json.loads(config_path(key).read_text())
    return d if "El" in d else next(iter(d.values()))


def step(n=6000, start=300, stop=5500, amp=6e-10):
    x = np.zeros(n)
    x[start:stop] = amp
    return x


def methods():
    from allensdk.model.glif import glif_neuron_methods

    return glif_neuron_methods


# ---------------------------------------------------------------- the rules
# Each takes AllenSDK's arguments for its family (after the neuron), and
# its params as keywords (configure_method's method_params).


def asc_dynamics_slower(neuron, AScurrents_t0, time_step, spike_time_steps, slow):
    # AllenSDK's dynamics_AScurrent_exp with the decay rates scaled.
    return AScurrents_t0 * np.exp(-neuron.k * neuron.dt * slow)


def asc_dynamics_after_spike(neuron, AScurrents_t0, time_step, spike_time_steps):
    # Reads the step and the spike history: the currents are held for 100
    # samples after each spike, then decay.
    if spike_time_steps and time_step - spike_time_steps[-1] < 100:
        return AScurrents_t0
    return AScurrents_t0 * np.exp(-neuron.k * neuron.dt)


def voltage_dynamics_gain(neuron, voltage_t0, AScurrents_t0, inj, gain):
    # AllenSDK's dynamics_voltage_linear_forward_euler with the input scaled.
    return voltage_t0 + (inj * gain + np.sum(AScurrents_t0) - neuron.G * neuron.coeffs["G"]
                         * (voltage_t0 - neuron.El)) * neuron.dt / (neuron.C * neuron.coeffs["C"])


def voltage_dynamics_nonlinear(neuron, voltage_t0, AScurrents_t0, inj):
    # Exponential integrate-and-fire: a spike-generating current G*dT*exp((v - vT)/dT).
    dv = (inj + np.sum(AScurrents_t0) - neuron.G * (voltage_t0 - neuron.El)
          + neuron.G * 0.002 * math.exp((voltage_t0 - 0.012) / 0.002))
    return voltage_t0 + dv * neuron.dt / neuron.C


def threshold_dynamics_faster(neuron, threshold_t0, voltage_t0, AScurrents_t0, inj,
                              a_spike, b_spike, a_voltage, b_voltage):
    # AllenSDK's own three_components_exact with a faster spike component:
    # reads and appends neuron.threshold_components as AllenSDK's does.
    return methods().dynamics_threshold_three_components_exact(
        neuron, threshold_t0, voltage_t0, AScurrents_t0, inj,
        a_spike, b_spike * 2, a_voltage, b_voltage)


def threshold_dynamics_input(neuron, threshold_t0, voltage_t0, AScurrents_t0, inj, per_amp):
    # A threshold that follows the input and relaxes from threshold_t0.
    target = neuron.th_inf * neuron.coeffs["th_inf"] + per_amp * inj
    return threshold_t0 + (target - threshold_t0) * 0.01


def voltage_reset_scaled(neuron, voltage_t0, a, b):
    # AllenSDK's reset_voltage_v_before with the offset halved.
    return a * voltage_t0 + b * 0.5


def voltage_reset_components(neuron, voltage_t0):
    # Reads the threshold components (GLIF5): the reset voltage follows the
    # voltage component of the threshold.
    tcs = neuron.threshold_components
    return 0.5 * tcs["voltage"][-1] + 0.1 * voltage_t0


def threshold_reset_bigger(neuron, threshold_t0, voltage_v1, a_spike, b_spike):
    # AllenSDK's own three_components reset with a bigger jump.
    return methods().reset_threshold_three_components(
        neuron, threshold_t0, voltage_v1, a_spike * 1.5, b_spike)


def threshold_reset_above_voltage(neuron, threshold_t0, voltage_v1, margin):
    # The threshold is set just above the reset voltage.
    return max(threshold_t0, voltage_v1 + margin)


def asc_reset_half(neuron, AScurrents_t0, r):
    # AllenSDK's reset_AScurrent_sum with r halved.
    return methods().reset_AScurrent_sum(neuron, AScurrents_t0, [x * 0.5 for x in r])


def asc_reset_capped(neuron, AScurrents_t0, cap):
    # The summed currents, each capped in magnitude.
    new = neuron.asc_amp_array * neuron.coeffs["asc_amp_array"] + AScurrents_t0
    return np.clip(new, -cap, cap)


# (family, config, rule, params): params None takes the config's own.
CASES = [
    ("AScurrent_dynamics_method", GLIF5, asc_dynamics_slower, {"slow": 0.5}),
    ("AScurrent_dynamics_method", GLIF5, asc_dynamics_after_spike, {}),
    ("voltage_dynamics_method", GLIF5, voltage_dynamics_gain, {"gain": 1.2}),
    ("voltage_dynamics_method", GLIF3, voltage_dynamics_nonlinear, {}),
    ("threshold_dynamics_method", GLIF5, threshold_dynamics_faster, None),
    ("threshold_dynamics_method", GLIF3, threshold_dynamics_input, {"per_amp": 2e7}),
    ("voltage_reset_method", GLIF5, voltage_reset_scaled, None),
    ("voltage_reset_method", GLIF5, voltage_reset_components, {}),
    ("threshold_reset_method", GLIF5, threshold_reset_bigger, None),
    ("threshold_reset_method", GLIF5, threshold_reset_above_voltage, {"margin": 0.005}),
    ("AScurrent_reset_method", GLIF5, asc_reset_half, None),
    ("AScurrent_reset_method", GLIF3, asc_reset_capped, {"cap": 1e-10}),
]


def with_rule(cls, config, family, rule, params, dt=DT):
    n = cls.from_dict(copy.deepcopy(config))
    n.dt = dt
    if params is None:
        params = copy.deepcopy(config[family]["params"])
    setattr(n, family, n.configure_method(rule.__name__, rule, copy.deepcopy(params)))
    return n


def pair(allensdk, key, family, rule, params):
    glif_neuron, _ = allensdk
    config = bare(key)
    return (with_rule(glif_neuron.GlifNeuron, config, family, rule, params),
            with_rule(glif_rs.GlifNeuron, config, family, rule, params))


def same_components(a, b):
    if a.threshold_components is None or b.threshold_components is None:
        assert a.threshold_components is None and b.threshold_components is None
        return
    for key in ("spike", "voltage"):
        x = np.asarray(a.threshold_components[key], dtype=float)
        y = np.asarray(b.threshold_components[key], dtype=float)
        assert x.shape == y.shape and np.array_equal(x, y, equal_nan=True), key


@pytest.mark.parametrize("family,key,rule,params", CASES,
                         ids=["%s-%s" % (c[0], c[2].__name__) for c in CASES])
def test_custom_rule_as_allensdk_runs_it(allensdk, family, key, rule, params):
    a, b = pair(allensdk, key, family, rule, params)
    stim = step()
    theirs = a.run(stim)
    # The rule changes the run (it is not the built-in in disguise), and it spikes.
    plain = glif_rs.GlifNeuron.from_dict(copy.deepcopy(bare(key)))
    plain.dt = DT
    assert len(theirs["spike_time_steps"]) >= 2
    builtin = plain.run(stim)
    assert not np.array_equal(builtin["voltage"], theirs["voltage"], equal_nan=True)
    ours = b.run(stim)
    assert_same_run(ours, theirs)
    same_components(a, b)
    # A second run starts afresh, as in AllenSDK.
    assert_same_run(b.run(stim), theirs)
    spikes = b.run(stim, record="spikes")
    for k in spikes:
        assert np.array_equal(spikes[k], theirs[k])


def test_all_six_custom_at_once(allensdk):
    glif_neuron, _ = allensdk
    config = bare(GLIF5)
    rules = {
        "AScurrent_dynamics_method": (asc_dynamics_after_spike, {}),
        "voltage_dynamics_method": (voltage_dynamics_gain, {"gain": 1.1}),
        "threshold_dynamics_method": (threshold_dynamics_faster, None),
        "AScurrent_reset_method": (asc_reset_half, None),
        "voltage_reset_method": (voltage_reset_components, {}),
        "threshold_reset_method": (threshold_reset_bigger, None),
    }
    a, b = (all_six(cls, config, rules) for cls in (glif_neuron.GlifNeuron, glif_rs.GlifNeuron))
    theirs = a.run(step())
    assert len(theirs["spike_time_steps"]) >= 2
    assert_same_run(b.run(step()), theirs)
    same_components(a, b)


def all_six(cls, config, rules):
    n = cls.from_dict(copy.deepcopy(config))
    n.dt = DT
    for family, (rule, params) in rules.items():
        if params is None:
            params = copy.deepcopy(config[family]["params"])
        setattr(n, family, n.configure_method(rule.__name__, rule, params))
    return n


def test_zero_spike_cut_and_bad_reset(allensdk):
    # No spike cut (the reset values at the spike's own sample), then a
    # threshold reset below the reset voltage: AllenSDK's bad-reset fill.
    glif_neuron, _ = allensdk
    config = bare(GLIF5)
    config["spike_cut_length"] = 0

    def below(neuron, threshold_t0, voltage_v1, margin):
        return voltage_v1 + margin

    low = {"margin": -0.001}
    a = with_rule(glif_neuron.GlifNeuron, config, "threshold_reset_method", below, low)
    b = with_rule(glif_rs.GlifNeuron, config, "threshold_reset_method", below, low)
    theirs = a.run(step())
    assert len(theirs["spike_time_steps"]) == 1 and np.isnan(theirs["voltage"][-1])
    assert not np.isnan(theirs["voltage"][theirs["spike_time_steps"][0]])
    assert_same_run(b.run(step()), theirs)


def test_rule_sees_the_neuron_and_its_params():
    seen = []

    def rule(neuron, voltage_t0, AScurrents_t0, inj, k):
        seen.append((neuron, type(voltage_t0), type(AScurrents_t0), type(inj), k))
        return voltage_t0

    b = glif_rs.GlifNeuron.from_dict(bare(GLIF5))
    b.dt = DT
    b.voltage_dynamics_method = b.configure_method("mine", rule, {"k": 7})
    b.voltage_dynamics_method.modify_parameter("k", lambda k: k + 1)
    b.run(np.zeros(3))
    assert seen == [(b, float, np.ndarray, float, 8)] * 3


# ------------------------------------------------- run_many, simulate_neuron


def test_run_many_runs_custom_neurons_one_at_a_time(allensdk):
    glif_neuron, _ = allensdk
    stim = step()
    custom_cases = [CASES[1], CASES[7]]
    ours_neurons = []
    theirs = []
    for family, key, rule, params in custom_cases:
        a, b = pair(allensdk, key, family, rule, params)
        theirs.append(a.run(stim))
        b.dt = 1.0  # run_many's dt replaces it for the run, then it is restored
        ours_neurons.append(b)
    plain = bare(GLIF3)
    a_plain = glif_neuron.GlifNeuron.from_dict(copy.deepcopy(plain))
    a_plain.dt = DT
    items = [ours_neurons[0], plain, ours_neurons[1]]
    results = glif_rs.run_many(items, stim, dt=DT)
    assert_same_run(results[0], theirs[0])
    assert_same_run(results[1], a_plain.run(stim))
    assert_same_run(results[2], theirs[1])
    assert [n.dt for n in ours_neurons] == [1.0, 1.0]
    # One stimulus per model.
    stims = [stim, stim[:3000], stim[:4000]]
    results = glif_rs.run_many(items, stims, dt=DT)
    assert_same_run(results[2], pair(allensdk, *custom_cases[1][1:2], custom_cases[1][0],
                                     *custom_cases[1][2:])[0].run(stims[2]))
    assert_same_run(results[1], a_plain.run(stims[1]))


def test_run_many_reports_a_failing_custom_neuron_in_its_slot():
    b = glif_rs.GlifNeuron.from_dict(bare(GLIF5))
    b.voltage_reset_method = b.configure_method("boom", lambda neuron, v: 1 / 0, {})
    results = glif_rs.run_many([b, bare(GLIF5)], step(), dt=DT)
    assert isinstance(results[0], ZeroDivisionError)
    assert isinstance(results[1], dict)


HAS_NWB = hasattr(glif_rs._glif_rs, "simulate_neuron")
needs_nwb = pytest.mark.skipif(
    not HAS_NWB and os.environ.get("GLIF_PY_EXPECT_NWB") != "1",
    reason="glif_rs built without the `nwb` feature",
)


@needs_nwb
def test_simulate_neuron_with_custom_rules_writes_what_allensdk_writes(allensdk, tmp_path):
    import test_nwb

    glif_neuron, _ = allensdk
    fixture = tmp_path / "in.nwb"
    test_nwb.write_fixture(str(fixture))
    numbers = [n for n, _, _, _ in test_nwb.SWEEPS]
    config = bare(GLIF5)
    rules = {
        "AScurrent_dynamics_method": (asc_dynamics_after_spike, {}),
        "threshold_dynamics_method": (threshold_dynamics_faster, None),
        "voltage_reset_method": (voltage_reset_components, {}),
    }
    theirs = tmp_path / "theirs.nwb"
    shutil.copy(fixture, theirs)
    a = all_six(glif_neuron.GlifNeuron, config, rules)
    test_nwb.allensdk_simulate_neuron()(a, numbers, str(fixture), str(theirs), test_nwb.CUT)
    ours = tmp_path / "ours.nwb"
    b = all_six(glif_rs.GlifNeuron, config, rules)
    glif_rs.simulate_neuron(b, numbers, fixture, ours, test_nwb.CUT)
    assert b.dt == a.dt == 1.0 / test_nwb.SWEEPS[-1][1]
    spiking = 0
    for n in numbers:
        (ra, sa), (rb, sb) = test_nwb.written(theirs, n), test_nwb.written(ours, n)
        assert ra.dtype == rb.dtype and np.array_equal(ra, rb), n
        assert sa.dtype == sb.dtype and np.array_equal(sa, sb), n
        spiking += int(sa.size > 0)
    assert spiking == 2
    same_components(a, b)


@needs_nwb
def test_simulate_neuron_custom_rule_error_writes_nothing(tmp_path):
    import test_nwb

    fixture = tmp_path / "in.nwb"
    test_nwb.write_fixture(str(fixture))
    b = glif_rs.GlifNeuron.from_dict(bare(GLIF5))

    def rule(neuron, voltage_t0):
        raise ArithmeticError("from the rule")

    b.voltage_reset_method = b.configure_method("boom", rule, {})
    out = tmp_path / "out.nwb"
    with pytest.raises(ArithmeticError, match="from the rule") as e:
        glif_rs.simulate_neuron(b, [3], fixture, out, test_nwb.CUT)
    assert not out.exists()
    assert any("voltage_reset_method" in n for n in getattr(e.value, "__notes__", ["voltage_reset_method"]))


# ------------------------------------------------------------ bad rules


def neuron_with(family, rule, key=GLIF5):
    b = glif_rs.GlifNeuron.from_dict(bare(key))
    b.dt = DT
    setattr(b, family, b.configure_method("bad", rule, {}))
    return b


@pytest.mark.parametrize("family,rule,error,words", [
    ("voltage_dynamics_method", lambda n, v, a, i: (v, v), TypeError, ["returned (", "a finite number"]),
    ("threshold_dynamics_method", lambda n, th, v, a, i: float("nan"), ValueError, ["returned nan"]),
    ("AScurrent_dynamics_method", lambda n, a, t, s: np.zeros(3), ValueError, ["returned 3 values", "(2 here)"]),
    ("AScurrent_reset_method", lambda n, a: "x", TypeError, ["returned 'x'"]),
    ("voltage_reset_method", lambda n, v: float("inf"), ValueError, ["returned inf"]),
    ("threshold_reset_method", lambda n, th, v: [th], TypeError, ["returned [", "a finite number"]),
], ids=["arity", "nan", "length", "type", "inf", "list"])
def test_bad_return_names_the_family(family, rule, error, words):
    with pytest.raises(error) as e:
        neuron_with(family, rule).run(step())
    message = str(e.value)
    assert family in message and "'bad'" in message.replace('"', "'") and "at step" in message
    for w in words:
        assert w in message, (w, message)


def test_non_finite_stimulus_sample_is_named_not_the_rule():
    stim = step()
    stim[100] = np.nan  # before the first spike: a sample the run reads
    b = neuron_with("voltage_dynamics_method", voltage_dynamics_gain, key=GLIF3)
    b.voltage_dynamics_method = b.configure_method("gain", voltage_dynamics_gain, {"gain": 1.0})
    with pytest.raises(ValueError, match=r"stim\[100\]: found nan"):
        b.run(stim)


def test_raising_rule_keeps_its_exception_with_a_note():
    class Boom(Exception):
        pass

    def rule(neuron, threshold_t0, voltage_v1):
        raise Boom("from the rule")

    with pytest.raises(Boom, match="from the rule") as e:
        neuron_with("threshold_reset_method", rule).run(step())
    notes = getattr(e.value, "__notes__", None)
    if notes is not None:  # Python 3.11+
        assert any("threshold_reset_method" in n and "at step" in n for n in notes), notes


def test_wrong_signature_names_the_family():
    # A rule that does not take AllenSDK's arguments: Python's TypeError,
    # with the family named.
    with pytest.raises(TypeError) as e:
        neuron_with("AScurrent_dynamics_method", lambda neuron, asc: asc).run(step())
    notes = getattr(e.value, "__notes__", None)
    if notes is not None:
        assert any("AScurrent_dynamics_method" in n for n in notes), notes


def test_neuron_with_custom_lambda_does_not_pickle_but_says_why():
    import pickle

    b = neuron_with("voltage_reset_method", lambda neuron, v: 0.0)
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)) as e:
        pickle.dumps(b)
    assert "lambda" in str(e.value) or "voltage_reset_method" in str(e.value)
    # A module-level function pickles, and the copy runs the same.
    c = neuron_with("voltage_reset_method", voltage_reset_components)
    d = pickle.loads(pickle.dumps(c))
    assert_same_run(d.run(step()), c.run(step()))
