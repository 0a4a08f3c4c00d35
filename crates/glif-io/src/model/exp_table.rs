//! numpy's `exp` values for a model, so a run reproduces AllenSDK's numbers
//! bit for bit. Every exponential a GLIF model evaluates is a per-`dt`
//! constant computed when it is built ([`AnyModel::with_exp`]);
//! [`exp_arguments`] lists them, numpy computes them, [`ExpTable`] reads
//! them back. By default glif uses libm's `exp`, which differs from numpy
//! 1.23's AVX-512 `exp` by one ulp for some arguments (docs/DIFFERENCES.md).
//!
//! The table is a JSON object `{"arguments": [...], "values": [...]}`
//! (decimal numbers, which JSON readers on both sides round-trip exactly),
//! written by this one line of Python from the arguments `glif info
//! --exp-arguments` prints:
//!
//! ```text
//! python -c "import json,numpy as np; a=json.load(open('args.json')); json.dump({'arguments':a,'values':[float(np.exp(np.float64(x))) for x in a]},open('exp.json','w'))"
//! ```
//!
//! (`np.exp` on each argument as a scalar, as AllenSDK calls it.) Run it
//! with the numpy whose AllenSDK results are to be matched, on the same kind
//! of CPU: numpy 1.23's exp differs between CPUs with and without AVX-512F.
//! A table for another config or `dt` lacks arguments and is refused.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::any_model::AnyModel;
use super::config::NeuronConfig;
use crate::base::{Error, ErrorKind, Result};

/// The arguments of every exponential `config` evaluates when built in
/// `f64` (at its `dt`), in the order it evaluates them, without repeats.
pub fn exp_arguments(config: &NeuronConfig) -> Result<Vec<f64>> {
    let seen = RefCell::new(Vec::<f64>::new());
    AnyModel::<f64>::with_exp(config, &|x: f64| {
        let mut s = seen.borrow_mut();
        if !s.iter().any(|y| y.to_bits() == x.to_bits()) {
            s.push(x);
        }
        x.exp()
    })?;
    Ok(seen.into_inner())
}

#[derive(Deserialize)]
struct TableFile {
    arguments: Vec<f64>,
    values: Vec<f64>,
}

/// `exp(x)` for a set of arguments `x`, read from a JSON table (see the
/// module docs).
#[derive(Clone, Debug, Default)]
pub struct ExpTable(HashMap<u64, f64>);

impl ExpTable {
    /// Reads the table at `path`; an error names the file and the problem.
    pub fn read(path: &Path) -> Result<ExpTable> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let t: TableFile = serde_json::from_str(&text).map_err(|e| {
            Error::invalid(
                "exp table",
                e.to_string(),
                "{\"arguments\": [numbers], \"values\": [numbers]}",
            )
            .in_file(path)
        })?;
        if t.arguments.len() != t.values.len() {
            return Err(Error::invalid(
                "values",
                format!(
                    "{} values for {} arguments",
                    t.values.len(),
                    t.arguments.len()
                ),
                "one value per argument",
            )
            .in_file(path));
        }
        Ok(ExpTable(
            t.arguments
                .iter()
                .zip(&t.values)
                .map(|(a, v)| (a.to_bits(), *v))
                .collect(),
        ))
    }

    /// A table of `(argument, value)` pairs computed in memory (the Python
    /// package's `numpy.exp` of [`exp_arguments`]); a repeated argument
    /// keeps its last value.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (f64, f64)>) -> ExpTable {
        ExpTable(pairs.into_iter().map(|(a, v)| (a.to_bits(), v)).collect())
    }

    /// `exp(x)` from the table, if it holds `x`.
    pub fn get(&self, x: f64) -> Option<f64> {
        self.0.get(&x.to_bits()).copied()
    }

    /// `config` built in `f64` with every exponential from the table. An
    /// argument the table lacks is an error (never a silent fall-back to
    /// libm), naming the first one missing: the table was written for
    /// another config or `dt`.
    pub fn model(&self, config: &NeuronConfig) -> Result<AnyModel<f64>> {
        let missing = RefCell::new(None::<f64>);
        let model = AnyModel::<f64>::with_exp(config, &|x: f64| match self.get(x) {
            Some(v) => v,
            None => {
                missing.borrow_mut().get_or_insert(x);
                x.exp()
            }
        })?;
        match missing.into_inner() {
            None => Ok(model),
            Some(x) => Err(Error::new(ErrorKind::ExpTableMissing { argument: x })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_libm_values_gives_the_default_model_and_a_partial_one_is_refused() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../reference/configs/osb/566283540_neuron_config.json"
        );
        let c = NeuronConfig::from_path(path, None)
            .and_then(|c| c.with_dt(5e-6))
            .unwrap();
        let args = exp_arguments(&c).unwrap();
        assert!(!args.is_empty());
        let dir = std::env::temp_dir().join(format!("glif-exp-table-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("exp.json");
        let values: Vec<f64> = args.iter().map(|x| x.exp()).collect();
        let doc = serde_json::json!({ "arguments": args, "values": values });
        std::fs::write(&file, doc.to_string()).unwrap();
        let table = ExpTable::read(&file).unwrap();
        // 0.3 s at 5e-6 s: 300 pA from 0.05 s for 0.2 s (built here: the
        // stimulus generators are a layer above).
        let stim: Vec<f64> = (0..60_000)
            .map(|i| {
                if (10_000..50_000).contains(&i) {
                    3e-10
                } else {
                    0.0
                }
            })
            .collect();
        let with_table = table.model(&c).unwrap().run_result(&stim);
        let default = AnyModel::<f64>::new(&c).unwrap().run_result(&stim);
        assert!(with_table.same_outputs(&default));
        // One argument short: refused, naming exp.
        let doc = serde_json::json!({ "arguments": &args[1..], "values": &values[1..] });
        std::fs::write(&file, doc.to_string()).unwrap();
        let e = ExpTable::read(&file).unwrap().model(&c).unwrap_err();
        assert!(e.to_string().contains("no value for exp("), "{e}");
        // Lengths that do not match.
        let doc = serde_json::json!({ "arguments": args, "values": &values[1..] });
        std::fs::write(&file, doc.to_string()).unwrap();
        let e = ExpTable::read(&file).unwrap_err();
        assert!(e.to_string().contains("one value per argument"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
