//! The reference set's files: `reference/traces/<config>/<case>.json[.gz]`
//! (AllenSDK 2.16.2 outputs, see `reference/README.md`) and
//! `reference/configs/`.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::paths::reference_dir;

/// Every case file under `reference/traces`, sorted.
pub fn case_files() -> Result<Vec<PathBuf>, String> {
    let traces = reference_dir().join("traces");
    let mut out = Vec::new();
    let dirs = std::fs::read_dir(&traces).map_err(|e| format!("{}: {e}", traces.display()))?;
    for dir in dirs {
        let dir = dir.map_err(|e| e.to_string())?.path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            let f = f.map_err(|e| e.to_string())?.path();
            let name = f.to_string_lossy();
            if name.ends_with(".json.gz") || name.ends_with(".json") {
                out.push(f);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file's text, gunzipped when its name ends in `.gz`.
pub fn read_text(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if path.to_string_lossy().ends_with(".gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(s)
    } else {
        String::from_utf8(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Reads a (possibly gzipped) case file.
pub fn load_case(path: &Path) -> Result<Value, String> {
    serde_json::from_str(&read_text(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// A case's name, `config_key/case`.
pub fn case_name(case: &Value) -> String {
    format!(
        "{}/{}",
        case["config_key"].as_str().unwrap_or("?"),
        case["case"].as_str().unwrap_or("?")
    )
}

/// The numbers of a JSON array, `null` as NaN (empty if not an array).
pub fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect())
        .unwrap_or_default()
}

/// Every config file under `reference/configs/{bmtk,osb,teeter}`, sorted.
pub fn config_files() -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for dir in ["bmtk", "osb", "teeter"] {
        let dir = reference_dir().join("configs").join(dir);
        for f in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))? {
            out.push(f.map_err(|e| e.to_string())?.path());
        }
    }
    out.sort();
    Ok(out)
}

/// The config dict of `reference/configs/<rel>`, unwrapped when the file
/// keys it by model id.
pub fn config_file(rel: &str) -> Result<Value, String> {
    let path = reference_dir().join("configs").join(rel);
    let v: Value =
        serde_json::from_str(&read_text(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
    if v.get("El").is_some() {
        return Ok(v);
    }
    v.as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .ok_or_else(|| format!("{}: neither a config nor a wrapped one", path.display()))
}

/// Whether a case's config is one that glif-core's compiled levels run as
/// they stand (and so glif-core's reference test compares): forward Euler,
/// exactly two after-spike currents, and the rules of a published level
/// (GLIF1..GLIF5), or GLIF1's with exp current dynamics (AllenSDK's
/// `asc_reset_none_raises` case). Every other case needs glif-io's run-time
/// rules and is compared by glif-io's reference test. Read from the method
/// names alone, so that glif-core's test does not depend on glif-io's
/// config loader.
pub fn is_compiled_level(config: &Value) -> bool {
    let two = |key: &str| config[key].as_array().map(Vec::len) == Some(2);
    if !(two("asc_tau_array") && two("asc_amp_array") && two("init_AScurrents")) {
        return false;
    }
    let name = |key: &str| config[key]["name"].as_str().unwrap_or("");
    name("voltage_dynamics_method") == "linear_forward_euler"
        && matches!(
            (
                name("threshold_dynamics_method"),
                name("AScurrent_dynamics_method"),
                name("voltage_reset_method"),
                name("threshold_reset_method"),
                name("AScurrent_reset_method"),
            ),
            ("inf", "none", "zero", "inf", "none")
                | ("inf", "exp", "zero", "inf", "none")
                | (
                    "spike_component",
                    "none",
                    "v_before",
                    "three_components",
                    "none"
                )
                | ("inf", "exp", "zero", "inf", "sum")
                | (
                    "spike_component",
                    "exp",
                    "v_before",
                    "three_components",
                    "sum"
                )
                | (
                    "three_components_exact",
                    "exp",
                    "v_before",
                    "three_components",
                    "sum"
                )
        )
}

/// Every Teeter et al. config of `reference/teeter-all.jsonl.gz`, as
/// `(file name, config dict)`, in the file's order.
pub fn teeter_configs() -> Result<Vec<(String, Value)>, String> {
    let path = reference_dir().join("teeter-all.jsonl.gz");
    read_text(&path)?
        .lines()
        .map(|line| {
            let v: Value =
                serde_json::from_str(line).map_err(|e| format!("{}: {e}", path.display()))?;
            let file = v["file"].as_str().ok_or("teeter-all: no file")?.to_string();
            Ok((file, v["config"].clone()))
        })
        .collect()
}

/// `int_init_spike_at_step0` (integer `0` initial values; AllenSDK fails on
/// a Python type assertion, an artefact of Python integers) is compared
/// whole with the stored AllenSDK outputs of its float twin
/// `float_init_spike_at_step0` (same stimulus, the config's own float
/// initial values, `init_threshold = th_inf`): returns the float case with
/// the int case's config, name and `"interpolated_from_spike": 1`. Both
/// spike at step 0 and reset the same way, so every trace sample, spike
/// step and grid time must match; only the first spike's interpolated
/// time, voltage and threshold use the initial values (0 against th_inf),
/// so the comparers skip those three values (and check they are finite).
/// Other cases pass through unchanged.
pub fn int_init_as_float_init(path: &Path, case: Value) -> Result<Value, String> {
    if case["case"] != "int_init_spike_at_step0" {
        return Ok(case);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().replace("int_init", "float_init"))
        .unwrap_or_default();
    let float_path = path.with_file_name(name);
    let mut float_case = load_case(&float_path)?;
    if case["stimulus"] != float_case["stimulus"]
        || case["dt"] != float_case["dt"]
        || !case["error"].is_object()
        || !float_case["error"].is_null()
    {
        return Err(format!(
            "{} is not the float twin of {}",
            float_path.display(),
            path.display()
        ));
    }
    float_case["config"] = case["config"].clone();
    float_case["case"] = case["case"].clone();
    float_case["interpolated_from_spike"] = 1.into();
    Ok(float_case)
}

/// The first spike whose interpolated values a case's stored outputs hold
/// for our run (see [`int_init_as_float_init`]; 0 for every other case).
pub fn interpolated_from_spike(case: &Value) -> usize {
    case["interpolated_from_spike"].as_u64().unwrap_or(0) as usize
}

/// The committed index of the reference cases, `reference/traces/index.json`
/// (written by `scripts/allensdk/make_reference.py`): every case's name
/// (`config_key/case`) with AllenSDK's error message when its run raised
/// (`None` when it returned outputs).
pub fn case_index() -> Result<Vec<(String, Option<String>)>, String> {
    let path = reference_dir().join("traces").join("index.json");
    let doc: Value =
        serde_json::from_str(&read_text(&path)?).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases = doc["cases"]
        .as_array()
        .ok_or_else(|| format!("{}: no `cases` array", path.display()))?;
    cases
        .iter()
        .map(|c| {
            let name = c["name"]
                .as_str()
                .ok_or_else(|| format!("{}: a case without `name`: {c}", path.display()))?;
            Ok((name.to_string(), c["error"].as_str().map(str::to_string)))
        })
        .collect()
}

/// Every case file under `reference/traces`, sorted, after checking that
/// they are exactly the cases [`case_index`] lists: a file the index does
/// not list, or a listed case without its file, is an error naming them.
pub fn indexed_case_files() -> Result<Vec<PathBuf>, String> {
    let files = case_files()?;
    let traces = reference_dir().join("traces");
    let on_disk: std::collections::BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&traces).ok()?.to_string_lossy().into_owned();
            Some(
                rel.trim_end_matches(".gz")
                    .trim_end_matches(".json")
                    .to_string(),
            )
        })
        .collect();
    let listed: std::collections::BTreeSet<String> =
        case_index()?.into_iter().map(|(name, _)| name).collect();
    let unlisted: Vec<&String> = on_disk.difference(&listed).collect();
    let missing: Vec<&String> = listed.difference(&on_disk).collect();
    if !unlisted.is_empty() || !missing.is_empty() {
        return Err(format!(
            "reference/traces does not match its index.json: {} files not listed ({:?}), {} \
             listed cases without a file ({:?}); regenerate the index with \
             scripts/allensdk/make_reference.py --index",
            unlisted.len(),
            unlisted.iter().take(5).collect::<Vec<_>>(),
            missing.len(),
            missing.iter().take(5).collect::<Vec<_>>()
        ));
    }
    Ok(files)
}

/// SHA-256 (lower-case hex) of a full trace as `make_reference.py` hashes
/// AllenSDK's: each value's f64 bits little-endian, in order (after-spike
/// currents row by row), every NaN written as `0x7ff8000000000000`.
pub fn trace_sha256(values: impl IntoIterator<Item = f64>) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    let mut buf = Vec::with_capacity(8 * 4096);
    for x in values {
        let bits = if x.is_nan() {
            0x7ff8_0000_0000_0000_u64
        } else {
            x.to_bits()
        };
        buf.extend_from_slice(&bits.to_le_bytes());
        if buf.len() >= 8 * 4096 {
            hash.update(&buf);
            buf.clear();
        }
    }
    hash.update(&buf);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
