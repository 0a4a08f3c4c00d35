//! What a config implies (glif_io::model, derived.rs), checked against simulation:
//! a DC step just above the rheobase fires, just below it does not; the
//! forward-Euler warning appears exactly where the step ratio says.

mod common;

use common::reference_dir;
use glif_io::model::AnyVoltage;
use glif_io::model::{level_description, level_label};
use glif_io::{AnyModel, NeuronConfig};

const DT: f64 = 5e-6;

fn config(path: &str) -> NeuronConfig {
    NeuronConfig::from_path(reference_dir().join(path), None)
        .unwrap()
        .with_dt(DT)
        .unwrap()
}

fn fires(c: &NeuronConfig, amp: f64) -> bool {
    // 2 s of DC: far longer than the membrane and threshold time constants.
    let r = AnyModel::<f64>::new(c)
        .unwrap()
        .run_spikes(&vec![amp; 400_000]);
    !r.spikes.is_empty()
}

#[test]
fn rheobase_separates_firing_from_silence() {
    let glif1 = config("configs/teeter/313861677_Rorb-IRES2-Cre-D_GLIF1_neuron_config.json");
    let lif = glif1.rheobase_lif();
    assert_eq!(glif1.rheobase(), Some(lif), "no voltage component");
    assert!(fires(&glif1, 1.01 * lif) && !fires(&glif1, 0.99 * lif));

    // GLIF5: the threshold's voltage component raises the rheobase.
    let glif5 = config("configs/osb/566283540_neuron_config.json");
    let ratio = glif5.threshold_voltage_ratio().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "{ratio}");
    let adapting = glif5.rheobase().unwrap();
    assert!(adapting > glif5.rheobase_lif());
    // The steady-state value: at a step's onset the threshold's voltage
    // component lags the voltage (time constant 1/b_voltage), so a step a
    // little below it may still fire once; well below it never does.
    assert!(fires(&glif5, 1.01 * adapting) && !fires(&glif5, 0.9 * adapting));
    assert!(
        !fires(&glif5, 1.01 * glif5.rheobase_lif()),
        "above the LIF rheobase is not enough"
    );
    assert_eq!(glif5.tau_m(), glif5.r_input * glif5.c);
}

#[test]
fn euler_warning_follows_the_step_ratio() {
    let c = config("configs/osb/566283540_neuron_config.json");
    let ratio_at = |dt: f64| c.clone().with_dt(dt).unwrap().euler_step_ratio().unwrap();
    let per_second = ratio_at(1.0);
    assert!(ratio_at(DT) < 1e-3 && c.euler_warning().is_none());
    let overshoot = c.clone().with_dt(1.2 / per_second).unwrap();
    let w = overshoot.euler_warning().unwrap();
    assert!(
        w.contains("overshoots rest") && w.starts_with("dt = "),
        "{w}"
    );
    let unstable = c.clone().with_dt(2.5 / per_second).unwrap();
    assert!(unstable.euler_warning().unwrap().contains("unstable"));
    // And it is right: at that step the voltage swings around rest with a
    // growing amplitude.
    let r = AnyModel::<f64>::new(&unstable)
        .unwrap()
        .run_result(&[1e-12; 20]);
    let v = &r.voltage[..8];
    assert!(
        v.windows(2).all(|w| w[0] * w[1] < 0.0) && v.windows(3).all(|w| w[2].abs() > w[0].abs()),
        "{v:?}"
    );

    let mut exact = unstable.clone();
    exact.methods.voltage = AnyVoltage::Exact(glif_core::rules::LinearExact);
    assert_eq!(exact.euler_step_ratio(), None);
    assert_eq!(exact.euler_warning(), None);
}

#[test]
fn level_names() {
    assert_eq!(level_description(Some(5)), "GLIF5 (LIF-R-ASC-A)");
    assert_eq!(level_description(Some(1)), "GLIF1 (LIF)");
    assert!(level_description(None).starts_with("custom rule combination"));
    assert!(level_description(Some(9)).starts_with("custom"));
    assert_eq!(level_label(Some(3)), "GLIF3");
    assert_eq!(level_label(None), "custom");
}
