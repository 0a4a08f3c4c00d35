//! AllenSDK's own `NwbDataSet` (and h5py) reading a file this layer wrote.
//!
//! Runs when the AllenSDK virtual environment exists: `.venv-allensdk` at the repository
//! root, made by `scripts/allensdk/setup_venv.sh`, or the directory `GLIF_ALLENSDK_VENV`
//! names (the same variable that script takes). Without it the test is a visible skip
//! locally and a failure under `CI=true` (`glif_reference::env`).
#![cfg(feature = "nwb")]

use std::path::Path;
use std::process::Command;

use glif_io::nwb::{copy_for_output, NwbFile, DEFAULT_SPIKE_CUT_VALUE};
use glif_reference::nwb_fixture::{standard_spec, test_dir, write_nwb};
use serde_json::Value;

/// Reads sweeps back with `NwbDataSet` and reports, as JSON, what AllenSDK sees, plus the
/// HDF5 facts of the spike-time datasets as h5py reports them.
const READER: &str = r#"
import json, sys
import h5py
import numpy as np
from allensdk.core.nwb_data_set import NwbDataSet

path, sweeps = sys.argv[1], [int(s) for s in sys.argv[2].split(",")]
ds = NwbDataSet(path)
out = {"pipeline_version": list(ds.get_pipeline_version()),
       "sweep_numbers": sorted(int(n) for n in ds.get_sweep_numbers()), "sweeps": {}}
with h5py.File(path, "r") as f:
    tag = f["analysis/spike_times"].attrs["neurodata_type"]
    out["neurodata_type"] = tag.decode() if isinstance(tag, bytes) else str(tag)
for n in sweeps:
    s = ds.get_sweep(n)
    with h5py.File(path, "r") as f:
        st = f["analysis/spike_times/Sweep_%d" % n]
        facts = {"maxshape": [m if m is None else int(m) for m in st.maxshape],
                 "dtype": str(st.dtype)}
        # get_sweep's branch for pipeline >= 1.1, which 2.16.2 never reaches with h5py 3.
        stim = f["epochs/Sweep_%d/stimulus/timeseries/data" % n]
        intended = stim[()] * float(stim.attrs["conversion"])
    out["sweeps"][str(n)] = {
        "stimulus": np.asarray(s["stimulus"], dtype=np.float64).tolist(),
        "intended_stimulus": np.asarray(intended, dtype=np.float64).tolist(),
        "response": np.asarray(s["response"], dtype=np.float64).tolist(),
        "sampling_rate": float(s["sampling_rate"]),
        "stimulus_unit": s["stimulus_unit"],
        "index_range": [int(i) for i in s["index_range"]],
        "spike_times": np.asarray(ds.get_spike_times(n), dtype=np.float64).tolist(),
        "spike_dataset": facts,
    }
print(json.dumps(out))
"#;

/// Writes simulated sweeps with AllenSDK's own `simulate_neuron` helpers: NaN replaced by
/// the spike-cut value as `simulate_sweep` does, then `write_sweep_response` (or the two
/// `NwbDataSet` calls it makes, where the venv cannot import the module).
const WRITER: &str = r#"
import json, sys
import numpy as np
try:
    from allensdk.model.glif.simulate_neuron import write_sweep_response
except ImportError:
    # simulate_neuron imports the web API (requests_toolbelt...), which a --no-deps venv
    # may lack; write_sweep_response is these two NwbDataSet calls.
    from allensdk.core.nwb_data_set import NwbDataSet

    def write_sweep_response(file_name, sweep_number, response, spike_times):
        ds = NwbDataSet(file_name)
        ds.set_sweep(sweep_number, stimulus=None, response=response)
        ds.set_spike_times(sweep_number, spike_times)

path, sims = sys.argv[1], json.load(open(sys.argv[2]))
for n, sim in sims.items():
    voltage = np.array([np.nan if v is None else v for v in sim["voltage"]])
    voltage[np.isnan(voltage)] = sim["spike_cut_value"]
    write_sweep_response(path, int(n), voltage, np.array(sim["spike_times"]))
"#;

/// The stored values of a dataset, without any conversion, as raw bits.
fn raw_bits(file: &Path, dataset: &str) -> Vec<u64> {
    let file = hdf5::File::open(file).unwrap();
    let ds = file.dataset(dataset).unwrap();
    ds.read_raw::<f64>()
        .unwrap()
        .iter()
        .map(|v| v.to_bits())
        .collect()
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("a JSON list")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

#[test]
fn allensdk_reads_what_we_write() {
    const CHECK: &str = "io/nwb-allensdk-reads-ours";
    // Missing: a visible skip locally, a failure under CI=true.
    let Some(python) = glif_reference::env::python(CHECK) else {
        return;
    };
    let dir = test_dir("allensdk");
    let input = dir.join("cell.nwb");
    let spec = standard_spec();
    write_nwb(&input, &spec);
    let output = dir.join("simulated.nwb");
    copy_for_output(&input, &output, false).unwrap();

    let sweeps = [1_u32, 2, 10];
    let mut expected = Vec::new();
    let mut sims = serde_json::Map::new();
    let mut nwb = NwbFile::open_rw(&output).unwrap();
    for &n in &sweeps {
        let sweep = nwb.read_sweep(n).unwrap();
        let len = sweep.stimulus.len() - 7;
        let mut voltage: Vec<f64> = (0..len)
            .map(|i| -0.065 + f64::from(n) * 1e-3 + i as f64 * 1e-5)
            .collect();
        voltage[len / 2..len / 2 + 3].fill(f64::NAN);
        let spikes = vec![f64::from(n) * 1e-4, f64::from(n) * 1e-4 + 1.0 / 3.0];
        nwb.write_response(n, &voltage, DEFAULT_SPIKE_CUT_VALUE)
            .unwrap();
        nwb.write_spike_times(n, &spikes).unwrap();
        let mut response: Vec<f64> = voltage
            .iter()
            .map(|&v| f64::from((if v.is_nan() { 0.05 } else { v }) as f32))
            .collect();
        response.resize(sweep.sweep_length, 0.0);
        sims.insert(
            n.to_string(),
            serde_json::json!({
                "voltage": voltage,
                "spike_times": spikes,
                "spike_cut_value": DEFAULT_SPIKE_CUT_VALUE,
            }),
        );
        expected.push((n, sweep, response, spikes));
    }
    nwb.close().unwrap();

    let list: Vec<String> = sweeps.iter().map(u32::to_string).collect();
    let run = Command::new(&python)
        .arg("-c")
        .arg(READER)
        .arg(&output)
        .arg(list.join(","))
        .output()
        .expect("run the AllenSDK python");
    assert!(
        run.status.success(),
        "AllenSDK reader failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let seen: Value = serde_json::from_slice(&run.stdout).expect("reader prints JSON");

    assert_eq!(seen["sweep_numbers"], serde_json::json!([0, 1, 2, 10]));
    assert_eq!(seen["neurodata_type"], "Custom");
    // AllenSDK 2.16.2 with h5py 3 compares bytes with 'version', finds no version, and
    // applies no conversion; a fixed AllenSDK would find 1.1 and apply it.
    let allensdk_converts = seen["pipeline_version"] == serde_json::json!([1, 1]);
    println!(
        "AllenSDK pipeline version {}: conversion {}",
        seen["pipeline_version"],
        if allensdk_converts {
            "applied"
        } else {
            "not applied (the known h5py 3 bytes issue)"
        }
    );

    // The same simulated sweeps written by AllenSDK itself into another copy of the input.
    let by_allensdk = dir.join("by_allensdk.nwb");
    copy_for_output(&input, &by_allensdk, false).unwrap();
    let sims_path = dir.join("sims.json");
    std::fs::write(&sims_path, Value::Object(sims).to_string()).unwrap();
    let run = Command::new(&python)
        .arg("-c")
        .arg(WRITER)
        .arg(&by_allensdk)
        .arg(&sims_path)
        .output()
        .expect("run the AllenSDK python");
    assert!(
        run.status.success(),
        "AllenSDK writer failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for &n in &sweeps {
        for dataset in [
            format!("epochs/Sweep_{n}/response/timeseries/data"),
            format!("analysis/spike_times/Sweep_{n}"),
        ] {
            assert_eq!(
                raw_bits(&output, &dataset),
                raw_bits(&by_allensdk, &dataset),
                "{dataset}: stored values differ from AllenSDK's"
            );
        }
    }

    for (n, sweep, response, spikes) in expected {
        let s = &seen["sweeps"][n.to_string()];
        let stored = &spec.sweeps.iter().find(|s| s.number == n).unwrap().stimulus;
        let stimulus = floats(&s["stimulus"]);
        if allensdk_converts {
            assert_eq!(stimulus, sweep.stimulus, "sweep {n}: stimulus");
        } else {
            let raw: Vec<f64> = stored.iter().map(|&x| f64::from(x)).collect();
            assert_eq!(stimulus, raw, "sweep {n}: raw stimulus");
        }
        assert_eq!(
            floats(&s["intended_stimulus"]),
            sweep.stimulus,
            "sweep {n}: conversion applied as AllenSDK means to"
        );
        // The response is written in volts with its conversion set to 1, so AllenSDK reads
        // volts whichever way it treats conversion.
        assert_eq!(floats(&s["response"]), response, "sweep {n}: response");
        assert_eq!(floats(&s["spike_times"]), spikes, "sweep {n}: spike times");
        assert_eq!(s["sampling_rate"].as_f64(), Some(sweep.sampling_rate));
        assert_eq!(s["stimulus_unit"], "Amps");
        let range = &s["index_range"];
        assert_eq!(
            (range[0].as_u64(), range[1].as_u64()),
            (
                Some(sweep.index_range.0 as u64),
                Some(sweep.index_range.1 as u64)
            ),
            "sweep {n}: index range"
        );
        assert_eq!(
            s["spike_dataset"],
            serde_json::json!({"maxshape": [null], "dtype": "float64"})
        );
    }
    glif_reference::env::record(
        CHECK,
        glif_reference::env::Outcome::Ran,
        sweeps.len(),
        "sweeps read by NwbDataSet; response and spike times bit-identical to AllenSDK's own writer",
    );
}
