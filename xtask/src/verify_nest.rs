//! `cargo xtask verify-nest [FILTER]`: every NEST 3.10 reference case
//! (`reference/nest/<model>/<case>.json.gz`) rerun through `glif_io::nest`
//! and compared series by series, bit for bit, in f64. Exceptions are the
//! `EXCEPTIONS` table below, each with its reason (docs/NEST.md); any other
//! difference fails.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use glif_io::nest::{check_reference_case, ExpSource, NestPrecision};

/// Models whose cases are not simulated, and why. Their cases are counted
/// and reported, never passed silently. (None today: all three models are
/// checked.)
const EXCEPTIONS: [(&str, &str); 0] = [];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn load(p: &Path) -> Result<serde_json::Value, String> {
    let f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .map_err(|e| format!("{}: {e}", p.display()))?;
    serde_json::from_str(&s).map_err(|e| format!("{}: {e}", p.display()))
}

pub fn run(args: &[String]) -> ExitCode {
    let filter = args.first().map(String::as_str).unwrap_or("");
    let dir = root().join("reference/nest");
    let mut models: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            eprintln!("verify-nest: {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    models.sort();
    let (mut identical, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for mdir in models {
        let model = mdir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&mdir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.to_string_lossy().ends_with(".json.gz"));
        files.sort();
        let files: Vec<PathBuf> = files
            .into_iter()
            .filter(|p| format!("{model}/{}", p.display()).contains(filter))
            .collect();
        if let Some((_, why)) = EXCEPTIONS.iter().find(|(m, _)| *m == model) {
            skipped += files.len();
            println!("{model}: {} cases NOT CHECKED: {why}", files.len());
            continue;
        }
        let (mut ok, mut bad) = (0, 0);
        for f in &files {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let result = load(f).and_then(|c| {
                check_reference_case(&c, NestPrecision::F64, ExpSource::Std)
                    .map_err(|e| e.to_string())
            });
            match result {
                Ok(d) if d.iter().all(|s| s.identical()) => ok += 1,
                Ok(d) => {
                    bad += 1;
                    for s in d.iter().filter(|s| !s.identical()) {
                        println!(
                            "DIFF {model}/{name}: {}: {} of {} values differ (lengths {} vs {}), max rel {:e}",
                            s.name, s.differing, s.expected, s.computed, s.expected, s.max_rel
                        );
                    }
                }
                Err(e) => {
                    bad += 1;
                    println!("ERROR {model}/{name}: {e}");
                }
            }
        }
        println!(
            "{model}: {ok} of {} cases bit-identical (every recordable, times, spike times)",
            files.len()
        );
        identical += ok;
        failed += bad;
    }
    println!(
        "verify-nest: {identical} identical, {failed} failed, {skipped} not checked (see above)"
    );
    if failed == 0 && identical > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
