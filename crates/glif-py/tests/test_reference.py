"""Every reference case under reference/traces, run by AllenSDK 2.16.2 and
by glif_rs in the same process with the default exp ("numpy"): every key of
run() equal in dtype, shape and value (NaN equal to NaN)."""

import copy
import json

import numpy as np
import pytest

import glif_rs
from conftest import REFERENCE, assert_same_run, case_files, load_case, stimulus

CASES = case_files()


def test_all_cases_present():
    # Exactly the cases reference/traces/index.json lists, no more, no fewer.
    index = json.loads((REFERENCE / "traces" / "index.json").read_text())
    names = sorted("%s/%s" % (p.parent.name, p.name.split(".")[0]) for p in CASES)
    assert names == sorted(c["name"] for c in index["cases"])
    assert len(CASES) == index["count"]


@pytest.mark.parametrize("path", CASES, ids=lambda p: "%s/%s" % (p.parent.name, p.name.split(".")[0]))
def test_case(path, allensdk):
    glif_neuron, methods = allensdk
    case = load_case(path)
    config = case["config"]
    stim = stimulus(case)
    error = case["error"]
    if case.get("allensdk_patch"):
        # linear_exact cases: register linear_exact in both libraries, as
        # the case's recipe did in AllenSDK.
        methods.METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"] = (
            methods.dynamics_voltage_linear_exact
        )
        glif_rs.METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"] = (
            glif_rs.EXTRA_METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"]
        )
        try:
            return check_case(glif_neuron, case, config, stim, error)
        finally:
            del methods.METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"]
            del glif_rs.METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"]
    return check_case(glif_neuron, case, config, stim, error)


def check_case(glif_neuron, case, config, stim, error):
    if error is None:
        return compare(glif_neuron, config, case["dt"], stim)
    message = error["message"]
    if "reset should never happen" in message:
        # AllenSDK raises at the first spike (here, in this process, too);
        # glif_rs refuses at construction.
        with pytest.raises(Exception, match="reset should never happen"):
            run_allensdk(glif_neuron, config, case["dt"], stim)
        with pytest.raises(ValueError, match="threshold_reset_method"):
            glif_rs.GlifNeuron.from_dict(config)
    elif "AScurrents are not zero" in message:
        neuron = glif_rs.GlifNeuron.from_dict(config)
        neuron.dt = case["dt"]
        with pytest.raises(ValueError, match="after-spike currents are not zero"):
            neuron.run(stim)
    elif "Do not pass integers" in message:
        # JSON 0 and 0.0 are the same number: the result is AllenSDK's on
        # the float config (float_init_spike_at_step0).
        float_config = copy.deepcopy(config)
        float_config["init_voltage"] = float(config["init_voltage"])
        float_config["init_threshold"] = float(config["init_threshold"])
        theirs = run_allensdk(glif_neuron, float_config, case["dt"], stim)
        assert_same_run(run_ours(config, case["dt"], stim), theirs)
    else:
        pytest.fail("reference case with an error this test does not know: %r" % message)


def run_allensdk(glif_neuron, config, dt, stim):
    neuron = glif_neuron.GlifNeuron.from_dict(copy.deepcopy(config))
    neuron.dt = dt
    return neuron.run(stim)


def run_ours(config, dt, stim):
    neuron = glif_rs.GlifNeuron.from_dict(copy.deepcopy(config))
    neuron.dt = dt
    return neuron.run(stim)


def compare(glif_neuron, config, dt, stim):
    theirs = run_allensdk(glif_neuron, config, dt, stim)
    ours = run_ours(config, dt, stim)
    assert_same_run(ours, theirs)
    # The spike keys of record="spikes" are the same arrays.
    spikes = glif_rs.GlifNeuron.from_dict(copy.deepcopy(config))
    spikes.dt = dt
    only = spikes.run(stim, record="spikes")
    assert sorted(only) == sorted(k for k in theirs if k not in ("voltage", "threshold", "AScurrents"))
    for key in only:
        assert np.array_equal(only[key], theirs[key]) and only[key].dtype == theirs[key].dtype
