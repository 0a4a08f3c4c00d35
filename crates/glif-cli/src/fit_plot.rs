//! `glif fit --plot`: the figures a scientist checks after preprocessing,
//! drawn from [`glif_fit::diagnostics::Diagnostics`] (the library computes
//! every point; this module only draws): the RC fit, the spike cut and
//! reset, the threshold fits (th_inf and the triple's spike component), the
//! after-spike currents. Voltages in mV, currents in pA, time in ms or s.

use std::path::{Path, PathBuf};

use glif_fit::configure::PreprocessorSummary;
use glif_fit::diagnostics::Diagnostics;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::CliError;
use crate::plot::{decimate, legend, panel, range, BLUE, GREEN, ORANGE, PURPLE, RED};

/// One figure.
pub enum FitFigure<'a> {
    /// Measured voltage and the fitted passive membrane on Noise 1.
    Rc(&'a Diagnostics),
    /// The mean spike with the cut marked; the reset fit.
    SpikeCut(&'a Diagnostics, &'a PreprocessorSummary),
    /// th_inf on its short square; the triple's spike component.
    Threshold(&'a Diagnostics, &'a PreprocessorSummary),
    /// The two after-spike currents and their sum.
    Asc(&'a PreprocessorSummary),
}

/// The figure files' names (without extension), in the order written.
pub const NAMES: [&str; 4] = ["fit_rc", "fit_spike_cut", "fit_threshold", "fit_asc"];

/// The figure files `--plot FORMAT` writes into `dir`.
pub fn paths(dir: &Path, ext: &str) -> Vec<PathBuf> {
    NAMES
        .iter()
        .map(|n| dir.join(format!("{n}.{ext}")))
        .collect()
}

/// Draws the four figures to `paths` (from [`paths`]).
pub fn write_all(
    paths: &[PathBuf],
    d: &Diagnostics,
    s: &PreprocessorSummary,
    force: bool,
) -> Result<(), CliError> {
    let figures = [
        (FitFigure::Rc(d), 700),
        (FitFigure::SpikeCut(d, s), 600),
        (FitFigure::Threshold(d, s), 600),
        (FitFigure::Asc(s), 500),
    ];
    for (p, (f, h)) in paths.iter().zip(&figures) {
        crate::plot::figure(p, *h, f, force)?;
    }
    Ok(())
}

impl crate::plot::Draw for FitFigure<'_> {
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>, lw: u32) -> Result<(), String> {
        draw(root, lw, self)
    }
    fn draw_png(
        &self,
        root: &DrawingArea<BitMapBackend<'_>, Shift>,
        lw: u32,
    ) -> Result<(), String> {
        draw(root, lw, self)
    }
}

/// The x range of points, padded.
fn span(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = xs
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(x), h.max(x))
        });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let pad = ((hi - lo) * 0.05).max(1e-9);
    (lo - pad, hi + pad)
}

/// Draws `figure` on `root` (line width `lw`).
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lw: u32,
    figure: &FitFigure<'_>,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| format!("{x:?}");
    root.fill(&WHITE).map_err(e)?;
    let buckets = 2800;
    match *figure {
        FitFigure::Rc(d) => {
            let root = root
                .titled(
                    &format!(
                        "RC fit, Noise 1 sweep {}: R {:.1} MOhm, C {:.1} pF, El {:.2} mV",
                        d.rc_sweep,
                        d.rc.r / 1e6,
                        d.rc.c * 1e12,
                        d.rc.el * 1e3
                    ),
                    ("sans-serif", 24),
                )
                .map_err(e)?;
            let m = decimate(0.0, d.dt, &d.rc_measured, 1e3, buckets);
            let f = decimate(0.0, d.dt, &d.rc_model, 1e3, buckets);
            let (lo, hi) = range(&[&m, &f], &[], 0.15);
            let t_end = d.rc_measured.len().max(1) as f64 * d.dt;
            let mut c = panel(
                &root,
                "measured voltage and the fitted passive membrane (C dV/dt = I - (V - El)/R)",
                ("time from stimulus start (s)", "voltage (mV)"),
                (0.0, t_end),
                (lo, hi),
            )?;
            for (k, seg) in m.into_iter().enumerate() {
                let s = c
                    .draw_series(LineSeries::new(seg, BLUE.stroke_width(lw)))
                    .map_err(e)?;
                if k == 0 {
                    s.label("measured (filtered, 50 us)").legend(|(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(3))
                    });
                }
            }
            for (k, seg) in f.into_iter().enumerate() {
                let s = c
                    .draw_series(LineSeries::new(seg, ORANGE.stroke_width(lw)))
                    .map_err(e)?;
                if k == 0 {
                    s.label("passive membrane with the fitted R, C, El")
                        .legend(|(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(3))
                        });
                }
            }
            legend(&mut c)
        }
        FitFigure::SpikeCut(d, s) => {
            let root = root
                .titled(
                    &format!(
                        "Spike cut: {} samples = {:.2} ms; reset v_after = {:.4} v_before + {:.3} mV",
                        s.spike_cut_length,
                        d.spike_cut_time * 1e3,
                        s.spike_cutting_slope,
                        s.spike_cutting_intercept * 1e3
                    ),
                    ("sans-serif", 24),
                )
                .map_err(e)?;
            let (left, right) = root.split_horizontally(root.dim_in_pixel().0 / 2);
            let pts: Vec<(f64, f64)> = d
                .spike_mean
                .iter()
                .enumerate()
                .map(|(i, v)| ((d.spike_window_start + i as f64 * d.dt) * 1e3, v * 1e3))
                .collect();
            let (lo, hi) = range(&[std::slice::from_ref(&pts)], &[], 0.1);
            let x = span(pts.iter().map(|p| p.0));
            let mut c = panel(
                &left,
                "mean Noise 1 spike",
                ("time from threshold (ms)", "V - El_reference (mV)"),
                x,
                (lo, hi),
            )?;
            c.draw_series(LineSeries::new(pts, BLUE.stroke_width(lw)))
                .map_err(e)?;
            let tc = d.spike_cut_time * 1e3;
            c.draw_series(LineSeries::new(
                vec![(tc, lo), (tc, hi)],
                RED.stroke_width(lw),
            ))
            .map_err(e)?
            .label("end of the cut")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(3)));
            c.draw_series(LineSeries::new(
                vec![(0.0, lo), (0.0, hi)],
                GREEN.stroke_width(lw),
            ))
            .map_err(e)?
            .label("threshold crossing")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN.stroke_width(3)));
            legend(&mut c)?;
            let xs = span(d.v_before.iter().map(|v| v * 1e3));
            let ys = span(d.v_after.iter().map(|v| v * 1e3));
            let mut c = panel(
                &right,
                "voltage after the cut against voltage at threshold",
                (
                    "v_before - El_reference (mV)",
                    "v_after - El_reference (mV)",
                ),
                xs,
                ys,
            )?;
            c.draw_series(
                d.v_before
                    .iter()
                    .zip(&d.v_after)
                    .map(|(a, b)| Circle::new((a * 1e3, b * 1e3), 3, BLUE.filled())),
            )
            .map_err(e)?
            .label("Noise 1 spikes")
            .legend(|(x, y)| Circle::new((x + 10, y), 3, BLUE.filled()));
            let line = |x: f64| {
                (
                    x,
                    s.spike_cutting_slope * x + s.spike_cutting_intercept * 1e3,
                )
            };
            c.draw_series(LineSeries::new(
                vec![line(xs.0), line(xs.1)],
                ORANGE.stroke_width(lw),
            ))
            .map_err(e)?
            .label("fitted reset")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(3)));
            legend(&mut c)
        }
        FitFigure::Threshold(d, s) => {
            let root = root
                .titled(
                    &format!(
                        "Threshold: th_inf {:.2} mV above rest{}",
                        s.th_inf * 1e3,
                        match (s.a_spike, s.b_spike) {
                            (Some(a), Some(b)) =>
                                format!("; spike component a {:.3} mV, b {:.1} 1/s", a * 1e3, b),
                            _ => "; no spike component (no usable triple)".into(),
                        }
                    ),
                    ("sans-serif", 24),
                )
                .map_err(e)?;
            let (left, right) = root.split_horizontally(root.dim_in_pixel().0 / 2);
            // th_inf: 5 ms before to 20 ms after the first spike's threshold.
            let i0 = d.th_inf_index.saturating_sub((0.005 / d.dt) as usize);
            let i1 = (d.th_inf_index + (0.020 / d.dt) as usize).min(d.th_inf_trace.len());
            let t0 = i0 as f64 * d.dt * 1e3;
            let t1 = i1.max(i0 + 1) as f64 * d.dt * 1e3;
            let v = decimate(t0, d.dt * 1e3, &d.th_inf_trace[i0..i1], 1e3, buckets);
            let th_v = d.th_inf_voltage * 1e3;
            let (lo, hi) = range(&[&v], &[th_v], 0.1);
            let mut c = panel(
                &left,
                &format!(
                    "smallest suprathreshold short square (sweep {})",
                    d.th_inf_sweep
                ),
                ("time from stimulus start (ms)", "voltage (mV)"),
                (t0, t1),
                (lo, hi),
            )?;
            for seg in v {
                c.draw_series(LineSeries::new(seg, BLUE.stroke_width(lw)))
                    .map_err(e)?;
            }
            c.draw_series(LineSeries::new(
                vec![(t0, th_v), (t1, th_v)],
                RED.stroke_width(lw),
            ))
            .map_err(e)?
            .label("first spike's threshold (th_inf)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(3)));
            legend(&mut c)?;
            match &d.triple {
                Some((p, sc)) => {
                    let pts: Vec<(f64, f64)> = p
                        .interval
                        .iter()
                        .zip(&p.second)
                        .map(|(t, v)| (t * 1e3, (v - sc.thresh_inf) * 1e3))
                        .collect();
                    let xs = (0.0, span(pts.iter().map(|q| q.0)).1);
                    let curve: Vec<(f64, f64)> = (0..=200)
                        .map(|k| {
                            let t = xs.1 * 1e-3 * k as f64 / 200.0;
                            (t * 1e3, sc.a_spike * (-sc.b_spike * t).exp() * 1e3)
                        })
                        .collect();
                    let ys = span(pts.iter().chain(&curve).map(|q| q.1));
                    let mut c = panel(
                        &right,
                        "Short Square - Triple: second spike's threshold",
                        (
                            "time since the first spike (ms)",
                            "threshold - first spikes' mean (mV)",
                        ),
                        xs,
                        ys,
                    )?;
                    c.draw_series(pts.iter().map(|&q| Circle::new(q, 4, BLUE.filled())))
                        .map_err(e)?
                        .label("triple sweeps")
                        .legend(|(x, y)| Circle::new((x + 10, y), 4, BLUE.filled()));
                    c.draw_series(LineSeries::new(curve, ORANGE.stroke_width(lw)))
                        .map_err(e)?
                        .label("a exp(-b t) fitted")
                        .legend(|(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], ORANGE.stroke_width(3))
                        });
                    legend(&mut c)
                }
                None => {
                    right
                        .draw(&Text::new(
                            "no Short Square - Triple spike component: GLIF1 and GLIF3 only",
                            (20, 60),
                            ("sans-serif", 20),
                        ))
                        .map_err(e)?;
                    Ok(())
                }
            }
        }
        FitFigure::Asc(s) => {
            let root = root
                .titled(
                    &format!(
                        "After-spike currents: tau {:.1} and {:.1} ms, amplitude {:.2} and {:.2} pA",
                        s.asc_tau_array[0] * 1e3,
                        s.asc_tau_array[1] * 1e3,
                        s.asc_amp_array[0] * 1e12,
                        s.asc_amp_array[1] * 1e12
                    ),
                    ("sans-serif", 24),
                )
                .map_err(e)?;
            let t_end = 3.0 * s.asc_tau_array.iter().cloned().fold(0.0, f64::max);
            let curve = |k: Option<usize>| -> Vec<(f64, f64)> {
                (0..=400)
                    .map(|j| {
                        let t = t_end * j as f64 / 400.0;
                        let term = |i: usize| s.asc_amp_array[i] * (-t / s.asc_tau_array[i]).exp();
                        let y = match k {
                            Some(i) => term(i),
                            None => term(0) + term(1),
                        };
                        (t * 1e3, y * 1e12)
                    })
                    .collect()
            };
            let series = [
                (curve(Some(0)), BLUE, "ASC 1"),
                (curve(Some(1)), GREEN, "ASC 2"),
                (curve(None), PURPLE, "sum"),
            ];
            let ys = span(series.iter().flat_map(|(c, _, _)| c.iter().map(|q| q.1)));
            let mut c = panel(
                &root,
                "the fitted after-spike currents after a spike (Gaussian GLM on Noise 1)",
                ("time after the spike cut (ms)", "current (pA)"),
                (0.0, t_end * 1e3),
                ys,
            )?;
            for (pts, col, name) in series {
                c.draw_series(LineSeries::new(pts, col.stroke_width(lw)))
                    .map_err(e)?
                    .label(name)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(3))
                    });
            }
            legend(&mut c)
        }
    }
}
