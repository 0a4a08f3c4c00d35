//! Plots that answer questions, on the real binary: `--plot` alone writes
//! the figure and no result file, a spikes-only run draws a raster (one
//! tick per spike), and `--plot-window` limits the time axis (the ticks
//! outside it are not drawn).

mod common;

use common::{dir, glif, stderr, CONFIG};

const RUN: [&str; 10] = [
    "simulate",
    "--config",
    CONFIG,
    "--square",
    "2e-10",
    "--start",
    "0.05",
    "--width",
    "0.5",
    "--no-plot",
];

fn run(d: &std::path::Path, extra: &[&str]) -> String {
    // --no-plot is only for the default figure; drop it when --plot is given.
    let mut args: Vec<&str> = RUN[..9].to_vec();
    args.extend_from_slice(extra);
    let o = glif(&args, d);
    let e = stderr(&o);
    assert!(o.status.success(), "{extra:?}: {e}");
    e
}

fn spikes_in(d: &std::path::Path, json: &str) -> Vec<f64> {
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join(json)).unwrap()).unwrap();
    j["interpolated_spike_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

#[test]
fn plot_alone_writes_only_the_figure() {
    let d = dir("plots-alone");
    run(&d, &["--plot", "p.svg"]);
    let files: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["p.svg"]);
    let svg = std::fs::read_to_string(d.join("p.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
}

#[test]
fn spikes_only_runs_draw_a_raster_and_the_window_limits_it() {
    let d = dir("plots-raster");
    run(&d, &["--record", "spikes", "--output", "s.json"]);
    let times = spikes_in(&d, "s.json");
    assert!(times.len() > 3, "the step must make the model fire");
    run(&d, &["--record", "spikes", "--plot", "all.svg"]);
    run(&d, &["--record", "spikes", "--plot", "all.png"]);
    let png = std::fs::read(d.join("all.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let (a, b) = (times[1] - 1e-4, times[times.len() - 2] + 1e-4);
    let window = format!("{a}:{b}");
    run(
        &d,
        &[
            "--record",
            "spikes",
            "--plot",
            "win.svg",
            "--plot-window",
            &window,
        ],
    );
    let ticks = |f: &str| {
        std::fs::read_to_string(d.join(f))
            .unwrap()
            .matches("stroke=\"#1F77B4\"")
            .count()
    };
    // One blue tick per spike; the window leaves out the first and last.
    assert_eq!(ticks("all.svg"), times.len());
    assert_eq!(ticks("win.svg"), times.len() - 2);

    // The trace figure takes the window too; a bad window is refused.
    run(&d, &["--plot", "t.svg", "--plot-window", "0.1:0.2"]);
    let full = std::fs::read_to_string(d.join("t.svg")).unwrap();
    assert!(full.starts_with("<svg"));
    let o = glif(
        &[&RUN[..9], &["--plot", "x.svg", "--plot-window", "0.3:0.1"]].concat(),
        &d,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--plot-window"), "{}", stderr(&o));
    assert!(!d.join("x.svg").exists());
}
