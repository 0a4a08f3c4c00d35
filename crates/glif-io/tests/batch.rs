//! The batch runner: every model, whether it ran in a population block
//! (padded or not) or alone, gives exactly what it gives run alone through
//! `AnyModel`, recording everything or only the spikes, in both
//! precisions; a config that cannot be read or built fails only its own run.

use std::path::Path;

use glif_io::batch::{self, BatchOptions, Entry};
use glif_io::model::AnyVoltage;
use glif_io::{stimulus, AnyPrecisionModel, NeuronConfig, Outcome, Precision, Record, RunEnd};

const DT: f64 = 5e-6;

/// Teeter models whose run on [`stimulus`] ends in a bad reset.
const BAD_RESETS: [&str; 3] = [
    "482809953_Nr5a1-Cre_GLIF5_neuron_config.json",
    "509881736_Ctgf-2A-dgCre_GLIF2_neuron_config.json",
    "522723828_Ctgf-2A-dgCre_GLIF2_neuron_config.json",
];

/// 0.1 s of zero, 0.2 s of 200 pA.
fn stimulus() -> Vec<f64> {
    stimulus::square(DT, 0.3, 0.1, 0.2, 2e-10).unwrap()
}

/// 17 Teeter configs of each level (one full block of 16 and one padded
/// block of 1), the bad-reset ones, and the `linear_exact` variant of the
/// first, which runs alone.
fn configs() -> Vec<NeuronConfig> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/teeter-all.jsonl.gz");
    let entries = batch::read_configs(&path).unwrap();
    assert_eq!(entries.len(), 2441);
    let mut out: Vec<NeuronConfig> = entries
        .iter()
        .filter(|e| BAD_RESETS.contains(&e.name.as_str()))
        .map(|e| e.config.as_ref().unwrap().clone())
        .collect();
    let all: Vec<NeuronConfig> = entries.into_iter().map(|e| e.config.unwrap()).collect();
    for level in 1..=5 {
        out.extend(
            all.iter()
                .filter(|c| c.level() == Some(level))
                .take(17)
                .cloned(),
        );
    }
    let mut custom = out[0].clone();
    custom.methods.voltage = AnyVoltage::Exact(glif_core::rules::LinearExact);
    assert_eq!(custom.level(), None);
    out.push(custom);
    out
}

#[test]
fn every_model_gives_what_it_gives_alone() {
    let stimulus = stimulus();
    let configs = configs();
    for precision in [Precision::F64, Precision::F32] {
        for record in [Record::All, Record::Spikes] {
            let options = BatchOptions {
                precision,
                record,
                threads: Some(2),
                stop: None,
                ..BatchOptions::new(DT)
            };
            let done = std::sync::atomic::AtomicU64::new(0);
            let runs = batch::run_batch(
                batch::entries_from_configs(configs.clone()),
                &stimulus,
                &options,
                &|n| {
                    done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                },
            )
            .unwrap();
            assert_eq!(
                done.into_inner(),
                (configs.len() * stimulus.len()) as u64,
                "progress counts every neuron-step once"
            );
            assert_eq!(runs.len(), configs.len());
            let mut bad_resets = 0;
            for (run, c) in runs.iter().zip(&configs) {
                let model =
                    AnyPrecisionModel::new(&c.clone().with_dt(DT).unwrap(), precision).unwrap();
                let alone = glif_io::run::run_samples(&model, &stimulus, record, &|_| {});
                let got = run.result.as_ref().unwrap();
                let what = format!("{} {precision:?} {record:?}", run.name);
                assert!(got.same_outputs(&alone), "{what}");
                assert_eq!(got.end, alone.end, "{what}");
                assert_eq!(run.level, glif_io::model::level_label(c.level()));
                bad_resets +=
                    usize::from(matches!(got.end, RunEnd::Ended(Outcome::BadReset { .. })));
                if record == Record::Spikes {
                    assert!(got.voltage.is_empty(), "{what}");
                }
            }
            if precision == Precision::F64 {
                // (One of them may also be among the first of its level.)
                assert!(bad_resets >= BAD_RESETS.len(), "{record:?}: {bad_resets}");
            }
        }
    }
}

#[test]
fn a_broken_entry_fails_only_its_own_run() {
    let stimulus = stimulus();
    let good = configs().pop().unwrap();
    let mut unbuildable = good.clone();
    unbuildable.c = -1.0;
    let entries = vec![
        Entry {
            name: "unreadable".into(),
            config: NeuronConfig::from_json_str("{", None),
        },
        Entry {
            name: "unbuildable".into(),
            config: Ok(unbuildable),
        },
        Entry {
            name: "good".into(),
            config: Ok(good),
        },
    ];
    let runs = batch::run_batch(entries, &stimulus, &BatchOptions::new(DT), &|_| {}).unwrap();
    assert!(runs[0].result.is_err() && runs[0].level.is_empty());
    let e = runs[1].result.as_ref().unwrap_err().to_string();
    assert!(e.contains('C'), "{e}");
    assert_eq!(runs[1].level, "custom");
    assert!(runs[2].result.is_ok());
    // A time step that is not > 0 fails the batch before any work.
    let e = batch::run_batch(Vec::new(), &stimulus, &BatchOptions::new(0.0), &|_| {}).unwrap_err();
    assert!(e.to_string().contains("dt"), "{e}");
}

/// An exponential that is not libm's (one ulp up for every argument), so a
/// model built with it differs from a libm model and the test can tell
/// whether the batch used it.
fn exp_one_ulp_up(x: f64) -> f64 {
    f64::from_bits(<f64 as glif_core::Float>::exp(x).to_bits() + 1)
}

#[test]
fn run_batch_builds_every_model_with_the_options_exp() {
    let stimulus = stimulus();
    let configs = configs();
    let options = BatchOptions {
        record: Record::All,
        threads: Some(2),
        stop: None,
        exp: Some(&exp_one_ulp_up),
        ..BatchOptions::new(DT)
    };
    let runs = batch::run_batch(
        batch::entries_from_configs(configs.clone()),
        &stimulus,
        &options,
        &|_| {},
    )
    .unwrap();
    let mut differs_from_libm = 0;
    for (run, c) in runs.iter().zip(&configs) {
        let c = c.clone().with_dt(DT).unwrap();
        let alone = glif_io::AnyModel::<f64>::with_exp(&c, &exp_one_ulp_up)
            .unwrap()
            .run_result(&stimulus);
        let got = run.result.as_ref().unwrap();
        assert!(got.same_outputs(&alone), "{}", run.name);
        assert_eq!(got.end, alone.end, "{}", run.name);
        let libm = glif_io::AnyModel::<f64>::new(&c)
            .unwrap()
            .run_result(&stimulus);
        differs_from_libm += usize::from(!got.same_outputs(&libm));
    }
    assert!(differs_from_libm > 0, "the exp function was not used");
}

#[test]
fn run_batch_each_runs_every_model_on_its_own_stimulus() {
    let configs: Vec<NeuronConfig> = configs().into_iter().step_by(9).collect();
    let stimuli: Vec<Vec<f64>> = (0..configs.len())
        .map(|i| stimulus::square(DT, 0.2, 0.05, 0.1, 1e-10 + 2e-11 * i as f64).unwrap())
        .collect();
    let refs: Vec<&[f64]> = stimuli.iter().map(Vec::as_slice).collect();
    for record in [Record::All, Record::Spikes] {
        let options = BatchOptions {
            record,
            threads: Some(2),
            stop: None,
            ..BatchOptions::new(DT)
        };
        let done = std::sync::atomic::AtomicU64::new(0);
        let runs = batch::run_batch_each(
            batch::entries_from_configs(configs.clone()),
            &refs,
            &options,
            &|n| {
                done.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            },
        )
        .unwrap();
        let total: usize = stimuli.iter().map(Vec::len).sum();
        assert_eq!(done.into_inner(), total as u64);
        for ((run, c), stim) in runs.iter().zip(&configs).zip(&stimuli) {
            let model =
                AnyPrecisionModel::new(&c.clone().with_dt(DT).unwrap(), Precision::F64).unwrap();
            let alone = glif_io::run::run_samples(&model, stim, record, &|_| {});
            let got = run.result.as_ref().unwrap();
            assert!(got.same_outputs(&alone), "{} {record:?}", run.name);
            assert_eq!(got.end, alone.end, "{}", run.name);
        }
    }
    // One stimulus per entry, or the call fails naming `stimuli`.
    let e = batch::run_batch_each(
        batch::entries_from_configs(configs.clone()),
        &refs[1..],
        &BatchOptions::new(DT),
        &|_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("stimuli"), "{e}");
}
