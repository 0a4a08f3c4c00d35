//! `glif nest`: run one of NEST 3.10's GLIF models (`glif_psc`,
//! `glif_psc_double_alpha`, `glif_cond`) as NEST runs it. Parsing and printing only; the
//! work is `glif_io::nest`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use glif_io::nest::{run_files, write_output, NestFiles, NestModel, NestPrecision};

use crate::error::CliError;

const NEST_AFTER: &str = "\
P.json: NEST parameter names and values in NEST units (mV, ms, pA, nS, pF), as nest.SetStatus takes
them; absent keys take NEST 3.10's defaults; unknown keys and invalid switch combinations are refused.
S.json: [{\"port\": 1, \"times\": [ms, ...], \"weights\": [...]}], port 1-based (receptor_type), each
time the arrival at the neuron on the resolution grid.
C.json: {\"amplitude_times\": [ms, ...], \"amplitude_values\": [pA, ...], \"delay\": ms}: a
step_current_generator connected with that delay (default 1 ms, NEST's); amplitude a_i shows in I from
the sample at t_i + delay on (NEST's timing), added to --dc. Times > 0, on the grid, increasing.
OUT.json: {\"times\", \"V_m\", \"I\", \"threshold\", \"threshold_spike\", \"threshold_voltage\",
\"ASCurrents_sum\", \"I_syn\" (psc models) or \"g_1\"..\"g_n\" (glif_cond, one per port), \"spike_times\"},
sampled at the end of every step from h to the duration.

Examples:
  glif nest --model glif_psc --params p.json --resolution 0.1 --duration 100 --dc 300 --output out.json
  glif nest --model glif_psc_double_alpha --params p.json --spikes s.json --resolution 0.05 --duration 50 --output out.json
  glif nest --model glif_cond --params p.json --spikes s.json --resolution 0.1 --duration 100 --dc 200 --output out.json
  glif nest --model glif_psc --params p.json --current c.json --resolution 0.1 --duration 1000 --output out.json

Exit status: 0 success, 2 bad usage or bad input (the message names the key), 1 other failures.";

/// Run a NEST 3.10 GLIF neuron (glif_psc, glif_psc_double_alpha, glif_cond)
/// bit for bit as NEST does, with DC, step current and spike input.
#[derive(Args, Debug)]
#[command(after_help = NEST_AFTER)]
pub struct NestArgs {
    /// NEST model name.
    #[arg(long, value_enum)]
    pub model: ModelArg,
    /// Parameter dict (NEST names and units), JSON.
    #[arg(long, value_name = "P.json")]
    pub params: PathBuf,
    /// Simulation resolution h (ms).
    #[arg(long, value_name = "MS")]
    pub resolution: f64,
    /// Duration (ms), a whole number of steps.
    #[arg(long, value_name = "MS")]
    pub duration: f64,
    /// Constant current (pA), in effect from the first step.
    #[arg(
        long,
        value_name = "PA",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub dc: f64,
    /// Input spikes, JSON.
    #[arg(long, value_name = "S.json")]
    pub spikes: Option<PathBuf>,
    /// Time-varying current: a step_current_generator's amplitude times
    /// (ms) and values (pA), and its connection delay (ms, default 1), JSON.
    #[arg(long, value_name = "C.json")]
    pub current: Option<PathBuf>,
    /// Floating-point type (f64 is NEST's).
    #[arg(long, value_enum, default_value_t = PrecisionArg::F64)]
    pub precision: PrecisionArg,
    /// Output file (OUT.json).
    #[arg(long, value_name = "OUT.json")]
    pub output: PathBuf,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `--model`.
#[derive(Clone, Copy, Debug, ValueEnum)]
#[value(rename_all = "snake_case")]
#[allow(clippy::enum_variant_names)] // the values are NEST's model names
pub enum ModelArg {
    /// Alpha-shaped current synapses.
    GlifPsc,
    /// Fast plus slow alpha currents per port.
    GlifPscDoubleAlpha,
    /// Alpha-shaped conductance synapses with reversal potentials (GSL's RKF45, as NEST).
    GlifCond,
}

/// `--precision`.
#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
#[value(rename_all = "lower")]
pub enum PrecisionArg {
    /// 64-bit, as NEST.
    F64,
    /// 32-bit.
    F32,
}

/// Runs `glif nest`.
pub fn run(a: NestArgs) -> Result<u8, CliError> {
    let model = match a.model {
        ModelArg::GlifPsc => NestModel::GlifPsc,
        ModelArg::GlifPscDoubleAlpha => NestModel::GlifPscDoubleAlpha,
        ModelArg::GlifCond => NestModel::GlifCond,
    };
    let precision = match a.precision {
        PrecisionArg::F64 => NestPrecision::F64,
        PrecisionArg::F32 => NestPrecision::F32,
    };
    let out = run_files(
        model,
        NestFiles {
            params: &a.params,
            spikes: a.spikes.as_deref(),
            current: a.current.as_deref(),
        },
        a.resolution,
        a.duration,
        a.dc,
        precision,
    )
    .map_err(CliError::reading)?;
    write_output(&a.output, &out, a.force).map_err(|e| CliError::writing(e, &a.output))?;
    eprintln!(
        "{}: {} samples, {} spikes -> {}",
        model.name(),
        out.times.len(),
        out.spike_times.len(),
        a.output.display()
    );
    Ok(0)
}
