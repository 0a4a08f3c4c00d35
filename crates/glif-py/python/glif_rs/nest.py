"""NEST 3.10's GLIF models, run as NEST runs them, from numpy.

``glif_rs.nest.run`` runs ``glif_psc``, ``glif_psc_double_alpha`` or
``glif_cond`` bit for bit as NEST 3.10 does (what ``glif nest`` writes, as
numpy arrays), without NEST: a way to prototype a neuron's parameters and
input before building a NEST network. ``glif_rs.to_nest`` turns an Allen
model into such a parameter dict. NEST's units: mV, ms, pA, nS, pF.

    import glif_rs
    params = glif_rs.to_nest("566283540_neuron_config.json", model="glif_psc")
    out = glif_rs.nest.run("glif_psc", params, resolution=0.1, duration=1000.0, dc=300.0)
    out["V_m"], out["spike_times"]
"""

from . import _glif_rs

__all__ = ["MODELS", "run"]

#: NEST's GLIF models this module runs.
MODELS = ("glif_psc", "glif_psc_double_alpha", "glif_cond")


def run(model, params, resolution, duration, dc=0.0, spikes=None, current=None, precision="f64"):
    """Run NEST's ``model`` as NEST 3.10 does; return its recordables.

    - ``model``: ``"glif_psc"``, ``"glif_psc_double_alpha"`` or ``"glif_cond"``.
    - ``params``: NEST's parameter dict (NEST names and units, as
      ``nest.SetStatus`` takes them; ``glif_rs.to_nest`` makes one from an
      Allen model); absent keys take NEST 3.10's defaults, unknown keys
      and invalid switch combinations raise ``ValueError``/``KeyError``.
    - ``resolution`` (ms): the simulation step ``h``; ``duration`` (ms): a
      whole number of steps.
    - ``dc`` (pA): a constant current from the first step.
    - ``spikes``: input spikes, a list of ``{"port": 1-based receptor_type,
      "times": [ms, ...], "weights": [...]}``, each time the arrival at the
      neuron on the resolution grid.
    - ``current``: a ``step_current_generator``, ``{"amplitude_times": [ms],
      "amplitude_values": [pA], "delay": ms}`` (delay default 1 ms, NEST's);
      amplitude ``a_i`` shows in ``I`` from the sample at ``t_i + delay``
      on, added to ``dc``.
    - ``precision``: ``"f64"`` (NEST's) or ``"f32"``.

    Returns a dict of float64 arrays: ``"times"`` (ms, ``h`` to
    ``duration``, one sample at the end of every step, as NEST's multimeter
    with ``interval = resolution``), the model's recordables (``V_m``,
    ``I``, ``threshold``, ``threshold_spike``, ``threshold_voltage``,
    ``ASCurrents_sum``, and ``I_syn`` or ``g_1``..``g_n``) and
    ``"spike_times"`` (ms). The GIL is released while the model runs.
    """
    return _glif_rs.nest_run(model, params, resolution, duration, dc, spikes, current, precision)
