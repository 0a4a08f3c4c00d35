//! Batch summaries: one row per model (spike count, first spike time, how
//! the run ended), as `glif batch` writes them: CSV ([`write_summary_csv`] /
//! [`read_summary_csv`]) or JSON with the batch's settings
//! ([`write_summary_json`] / [`read_summary_json`]). Written atomically,
//! never replacing a file unless asked.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::runner::ModelRun;
use crate::base::{write_atomic, AtomicWriter};
use crate::base::{Error, Result};
use crate::model::RunEnd;
use glif_core::Outcome;

/// The CSV header of a summary.
pub const CSV_HEADER: &str =
    "file,level,spike_count,first_spike_time_s,outcome,bad_reset_step,error";

/// One model's row.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Row {
    /// The config's file (or the `file` of its `.jsonl` line).
    pub file: String,
    /// `"GLIF1"`..`"GLIF5"`, `"custom"`, or empty when the file could not be read.
    pub level: String,
    /// Number of spikes.
    pub spike_count: usize,
    /// Interpolated time of the first spike (s).
    pub first_spike_time_s: Option<f64>,
    /// `"completed"`, `"bad_reset"` or `"error"`.
    pub outcome: String,
    /// For a bad reset: the spike step whose reset was bad.
    pub bad_reset_step: Option<usize>,
    /// For an error: what went wrong.
    pub error: Option<String>,
}

impl Row {
    /// The row of a batch run; `describe` words an error that kept the model
    /// from running (a config that could not be read or built).
    pub fn from_run(run: &ModelRun, describe: impl Fn(&Error) -> String) -> Row {
        let mut row = Row {
            file: run.name.clone(),
            level: run.level.clone(),
            ..Row::default()
        };
        match &run.result {
            Err(e) => {
                row.outcome = "error".into();
                row.error = Some(describe(e));
            }
            Ok(r) => {
                row.spike_count = r.spikes.len();
                row.first_spike_time_s = r.spikes.first().map(|s| s.time);
                match r.end {
                    RunEnd::COMPLETED => row.outcome = "completed".into(),
                    RunEnd::Ended(Outcome::BadReset { spike_step, .. }) => {
                        row.outcome = "bad_reset".into();
                        row.bad_reset_step = Some(spike_step);
                    }
                    RunEnd::Failed(e) => {
                        row.outcome = "error".into();
                        row.error = Some(format!("the simulation stopped: {e}"));
                    }
                }
            }
        }
        row
    }
}

/// The JSON summary: the batch's settings, counts, and the rows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Version of the program that wrote it.
    pub glif_version: String,
    /// Where the configs came from.
    pub configs: String,
    /// The stimulus, in words.
    pub stimulus: String,
    /// Time step (s).
    pub dt: f64,
    /// Stimulus samples.
    pub samples: usize,
    /// `"f32"` or `"f64"`.
    pub precision: String,
    /// Number of rows.
    pub models: usize,
    /// Rows whose outcome is `completed`.
    pub completed: usize,
    /// Rows whose outcome is `bad_reset`.
    pub bad_reset: usize,
    /// Rows whose outcome is `error`.
    pub errors: usize,
    /// One per model.
    pub rows: Vec<Row>,
}

impl Summary {
    /// The counts of `rows` filled in from them.
    pub fn new(
        glif_version: &str,
        configs: String,
        stimulus: String,
        dt: f64,
        samples: usize,
        precision: &str,
        rows: Vec<Row>,
    ) -> Summary {
        let count = |o: &str| rows.iter().filter(|r| r.outcome == o).count();
        Summary {
            glif_version: glif_version.into(),
            configs,
            stimulus,
            dt,
            samples,
            precision: precision.into(),
            models: rows.len(),
            completed: count("completed"),
            bad_reset: count("bad_reset"),
            errors: count("error"),
            rows,
        }
    }
}

/// Writes the JSON summary (pretty-printed, one final newline).
pub fn write_summary_json(path: &Path, summary: &Summary, overwrite: bool) -> Result<()> {
    write_atomic(path, overwrite, |w| {
        serde_json::to_writer_pretty(&mut *w, summary).map_err(std::io::Error::other)?;
        w.write_all(b"\n")
    })
}

/// Reads a JSON summary.
pub fn read_summary_json(path: &Path) -> Result<Summary> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::syntax(&e).in_file(path))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes the CSV summary: [`CSV_HEADER`], then one line per row; numbers
/// in Rust's shortest round-trip form, absent values empty, text quoted
/// when it holds a comma, quote or line break.
pub fn write_summary_csv(path: &Path, rows: &[Row], overwrite: bool) -> Result<()> {
    write_atomic(path, overwrite, |w| {
        writeln!(w, "{CSV_HEADER}")?;
        for r in rows {
            write_csv_row(w, r)?;
        }
        Ok(())
    })
}

/// One line of the CSV summary.
fn write_csv_row(w: &mut dyn Write, r: &Row) -> std::io::Result<()> {
    writeln!(
        w,
        "{},{},{},{},{},{},{}",
        csv_field(&r.file),
        csv_field(&r.level),
        r.spike_count,
        r.first_spike_time_s
            .map(|t| format!("{t:?}"))
            .unwrap_or_default(),
        r.outcome,
        r.bad_reset_step.map(|s| s.to_string()).unwrap_or_default(),
        csv_field(r.error.as_deref().unwrap_or("")),
    )
}

/// Counts over a batch's rows, kept as the rows stream by ([`SummaryWriter`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    /// Rows.
    pub models: usize,
    /// Rows whose outcome is `completed`.
    pub completed: usize,
    /// Rows whose outcome is `bad_reset`.
    pub bad_reset: usize,
    /// Rows whose outcome is `error`.
    pub errors: usize,
    /// Spikes of every row.
    pub spikes: usize,
    /// Rows with at least one spike.
    pub firing: usize,
    /// Rows that ran (outcome not `error`), by level.
    pub ran_by_level: BTreeMap<String, usize>,
    /// The first [`Tally::FIRST_ERRORS`] failed rows: (file, error).
    pub first_errors: Vec<(String, String)>,
}

impl Tally {
    /// How many failed rows [`Tally::first_errors`] keeps.
    pub const FIRST_ERRORS: usize = 5;

    /// Counts `row`.
    pub fn add(&mut self, row: &Row) {
        self.models += 1;
        self.spikes += row.spike_count;
        self.firing += usize::from(row.spike_count > 0);
        match row.outcome.as_str() {
            "completed" => self.completed += 1,
            "bad_reset" => self.bad_reset += 1,
            "error" => self.errors += 1,
            _ => {}
        }
        if row.outcome == "error" {
            if self.first_errors.len() < Self::FIRST_ERRORS {
                let error = row.error.clone().unwrap_or_default();
                self.first_errors.push((row.file.clone(), error));
            }
        } else {
            *self.ran_by_level.entry(row.level.clone()).or_default() += 1;
        }
    }
}

/// A batch's summary (and, if asked, its spike-times file) written as the
/// models finish, in their order ([`super::runner::run_batch_streamed`]'s
/// sink): the same bytes as [`write_summary_csv`], [`write_summary_json`]
/// and [`write_spike_times_jsonl`] given every row at once. Each file is
/// atomic: it appears, complete, at [`SummaryWriter::finish`], and not at
/// all when the batch stops before. CSV rows and spike times go to disk as
/// they come; the JSON summary's counts come before its rows, so its rows
/// (a hundred bytes or so each, without spike times) are kept until the end.
pub struct SummaryWriter {
    out: AtomicWriter,
    /// For a JSON summary: its settings and the rows so far.
    json: Option<Summary>,
    spikes: Option<AtomicWriter>,
    tally: Tally,
}

/// A batch summary's format, by the extension of its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummaryFormat {
    /// `.json`: the settings and one row per model.
    Json,
    /// `.csv`: one row per model.
    Csv,
}

impl SummaryFormat {
    /// The format `path`'s extension names (`.json` or `.csv`, any case).
    pub fn of_path(path: &Path) -> Result<SummaryFormat> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase());
        match ext.as_deref() {
            Some("json") => Ok(SummaryFormat::Json),
            Some("csv") => Ok(SummaryFormat::Csv),
            _ => Err(Error::extension(
                path,
                "the extension must be .csv or .json",
            )),
        }
    }
}

/// Checks that `path` names a spike-times file (`.jsonl`, any case: JSON
/// Lines, one model a line).
pub fn check_spike_times_path(path: &Path) -> Result<()> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("jsonl"))
    {
        Ok(())
    } else {
        Err(Error::extension(
            path,
            "the extension must be .jsonl (JSON Lines)",
        ))
    }
}

impl SummaryWriter {
    /// A CSV summary at `path` (its header written now), and the spike
    /// times at `spikes` if given; neither replaces a file unless `overwrite`.
    pub fn csv(path: &Path, spikes: Option<&Path>, overwrite: bool) -> Result<SummaryWriter> {
        let mut out = AtomicWriter::create(path, overwrite)?;
        writeln!(out, "{CSV_HEADER}").map_err(|e| Error::io(path, e))?;
        Ok(SummaryWriter {
            out,
            json: None,
            spikes: spikes
                .map(|p| AtomicWriter::create(p, overwrite))
                .transpose()?,
            tally: Tally::default(),
        })
    }

    /// A JSON summary at `path` with the settings of `head` (its rows and
    /// counts are ignored: they come from the rows pushed), and the spike
    /// times at `spikes` if given.
    pub fn json(
        path: &Path,
        mut head: Summary,
        spikes: Option<&Path>,
        overwrite: bool,
    ) -> Result<SummaryWriter> {
        head.rows.clear();
        Ok(SummaryWriter {
            out: AtomicWriter::create(path, overwrite)?,
            json: Some(head),
            spikes: spikes
                .map(|p| AtomicWriter::create(p, overwrite))
                .transpose()?,
            tally: Tally::default(),
        })
    }

    /// Writes the row of `run` (see [`Row::from_run`] for `describe`) and,
    /// if it ran, its spike times.
    pub fn push(&mut self, run: &ModelRun, describe: impl Fn(&Error) -> String) -> Result<()> {
        let row = Row::from_run(run, describe);
        self.tally.add(&row);
        if let (Some(w), Some(t)) = (&mut self.spikes, SpikeTimes::from_run(run)) {
            let path = w.path().to_path_buf();
            serde_json::to_writer(&mut *w, &t)
                .map_err(std::io::Error::other)
                .and_then(|_| w.write_all(b"\n"))
                .map_err(|e| Error::io(&path, e))?;
        }
        match &mut self.json {
            Some(summary) => summary.rows.push(row),
            None => {
                let path = self.out.path().to_path_buf();
                write_csv_row(&mut self.out, &row).map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(())
    }

    /// The counts so far.
    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Puts the summary, then the spike times, in place; the counts of
    /// every row pushed.
    pub fn finish(mut self) -> Result<Tally> {
        if let Some(s) = self.json.take() {
            let path = self.out.path().to_path_buf();
            let s = Summary::new(
                &s.glif_version,
                s.configs,
                s.stimulus,
                s.dt,
                s.samples,
                &s.precision,
                s.rows,
            );
            serde_json::to_writer_pretty(&mut self.out, &s)
                .map_err(std::io::Error::other)
                .and_then(|_| self.out.write_all(b"\n"))
                .map_err(|e| Error::io(&path, e))?;
        }
        self.out.commit()?;
        if let Some(w) = self.spikes {
            w.commit()?;
        }
        Ok(self.tally)
    }
}

/// Splits CSV text into records of fields (RFC 4180 quoting; a quoted
/// field may hold commas, doubled quotes and line breaks).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Reads a CSV summary written by [`write_summary_csv`].
pub fn read_summary_csv(path: &Path) -> Result<Vec<Row>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut records = csv_records(&text).into_iter();
    if records.next().map(|h| h.join(",")).as_deref() != Some(CSV_HEADER) {
        return Err(
            Error::results("line 1", format!("expected the header {CSV_HEADER}")).in_file(path),
        );
    }
    let mut rows = Vec::new();
    for (i, f) in records.enumerate() {
        let at = || format!("row {}", i + 1);
        let bad =
            |what: &str, e: String| Error::results(at(), format!("{what}: {e}")).in_file(path);
        if f.len() != 7 {
            return Err(bad("columns", format!("found {}, expected 7", f.len())));
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        rows.push(Row {
            file: f[0].clone(),
            level: f[1].clone(),
            spike_count: f[2]
                .parse()
                .map_err(|e| bad("spike_count", format!("{e}")))?,
            first_spike_time_s: opt(&f[3])
                .map(|s| s.parse::<f64>())
                .transpose()
                .map_err(|e| bad("first_spike_time_s", format!("{e}")))?,
            outcome: f[4].clone(),
            bad_reset_step: opt(&f[5])
                .map(|s| s.parse::<usize>())
                .transpose()
                .map_err(|e| bad("bad_reset_step", format!("{e}")))?,
            error: opt(&f[6]),
        });
    }
    Ok(rows)
}

/// One model's spikes in a batch's spike-times file
/// ([`write_spike_times_jsonl`] / [`read_spike_times_jsonl`]).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct SpikeTimes {
    /// The model's name, as in the summary's `file`.
    pub file: String,
    /// Interpolated spike times (s), AllenSDK's `interpolated_spike_times`.
    pub spike_times_s: Vec<f64>,
    /// The step of each spike, AllenSDK's `spike_time_steps`.
    pub spike_time_steps: Vec<usize>,
}

impl SpikeTimes {
    /// The spikes of a batch run; `None` for a model that did not run.
    pub fn from_run(run: &ModelRun) -> Option<SpikeTimes> {
        let r = run.result.as_ref().ok()?;
        Some(SpikeTimes {
            file: run.name.clone(),
            spike_times_s: r.spikes.iter().map(|s| s.time).collect(),
            spike_time_steps: r.spikes.iter().map(|s| s.step).collect(),
        })
    }
}

/// Writes one JSON object a line, `{"file": ..., "spike_times_s": [...],
/// "spike_time_steps": [...]}`, for every model that ran (JSON Lines; in
/// numpy: `[np.array(json.loads(l)["spike_times_s"]) for l in open(path)]`).
/// Written atomically, never replacing a file unless `overwrite`.
pub fn write_spike_times_jsonl(path: &Path, models: &[SpikeTimes], overwrite: bool) -> Result<()> {
    write_atomic(path, overwrite, |w| {
        for m in models {
            serde_json::to_writer(&mut *w, m).map_err(std::io::Error::other)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Reads a file written by [`write_spike_times_jsonl`]; errors name the line.
pub fn read_spike_times_jsonl(path: &Path) -> Result<Vec<SpikeTimes>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let m: SpikeTimes = serde_json::from_str(line).map_err(|e| {
            Error::new(crate::base::ErrorKind::Results {
                location: format!("line {}", i + 1),
                problem: format!(
                    "expected {{\"file\", \"spike_times_s\", \"spike_time_steps\"}}: {e}"
                ),
            })
            .in_file(path)
        })?;
        out.push(m);
    }
    Ok(out)
}
