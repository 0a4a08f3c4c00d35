"""glif_rs: AllenSDK's GLIF neuron models (``allensdk.model.glif``) computed
by glif-rs, with AllenSDK's names, signatures and outputs.

Replace ``from allensdk.model.glif.glif_neuron import GlifNeuron`` with
``from glif_rs import GlifNeuron``; the rest of the code stays::

    import glif_rs
    config = glif_rs.read_config("566283540_neuron_config.json")
    neuron = glif_rs.GlifNeuron.from_dict(config)
    neuron.dt = 5e-6                       # s: the stimulus sampling interval
    out = neuron.run(stimulus)             # stimulus in A, one sample per dt

Units are SI throughout, as in AllenSDK: volts (V), seconds (s), amperes
(A), ohms, farads.

Exactness. AllenSDK computes its per-``dt`` decay factors with ``numpy.exp``
of the numpy it runs on, and numpy's SIMD ``exp`` differs from the C
library's by one ulp for many arguments (and between CPUs). By default
(``exp="numpy"``) glif_rs evaluates exactly those exponentials with
``numpy.exp`` of the numpy in this process, so ``run()`` returns what
AllenSDK returns on this machine, bit for bit. ``exp="libm"`` uses the
portable values of the Rust library and the firmware instead (the same on
every machine; spike steps identical, values within the tolerance
documented in docs/DIFFERENCES.md).

What runs where: the six built-in rules run compiled (glif-core). A rule
made from a Python function with ``configure_method`` (AllenSDK's custom
rule), in any of the six families, is called from the compiled loop with
AllenSDK's arguments, each step (dynamics) or at each spike (resets); see
``GlifNeuron.run``. Such a run holds the GIL and runs at Python's speed.
"""

import copy as _copy
import os as _os

import numpy as _np

from . import _component_rules
from . import _glif_rs
from . import nest  # NEST 3.10's GLIF models: glif_rs.nest.run
from ._glif_rs import info, to_nest  # model facts (glif info); Allen -> NEST params

__all__ = [
    "GlifNeuron",
    "GlifNeuronMethod",
    "GlifBadResetException",
    "METHOD_LIBRARY",
    "EXTRA_METHOD_LIBRARY",
    "interpolate_spike_time",
    "interpolate_spike_value",
    "explained_variance",
    "fit",
    "fit_preprocess",
    "fit_optimize",
    "read_config",
    "run_many",
    "simulate_neuron",
    "simulate_sweep",
    "load_sweep",
    "info",
    "to_nest",
    "nest",
    "DEFAULT_SPIKE_CUT_VALUE",
    "version",
    "__version__",
]

#: Explained variance of spike times (Teeter et al. 2018); see its docstring.
explained_variance = _glif_rs.explained_variance

#: The whole fit of a cell (``glif fit``): preprocessing, AllenSDK's optimizer
#: and the report, as plain dicts; see its docstring and docs/FITTING.md.
fit = _glif_rs.fit
#: The fit's first stage alone (``glif fit --stage preprocess``).
fit_preprocess = _glif_rs.fit_preprocess
#: The fit's optimizer alone (``glif fit --stage optimize``), from
#: ``fit_preprocess``'s configs.
fit_optimize = _glif_rs.fit_optimize

#: The package version.
__version__ = _glif_rs.__version__
#: The package version (same as ``__version__``).
version = __version__


class GlifBadResetException(Exception):
    """AllenSDK's exception for a reset that leaves the voltage above the
    threshold, with the excess ``dv`` (V).

    As in AllenSDK 2.16.2, ``run()`` does not raise it: after a bad reset
    the run records the reset values for five samples and leaves every
    later sample NaN (AllenSDK's raise is commented out). It is here so that
    code catching it keeps working.
    """

    def __init__(self, message, dv):
        super(Exception, self).__init__(message)
        self.dv = dv


class _BuiltinRule(object):
    """A built-in rule of METHOD_LIBRARY: it runs compiled inside
    ``GlifNeuron.run()``; its name is what a config file says."""

    def __init__(self, method_type, name, params):
        self.method_type = method_type
        self.__name__ = name
        self.params = tuple(params)

    def __repr__(self):
        return "<glif_rs built-in %s %r>" % (self.method_type, self.__name__)

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(
            "%s %r runs compiled inside GlifNeuron.run(); calling it from Python "
            "is not supported in this version of glif_rs" % (self.method_type, self.__name__)
        )


def _library():
    families = {
        "AScurrent_dynamics_method": {"exp": (), "none": ()},
        "voltage_dynamics_method": {"linear_forward_euler": ()},
        "threshold_dynamics_method": {
            "spike_component": ("a_spike", "b_spike", "a_voltage", "b_voltage"),
            "inf": (),
            "three_components_exact": ("a_spike", "b_spike", "a_voltage", "b_voltage"),
        },
        "AScurrent_reset_method": {"sum": ("r",), "none": ()},
        "voltage_reset_method": {"v_before": ("a", "b"), "zero": ()},
        "threshold_reset_method": {"inf": (), "three_components": ("a_spike", "b_spike")},
    }
    return {
        family: {name: _BuiltinRule(family, name, params) for name, params in rules.items()}
        for family, rules in families.items()
    }


#: AllenSDK's ``METHOD_LIBRARY``: rule family -> rule name -> rule. The
#: families and names are AllenSDK 2.16.2's; the rules are compiled.
METHOD_LIBRARY = _library()

#: Rules glif-rs has beyond AllenSDK's ``METHOD_LIBRARY``: ``linear_exact``
#: voltage dynamics (defined in AllenSDK's source but not registered, so
#: AllenSDK cannot load a config naming it). Register it as AllenSDK users
#: would: ``METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"] =
#: EXTRA_METHOD_LIBRARY["voltage_dynamics_method"]["linear_exact"]``.
EXTRA_METHOD_LIBRARY = {
    "voltage_dynamics_method": {
        "linear_exact": _BuiltinRule("voltage_dynamics_method", "linear_exact", ()),
    }
}

_METHOD_FAMILIES = (
    "AScurrent_dynamics_method",
    "voltage_dynamics_method",
    "threshold_dynamics_method",
    "AScurrent_reset_method",
    "voltage_reset_method",
    "threshold_reset_method",
)

#: The neuron_config fields before ``coeffs`` and the method families, in
#: AllenSDK's order (constructor, ``from_dict`` and ``to_dict``).
_PARAM_FIELDS = (
    "El",
    "dt",
    "asc_tau_array",
    "R_input",
    "C",
    "asc_amp_array",
    "spike_cut_length",
    "th_inf",
    "th_adapt",
)

#: The initial-value fields, after the method families.
_INIT_FIELDS = ("init_voltage", "init_threshold", "init_AScurrents")

#: The fields of ``to_dict()`` copied rather than shared (arrays and dicts).
_COPIED_FIELDS = ("asc_tau_array", "asc_amp_array", "init_AScurrents")

#: The order AllenSDK's ``from_dict`` reads the method families in, the two
#: resets swapped (so the first missing one is the one its KeyError names).
_FROM_DICT_FAMILIES = (
    _METHOD_FAMILIES[:3] + ("voltage_reset_method", "AScurrent_reset_method") + _METHOD_FAMILIES[5:]
)


class GlifNeuronMethod(object):
    """AllenSDK's ``GlifNeuronMethod``: a rule's ``name``, the function
    ``method`` and its fixed parameters ``params`` (a dict of keyword
    arguments). Calling it calls ``method(*args, **params, **kwargs)``.
    """

    def __init__(self, method_name, method, method_params):
        self.name = method_name
        self.params = method_params
        self._function = method
        self.method = _partial(method, method_params)

    def __call__(self, *args, **kwargs):
        return self.method(*args, **kwargs)

    def to_dict(self):
        """``{'name': ..., 'params': ...}``, as in a config file."""
        return {"name": self.name, "params": self.params}

    def modify_parameter(self, param, operator):
        """Replaces parameter ``param`` by ``operator(old value)``; returns the new value."""
        value = operator(self.method.keywords[param])
        self.method.keywords[param] = value
        self.params[param] = value
        return value

    def _is_builtin(self):
        return isinstance(self._function, _BuiltinRule)

    def __reduce__(self):
        # pickle stores a function by module and name: a lambda or a nested
        # function cannot be stored. Say so, naming the rule, rather than
        # pickle's "attribute lookup failed".
        import pickle

        try:
            pickle.dumps(self._function)
        except Exception as e:
            raise pickle.PicklingError(
                "custom rule %r: its function %s cannot be pickled (%s); pickle stores a "
                "function by its module and name, so define the rule with def at the top level "
                "of a module to pickle this neuron or send it to another process"
                % (self.name, getattr(self._function, "__qualname__", repr(self._function)), e)
            ) from None
        return (GlifNeuronMethod, (self.name, self._function, self.params))

    def __deepcopy__(self, memo):
        # A copy shares the function (as copy.deepcopy does for functions),
        # so neurons with lambda rules still deep-copy.
        return GlifNeuronMethod(self.name, self._function, _copy.deepcopy(self.params, memo))


def _partial(function, params):
    import functools

    return functools.partial(function, **params)


def interpolate_spike_time(dt, time_step, threshold_t0, threshold_t1, voltage_t0, voltage_t1):
    """AllenSDK's spike time (s): where the voltage line from ``voltage_t0``
    to ``voltage_t1`` crosses the threshold line from ``threshold_t0`` to
    ``threshold_t1`` (V), within the step of length ``dt`` (s) that starts at
    sample ``time_step``: ``time_step*dt + dt*(th0 - v0)/((v1 - v0) - (th1 - th0))``.
    """
    return _glif_rs.interpolate_spike_time(
        float(dt), int(time_step), threshold_t0, threshold_t1, voltage_t0, voltage_t1
    )


def interpolate_spike_value(dt, interpolated_spike_time_offset, v0, v1):
    """AllenSDK's value at ``interpolated_spike_time_offset`` (s) into a step
    of ``dt`` (s) of a quantity going from ``v0`` to ``v1``:
    ``v0 + (v1 - v0)*offset/dt``."""
    return _glif_rs.interpolate_spike_value(float(dt), interpolated_spike_time_offset, v0, v1)


def read_config(path, model_id=None):
    """Reads a neuron_config JSON file, bare or keyed by neuronal model id
    (as the Allen API returns it; ``model_id`` chooses one when the file
    holds several) and returns the bare config dict for
    ``GlifNeuron.from_dict``. Raises KeyError/TypeError/ValueError naming
    the field, the value and what was expected; OSError when the file
    cannot be read."""
    return _glif_rs.read_config(path, model_id)


#: AllenSDK's default voltage (V) written where a simulation leaves NaN.
DEFAULT_SPIKE_CUT_VALUE = 0.05

_NO_NWB = (
    "glif_rs was built without NWB support (cargo feature `nwb`, which links the HDF5 C "
    "library): install libhdf5 (Debian: libhdf5-dev) and reinstall with "
    "MATURIN_PEP517_ARGS=\"--features nwb\" pip install ./crates/glif-py"
)


def _nwb():
    if not hasattr(_glif_rs, "simulate_neuron"):
        raise ImportError(_NO_NWB)
    return _glif_rs


def simulate_sweep(neuron, stimulus, spike_cut_value):
    """AllenSDK's ``simulate_sweep``: ``neuron.run(stimulus)`` (stimulus in
    A, one sample per ``neuron.dt``) with every NaN of the voltage (the
    samples cut after spikes) replaced by ``spike_cut_value`` (V). Returns
    the result dict. Needs no NWB support."""
    data = neuron.run(stimulus)
    voltage = data["voltage"]
    voltage[_np.isnan(voltage)] = spike_cut_value
    return data


def load_sweep(file_name, sweep_number):
    """AllenSDK's ``load_sweep``: ``NwbDataSet(file_name).get_sweep(sweep_number)``
    of an Allen NWB 1.x file, read by glif-rs: a dict with ``stimulus`` (A),
    ``response`` (V), ``stimulus_unit`` (``"Amps"``, ``"Volts"`` or
    ``"Unknown"``), ``index_range`` (first, last sample of the experiment)
    and ``sampling_rate`` (Hz). Arrays are float64 holding exactly the
    stored values (AllenSDK returns the stored float32 arrays), and
    ``conversion`` is applied for pipeline version 1.1 and later (see
    docs/DIFFERENCES.md). Needs the ``nwb`` build (ImportError otherwise);
    KeyError for a missing sweep or dataset, OSError for a file that is not
    an NWB 1.x file."""
    return _nwb().load_sweep(_fspath(file_name), int(sweep_number))


def simulate_neuron(neuron, sweep_numbers, input_file_name, output_file_name, spike_cut_value,
                    exp="numpy"):
    """AllenSDK's ``simulate_neuron``: simulates each sweep of
    ``sweep_numbers`` of the Allen NWB 1.x file ``input_file_name`` with
    ``neuron`` at the sweep's time step (1 / sampling rate; as AllenSDK,
    ``neuron.dt`` is left at the last sweep's) and writes the voltage (NaN
    as ``spike_cut_value``, V) as the sweep's response and the interpolated
    spike times to ``output_file_name``. Sweeps run in parallel, the GIL
    released; Ctrl-C stops them with KeyboardInterrupt and nothing is
    written (a copy made for ``output_file_name`` is removed).

    ``output_file_name`` may be the input (written in place), an existing
    copy of it (written in place, as AllenSDK does), or a new path (glif-rs
    copies the input there first; AllenSDK would fail). ``exp`` as in
    ``GlifNeuron.run``. Needs the ``nwb`` build (ImportError otherwise).
    Raises KeyError/TypeError/ValueError for a bad neuron, OSError for a
    file that cannot be read or written, and ValueError naming every sweep
    that failed (after writing the others).
    """
    # Python rules: the neuron itself, one sweep at a time on this thread,
    # the GIL held; built-in rules: its config, sweeps in parallel.
    model = neuron if neuron._custom_families() else neuron.to_dict()
    done = _nwb().simulate_neuron(
        model,
        [int(n) for n in sweep_numbers],
        _fspath(input_file_name),
        _fspath(output_file_name),
        float(spike_cut_value),
        exp,
    )
    if done:
        neuron.dt = done[-1][1]


def _config_dt(config):
    """The ``dt`` of a config dict, bare or keyed by one model id; None if it has none."""
    if isinstance(config, dict) and len(config) == 1 and "dt" not in config:
        config = next(iter(config.values()))
    if isinstance(config, dict) and "dt" in config:
        try:
            return float(config["dt"])
        except (TypeError, ValueError):
            return None
    return None


def _fspath(path):
    return _os.fspath(path)


def _is_stimulus_list(stimulus_or_stimuli):
    """Whether the argument is one stimulus per model (a list or tuple of
    array-likes, or a 2-D array: one row per model) rather than one stimulus."""
    if isinstance(stimulus_or_stimuli, _np.ndarray):
        return stimulus_or_stimuli.ndim == 2
    if isinstance(stimulus_or_stimuli, (list, tuple)) and len(stimulus_or_stimuli) > 0:
        return _np.ndim(stimulus_or_stimuli[0]) >= 1
    return False


def _samples(stim, what):
    """``stim`` as a contiguous float64 array (no copy when it already is one)."""
    try:
        a = _np.ascontiguousarray(stim, dtype=_np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(
            "%s: expected a 1-D array-like of input current samples (A), one per dt (%s)" % (what, e)
        )
    if a.ndim != 1:
        raise ValueError(
            "%s: found an array of shape %s, expected a 1-D array of input current samples (A), "
            "one per dt" % (what, a.shape)
        )
    return a


def run_many(neurons_or_configs, stimulus_or_stimuli, dt=None, record="all", threads=None,
             progress=None, exp="numpy"):
    """Runs many models at once, across cores, through glif-rs's batch
    runner (the population engine for the five published levels), the GIL
    released while they run.

    ``neurons_or_configs``: a list of ``GlifNeuron`` objects and/or config
    dicts (bare, or keyed by one neuronal model id, as ``from_dict`` takes
    them). ``stimulus_or_stimuli``: one stimulus (A, one sample per ``dt``)
    shared by every model, or one per model (a list of 1-D array-likes, or
    a 2-D array with one row per model; each model then runs alone on its
    own). ``dt`` (s): the stimulus sampling interval, replacing every
    model's own; ``None`` takes the models' ``dt`` when they all agree.
    ``record``: ``"all"`` (AllenSDK's full ``run()`` dict) or ``"spikes"``
    (the five spike keys only; memory independent of the stimulus length:
    use it for many models on long stimuli). ``threads``: worker threads of
    the batch's own (``None``: rayon's pool, one per core); the results do
    not depend on it. ``progress``: called as ``progress(done,
    total)`` in neuron-steps, from the worker threads while the batch runs;
    an exception it raises stops the reports and is raised after the batch.
    ``exp``: as in ``GlifNeuron.run`` (``"numpy"`` by default: each model's
    exponentials from this process's ``numpy.exp``, so each result equals
    that model's own ``run()``, and AllenSDK's, bit for bit).

    Returns a list with one entry per model, in order: the result dict its
    ``run()`` would return, or the exception object (KeyError, TypeError,
    ValueError, NotImplementedError) its config or run raised; one bad
    model never fails the others. Ctrl-C stops the batch (between chunks of
    16,384 samples) with KeyboardInterrupt and returns nothing. A
    ``GlifNeuron`` with a custom (Python) rule runs after the batch, one at
    a time on the calling thread with the GIL held, at ``dt`` (set on the
    neuron for its run, then restored), exactly as its ``run()``;
    ``progress`` counts the batch's models only.
    """
    items = list(neurons_or_configs)
    configs, slots, custom = [], [], []
    for i, item in enumerate(items):
        if isinstance(item, GlifNeuron):
            if item._custom_families():
                # Python rules: run after the batch, one at a time (below).
                custom.append(i)
                configs.append(item.to_dict())
                slots.append(_CUSTOM)
                continue
            configs.append(item.to_dict())
        else:
            configs.append(item)
        slots.append(None)
    if dt is None:
        dts = set(_config_dt(c) for c in configs)
        if len(dts) != 1 or None in dts:
            raise ValueError(
                "dt: found None and models whose dt differ or is missing (%s), expected the "
                "stimulus sampling interval (s)" % sorted(str(d) for d in dts)
            )
        dt = dts.pop()
    try:
        dt = float(dt)
    except (TypeError, ValueError):
        raise TypeError("dt: found %r, expected a time step in seconds" % (dt,))
    batch = [c for c, slot in zip(configs, slots) if slot is None]
    if _is_stimulus_list(stimulus_or_stimuli):
        if len(stimulus_or_stimuli) != len(items):
            raise ValueError(
                "stimulus_or_stimuli: found %d stimuli for %d models, expected one per model "
                "(or one stimulus for all)" % (len(stimulus_or_stimuli), len(items))
            )
        stimuli = [
            _samples(s, "stimulus_or_stimuli[%d]" % i)
            for i, (s, slot) in enumerate(zip(stimulus_or_stimuli, slots))
            if slot is None or slot is _CUSTOM
        ]
        own = dict(zip([i for i, slot in enumerate(slots) if slot is None or slot is _CUSTOM],
                       stimuli))
        results = _glif_rs.run_many(batch, dt, stimuli=[own[i] for i, slot in enumerate(slots)
                                                        if slot is None],
                                    record=record, threads=threads, progress=progress, exp=exp)
        stimulus_of = own.get
    else:
        stimulus = _samples(stimulus_or_stimuli, "stimulus_or_stimuli")
        results = _glif_rs.run_many(batch, dt, stimulus=stimulus, record=record,
                                    threads=threads, progress=progress, exp=exp)
        stimulus_of = lambda i: stimulus  # noqa: E731
    results = iter(results)
    out = [next(results) if slot is None else slot for slot in slots]
    for i in custom:
        out[i] = _run_custom_item(items[i], stimulus_of(i), dt, exp, record)
    return out


#: run_many's placeholder for a neuron with Python rules, run after the batch.
_CUSTOM = object()


def _run_custom_item(neuron, stimulus, dt, exp, record):
    """``neuron.run(stimulus)`` at time step ``dt`` (the neuron's ``dt`` is
    set for the run, as its rules may read it, and restored); the exception
    object instead of the result if it raises one (not KeyboardInterrupt)."""
    old = neuron.dt
    neuron.dt = dt
    try:
        return neuron.run(stimulus, exp=exp, record=record)
    except Exception as e:  # each model's own error, as the batch reports them
        return e
    finally:
        neuron.dt = old


class GlifNeuron(object):
    """AllenSDK's ``GlifNeuron`` (generalized leaky integrate-and-fire
    neuron, Teeter et al. 2018), with the same constructor, attributes and
    methods, run by glif-rs.

    Parameters (SI units)
    ---------------------
    El : float
        resting potential (V)
    dt : float
        time step (s); set it to the stimulus sampling interval
    asc_tau_array : array-like
        after-spike current time constants (s), one per current
    R_input : float
        input resistance (ohm)
    C : float
        capacitance (F)
    asc_amp_array : array-like
        after-spike current amplitudes (A), one per current
    spike_cut_length : int
        samples replaced by NaN after each spike
    th_inf : float
        instantaneous threshold (V)
    th_adapt : float or None
        adapted threshold (V); kept, not used by the rules
    coeffs : dict
        coefficients multiplied onto parameters (``th_inf``, ``C``, ``G``,
        ``a``, ``b``, ``asc_amp_array``); each defaults to 1
    AScurrent_dynamics_method, voltage_dynamics_method,
    threshold_dynamics_method, AScurrent_reset_method,
    voltage_reset_method, threshold_reset_method : dict
        ``{'name': rule name, 'params': {...}}``, names from METHOD_LIBRARY
    init_voltage : float
        initial voltage (V)
    init_threshold : float
        initial threshold (V)
    init_AScurrents : array-like
        initial after-spike currents (A), one per current

    Raises KeyError, TypeError or ValueError naming the field, the value and
    what was expected when the parameters cannot make a neuron.
    """

    TYPE = "GLIF"

    def __init__(
        self,
        El,
        dt,
        asc_tau_array,
        R_input,
        C,
        asc_amp_array,
        spike_cut_length,
        th_inf,
        th_adapt,
        coeffs,
        AScurrent_dynamics_method,
        voltage_dynamics_method,
        threshold_dynamics_method,
        AScurrent_reset_method,
        voltage_reset_method,
        threshold_reset_method,
        init_voltage,
        init_threshold,
        init_AScurrents,
        **kwargs
    ):
        self.type = GlifNeuron.TYPE
        self.El = El
        self.dt = dt
        self.asc_tau_array = _np.array(asc_tau_array)
        self.R_input = R_input
        self.C = C
        self.asc_amp_array = _np.array(asc_amp_array)
        self.spike_cut_length = _spike_cut_length(spike_cut_length)
        self.th_inf = th_inf
        self.th_adapt = th_adapt
        self.threshold_components = None
        self.init_voltage = init_voltage
        self.init_threshold = init_threshold
        self.init_AScurrents = init_AScurrents
        self.coeffs = {
            "th_inf": 1,
            "C": 1,
            "G": 1,
            "b": 1,
            "a": 1,
            "asc_amp_array": _np.ones(len(self.asc_tau_array)),
        }
        self.coeffs.update(coeffs)
        methods = locals()  # the six method arguments, by family name
        for family in _METHOD_FAMILIES:
            setattr(self, family, self.configure_library_method(family, methods[family]))
        _glif_rs.check_config(self._config())

    def __str__(self):
        import json

        return json.dumps(_jsonable(self.to_dict()), indent=2)

    @property
    def tau_m(self):
        """Membrane time constant ``R_input*C`` (s)."""
        return self.R_input * self.C

    @property
    def G(self):
        """Membrane conductance ``1/R_input`` (S). Follows ``R_input``
        (AllenSDK computes it once in the constructor); set ``R_input`` to
        change it."""
        return 1.0 / self.R_input

    @property
    def k(self):
        """After-spike current decay rates ``1/asc_tau_array`` (1/s)."""
        return 1.0 / self.asc_tau_array

    @classmethod
    def from_dict(cls, d, model_id=None):
        """A neuron from a neuron_config dict: the bare form (Teeter et al.
        files, ``to_dict()``) or keyed by neuronal model id as the Allen API
        returns it (``{"566283540": {...}}``; ``model_id`` chooses one when
        there are several). As in AllenSDK, set ``neuron.dt`` to the stimulus
        sampling interval afterwards."""
        chosen = _glif_rs.select_config(d, None if model_id is None else str(model_id))
        if chosen is not None:
            d = d[chosen] if chosen in d else d[int(chosen)]
        fields = {f: d[f] for f in _PARAM_FIELDS}
        fields["coeffs"] = d.get("coeffs", {})
        fields.update((f, d[f]) for f in _FROM_DICT_FAMILIES + _INIT_FIELDS)
        return cls(**fields)

    def to_dict(self):
        """The neuron as a dict with AllenSDK's keys (its ``from_dict``
        reads it)."""
        d = {"type": self.type}
        for field in _PARAM_FIELDS:
            d[field] = getattr(self, field)
        d["coeffs"] = _copy.deepcopy(self.coeffs)
        for family in _METHOD_FAMILIES:
            d[family] = _copy.deepcopy(getattr(self, family).to_dict())
        for field in _INIT_FIELDS:
            d[field] = getattr(self, field)
        for field in _COPIED_FIELDS:
            d[field] = _copy.deepcopy(d[field])
        d["El_reference"] = self.El
        return d

    @staticmethod
    def configure_method(method_name, method, method_params):
        """A GlifNeuronMethod from a name, a Python function and its fixed
        parameters (AllenSDK's custom rule). Assign it to any of the six
        method attributes; ``run()`` then calls it as AllenSDK does, with
        ``**method_params`` added:

        - ``AScurrent_dynamics_method(neuron, AScurrents_t0, time_step,
          spike_time_steps)`` -> currents (A), each step;
        - ``voltage_dynamics_method(neuron, voltage_t0, AScurrents_t0, inj)``
          -> voltage (V), each step;
        - ``threshold_dynamics_method(neuron, threshold_t0, voltage_t0,
          AScurrents_t0, inj)`` -> threshold (V), each step;
        - ``AScurrent_reset_method(neuron, AScurrents_t1)`` -> currents (A),
          ``voltage_reset_method(neuron, voltage_t1)`` -> voltage (V),
          ``threshold_reset_method(neuron, threshold_t1, voltage_reset)`` ->
          threshold (V), in that order at each spike.

        See ``run()`` for the argument types and what is refused."""
        return GlifNeuronMethod(method_name, method, method_params)

    @staticmethod
    def configure_library_method(method_type, params):
        """A GlifNeuronMethod of the built-in rule ``params['name']`` of
        family ``method_type`` with parameters ``params['params']``."""
        if hasattr(params, "to_dict") and not isinstance(params, dict):
            # A GlifNeuronMethod, as AllenSDK's to_dict() holds them.
            params = params.to_dict()
        options = METHOD_LIBRARY.get(method_type)
        if options is None:
            raise KeyError(
                "method type: found %r, expected one of %s" % (method_type, ", ".join(METHOD_LIBRARY))
            )
        if not isinstance(params, dict):
            raise TypeError(
                "%s: found %s, expected a dict {'name': ..., 'params': {...}}"
                % (method_type, type(params).__name__)
            )
        if "name" not in params:
            raise KeyError("%s.name: missing field" % method_type)
        if "params" not in params:
            raise KeyError("%s.params: missing field" % method_type)
        name, method_params = params["name"], params["params"]
        method = options.get(name)
        if method is None:
            raise ValueError(
                "%s.name: unknown method name %r; valid names: %s"
                % (method_type, name, ", ".join(options))
            )
        return GlifNeuron.configure_method(name, method, method_params)

    def _config(self):
        """The bare config dict glif-rs runs (the current attribute values)."""
        return self.to_dict()

    def _builtin_only(self, what):
        custom = [f for f in _METHOD_FAMILIES if not getattr(self, f)._is_builtin()]
        if custom:
            raise NotImplementedError(
                "%s with custom rules (%s) is not supported in this version of glif_rs; "
                "run(), run_many() and simulate_neuron() support them" % (what, ", ".join(custom))
            )

    def _last_components(self):
        tcs = self.threshold_components
        if tcs is None:
            return (0.0, 0.0)
        return (float(tcs["spike"][-1]), float(tcs["voltage"][-1]))

    def _append_components(self, components):
        if self.threshold_components is None:
            self.threshold_components = {"spike": [], "voltage": []}
        self.threshold_components["spike"].append(components[0])
        self.threshold_components["voltage"].append(components[1])

    def dynamics(self, voltage_t0, threshold_t0, AScurrents_t0, inj, time_step, spike_time_steps, exp="numpy"):
        """One time step of the dynamics rules (AllenSDK's ``dynamics``).

        ``voltage_t0`` (V), ``threshold_t0`` (V), ``AScurrents_t0`` (A, one
        per current), ``inj`` (A); ``time_step`` and ``spike_time_steps``
        are accepted for AllenSDK's signature and not used (no built-in rule
        reads them). Returns ``(voltage_t1, threshold_t1, AScurrents_t1)``.
        As in AllenSDK, the adaptive threshold rules read the last entry of
        ``neuron.threshold_components`` (0 when it is None) and append the
        new components.
        """
        self._builtin_only("dynamics()")
        v, th, asc, components = _glif_rs.dynamics(
            self._config(),
            float(voltage_t0),
            float(threshold_t0),
            [float(a) for a in AScurrents_t0],
            float(inj),
            self._last_components(),
            exp,
        )
        if self.threshold_dynamics_method.name != "inf":
            self._append_components(components)
        return v, th, _np.array(asc, dtype=float)

    def reset(self, voltage_t0, threshold_t0, AScurrents_t0, exp="numpy"):
        """The reset rules applied to values that crossed threshold
        (AllenSDK's ``reset``): returns ``(voltage_t1, threshold_t1,
        AScurrents_t1, bad_reset_flag)``, the values the neuron resumes from
        after the spike cut (V, V, A) and whether the voltage is above the
        threshold. ``three_components`` threshold reset reads the last
        threshold components and appends the reset ones (AllenSDK also
        appends the decay values of every cut sample; glif_rs keeps only
        the values the next step reads). Raises ValueError where AllenSDK
        raises: that reset with no threshold components yet, and currents
        that are not zero under the ``none`` current reset.
        """
        self._builtin_only("reset()")
        three = self.threshold_reset_method.name == "three_components"
        if three and self.threshold_components is None:
            raise ValueError(
                "threshold_reset_method 'three_components': reset should never happen at the "
                "beginning of a trace (no threshold components yet; AllenSDK raises the same)"
            )
        v, th, asc, components = _glif_rs.reset(
            self._config(),
            float(voltage_t0),
            float(threshold_t0),
            [float(a) for a in AScurrents_t0],
            self._last_components(),
            exp,
        )
        if three:
            self._append_components(components)
        return v, th, _np.array(asc, dtype=float), v > th

    def run(self, stim, exp="numpy", record="all"):
        """Runs the neuron over ``stim`` (input current, A, one sample per
        ``dt``) from its initial values and returns AllenSDK's dict:

        - ``voltage`` (V), ``threshold`` (V): float64, one per sample, NaN
          inside spike cuts (and after a bad reset's five held samples);
        - ``AScurrents`` (A): float64, samples x currents;
        - ``grid_spike_times`` (s), ``interpolated_spike_times`` (s),
          ``interpolated_spike_voltage`` (V), ``interpolated_spike_threshold``
          (V): float64, one per spike;
        - ``spike_time_steps``: int64 sample indices (float64 when empty,
          as numpy makes AllenSDK's empty list).

        ``stim``: any 1-D array-like of numbers; float64 and float32 numpy
        arrays (contiguous or not) are read in place. ``exp``: ``"numpy"``
        (default; AllenSDK's exponentials on this machine) or ``"libm"``
        (portable). ``record="spikes"`` returns only the five spike keys (for
        long stimuli). The GIL is released while the compiled rules run,
        so threads running other neurons run in parallel. Ctrl-C stops the
        run with KeyboardInterrupt (nothing returned, the neuron unchanged).

        Custom rules (``configure_method``, any family) are called with
        AllenSDK's arguments in AllenSDK's order (see ``configure_method``):
        voltages, thresholds and ``inj`` as Python floats, currents as a
        float64 array (one object shared by a step's three dynamics rules),
        ``time_step`` an int and ``spike_time_steps`` the run's list of
        spike steps. As in AllenSDK, ``threshold_components`` is reset to
        None at the start and the built-in threshold rules append to it
        (they run in Python in such a run; the other built-in rules run
        compiled, with the parameters the neuron had when ``run`` started).
        A rule returns a number (voltage and threshold rules) or the
        currents (an array-like with one number per current, or one number
        for all of them: the next step's rules then get the array). Such a
        run holds the GIL and takes about as long as the Python calls it
        makes (crates/glif-py/README.md); Ctrl-C still stops it.

        Raises ValueError when a stimulus sample is NaN or infinite
        (naming its index and value), when the run produces a non-finite
        voltage or threshold (a ``dt`` far too large), or when ``AScurrent_reset_method`` is ``none`` but the
        currents are not zero at a spike. An exception raised by a custom
        rule propagates, with a note naming its family, its name and the
        step; a custom rule that returns something else than its family
        returns (a tuple, a wrong number of currents) raises TypeError or
        ValueError, and one that returns NaN or infinity ValueError, each
        naming the family, the rule, the step and the value.
        """
        if self._custom_families():
            config, methods = self._custom_run_args()
            # AllenSDK starts every run without threshold components.
            self.threshold_components = None
            return _glif_rs.run(config, stim, exp, record, methods, self)
        return _glif_rs.run(self._config(), stim, exp, record)

    def _custom_families(self):
        """The families whose rule is a Python function (configure_method)."""
        return [f for f in _METHOD_FAMILIES if not getattr(self, f)._is_builtin()]

    def _custom_run_args(self):
        """(config, methods) for a run with Python rules: ``methods`` has one
        entry per family in the order of ``_RUN_FAMILIES``, ``None`` for a
        built-in rule that runs compiled or ``(callable, name)``; the
        config holds a placeholder rule for each family called in Python.
        The built-in rules that keep ``threshold_components`` are called in
        Python too (``_component_rules``), so that Python rules see and
        change the same lists as in AllenSDK."""
        config = self.to_dict()
        methods = []
        for family in _RUN_FAMILIES:
            m = getattr(self, family)
            if m._is_builtin():
                function = _component_rules.RULES.get((family, m.name))
                if function is None:
                    methods.append(None)
                    continue
                call = _partial(function, m.method.keywords)
            else:
                call = m
            methods.append((call, m.name))
            config[family] = _PLACEHOLDERS[family]
        return config, methods

    def append_threshold_components(self, spike, voltage):
        """Appends a spike and a voltage component (V) to
        ``threshold_components`` (AllenSDK's method, which its threshold
        rules, and rules copied from them, call)."""
        self.threshold_components["spike"].append(spike)
        self.threshold_components["voltage"].append(voltage)


#: The families in the order ``_glif_rs.run`` takes Python rules in
#: (glif-io's ``Methods::KEYS``).
_RUN_FAMILIES = (
    "voltage_dynamics_method",
    "threshold_dynamics_method",
    "AScurrent_dynamics_method",
    "voltage_reset_method",
    "threshold_reset_method",
    "AScurrent_reset_method",
)

#: A built-in rule without parameters for each family, written into the
#: config for a family whose rule is called in Python (it is never run,
#: but the config must name a rule; these keep the config's checks
#: satisfied whatever the other rules are).
_PLACEHOLDERS = {
    "voltage_dynamics_method": {"name": "linear_forward_euler", "params": {}},
    "threshold_dynamics_method": {"name": "inf", "params": {}},
    "AScurrent_dynamics_method": {"name": "none", "params": {}},
    "voltage_reset_method": {"name": "zero", "params": {}},
    "threshold_reset_method": {"name": "inf", "params": {}},
    "AScurrent_reset_method": {"name": "none", "params": {}},
}


def _spike_cut_length(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError(
            "spike_cut_length: found %r, expected a non-negative whole number of samples" % (value,)
        )


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, _np.ndarray):
        return value.tolist()
    if isinstance(value, _np.generic):
        return value.item()
    return value
