"""Type stubs for glif_rs.nest: NEST 3.10's GLIF models run as NEST runs them."""

from typing import Any, Dict, Literal, Mapping, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

NestModelName = Literal["glif_psc", "glif_psc_double_alpha", "glif_cond"]

MODELS: Tuple[str, ...]

def run(
    model: NestModelName,
    params: Mapping[str, Any],
    resolution: float,  # ms
    duration: float,  # ms, a whole number of steps
    dc: float = 0.0,  # pA
    spikes: Optional[Sequence[Mapping[str, Any]]] = None,  # [{"port", "times" ms, "weights"}]
    current: Optional[Mapping[str, Any]] = None,  # {"amplitude_times" ms, "amplitude_values" pA, "delay" ms}
    precision: Literal["f64", "f32"] = "f64",
) -> Dict[str, npt.NDArray[np.float64]]: ...
