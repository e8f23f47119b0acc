//! The command-line tool end to end: JSON out, clear errors in.

use std::process::Command;

fn grokscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grokscope")).args(args).env("XDG_RUNTIME_DIR", "/tmp").output().unwrap()
}

#[test]
fn train_writes_one_record_per_step() {
    let out = grokscope(&["train", "p=13&hidden=16&steps=7&every=0", "--backend", "cpu", "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert_eq!(steps[0]["step"], 1);
    assert_eq!(json["config"]["p"], 13);
    assert!(steps.iter().all(|s| s["train_loss"].as_f64().unwrap().is_finite()));
}

#[test]
fn configuration_errors_name_the_parameter() {
    for (query, key) in [("p=abc", "'p'"), ("wd=-1", "'wd'"), ("colour=red", "'colour'"), ("preset=wd3", "'preset'")] {
        let out = grokscope(&["train", query, "--backend", "cpu"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{query} was accepted");
        assert!(err.contains(key) && !err.contains("panicked"), "{query}: {err}");
    }
    let out = grokscope(&["train", "", "--backend", "tpu"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--backend 'tpu'"));
}

#[test]
fn divergence_is_reported_not_hidden() {
    // Decay factor 1 - lr wd = -999: the weights overflow within a few steps.
    let out = grokscope(&["train", "p=11&hidden=16&steps=50&every=0&lr=1&wd=1000", "--backend", "cpu", "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("diverged"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["diverged_at"].as_u64().is_some());
}

#[test]
fn train_records_checkpoints_every_n_steps() {
    let out = grokscope(&["train", "p=13&hidden=24&steps=12&every=4&clusters=4", "--backend", "cpu", "--quiet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cks = json["checkpoints"].as_array().unwrap();
    let steps: Vec<u64> = cks.iter().map(|c| c["step"].as_u64().unwrap()).collect();
    assert_eq!(steps, [4, 8, 12]);
    // The run's story beside its records: phases over the checkpoints, and the prediction.
    let phases = json["phases"].as_array().unwrap();
    assert!(!phases.is_empty() && phases.iter().all(|b| b["phase"].is_string()), "{phases:?}");
    assert_eq!(phases[0]["from_step"].as_u64(), Some(4));
    let p = &json["prediction"];
    assert!(p["groks"].is_boolean() && p["message"].is_string(), "{p}");
    assert_eq!(p["step"].is_null(), !p["groks"].as_bool().unwrap(), "a step exactly when grokking is predicted: {p}");
    for c in cks {
        let ids = |k: &str| -> Vec<u64> { c[k].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect() };
        let (labels, multiplet) = (ids("labels"), ids("synergy_clusters"));
        assert_eq!(labels.len(), 24);
        assert!(labels.iter().all(|&l| l < 4), "four clusters: {labels:?}");
        // The sub-network's size counts the neurons of the multiplet's clusters.
        let size = labels.iter().filter(|l| multiplet.contains(l)).count() as u64;
        assert_eq!(c["synergy_size"].as_u64().unwrap(), size, "{c}");
        assert!(c["synergy"].as_f64().unwrap().is_finite() && multiplet.len() >= 2, "{c}");
        // The weight measures sit in the same checkpoint: the norms' squares add up, six
        // frequencies for p = 13, losses in nats.
        let n = &c["weight_norm"];
        let (t, w1, w2) = (n["total"].as_f64().unwrap(), n["w1"].as_f64().unwrap(), n["w2"].as_f64().unwrap());
        assert!((t * t - w1 * w1 - w2 * w2).abs() < 1e-9 * t * t, "{n}");
        for f in [&c["fourier"], &c["fourier_out"]] {
            assert_eq!(f["spectrum"].as_array().unwrap().len(), 6, "{f}");
            assert!(
                f["key_frequencies"].is_array() && (0.0..=1.0).contains(&f["key_fraction"].as_f64().unwrap()),
                "{f}"
            );
            assert!((0.0..=1.0).contains(&f["gini"].as_f64().unwrap()), "{f}");
        }
        assert!(c["restricted_loss"].as_f64().unwrap() > 0.0 && c["excluded_loss"].as_f64().unwrap() > 0.0, "{c}");
        assert!(c.get("clock").is_none(), "the clock is the page's alone");
    }
}

fn npy_file(name: &str, rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64) -> std::path::PathBuf {
    let x: Vec<f64> = (0..rows * cols).map(|e| f(e / cols, e % cols)).collect();
    let path = std::env::temp_dir().join(format!("grokscope-cli-{}-{name}.npy", std::process::id()));
    std::fs::write(&path, grokscope::npy::write_matrix(&x, rows, cols)).unwrap();
    path
}

#[test]
fn analyze_prints_the_measures_of_a_matrix() {
    // Three groups of neurons driven by three signals, with a sum (synergy).
    let path = npy_file("ok", 300, 9, |i, j| {
        let s = |k: usize| (((i * 7919 + k * 104_729) % 1000) as f64 / 1000.0 - 0.5) * (1.0 + k as f64);
        let base = if j < 6 { s(j / 3) } else { s(0) + s(1) };
        base + 0.01 * (((i * 31 + j * 17) % 97) as f64)
    });
    let out = grokscope(&["analyze", path.to_str().unwrap(), "--clusters", "3", "--ties", "stable"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["labels"].as_array().unwrap().len(), 9);
    assert!(json["synergy"]["bits"].as_f64().unwrap() <= json["redundancy"]["bits"].as_f64().unwrap());
    assert_eq!(json["settings"]["ties"], "stable");
    assert!(json["dead_neurons"].as_array().unwrap().is_empty());
}

#[test]
fn analyze_rejects_bad_files_clearly() {
    let nan = npy_file("nan", 50, 4, |i, j| if i == 3 && j == 2 { f64::NAN } else { (i * j) as f64 });
    let garbage = std::env::temp_dir().join(format!("grokscope-cli-{}-garbage.npy", std::process::id()));
    std::fs::write(&garbage, b"not a numpy file").unwrap();
    for (path, words) in
        [(nan.to_str().unwrap(), "NaN"), (garbage.to_str().unwrap(), "npy"), ("/nonexistent.npy", "cannot read")]
    {
        let out = grokscope(&["analyze", path]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{path} accepted");
        assert!(err.to_lowercase().contains(&words.to_lowercase()) && !err.contains("panicked"), "{path}: {err}");
    }
}
