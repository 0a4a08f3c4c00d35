//! The figure AllenSDK's GLIF documentation draws with matplotlib: the
//! stimulus; voltage and threshold with the interpolated spikes marked; the
//! after-spike currents. Time in seconds. SVG or PNG by extension; text is
//! drawn with DejaVu Sans, bundled in the binary.

use std::path::Path;
use std::sync::Once;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::error::CliError;
use glif_io::RunResult;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

const WIDTH: u32 = 1400;
/// Trace line widths. The bitmap backend draws wide polylines with miter
/// joins that shoot off at the sharp reversals of a spiking trace, so PNG
/// traces are one pixel wide.
pub(crate) const LW_SVG: u32 = 2;
pub(crate) const LW_PNG: u32 = 1;
pub(crate) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(crate) const ORANGE: RGBColor = RGBColor(255, 127, 14);
pub(crate) const GREEN: RGBColor = RGBColor(44, 160, 44);
pub(crate) const RED: RGBColor = RGBColor(214, 39, 40);
pub(crate) const PURPLE: RGBColor = RGBColor(148, 103, 189);

/// Draws the figure into `path` (`.svg` or `.png`), written atomically and
/// replacing an existing file only with `force`.
/// `window` (s) limits the time axis (default: the whole run).
pub fn plot(
    path: &Path,
    out: &RunResult,
    dt: f64,
    stimulus: &[f64],
    title: &str,
    window: Option<(f64, f64)>,
    force: bool,
) -> Result<(), CliError> {
    let panels = if out.asc_count > 0 { 3 } else { 2 };
    let height = 320 + 330 * (panels - 1) as u32;
    let figure = Figure::Traces {
        out,
        dt,
        stimulus,
        title,
        window,
    };
    render(path, height, &figure, force)
}

/// Checks a plot path given to `flag` before a run: `.svg` or `.png`, and
/// not an existing file unless `force`.
pub fn check_plot_path(p: &Path, flag: &str, force: bool) -> Result<(), CliError> {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("svg") | Some("png") => {}
        _ => {
            return Err(CliError::input(format!(
                "{flag} {}: the extension must be .svg or .png",
                p.display()
            )))
        }
    }
    if p.exists() && !force {
        return Err(CliError::input(format!(
            "{}: the file exists; give --force to replace it",
            p.display()
        )));
    }
    Ok(())
}

/// Parses `--plot-window START:END` (s): finite, START >= 0, END > START.
pub fn parse_window(text: &str) -> Result<(f64, f64), String> {
    let (a, b) = text
        .split_once(':')
        .ok_or_else(|| format!("expected START:END in seconds (e.g. 0.1:0.3), found {text:?}"))?;
    let num = |x: &str| {
        x.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("{x:?} is not a finite number of seconds"))
    };
    let (a, b) = (num(a)?, num(b)?);
    if a < 0.0 || b <= a {
        return Err(format!(
            "expected 0 <= START < END, found {}:{}",
            glif_io::sci(a),
            glif_io::sci(b)
        ));
    }
    Ok((a, b))
}

/// Draws a spike raster into `path` (`.svg` or `.png`): one row per
/// `(name, spike times (s))`, a tick per spike, time from `window.0` to
/// `window.1` (s).
pub fn raster(
    path: &Path,
    rows: &[(String, Vec<f64>)],
    window: (f64, f64),
    title: &str,
    force: bool,
) -> Result<(), CliError> {
    let height = (200 + 14 * rows.len() as u32).clamp(320, 4000);
    render(
        path,
        height,
        &Figure::Raster {
            rows,
            window,
            title,
        },
        force,
    )
}

/// A figure drawn by another module (`glif fit`'s), on either backend.
pub trait Draw {
    /// Draws on an SVG area with line width `lw`.
    fn draw_svg(&self, root: &DrawingArea<SVGBackend<'_>, Shift>, lw: u32) -> Result<(), String>;
    /// Draws on a bitmap area with line width `lw`.
    fn draw_png(&self, root: &DrawingArea<BitMapBackend<'_>, Shift>, lw: u32)
        -> Result<(), String>;
}

/// Draws `figure` into `path` (`.svg` or `.png`), written atomically and
/// replacing an existing file only with `force`.
#[cfg_attr(not(feature = "nwb"), allow(dead_code))]
pub fn figure(path: &Path, height: u32, figure: &dyn Draw, force: bool) -> Result<(), CliError> {
    render(path, height, &Figure::Other(figure), force)
}

/// What a figure shows.
enum Figure<'a> {
    /// Drawn by another module.
    #[cfg_attr(not(feature = "nwb"), allow(dead_code))]
    Other(&'a dyn Draw),
    /// Stimulus, voltage and threshold, after-spike currents.
    Traces {
        out: &'a RunResult,
        dt: f64,
        stimulus: &'a [f64],
        title: &'a str,
        window: Option<(f64, f64)>,
    },
    /// Spike times, one row per model.
    Raster {
        rows: &'a [(String, Vec<f64>)],
        window: (f64, f64),
        title: &'a str,
    },
}

fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lw: u32,
    figure: &Figure<'_>,
) -> Result<(), String> {
    match *figure {
        Figure::Traces {
            out,
            dt,
            stimulus,
            title,
            window,
        } => draw(root, lw, out, dt, stimulus, title, window),
        Figure::Raster {
            rows,
            window,
            title,
        } => draw_raster(root, rows, window, title),
        Figure::Other(_) => Err("drawn by its own module".into()),
    }
}

fn render(path: &Path, height: u32, figure: &Figure<'_>, force: bool) -> Result<(), CliError> {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase());
    let fail =
        |e: String| CliError::other(format!("{}: cannot draw the plot: {e}", path.display()));
    let bytes = match ext.as_deref() {
        Some("svg") => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
                match figure {
                    Figure::Other(d) => d.draw_svg(&root, LW_SVG),
                    _ => draw_figure(&root, LW_SVG, figure),
                }
                .map_err(fail)?;
                root.present().map_err(|e| fail(format!("{e:?}")))?;
            }
            text.into_bytes()
        }
        Some("png") => {
            // The PNG encoder writes to a file: draw into a scratch file
            // beside the output, then write the bytes atomically like every
            // other output.
            let scratch = path.with_file_name(format!(
                ".{}.plot-{}.png",
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            let drawn = (|| {
                let root = BitMapBackend::new(&scratch, (WIDTH, height)).into_drawing_area();
                match figure {
                    Figure::Other(d) => d.draw_png(&root, LW_PNG),
                    _ => draw_figure(&root, LW_PNG, figure),
                }
                .map_err(fail)?;
                root.present().map_err(|e| fail(format!("{e:?}")))?;
                drop(root);
                std::fs::read(&scratch).map_err(|e| fail(e.to_string()))
            })();
            let _ = std::fs::remove_file(&scratch);
            drawn?
        }
        _ => {
            return Err(CliError::input(format!(
                "{}: the extension must be .svg or .png",
                path.display()
            )))
        }
    };
    glif_io::base::write_atomic(path, force, |w| w.write_all(&bytes))
        .map_err(|e| CliError::writing(e, path))
}

/// Min/max decimation to about `buckets` columns; fully-NaN columns break
/// the line.
pub(crate) fn decimate(
    t0: f64,
    dt: f64,
    y: &[f64],
    scale: f64,
    buckets: usize,
) -> Vec<Vec<(f64, f64)>> {
    let n = y.len();
    let per = n.div_ceil(buckets.max(1)).max(1);
    let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (b, chunk) in y.chunks(per).enumerate() {
        let start = b * per;
        if per <= 2 {
            for (i, &v) in chunk.iter().enumerate() {
                push(&mut segments, (t0 + (start + i) as f64 * dt, v * scale));
            }
            continue;
        }
        let mut lo: Option<(usize, f64)> = None;
        let mut hi: Option<(usize, f64)> = None;
        for (i, &v) in chunk.iter().enumerate() {
            if v.is_nan() {
                continue;
            }
            if lo.is_none_or(|(_, l)| v < l) {
                lo = Some((i, v));
            }
            if hi.is_none_or(|(_, h)| v > h) {
                hi = Some((i, v));
            }
        }
        match (lo, hi) {
            (Some(l), Some(h)) => {
                let (a, b2) = if l.0 <= h.0 { (l, h) } else { (h, l) };
                let last = segments.last_mut().expect("at least one segment");
                last.push((t0 + (start + a.0) as f64 * dt, a.1 * scale));
                if b2.0 != a.0 {
                    last.push((t0 + (start + b2.0) as f64 * dt, b2.1 * scale));
                }
            }
            _ => {
                if segments.last().is_some_and(|s| !s.is_empty()) {
                    segments.push(Vec::new());
                }
            }
        }
    }
    segments.retain(|s| !s.is_empty());
    segments
}

fn push(segments: &mut Vec<Vec<(f64, f64)>>, p: (f64, f64)) {
    if p.1.is_nan() {
        if segments.last().is_some_and(|s| !s.is_empty()) {
            segments.push(Vec::new());
        }
    } else if let Some(last) = segments.last_mut() {
        last.push(p);
    }
}

pub(crate) fn range(series: &[&[Vec<(f64, f64)>]], extra: &[f64], top_room: f64) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in series {
        for seg in s.iter() {
            for &(_, y) in seg {
                lo = lo.min(y);
                hi = hi.max(y);
            }
        }
    }
    for &y in extra {
        if y.is_finite() {
            lo = lo.min(y);
            hi = hi.max(y);
        }
    }
    if !lo.is_finite() || !hi.is_finite() {
        return (-1.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.08
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - pad, hi + pad + span * top_room)
}

/// Tick labels without trailing zeros.
pub(crate) fn tick(y: &f64) -> String {
    let s = format!("{y:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A panel's chart: f64 coordinates on both axes.
pub(crate) type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// One panel: `x_desc` on x from `t0` to `t_end`, `y_desc` on y from `lo`
/// to `hi`, with the figures' caption, margins, fonts and tick labels (the
/// simulation's figures and the fit's).
pub(crate) fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    caption: &str,
    (x_desc, y_desc): (&str, &str),
    (t0, t_end): (f64, f64),
    (lo, hi): (f64, f64),
) -> Result<Chart<'a, DB>, String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| format!("{x:?}");
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(90)
        .build_cartesian_2d(t0..t_end, lo..hi)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 17))
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(e)?;
    Ok(chart)
}

/// The legend of a panel, upper right.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()
        .map_err(|x| format!("{x:?}"))
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    lw: u32,
    out: &RunResult,
    dt: f64,
    stimulus: &[f64],
    title: &str,
    window: Option<(f64, f64)>,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| format!("{x:?}");
    root.fill(&WHITE).map_err(e)?;
    let root = root.titled(title, ("sans-serif", 26)).map_err(e)?;
    // The samples in the window: [i0, i1).
    let n = out.len();
    let (i0, i1) = match window {
        Some((a, b)) => (
            ((a / dt).floor().max(0.0) as usize).min(n),
            ((b / dt).ceil().max(0.0) as usize).min(n),
        ),
        None => (0, n),
    };
    let (i0, i1) = (i0.min(i1.saturating_sub(1)), i1.max(i0 + 1).min(n.max(1)));
    let t0 = i0 as f64 * dt;
    let cut = |y: &[f64]| -> Vec<f64> { y.get(i0..i1.min(y.len())).unwrap_or(&[]).to_vec() };
    let panels = if out.asc_count > 0 { 3 } else { 2 };
    let (h, _) = (root.dim_in_pixel().1, ());
    let stim_h = if panels == 3 {
        h * 26 / 100
    } else {
        h * 36 / 100
    };
    let (top, rest) = root.split_vertically(stim_h);
    let (mid, bottom) = if panels == 3 {
        let m = rest.dim_in_pixel().1 * 55 / 100;
        let (a, b) = rest.split_vertically(m);
        (a, Some(b))
    } else {
        (rest, None)
    };
    let span = (t0, i1.max(i0 + 1) as f64 * dt);
    let buckets = (WIDTH as usize) * 2;

    // Stimulus (pA).
    let stim = decimate(t0, dt, &cut(stimulus), 1e12, buckets);
    let (lo, hi) = range(&[&stim], &[0.0], 0.0);
    let mut chart = panel(
        &top,
        "Stimulus",
        ("time (s)", "current (pA)"),
        span,
        (lo, hi),
    )?;
    for seg in stim {
        chart
            .draw_series(LineSeries::new(seg, BLUE.stroke_width(lw)))
            .map_err(e)?;
    }

    // Voltage and threshold (mV).
    let v = decimate(t0, dt, &cut(&out.voltage), 1e3, buckets);
    let th = decimate(t0, dt, &cut(&out.threshold), 1e3, buckets);
    let spike_pts: Vec<(f64, f64)> = out
        .spikes
        .iter()
        .filter(|s| s.time >= span.0 && s.time <= span.1)
        .map(|s| (s.time, s.voltage * 1e3))
        .collect();
    let extra: Vec<f64> = spike_pts.iter().map(|p| p.1).collect();
    let (lo, hi) = range(&[&v, &th], &extra, 0.3);
    let mut chart = panel(
        &mid,
        "Voltage and threshold (relative to rest)",
        ("time (s)", "voltage (mV)"),
        span,
        (lo, hi),
    )?;
    for (i, seg) in v.into_iter().enumerate() {
        let s = chart
            .draw_series(LineSeries::new(seg, BLUE.stroke_width(lw)))
            .map_err(e)?;
        if i == 0 {
            s.label("voltage")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], BLUE.stroke_width(3)));
        }
    }
    for (i, seg) in th.into_iter().enumerate() {
        let s = chart
            .draw_series(LineSeries::new(seg, ORANGE.stroke_width(lw)))
            .map_err(e)?;
        if i == 0 {
            s.label("threshold").legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], ORANGE.stroke_width(3))
            });
        }
    }
    if !spike_pts.is_empty() {
        chart
            .draw_series(
                spike_pts
                    .iter()
                    .map(|&p| Cross::new(p, 7, RED.stroke_width(2))),
            )
            .map_err(e)?
            .label("interpolated spike")
            .legend(|(x, y)| Cross::new((x + 12, y), 6, RED.stroke_width(2)));
    }
    legend(&mut chart)?;

    // After-spike currents (pA).
    if let Some(bottom) = bottom {
        let n = out.asc_count;
        let currents: Vec<Vec<Vec<(f64, f64)>>> = (0..n)
            .map(|k| {
                let col: Vec<f64> = out.asc.iter().skip(k).step_by(n).copied().collect();
                decimate(t0, dt, &cut(&col), 1e12, buckets)
            })
            .collect();
        let refs: Vec<&[Vec<(f64, f64)>]> = currents.iter().map(|c| &c[..]).collect();
        let (lo, hi) = range(&refs, &[0.0], 0.3);
        let mut chart = panel(
            &bottom,
            "After-spike currents",
            ("time (s)", "current (pA)"),
            span,
            (lo, hi),
        )?;
        let colors = [GREEN, PURPLE, RED, BLUE, ORANGE];
        for (k, c) in currents.into_iter().enumerate() {
            let color = colors[k % colors.len()];
            for (i, seg) in c.into_iter().enumerate() {
                let s = chart
                    .draw_series(LineSeries::new(seg, color.stroke_width(lw)))
                    .map_err(e)?;
                if i == 0 {
                    s.label(format!("AScurrent {k}")).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                    });
                }
            }
        }
        legend(&mut chart)?;
    }
    Ok(())
}

fn draw_raster<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rows: &[(String, Vec<f64>)],
    (t0, t1): (f64, f64),
    title: &str,
) -> Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| format!("{x:?}");
    root.fill(&WHITE).map_err(e)?;
    let root = root.titled(title, ("sans-serif", 24)).map_err(e)?;
    let n = rows.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(45)
        .y_label_area_size(90)
        .build_cartesian_2d(t0..t1.max(t0 + f64::EPSILON), -0.5..n - 0.5)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("model (row)")
        .axis_desc_style(("sans-serif", 20))
        .label_style(("sans-serif", 17))
        .light_line_style(WHITE.mix(0.0))
        .x_label_formatter(&tick)
        .draw()
        .map_err(e)?;
    for (row, (_, times)) in rows.iter().enumerate() {
        let y = row as f64;
        chart
            .draw_series(
                times.iter().filter(|&&t| t >= t0 && t <= t1).map(|&t| {
                    PathElement::new(vec![(t, y - 0.4), (t, y + 0.4)], BLUE.stroke_width(2))
                }),
            )
            .map_err(e)?;
    }
    Ok(())
}
