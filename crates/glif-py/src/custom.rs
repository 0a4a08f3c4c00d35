//! Rules written in Python (AllenSDK's custom methods, `configure_method`),
//! any of the six families: glif-core rule types whose `step`/`reset`
//! call the Python method with AllenSDK's arguments, in AllenSDK's order:
//!
//! | family | called as | returns |
//! |---|---|---|
//! | `AScurrent_dynamics_method` | `m(neuron, AScurrents_t0, time_step, spike_time_steps)` | the currents (A) |
//! | `voltage_dynamics_method` | `m(neuron, voltage_t0, AScurrents_t0, inj)` | the voltage (V) |
//! | `threshold_dynamics_method` | `m(neuron, threshold_t0, voltage_t0, AScurrents_t0, inj)` | the threshold (V) |
//! | `AScurrent_reset_method` | `m(neuron, AScurrents_t1)` | the currents (A) |
//! | `voltage_reset_method` | `m(neuron, voltage_t1)` | the voltage (V) |
//! | `threshold_reset_method` | `m(neuron, threshold_t1, voltage_reset)` | the threshold (V) |
//!
//! Scalars are Python floats; currents a float64 numpy array, the same
//! object for the three dynamics rules of one step, as in AllenSDK;
//! `spike_time_steps` one Python list for the whole run, the spike's step
//! appended after its reset. The built-in rules of the other families stay
//! glif-io's compiled ones (through `glif_io::BuiltinOr`).
//!
//! glif-core calls a rule as a plain function of its constants, so the
//! Python callables, the neuron and the step's context (sample index,
//! threshold and currents before the step, which glif-core's traits do not
//! pass) live in a thread-local slot for the duration of one run (the run
//! holds the GIL and never leaves this thread). The first error (an
//! exception of the rule, or a value that is not what its family returns)
//! is kept in the slot and the rule returns NaN; the driver stops at the end
//! of that sample and raises it.

use std::cell::RefCell;

use glif_core::rules::{
    AscDynamics, AscReset, NonzeroCurrents, Rule, ThresholdComponents, ThresholdDynamics,
    ThresholdReset, VoltageDynamics, VoltageReset,
};
use glif_core::{ParamError, Params};
use numpy::{PyArray1, PyArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// The six families, in the order of [`Methods`] (`run()`'s argument) and
/// of glif-io's `Methods::KEYS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    Voltage = 0,
    Threshold = 1,
    Asc = 2,
    VoltageReset = 3,
    ThresholdReset = 4,
    AscReset = 5,
}

impl RuleKind {
    /// The config key, which is also the `GlifNeuron` attribute.
    fn key(self) -> &'static str {
        glif_io::Methods::KEYS[self as usize]
    }

    /// What the family's rule returns, for messages.
    fn returns(self) -> &'static str {
        match self {
            RuleKind::Voltage | RuleKind::VoltageReset => "a finite number (the voltage, V)",
            RuleKind::Threshold | RuleKind::ThresholdReset => "a finite number (the threshold, V)",
            RuleKind::Asc | RuleKind::AscReset => {
                "the after-spike currents (A): an array with one finite number per current"
            }
        }
    }
}

/// A custom rule: the Python callable (a `GlifNeuronMethod`) and its name.
pub struct Method {
    pub call: Py<PyAny>,
    pub name: String,
}

/// The custom rules of one run, by [`RuleKind`] (`None`: built-in).
pub type Methods = [Option<Method>; 6];

/// The Python side's list of six `None` or `(callable, name)` entries
/// (`GlifNeuron._custom_run_args`).
pub type MethodList = Vec<Option<(Py<PyAny>, String)>>;

/// [`Methods`] from a [`MethodList`].
pub fn methods_from(list: MethodList) -> PyResult<Methods> {
    let n = list.len();
    let methods: [Option<(Py<PyAny>, String)>; 6] = list.try_into().map_err(|_| {
        PyValueError::new_err(format!(
            "custom: found {n} entries, expected 6 (one per rule family)"
        ))
    })?;
    Ok(methods.map(|m| m.map(|(call, name)| Method { call, name })))
}

struct Slot {
    neuron: Py<PyAny>,
    methods: Methods,
    /// Sample index of the step being computed.
    t: usize,
    /// Threshold before the step (V).
    th0: f64,
    /// Currents before the step (A).
    asc0: Vec<f64>,
    /// `asc0` as the numpy array the dynamics rules share, made on first use.
    asc0_array: Option<Py<PyAny>>,
    spike_time_steps: Py<PyList>,
    error: Option<PyErr>,
}

thread_local! {
    static SLOT: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// Sets the context of the next step: its sample index and the threshold
/// and currents it starts from.
pub fn set_context(t: usize, th0: f64, asc0: &[f64]) {
    SLOT.with(|slot| {
        if let Some(s) = slot.borrow_mut().as_mut() {
            s.t = t;
            s.th0 = th0;
            s.asc0.clear();
            s.asc0.extend_from_slice(asc0);
            s.asc0_array = None;
        }
    });
}

/// Appends `t` to the run's `spike_time_steps` list (after a spike at `t`).
pub fn spiked(py: Python<'_>, t: usize) -> PyResult<()> {
    let list = SLOT.with(|slot| {
        slot.borrow()
            .as_ref()
            .map(|s| s.spike_time_steps.clone_ref(py))
    });
    match list {
        Some(l) => l.bind(py).append(t),
        None => Ok(()),
    }
}

/// Whether a rule has failed in this run (the driver then stops).
pub fn failed() -> bool {
    SLOT.with(|slot| slot.borrow().as_ref().is_some_and(|s| s.error.is_some()))
}

fn keep_error(e: PyErr) {
    SLOT.with(|slot| {
        if let Some(s) = slot.borrow_mut().as_mut() {
            s.error.get_or_insert(e);
        }
    });
}

/// The callable of `family`, the neuron, and the step's context. `None`
/// once a rule has failed (nothing more is called).
struct Call {
    method: Py<PyAny>,
    name: String,
    neuron: Py<PyAny>,
    t: usize,
    th0: f64,
}

fn call_of(py: Python<'_>, family: RuleKind) -> Option<Call> {
    // Borrow the slot only to clone the handles: the Python rule may itself
    // run a neuron (which installs its own slot).
    SLOT.with(|slot| {
        let slot = slot.borrow();
        let s = slot.as_ref().filter(|s| s.error.is_none())?;
        let m = s.methods[family as usize].as_ref()?;
        Some(Call {
            method: m.call.clone_ref(py),
            name: m.name.clone(),
            neuron: s.neuron.clone_ref(py),
            t: s.t,
            th0: s.th0,
        })
    })
}

/// The step's currents before the dynamics, as one shared numpy array.
fn asc0_array(py: Python<'_>) -> Py<PyAny> {
    SLOT.with(|slot| {
        let mut slot = slot.borrow_mut();
        let Some(s) = slot.as_mut() else {
            return PyArray1::<f64>::from_vec(py, Vec::new())
                .into_any()
                .unbind();
        };
        if s.asc0_array.is_none() {
            s.asc0_array = Some(PyArray1::from_slice(py, &s.asc0).into_any().unbind());
        }
        s.asc0_array
            .as_ref()
            .map(|a| a.clone_ref(py))
            .unwrap_or_else(|| py.None())
    })
}

fn spike_time_steps(py: Python<'_>) -> Py<PyAny> {
    SLOT.with(|slot| {
        slot.borrow()
            .as_ref()
            .map(|s| s.spike_time_steps.clone_ref(py).into_any())
            .unwrap_or_else(|| py.None())
    })
}

/// Where in the run a rule was called, for messages.
fn place(family: RuleKind, c: &Call) -> String {
    format!(
        "{} {:?} (a custom rule) at step {}",
        family.key(),
        c.name,
        c.t
    )
}

/// Calls `family`'s rule with `args` (after the neuron); `None` when it is
/// not called (a rule failed before) or raised (the exception is kept, with
/// a note naming the family, the rule and the step).
fn invoke<'py>(
    py: Python<'py>,
    family: RuleKind,
    args: impl FnOnce(&Call) -> Vec<Py<PyAny>>,
) -> Option<(Bound<'py, PyAny>, Call)> {
    let c = call_of(py, family)?;
    let mut all = vec![c.neuron.clone_ref(py)];
    all.extend(args(&c));
    let tuple = match PyTuple::new(py, all) {
        Ok(t) => t,
        Err(e) => {
            keep_error(e);
            return None;
        }
    };
    match c.method.bind(py).call1(tuple) {
        Ok(r) => Some((r, c)),
        Err(e) => {
            let note = format!("in {}", place(family, &c));
            // Python 3.11+: the exception keeps its type, with the place
            // shown under its message.
            if e.value(py).hasattr("add_note").unwrap_or(false) {
                let _ = e.value(py).call_method1("add_note", (note,));
            }
            keep_error(e);
            None
        }
    }
}

fn repr(r: &Bound<'_, PyAny>) -> String {
    r.repr()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "<unprintable>".into())
}

/// Keeps "`family` rule returned `what`, expected `expected`" as the run's
/// error: a TypeError for a value of the wrong type, else a ValueError.
fn refuse(family: RuleKind, c: &Call, what: String, expected: &str, type_error: bool) {
    let msg = format!("{}: returned {what}, expected {expected}", place(family, c));
    keep_error(if type_error {
        PyTypeError::new_err(msg)
    } else {
        PyValueError::new_err(msg)
    });
}

/// A rule's return value as a number, refused (kept as the run's error)
/// unless it is one and finite.
fn number(family: RuleKind, c: &Call, r: &Bound<'_, PyAny>) -> f64 {
    let bad = |what: String, type_error: bool| {
        refuse(family, c, what, family.returns(), type_error);
        f64::NAN
    };
    // A tuple or list is a wrong number of return values, not a number.
    if r.cast::<PyTuple>().is_ok() || r.cast::<PyList>().is_ok() {
        return bad(repr(r), true);
    }
    match r.extract::<f64>() {
        Ok(x) if x.is_finite() => x,
        Ok(_) => bad(repr(r), false),
        Err(_) => bad(repr(r), true),
    }
}

/// A rule's return value as `N` currents: an array-like of `N` numbers, or
/// one number for every current (numpy's broadcast into AllenSDK's output
/// row).
fn currents<const N: usize>(
    py: Python<'_>,
    family: RuleKind,
    c: &Call,
    r: &Bound<'_, PyAny>,
) -> [f64; N] {
    let nan = [f64::NAN; N];
    let bad = |what: String, type_error: bool| {
        let expected = format!("{} ({N} here), or one number for all", family.returns());
        refuse(family, c, what, &expected, type_error);
        nan
    };
    let values: Vec<f64> = if let Ok(x) = r.extract::<f64>() {
        vec![x; N]
    } else {
        let converted = py
            .import("numpy")
            .and_then(|np| np.getattr("asarray"))
            .and_then(|asarray| asarray.call1((r, "float64")));
        let Ok(a) = converted else {
            return bad(repr(r), true);
        };
        let Ok(a) = a.cast_into::<PyArray1<f64>>() else {
            return bad(repr(r), true);
        };
        match a.to_vec() {
            Ok(v) => v,
            Err(_) => return bad(repr(r), true),
        }
    };
    if values.len() != N {
        return bad(format!("{} values", values.len()), false);
    }
    if let Some(x) = values.iter().find(|x| !x.is_finite()) {
        let shown = if x.is_nan() {
            "nan"
        } else if *x > 0.0 {
            "inf"
        } else {
            "-inf"
        };
        return bad(format!("a current of {shown}"), false);
    }
    let mut out = [0.0; N];
    out.copy_from_slice(&values);
    out
}

fn float(py: Python<'_>, x: f64) -> Py<PyAny> {
    x.into_pyobject(py)
        .map(|f| f.into_any().unbind())
        .unwrap_or_else(|_| py.None())
}

/// A Python `voltage_dynamics_method`.
#[derive(Clone, Copy, Debug)]
pub struct PyVoltageDynamics;
/// A Python `threshold_dynamics_method` (the threshold components of the
/// built-in rules pass through unchanged).
#[derive(Clone, Copy, Debug)]
pub struct PyThresholdDynamics;
/// A Python `AScurrent_dynamics_method`.
#[derive(Clone, Copy, Debug)]
pub struct PyAscDynamics;
/// A Python `voltage_reset_method`.
#[derive(Clone, Copy, Debug)]
pub struct PyVoltageReset;
/// A Python `threshold_reset_method`.
#[derive(Clone, Copy, Debug)]
pub struct PyThresholdReset;
/// A Python `AScurrent_reset_method`.
#[derive(Clone, Copy, Debug)]
pub struct PyAscReset;

/// glif-core's `Rule` for a Python rule: no constants.
macro_rules! python_rule {
    ($name:ident) => {
        impl<const N: usize> Rule<f64, N> for $name {
            const NAME: &'static str = "custom";
            type Prepared = ();

            fn prepare(
                &self,
                _params: &Params<f64, N>,
                _exp: &dyn Fn(f64) -> f64,
            ) -> Result<(), ParamError> {
                Ok(())
            }
        }
    };
}

python_rule!(PyVoltageDynamics);
python_rule!(PyThresholdDynamics);
python_rule!(PyAscDynamics);
python_rule!(PyVoltageReset);
python_rule!(PyThresholdReset);
python_rule!(PyAscReset);

impl<const N: usize> VoltageDynamics<f64, N> for PyVoltageDynamics {
    fn step(_: &(), v0: f64, inj: f64, _asc_sum: f64) -> f64 {
        Python::attach(|py| {
            let f = RuleKind::Voltage;
            match invoke(py, f, |_| {
                vec![float(py, v0), asc0_array(py), float(py, inj)]
            }) {
                Some((r, c)) => number(f, &c, &r),
                None => f64::NAN,
            }
        })
    }
}

impl<const N: usize> ThresholdDynamics<f64, N> for PyThresholdDynamics {
    fn step(
        _: &(),
        v0: f64,
        components: ThresholdComponents<f64>,
        inj: f64,
        _asc_sum: f64,
    ) -> (f64, ThresholdComponents<f64>) {
        Python::attach(|py| {
            let f = RuleKind::Threshold;
            let th = match invoke(py, f, |c| {
                vec![
                    float(py, c.th0),
                    float(py, v0),
                    asc0_array(py),
                    float(py, inj),
                ]
            }) {
                Some((r, c)) => number(f, &c, &r),
                None => f64::NAN,
            };
            (th, components)
        })
    }
}

impl<const N: usize> AscDynamics<f64, N> for PyAscDynamics {
    fn step(_: &(), _asc0: &[f64; N]) -> [f64; N] {
        Python::attach(|py| {
            let f = RuleKind::Asc;
            match invoke(py, f, |c| {
                vec![
                    asc0_array(py),
                    c.t.into_pyobject(py)
                        .map(|t| t.into_any().unbind())
                        .unwrap_or_else(|_| py.None()),
                    spike_time_steps(py),
                ]
            }) {
                Some((r, c)) => currents::<N>(py, f, &c, &r),
                None => [f64::NAN; N],
            }
        })
    }
}

impl<const N: usize> VoltageReset<f64, N> for PyVoltageReset {
    fn reset(_: &(), v1: f64) -> f64 {
        Python::attach(|py| {
            let f = RuleKind::VoltageReset;
            match invoke(py, f, |_| vec![float(py, v1)]) {
                Some((r, c)) => number(f, &c, &r),
                None => f64::NAN,
            }
        })
    }
}

impl<const N: usize> ThresholdReset<f64, N> for PyThresholdReset {
    fn reset(
        _: &(),
        th1: f64,
        v_reset: f64,
        components: ThresholdComponents<f64>,
    ) -> (f64, ThresholdComponents<f64>) {
        Python::attach(|py| {
            let f = RuleKind::ThresholdReset;
            let th = match invoke(py, f, |_| vec![float(py, th1), float(py, v_reset)]) {
                Some((r, c)) => number(f, &c, &r),
                None => f64::NAN,
            };
            (th, components)
        })
    }
}

impl<const N: usize> AscReset<f64, N> for PyAscReset {
    fn reset(_: &(), asc1: &[f64; N]) -> Result<[f64; N], NonzeroCurrents> {
        Ok(Python::attach(|py| {
            let f = RuleKind::AscReset;
            let array = PyArray1::from_slice(py, asc1).into_any().unbind();
            match invoke(py, f, |_| vec![array]) {
                Some((r, c)) => currents::<N>(py, f, &c, &r),
                None => [f64::NAN; N],
            }
        }))
    }
}

/// Runs `f` with `methods` installed for `neuron`; returns `f`'s result,
/// or the first error of a Python rule.
pub fn with_rules<T>(
    py: Python<'_>,
    methods: Methods,
    neuron: Py<PyAny>,
    f: impl FnOnce() -> T,
) -> Result<T, PyErr> {
    let previous = SLOT.with(|slot| {
        slot.borrow_mut().replace(Slot {
            neuron,
            methods,
            t: 0,
            th0: f64::NAN,
            asc0: Vec::new(),
            asc0_array: None,
            spike_time_steps: PyList::empty(py).unbind(),
            error: None,
        })
    });
    let out = f();
    let mine = SLOT.with(|slot| std::mem::replace(&mut *slot.borrow_mut(), previous));
    match mine.and_then(|s| s.error) {
        Some(e) => Err(e),
        None => Ok(out),
    }
}
