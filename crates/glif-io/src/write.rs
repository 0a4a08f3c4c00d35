//! Writing results and configs, and reading result files back.
//!
//! Every writer is atomic: it writes a temporary file in the destination
//! folder, flushes it to disk, then renames it over the destination, so a
//! failed or interrupted run never leaves a half-written file and never
//! destroys the previous one. An existing file is replaced only when
//! [`WriteOptions::overwrite`] is set.
//!
//! | format | function | content |
//! |---|---|---|
//! | JSON | [`write_json`] / [`read_json`] | one object with exactly AllenSDK's eight `run()` keys; NaN (and ±inf) as `null`, so `json.load` gives AllenSDK's dict shape; [`write_json_with`] adds keys or leaves the traces out |
//! | `.npy` | [`write_npy_dir`] / [`read_npy_dir`] | one file per output, named after the key (`AScurrents.npy` is samples x currents; `spike_time_steps.npy` is int64) |
//! | `.npz` | [`write_npz`] / [`read_npz`] | the same arrays in one archive, as `np.savez` writes it |
//! | CSV | [`write_csv`] / [`read_csv`] | traces (`voltage,threshold,AScurrents_0,..`) and spikes in two files |

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use glif_core::Spike;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::NeuronConfig;
use crate::error::{Error, ErrorKind, Result};
use crate::npy::{self, NpyArray, NpyData};
use crate::results::RunResult;

/// How to write.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WriteOptions {
    /// Replace an existing file (default: refuse).
    pub overwrite: bool,
    /// Write NaN voltages (spike cuts) as this value, as AllenSDK's
    /// `simulate_neuron` does with [`crate::SPIKE_CUT_VALUE`] (0.05 V).
    /// `None` (the default) keeps NaN.
    pub spike_cut_value: Option<f64>,
}

/// Names of the output arrays, in AllenSDK's order.
pub const OUTPUT_KEYS: [&str; 8] = [
    "voltage",
    "threshold",
    "AScurrents",
    "grid_spike_times",
    "interpolated_spike_times",
    "spike_time_steps",
    "interpolated_spike_voltage",
    "interpolated_spike_threshold",
];

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `fill`'s bytes to `path` atomically; refuses to replace an
/// existing file unless `overwrite`.
pub fn write_atomic(
    path: &Path,
    overwrite: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let err = |e: std::io::Error| Error::io(path, e);
    if !overwrite && path.exists() {
        return Err(Error::new(ErrorKind::Exists).in_file(path));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| -> Result<()> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(err)?;
        let mut w = std::io::BufWriter::new(file);
        fill(&mut w).map_err(err)?;
        let file = w.into_inner().map_err(|e| err(e.into_error()))?;
        file.sync_all().map_err(err)?;
        drop(file);
        if overwrite {
            std::fs::rename(&temp, path).map_err(err)?;
        } else {
            // A hard link fails if the destination appeared meanwhile: no
            // window in which another writer's file could be replaced.
            match std::fs::hard_link(&temp, path) {
                Ok(()) => {
                    let _ = std::fs::remove_file(&temp);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    return Err(Error::new(ErrorKind::Exists).in_file(path));
                }
                // File systems without hard links: check, then rename.
                Err(_) => {
                    if path.exists() {
                        return Err(Error::new(ErrorKind::Exists).in_file(path));
                    }
                    std::fs::rename(&temp, path).map_err(err)?;
                }
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Writes a config as AllenSDK's `to_dict` would (see
/// [`NeuronConfig::to_json`]); `GlifNeuron.from_dict(json.load(f))` reads it.
pub fn write_config(path: impl AsRef<Path>, config: &NeuronConfig, overwrite: bool) -> Result<()> {
    let text = config.to_json_string();
    write_atomic(path.as_ref(), overwrite, |w| w.write_all(text.as_bytes()))
}

fn voltage(result: &RunResult, options: &WriteOptions) -> Vec<f64> {
    match options.spike_cut_value {
        Some(v) => result.voltage_with_spike_cut_value(v),
        None => result.voltage.clone(),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)]
struct ResultsJson {
    voltage: Vec<Option<f64>>,
    threshold: Vec<Option<f64>>,
    AScurrents: Vec<Vec<Option<f64>>>,
    grid_spike_times: Vec<Option<f64>>,
    interpolated_spike_times: Vec<Option<f64>>,
    spike_time_steps: Vec<usize>,
    interpolated_spike_voltage: Vec<Option<f64>>,
    interpolated_spike_threshold: Vec<Option<f64>>,
}

fn opt(x: &[f64]) -> Vec<Option<f64>> {
    x.iter()
        .map(|&v| if v.is_finite() { Some(v) } else { None })
        .collect()
}

fn unopt(x: &[Option<f64>]) -> Vec<f64> {
    x.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

/// The JSON text of a result: AllenSDK's eight keys, NaN as `null`.
pub fn results_to_json_string(result: &RunResult, options: &WriteOptions) -> String {
    let doc = ResultsJson {
        voltage: opt(&voltage(result, options)),
        threshold: opt(&result.threshold),
        AScurrents: (0..result.len()).map(|i| opt(result.asc_row(i))).collect(),
        grid_spike_times: opt(&result.grid_spike_times()),
        interpolated_spike_times: opt(&result.interpolated_spike_times()),
        spike_time_steps: result.spike_time_steps(),
        interpolated_spike_voltage: opt(&result.interpolated_spike_voltage()),
        interpolated_spike_threshold: opt(&result.interpolated_spike_threshold()),
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// What a JSON result file holds besides (or instead of) AllenSDK's keys:
/// for [`write_json_with`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JsonExtra {
    /// Leave out the three traces (`voltage`, `threshold`, `AScurrents`):
    /// for runs that recorded only the spikes.
    pub spikes_only: bool,
    /// Keys written after AllenSDK's (run settings, how the run ended, ...).
    /// A key named like one of [`OUTPUT_KEYS`] is refused.
    pub keys: Map<String, Value>,
}

#[derive(Serialize)]
#[allow(non_snake_case)]
struct ResultsJsonWith<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    voltage: Option<Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<Vec<Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    AScurrents: Option<Vec<Vec<Option<f64>>>>,
    grid_spike_times: Vec<Option<f64>>,
    interpolated_spike_times: Vec<Option<f64>>,
    spike_time_steps: Vec<usize>,
    interpolated_spike_voltage: Vec<Option<f64>>,
    interpolated_spike_threshold: Vec<Option<f64>>,
    #[serde(flatten)]
    extra: &'a Map<String, Value>,
}

/// As [`results_to_json_string`], with the traces left out when
/// `extra.spikes_only` and `extra.keys` added after AllenSDK's keys.
pub fn results_to_json_string_with(
    result: &RunResult,
    options: &WriteOptions,
    extra: &JsonExtra,
) -> Result<String> {
    if let Some(k) = extra
        .keys
        .keys()
        .find(|k| OUTPUT_KEYS.contains(&k.as_str()))
    {
        return Err(Error::results(
            k.clone(),
            "is one of AllenSDK's output keys; an extra key needs another name",
        ));
    }
    let traces = !extra.spikes_only;
    let doc = ResultsJsonWith {
        voltage: traces.then(|| opt(&voltage(result, options))),
        threshold: traces.then(|| opt(&result.threshold)),
        AScurrents: traces.then(|| (0..result.len()).map(|i| opt(result.asc_row(i))).collect()),
        grid_spike_times: opt(&result.grid_spike_times()),
        interpolated_spike_times: opt(&result.interpolated_spike_times()),
        spike_time_steps: result.spike_time_steps(),
        interpolated_spike_voltage: opt(&result.interpolated_spike_voltage()),
        interpolated_spike_threshold: opt(&result.interpolated_spike_threshold()),
        extra: &extra.keys,
    };
    serde_json::to_string(&doc).map_err(|e| Error::results("(extra keys)", e.to_string()))
}

/// Writes a result as JSON with [`JsonExtra`]: the traces left out for a
/// spikes-only run, and extra keys after AllenSDK's. [`read_json`] reads it
/// back only without extras (it accepts exactly AllenSDK's keys).
pub fn write_json_with(
    path: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
    extra: &JsonExtra,
) -> Result<()> {
    let path = path.as_ref();
    let text = results_to_json_string_with(result, options, extra).map_err(|e| e.in_file(path))?;
    write_atomic(path, options.overwrite, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

/// Writes a result as JSON.
pub fn write_json(
    path: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
) -> Result<()> {
    let text = results_to_json_string(result, options);
    write_atomic(path.as_ref(), options.overwrite, |w| {
        w.write_all(text.as_bytes())
    })
}

fn spikes_from(
    steps: &[usize],
    grid: &[f64],
    time: &[f64],
    voltage: &[f64],
    threshold: &[f64],
) -> Result<Vec<Spike<f64>>> {
    let n = steps.len();
    for (key, len) in [
        ("grid_spike_times", grid.len()),
        ("interpolated_spike_times", time.len()),
        ("interpolated_spike_voltage", voltage.len()),
        ("interpolated_spike_threshold", threshold.len()),
    ] {
        if len != n {
            return Err(Error::results(
                key,
                format!("has {len} values, expected {n} (one per spike_time_steps)"),
            ));
        }
    }
    Ok((0..n)
        .map(|i| Spike {
            step: steps[i],
            grid_time: grid[i],
            time: time[i],
            voltage: voltage[i],
            threshold: threshold[i],
        })
        .collect())
}

fn assemble(
    voltage: Vec<f64>,
    threshold: Vec<f64>,
    asc_count: usize,
    asc: Vec<f64>,
    spikes: Vec<Spike<f64>>,
) -> Result<RunResult> {
    if threshold.len() != voltage.len() {
        return Err(Error::results(
            "threshold",
            format!(
                "has {} samples, voltage has {}",
                threshold.len(),
                voltage.len()
            ),
        ));
    }
    if asc.len() != voltage.len() * asc_count {
        return Err(Error::results(
            "AScurrents",
            format!(
                "has {} values, expected {} samples x {asc_count} currents",
                asc.len(),
                voltage.len()
            ),
        ));
    }
    Ok(RunResult {
        voltage,
        threshold,
        asc_count,
        asc,
        spikes,
        end: Default::default(),
    })
}

/// Parses result JSON as [`write_json`] writes it (`null` reads as NaN).
/// The run's end is not stored in the file and reads as `Completed`.
pub fn results_from_json_str(text: &str) -> Result<RunResult> {
    let doc: ResultsJson = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            Error::syntax(&e)
        } else {
            Error::results(
                format!("line {} column {}", e.line(), e.column()),
                e.to_string(),
            )
        }
    })?;
    let asc_count = doc.AScurrents.first().map_or(0, Vec::len);
    let mut asc = Vec::with_capacity(doc.AScurrents.len() * asc_count);
    for (i, row) in doc.AScurrents.iter().enumerate() {
        if row.len() != asc_count {
            return Err(Error::results(
                format!("AScurrents[{i}]"),
                format!("has {} values, expected {asc_count}", row.len()),
            ));
        }
        asc.extend(unopt(row));
    }
    let spikes = spikes_from(
        &doc.spike_time_steps,
        &unopt(&doc.grid_spike_times),
        &unopt(&doc.interpolated_spike_times),
        &unopt(&doc.interpolated_spike_voltage),
        &unopt(&doc.interpolated_spike_threshold),
    )?;
    if doc.AScurrents.len() != doc.voltage.len() {
        return Err(Error::results(
            "AScurrents",
            format!(
                "has {} rows, voltage has {} samples",
                doc.AScurrents.len(),
                doc.voltage.len()
            ),
        ));
    }
    assemble(
        unopt(&doc.voltage),
        unopt(&doc.threshold),
        asc_count,
        asc,
        spikes,
    )
}

/// Reads a result JSON file.
pub fn read_json(path: impl AsRef<Path>) -> Result<RunResult> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    results_from_json_str(&text).map_err(|e| e.in_file(path))
}

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
        f("voltage", &[n], &voltage(result, options)),
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

fn results_from_npy(mut get: impl FnMut(&str) -> Result<NpyArray>) -> Result<RunResult> {
    let one_d = |key: &str, a: &NpyArray| -> Result<Vec<f64>> {
        if a.shape.len() != 1 {
            return Err(Error::results(
                key,
                format!("has shape {:?}, expected one dimension", a.shape),
            ));
        }
        Ok(a.to_f64())
    };
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
    assemble(voltage, threshold, asc_count, asc.to_f64(), spikes)
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
    results_from_npy(|key| {
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

/// Parses `.npz` bytes holding the eight outputs.
pub fn results_from_npz_bytes(bytes: &[u8]) -> Result<RunResult> {
    let members = npy::unzip(bytes)?;
    results_from_npy(|key| {
        let name = format!("{key}.npy");
        let (_, data) = members
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::results(key, format!("the archive has no {name}")))?;
        npy::read(data)
    })
}

/// Reads a `.npz` written by [`write_npz`] or by `np.savez(**run_output)`.
pub fn read_npz(path: impl AsRef<Path>) -> Result<RunResult> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    results_from_npz_bytes(&bytes).map_err(|e| e.in_file(path))
}

fn csv_number(x: f64) -> String {
    if x.is_nan() {
        "nan".into()
    } else {
        format!("{x:e}")
    }
}

/// Writes the traces (`voltage,threshold,AScurrents_0,...`, one row per
/// sample, NaN as `nan`) to `traces` and the spikes (one row per spike, the
/// five spike outputs as columns) to `spikes`.
pub fn write_csv(
    traces: impl AsRef<Path>,
    spikes: impl AsRef<Path>,
    result: &RunResult,
    options: &WriteOptions,
) -> Result<()> {
    let (traces, spikes) = (traces.as_ref(), spikes.as_ref());
    if !options.overwrite {
        for p in [traces, spikes] {
            if p.exists() {
                return Err(Error::new(ErrorKind::Exists).in_file(p));
            }
        }
    }
    let v = voltage(result, options);
    write_atomic(traces, options.overwrite, |w| {
        write!(w, "voltage,threshold")?;
        for i in 0..result.asc_count {
            write!(w, ",AScurrents_{i}")?;
        }
        writeln!(w)?;
        for (i, (v, th)) in v.iter().zip(&result.threshold).enumerate() {
            write!(w, "{},{}", csv_number(*v), csv_number(*th))?;
            for a in result.asc_row(i) {
                write!(w, ",{}", csv_number(*a))?;
            }
            writeln!(w)?;
        }
        Ok(())
    })?;
    write_atomic(spikes, options.overwrite, |w| {
        writeln!(
            w,
            "spike_time_steps,grid_spike_times,interpolated_spike_times,\
             interpolated_spike_voltage,interpolated_spike_threshold"
        )?;
        for s in &result.spikes {
            writeln!(
                w,
                "{},{},{},{},{}",
                s.step,
                csv_number(s.grid_time),
                csv_number(s.time),
                csv_number(s.voltage),
                csv_number(s.threshold)
            )?;
        }
        Ok(())
    })
}

fn csv_rows(text: &str, columns: usize) -> Result<Vec<Vec<f64>>> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let row = line
            .split(',')
            .map(|c| c.trim().parse::<f64>())
            .collect::<std::result::Result<Vec<f64>, _>>()
            .map_err(|e| Error::results(format!("line {}", i + 1), e.to_string()))?;
        if row.len() != columns {
            return Err(Error::results(
                format!("line {}", i + 1),
                format!("has {} columns, expected {columns}", row.len()),
            ));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// Reads the two CSV files of [`write_csv`].
pub fn read_csv(traces: impl AsRef<Path>, spikes: impl AsRef<Path>) -> Result<RunResult> {
    let (traces, spikes) = (traces.as_ref(), spikes.as_ref());
    let text = std::fs::read_to_string(traces).map_err(|e| Error::io(traces, e))?;
    let header = text.lines().next().unwrap_or_default();
    let columns = header.split(',').count();
    if !header.starts_with("voltage,threshold") {
        return Err(
            Error::results("line 1", "expected the header voltage,threshold,...").in_file(traces),
        );
    }
    let rows = csv_rows(&text, columns).map_err(|e| e.in_file(traces))?;
    let asc_count = columns - 2;
    let mut result = RunResult::new(asc_count, rows.len());
    for r in &rows {
        result.voltage.push(r[0]);
        result.threshold.push(r[1]);
        result.asc.extend_from_slice(&r[2..]);
    }
    let text = std::fs::read_to_string(spikes).map_err(|e| Error::io(spikes, e))?;
    for r in csv_rows(&text, 5).map_err(|e| e.in_file(spikes))? {
        let step = r[0];
        if !(step >= 0.0 && step.fract() == 0.0) {
            return Err(
                Error::results("spike_time_steps", format!("{step} is not a step")).in_file(spikes),
            );
        }
        result.spikes.push(Spike {
            step: step as usize,
            grid_time: r[1],
            time: r[2],
            voltage: r[3],
            threshold: r[4],
        });
    }
    Ok(result)
}
