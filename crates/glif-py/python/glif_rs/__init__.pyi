"""Type stubs for glif_rs: AllenSDK's allensdk.model.glif, run by glif-rs.
Units are SI: V, s, A, ohm, F."""

from os import PathLike
from typing import Any, Callable, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import nest as nest
# The extension's own functions, exported as they are (see __init__.py).
from ._glif_rs import (
    DcScan as DcScan,
    ModelInfo as ModelInfo,
    explained_variance as explained_variance,
    fit as fit,
    fit_optimize as fit_optimize,
    fit_preprocess as fit_preprocess,
    info as info,
    to_nest as to_nest,
)

__version__: str
version: str

ArrayLike = Union[npt.ArrayLike, Sequence[float]]
MethodConfig = Mapping[str, Any]  # {"name": str, "params": dict}

class GlifBadResetException(Exception):
    """AllenSDK's bad-reset exception; not raised by run() (as in AllenSDK 2.16.2)."""
    dv: float  # V: how far the reset voltage is above the reset threshold
    def __init__(self, message: str, dv: float) -> None: ...

class GlifNeuronMethod:
    """A rule: its name, its function and the function's fixed parameters."""
    name: str
    params: Dict[str, Any]
    method: Callable[..., Any]
    def __init__(self, method_name: str, method: Callable[..., Any], method_params: Dict[str, Any]) -> None: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def to_dict(self) -> Dict[str, Any]: ...
    def modify_parameter(self, param: str, operator: Callable[[Any], Any]) -> Any: ...

#: rule family -> rule name -> rule (AllenSDK 2.16.2's families and names).
METHOD_LIBRARY: Dict[str, Dict[str, Any]]
#: glif-rs rules beyond AllenSDK's library (linear_exact voltage dynamics).
EXTRA_METHOD_LIBRARY: Dict[str, Dict[str, Any]]

class GlifNeuron:
    TYPE: str
    type: str
    El: float  # V, resting potential
    dt: float  # s, time step (set it to the stimulus sampling interval)
    asc_tau_array: np.ndarray  # s, one per after-spike current
    R_input: float  # ohm
    C: float  # F
    asc_amp_array: np.ndarray  # A, one per after-spike current
    spike_cut_length: int  # samples
    th_inf: float  # V
    th_adapt: Optional[float]  # V
    coeffs: Dict[str, Any]  # th_inf, C, G, a, b, asc_amp_array (dimensionless)
    init_voltage: float  # V
    init_threshold: float  # V
    init_AScurrents: ArrayLike  # A
    threshold_components: Optional[Dict[str, List[float]]]  # AllenSDK's lists, kept by runs with custom rules
    AScurrent_dynamics_method: GlifNeuronMethod
    voltage_dynamics_method: GlifNeuronMethod
    threshold_dynamics_method: GlifNeuronMethod
    AScurrent_reset_method: GlifNeuronMethod
    voltage_reset_method: GlifNeuronMethod
    threshold_reset_method: GlifNeuronMethod
    def __init__(
        self,
        El: float,
        dt: float,
        asc_tau_array: ArrayLike,
        R_input: float,
        C: float,
        asc_amp_array: ArrayLike,
        spike_cut_length: int,
        th_inf: float,
        th_adapt: Optional[float],
        coeffs: Mapping[str, Any],
        AScurrent_dynamics_method: MethodConfig,
        voltage_dynamics_method: MethodConfig,
        threshold_dynamics_method: MethodConfig,
        AScurrent_reset_method: MethodConfig,
        voltage_reset_method: MethodConfig,
        threshold_reset_method: MethodConfig,
        init_voltage: float,
        init_threshold: float,
        init_AScurrents: ArrayLike,
        **kwargs: Any,
    ) -> None: ...
    @property
    def tau_m(self) -> float:
        """R_input*C (s)."""
    @property
    def G(self) -> float:
        """1/R_input (S)."""
    @property
    def k(self) -> np.ndarray:
        """1/asc_tau_array (1/s)."""
    @classmethod
    def from_dict(cls, d: Mapping[Any, Any], model_id: Union[str, int, None] = None) -> "GlifNeuron": ...
    def to_dict(self) -> Dict[str, Any]: ...
    @staticmethod
    def configure_method(method_name: str, method: Callable[..., Any], method_params: Dict[str, Any]) -> GlifNeuronMethod: ...
    @staticmethod
    def configure_library_method(method_type: str, params: MethodConfig) -> GlifNeuronMethod: ...
    def append_threshold_components(self, spike: float, voltage: float) -> None: ...
    def dynamics(
        self,
        voltage_t0: float,
        threshold_t0: float,
        AScurrents_t0: ArrayLike,
        inj: float,
        time_step: int,
        spike_time_steps: Any,
        exp: Literal["numpy", "libm"] = "numpy",
    ) -> Tuple[float, float, np.ndarray]:
        """One step: (voltage V, threshold V, currents A)."""
    def reset(
        self,
        voltage_t0: float,
        threshold_t0: float,
        AScurrents_t0: ArrayLike,
        exp: Literal["numpy", "libm"] = "numpy",
    ) -> Tuple[float, float, np.ndarray, bool]:
        """After a spike: (voltage V, threshold V, currents A, bad_reset_flag)."""
    def run(
        self,
        stim: ArrayLike,
        exp: Literal["numpy", "libm"] = "numpy",
        record: Literal["all", "spikes"] = "all",
    ) -> Dict[str, np.ndarray]:
        """stim: input current (A), one sample per dt. Returns voltage (V),
        threshold (V), AScurrents (A, samples x currents), grid_spike_times
        (s), interpolated_spike_times (s), spike_time_steps (int64),
        interpolated_spike_voltage (V), interpolated_spike_threshold (V)."""

def interpolate_spike_time(
    dt: float, time_step: int, threshold_t0: float, threshold_t1: float, voltage_t0: float, voltage_t1: float
) -> float:
    """Spike time (s) within the step of length dt (s) starting at sample time_step."""

def interpolate_spike_value(dt: float, interpolated_spike_time_offset: float, v0: float, v1: float) -> float:
    """The value at offset (s) into a step of dt (s) going from v0 to v1."""

def read_config(path: Union[str, "PathLike[str]"], model_id: Optional[str] = None) -> Dict[str, Any]:
    """A neuron_config JSON file (bare or keyed by model id) as a bare dict."""

def run_many(
    neurons_or_configs: Sequence[Union[GlifNeuron, Mapping[Any, Any]]],
    stimulus_or_stimuli: Union[ArrayLike, Sequence[ArrayLike]],
    dt: Optional[float] = None,
    record: Literal["all", "spikes"] = "all",
    threads: Optional[int] = None,
    progress: Optional[Callable[[int, int], Any]] = None,
    exp: Literal["numpy", "libm"] = "numpy",
) -> List[Union[Dict[str, np.ndarray], BaseException]]:
    """Many models at once (GIL released): one stimulus (A per sample at dt,
    s) for all, or one per model. Per model, run()'s dict or the exception
    object its config or run raised. progress(done, total) in neuron-steps."""

DEFAULT_SPIKE_CUT_VALUE: float

def simulate_sweep(neuron: GlifNeuron, stimulus: ArrayLike, spike_cut_value: float) -> Dict[str, np.ndarray]:
    """neuron.run(stimulus) with NaN voltages replaced by spike_cut_value (V)."""

def load_sweep(file_name: Union[str, "PathLike[str]"], sweep_number: int) -> Dict[str, Any]:
    """An Allen NWB 1.x sweep: stimulus (A), response (V), stimulus_unit,
    index_range, sampling_rate (Hz). Needs the `nwb` build."""

def simulate_neuron(
    neuron: GlifNeuron,
    sweep_numbers: Sequence[int],
    input_file_name: Union[str, "PathLike[str]"],
    output_file_name: Union[str, "PathLike[str]"],
    spike_cut_value: float,
    exp: Literal["numpy", "libm"] = "numpy",
) -> None:
    """Simulates sweeps of an Allen NWB 1.x file and writes responses and
    spike times to output_file_name. Needs the `nwb` build."""
