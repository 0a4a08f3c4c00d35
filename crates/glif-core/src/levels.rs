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
