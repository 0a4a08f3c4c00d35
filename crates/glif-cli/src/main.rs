//! The `glif` command: simulate Allen Institute GLIF neuron models
//! (AllenSDK's `allensdk.model.glif`: the same spike steps, voltages within
//! rounding of numpy's `exp`) from the shell.

mod batch;
mod checks;
mod common;
mod config;
mod convert;
mod error;
mod ev;
#[cfg(feature = "nwb")]
mod fit;
#[cfg(feature = "nwb")]
mod fit_optimize;
#[cfg(feature = "nwb")]
mod fit_plot;
#[cfg(feature = "nwb")]
mod fit_report;
mod info;
mod nest;
mod output;
mod plot;
mod simulate;
mod stimulus;
#[cfg(feature = "nwb")]
mod sweeps;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::error::CliError;

const AFTER_HELP: &str = "\
Examples:
  glif simulate
      Run the bundled Allen GLIF5 model (566283540) on a 1 s step; writes JSON and a plot to glif-output/.
  glif simulate --config 566283540_neuron_config.json --stimulus stim.json --dt 5e-6 --output out.json
  glif info --config 566283540_neuron_config.json
  glif batch --configs reference/teeter-all.jsonl.gz --square 2e-10 --output summary.csv
      Every Teeter et al. model (2,441) on a 1 s step of 200 pA; one summary row per model.
  glif sweeps --nwb cell.nwb --config neuron_config.json --sweeps ephys_sweeps.json --output sim.nwb
  glif fit --nwb cell.nwb --sweeps ephys_sweeps.json --output fit/ --stage preprocess

Units are SI throughout: amperes, volts, seconds. Exit status: 0 success (also for a run that ended
in a bad reset, which is reported as a warning), 2 bad usage or bad input file, 1 other failures.";

/// Simulate Allen Institute GLIF neuron models (generalized leaky
/// integrate-and-fire, Teeter et al. 2018) exactly as AllenSDK's
/// `allensdk.model.glif` does.
#[derive(Parser, Debug)]
#[command(name = "glif", version, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant)] // parsed once
enum Command {
    Simulate(simulate::SimulateArgs),
    Info(info::InfoArgs),
    Batch(batch::BatchArgs),
    Nest(nest::NestArgs),
    Convert(convert::ConvertArgs),
    Ev(ev::EvArgs),
    #[cfg(feature = "nwb")]
    Sweeps(sweeps::SweepsArgs),
    #[cfg(feature = "nwb")]
    Fit(fit::FitArgs),
    /// Simulate the sweeps of an Allen NWB file (needs a glif built with the
    /// `nwb` feature; this one was built without it).
    #[cfg(not(feature = "nwb"))]
    #[command(disable_help_flag = true)]
    Sweeps(NoSweeps),
}

/// `glif sweeps` in a build without the `nwb` feature: takes any arguments
/// and says how to get a glif that has it.
#[cfg(not(feature = "nwb"))]
#[derive(clap::Args, Debug)]
struct NoSweeps {
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0.., hide = true)]
    args: Vec<std::ffi::OsString>,
}

/// What `glif sweeps` says in a build without the `nwb` feature.
#[cfg(not(feature = "nwb"))]
const NO_SWEEPS: &str = "glif sweeps reads and writes NWB (HDF5) files, and this glif was built \
without NWB support (the `nwb` feature, off by default because it needs the HDF5 C library). \
To get it: install the HDF5 library (Debian/Ubuntu: `sudo apt-get install libhdf5-dev pkg-config`), \
then build glif with the feature: `cargo install --path crates/glif-cli --features nwb`, or from \
the repository `cargo run --release -p glif-cli --features nwb -- sweeps ...`";

/// Every option whose value is a number also takes values that start with
/// `-`. clap recognises `-5` and `-5e6` as negative numbers but not `-5e-6`,
/// which it took for flags ("unexpected argument '-5' found", naming no
/// option); now the option's own parser gets the value, and a bad one is
/// reported as `invalid value 'VALUE' for '--OPTION'`, and range
/// checks name the option too. The one place that decides this for every
/// subcommand.
fn numbers_may_start_with_minus(cmd: clap::Command) -> clap::Command {
    use std::any::TypeId;
    let numeric = [
        TypeId::of::<f64>(),
        TypeId::of::<f32>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i64>(),
    ];
    let ids: Vec<clap::Id> = cmd
        .get_arguments()
        .filter(|a| a.get_action().takes_values())
        .filter(|a| {
            let t = a.get_value_parser().type_id();
            numeric.iter().any(|id| t == *id)
        })
        .map(|a| a.get_id().clone())
        .collect();
    ids.into_iter()
        .fold(cmd, |c, id| c.mut_arg(id, |a| a.allow_hyphen_values(true)))
        .mut_subcommands(numbers_may_start_with_minus)
}

fn main() -> ExitCode {
    let parsed = numbers_may_start_with_minus(Cli::command())
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result: Result<u8, CliError> = match cli.command {
        Command::Simulate(a) => simulate::run(a).map(|()| 0),
        Command::Info(a) => info::run(a),
        Command::Batch(a) => batch::run(a),
        Command::Nest(a) => nest::run(a),
        Command::Convert(a) => convert::run(a),
        Command::Ev(a) => ev::run(a),
        #[cfg(feature = "nwb")]
        Command::Sweeps(a) => sweeps::run(a),
        #[cfg(feature = "nwb")]
        Command::Fit(a) => fit::run(a),
        #[cfg(not(feature = "nwb"))]
        Command::Sweeps(_) => Err(CliError::input(NO_SWEEPS)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("glif: error: {e}");
            ExitCode::from(e.code())
        }
    }
}
