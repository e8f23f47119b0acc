//! The CPU engine against independent f64 arithmetic: gradients by finite
//! differences, one AdamW step by hand, the constrained norm, and learning.

use grokscope::config::RunConfig;
use grokscope::data::Dataset;
use grokscope::engine::cpu::{rescale_norm, CpuEngine};
use grokscope::engine::{adamw_element, Hyper};
use grokscope::model::Params;

/// Mean cross-entropy over the training set, naively in f64.
fn loss_f64(prm: &Params, d: &Dataset) -> f64 {
    let (p, h) = (prm.shape.p, prm.shape.hidden);
    let s = &d.train;
    let mut total = 0.0;
    for i in 0..s.len() {
        let hid: Vec<f64> = (0..h)
            .map(|j| {
                let x = prm.w1(j, s.a[i] as usize) as f64 + prm.w1(j, p + s.b[i] as usize) as f64 + prm.b1(j) as f64;
                x.max(0.0)
            })
            .collect();
        let logits: Vec<f64> = (0..p).map(|c| (0..h).map(|j| prm.w2(c, j) as f64 * hid[j]).sum()).collect();
        let max = logits.iter().cloned().fold(f64::MIN, f64::max);
        let lse = max + logits.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
        total += lse - logits[s.label[i] as usize];
    }
    total / s.len() as f64
}

fn small() -> RunConfig {
    RunConfig { p: 7, hidden: 6, frac: 0.5, ..RunConfig::default() }
}

#[test]
fn gradient_matches_finite_differences() {
    let c = small();
    let (prm, n0) = Params::init(&c);
    let data = Dataset::new(&c);
    let mut e = CpuEngine::new(&prm, Hyper::of(&c, n0), data.clone(), 1, None);
    let g = e.gradient();
    let mut worst: f64 = 0.0;
    for k in 0..prm.theta.len() {
        let mut plus = prm.clone();
        let mut minus = prm.clone();
        let h = 1e-5; // small enough not to cross a ReLU kink
        plus.theta[k] += h as f32;
        minus.theta[k] -= h as f32;
        let step = plus.theta[k] as f64 - minus.theta[k] as f64;
        let fd = (loss_f64(&plus, &data) - loss_f64(&minus, &data)) / step;
        worst = worst.max((fd - g.theta[k] as f64).abs());
    }
    assert!(worst < 2e-4, "worst gradient error {worst}");
    // And the engine's loss is the naive loss.
    assert!((e.train_tally().loss() - loss_f64(&prm, &data)).abs() < 1e-5);
}

#[test]
fn adamw_step_by_hand() {
    // d/dtheta: decay first, then m = 0.1 g, v = 0.02 g^2, bias-corrected:
    // theta1 = theta0 (1 - lr wd) - lr * g / (|g| + eps).
    let hyper = Hyper { lr: 0.03, beta1: 0.9, beta2: 0.98, eps: 1e-8, wd: 2.0, norm0: None };
    let s = hyper.adam(1);
    let (mut theta, mut m, mut v) = (0.5f32, 0.0f32, 0.0f32);
    adamw_element(&s, &mut theta, -0.2, &mut m, &mut v);
    let want = 0.5 * (1.0 - 0.06) + 0.03 * 0.2 / (0.2 + 1e-8);
    assert!((theta as f64 - want).abs() < 1e-6, "{theta} vs {want}");
    assert!((m - -0.02).abs() < 1e-8 && (v - 0.0008).abs() < 1e-9);
    // Second step, g = 0.1: m = 0.9 m + 0.1 g, v = 0.98 v + 0.02 g^2.
    let s2 = hyper.adam(2);
    let theta1 = theta as f64;
    adamw_element(&s2, &mut theta, 0.1, &mut m, &mut v);
    let (m2, v2): (f64, f64) = (0.9 * -0.02 + 0.01, 0.98 * 0.0008 + 0.02 * 0.01);
    let (bc1, bc2): (f64, f64) = (1.0 - 0.81, 1.0 - 0.98f64 * 0.98);
    let want = theta1 * 0.94 - 0.03 / bc1 * m2 / (v2.sqrt() / bc2.sqrt() + 1e-8);
    assert!((theta as f64 - want).abs() < 1e-6, "{theta} vs {want}");
}

#[test]
fn norm_rescale_keeps_the_weight_norm() {
    let c = RunConfig { p: 11, hidden: 16, ..RunConfig::from_preset("alpha8").unwrap() };
    let (mut prm, n0) = Params::init(&c);
    let b1_before = prm.b1(3);
    prm.theta[5] *= 3.0;
    rescale_norm(&mut prm, n0);
    assert!((prm.weight_norm() - n0).abs() < 1e-3 * n0);
    assert_eq!(prm.b1(3), b1_before, "biases are not rescaled");
    let mut e = CpuEngine::new(&Params::init(&c).0, Hyper::of(&c, n0), Dataset::new(&c), 0, None);
    for _ in 0..5 {
        e.train_step();
    }
    assert!((e.params().weight_norm() - n0).abs() < 1e-3 * n0);
}

#[test]
fn wd2_memorises_within_100_steps() {
    let c = RunConfig::from_preset("wd2").unwrap();
    let (prm, n0) = Params::init(&c);
    let mut e = CpuEngine::new(&prm, Hyper::of(&c, n0), Dataset::new(&c), 0, None);
    let first = e.train_step();
    assert_eq!(first.step, 1);
    let memorised = (2..=100).map(|_| e.train_step()).find(|r| r.train_acc >= 0.99);
    let r = memorised.expect("train accuracy reaches 99 % within 100 steps");
    assert!(r.step >= 10, "memorised implausibly fast: {r:?}");
    assert!(r.test_acc < 0.5, "test accuracy should lag: {r:?}");
}
