"""The compiled half of glif_rs (use the names in glif_rs instead)."""

from os import PathLike
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, TypedDict, Union

import numpy as np

__version__: str

def check_config(config: Dict[str, Any]) -> None: ...
def select_config(d: Dict[Any, Any], model_id: Optional[str] = None) -> Optional[str]: ...
def read_config(path: Union[str, "PathLike[str]"], model_id: Optional[str] = None) -> Dict[str, Any]: ...
def exp_arguments(config: Dict[str, Any]) -> List[float]: ...
def run(
    config: Dict[str, Any],
    stim: Any,
    exp: str = "numpy",
    record: str = "all",
    custom: Optional[List[Optional[Tuple[Callable[..., Any], str]]]] = None,
    neuron: Any = None,
) -> Dict[str, np.ndarray]: ...
def run_many(
    configs: List[Any],
    dt: float,
    stimulus: Optional[np.ndarray] = None,
    stimuli: Optional[List[np.ndarray]] = None,
    record: str = "all",
    threads: Optional[int] = None,
    progress: Any = None,
    exp: str = "numpy",
) -> List[Any]: ...
def interpolate_spike_time(
    dt: float, time_step: int, threshold_t0: float, threshold_t1: float, voltage_t0: float, voltage_t1: float
) -> float: ...
def interpolate_spike_value(dt: float, interpolated_spike_time_offset: float, v0: float, v1: float) -> float: ...
def dynamics(
    config: Dict[str, Any],
    voltage_t0: float,
    threshold_t0: float,
    ascurrents_t0: List[float],
    inj: float,
    components: Tuple[float, float],
    exp: str = "numpy",
) -> Tuple[float, float, List[float], Tuple[float, float]]: ...
def reset(
    config: Dict[str, Any],
    voltage_t0: float,
    threshold_t0: float,
    ascurrents_t0: List[float],
    components: Tuple[float, float],
    exp: str = "numpy",
) -> Tuple[float, float, List[float], Tuple[float, float]]: ...
# Only in builds with the cargo feature `nwb`:
def simulate_neuron(
    model: Any,  # a bare config dict, or a GlifNeuron with Python rules
    sweep_numbers: List[int],
    input_file_name: Union[str, "PathLike[str]"],
    output_file_name: Union[str, "PathLike[str]"],
    spike_cut_value: float,
    exp: str = "numpy",
) -> List[Tuple[int, float, int]]: ...
def load_sweep(file_name: Union[str, "PathLike[str]"], sweep_number: int) -> Dict[str, Any]: ...

# Model facts and NEST (src/info.rs, src/nest.rs).
ConfigSource = Union[str, "PathLike[str]", Mapping[Any, Any], Any]  # a path, a config dict or a GlifNeuron

class DcScan(TypedDict):
    duration: float  # s, each square step
    amplitudes: "np.ndarray"  # A, float64: 10 pA to 1 nA in steps of 10 pA
    spike_counts: "np.ndarray"  # uint64, spikes per amplitude
    bad_reset: "np.ndarray"  # bool, whether the run ended in a bad reset

class ModelInfo(TypedDict):
    model_id: Optional[str]
    level: Optional[int]  # 1..5, None for a custom rule combination
    level_name: str  # "GLIF5 (LIF-R-ASC-A)"
    dt: float  # s, the time step the model was checked at
    file_dt: float  # s, the config's own dt
    tau_m: float  # s, R_input*C
    conductance: float  # S, G*coeffs.G
    capacitance: float  # F, C*coeffs.C
    threshold_at_rest: float  # V, th_inf*coeffs.th_inf
    rheobase_lif: float  # A, (th_inf*coeffs.th_inf - El)*G*coeffs.G
    threshold_voltage_ratio: Optional[float]  # a_voltage*a/(b_voltage*b), GLIF5 only
    rheobase: Optional[float]  # A, with the threshold's voltage component; None: no DC fires it
    euler_step_ratio: Optional[float]  # dt*G/C for forward Euler; None for linear_exact
    euler_warning: Optional[str]
    reset_risk: Optional[str]
    valid: bool
    problems: List[str]
    dc_scan: Optional[DcScan]
    dc_clean_range: Optional[Tuple[float, float]]  # A
    dc_first_bad_reset: Optional[float]  # A

def info(config: ConfigSource, dt: float = 5e-6, model_id: Optional[str] = None) -> ModelInfo: ...
def to_nest(
    config: ConfigSource,
    model: str = "glif_psc",
    model_id: Optional[str] = None,
    tau_syn: Optional[Sequence[float]] = None,
    tau_syn_slow: Optional[Sequence[float]] = None,
    amp_slow: Optional[Sequence[float]] = None,
    e_rev: Optional[Sequence[float]] = None,
) -> Dict[str, Any]: ...
def nest_run(
    model: str,
    params: Mapping[str, Any],
    resolution: float,
    duration: float,
    dc: float = 0.0,
    spikes: Optional[Sequence[Mapping[str, Any]]] = None,
    current: Optional[Mapping[str, Any]] = None,
    precision: str = "f64",
) -> Dict[str, np.ndarray]: ...
def explained_variance(
    recorded: Sequence[Sequence[float]],
    model: Sequence[Sequence[float]],
    dt: float,
    duration: float,
    sigma: float = 0.01,
) -> Dict[str, Any]: ...

_Path = Union[str, "PathLike[str]"]

def fit(
    nwb: Optional[_Path] = None,
    sweeps: Optional[_Path] = None,
    recordings: Optional[_Path] = None,
    levels: Optional[Sequence[str]] = None,
    seed: int = 1234,
    threads: int = 1,
    restarts: Optional[Tuple[int, int]] = None,
    optimizer: str = "allen",
) -> Dict[str, Any]:
    """The whole fit of a cell (glif fit): a dict of plain values with
    preprocessor_values, configs (fitted neuron_config by level), report
    (one row per level: EV on Noise 1/Noise 2 before and after, th_inf
    coefficient, evaluations, seconds), optimizer, recordings, refused.
    nwb= and sweeps= (the nwb build) or recordings= (a folder)."""

def fit_preprocess(
    nwb: Optional[_Path] = None,
    sweeps: Optional[_Path] = None,
    recordings: Optional[_Path] = None,
    levels: Optional[Sequence[str]] = None,
) -> Dict[str, Any]:
    """glif fit --stage preprocess: preprocessor_values, configs (each
    level's starting {"neuron", "optimizer"}), refused."""

def fit_optimize(
    nwb: Optional[_Path] = None,
    sweeps: Optional[_Path] = None,
    recordings: Optional[_Path] = None,
    configs: Optional[Mapping[str, Any]] = None,
    levels: Optional[Sequence[str]] = None,
    seed: int = 1234,
    threads: int = 1,
    restarts: Optional[Tuple[int, int]] = None,
    report: bool = False,
    optimizer: str = "allen",
) -> Dict[str, Any]:
    """glif fit --stage optimize from fit_preprocess's configs (None: the
    preprocessing runs first): configs (fitted) and optimizer; with
    report=True also report and recordings."""
