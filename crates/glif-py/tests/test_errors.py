"""Every error class: bad input raises KeyError, TypeError or ValueError
naming the field, the value and what was expected; never a crash."""

import copy
import json

import numpy as np
import pytest

import glif_rs
from conftest import config_path

DT = 5e-6


def config():
    d = json.loads(config_path("osb_566283540_GLIF5").read_text())
    return copy.deepcopy(next(iter(d.values())))


def neuron():
    n = glif_rs.GlifNeuron.from_dict(config())
    n.dt = DT
    return n


def test_missing_field_is_key_error():
    d = config()
    del d["C"]
    with pytest.raises(KeyError, match="C: missing field"):
        glif_rs.GlifNeuron.from_dict(d)
    d = config()
    del d["voltage_reset_method"]["params"]
    with pytest.raises(KeyError, match="voltage_reset_method.params"):
        glif_rs.GlifNeuron.from_dict(d)


def test_wrong_type_is_type_error():
    d = config()
    d["El"] = "zero"
    with pytest.raises(TypeError, match=r'El: found "zero", expected a finite number'):
        glif_rs.GlifNeuron.from_dict(d)
    d = config()
    d["coeffs"]["G"] = [1.0]
    with pytest.raises(TypeError, match=r"coeffs.G"):
        glif_rs.GlifNeuron.from_dict(d)
    d = config()
    d["El"] = object()
    with pytest.raises(TypeError, match="El: found object"):
        glif_rs.GlifNeuron.from_dict(d)


def test_bad_value_is_value_error():
    d = config()
    d["C"] = -1e-10
    with pytest.raises(ValueError, match=r"C: found -1e-10, expected a number > 0"):
        glif_rs.GlifNeuron.from_dict(d)
    d = config()
    d["El"] = float("nan")
    with pytest.raises(ValueError, match="El: found NaN, expected a finite number"):
        glif_rs.GlifNeuron.from_dict(d)
    d = config()
    d["asc_amp_array"] = [1e-11]
    with pytest.raises(ValueError, match=r"asc_amp_array: has 1 values, expected 2"):
        glif_rs.GlifNeuron.from_dict(d)


def test_unknown_rule_is_value_error():
    d = config()
    d["voltage_reset_method"]["name"] = "bounce"
    with pytest.raises(ValueError, match="bounce"):
        glif_rs.GlifNeuron.from_dict(d)
    with pytest.raises(KeyError, match="method type"):
        glif_rs.GlifNeuron.configure_library_method("nonsense_method", {"name": "x", "params": {}})
    d = config()
    d["voltage_reset_method"]["params"]["c"] = 1.0
    with pytest.raises(ValueError, match="unexpected parameter"):
        glif_rs.GlifNeuron.from_dict(d)


def test_unknown_model_id_is_key_error():
    d = json.loads(config_path("osb_566283540_GLIF5").read_text())
    with pytest.raises(KeyError, match="123"):
        glif_rs.GlifNeuron.from_dict(d, model_id="123")


def test_attribute_set_badly_is_caught_at_run():
    n = neuron()
    n.R_input = -5.0
    with pytest.raises(ValueError, match="R_input: found -5"):
        n.run(np.zeros(10))
    n = neuron()
    n.init_AScurrents = [0.0]
    with pytest.raises(ValueError, match="init_AScurrents"):
        n.run(np.zeros(10))


def test_bad_stimulus():
    n = neuron()
    with pytest.raises(ValueError, match=r"stim: found an array of shape \[2, 3\]"):
        n.run(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="stim: expected a 1-D array-like"):
        n.run(["a", "b"])
    # A non-finite sample is named by index and value (not blamed on dt).
    for bad, shown in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")):
        stim = np.zeros(100)
        stim[40] = bad
        with pytest.raises(ValueError, match=r"^stim\[40\]: found %s, expected a finite input current" % shown) as e:
            n.run(stim)
        assert "dt" not in str(e.value)
        with pytest.raises(ValueError, match=r"^stim\[40\]: found %s" % shown):
            n.run(stim.astype(np.float32)[::1], record="spikes")
        with pytest.raises(ValueError, match=r"^stim\[40\]: found %s" % shown):
            n.run(list(stim))


def test_non_finite_stimulus_in_run_many():
    n = neuron()
    stim = np.zeros(100)
    stim[10] = np.nan
    (shared,) = glif_rs.run_many([n], stim, dt=DT)
    assert isinstance(shared, ValueError)
    assert str(shared).startswith("stimulus_or_stimuli[10]: found nan, expected a finite input current")
    good = np.zeros(100)
    results = glif_rs.run_many([n, n], [good, stim], dt=DT, record="spikes")
    assert isinstance(results[0], dict)
    assert isinstance(results[1], ValueError)
    assert str(results[1]).startswith("stimulus_or_stimuli[1][10]: found nan")


def test_option_errors_name_the_argument():
    n = neuron()
    with pytest.raises(ValueError, match=r"^threads: found 0"):
        glif_rs.run_many([n], np.zeros(10), dt=DT, threads=0)
    with pytest.raises(ValueError, match=r'^exp: found "fast"'):
        glif_rs.run_many([n], np.zeros(10), dt=DT, exp="fast")
    with pytest.raises(ValueError, match=r'^record: found "some"'):
        glif_rs.run_many([n], np.zeros(10), dt=DT, record="some")
    with pytest.raises(TypeError, match=r"^dt: found 'x'"):
        glif_rs.run_many([n], np.zeros(10), dt="x")
    with pytest.raises(ValueError, match=r"^stimulus_or_stimuli: found 3 stimuli for 2 models"):
        glif_rs.run_many([n, n], [np.zeros(5)] * 3, dt=DT)


def test_bad_options():
    n = neuron()
    with pytest.raises(ValueError, match='exp: found "fast"'):
        n.run(np.zeros(10), exp="fast")
    with pytest.raises(ValueError, match='record: found "some"'):
        n.run(np.zeros(10), record="some")


def test_run_errors():
    d = config()
    d["AScurrent_reset_method"] = {"name": "none", "params": {}}
    d["init_AScurrents"] = [1e-10, 0.0]
    n = glif_rs.GlifNeuron.from_dict(d)
    n.dt = DT
    with pytest.raises(ValueError, match="after-spike currents are not zero"):
        n.run(np.full(4000, 1e-9))


def test_read_config_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        glif_rs.read_config(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="JSON syntax error"):
        glif_rs.read_config(bad)
