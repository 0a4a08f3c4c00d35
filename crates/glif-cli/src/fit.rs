//! `glif fit --stage preprocess`: a cell's Allen NWB recordings and sweep
//! table through [`glif_fit::preprocess::preprocess`] and
//! [`glif_fit::configure::configure_model`]. This layer reads the file,
//! checks the recordings, writes the results and prints the summary; the
//! fitting is the library's.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use glif_fit::configure::{configure_model, Level};
use glif_fit::preprocess::{preprocess, RawSweep};
use glif_fit::sweeps::parse_sweep_table;
use glif_fit::FitError;
use glif_io::nwb::NwbFile;

use crate::error::CliError;

const FIT_AFTER: &str = "\
Examples:
  glif fit --nwb cell.nwb --sweeps ephys_sweeps.json --output fit/ --stage preprocess

Writes DIR/preprocessor_values.json (AllenSDK's preprocessor values: its keys, SI units) and
DIR/GLIF<n>_neuron_config.json for each level the recordings allow (AllenSDK's configure_model:
the published levels' method names, every coefficient at its starting value). Cells without a
usable Short Square - Triple get GLIF1 and GLIF3 only. Recordings must be in volts and amperes
at a sampling rate that is a whole multiple of 20 kHz; nothing is written when an input is
refused (exit status 2). docs/FITTING.md describes each stage.";

/// Which part of the fit to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// Everything before the optimizer: preprocessor values and the starting configs.
    Preprocess,
    /// Preprocessing, then each level's th_inf coefficient tuned as AllenSDK's optimizer
    /// tunes it (3 x 3 Nelder-Mead restarts over forced-spike runs on Noise 1).
    Optimize,
}

/// Fit GLIF models to a cell's recordings (AllenSDK's fitting pipeline).
#[derive(Args, Debug)]
#[command(after_help = FIT_AFTER)]
pub struct FitArgs {
    /// The cell's Allen NWB 1.x file.
    #[arg(long, value_name = "CELL.nwb")]
    pub nwb: PathBuf,
    /// The cell's ephys_sweeps.json (sweep_number, stimulus name, num_spikes,
    /// stimulus_amplitude, slow_vm_mv).
    #[arg(long, value_name = "FILE")]
    pub sweeps: PathBuf,
    /// The folder to write the results into (created if absent).
    #[arg(long, value_name = "DIR")]
    pub output: PathBuf,
    /// The stage to run (only `preprocess` so far).
    #[arg(long, value_enum)]
    pub stage: Stage,
    /// Replace result files that already exist in DIR.
    #[arg(long)]
    pub force: bool,
    /// With --stage optimize: only these levels (e.g. --levels GLIF1,GLIF3).
    #[arg(long, value_delimiter = ',', value_name = "GLIFn,...")]
    pub levels: Vec<String>,
    /// With --stage optimize: numpy RandomState seed of the restarts (AllenSDK's
    /// run_many(seed=S) path; AllenSDK draws a random seed when none is given).
    #[arg(long, default_value_t = 1234)]
    pub seed: u32,
    /// With --stage optimize: passes x restarts per pass instead of the optimizer
    /// config's (AllenSDK's 3x3), e.g. 1x1 for a quick look; restart k of a pass runs
    /// at dt_multiplier 100, 32, 10.
    #[arg(long, value_name = "PASSESxRESTARTS")]
    pub restarts: Option<String>,
    /// With --stage optimize: levels optimized at the same time.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
}

/// Sampling rates the loading accepts: a whole number of samples per 50 us
/// fitting step, and the 10 kHz filter below the Nyquist frequency.
pub(crate) fn check_rate(n: u32, rate: f64, nwb: &Path) -> Result<(), CliError> {
    let block = 5e-5 * rate;
    if rate.is_nan() || rate <= 20_000.0 || (block - block.round()).abs() > 1e-9 {
        return Err(CliError::input(format!(
            "{}: sweep {n} is sampled at {rate} Hz: expected a whole multiple of 20 kHz above 20 kHz \
             (the fit averages blocks of samples into 50 us steps and low-passes at 10 kHz first)",
            nwb.display()
        )));
    }
    Ok(())
}

/// Reads sweep `n` and checks that it holds finite volts and amperes.
pub(crate) fn read(file: &NwbFile, n: u32, nwb: &Path) -> Result<RawSweep, FitError> {
    let bad = |why: String| FitError::undetermined(&format!("{}: sweep {n}", nwb.display()), &why);
    let sweep = file
        .read_current_clamp_sweep(n)
        .map_err(|e| bad(e.to_string()))?;
    let voltage = file.read_response(n).map_err(|e| bad(e.to_string()))?;
    if voltage.len() != sweep.stimulus.len() {
        return Err(bad(format!(
            "{} response samples but {} stimulus samples",
            voltage.len(),
            sweep.stimulus.len()
        )));
    }
    for (what, x) in [
        ("response (voltage)", &voltage),
        ("stimulus (current)", &sweep.stimulus),
    ] {
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            let tail = x[i..].iter().all(|v| v.is_nan());
            return Err(bad(format!(
                "the {what} is {} from sample {i} of {}{}",
                x[i],
                x.len(),
                if tail {
                    " to the end (a NaN-padded sweep: cut the recording at its last valid sample)"
                } else {
                    ""
                }
            )));
        }
    }
    let vmax = voltage.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if vmax > 1.0 {
        return Err(bad(format!(
            "the voltage reaches {vmax} in magnitude: that looks like millivolts; the fit needs volts (a resting potential near -0.07)"
        )));
    }
    let imax = sweep.stimulus.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if imax > 1e-6 {
        return Err(bad(format!(
            "the current reaches {imax} in magnitude: that looks like picoamperes; the fit needs amperes (hundreds of pA are about 1e-10 A)"
        )));
    }
    Ok(RawSweep {
        voltage,
        current: sweep.stimulus,
        sampling_rate_hz: sweep.sampling_rate,
        index_range_start: sweep.index_range.0,
    })
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).expect("JSON values serialise") + "\n"
}

/// Runs `glif fit`; returns the exit status.
pub fn run(a: FitArgs) -> Result<u8, CliError> {
    let text = std::fs::read_to_string(&a.sweeps)
        .map_err(|e| CliError::input(format!("{}: {e}", a.sweeps.display())))?;
    let table = parse_sweep_table(&text)
        .map_err(|e| CliError::input(format!("{}: {e}", a.sweeps.display())))?;
    if !a.nwb.is_file() {
        return Err(CliError::input(format!(
            "{}: no such file",
            a.nwb.display()
        )));
    }
    let file = NwbFile::open(&a.nwb).map_err(|e| CliError::input(e.to_string()))?;
    let in_file = file
        .sweep_numbers()
        .map_err(|e| CliError::input(e.to_string()))?;
    let selection = glif_fit::sweeps::select(&table)
        .map_err(|e| CliError::input(format!("{}: {e}", a.sweeps.display())))?;
    let used: Vec<u32> = selection
        .noise1
        .iter()
        .chain(&selection.noise2)
        .chain(&selection.short_square_all)
        .chain(&selection.triple)
        .chain([&selection.long_square_max_subthreshold])
        .copied()
        .collect();
    for &n in &used {
        if !in_file.contains(&n) {
            return Err(CliError::input(format!(
                "{} lists sweep {n}, which {} does not hold: the sweep table does not match the file",
                a.sweeps.display(),
                a.nwb.display()
            )));
        }
        let rate = file
            .sampling_rate(n)
            .map_err(|e| CliError::input(e.to_string()))?;
        check_rate(n, rate, &a.nwb)?;
    }
    let result = preprocess(&table, |n| read(&file, n, &a.nwb))
        .map_err(|e| CliError::input(e.to_string()))?;
    let mut configs = Vec::new();
    let mut refused = Vec::new();
    for l in &a.levels {
        if !Level::ALL.iter().any(|x| x.label() == l) {
            return Err(CliError::input(format!(
                "--levels {l}: expected GLIF1, GLIF2, GLIF3, GLIF4 or GLIF5"
            )));
        }
    }
    for level in Level::ALL {
        if !a.levels.is_empty() && !a.levels.iter().any(|l| l == level.label()) {
            continue;
        }
        match configure_model(level, &result.summary) {
            Ok(c) => configs.push((level, c)),
            Err(e) if level.needs_spike_component() => refused.push((level, e)),
            Err(e) => return Err(CliError::input(e.to_string())),
        }
    }
    let mut evaluations = Vec::new();
    if a.stage == Stage::Optimize {
        if let Some(r) = &a.restarts {
            let bad = || {
                CliError::input(format!(
                    "--restarts {r}: expected PASSESxRESTARTS with at least 1 pass and 1 to 3 restarts, e.g. 3x3"
                ))
            };
            let (p, k) = r.split_once('x').ok_or_else(bad)?;
            let (p, k): (u64, u64) = (p.parse().map_err(|_| bad())?, k.parse().map_err(|_| bad())?);
            if p == 0 || !(1..=3).contains(&k) {
                return Err(bad());
            }
            for (_, c) in &mut configs {
                c["optimizer"]["outer_iterations"] = p.into();
                c["optimizer"]["inner_iterations"] = k.into();
            }
        }
        let fitted = crate::fit_optimize::optimize(
            &configs,
            &result.selection.noise1,
            &result.summary.noise1_spike_indices,
            |n| read(&file, n, &a.nwb),
            a.seed,
            a.threads,
            &a.nwb,
        )?;
        for ((_, c), (level, f, e)) in configs.iter_mut().zip(fitted) {
            c["neuron"] = f;
            evaluations.push((level, e));
        }
    }
    // Everything is computed: now write, never over existing files unless asked.
    let mut files = vec![(
        a.output.join("preprocessor_values.json"),
        pretty(&result.values),
    )];
    for (level, c) in &configs {
        files.push((
            a.output
                .join(format!("{}_neuron_config.json", level.label())),
            pretty(&c["neuron"]),
        ));
    }
    if !a.force {
        if let Some((p, _)) = files.iter().find(|(p, _)| p.exists()) {
            return Err(CliError::input(format!(
                "{}: the file exists; give --force to replace it",
                p.display()
            )));
        }
    }
    std::fs::create_dir_all(&a.output)
        .map_err(|e| CliError::other(format!("{}: {e}", a.output.display())))?;
    for (p, text) in &files {
        let tmp = p.with_extension("json.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, p))
            .map_err(|e| CliError::other(format!("{}: {e}", p.display())))?;
    }
    let s = &result.summary;
    let sel = &result.selection;
    let stage = if a.stage == Stage::Optimize {
        "optimize"
    } else {
        "preprocess"
    };
    println!("glif fit --stage {stage}: {}", a.nwb.display());
    println!(
        "  sweeps   Noise 1 {:?}, Noise 2 {:?}, short squares {:?}, triple {:?}, long square {}",
        sel.noise1, sel.noise2, sel.short_square_all, sel.triple, sel.long_square_max_subthreshold
    );
    println!(
        "  El_reference     {:.3} mV   (mean slow_vm_mv of Noise 1)",
        s.el_reference * 1e3
    );
    println!(
        "  R (least sq.)    {:.2} MOhm (Noise 1, start to 6 s)",
        s.r_least_squares / 1e6
    );
    println!("  C                {:.2} pF", s.c * 1e12);
    println!(
        "  R_ASC            {:.2} MOhm (after-spike-current fit)",
        s.r_asc / 1e6
    );
    println!(
        "  spike cut        {} samples = {:.2} ms; v_before a = {:.4}, b = {:.3} mV",
        s.spike_cut_length,
        s.spike_cut_length as f64 * s.dt * 1e3,
        s.spike_cutting_slope,
        s.spike_cutting_intercept * 1e3
    );
    println!(
        "  ASC              tau {:.1} ms, {:.1} ms; amplitude {:.2} pA, {:.2} pA",
        s.asc_tau_array[0] * 1e3,
        s.asc_tau_array[1] * 1e3,
        s.asc_amp_array[0] * 1e12,
        s.asc_amp_array[1] * 1e12
    );
    println!(
        "  th_inf           {:.3} mV above rest (first spike, sweep {})",
        s.th_inf * 1e3,
        sel.short_square_min_suprathreshold
    );
    match (s.a_spike, s.b_spike) {
        (Some(a_), Some(b)) => println!(
            "  spike component  a = {:.3} mV, b = {:.1} 1/s (triple)",
            a_ * 1e3,
            b
        ),
        _ => println!("  spike component  none (no usable Short Square - Triple)"),
    }
    if let (Some(a_), Some(b)) = (s.a_voltage, s.b_voltage) {
        println!("  voltage comp.    a = {a_:.4} 1/s, b = {b:.4} 1/s (fmin on Noise 1)");
    }
    println!(
        "  noise            var {:.3e} V^2, sv {:.3} mV, tau_from_AC {:.2} ms (long square {})",
        s.var_of_section,
        s.sv_for_expsymm * 1e3,
        s.tau_from_ac * 1e3,
        sel.long_square_max_subthreshold
    );
    for (level, c) in &configs {
        match evaluations.iter().find(|(l, _)| l == level) {
            Some((_, e)) => println!(
                "  wrote {}_neuron_config.json (th_inf coefficient {}, {e} forced-spike evaluations, seed {})",
                level.label(),
                c["neuron"]["coeffs"]["th_inf"],
                a.seed
            ),
            None => println!("  wrote {}_neuron_config.json", level.label()),
        }
    }
    for (level, e) in &refused {
        println!("  {} not configured: {e}", level.label());
    }
    println!(
        "  wrote {}",
        a.output.join("preprocessor_values.json").display()
    );
    Ok(0)
}
