"""Shared helpers for the glif_rs tests: the repository's reference cases
(reference/README.md describes their format) and AllenSDK 2.16.2, run in
the same process."""

import gzip
import json
import os
import pathlib

import numpy as np
import pytest

REFERENCE = pathlib.Path(__file__).resolve().parents[3] / "reference"


def case_files():
    return sorted((REFERENCE / "traces").glob("*/*.json*"))


def load_case(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt") as f:
        return json.load(f)


def stimulus(case):
    """The case's stimulus rebuilt from its recipe, checked against the
    stored min, max and every 10000th sample."""
    spec = case["stimulus"]
    n = spec["n"]
    x = np.zeros(n)
    kind = spec["kind"]
    if kind == "piecewise_constant":
        for a, b, v in spec["segments"]:
            x[a:b] = v
    elif kind == "ramp":
        start, stop, amp = spec["start"], spec["stop"], spec["amp_end"]
        for j in range(stop - start):
            x[start + j] = (j / (stop - start)) * amp
    elif kind == "held_levels":
        start, hold, levels = spec["start"], spec["hold"], spec["levels"]
        for j in range(n - start):
            x[start + j] = levels[j // hold]
    elif kind == "explicit":
        x[:] = spec["values"]
    else:
        raise ValueError("unknown stimulus kind %r" % kind)
    check = case["stimulus_check"]
    if n:
        assert x.min() == check["min"] and x.max() == check["max"]
    for j, v in enumerate(check["every_10000th"]):
        assert x[j * 10000] == v
    return x


def config_path(key):
    index = json.loads((REFERENCE / "configs" / "index.json").read_text())
    (entry,) = [e for e in index if e["key"] == key]
    return REFERENCE / entry["file"]


@pytest.fixture(scope="session")
def allensdk():
    """AllenSDK's glif modules. Required: without AllenSDK the comparison
    cannot run, and the suite fails (it runs in the venv
    scripts/allensdk/setup_venv.sh creates)."""
    from allensdk.model.glif import glif_neuron, glif_neuron_methods

    return glif_neuron, glif_neuron_methods


def same(a, b):
    """Same dtype, shape and values (NaN equal to NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def assert_same_run(ours, theirs):
    assert sorted(ours) == sorted(theirs)
    for key in theirs:
        a, b = np.asarray(ours[key]), np.asarray(theirs[key])
        assert a.dtype == b.dtype, (key, a.dtype, b.dtype)
        assert a.shape == b.shape, (key, a.shape, b.shape)
        if not np.array_equal(a, b, equal_nan=True):
            diff = np.flatnonzero(~((a == b) | (np.isnan(a) & np.isnan(b))).ravel())
            raise AssertionError("%s differs at %d places, first at flat index %d: %r vs %r"
                                 % (key, diff.size, diff[0], a.ravel()[diff[0]], b.ravel()[diff[0]]))


def ticks_while(run):
    """How often another Python thread ran while ``run()`` ran, with a 10 s
    switch interval: that thread keeps the GIL unless ``run()`` releases it,
    so a ticker can only tick during ``run()`` if ``run()`` lets go."""
    import sys
    import threading
    import time

    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(1)
            stop.wait(0.0005)

    old = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        t = threading.Thread(target=tick)
        t.start()
        time.sleep(0.01)
        before = len(ticks)
        run()
        during = len(ticks) - before
    finally:
        stop.set()
        sys.setswitchinterval(old)
    t.join()
    return during


def pytest_terminal_summary(terminalreporter):
    """Says which simulate_neuron the NWB tests compared with: AllenSDK's
    own, or (outside CI only) a transcription of it."""
    import sys

    nwb = sys.modules.get("test_nwb")
    used = sorted(set(getattr(nwb, "SIMULATE_NEURON_USED", [])))
    if used:
        terminalreporter.write_line("NWB tests compared glif_rs with: %s" % "; ".join(used))
    else:
        terminalreporter.write_line("NWB tests: simulate_neuron not compared (tests skipped or not selected)")


def sigint_after(args, ready, delay, timeout, **popen):
    """Starts `args` (a Python child), waits for its first stdout line to be
    `ready`, sleeps `delay` s and sends SIGINT; returns (returncode, stdout,
    stderr, the time.monotonic() at which the signal was sent). The child
    is killed if it has not ended by then (a test failing mid-way)."""
    import signal
    import subprocess
    import time

    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    try:
        assert child.stdout.readline().strip() == ready
        time.sleep(delay)
        # CLOCK_MONOTONIC: the same clock in both processes (Linux).
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=timeout)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return child.returncode, out, err, sent
