//! The five published GLIF levels (Teeter et al. 2018) as type aliases.
//!
//! | level | name | voltage | threshold | currents | voltage reset | threshold reset | current reset |
//! |---|---|---|---|---|---|---|---|
//! | GLIF1 | LIF | forward Euler | `inf` | `none` | `zero` | `inf` | `none` |
//! | GLIF2 | LIF-R | forward Euler | `spike_component` | `none` | `v_before` | `three_components` | `none` |
//! | GLIF3 | LIF-ASC | forward Euler | `inf` | `exp` | `zero` | `inf` | `sum` |
//! | GLIF4 | LIF-R-ASC | forward Euler | `spike_component` | `exp` | `v_before` | `three_components` | `sum` |
//! | GLIF5 | LIF-R-ASC-A | forward Euler | `three_components_exact` | `exp` | `v_before` | `three_components` | `sum` |
//!
//! `N` is the number of after-spike currents: 2 in every published model,
//! GLIF1 and GLIF2 included (their currents stay zero).
//!
//! [`glif1`] .. [`glif5`] build each level's rule set from the rules that
//! carry parameters, so no caller spells out the six fields:
//!
//! ```
//! use glif_core::levels;
//! use glif_core::rules::{Sum, ThreeComponents, ThreeComponentsExact, VBefore};
//!
//! let rules = levels::glif5(
//!     ThreeComponentsExact { a_spike: 0.0, b_spike: 100.0, a_voltage: 1.0, b_voltage: 10.0 },
//!     VBefore { a: 0.8, b: 0.002 },
//!     ThreeComponents { a_spike: 0.005, b_spike: 100.0 },
//!     Sum::<f64, 2> { r: [1.0, 1.0] },
//! );
//! assert_eq!(rules.voltage_reset.a, 0.8);
//! ```

use crate::model::{Model, Rules};
use crate::rules::*;

/// The rules of GLIF1 (LIF).
pub type Glif1Rules =
    Rules<LinearForwardEuler, ThresholdInf, AscNone, VoltageZero, ThresholdResetInf, AscResetNone>;
/// The rules of GLIF2 (LIF-R).
pub type Glif2Rules<F> = Rules<
    LinearForwardEuler,
    SpikeComponent<F>,
    AscNone,
    VBefore<F>,
    ThreeComponents<F>,
    AscResetNone,
>;
/// The rules of GLIF3 (LIF-ASC).
pub type Glif3Rules<F, const N: usize> =
    Rules<LinearForwardEuler, ThresholdInf, AscExp, VoltageZero, ThresholdResetInf, Sum<F, N>>;
/// The rules of GLIF4 (LIF-R-ASC).
pub type Glif4Rules<F, const N: usize> =
    Rules<LinearForwardEuler, SpikeComponent<F>, AscExp, VBefore<F>, ThreeComponents<F>, Sum<F, N>>;
/// The rules of GLIF5 (LIF-R-ASC-A).
pub type Glif5Rules<F, const N: usize> = Rules<
    LinearForwardEuler,
    ThreeComponentsExact<F>,
    AscExp,
    VBefore<F>,
    ThreeComponents<F>,
    Sum<F, N>,
>;

/// GLIF1, leaky integrate-and-fire (LIF).
pub type Glif1<F, const N: usize> = Model<F, N, Glif1Rules>;
/// GLIF2, LIF with biologically defined reset rules (LIF-R).
pub type Glif2<F, const N: usize> = Model<F, N, Glif2Rules<F>>;
/// GLIF3, LIF with after-spike currents (LIF-ASC).
pub type Glif3<F, const N: usize> = Model<F, N, Glif3Rules<F, N>>;
/// GLIF4, LIF-R with after-spike currents (LIF-R-ASC).
pub type Glif4<F, const N: usize> = Model<F, N, Glif4Rules<F, N>>;
/// GLIF5, LIF-R-ASC with threshold adaptation (LIF-R-ASC-A).
pub type Glif5<F, const N: usize> = Model<F, N, Glif5Rules<F, N>>;

/// The GLIF1 rule set (no rule of GLIF1 has parameters).
pub const fn glif1() -> Glif1Rules {
    Rules {
        voltage: LinearForwardEuler,
        threshold: ThresholdInf,
        asc: AscNone,
        voltage_reset: VoltageZero,
        threshold_reset: ThresholdResetInf,
        asc_reset: AscResetNone,
    }
}

/// The GLIF2 rule set: a spike-driven threshold component, the voltage
/// reset from the voltage before the spike, and the threshold reset.
pub const fn glif2<F>(
    threshold: SpikeComponent<F>,
    voltage_reset: VBefore<F>,
    threshold_reset: ThreeComponents<F>,
) -> Glif2Rules<F> {
    Rules {
        voltage: LinearForwardEuler,
        threshold,
        asc: AscNone,
        voltage_reset,
        threshold_reset,
        asc_reset: AscResetNone,
    }
}

/// The GLIF3 rule set: after-spike currents with their reset.
pub const fn glif3<F, const N: usize>(asc_reset: Sum<F, N>) -> Glif3Rules<F, N> {
    Rules {
        voltage: LinearForwardEuler,
        threshold: ThresholdInf,
        asc: AscExp,
        voltage_reset: VoltageZero,
        threshold_reset: ThresholdResetInf,
        asc_reset,
    }
}

/// The GLIF4 rule set: GLIF2's threshold and resets with GLIF3's currents.
pub const fn glif4<F, const N: usize>(
    threshold: SpikeComponent<F>,
    voltage_reset: VBefore<F>,
    threshold_reset: ThreeComponents<F>,
    asc_reset: Sum<F, N>,
) -> Glif4Rules<F, N> {
    with_resets_and_currents(threshold, voltage_reset, threshold_reset, asc_reset)
}

/// The GLIF5 rule set: GLIF4 with the threshold's voltage component
/// (`three_components_exact`).
pub const fn glif5<F, const N: usize>(
    threshold: ThreeComponentsExact<F>,
    voltage_reset: VBefore<F>,
    threshold_reset: ThreeComponents<F>,
    asc_reset: Sum<F, N>,
) -> Glif5Rules<F, N> {
    with_resets_and_currents(threshold, voltage_reset, threshold_reset, asc_reset)
}

/// GLIF4 and GLIF5, which differ only in the threshold: forward Euler,
/// `exp` currents, and the three resets.
#[allow(clippy::type_complexity)]
const fn with_resets_and_currents<F, T, const N: usize>(
    threshold: T,
    voltage_reset: VBefore<F>,
    threshold_reset: ThreeComponents<F>,
    asc_reset: Sum<F, N>,
) -> Rules<LinearForwardEuler, T, AscExp, VBefore<F>, ThreeComponents<F>, Sum<F, N>> {
    Rules {
        voltage: LinearForwardEuler,
        threshold,
        asc: AscExp,
        voltage_reset,
        threshold_reset,
        asc_reset,
    }
}
