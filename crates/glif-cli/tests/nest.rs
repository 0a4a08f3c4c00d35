//! `glif nest`: output layout, no clobbering, exit status 2 naming the key.

use std::path::Path;
use std::process::Command;

fn glif() -> Command {
    Command::new(env!("CARGO_BIN_EXE_glif"))
}

/// `glif nest --model MODEL --resolution R --duration D [--dc DC] --params
/// PARAMS [--spikes SPIKES] --output OUTPUT`.
fn nest(
    model: &str,
    (resolution, duration, dc): (&str, &str, Option<&str>),
    params: &Path,
    spikes: Option<&Path>,
    output: &Path,
) -> Command {
    let mut c = glif();
    c.args([
        "nest",
        "--model",
        model,
        "--resolution",
        resolution,
        "--duration",
        duration,
    ]);
    if let Some(dc) = dc {
        c.args(["--dc", dc]);
    }
    c.arg("--params").arg(params);
    if let Some(spikes) = spikes {
        c.arg("--spikes").arg(spikes);
    }
    c.arg("--output").arg(output);
    c
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("glif-cli-nest-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn runs_and_refuses_bad_input_with_exit_2() {
    let p = tmp("p.json");
    std::fs::write(&p, r#"{"V_m": -60.0, "tau_syn": [2.0, 1.0]}"#).unwrap();
    let s = tmp("s.json");
    std::fs::write(
        &s,
        r#"[{"port": 2, "times": [1.0, 1.5], "weights": [300.0, -100.0]}]"#,
    )
    .unwrap();
    let out = tmp("out.json");
    let _ = std::fs::remove_file(&out);
    let args = |o: &Path| nest("glif_psc", ("0.1", "5", Some("-20")), &p, Some(&s), o);
    let st = args(&out).status().unwrap();
    assert!(st.success());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    // The times, every recordable glif_psc offers in NEST 3.10, the spikes.
    let recordables = glif_io::nest::NestModel::GlifPsc.recordables();
    assert!(recordables.contains(&"I_syn"), "{recordables:?}");
    for k in ["times", "spike_times"].iter().chain(recordables) {
        assert!(keys.contains(k), "{k}");
    }
    assert_eq!(v["times"].as_array().unwrap().len(), 50);
    assert_eq!(v["I"][0].as_f64(), Some(-20.0));
    // No clobbering without --force.
    let o = args(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    // An unknown key: exit 2, the key named.
    std::fs::write(&p, r#"{"tau": 2.0}"#).unwrap();
    let o = args(&tmp("out2.json")).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("tau"));
}

#[test]
fn convert_writes_a_dict_glif_nest_runs() {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../reference/configs/osb/566283540_neuron_config.json"
    );
    let p = tmp("converted.json");
    let _ = std::fs::remove_file(&p);
    let st = glif()
        .args([
            "convert",
            "--to",
            "nest",
            "--model",
            "glif_psc",
            "--tau-syn",
            "5.5,8.5",
            "--config",
            config,
        ])
        .arg("--output")
        .arg(&p)
        .status()
        .unwrap();
    assert!(st.success());
    let d: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(d["tau_syn"], serde_json::json!([5.5, 8.5]));
    assert_eq!(d["adapting_threshold"], serde_json::json!(true));
    let out = tmp("converted-out.json");
    let _ = std::fs::remove_file(&out);
    let st = nest("glif_psc", ("0.1", "100", Some("200")), &p, None, &out)
        .status()
        .unwrap();
    assert!(st.success());
    // A key for another model is refused with exit status 2.
    let o = glif()
        .args([
            "convert", "--to", "nest", "--model", "glif_psc", "--e-rev", "0,-85", "--config",
            config,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("E_rev"));
}

/// `glif nest --model glif_cond` on a committed NEST 3.10 case (GLIF4,
/// DC, a set V_m, input spikes, two output spikes): OUT.json holds `g_1`..`g_3`
/// and equals NEST's output bit for bit.
#[test]
fn glif_cond_runs_and_matches_a_nest_case() {
    let case = nest_case("glif_cond/L4_vm_dc_r0p1.json.gz");
    let (mut command, out, p) = case_command(&case, "cond", "glif_cond");
    let o = command.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let want = case["out"].as_object().unwrap();
    let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), want.len(), "{keys:?}");
    for (k, v) in want {
        let a: Vec<u64> = got[k.as_str()]
            .as_array()
            .unwrap_or_else(|| panic!("{k} missing"))
            .iter()
            .map(|x| x.as_f64().unwrap().to_bits())
            .collect();
        let b: Vec<u64> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap().to_bits())
            .collect();
        assert_eq!(a, b, "{k}");
    }
    assert_eq!(want["spike_times"].as_array().unwrap().len(), 2);
    // glif_cond's conductance is g_m: `g` is refused, exit 2, naming it.
    std::fs::write(&p, r#"{"g": 5.0}"#).unwrap();
    let o = nest(
        "glif_cond",
        ("0.1", "1", None),
        &p,
        None,
        &tmp("cond-out2.json"),
    )
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("g_m"));
}

/// `glif nest --current C.json` (a step_current_generator) on a committed
/// NEST 3.10 case from a real Allen GLIF5 model (step current with a 1 ms
/// delay, DC, input spikes of both signs, 1 s at 0.025 ms): every series of
/// OUT.json has the SHA-256 of NEST's, and the spike times are NEST's.
#[test]
fn step_current_run_matches_a_nest_case() {
    let case = nest_case("glif_psc/allen_L5_02_r0p025.json.gz");
    assert!(case["current"].is_object(), "the case has a step current");
    let c = tmp("scg-c.json");
    std::fs::write(&c, case["current"].to_string()).unwrap();
    let (mut command, out, _) = case_command(&case, "scg", "glif_psc");
    let o = command.arg("--current").arg(&c).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    for (k, want) in case["out"].as_object().unwrap() {
        let values: Vec<f64> = got[k.as_str()]
            .as_array()
            .unwrap_or_else(|| panic!("{k} missing"))
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        if k == "spike_times" {
            let want: Vec<f64> = want
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            assert_eq!(values, want, "spike_times");
            assert!(values.len() >= 10, "tens of spikes: {}", values.len());
            continue;
        }
        let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        let digest: String = glif_io::nest::sha256(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, want["sha256"].as_str().unwrap(), "{k}");
    }
    // Without the current the run is another one.
    let (mut command, out2, _) = case_command(&case, "scg2", "glif_psc");
    let o = command.output().unwrap();
    assert!(o.status.success());
    let got2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out2).unwrap()).unwrap();
    assert_ne!(got2["I"], got["I"]);
}

/// A bad C.json is refused naming the field.
#[test]
fn bad_step_current_names_the_field() {
    let p = tmp("scg-bad-p.json");
    std::fs::write(&p, "{}").unwrap();
    for (body, field) in [
        (
            r#"{"amplitude_times": [1.0, 0.5], "amplitude_values": [1, 2]}"#,
            "amplitude_times[1]",
        ),
        (
            r#"{"amplitude_times": [0.05], "amplitude_values": [1]}"#,
            "amplitude_times[0]",
        ),
        (
            r#"{"amplitude_times": [1.0], "amplitude_values": [1, 2]}"#,
            "amplitude_values",
        ),
        (
            r#"{"amplitude_times": [1.0], "amplitude_values": [1], "delay": 0}"#,
            "delay",
        ),
        (
            r#"{"amplitude_times": [1.0], "amplitude_values": [1], "delai": 1}"#,
            "delai",
        ),
    ] {
        let c = tmp("scg-bad-c.json");
        std::fs::write(&c, body).unwrap();
        let out = tmp("scg-bad-out.json");
        let _ = std::fs::remove_file(&out);
        let o = nest("glif_psc", ("0.1", "10", None), &p, None, &out)
            .arg("--current")
            .arg(&c)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{body}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(field), "{body}: {err}");
    }
}

/// A committed NEST 3.10 case, `reference/nest/RELATIVE` (gzip-compressed JSON).
fn nest_case(relative: &str) -> serde_json::Value {
    use std::io::Read;
    let path = format!(
        "{}/../../reference/nest/{relative}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `glif nest --model MODEL` on the case's resolution, duration and DC,
/// with its parameter dict and input spikes written to `NAME-p.json` and
/// `NAME-s.json`, into `NAME-out.json` (removed first). Returns the command,
/// the output path and the parameter file.
fn case_command(
    case: &serde_json::Value,
    name: &str,
    model: &str,
) -> (Command, std::path::PathBuf, std::path::PathBuf) {
    let p = tmp(&format!("{name}-p.json"));
    std::fs::write(&p, case["params"].to_string()).unwrap();
    let s = tmp(&format!("{name}-s.json"));
    std::fs::write(&s, case["spikes"].to_string()).unwrap();
    let out = tmp(&format!("{name}-out.json"));
    let _ = std::fs::remove_file(&out);
    let (resolution, duration, dc) = (
        case["resolution"].to_string(),
        case["duration"].to_string(),
        case["dc"].to_string(),
    );
    let command = nest(
        model,
        (&resolution, &duration, Some(&dc)),
        &p,
        Some(&s),
        &out,
    );
    (command, out, p)
}
