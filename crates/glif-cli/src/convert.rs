//! `glif convert --to nest`: an Allen neuron_config as a NEST 3.10 parameter
//! dict (JSON). Parsing and printing only; the mapping is
//! `glif_io::nest::allen_to_nest`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use glif_io::nest::NestModel;
use glif_io::nest::{allen_to_nest, SynapseParams};
use glif_io::NeuronConfig;

use crate::error::CliError;
use crate::nest::ModelArg;

const CONVERT_AFTER: &str = "\
Examples:
  glif convert --to nest --config 566283540_neuron_config.json --model glif_psc --tau-syn 5.5,8.5 --output p.json
  glif nest --model glif_psc --params p.json --resolution 0.1 --duration 1000 --dc 200 --output out.json

The mapping (bmtk's convention, with its defects fixed) is described in docs/NEST.md.
Exit status: 0 success, 2 bad input or a model NEST would refuse (the message names the key).";

/// Write an Allen GLIF model as a NEST parameter dict (NEST names and units).
#[derive(Args, Debug)]
#[command(after_help = CONVERT_AFTER)]
pub struct ConvertArgs {
    /// Target format.
    #[arg(long, value_enum)]
    pub to: Target,
    /// Allen neuron_config JSON file.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Which model of a config file keyed by model id.
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
    /// NEST model.
    #[arg(long, value_enum, default_value_t = ModelArg::GlifPsc)]
    pub model: ModelArg,
    /// tau_syn (glif_psc, glif_cond) or tau_syn_fast (double alpha), ms, comma-separated [default: NEST's].
    #[arg(long, value_name = "MS,...", value_delimiter = ',')]
    pub tau_syn: Option<Vec<f64>>,
    /// tau_syn_slow, ms (glif_psc_double_alpha).
    #[arg(long, value_name = "MS,...", value_delimiter = ',')]
    pub tau_syn_slow: Option<Vec<f64>>,
    /// amp_slow (glif_psc_double_alpha).
    #[arg(long, value_name = "X,...", value_delimiter = ',')]
    pub amp_slow: Option<Vec<f64>>,
    /// E_rev, mV (glif_cond).
    #[arg(
        long,
        value_name = "MV,...",
        value_delimiter = ',',
        allow_negative_numbers = true
    )]
    pub e_rev: Option<Vec<f64>>,
    /// Output file [default: standard output].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `--to`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Target {
    /// NEST 3.10 parameter dict.
    Nest,
}

/// Runs `glif convert`.
pub fn run(a: ConvertArgs) -> Result<u8, CliError> {
    let Target::Nest = a.to;
    let model = match a.model {
        ModelArg::GlifPsc => NestModel::GlifPsc,
        ModelArg::GlifPscDoubleAlpha => NestModel::GlifPscDoubleAlpha,
        ModelArg::GlifCond => NestModel::GlifCond,
    };
    let config =
        NeuronConfig::from_path(&a.config, a.model_id.as_deref()).map_err(CliError::reading)?;
    let syn = SynapseParams {
        tau_syn: a.tau_syn,
        tau_syn_slow: a.tau_syn_slow,
        amp_slow: a.amp_slow,
        e_rev: a.e_rev,
    };
    let dict =
        allen_to_nest(&config, model, &syn).map_err(|e| CliError::reading(e.in_file(&a.config)))?;
    let text = serde_json::to_string_pretty(&serde_json::Value::Object(dict))
        .map_err(|e| CliError::other(e.to_string()))?
        + "\n";
    match &a.output {
        None => print!("{text}"),
        Some(path) => glif_io::base::write_atomic(path, a.force, |w| w.write_all(text.as_bytes()))
            .map_err(|e| CliError::writing(e, path))?,
    }
    Ok(0)
}
