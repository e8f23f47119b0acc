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
