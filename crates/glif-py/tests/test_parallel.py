"""glif_rs from several threads and processes: two threads running two
models give what the same runs give one after another (results, not
timing: scripts/python/bench_threads.py measures the speed-up), run_many
gives the same results whatever its thread count, and GlifNeuron and the
result dicts survive pickle, copy.deepcopy and a ProcessPoolExecutor."""

import concurrent.futures as cf
import copy
import json
import multiprocessing as mp
import pickle
import threading

import numpy as np
import pytest

import glif_rs
from conftest import assert_same_run, config_path

KEYS = ("osb_566283540_GLIF5", "osb_485904755_GLIF3", "osb_566282032_GLIF2")


def neuron(key):
    n = glif_rs.GlifNeuron.from_dict(json.loads(config_path(key).read_text()))
    n.dt = 5e-6
    return n


def stim(n=300_000):
    x = np.zeros(n)
    x[n // 10:] = 1.8e-10
    x[n // 2:] = 3e-10
    return x


@pytest.mark.parametrize("record", ["all", "spikes"])
def test_two_threads_give_the_sequential_results(record):
    neurons = [neuron(k) for k in KEYS[:2]]
    x = stim()
    sequential = [n.run(x, record=record) for n in neurons]
    parallel = [None, None]
    barrier = threading.Barrier(2)

    def work(i):
        barrier.wait()  # start both runs together
        parallel[i] = neurons[i].run(x, record=record)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sequential[0]["spike_time_steps"]) > 0
    for ours, theirs in zip(parallel, sequential):
        assert_same_run(ours, theirs)


def test_run_many_same_results_for_any_thread_count():
    configs = [neuron(k).to_dict() for k in KEYS] * 6
    x = stim(100_000)
    one = glif_rs.run_many(configs, x, dt=5e-6, threads=1)
    two = glif_rs.run_many(configs, x, dt=5e-6, threads=2)
    default = glif_rs.run_many(configs, x, dt=5e-6)
    for a, b, c in zip(one, two, default):
        assert_same_run(b, a)
        assert_same_run(c, a)


def test_neuron_pickle_and_deepcopy():
    n = neuron(KEYS[0])
    n.coeffs["th_inf"] = 1.05  # a changed attribute travels too
    x = stim(50_000)
    expected = n.run(x)
    for other in (pickle.loads(pickle.dumps(n)), copy.deepcopy(n)):
        assert other is not n
        assert json.dumps(other.to_dict(), default=np.ndarray.tolist, sort_keys=True) == \
            json.dumps(n.to_dict(), default=np.ndarray.tolist, sort_keys=True)
        assert_same_run(other.run(x), expected)


def test_result_pickle():
    result = neuron(KEYS[0]).run(stim(50_000))
    assert_same_run(pickle.loads(pickle.dumps(result)), result)
    assert_same_run(copy.deepcopy(result), result)


def test_process_pool_executor():
    neurons = [neuron(k) for k in KEYS]
    x = stim(50_000)
    expected = [n.run(x) for n in neurons]
    # spawn: fresh interpreters that unpickle the neurons (no forked state).
    with cf.ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(glif_rs.GlifNeuron.run, neurons, [x] * len(neurons)))
    for ours, theirs in zip(results, expected):
        assert_same_run(ours, theirs)
