"""The compiled half of glif_rs (use the names in glif_rs instead)."""

from os import PathLike
from typing import Any, Dict, List, Optional, Tuple, Union

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
    voltage_reset: Any = None,
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
    config: Dict[str, Any],
    sweep_numbers: List[int],
    input_file_name: Union[str, "PathLike[str]"],
    output_file_name: Union[str, "PathLike[str]"],
    spike_cut_value: float,
    exp: str = "numpy",
) -> List[Tuple[int, float, int]]: ...
def load_sweep(file_name: Union[str, "PathLike[str]"], sweep_number: int) -> Dict[str, Any]: ...
def explained_variance(
    recorded: List[List[float]],
    model: List[List[float]],
    dt: float,
    duration: float,
    sigma: float = 0.01,
) -> Dict[str, Any]: ...
