//! One level's `th_inf` optimization (`glif_fit::optimizer::optimize_levels`,
//! what `glif fit --stage optimize` calls) on given inputs, printing every
//! evaluation: the glif side of `cargo xtask compare-fit --optimize`, which
//! runs it on AllenSDK's own starting config and Noise 1 (as
//! `scripts/fit/allensdk_pipeline.py --time-evals --currents-dir` writes them)
//! to count the evaluations of the full restart schedule per
//! `dt_multiplier` and time glif's optimizer on exactly AllenSDK's work.
//!
//! ```text
//! cargo run --release -p glif-fit --example run_many_record -- \
//!     NEURON_CONFIG.json OPTIMIZER_CONFIG.json SPIKES.json SEED CURRENT.f32...
//! ```
//!
//! `SPIKES.json` is a list of spike-index lists (one per sweep, samples at
//! the config's `dt`); each `CURRENT.f32` a sweep's Noise 1 current in A as
//! little-endian float32. Prints one JSON object: `evaluations` (`[x,
//! dt_multiplier, MLIN]` in order), `best_th_inf`, `restarts`, `wall_s`
//! (the optimization alone).

use std::process::ExitCode;
use std::time::Instant;

use glif_fit::optimizer::{optimize_levels, LevelJob, Optimizer};

fn read_json(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
}

fn run(args: &[String]) -> Result<serde_json::Value, String> {
    let [nc, oc, spikes, seed, currents @ ..] = args else {
        return Err("usage: run_many_record NEURON_CONFIG.json OPTIMIZER_CONFIG.json SPIKES.json SEED CURRENT.f32...".into());
    };
    let (nc, oc, spikes_v) = (read_json(nc)?, read_json(oc)?, read_json(spikes)?);
    let seed: u32 = seed
        .parse()
        .map_err(|_| format!("SEED {seed}: expected a whole number below 2^32"))?;
    let spikes: Vec<Vec<usize>> = serde_json::from_value(spikes_v)
        .map_err(|e| format!("SPIKES: expected lists of sample indices: {e}"))?;
    let mut stimuli = Vec::new();
    for p in currents {
        let bytes = std::fs::read(p).map_err(|e| format!("{p}: {e}"))?;
        if bytes.len() % 4 != 0 {
            return Err(format!(
                "{p}: {} bytes, not a whole number of float32 values",
                bytes.len()
            ));
        }
        stimuli.push(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect::<Vec<f32>>(),
        );
    }
    if stimuli.len() != spikes.len() {
        return Err(format!(
            "{} current files, {} spike lists: expected one of each per sweep",
            stimuli.len(),
            spikes.len()
        ));
    }
    let job = LevelJob {
        label: "level",
        neuron: &nc,
        optimizer: &oc,
    };
    let t = Instant::now();
    let fit = optimize_levels(
        &[job],
        &stimuli,
        &spikes,
        seed,
        1,
        Optimizer::Allen,
        &|_, _, _| true,
    )
    .map_err(|e| e.to_string())?
    .pop()
    .ok_or("no result")?;
    let wall = t.elapsed().as_secs_f64();
    let evaluations: Vec<serde_json::Value> = fit
        .result
        .evaluations
        .iter()
        .map(|e| serde_json::json!([e.x, e.dt_multiplier, e.error]))
        .collect();
    Ok(serde_json::json!({
        "evaluations": evaluations,
        "best_th_inf": fit.config["coeffs"]["th_inf"],
        "restarts": fit.result.restarts.len(),
        "wall_s": wall,
    }))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(v) => {
            println!("{v}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("run_many_record: {e}");
            ExitCode::from(2)
        }
    }
}
