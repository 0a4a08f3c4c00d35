//! numpy files of a result: one `.npy` per output in a folder
//! ([`write_npy_dir`] / [`read_npy_dir`]), or the same arrays in one `.npz`
//! archive as `np.savez(**run_output)` writes it ([`write_npz`] /
//! [`read_npz`]). `AScurrents` is samples x currents; `spike_time_steps`
//! is int64.
//!
//! `glif simulate` writes [`write_npz_with`]: the arrays plus `stimulus`
//! (A per sample), `dt` (s) and `bad_reset_spike_step` (int64, -1 for
//! none); a spikes-only run leaves out the three traces and the stimulus.
//! [`read_npz_with`] reads those back.

use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::npy::{self, NpyArray, NpyData};
use crate::results::{assemble, spikes_from, RunEnd, RunResult};
use crate::write::{write_atomic, WriteOptions};

/// The eight outputs as `(file name, .npy bytes)`.
pub fn results_to_npy(result: &RunResult, options: &WriteOptions) -> Vec<(String, Vec<u8>)> {
    let f = |key: &str, shape: &[usize], data: &[f64]| {
        let mut b = Vec::new();
        npy::write_f64(&mut b, shape, data);
        (format!("{key}.npy"), b)
    };
    let n = result.len();
    let s = result.spikes.len();
    let steps: Vec<i64> = result.spikes.iter().map(|x| x.step as i64).collect();
    let mut step_bytes = Vec::new();
    npy::write_i64(&mut step_bytes, &[s], &steps);
    vec![
        f("voltage", &[n], &options.voltage(result)),
        f("threshold", &[n], &result.threshold),
        f("AScurrents", &[n, result.asc_count], &result.asc),
        f("grid_spike_times", &[s], &result.grid_spike_times()),
        f(
            "interpolated_spike_times",
            &[s],
            &result.interpolated_spike_times(),
        ),
        ("spike_time_steps.npy".into(), step_bytes),
        f(
            "interpolated_spike_voltage",
            &[s],
            &result.interpolated_spike_voltage(),
        ),
        f(
            "interpolated_spike_threshold",
            &[s],
            &result.interpolated_spike_threshold(),
        ),
    ]
}

fn results_from_npy(
    spikes_only: bool,
    mut get: impl FnMut(&str) -> Result<NpyArray>,
) -> Result<RunResult> {
    let one_d = |key: &str, a: &NpyArray| -> Result<Vec<f64>> {
        if a.shape.len() != 1 {
            return Err(Error::results(
                key,
                format!("has shape {:?}, expected one dimension", a.shape),
            ));
        }
        Ok(a.to_f64())
    };
    let traces = if spikes_only {
        None
    } else {
        let voltage = one_d("voltage", &get("voltage")?)?;
        let threshold = one_d("threshold", &get("threshold")?)?;
        let asc = get("AScurrents")?;
        let asc_count = match asc.shape.as_slice() {
            [_, k] => *k,
            other => {
                return Err(Error::results(
                    "AScurrents",
                    format!("has shape {other:?}, expected (samples, currents)"),
                ))
            }
        };
        Some((voltage, threshold, asc_count, asc.to_f64()))
    };
    let steps = match get("spike_time_steps")? {
        NpyArray {
            shape,
            data: NpyData::I64(v),
        } if shape.len() == 1 => v
            .iter()
            .map(|&x| usize::try_from(x))
            .collect::<std::result::Result<Vec<usize>, _>>()
            .map_err(|_| Error::results("spike_time_steps", "negative step"))?,
        _ => {
            return Err(Error::results(
                "spike_time_steps",
                "expected a one-dimensional int64 array",
            ))
        }
    };
    let spikes = spikes_from(
        &steps,
        &one_d("grid_spike_times", &get("grid_spike_times")?)?,
        &one_d(
            "interpolated_spike_times",
            &get("interpolated_spike_times")?,
        )?,
        &one_d(
            "interpolated_spike_voltage",
            &get("interpolated_spike_voltage")?,
        )?,
        &one_d(
            "interpolated_spike_threshold",
            &get("interpolated_spike_threshold")?,
        )?,
    )?;
    match traces {
        Some((voltage, threshold, asc_count, asc)) => {
            assemble(voltage, threshold, asc_count, asc, spikes)
        }
        None => Ok(RunResult {
            spikes,
            ..RunResult::default()
        }),
    }
}

/// Writes one `.npy` per output into folder `dir` (created if missing).
/// Refuses to start if any of the eight files exists, unless `overwrite`.
pub fn write_npy_dir(
    dir: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
) -> Result<()> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let files = results_to_npy(result, options);
    if !options.overwrite {
        if let Some((name, _)) = files.iter().find(|(name, _)| dir.join(name).exists()) {
            return Err(Error::new(ErrorKind::Exists).in_file(dir.join(name)));
        }
    }
    for (name, bytes) in &files {
        write_atomic(&dir.join(name), options.overwrite, |w| w.write_all(bytes))?;
    }
    Ok(())
}

/// Reads the eight `.npy` files of [`write_npy_dir`].
pub fn read_npy_dir(dir: impl AsRef<Path>) -> Result<RunResult> {
    let dir = dir.as_ref();
    results_from_npy(false, |key| {
        let path = dir.join(format!("{key}.npy"));
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        npy::read(&bytes).map_err(|e| e.in_file(&path))
    })
    .map_err(|e| e.in_file(dir))
}

/// The `.npz` bytes of a result.
pub fn results_to_npz(result: &RunResult, options: &WriteOptions) -> Result<Vec<u8>> {
    npy::zip(&results_to_npy(result, options))
}

/// Writes a result as one `.npz` archive (`np.load(path)["voltage"]`, ...).
pub fn write_npz(path: impl AsRef<Path>, result: &RunResult, options: &WriteOptions) -> Result<()> {
    let path = path.as_ref();
    let bytes = results_to_npz(result, options).map_err(|e| e.in_file(path))?;
    write_atomic(path, options.overwrite, |w| w.write_all(&bytes))
}

/// Parses `.npz` bytes holding the outputs (see [`results_from_npz_bytes_with`]).
pub fn results_from_npz_bytes(bytes: &[u8]) -> Result<RunResult> {
    results_from_npz_bytes_with(bytes).map(|(r, _)| r)
}

/// Reads a `.npz` written by [`write_npz`], [`write_npz_with`] or by
/// `np.savez(**run_output)`.
pub fn read_npz(path: impl AsRef<Path>) -> Result<RunResult> {
    read_npz_with(path).map(|(r, _)| r)
}

/// What `glif simulate` writes into its `.npz` besides the outputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NpzExtra {
    /// Leave out `voltage`, `threshold`, `AScurrents` and `stimulus` (a
    /// spikes-only run).
    pub spikes_only: bool,
    /// The stimulus (A per sample), written as `stimulus` unless `spikes_only`.
    pub stimulus: Vec<f64>,
    /// The time step (s), written as `dt`.
    pub dt: f64,
}

fn scalar_f64(name: &str, x: f64) -> (String, Vec<u8>) {
    let mut b = Vec::new();
    npy::write_f64(&mut b, &[], &[x]);
    (format!("{name}.npy"), b)
}

/// The `.npz` bytes `glif simulate` writes: see the module docs.
pub fn results_to_npz_with(
    result: &RunResult,
    options: &WriteOptions,
    extra: &NpzExtra,
) -> Result<Vec<u8>> {
    let mut members = results_to_npy(result, options);
    if extra.spikes_only {
        members.retain(|(name, _)| {
            !matches!(
                name.as_str(),
                "voltage.npy" | "threshold.npy" | "AScurrents.npy"
            )
        });
    } else {
        let mut b = Vec::new();
        npy::write_f64(&mut b, &[extra.stimulus.len()], &extra.stimulus);
        members.push(("stimulus.npy".into(), b));
    }
    members.push(scalar_f64("dt", extra.dt));
    let bad = match result.end {
        RunEnd::Ended(glif_core::Outcome::BadReset { spike_step, .. }) => spike_step as i64,
        _ => -1,
    };
    let mut b = Vec::new();
    npy::write_i64(&mut b, &[], &[bad]);
    members.push(("bad_reset_spike_step.npy".into(), b));
    npy::zip(&members)
}

/// Writes the `.npz` `glif simulate` writes (see the module docs).
pub fn write_npz_with(
    path: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
    extra: &NpzExtra,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = results_to_npz_with(result, options, extra).map_err(|e| e.in_file(path))?;
    write_atomic(path, options.overwrite, |w| w.write_all(&bytes))
}

/// What [`read_npz_with`] found besides the outputs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NpzFound {
    /// `stimulus`, if the archive holds it.
    pub stimulus: Option<Vec<f64>>,
    /// `dt`, if the archive holds it.
    pub dt: Option<f64>,
    /// `bad_reset_spike_step` when it is not -1.
    pub bad_reset_spike_step: Option<usize>,
}

/// Parses `.npz` bytes as [`results_to_npz_with`] (or [`results_to_npz`],
/// or `np.savez(**run_output)`) writes them. Without `voltage` the result
/// is spikes-only: empty traces and `asc_count` 0.
pub fn results_from_npz_bytes_with(bytes: &[u8]) -> Result<(RunResult, NpzFound)> {
    let members = npy::unzip(bytes)?;
    let member = |key: &str| -> Option<Result<NpyArray>> {
        let name = format!("{key}.npy");
        members
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, data)| npy::read(data))
    };
    let spikes_only = member("voltage").is_none();
    let result = results_from_npy(spikes_only, |key| {
        member(key)
            .unwrap_or_else(|| Err(Error::results(key, format!("the archive has no {key}.npy"))))
    })?;
    let f64s = |key: &str| -> Result<Option<Vec<f64>>> {
        member(key).transpose().map(|a| a.map(|a| a.to_f64()))
    };
    let bad = match member("bad_reset_spike_step").transpose()? {
        None => None,
        Some(NpyArray {
            data: NpyData::I64(v),
            ..
        }) => v.first().and_then(|&s| usize::try_from(s).ok()),
        Some(_) => {
            return Err(Error::results(
                "bad_reset_spike_step",
                "expected an int64 scalar",
            ))
        }
    };
    let found = NpzFound {
        stimulus: f64s("stimulus")?,
        dt: f64s("dt")?.and_then(|v| v.first().copied()),
        bad_reset_spike_step: bad,
    };
    Ok((result, found))
}

/// Reads a `.npz` file and what `glif simulate` writes besides the outputs.
pub fn read_npz_with(path: impl AsRef<Path>) -> Result<(RunResult, NpzFound)> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    results_from_npz_bytes_with(&bytes).map_err(|e| e.in_file(path))
}
