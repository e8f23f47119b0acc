//! Reference fixtures: numbers computed by scikit-learn 1.9.1
//! (`AgglomerativeClustering(n_clusters=k)`) and hoi 0.0.7 (Gaussian-copula
//! entropies, method "gc", float64 via jax x64) on the same inputs. Inputs are
//! stored as integers `x_int` with `x = x_int / scale`, so both sides see the
//! same f64 values.

use grokscope::analysis::{self, cluster, copula, entropy, oinfo, AnalysisSettings, Mode, SizeRule, Ties};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn matrix(v: &Value) -> (Vec<f64>, usize, usize) {
    let s = v["samples"].as_u64().unwrap() as usize;
    let n = v["neurons"].as_u64().unwrap() as usize;
    let scale = v["scale"].as_f64().unwrap();
    let x: Vec<f64> = v["x_int"].as_array().unwrap().iter().map(|q| q.as_i64().unwrap() as f64 / scale).collect();
    assert_eq!(x.len(), s * n);
    (x, s, n)
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

#[test]
fn ward_labels_match_scikit_learn() {
    for name in ["cluster_blobs_300x40.json", "cluster_relu_400x60.json", "cluster_relu_200x120.json"] {
        let f = load(name);
        let (x, s, n) = matrix(&f);
        for (k, labels) in f["labels"].as_object().unwrap() {
            let k: usize = k.parse().unwrap();
            let expect = usizes(labels);
            assert_eq!(cluster::ward_labels(&x, s, n, k), expect, "{name} k={k}");
            // Same through the checkpoint path (f32 input is not exact, so f64 here).
            let cp = analysis::matrix(&x, s, n).unwrap();
            assert_eq!(analysis::cluster_neurons(&x, &cp, k).labels, expect, "{name} k={k} (checkpoint path)");
        }
    }
}

#[test]
fn relu_fixture_reports_dead_and_duplicates() {
    let f = load("cluster_relu_400x60.json");
    let (x, s, n) = matrix(&f);
    let cp = analysis::matrix(&x, s, n).unwrap();
    assert_eq!(cp.dead_neurons, vec![5, 17, 41]);
    let cl = analysis::cluster_neurons(&x, &cp, 10);
    assert_eq!(cl.duplicate_groups, vec![vec![7, 33], vec![12, 30, 50]]);
    assert_eq!(cl.distinct, 60 - 2 - 1 - 2);
}

fn copula_stable(x: &[f64], s: usize, n: usize) -> Vec<f64> {
    let mut cols = vec![0.0; s * n];
    for k in 0..s {
        for j in 0..n {
            cols[j * s + k] = x[k * n + j];
        }
    }
    let ids: Vec<u64> = (0..n as u64).collect();
    copula::copula_columns(&cols, s, &ids, Ties::Stable, 0)
}

#[test]
fn oinfo_matches_hoi() {
    let f = load("oinfo_320x24.json");
    let (x, s, n) = matrix(&f);
    let z = copula_stable(&x, s, n);
    for (a, b) in z[..s].iter().zip(f["copula_first_column"].as_array().unwrap()) {
        assert!((a - b.as_f64().unwrap()).abs() < 1e-12, "copula {a} vs {b}");
    }
    let cov = entropy::covariance(&z, s, n);
    let mults: Vec<Vec<usize>> = f["multiplets"].as_array().unwrap().iter().map(usizes).collect();
    let plain = f["oinfo_bits"].as_array().unwrap();
    let corrected = f["oinfo_bits_bias_corrected"].as_array().unwrap();
    let hoi_f32 = f["hoi_estimator_bits_f32"].as_array().unwrap();
    for (i, m) in mults.iter().enumerate() {
        let d = m.len();
        let mut sub = vec![0.0; d * d];
        for (a, &ia) in m.iter().enumerate() {
            for (b, &ib) in m.iter().enumerate() {
                sub[a * d + b] = cov[ia * n + ib];
            }
        }
        let fast = oinfo::oinfo_bits(&sub, d, s, false).unwrap();
        let naive = oinfo::oinfo_bits_naive(&sub, d, s, false).unwrap();
        let expect = plain[i].as_f64().unwrap();
        assert!((fast - expect).abs() < 1e-9, "{m:?}: {fast} vs hoi {expect}");
        assert!((naive - expect).abs() < 1e-9, "{m:?}: naive {naive} vs hoi {expect}");
        let bc = oinfo::oinfo_bits(&sub, d, s, true).unwrap();
        let expect_bc = corrected[i].as_f64().unwrap();
        assert!((bc - expect_bc).abs() < 1e-9, "{m:?}: corrected {bc} vs hoi {expect_bc}");
        if let Some(h) = hoi_f32.get(i) {
            // hoi's Oinfo estimator stores float32 results.
            let h = h.as_f64().unwrap();
            assert!((fast - h).abs() < 1e-5 * (1.0 + h.abs()), "{m:?}: {fast} vs hoi estimator {h}");
        }
    }
}

#[test]
fn full_pipeline_matches_reference() {
    for name in ["pipeline_blobs_300x36.json", "pipeline_relu_260x30.json"] {
        let f = load(name);
        let (x, s, n) = matrix(&f);
        let k = f["clusters"].as_u64().unwrap() as usize;
        for mode in [Mode::Union, Mode::Mean] {
            let settings = AnalysisSettings {
                clusters: k,
                mode,
                ties: Ties::Stable,
                size: SizeRule::Multiplet,
                ..Default::default()
            };
            let a = analysis::analyze(&x, s, n, &settings).unwrap();
            assert_eq!(a.labels, usizes(&f["labels"]), "{name}");
            let r = &f["results"][mode.name()];
            let syn = r["synergy_bits"].as_f64().unwrap();
            let red = r["redundancy_bits"].as_f64().unwrap();
            assert!((a.synergy.bits - syn).abs() < 1e-8, "{name} {mode}: synergy {} vs {syn}", a.synergy.bits);
            assert!((a.redundancy.bits - red).abs() < 1e-8, "{name} {mode}: redundancy {} vs {red}", a.redundancy.bits);
            assert_eq!(a.synergy.clusters, usizes(&r["synergy_clusters"]), "{name} {mode}");
            assert_eq!(a.redundancy.clusters, usizes(&r["redundancy_clusters"]), "{name} {mode}");
        }
    }
}
