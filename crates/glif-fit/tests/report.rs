//! A whole cell's fit (`cell`) and its report (`report`) on the synthetic
//! cell of the fitting tests (`glif_reference::fit_cell`, 100 kHz as the CLI tests use it, Noise of
//! 9 s subthreshold for 8 s), GLIF1 at one Nelder-Mead restart: the report's
//! numbers are those of the functions `glif ev` and the optimizer use
//! alone (`evaluate::evaluate_on_noise`, `optimizer::optimize_levels`), the
//! progress count is the announced total, results do not depend on the
//! number of threads, and a stop or a bad option is an error naming it.
//! (The values against AllenSDK: `verify-fit`'s "EV before optimization"
//! row and the Python package's `test_fit.py` on the reference cells.)

use std::sync::atomic::{AtomicUsize, Ordering};

use glif_fit::cell::{
    configure_levels, load_noise, optimize_cell, parse_levels, total_steps, OptimizeOptions, Step,
};
use glif_fit::configure::Level;
use glif_fit::evaluate::{evaluate_on_noise, runnable_config};
use glif_fit::optimizer::{optimize_levels, LevelJob, Optimizer};
use glif_fit::preprocess::RawSweep;
use glif_fit::recordings::{preprocess_recordings, Recordings};
use glif_fit::sweeps::parse_sweep_table;
use glif_fit::FitError;
use glif_reference::fit_cell::{sweep_table, synthetic_cell, CellSweep};

const RATE: f64 = 100_000.0;

/// The synthetic cell held in memory.
struct Memory(Vec<CellSweep>);

impl Recordings for Memory {
    fn name(&self) -> String {
        "synthetic cell".into()
    }
    fn sweep_numbers(&self) -> Result<Vec<u32>, FitError> {
        Ok(self.0.iter().map(|s| s.number).collect())
    }
    fn sampling_rate(&self, _: u32) -> Result<f64, FitError> {
        Ok(RATE)
    }
    fn read(&self, n: u32) -> Result<RawSweep, FitError> {
        let s = self.0.iter().find(|s| s.number == n).unwrap();
        Ok(RawSweep {
            voltage: s.voltage.clone(),
            current: s.current.clone(),
            sampling_rate_hz: RATE,
            index_range_start: 0,
        })
    }
}

#[test]
fn the_report_is_the_optimizer_and_ev_functions_alone() {
    let cell = Memory(synthetic_cell(5, RATE, 9.0, 8.0, true));
    let table = parse_sweep_table(&sweep_table(&cell.0).to_string()).unwrap();
    let pre = preprocess_recordings("table", &table, &cell).unwrap();
    let levels = parse_levels(&["GLIF1".into(), "GLIF3".into()]).unwrap();
    assert_eq!(levels, [Level::Glif1, Level::Glif3]);
    let starting = configure_levels(&pre.summary, &levels).unwrap();
    assert_eq!(starting.configs.len(), 2);
    let noise = load_noise(&cell, &pre.selection).unwrap();
    assert_eq!(noise.noise1_spikes, pre.summary.noise1_spike_indices);

    let opts = OptimizeOptions {
        seed: 3,
        threads: 1,
        restarts: Some((1, 1)),
        report: true,
        optimizer: Optimizer::Allen,
    };
    let steps = AtomicUsize::new(0);
    let count = |_: Step<'_>| {
        steps.fetch_add(1, Ordering::Relaxed);
        true
    };
    let fits = optimize_cell(&starting.configs, &noise, &opts, &count).unwrap();
    assert_eq!(
        steps.load(Ordering::Relaxed),
        total_steps(&starting.configs, &opts)
    );
    assert_eq!(total_steps(&starting.configs, &opts), 2 * (1 + 4));

    for (f, (level, start)) in fits.iter().zip(&starting.configs) {
        assert_eq!(f.level, *level);
        // The optimizer alone, on the same inputs: the same path.
        let mut c = start.clone();
        c["optimizer"]["outer_iterations"] = 1.into();
        c["optimizer"]["inner_iterations"] = 1.into();
        let stimuli: Vec<Vec<f32>> = noise
            .noise1
            .iter()
            .map(|s| s.current.iter().map(|&x| x as f32).collect())
            .collect();
        let job = LevelJob {
            label: level.label(),
            neuron: &c["neuron"],
            optimizer: &c["optimizer"],
        };
        let alone = optimize_levels(
            &[job],
            &stimuli,
            &noise.noise1_spikes,
            3,
            1,
            Optimizer::Allen,
            &|_, _, _| true,
        )
        .unwrap()
        .remove(0);
        assert_eq!(f.optimizer, alone.result);
        assert_eq!(f.config, alone.config);

        // The report's EVs: evaluate_on_noise (glif ev --config) on the
        // same configs.
        let r = f.report.as_ref().unwrap();
        assert_eq!(r.level, level.label());
        assert_eq!(r.th_inf_coeff_start, 1.0);
        assert_eq!(
            r.th_inf_coeff_fitted,
            f.config["coeffs"]["th_inf"].as_f64().unwrap()
        );
        assert_eq!(r.evaluations, f.optimizer.evaluations.len());
        for (cfg, on1, on2) in [
            (&start["neuron"], &r.noise1_before, &r.noise2_before),
            (&f.config, &r.noise1_after, &r.noise2_after),
        ] {
            let cfg = runnable_config(cfg).unwrap();
            let e1 = evaluate_on_noise(&cfg, &noise.noise1, None).unwrap();
            let e2 = evaluate_on_noise(&cfg, &noise.noise2, None).unwrap();
            assert_eq!((on1.ev, &on1.model_spikes), (e1.ev, &e1.model));
            assert_eq!((on2.ev, &on2.model_spikes), (e2.ev, &e2.model));
        }
        assert!(r.noise2_after.ev.ev_data > 0.0);
        let row = r.to_json();
        assert_eq!(row["noise2_after"]["ratio"], r.noise2_after.ev.ratio);

        // The figure's stretch: the fitted model's run, El_reference added.
        let s = glif_fit::report::noise1_stretch(
            &f.config,
            &noise.noise1[0],
            &noise.noise1_spikes[0],
            glif_fit::report::stretch_start_s(&noise),
            glif_fit::report::STRETCH_SECONDS,
        )
        .unwrap();
        assert_eq!(
            s.recorded_voltage.len(),
            (glif_fit::report::STRETCH_SECONDS / s.dt) as usize
        );
        assert!(!s.recorded_spikes.is_empty());
        assert_eq!(s.model_voltage.len(), s.model_threshold.len());
    }

    // Two levels at a time: the same results.
    let two = optimize_cell(
        &starting.configs,
        &noise,
        &OptimizeOptions {
            threads: 2,
            ..opts.clone()
        },
        &|_| true,
    )
    .unwrap();
    for (a, b) in fits.iter().zip(&two) {
        assert_eq!(a.config, b.config);
        assert_eq!(
            a.report.as_ref().unwrap().noise2_after,
            b.report.as_ref().unwrap().noise2_after
        );
    }

    // Stopped by the progress callback after the first restart.
    let e = optimize_cell(&starting.configs, &noise, &opts, &|_| false).unwrap_err();
    assert!(e.to_string().contains("stopped"), "{e}");
    // Stopped during the report.
    let e = optimize_cell(&starting.configs, &noise, &opts, &|s| {
        matches!(s, Step::Restart(_))
    })
    .unwrap_err();
    assert!(e.to_string().contains("stopped"), "{e}");

    // Bad options, named.
    for (o, word) in [
        (
            OptimizeOptions {
                restarts: Some((1, 4)),
                ..opts.clone()
            },
            "restarts",
        ),
        (
            OptimizeOptions {
                threads: 0,
                ..opts.clone()
            },
            "threads",
        ),
    ] {
        let e = optimize_cell(&starting.configs, &noise, &o, &|_| true).unwrap_err();
        assert!(e.to_string().contains(word), "{e}");
    }
    let e = parse_levels(&["GLIF7".into()]).unwrap_err();
    assert!(
        e.to_string().contains("levels") && e.to_string().contains("GLIF7"),
        "{e}"
    );
}
