//! `glif fit` (stage `all`): the report of a fit, computed by
//! [`glif_fit::report`] and [`glif_fit::cell`]; this module prints its
//! table, words `report.json` and draws its figures (every point computed
//! by the library): recorded against model rasters on Noise 2 (each level
//! before and after optimization), and each fitted level's voltage and
//! threshold over a stretch of Noise 1 beside the recording. Voltages in
//! mV, time in s.

use std::path::{Path, PathBuf};

use glif_fit::cell::FittedLevel;
use glif_fit::report::{NoiseSweeps, Stretch};
use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::{json, Value};

use crate::error::CliError;
use crate::plot::{decimate, range, tick, BLUE, ORANGE, RED};

/// The report's file name.
pub const REPORT: &str = "report.json";

/// The report figures' names (without extension), in the order written.
pub const NAMES: [&str; 2] = ["report_noise2_raster", "report_noise1_voltage"];

/// The report figure files `--plot FORMAT` writes into `dir`.
pub fn paths(dir: &Path, ext: &str) -> Vec<PathBuf> {
    NAMES
        .iter()
        .map(|n| dir.join(format!("{n}.{ext}")))
        .collect()
}

/// `report.json`: the cell, the seed, the noise sweeps and their recorded
/// spikes, one row per level ([`glif_fit::report::LevelReport::to_json`])
/// and each level's optimizer record.
pub fn report_json(source: &str, seed: u32, noise: &NoiseSweeps, fits: &[FittedLevel]) -> Value {
    json!({
        "cell": source,
        "seed": seed,
        "recordings": noise.to_json(),
        "levels": glif_fit::cell::report_json(fits),
        "optimizer": fits.iter().map(|f| (f.level.label().to_string(), f.optimizer_json(seed)))
            .collect::<serde_json::Map<_, _>>(),
    })
}

/// The printed table: one line per level.
pub fn print_table(fits: &[FittedLevel]) {
    println!(
        "  explained variance (ratio to the recording's own, sigma 10 ms)  before -> after optimization"
    );
    println!("  level   Noise 1          Noise 2          th_inf coeff  evaluations  seconds");
    for f in fits {
        let Some(r) = &f.report else { continue };
        println!(
            "  {:<6}  {:.3} -> {:.3}   {:.3} -> {:.3}   {:.3} -> {:.4}  {:>11}  {:>7.1}",
            r.level,
            r.noise1_before.ev.ratio,
            r.noise1_after.ev.ratio,
            r.noise2_before.ev.ratio,
            r.noise2_after.ev.ratio,
            r.th_inf_coeff_start,
            r.th_inf_coeff_fitted,
            r.evaluations,
            r.optimize_seconds + r.evaluate_seconds
        );
    }
}

/// Draws the two report figures to `paths` (from [`paths`]); `stretches`
/// are each fitted level's Noise 1 stretch, in level order.
pub fn write_figures(
    paths: &[PathBuf],
    noise: &NoiseSweeps,
    fits: &[FittedLevel],
    stretches: &[(String, Stretch)],
    force: bool,
) -> Result<(), CliError> {
    let dt = noise.noise2.first().map_or(5e-5, |s| s.dt);
    let steps = noise.noise2.first().map_or(0, |s| s.current.len());
    let times = |s: &[usize]| s.iter().map(|&i| i as f64 * dt).collect::<Vec<f64>>();
    let mut rows: Vec<(String, Vec<f64>)> = noise
        .noise2_spikes
        .iter()
        .zip(&noise.noise2_numbers)
        .map(|(s, n)| (format!("recorded, sweep {n}"), times(s)))
        .collect();
    for f in fits {
        if let Some(r) = &f.report {
            rows.push((
                format!("{} before (EV {:.2})", r.level, r.noise2_before.ev.ratio),
                times(&r.noise2_before.model_spikes),
            ));
            rows.push((
                format!("{} fitted (EV {:.2})", r.level, r.noise2_after.ev.ratio),
                times(&r.noise2_after.model_spikes),
            ));
        }
    }
    let raster = RasterFigure {
        rows: &rows,
        seconds: steps as f64 * dt,
    };
    crate::plot::figure(&paths[0], 140 + 38 * rows.len() as u32, &raster, force)?;
    let figure = VoltageFigure { stretches };
    let height = (80 + 330 * stretches.len() as u32).max(400);
    crate::plot::figure(&paths[1], height, &figure, force)
}

/// Noise 2's recorded repeats and each level's model spikes, one labelled
/// row each (recorded rows black, model rows blue).
struct RasterFigure<'a> {
    rows: &'a [(String, Vec<f64>)],
    seconds: f64,
}

impl crate::plot::Draw for RasterFigure<'_> {
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>, lw: u32) -> Result<(), String> {
        draw_raster(root, lw, self)
    }
    fn draw_png(
        &self,
        root: &DrawingArea<BitMapBackend<'_>, Shift>,
        lw: u32,
    ) -> Result<(), String> {
        draw_raster(root, lw, self)
    }
}

fn draw_raster<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lw: u32,
    f: &RasterFigure<'_>,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| format!("{x:?}");
    root.fill(&WHITE).map_err(e)?;
    let n = f.rows.len();
    let labels: Vec<String> = f.rows.iter().map(|(l, _)| l.clone()).collect();
    let mut c = ChartBuilder::on(root)
        .caption(
            "Noise 2 (held out): recorded repeats and each level's model, before and after optimization",
            ("sans-serif", 22),
        )
        .margin(12)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(260)
        .build_cartesian_2d(0.0..f.seconds.max(1e-9), -0.5..(n as f64 - 0.5))
        .map_err(e)?;
    c.configure_mesh()
        .x_desc("time (s)")
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 17))
        .light_line_style(WHITE.mix(0.0))
        .y_labels(n.max(1))
        .x_label_formatter(&tick)
        .y_label_formatter(&|y: &f64| {
            let k = y.round();
            if (y - k).abs() < 1e-6 && k >= 0.0 {
                labels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .draw()
        .map_err(e)?;
    for (k, (label, times)) in f.rows.iter().enumerate() {
        let colour = if label.starts_with("recorded") {
            BLACK.mix(1.0)
        } else {
            BLUE.mix(1.0)
        };
        let y = k as f64;
        c.draw_series(times.iter().map(|&t| {
            PathElement::new(
                vec![(t, y - 0.38), (t, y + 0.38)],
                colour.stroke_width(lw + 1),
            )
        }))
        .map_err(e)?;
    }
    Ok(())
}

/// Each fitted level's voltage and threshold over a stretch of Noise 1.
struct VoltageFigure<'a> {
    stretches: &'a [(String, Stretch)],
}

impl crate::plot::Draw for VoltageFigure<'_> {
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>, lw: u32) -> Result<(), String> {
        draw_voltage(root, lw, self.stretches)
    }
    fn draw_png(
        &self,
        root: &DrawingArea<BitMapBackend<'_>, Shift>,
        lw: u32,
    ) -> Result<(), String> {
        draw_voltage(root, lw, self.stretches)
    }
}

fn draw_voltage<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lw: u32,
    stretches: &[(String, Stretch)],
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| format!("{x:?}");
    root.fill(&WHITE).map_err(e)?;
    let root = root
        .titled(
            "Noise 1 (training): recorded voltage, fitted model's voltage and threshold",
            ("sans-serif", 24),
        )
        .map_err(e)?;
    let areas = root.split_evenly((stretches.len().max(1), 1));
    for ((label, s), area) in stretches.iter().zip(&areas) {
        let t0 = s.start as f64 * s.dt;
        let t1 = t0 + s.recorded_voltage.len().max(1) as f64 * s.dt;
        let rec = decimate(t0, s.dt, &s.recorded_voltage, 1e3, 2800);
        let v = decimate(t0, s.dt, &s.model_voltage, 1e3, 2800);
        let th = decimate(t0, s.dt, &s.model_threshold, 1e3, 2800);
        let (lo, hi) = range(&[&rec, &v, &th], &[], 0.25);
        let mut c = ChartBuilder::on(area)
            .caption(
                format!(
                    "{label}: {} recorded and {} model spikes",
                    s.recorded_spikes.len(),
                    s.model_spikes.len()
                ),
                ("sans-serif", 20),
            )
            .margin(10)
            .margin_right(30)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(t0..t1, lo..hi)
            .map_err(e)?;
        c.configure_mesh()
            .x_desc("time from sweep start (s)")
            .y_desc("voltage (mV)")
            .axis_desc_style(("sans-serif", 18))
            .label_style(("sans-serif", 16))
            .light_line_style(WHITE.mix(0.0))
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .draw()
            .map_err(e)?;
        for (series, colour, name) in [
            (rec, BLACK.mix(0.45), "recorded"),
            (v, BLUE.mix(1.0), "model voltage"),
            (th, RED.mix(1.0), "model threshold"),
        ] {
            let mut first = true;
            for seg in series {
                let drawn = c
                    .draw_series(LineSeries::new(seg, colour.stroke_width(lw)))
                    .map_err(e)?;
                if first {
                    drawn.label(name).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(3))
                    });
                    first = false;
                }
            }
        }
        let mark = |i: &usize| t0 + *i as f64 * s.dt;
        c.draw_series(
            s.model_spikes
                .iter()
                .map(|i| Circle::new((mark(i), hi - (hi - lo) * 0.06), 3, ORANGE.filled())),
        )
        .map_err(e)?
        .label("model spikes")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, ORANGE.filled()));
        c.draw_series(
            s.recorded_spikes
                .iter()
                .map(|i| Circle::new((mark(i), hi - (hi - lo) * 0.12), 3, BLACK.filled())),
        )
        .map_err(e)?
        .label("recorded spikes")
        .legend(|(x, y)| Circle::new((x + 10, y), 3, BLACK.filled()));
        c.configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(("sans-serif", 16))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(e)?;
    }
    Ok(())
}
