//! A voltage reset rule written in Python (AllenSDK's documented custom
//! rule): glif-core's `VoltageReset` whose `reset` calls the Python method
//! `method(neuron, voltage_t0)`. The other five rules stay glif-io's
//! compiled built-ins; only this rule crosses into Python, once per spike.
//!
//! glif-core calls `reset` as a plain function of its constants, so the
//! Python callable lives in a thread-local slot for the duration of one run
//! (the run holds the GIL and never leaves this thread). A Python exception
//! is kept in the slot and the reset returns NaN, which stops the run at
//! the next sample; the caller then raises the kept exception.

use std::cell::RefCell;

use glif_core::rules::{Rule, VoltageReset};
use glif_core::{ParamError, Params};
use pyo3::prelude::*;

struct Slot {
    method: Py<PyAny>,
    neuron: Py<PyAny>,
    error: Option<PyErr>,
}

thread_local! {
    static SLOT: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// The Python voltage reset rule (the callable is installed by [`with_rule`]).
#[derive(Clone, Copy, Debug)]
pub struct PyVoltageReset;

impl<const N: usize> Rule<f64, N> for PyVoltageReset {
    const NAME: &'static str = "voltage_reset_method";
    type Prepared = ();

    fn prepare(
        &self,
        _params: &Params<f64, N>,
        _exp: &dyn Fn(f64) -> f64,
    ) -> Result<(), ParamError> {
        Ok(())
    }
}

impl<const N: usize> VoltageReset<f64, N> for PyVoltageReset {
    fn reset(_: &(), v1: f64) -> f64 {
        Python::attach(|py| {
            // Borrow the slot only to clone the handles: the Python rule may
            // itself run a neuron (which installs its own slot).
            let handles = SLOT.with(|slot| {
                slot.borrow()
                    .as_ref()
                    .filter(|s| s.error.is_none())
                    .map(|s| (s.method.clone_ref(py), s.neuron.clone_ref(py)))
            });
            let Some((method, neuron)) = handles else {
                return f64::NAN;
            };
            match method
                .bind(py)
                .call1((neuron.bind(py), v1))
                .and_then(|v| v.extract::<f64>())
            {
                Ok(v) => v,
                Err(e) => {
                    SLOT.with(|slot| {
                        if let Some(s) = slot.borrow_mut().as_mut() {
                            s.error = Some(e);
                        }
                    });
                    f64::NAN
                }
            }
        })
    }
}

/// Runs `f` with `method(neuron, v)` installed as the voltage reset; returns
/// `f`'s result, or the exception the Python rule raised.
pub fn with_rule<T>(
    method: Py<PyAny>,
    neuron: Py<PyAny>,
    f: impl FnOnce() -> T,
) -> Result<T, PyErr> {
    let previous = SLOT.with(|slot| {
        slot.borrow_mut().replace(Slot {
            method,
            neuron,
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
