//! docs/ARCHITECTURE.md's rules, checked against the sources (in the manner
//! of rust-analyzer's tidy tests): each failure names the file and line.
//!
//! - No import cycle among the files of any crate of the workspace: file A
//!   refers to file B when A names a module of B (`crate::a::b`,
//!   `super::x`, `self::x`, or a child module in a `use`); those references
//!   must form no cycle.
//! - glif-io's layers: the order of `pub mod` lines in its `lib.rs` is the
//!   order of the layers; a file in a layer refers only to lower layers
//!   (`crate::LOWER::...`) and to files declared before it in its own
//!   folder's `mod.rs` (`super::EARLIER::...`), never to the crate root's
//!   re-exports.
//!
//! The reading is textual (comments and string literals are skipped, `use`
//! trees are expanded); what it cannot see (a macro building a path) it
//! does not check.

mod tidy;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tidy::{crate_modules, workspace_root, Module, Reference};

/// The crates (by folder) whose files are checked for import cycles:
/// every workspace member with a `src/`.
fn crate_dirs() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("src").is_dir())
        .collect();
    dirs.push(root.join("xtask"));
    dirs.push(root.join("benches"));
    dirs.sort();
    dirs
}

/// The file-to-file edges of one crate, each with where it was made.
fn edges(modules: &BTreeMap<Vec<String>, Module>) -> BTreeMap<PathBuf, Vec<(PathBuf, Reference)>> {
    let mut out: BTreeMap<PathBuf, Vec<(PathBuf, Reference)>> = BTreeMap::new();
    for m in modules.values() {
        for r in &m.references {
            if let Some(target) = tidy::resolve(modules, &r.path) {
                let to = &modules[&target].file;
                if to != &m.file {
                    out.entry(m.file.clone())
                        .or_default()
                        .push((to.clone(), r.clone()));
                }
            }
        }
    }
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(workspace_root())
        .unwrap_or(p)
        .display()
        .to_string()
}

/// The groups of files that refer to each other in a circle (strongly
/// connected components of more than one file), each with its references.
fn cycles(graph: &BTreeMap<PathBuf, Vec<(PathBuf, Reference)>>) -> Vec<Vec<(PathBuf, Reference)>> {
    // Files that reach each other both ways are in one group.
    let reach = |from: &Path| -> BTreeSet<PathBuf> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_path_buf()];
        while let Some(n) = todo.pop() {
            for (to, _) in graph.get(&n).into_iter().flatten() {
                if seen.insert(to.clone()) {
                    todo.push(to.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<PathBuf, BTreeSet<PathBuf>> =
        graph.keys().map(|k| (k.clone(), reach(k))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for node in graph.keys() {
        if done.contains(node) || !reaches[node].contains(node) {
            continue;
        }
        let group: BTreeSet<PathBuf> = reaches[node]
            .iter()
            .filter(|o| reaches.get(*o).is_some_and(|r| r.contains(node)))
            .cloned()
            .collect();
        let mut refs: Vec<(PathBuf, Reference)> = Vec::new();
        for f in &group {
            for (to, r) in graph.get(f).into_iter().flatten() {
                let seen = refs.iter().any(|(g, q)| g == f && q.line == r.line);
                if group.contains(to) && !seen {
                    refs.push((f.clone(), r.clone()));
                }
            }
        }
        done.extend(group);
        out.push(refs);
    }
    out
}

#[test]
fn no_import_cycle_in_any_crate() {
    let mut failures = Vec::new();
    for dir in crate_dirs() {
        let modules = crate_modules(&dir);
        assert!(!modules.is_empty(), "{}: no sources found", dir.display());
        for group in cycles(&edges(&modules)) {
            let steps: Vec<String> = group
                .iter()
                .map(|(from, r)| format!("  {}:{} refers to `{}`", rel(from), r.line, r.text))
                .collect();
            failures.push(format!(
                "{}: files that import each other in a cycle:\n{}",
                rel(&dir),
                steps.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checker itself finds a cycle when there is one, and names the files.
#[test]
fn the_cycle_check_sees_a_cycle() {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tidy-cycle/src");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("b")).unwrap();
    std::fs::write(d.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(
        d.join("a.rs"),
        "// crate::b in a comment is no reference\nuse crate::b::{c::X, Y};\n",
    )
    .unwrap();
    std::fs::write(d.join("b/mod.rs"), "mod c;\npub use c::X;\n").unwrap();
    std::fs::write(
        d.join("b/c.rs"),
        "pub struct X;\nfn f() { let s = \"crate::a\"; super::super::a::g(); }\n",
    )
    .unwrap();
    let modules = crate_modules(d.parent().unwrap());
    let found = cycles(&edges(&modules));
    assert_eq!(found.len(), 1, "{found:?}");
    let cycle = &found[0];
    let files: BTreeSet<String> = cycle
        .iter()
        .map(|(f, _)| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        files.contains("a.rs") && files.contains("c.rs"),
        "{files:?}"
    );
    // Without the back reference there is none.
    std::fs::write(d.join("b/c.rs"), "pub struct X;\n").unwrap();
    assert!(cycles(&edges(&crate_modules(d.parent().unwrap()))).is_empty());
}

/// glif-io's layer order, from its `lib.rs`: the `pub mod` lines in order.
fn glif_io_layers() -> Vec<String> {
    let lib = workspace_root().join("crates/glif-io/src/lib.rs");
    let text = std::fs::read_to_string(&lib).unwrap();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';').to_string())
        .collect()
}

#[test]
fn glif_io_files_use_only_lower_layers_and_earlier_files() {
    let dir = workspace_root().join("crates/glif-io");
    let modules = crate_modules(&dir);
    let layers = glif_io_layers();
    assert!(layers.len() >= 6, "{layers:?}");
    let rank = |name: &str| layers.iter().position(|l| l == name);
    let mut failures = Vec::new();
    for (path, m) in &modules {
        let Some(own) = path.first().and_then(|l| rank(l)) else {
            // lib.rs: it declares the layers and re-exports from them.
            continue;
        };
        // The files of a layer, in their mod.rs order.
        let siblings = &modules[&path[..1].to_vec()].children;
        let own_index = path
            .get(1)
            .and_then(|f| siblings.iter().position(|s| s == f));
        for r in &m.references {
            let Some(target) = tidy::resolve(&modules, &r.path) else {
                continue;
            };
            let at = format!("{}:{}: `{}`", rel(&m.file), r.line, r.text);
            if modules[&target].file == m.file {
                continue;
            }
            match target.first().map(|l| (l, rank(l))) {
                None => failures.push(format!(
                    "{at}: the crate root's re-exports are for users; name the layer"
                )),
                Some((_, Some(layer))) if layer > own => failures.push(format!(
                    "{at}: layer `{}` is above `{}`",
                    layers[layer], layers[own]
                )),
                Some((_, Some(layer))) if layer == own => {
                    // Within the layer: only files declared earlier, named
                    // through `super::FILE` (not through the layer's mod.rs).
                    let target_index = target
                        .get(1)
                        .and_then(|f| siblings.iter().position(|s| s == f));
                    match (own_index, target_index) {
                        (Some(i), Some(j)) if j < i => {}
                        (None, _) => {} // the layer's mod.rs re-exporting its files
                        (_, None) => failures.push(format!(
                            "{at}: names its own layer `{}` (use `super::FILE`)",
                            layers[own]
                        )),
                        (Some(_), Some(_)) => failures.push(format!(
                            "{at}: `{}` is not declared before `{}` in {}/mod.rs",
                            target[1], path[1], layers[own]
                        )),
                    }
                }
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn glif_io_has_about_seven_public_modules_each_a_folder() {
    let layers = glif_io_layers();
    let src = workspace_root().join("crates/glif-io/src");
    assert!(
        layers.len() <= 8,
        "glif-io has {} public modules: {layers:?}",
        layers.len()
    );
    for l in &layers {
        assert!(
            src.join(l).join("mod.rs").is_file(),
            "crates/glif-io/src/{l}/mod.rs: missing (each layer is a folder)"
        );
        let text = std::fs::read_to_string(src.join(l).join("mod.rs")).unwrap();
        assert!(
            text.starts_with("//!"),
            "crates/glif-io/src/{l}/mod.rs:1: no module doc"
        );
        for (i, line) in text.lines().enumerate() {
            assert!(
                !line.trim_start().starts_with("pub mod "),
                "crates/glif-io/src/{l}/mod.rs:{}: `{line}`: files are private behind `pub use`",
                i + 1
            );
        }
    }
}

/// glif-io's messages say what is wrong in the library's terms; each front
/// end adds its own hint (a flag in the CLI: `CliError::hint`, from
/// `glif_io::Fix`). So no string in glif-io's code names a command-line
/// flag (`--name`) or a `glif` command.
#[test]
fn glif_io_messages_name_no_cli_flag() {
    let src = workspace_root().join("crates/glif-io/src");
    let mut failures = Vec::new();
    let mut files = Vec::new();
    tidy::rust_files(&src, &mut files);
    for file in files {
        let name = rel(&file);
        let text = std::fs::read_to_string(&file).unwrap();
        let code = tidy::strip_comments(&text);
        // The string literals alone: where the text with strings kept
        // differs from the text with strings blanked.
        let strings: String = code
            .chars()
            .zip(tidy::blank(&text).chars())
            .map(|(c, b)| {
                if c == b && c != '"' && c != '\n' {
                    ' '
                } else {
                    c
                }
            })
            .collect();
        for ((i, line), literal) in code.lines().enumerate().zip(strings.lines()) {
            let flag = literal.match_indices("--").any(|(k, _)| {
                literal[k + 2..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_lowercase())
            });
            let command = ["\"glif ", "(glif ", "glif:"]
                .iter()
                .any(|t| literal.contains(t));
            if flag || command {
                failures.push(format!("{name}:{}: `{}`", i + 1, line.trim()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "library messages naming the CLI:\n{}",
        failures.join("\n")
    );
}

/// Each published library crate's README is its crate documentation (so
/// the README's examples are doctests) and it denies `missing_docs`.
#[test]
fn published_libraries_document_themselves_from_their_readme() {
    let mut failures = Vec::new();
    for dir in crate_dirs() {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
        let lib = dir.join("src/lib.rs");
        if manifest.contains("publish = false") || !lib.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&lib).unwrap();
        for needed in [
            "#![doc = include_str!(\"../README.md\")]",
            "#![deny(missing_docs)]",
        ] {
            if !text.contains(needed) {
                failures.push(format!("{}:1: no `{needed}`", rel(&lib)));
            }
        }
        if !dir.join("README.md").is_file() {
            failures.push(format!("{}: no README.md", rel(&dir)));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// docs/ARCHITECTURE.md's "may depend on / must not" table, read from the
/// document, against `cargo metadata`: each crate's normal (not dev, not
/// build) dependencies are among its row's allowed names (a row naming none
/// sets no limit), and none is a forbidden name (of any kind, unless the
/// row says "(a dev-dependency" after it).
#[test]
fn crates_depend_only_on_what_the_architecture_allows() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut normal: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut any_kind: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in meta["packages"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap().to_string();
        for d in p["dependencies"].as_array().unwrap() {
            // A renamed dependency by the name the crate uses (`hdf5`).
            let dep = d["rename"]
                .as_str()
                .or(d["name"].as_str())
                .unwrap()
                .to_string();
            any_kind
                .entry(name.clone())
                .or_default()
                .insert(dep.clone());
            if d["kind"].is_null() {
                normal.entry(name.clone()).or_default().insert(dep);
            }
        }
    }
    // The package name of each crate folder.
    let root = workspace_root();
    let folder_to_name: BTreeMap<String, String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str()?);
            let dir = manifest.parent()?.strip_prefix(&root).ok()?;
            Some((dir.display().to_string(), p["name"].as_str()?.to_string()))
        })
        .collect();
    let mut failures = Vec::new();
    let rows = dependency_table();
    assert!(
        rows.len() >= 9,
        "docs/ARCHITECTURE.md: the dependency table has {} rows",
        rows.len()
    );
    for row in &rows {
        let doc = format!("docs/ARCHITECTURE.md:{}", row.line);
        let Some(krate) = folder_to_name.get(row.folder.trim_end_matches('/')) else {
            if row.folder != "firmware/" {
                failures.push(format!(
                    "{doc}: `{}` is no crate of the workspace",
                    row.folder
                ));
            }
            continue;
        };
        let manifest = format!("{}/Cargo.toml", row.folder);
        if !row.allowed.is_empty() {
            for d in normal.get(krate).into_iter().flatten() {
                if !row.allowed.contains(d) {
                    failures.push(format!(
                        "{manifest}: depends on `{d}`, not in its row ({doc})"
                    ));
                }
            }
        }
        for (d, dev_allowed) in &row.forbidden {
            let deps = if *dev_allowed { &normal } else { &any_kind };
            if deps.get(krate).is_some_and(|ds| ds.contains(d)) {
                failures.push(format!(
                    "{manifest}: depends on `{d}`, which its row forbids ({doc})"
                ));
            }
        }
    }
    // glif-reference is test support: only xtask and benches may depend on
    // it outside [dev-dependencies].
    for (krate, ds) in &normal {
        if ds.contains("glif-reference") && !["xtask", "glif-benches"].contains(&krate.as_str()) {
            failures.push(format!(
                "{krate}: glif-reference as a normal dependency (tests only)"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The front ends own no copy of a library type: no enum, struct or trait
/// in glif-cli or glif-py has the name of one of glif-io's public types
/// (the Python package once had its own `Record`, converted back to
/// glif-io's).
#[test]
fn front_ends_define_no_type_glif_io_has() {
    // Different things under one name, each explained.
    const SAME_NAME_OTHER_THING: &[(&str, &str)] = &[(
        "ExpSource",
        "glif-py's is numpy's exp or libm for Allen models; glif-io's (nest) is std or libm for NEST's propagators",
    )];
    let defined = |dir: &Path| -> Vec<(String, PathBuf, usize)> {
        let mut out = Vec::new();
        let mut files = Vec::new();
        tidy::rust_files(dir, &mut files);
        for f in files {
            let code = tidy::blank(&std::fs::read_to_string(&f).unwrap());
            for (i, line) in code.lines().enumerate() {
                let words: Vec<&str> = line.split_whitespace().collect();
                for w in words.windows(2) {
                    if ["enum", "struct", "trait"].contains(&w[0]) {
                        let name: String = w[1]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        out.push((name, f.clone(), i + 1));
                    }
                }
            }
        }
        out
    };
    let root = workspace_root();
    let library: BTreeSet<String> = defined(&root.join("crates/glif-io/src"))
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    let mut failures = Vec::new();
    for front in ["crates/glif-cli/src", "crates/glif-py/src"] {
        for (name, file, line) in defined(&root.join(front)) {
            if library.contains(&name) && !SAME_NAME_OTHER_THING.iter().any(|(n, _)| *n == name) {
                failures.push(format!(
                    "{}:{line}: `{name}` is glif-io's; use it",
                    rel(&file)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the CLI must not hold, as text in its code (comments skipped,
/// string literals kept): each is glif-io's, and the CLI calls it.
const NOT_IN_THE_CLI: &[(&str, &str)] = &[
    // The generated-stimulus specification: glif_io::stimulus::GeneratedStimulus.
    ("Generator::", "samples of a generated stimulus made here (glif_io::stimulus::GeneratedStimulus::generator)"),
    ("fn default_width", "a generated stimulus's default width (glif_io::stimulus::Generated::default_width)"),
    ("DEFAULT_START", "a generated stimulus's default onset defined here (glif_io::stimulus::DEFAULT_START)"),
    ("\"square step of", "a generated stimulus's description (glif_io::stimulus::Generated::describe)"),
    ("a ramp needs", "the ramp's width check (glif_io::stimulus::Generated::generator)"),
    // The `run.stimulus` record of result files.
    ("\"amplitude_A\"", "the run.stimulus record (glif_io::stimulus::stimulus_record)"),
    ("\"start_s\"", "the run.stimulus record (glif_io::stimulus::stimulus_record)"),
    // Format and extension rules.
    (".extension()", "a rule by extension (glif_io::formats::Format::of_path, glif_io::batch::SummaryFormat, StimulusOptions::streams)"),
    ("\".npz.gz", "an extension rule (glif_io::formats::Format::of_path)"),
    ("eq_ignore_ascii_case(\"", "an extension rule (glif-io's formats)"),
    // The rule table's keys.
    ("_method\"", "a rule key (glif_io::Methods::KEYS)"),
    ("\"AScurrent_", "a rule key (glif_io::Methods::KEYS)"),
    // Engine dispatch: glif-io's models choose the engine.
    ("glif_core::", "glif-core named in the CLI (engine dispatch is glif_io::AnyPrecisionModel's)"),
    ("AnyModel::", "a model variant chosen here (glif_io::AnyPrecisionModel::new, From)"),
    ("AnyPrecisionModel::F", "a precision variant chosen here (glif_io::AnyPrecisionModel::new, From)"),
    ("DynRules", "run-time rule dispatch here (glif_io's model layer)"),
];

/// The CLI's files where a listed text is the CLI's own, each with why.
const CLI_OWN: &[(&str, &str, &str)] = &[(
    "crates/glif-cli/src/plot.rs",
    ".extension()",
    "the plot's SVG or PNG by extension: plotting is the CLI's one capability",
)];

/// The front ends own nothing: the CLI's sources hold no generated-stimulus
/// specification, `run.stimulus` record, format or extension rule, rule key
/// table or engine dispatch (docs/ARCHITECTURE.md, "Where each capability
/// lives"). A failure names the file and line.
#[test]
fn the_cli_holds_no_library_capability() {
    let failures = front_end_holdings(
        &workspace_root().join("crates/glif-cli/src"),
        NOT_IN_THE_CLI,
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What the Python package's Rust sources must not hold: the engine
/// dispatch from a config's number of after-spike currents or rules to a
/// model type is glif-io's, and the package hands its Python rules to it.
const NOT_IN_THE_PYTHON_PACKAGE: &[(&str, &str)] = &[
    ("model_with_custom_rules", "a custom-rule model built for a current count chosen here (glif_io::run_custom_rules_model)"),
    ("asc_count() {", "a model chosen by its number of currents here (glif_io::run_custom_rules_model, AnyModel::new)"),
    ("MAX_ASC_CURRENTS", "the supported current counts spelled here (glif_io::run_custom_rules_model)"),
    ("DynRules", "run-time rule dispatch here (glif_io's model layer)"),
    ("AnyModel::General", "a model variant chosen here (glif_io::AnyModel::new)"),
    ("AnyModel::Glif", "a model variant chosen here (glif_io::AnyModel::new)"),
];

/// The Python package holds no engine dispatch (issue 23: its
/// `run_custom`'s 0..=4 dispatch and error text moved to glif-io). A
/// failure names the file and line.
#[test]
fn the_python_package_holds_no_engine_dispatch() {
    let dir = workspace_root().join("crates/glif-py/src");
    let failures = front_end_holdings(&dir, NOT_IN_THE_PYTHON_PACKAGE);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn front_end_holdings(dir: &Path, not_here: &[(&str, &str)]) -> Vec<String> {
    let mut files = Vec::new();
    tidy::rust_files(dir, &mut files);
    let mut failures = Vec::new();
    for file in files {
        let name = rel(&file);
        let code = tidy::strip_comments(&std::fs::read_to_string(&file).unwrap());
        for (i, line) in code.lines().enumerate() {
            for (text, what) in not_here {
                let own = CLI_OWN.iter().any(|(f, t, _)| *f == name && t == text);
                if line.contains(text) && !own {
                    failures.push(format!("{name}:{}: `{}`: {what}", i + 1, line.trim()));
                }
            }
        }
    }
    failures
}

/// The check above sees each kind of holding, and names file and line.
#[test]
fn the_front_end_check_sees_a_holding() {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("tidy-front/src");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("a.rs"),
        "// Generator:: in a comment is no holding\nfn f() {}\nlet g = Generator::square(1.0);\nlet k = \"voltage_reset_method\";\nmatch p.extension() {}\nlet m = glif_core::levels::Glif1;\n",
    )
    .unwrap();
    let found = front_end_holdings(&d, NOT_IN_THE_CLI);
    assert_eq!(found.len(), 4, "{found:?}");
    for (k, line) in [3, 4, 5, 6].iter().enumerate() {
        assert!(found[k].contains(&format!("a.rs:{line}:")), "{found:?}");
    }
    std::fs::write(
        d.join("a.rs"),
        "let r = RunResult::new(model.asc_count(), n);\nmatch config.asc_count() {\n",
    )
    .unwrap();
    let found = front_end_holdings(&d, NOT_IN_THE_PYTHON_PACKAGE);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("a.rs:2:"), "{found:?}");
}

/// The Python package's `METHOD_LIBRARY` (with `EXTRA_METHOD_LIBRARY`, the
/// rules AllenSDK does not register) names exactly the rule table's rules,
/// family by family, each with the table's parameter names
/// (`glif_io::model::rule_table`). Read from the package's source as text:
/// the `families` literal of `_library()` and the `_BuiltinRule(...)`
/// calls of `EXTRA_METHOD_LIBRARY`.
#[test]
fn python_method_library_is_the_rule_table() {
    let path = "crates/glif-py/python/glif_rs/__init__.py";
    let text = std::fs::read_to_string(workspace_root().join(path)).unwrap();
    let line_of = |at: usize| text[..at].lines().count() + 1;
    let python = python_method_library(&text).unwrap_or_else(|e| panic!("{path}:{e}"));
    let table: BTreeMap<String, BTreeMap<String, Vec<String>>> = glif_io::model::rule_table()
        .into_iter()
        .map(|(family, rules)| {
            let rules = rules
                .into_iter()
                .map(|(name, params)| {
                    (
                        name.to_string(),
                        params.into_iter().map(String::from).collect(),
                    )
                })
                .collect();
            (family.to_string(), rules)
        })
        .collect();
    let at = text.find("def _library").map(line_of).unwrap_or(1);
    let mut failures = Vec::new();
    for (family, rules) in &table {
        for (name, params) in rules {
            match python.get(family).and_then(|r| r.get(name)) {
                None => failures.push(format!(
                    "{path}:{at}: {family} has no `{name}` (the rule table has it)"
                )),
                Some(p) if p != params => failures.push(format!(
                    "{path}:{at}: {family} `{name}` has parameters {p:?}, the rule table {params:?}"
                )),
                Some(_) => {}
            }
        }
    }
    for (family, rules) in &python {
        for name in rules.keys() {
            if !table.get(family).is_some_and(|r| r.contains_key(name)) {
                failures.push(format!(
                    "{path}:{at}: {family} `{name}` is not in the rule table"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// family -> rule -> parameter names, from the Python source.
type Library = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// `METHOD_LIBRARY` and `EXTRA_METHOD_LIBRARY` of `glif_rs/__init__.py`.
/// An error names the line it could not read.
fn python_method_library(text: &str) -> Result<Library, String> {
    let line_of = |at: usize| text[..at].lines().count() + 1;
    // `families = {...}` in `_library()`: a literal of strings, dicts and
    // tuples, which is JSON once tuples are lists without trailing commas.
    let def = text.find("def _library").ok_or("1: no `def _library`")?;
    let open = def
        + text[def..]
            .find("families = {")
            .ok_or(format!("{}: no `families = {{`", line_of(def)))?
        + "families = ".len();
    let mut depth = 0;
    let mut close = None;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    close = Some(open + i + 1);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close.ok_or(format!("{}: `families` not closed", line_of(open)))?;
    let mut json: String = text[open..close]
        .chars()
        .map(|c| match c {
            '(' => '[',
            ')' => ']',
            c => c,
        })
        .collect();
    for (from, to) in [(",]", "]"), (",}", "}")] {
        loop {
            let squeezed: String = json.split_whitespace().collect::<Vec<_>>().join("");
            json = squeezed.replace(from, to);
            if !json.contains(from) {
                break;
            }
        }
    }
    let mut library: Library = serde_json::from_str(&json)
        .map_err(|e| format!("{}: `families` is not a plain literal: {e}", line_of(open)))?;
    // EXTRA_METHOD_LIBRARY: `_BuiltinRule("FAMILY", "NAME", (PARAMS))`.
    let extra = text
        .find("EXTRA_METHOD_LIBRARY = {")
        .ok_or("1: no `EXTRA_METHOD_LIBRARY = {`")?;
    let end = extra
        + text[extra..]
            .find("\n}")
            .ok_or(format!("{}: not closed", line_of(extra)))?;
    for (k, _) in text[extra..end].match_indices("_BuiltinRule(") {
        let at = extra + k + "_BuiltinRule(".len();
        let args_end = at
            + text[at..]
                .find("))")
                .ok_or(format!("{}: `_BuiltinRule(` not closed", line_of(at)))?;
        let args = &text[at..args_end + 1];
        let strings: Vec<String> = args
            .split('"')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect();
        let [family, name, params @ ..] = strings.as_slice() else {
            return Err(format!(
                "{}: expected _BuiltinRule(\"FAMILY\", \"NAME\", (...))",
                line_of(at)
            ));
        };
        library
            .entry(family.clone())
            .or_default()
            .insert(name.clone(), params.to_vec());
    }
    Ok(library)
}

/// The reader above reads the Python literal's shape, and a rule missing
/// from it or with other parameters is a failure.
#[test]
fn the_method_library_reader_reads_the_literal() {
    let text = "def _library():\n    families = {\n        \"a\": {\"x\": (), \"y\": (\"p\", \"q\")},\n        \"b\": {\"z\": (\"r\",)},\n    }\n\nEXTRA_METHOD_LIBRARY = {\n    \"a\": {\n        \"w\": _BuiltinRule(\"a\", \"w\", ()),\n    }\n}\n";
    let lib = python_method_library(text).unwrap();
    assert_eq!(lib["a"]["y"], ["p", "q"]);
    assert_eq!(lib["b"]["z"], ["r"]);
    assert!(
        lib["a"]["x"].is_empty() && lib["a"]["w"].is_empty(),
        "{lib:?}"
    );
    assert!(python_method_library("families = {").is_err());
}

/// A row of docs/ARCHITECTURE.md's dependency table.
#[derive(Debug)]
struct DependencyRow {
    /// 1-based line in the document.
    line: usize,
    /// The crate's folder (`crates/glif-io`, `xtask`).
    folder: String,
    /// The names the row allows (empty: no limit).
    allowed: BTreeSet<String>,
    /// The names it forbids, each with whether a dev-dependency is allowed.
    forbidden: Vec<(String, bool)>,
}

/// The dependency table of docs/ARCHITECTURE.md: the rows after the
/// `| crate | may depend on | must not |` header. In each cell the names in
/// backquotes outside parentheses count; what is in parentheses explains.
fn dependency_table() -> Vec<DependencyRow> {
    let text = std::fs::read_to_string(workspace_root().join("docs/ARCHITECTURE.md")).unwrap();
    let start = text
        .lines()
        .position(|l| l.starts_with("| crate | may depend on | must not |"))
        .expect("docs/ARCHITECTURE.md: no `| crate | may depend on | must not |` table");
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(start + 2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
        let [krate, may, never] = cells.as_slice() else {
            panic!("docs/ARCHITECTURE.md:{}: expected three cells", i + 1);
        };
        let folder = named(krate)
            .into_iter()
            .next()
            .map(|(n, _)| n)
            .unwrap_or_else(|| {
                panic!(
                    "docs/ARCHITECTURE.md:{}: no crate folder in backquotes",
                    i + 1
                )
            });
        rows.push(DependencyRow {
            line: i + 1,
            folder,
            allowed: named(may).into_iter().map(|(n, _)| n).collect(),
            forbidden: named(never),
        });
    }
    rows
}

/// The backquoted names of `cell` outside parentheses, each with whether
/// the parenthesis right after it begins "(a dev-dependency".
fn named(cell: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut rest = cell;
    while let Some(c) = rest.chars().next() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            '`' if depth == 0 => {
                if let Some(end) = rest[1..].find('`') {
                    let name = rest[1..1 + end].to_string();
                    rest = &rest[end + 2..];
                    let dev = rest.trim_start().starts_with("(a dev-dependency");
                    out.push((name, dev));
                    continue;
                }
            }
            _ => {}
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// The table reader takes names outside parentheses only.
#[test]
fn the_dependency_table_reader_skips_explanations() {
    let n = named(" `a` (and `b`), `c` (a dev-dependency for tests), optional `d` ");
    assert_eq!(
        n,
        [
            ("a".to_string(), false),
            ("c".to_string(), true),
            ("d".to_string(), false)
        ]
    );
}

/// A row of docs/ARCHITECTURE.md's "Where each capability lives" table.
#[derive(Debug)]
struct CapabilityRow {
    line: usize,
    /// The items the capability cell names in backquotes (identifiers).
    items: Vec<String>,
    /// The home files and folders, from the repository root.
    homes: Vec<PathBuf>,
}

fn capability_table() -> Vec<CapabilityRow> {
    let text = std::fs::read_to_string(workspace_root().join("docs/ARCHITECTURE.md")).unwrap();
    let start = text
        .lines()
        .position(|l| l.starts_with("| capability | home |"))
        .expect("docs/ARCHITECTURE.md: no `| capability | home |` table");
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(start + 2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.trim_matches('|').split('|').collect();
        let [what, home] = cells.as_slice() else {
            panic!("docs/ARCHITECTURE.md:{}: expected two cells", i + 1);
        };
        let items = backquoted(what)
            .into_iter()
            .filter_map(|t| {
                let t = t.trim_end_matches("()");
                let last = t.rsplit("::").next()?;
                let ident = !last.is_empty()
                    && last.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !last.starts_with(|c: char| c.is_ascii_digit());
                // A one-word lower-case name (`exp`, `dt`, `run`) is too
                // common to be one thing; distinctive names only.
                let distinctive =
                    last.contains('_') || last.chars().any(|c| c.is_ascii_uppercase());
                (ident && distinctive).then(|| last.to_string())
            })
            .collect();
        let mut homes: Vec<PathBuf> = Vec::new();
        for t in backquoted(home) {
            for p in expand_braces(&t) {
                if !(p.contains('/') || p.ends_with(".rs")) {
                    continue;
                }
                let root = workspace_root();
                let full = if p.starts_with("glif-") {
                    PathBuf::from("crates").join(&p)
                } else if root.join(&p).exists() || homes.is_empty() {
                    PathBuf::from(&p)
                } else {
                    // Relative to the first home's folder, or its crate's `src/`.
                    let first = &homes[0];
                    let base = if first.extension().is_some() {
                        first.parent().unwrap().to_path_buf()
                    } else {
                        first.clone()
                    };
                    let src = base
                        .ancestors()
                        .find(|a| a.ends_with("src"))
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| base.clone());
                    if root.join(&base).join(&p).exists() || !root.join(&src).join(&p).exists() {
                        base.join(&p)
                    } else {
                        src.join(&p)
                    }
                };
                homes.push(full);
            }
        }
        rows.push(CapabilityRow {
            line: i + 1,
            items,
            homes,
        });
    }
    rows
}

fn backquoted(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

/// `a/{b,c}.rs` -> `a/b.rs`, `a/c.rs`.
fn expand_braces(t: &str) -> Vec<String> {
    match (t.find('{'), t.find('}')) {
        (Some(a), Some(b)) if a < b => t[a + 1..b]
            .split(',')
            .map(|m| format!("{}{}{}", &t[..a], m, &t[b + 1..]))
            .collect(),
        _ => vec![t.to_string()],
    }
}

/// Where an item is defined (`fn`, `struct`, `enum`, `trait`, `const`,
/// `type`, `static`), in the workspace's sources (not tests).
fn definitions() -> BTreeMap<String, Vec<(PathBuf, usize)>> {
    let root = workspace_root();
    let mut out: BTreeMap<String, Vec<(PathBuf, usize)>> = BTreeMap::new();
    for dir in crate_dirs() {
        let mut files = Vec::new();
        tidy::rust_files(&dir.join("src"), &mut files);
        for f in files {
            let code = tidy::blank(&std::fs::read_to_string(&f).unwrap());
            // Items of `#[cfg(test)]` modules are the tests' own.
            let code = match code.find("#[cfg(test)]") {
                Some(k) => &code[..k],
                None => &code[..],
            };
            for (i, line) in code.lines().enumerate() {
                let words: Vec<&str> = line.split_whitespace().collect();
                for w in words.windows(2) {
                    if ["fn", "struct", "enum", "trait", "const", "type", "static"].contains(&w[0])
                    {
                        let name: String = w[1]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        let rel = f.strip_prefix(&root).unwrap().to_path_buf();
                        out.entry(name).or_default().push((rel, i + 1));
                    }
                }
            }
        }
    }
    out
}

/// Each row of "Where each capability lives": its home files exist, and
/// every item it names that the workspace defines is defined in its home
/// (in one place: not also elsewhere). A failure names the document's line
/// and the file and line of the stray definition.
#[test]
fn each_capability_lives_where_the_architecture_says() {
    // Names a row uses that are also, legitimately, other things elsewhere
    // (a method of another type, a front end's own function), each with
    // where and why.
    const OTHER_THINGS: &[(&str, &str, &str)] = &[
        (
            "CHUNK",
            "crates/glif-core/tests",
            "a test's own chunk length",
        ),
        (
            "simulate_neuron",
            "crates/glif-py/src",
            "the Python package's function of AllenSDK's name, which calls glif-io's",
        ),
        (
            "run_many",
            "crates/glif-fit/src/optimizer.rs",
            "AllenSDK's GlifOptimizer.run_many (the optimizer's restarts), not the Python package's run_many of many models",
        ),
        (
            "run_many",
            "crates/glif-py/src",
            "the Python package's run_many of many models (AllenSDK's name), not the optimizer's GlifOptimizer.run_many",
        ),
    ];
    let root = workspace_root();
    let defs = definitions();
    let mut failures = Vec::new();
    let rows = capability_table();
    assert!(
        rows.len() >= 30,
        "docs/ARCHITECTURE.md: {} capability rows",
        rows.len()
    );
    for row in &rows {
        let doc = format!("docs/ARCHITECTURE.md:{}", row.line);
        for h in &row.homes {
            if !root.join(h).exists() {
                failures.push(format!("{doc}: home `{}` does not exist", h.display()));
            }
        }
        for item in &row.items {
            let Some(places) = defs.get(item) else {
                continue;
            };
            let at_home = |file: &Path| row.homes.iter().any(|h| file.starts_with(h));
            // Only what the home defines lives there; a row may also name
            // what its capability uses.
            if !places.iter().any(|(f, _)| at_home(f)) {
                continue;
            }
            for (file, line) in places {
                let other = OTHER_THINGS
                    .iter()
                    .any(|(n, f, _)| n == item && file.starts_with(f));
                if !at_home(file) && !other {
                    failures.push(format!(
                        "{}:{line}: defines `{item}` too, which {doc} says lives in {}",
                        file.display(),
                        row.homes
                            .iter()
                            .map(|h| h.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n({} failures)",
        failures.join("\n"),
        failures.len()
    );
}

/// The public `*_with*` functions docs/ARCHITECTURE.md ("Option structs,
/// one name per concept") keeps, each a different operation rather than a
/// variant with more settings.
const KEPT_WITH_FUNCTIONS: [&str; 5] = [
    // A value: the voltage trace with NaN replaced.
    "voltage_with_spike_cut_value",
    // A model whose rule in each family is the config's or the caller's
    // (`BuiltinOr`; the Python package's custom rules).
    "model_with_custom_rules",
    // Least squares whose model has an intercept column.
    "lstsq_with_intercept",
    // Test helpers: a level run with a given recorder (glif-core's tests);
    // the command fails with this code and these messages (glif-cli's).
    "run_level_with",
    "fails_with",
];

/// The files whose `#[allow(clippy::too_many_arguments)]` docs/ARCHITECTURE.md
/// keeps, with the reason there.
const KEPT_TOO_MANY_ARGUMENTS: [&str; 9] = [
    "crates/glif-core/src/population.rs",
    "crates/glif-core/tests/plain/mod.rs",
    "crates/glif-fit/src/asc.rs",
    "crates/glif-fit/src/forced.rs",
    "crates/glif-fit/src/threshold.rs",
    "crates/glif-py/src/fit.rs",
    "crates/glif-py/src/lib.rs",
    "crates/glif-py/src/many.rs",
    "crates/glif-py/src/nest.rs",
];

/// The library crates, whose public free functions are their API.
const LIBRARY_CRATES: [&str; 5] = [
    "crates/glif-core",
    "crates/glif-io",
    "crates/glif-fit",
    "crates/glif-firmware-cases",
    "crates/glif-reference",
];

/// Settings are one options struct, not a `foo` / `foo_with` pair or a long
/// argument list; the library crates have no public free function named
/// plain `run` (each says what it runs: `run_samples`, `run_source`,
/// `run_model`, ...).
#[test]
fn settings_are_option_structs_and_each_name_says_what_it_does() {
    let root = workspace_root();
    let mut failures = Vec::new();
    for dir in crate_dirs() {
        let library = LIBRARY_CRATES.iter().any(|c| root.join(c) == dir);
        let mut files = Vec::new();
        for sub in ["src", "tests", "benches"] {
            if dir.join(sub).is_dir() {
                tidy::rust_files(&dir.join(sub), &mut files);
            }
        }
        for file in files {
            let name = rel(&file);
            let code = tidy::strip_comments(&std::fs::read_to_string(&file).unwrap());
            for (i, line) in code.lines().enumerate() {
                let at = format!("{name}:{}: `{}`", i + 1, line.trim());
                let t = line.trim_start();
                if let Some(rest) = t.strip_prefix("pub fn ") {
                    let f: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    let with = f.contains("_with_") || f.ends_with("_with");
                    if with && !KEPT_WITH_FUNCTIONS.contains(&f.as_str()) {
                        failures.push(format!("{at}: a `*_with*` variant (an options struct?)"));
                    }
                    if library && f == "run" && !line.starts_with(' ') {
                        failures.push(format!("{at}: a free `run` (name what it runs)"));
                    }
                }
                if t.starts_with("#[allow(clippy::too_many_arguments)]")
                    && !KEPT_TOO_MANY_ARGUMENTS.contains(&name.as_str())
                {
                    failures.push(format!("{at}: too many arguments (an options struct?)"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "docs/ARCHITECTURE.md, \"Option structs\":\n{}",
        failures.join("\n")
    );
}
