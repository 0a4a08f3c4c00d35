"""glif_rs.explained_variance against the Teeter et al. 2018 arithmetic
restated in numpy and scipy (their expVarOfSpikeTrains.py is Python 2 and
under a non-commercial license, so it is neither imported nor copied):
scipy's Gaussian window normalised by np.sum, binary trains of int(t / dt),
scipy.signal.fftconvolve in 'full' (the PSTH side) and 'same' (the model
side), np.var and np.mean. Bound 1e-12 relative, the issue's bound (the FFT's
round-off is the only difference; glif-fit's tests measure 5e-16)."""

import numpy as np
import pytest
from scipy.signal import fftconvolve
from scipy.signal.windows import gaussian

import glif_rs

REL = 1e-12


def _kernel(sigma, dt):
    s = sigma / dt
    g = gaussian(int(s * 10), s)
    return g / np.sum(g)


def _convolved(trains, g, dt, steps, mode):
    out = []
    for t in trains:
        b = np.zeros(steps)
        idx = (np.asarray(t, dtype=float) / dt).astype(int)
        b[list(idx)] = 1.0
        out.append(fftconvolve(b, g, mode))
    return out


def _ev(t1, t2):
    v1, v2, v12 = np.var(t1), np.var(t2), np.var(t1 - t2)
    return 1.0 if v12 == 0.0 else (v1 + v2 - v12) / (v1 + v2)


def _across(model, data):
    return np.mean([_ev(d, m) for m in model for d in data])


def teeter(recorded, model, dt, duration, sigma=0.01):
    steps = int(round(duration / dt))
    g = _kernel(sigma, dt)
    full = _convolved(recorded, g, dt, steps, "full")
    ev_data = _across([np.mean(np.array(full), axis=0)], full)
    ev_model = _across(_convolved(model, g, dt, steps, "same"), _convolved(recorded, g, dt, steps, "same"))
    return ev_data, ev_model, ev_model / ev_data


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_teeter_arithmetic(seed):
    rng = np.random.RandomState(seed)
    dt, duration = 5e-5, 3.0
    centres = np.sort(rng.uniform(0.0, duration, 25))
    recorded = [
        sorted(float(c) for c in np.clip(centres + rng.normal(0, 0.003, len(centres)), 0, duration - dt))
        for _ in range(3)
    ]
    model = [sorted(float(c) for c in np.clip(centres + rng.normal(0, 0.01, len(centres)), 0, duration - dt))]
    got = glif_rs.explained_variance(recorded, model, dt, duration)
    want = teeter(recorded, model, dt, duration)
    for name, w in zip(("ev_data", "ev_model", "ratio"), want):
        assert abs(got[name] - w) <= REL * abs(w), (name, got[name], w)
    assert got["steps"] == 60000


def test_empty_trains_and_sigma():
    recorded = [[0.1, 0.5], [], [0.11, 0.49]]
    model = [[]]
    got = glif_rs.explained_variance(recorded, model, 1e-3, 1.0, sigma=0.02)
    want = teeter(recorded, model, 1e-3, 1.0, sigma=0.02)
    for name, w in zip(("ev_data", "ev_model", "ratio"), want):
        assert abs(got[name] - w) <= REL * abs(w), (name, got[name], w)


@pytest.mark.parametrize(
    "args, message",
    [
        (([[0.1]], [[-0.1]], 1e-3, 1.0), "model train [0] spike time [0] (s) = -1e-1"),
        (([[0.1, 2.0]], [[0.1]], 1e-3, 1.0), "recorded train [0] spike time [1] (s) = 2e0"),
        (([[0.1]], [[0.1]], 0.0, 1.0), "dt = 0e0"),
        (([[0.1]], [[0.1]], 1e-3, 0.0105), "duration = 1.05e-2"),
        (([], [[0.1]], 1e-3, 1.0), "recorded trains"),
        (([[0.1]], [[0.1]], 1e-3, 1.0, -0.01), "sigma = -1e-2"),
    ],
)
def test_bad_input_raises_value_error_naming_it(args, message):
    with pytest.raises(ValueError) as e:
        glif_rs.explained_variance(*args)
    assert message in str(e.value)
