//! `glif info`.

use std::path::PathBuf;

use clap::Args;

use glif_io::model;
use glif_io::{NeuronConfig, Precision};

use crate::config;
use crate::error::CliError;
use crate::simulate::DEFAULT_DT;

const INFO_AFTER: &str = "\
Examples:
  glif info
      Describe the bundled Allen model 566283540 (GLIF5).
  glif info --config 566283540_neuron_config.json
  glif info --config cells.json --model-id 566283540 --dt 5e-6

Exit status: 0 when the model is valid, 2 when the file cannot be read or a parameter is invalid.";

/// Describe a model: level, rules, parameters with units, derived values
/// (membrane time constant, rheobase) and any validation problems.
#[derive(Args, Debug)]
#[command(after_help = INFO_AFTER)]
pub struct InfoArgs {
    /// Allen neuron_config JSON file [default: the bundled model 566283540].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Which model of a config file keyed by model id.
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
    /// The time step to validate the model at (s).
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_DT)]
    pub dt: f64,
    /// Print only the arguments of every exponential the model evaluates at --dt, as a
    /// JSON array: the input of the one-line Python that writes `simulate --exp-table`.
    #[arg(long)]
    pub exp_arguments: bool,
}

/// Length (s) of the DC steps `glif info` runs the model on.
const DC_SECONDS: f64 = glif_io::run::DC_SCAN_SECONDS;

fn si(x: f64, unit: &str) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x} {unit}");
    }
    let prefixes = [
        (1e-15, "f"),
        (1e-12, "p"),
        (1e-9, "n"),
        (1e-6, "µ"),
        (1e-3, "m"),
        (1.0, ""),
        (1e3, "k"),
        (1e6, "M"),
        (1e9, "G"),
    ];
    let a = x.abs();
    let (scale, p) = prefixes
        .iter()
        .rev()
        .find(|(s, _)| a >= *s * 0.999_999_5)
        .copied()
        .unwrap_or((1e-15, "f"));
    format!("{:.6} {p}{unit}  ({x:e} {unit})", x / scale)
}

/// Runs `glif info`; returns the exit status.
pub fn run(a: InfoArgs) -> Result<u8, CliError> {
    let cfg = match &a.config {
        Some(p) => config::load(p, a.model_id.as_deref())?,
        None => config::bundled()?,
    };
    if a.exp_arguments {
        let at = config::at_dt(&cfg, a.dt, None)?;
        let args = glif_io::model::exp_arguments(&at).map_err(CliError::reading)?;
        let text = serde_json::to_string(&args).map_err(|e| CliError::other(e.to_string()))?;
        println!("{text}");
        return Ok(0);
    }
    print(&cfg);
    let mut problems = Vec::new();
    for precision in [Precision::F64, Precision::F32] {
        let built = config::at_dt(&cfg, a.dt, None).and_then(|c| config::build(&c, precision));
        if let Err(e) = built {
            problems.push(format!(
                "{} (at dt = {} s, {})",
                e.message,
                glif_io::sci(a.dt),
                precision.name()
            ));
        }
    }
    problems.dedup();
    let mut notes = Vec::new();
    if cfg.dt != a.dt {
        notes.push(format!(
            "the file's dt is {} s; simulations use --dt (default {} s, the 200 kHz sampling of \
             Allen stimuli), as AllenSDK's documented usage does",
            glif_io::sci(cfg.dt),
            glif_io::sci(DEFAULT_DT)
        ));
    }
    if let Some(w) = config::at_dt(&cfg, a.dt, None)
        .ok()
        .and_then(|c| c.euler_warning())
    {
        notes.push(w);
    }
    if cfg.el != 0.0 {
        notes.push("El is not 0: Allen files use voltages relative to rest (El = 0)".into());
    }
    if cfg.th_adapt.is_some() {
        notes.push("th_adapt is set; AllenSDK stores it but never uses it".into());
    }
    if cfg.threshold_voltage_ratio().is_some_and(|r| r >= 1.0) {
        notes.push("a_voltage*coeffs.a >= b_voltage*coeffs.b: the adapting threshold rises at least as fast as the voltage, so no DC current makes the model fire".into());
    }
    // The bad-reset risk: what the reset rule implies, then what square
    // steps of DC current actually do (run through the library).
    let mut warnings = Vec::new();
    if let Some(r) = glif_io::run::reset_risk(&cfg) {
        warnings.push(r);
    }
    if let Ok(at) = config::at_dt(&cfg, a.dt, None) {
        let grid = glif_io::run::dc_grid();
        if let Ok(scan) = glif_io::run::dc_scan(&at, &grid, DC_SECONDS) {
            let (lo, hi) = (grid[0] * 1e12, grid[grid.len() - 1] * 1e12);
            let clean = match scan.clean_range() {
                Some((x, y)) => format!(
                    "spikes without a bad reset from {} to {} pA",
                    glif_io::sci(x * 1e12),
                    glif_io::sci(y * 1e12)
                ),
                None => "no DC amplitude tried makes it spike without a bad reset".into(),
            };
            let bad = match scan.first_bad_reset() {
                Some(x) => {
                    let m = format!(
                        "a bad reset from {} pA on (DC steps of {DC_SECONDS} s)",
                        glif_io::sci(x * 1e12)
                    );
                    warnings.push(format!("the run stops with {m}"));
                    format!("; {m}")
                }
                None => "; no bad reset".into(),
            };
            notes.push(format!(
                "DC steps of {DC_SECONDS} s from {} to {} pA in steps of {} pA at dt = {} s: {clean}{bad}",
                glif_io::sci(lo),
                glif_io::sci(hi),
                glif_io::sci(grid[1] * 1e12 - lo),
                glif_io::sci(a.dt)
            ));
        }
    }
    if !notes.is_empty() {
        println!("\nNotes");
        for n in &notes {
            println!("  - {n}");
        }
    }
    if !warnings.is_empty() {
        println!("\nWarnings (AllenSDK runs this model, but)");
        for w in &warnings {
            println!("  - {w}");
        }
    }
    if problems.is_empty() {
        let but = if warnings.is_empty() {
            ""
        } else {
            "; see the warnings above"
        };
        println!(
            "\nValidation: the parameters are valid (checked at dt = {} s, f64 and f32){but}",
            glif_io::sci(a.dt)
        );
        Ok(0)
    } else {
        println!("\nValidation problems");
        for p in &problems {
            println!("  - {p}");
        }
        Ok(2)
    }
}

fn print(c: &NeuronConfig) {
    let source = config::source(c);
    match &c.model_id {
        Some(id) => println!("Model {id} from {source}"),
        None => println!("Model from {source}"),
    }
    println!("Level: {}", config::level_name(c));
    println!("\nRules");
    let m = &c.methods;
    // Each rule's parameters as the rule table lists them, with units.
    let text = |params: Vec<(&'static str, f64)>| {
        params
            .iter()
            .map(|(name, v)| match model::param_unit(name) {
                "" => format!("{name} = {v}"),
                unit => format!("{name} = {v} {unit}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let r = m.asc_reset.r();
    let params: [String; 6] = [
        text(m.voltage.params()),
        text(m.threshold.params()),
        text(m.asc.params()),
        text(m.voltage_reset.params()),
        text(m.threshold_reset.params()),
        if r.is_empty() {
            String::new()
        } else {
            format!("r = {r:?}")
        },
    ];
    let names = glif_io::Methods::KEYS.iter().zip(m.names());
    for ((field, name), p) in names.zip(params.iter()) {
        if p.is_empty() {
            println!("  {field:<27} {name}");
        } else {
            println!("  {field:<27} {name}: {p}");
        }
    }
    println!("\nParameters");
    let row = |name: &str, v: String| println!("  {name:<22} {v}");
    row("El", si(c.el, "V"));
    if let Some(e) = c.original.get("El_reference").and_then(|v| v.as_f64()) {
        row("El_reference", si(e, "V"));
    }
    row("dt (in file)", si(c.dt, "s"));
    row("R_input", si(c.r_input, "Ω"));
    row("C", si(c.c, "F"));
    row("th_inf", si(c.th_inf, "V"));
    row(
        "spike_cut_length",
        format!("{} samples", c.spike_cut_length),
    );
    for i in 0..c.asc_count() {
        row(&format!("asc_tau_array[{i}]"), si(c.asc_tau[i], "s"));
        row(&format!("asc_amp_array[{i}]"), si(c.asc_amp[i], "A"));
        row(&format!("init_AScurrents[{i}]"), si(c.init_asc[i], "A"));
    }
    row("init_voltage", si(c.init_voltage, "V"));
    row("init_threshold", si(c.init_threshold, "V"));
    row(
        "coeffs",
        format!(
            "th_inf = {}, C = {}, G = {}, a = {}, b = {}, asc_amp_array = {:?}",
            c.coeffs.th_inf, c.coeffs.c, c.coeffs.g, c.coeffs.a, c.coeffs.b, c.coeffs.asc_amp
        ),
    );

    println!("\nDerived values");
    row("tau_m = R_input*C", si(c.tau_m(), "s"));
    row("G*coeffs.G", si(c.conductance(), "S"));
    row("C*coeffs.C", si(c.capacitance(), "F"));
    row("th_inf*coeffs.th_inf", si(c.threshold_at_rest(), "V"));
    row("rheobase (LIF)", si(c.rheobase_lif(), "A"));
    println!(
        "  {:<22} = (th_inf*coeffs.th_inf - El) * G*coeffs.G: the DC current whose steady voltage\n  {:<22}   El + I/(G*coeffs.G) reaches the threshold at rest.",
        "", ""
    );
    if let (Some(_), Some(rheobase)) = (c.threshold_voltage_ratio(), c.rheobase()) {
        row("rheobase (adapting)", si(rheobase, "A"));
        println!(
            "  {:<22} = rheobase (LIF) / (1 - a_voltage*coeffs.a / (b_voltage*coeffs.b)): with\n  {:<22}   three_components_exact the threshold's voltage component settles at\n  {:<22}   (a/b)*I/g, so the first spike needs this much DC current.",
            "", "", ""
        );
    }
    println!(
        "  {:<22} after-spike currents and the spike component matter only after the first spike.",
        ""
    );
}
