//! What the commands share: the `--precision` and `--record` parsers, the
//! run options of `batch` and `sweeps` ([`RunOptions`]), the `--dt` check, whether to draw progress bars, and running a model with
//! progress.

use std::io::IsTerminal;

use crate::error::CliError;

/// The values of `--precision`: glif-io's [`glif_io::Precision`].
pub fn precision_parser() -> impl clap::builder::TypedValueParser<Value = glif_io::Precision> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("f32").help("32-bit floats (as on a microcontroller)"),
        PossibleValue::new("f64").help("64-bit floats, as AllenSDK: the same spike steps, voltages within 3e-14 V (libm's exp; numpy's with simulate --exp-table: bit for bit)"),
    ])
    .map(|s| {
        if s == "f32" {
            glif_io::Precision::F32
        } else {
            glif_io::Precision::F64
        }
    })
}

/// The options `batch` and `sweeps` end with: the precision, the guard
/// against a time step where forward Euler diverges, and whether to
/// replace existing outputs.
#[derive(clap::Args, Debug)]
pub struct RunOptions {
    /// Arithmetic precision.
    #[arg(long, value_parser = precision_parser(), default_value = "f64")]
    pub precision: glif_io::Precision,
    /// Run even at a time step (--dt, or a sweep's 1/rate) where forward Euler
    /// diverges (refused by default: such a step is almost always a slip, Hz or ms
    /// typed as seconds, or a file's wrong sampling rate).
    #[arg(long)]
    pub allow_unstable_dt: bool,
    /// Replace existing output files.
    #[arg(long)]
    pub force: bool,
}

/// The values of `--record`: glif-io's [`glif_io::Record`].
pub fn record_parser() -> impl clap::builder::TypedValueParser<Value = glif_io::Record> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("all")
            .help("Voltage, threshold, after-spike currents per sample, and the spikes"),
        PossibleValue::new("spikes")
            .help("Only the spike outputs (for long runs: constant memory per sample)"),
    ])
    .map(|s| {
        if s == "all" {
            glif_io::Record::All
        } else {
            glif_io::Record::Spikes
        }
    })
}

/// Runs a model with a progress report over a stimulus handed out a chunk
/// at a time; a stimulus that fails to read is an input error (exit status
/// 2), a run that stopped with an error is an error (exit status 1), a bad
/// reset is a result whose `end` says so.
pub fn run_model(
    model: &glif_io::AnyPrecisionModel,
    source: &mut dyn glif_io::stimulus::Source,
    record: glif_io::Record,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<glif_io::RunResult, CliError> {
    let result =
        glif_io::run::run_source(model, source, record, progress).map_err(CliError::reading)?;
    match result.end {
        glif_io::RunEnd::Failed(e) => Err(CliError::other(format!("the simulation stopped: {e}"))),
        _ => Ok(result),
    }
}

/// `--dt` must be a time step > 0 s (glif-io's check, worded for the flag).
pub fn dt_flag(dt: f64) -> Result<(), CliError> {
    glif_io::model::check_dt(dt).map_err(|_| {
        CliError::input(format!(
            "--dt: expected a time step > 0 s, found {}",
            glif_io::sci(dt)
        ))
    })
}

/// Whether to draw progress bars: only when stderr is a terminal.
pub fn progress_enabled() -> bool {
    std::io::stderr().is_terminal()
}
