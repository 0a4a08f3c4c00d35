"""The three built-in rules that keep ``neuron.threshold_components``, as
Python functions, for runs that also have a custom (Python) rule.

A custom rule receives the neuron and may read or change its
``threshold_components`` (AllenSDK's own ``three_components`` threshold
reset, copied and modified, does); AllenSDK's built-in threshold rules
read and append to those lists at every step. So when a run has any
custom rule, these built-ins run here, on the neuron's lists, exactly as
AllenSDK 2.16.2's ``glif_neuron_methods`` computes them (the same numpy
operations in the same order, so the same bits), and every other built-in
rule runs compiled. Runs without a custom rule never call these: the
compiled engine keeps the last components only.

Units: volts (V), seconds (s), amperes (A), farads (F), siemens (S).
"""

import numpy as np


def _last(neuron):
    """(spike, voltage) components of the last step (V); 0, 0 (and empty
    lists made) when the run has none yet."""
    if neuron.threshold_components is None:
        neuron.threshold_components = {"spike": [], "voltage": []}
        return 0, 0
    tcs = neuron.threshold_components
    return tcs["spike"][-1], tcs["voltage"][-1]


def threshold_spike_component(neuron, threshold_t0, voltage_t0, AScurrents_t0, inj,
                              a_spike, b_spike, a_voltage, b_voltage):
    """``spike_component`` threshold dynamics: the spike component decays,
    ``ths1 = ths0*exp(-b_spike*dt)``; returns ``ths1 + th_inf*coeffs['th_inf']``
    and appends ``(ths1, 0.0)`` to the components."""
    th_spike, _ = _last(neuron)
    spike = th_spike * np.exp(-b_spike * neuron.dt)
    neuron.append_threshold_components(spike, 0.0)
    return spike + neuron.th_inf * neuron.coeffs["th_inf"]


def threshold_three_components_exact(neuron, threshold_t0, voltage_t0, AScurrents_t0, inj,
                                     a_spike, b_spike, a_voltage, b_voltage):
    """``three_components_exact`` threshold dynamics (Mihalas & Niebur 2009,
    eq. 2.1, relative to ``th_inf``), with ``a = a_voltage*coeffs['a']``,
    ``b = b_voltage*coeffs['b']``, ``I = inj + sum(AScurrents_t0)``,
    ``Ce = C*coeffs['C']``, ``g = G*coeffs['G']``, ``beta = (I + g*El)/g``,
    ``phi = a/(b - g/Ce)``:
    ``thv1 = phi*(v0 - beta)*exp(-g*dt/Ce) + (thv0 - phi*(v0 - beta) - (a/b)*(beta - El))/exp(b*dt)
    + (a/b)*(beta - El)``, ``ths1 = ths0*exp(-b_spike*dt)``; returns
    ``thv1 + ths1 + th_inf*coeffs['th_inf']`` and appends ``(ths1, thv1)``."""
    th_spike, th_voltage = _last(neuron)
    a = a_voltage * neuron.coeffs["a"]
    b = b_voltage * neuron.coeffs["b"]
    current = inj + np.sum(AScurrents_t0)
    capacitance = neuron.C * neuron.coeffs["C"]
    g = neuron.G * neuron.coeffs["G"]
    t = neuron.dt
    el = neuron.El
    beta = (current + g * el) / g
    phi = a / (b - g / capacitance)
    # AllenSDK's expression term for term (its "- 0" and "+ 0" included:
    # they decide the sign of a zero).
    voltage = (phi * (voltage_t0 - beta) * np.exp(-g * t / capacitance)
               + 1 / (np.exp(b * t)) * (th_voltage - phi * (voltage_t0 - beta) - (a / b) * (beta - el) - 0)
               + (a / b) * (beta - el) + 0)
    spike = th_spike * np.exp(-b_spike * t)
    neuron.append_threshold_components(spike, voltage)
    return voltage + spike + neuron.th_inf * neuron.coeffs["th_inf"]


def threshold_reset_three_components(neuron, threshold_t0, voltage_v1, a_spike, b_spike):
    """``three_components`` threshold reset: appends one entry per cut
    sample (the spike component decaying, ``ths*exp(-b_spike*i*dt)`` for
    ``i = 1..spike_cut_length``; the voltage component held), adds
    ``a_spike`` to the last spike component and returns the last spike
    and voltage components plus ``th_inf*coeffs['th_inf']`` (V). Raises, as
    AllenSDK does, when the run has no components yet."""
    if neuron.threshold_components is None:
        raise Exception("reset should never happen at the beginning of a trace")
    tcs = neuron.threshold_components
    th_spike = tcs["spike"][-1]
    th_voltage = tcs["voltage"][-1]
    times = np.arange(1, neuron.spike_cut_length + 1) * neuron.dt
    decay = th_spike * np.exp(-b_spike * times)
    tcs["voltage"].extend(np.ones(neuron.spike_cut_length) * th_voltage)
    tcs["spike"].extend(decay)
    tcs["spike"][-1] = tcs["spike"][-1] + a_spike
    return tcs["spike"][-1] + tcs["voltage"][-1] + neuron.th_inf * neuron.coeffs["th_inf"]


#: (family, built-in name) -> its Python function.
RULES = {
    ("threshold_dynamics_method", "spike_component"): threshold_spike_component,
    ("threshold_dynamics_method", "three_components_exact"): threshold_three_components_exact,
    ("threshold_reset_method", "three_components"): threshold_reset_three_components,
}
