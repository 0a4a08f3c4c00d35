//! `glif batch`'s streamed summary: [`batch::run_batch_streamed`] feeding a
//! [`SummaryWriter`] gives, byte for byte, the CSV, JSON and spike-times
//! files that the all-in-memory path ([`batch::run_batch`], then
//! `write_summary_csv` / `write_summary_json` / `write_spike_times_jsonl`)
//! writes, on every Teeter model (several windows of
//! [`batch::WINDOW`] models), with one and two threads.

use std::path::{Path, PathBuf};

use glif_io::batch::{self, BatchOptions};
use glif_io::batch::{Row, SpikeTimes, Summary, SummaryWriter};
use glif_io::stimulus;

const DT: f64 = 5e-6;

fn teeter() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reference/teeter-all.jsonl.gz")
}

fn describe(e: &glif_io::Error) -> String {
    e.to_string()
}

fn head(rows: Vec<Row>) -> Summary {
    Summary::new(
        "test",
        "teeter".into(),
        "square".into(),
        DT,
        12_000,
        "f64",
        rows,
    )
}

#[test]
fn streamed_summaries_equal_the_all_in_memory_ones() {
    // 5 ms of zero, 20 ms of 400 pA: most models fire (the spike-times
    // file is not trivial), some end in a bad reset.
    let stimulus = stimulus::square(DT, 0.025, 0.005, 0.02, 4e-10).unwrap();
    let dir = std::env::temp_dir().join(format!("glif-batch-stream-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = |n: &str| dir.join(n);

    // The all-in-memory path, as `glif batch` wrote before streaming.
    let entries = batch::read_configs(&teeter()).unwrap();
    let n = entries.len();
    assert!(n > 2 * batch::WINDOW, "{n} models: several windows");
    let runs = batch::run_batch(entries, &stimulus, &BatchOptions::new(DT), &|_| {}).unwrap();
    let rows: Vec<Row> = runs.iter().map(|r| Row::from_run(r, describe)).collect();
    let trains: Vec<SpikeTimes> = runs.iter().filter_map(SpikeTimes::from_run).collect();
    assert!(
        trains
            .iter()
            .filter(|t| !t.spike_times_s.is_empty())
            .count()
            > n / 2
    );
    assert!(rows.iter().any(|r| r.outcome == "bad_reset"));
    batch::write_summary_csv(&f("all.csv"), &rows, true).unwrap();
    batch::write_summary_json(&f("all.json"), &head(rows), true).unwrap();
    batch::write_spike_times_jsonl(&f("all.jsonl"), &trains, true).unwrap();
    drop(runs);

    for threads in [1, 2] {
        let options = BatchOptions {
            threads: Some(threads),
            stop: None,
            ..BatchOptions::new(DT)
        };
        let csv = f(&format!("s{threads}.csv"));
        let jsonl = f(&format!("s{threads}.jsonl"));
        let json = f(&format!("s{threads}.json"));
        let mut w = SummaryWriter::csv(&csv, Some(&jsonl), true).unwrap();
        let entries = batch::read_configs(&teeter()).unwrap();
        batch::run_batch_streamed(entries, &stimulus, &options, &|_| {}, |r| {
            w.push(&r, describe)
        })
        .unwrap();
        assert!(!csv.exists(), "the summary appears only when finished");
        let tally = w.finish().unwrap();
        assert_eq!(tally.models, n);
        let mut w = SummaryWriter::json(&json, head(Vec::new()), None, true).unwrap();
        let entries = batch::read_configs(&teeter()).unwrap();
        batch::run_batch_streamed(entries, &stimulus, &options, &|_| {}, |r| {
            w.push(&r, describe)
        })
        .unwrap();
        w.finish().unwrap();
        for (a, b) in [
            ("all.csv", &csv),
            ("all.jsonl", &jsonl),
            ("all.json", &json),
        ] {
            let (a, b) = (std::fs::read(f(a)).unwrap(), std::fs::read(b).unwrap());
            assert!(a == b, "{threads} threads: {} differs", b.len());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
