//! Every WGSL kernel against the CPU engine, run on whatever adapter wgpu
//! finds (lavapipe, the CPU Vulkan driver, in CI): on a small shape and on
//! the paper's.

use grokscope::config::RunConfig;
use grokscope::data::Dataset;
use grokscope::engine::cpu::{self, CpuEngine};
use grokscope::engine::gpu::{Buf, Gpu, GpuEngine, Model};
use grokscope::engine::{adamw_element, Arrival, Hyper, Mask, StepRecord, Tally, Work};
use grokscope::model::Params;
use pollster::block_on;

/// Submits `k` steps and waits for them: each model's records.
fn steps(g: &mut GpuEngine, k: u32) -> Vec<Vec<StepRecord>> {
    g.submit(&Work::Train(k)).unwrap();
    match block_on(g.wait()).unwrap() {
        Some(Arrival::Trained(r)) => r,
        _ => panic!("expected the steps' records"),
    }
}

/// Model `model`'s read of `work`, submitted and waited for.
fn read_back(g: &mut GpuEngine, work: Work) -> Arrival {
    g.submit(&work).unwrap();
    block_on(g.wait()).unwrap().expect("the read")
}

fn params_of(g: &mut GpuEngine, model: usize) -> Params {
    match read_back(g, Work::Read { model, train: false, all: None, params: true }) {
        Arrival::Read { params: Some((p, _)), .. } => p,
        _ => panic!("expected the parameters"),
    }
}

fn gpu() -> Gpu {
    std::env::set_var("XDG_RUNTIME_DIR", "/tmp");
    block_on(Gpu::request()).expect("a wgpu adapter (install mesa-vulkan-drivers for lavapipe)")
}

/// max |got - want| / (atol + rtol |want|) must stay <= 1.
fn assert_close(what: &str, got: &[f32], want: &[f64], atol: f64, rtol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let err = (g as f64 - w).abs() / (atol + rtol * w.abs());
        assert!(err <= 1.0, "{what}[{i}]: got {g}, want {w}");
    }
}

fn kernels_match_reference(c: RunConfig) {
    let gpu = gpu();
    let (prm, n0) = Params::init(&c);
    let data = Dataset::new(&c);
    let hyper = Hyper::of(&c, n0);
    let (h, classes, n) = (prm.shape.hidden, prm.shape.classes(), data.train.len());
    let mut g = GpuEngine::new(&gpu, &prm, hyper, &data, None).unwrap();
    let read = |g: &GpuEngine, b| block_on(g.read(b)).unwrap();

    // hidden: the gather.
    let h0 = read(&g, Buf::HTrain);
    let mut want = vec![0f32; n * h];
    cpu::hidden(&prm, &data.train.a, &data.train.b, &mut want);
    assert_close("hidden", &h0, &want.iter().map(|&x| x as f64).collect::<Vec<_>>(), 1e-7, 1e-6);

    // matmul (logits = h W2^T), from the GPU's own h.
    let logits = read(&g, Buf::Logits);
    let want: Vec<f64> = (0..n * classes)
        .map(|e| (0..h).map(|j| h0[e / classes * h + j] as f64 * prm.w2(e % classes, j) as f64).sum())
        .collect();
    assert_close("matmul logits", &logits[..n * classes], &want, 1e-5, 1e-4);

    // softmax_xent and reduce, from the GPU's logits.
    let dl0 = read(&g, Buf::DLogits);
    let stats = read(&g, Buf::RowStats);
    let mut want_dl = vec![0f32; n * classes];
    for i in 0..n {
        let row = &logits[i * classes..(i + 1) * classes];
        let mut t = Tally::default();
        cpu::softmax_xent(
            row,
            data.train.label[i] as usize,
            &mut t,
            Some((&mut want_dl[i * classes..(i + 1) * classes], 1.0 / n as f32)),
        );
        assert!((stats[2 * i] as f64 - t.loss_sum).abs() < 1e-4, "softmax_xent loss row {i}");
        assert_eq!(stats[2 * i + 1] as f64, t.correct, "softmax_xent correct row {i}");
    }
    assert_close("softmax_xent grad", &dl0, &want_dl.iter().map(|&x| x as f64).collect::<Vec<_>>(), 1e-9, 1e-4);

    // One step: backward kernels, AdamW, norm, and the reductions.
    let theta0 = prm.theta.clone();
    let rec = steps(&mut g, 1)[0][0];
    let dh = read(&g, Buf::Dh);
    let want: Vec<f64> = (0..n * h)
        .map(|e| {
            let (i, j) = (e / h, e % h);
            if h0[e] <= 0.0 {
                return 0.0;
            }
            (0..classes).map(|c| dl0[i * classes + c] as f64 * prm.w2(c, j) as f64).sum()
        })
        .collect();
    assert_close("matmul dh (relu-masked)", &dh, &want, 1e-9, 1e-4);

    let grads = read(&g, Buf::Grads);
    let w2_off = prm.w2_offset();
    let want: Vec<f64> = (0..classes * h)
        .map(|e| (0..n).map(|i| dl0[i * classes + e / h] as f64 * h0[i * h + e % h] as f64).sum())
        .collect();
    assert_close("matmul + sum_splits dW2", &grads[w2_off..w2_off + classes * h], &want, 1e-8, 1e-4);
    let mut gw1 = Params::zeros(prm.shape, h);
    cpu::grad_layer1(&data.train, prm.shape.p, &dh, h, &mut gw1);
    let w1_and_b1: Vec<usize> = (0..w2_off).chain(prm.b1_offset()..prm.theta.len()).collect();
    let pick = |v: &[f32]| w1_and_b1.iter().map(|&k| v[k]).collect::<Vec<f32>>();
    assert_close("grad_w1", &pick(&grads), &pick(&gw1.theta).iter().map(|&x| x as f64).collect::<Vec<_>>(), 1e-9, 1e-5);

    // adamw (and norm) from the GPU's gradient.
    let s = hyper.adam(1);
    let mut want = theta0.clone();
    let (mut m, mut v) = (vec![0f32; want.len()], vec![0f32; want.len()]);
    for k in 0..want.len() {
        adamw_element(&s, &mut want[k], grads[k], &mut m[k], &mut v[k]);
    }
    let mut want_prm = Params { theta: want, ..prm.clone() };
    if let Some(n0) = hyper.norm0 {
        cpu::rescale_norm(&mut want_prm, n0);
    }
    let f64s = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
    assert_close("adamw m", &read(&g, Buf::M), &f64s(&m), 1e-9, 1e-5);
    assert_close("adamw v", &read(&g, Buf::V), &f64s(&v), 1e-12, 1e-5);
    assert_close("adamw theta", &read(&g, Buf::Theta), &f64s(&want_prm.theta), 1e-6, 1e-5);

    // The step's metrics against the CPU engine's step.
    let mut c_eng = CpuEngine::new(&prm, hyper, data.clone(), 0, None);
    let want = c_eng.train_step();
    assert_eq!(rec.step, 1);
    for (what, got, w) in [
        ("train_loss", rec.train_loss, want.train_loss),
        ("test_loss", rec.test_loss, want.test_loss),
        ("train_acc", rec.train_acc, want.train_acc),
        ("test_acc", rec.test_acc, want.test_acc),
    ] {
        assert!((got - w).abs() <= 1e-3 * w.abs().max(0.01), "{what}: gpu {got}, cpu {w}");
    }
}

#[test]
fn kernels_match_reference_small() {
    kernels_match_reference(RunConfig { p: 13, hidden: 70, frac: 0.5, ..RunConfig::default() });
}

#[test]
fn kernels_match_reference_small_constrained_norm() {
    kernels_match_reference(RunConfig { p: 11, hidden: 33, ..RunConfig::from_preset("alpha8").unwrap() });
}

#[test]
fn kernels_match_reference_paper_shape() {
    kernels_match_reference(RunConfig::default());
}

#[test]
fn wd2_gpu_tracks_cpu_for_60_steps() {
    let c = RunConfig::from_preset("wd2").unwrap();
    let (prm, n0) = Params::init(&c);
    let data = Dataset::new(&c);
    let mut g = GpuEngine::new(&gpu(), &prm, Hyper::of(&c, n0), &data, None).unwrap();
    let mut cpu = CpuEngine::new(&prm, Hyper::of(&c, n0), data, 0, None);
    let mut gpu_recs = Vec::new();
    while gpu_recs.len() < 60 {
        gpu_recs.extend(steps(&mut g, 20).remove(0));
    }
    let mut worst: f64 = 0.0;
    for r in &gpu_recs {
        let w = cpu.train_step();
        assert_eq!(r.step, w.step);
        worst = worst.max((r.train_loss - w.train_loss).abs() / w.train_loss);
        worst = worst.max((r.test_loss - w.test_loss).abs() / w.test_loss);
    }
    // f32 sums in another order drift apart slowly: well under 1 % after 60 steps.
    assert!(worst < 5e-3, "relative loss gap {worst}");
    assert!(gpu_recs[59].train_acc > 0.9, "{:?}", gpu_recs[59]);
}

#[test]
fn activations_match_cpu() {
    let c = RunConfig { p: 17, hidden: 40, ..RunConfig::default() };
    let (prm, n0) = Params::init(&c);
    let data = Dataset::new(&c);
    let mut g = GpuEngine::new(&gpu(), &prm, Hyper::of(&c, n0), &data, None).unwrap();
    let cpu = CpuEngine::new(&prm, Hyper::of(&c, n0), data.clone(), 1, None);
    // Twice: the second read reuses the split's buffers.
    for _ in 0..2 {
        let Arrival::Read { all: Some(got), train: Some(train), .. } =
            read_back(&mut g, Work::Read { model: 0, train: true, all: Some(data.test.clone()), params: false })
        else {
            panic!("expected both activations")
        };
        let want = cpu.activations(&data.test);
        assert_eq!(got.len(), want.len());
        assert!(got.iter().zip(&want).all(|(a, b)| (a - b).abs() <= 1e-6));
        assert!(train.iter().zip(&cpu.train_activations()).all(|(a, b)| (a - b).abs() <= 1e-6));
    }
}

#[test]
fn masked_training_matches_cpu_and_keeps_neurons_off() {
    let gpu = gpu();
    for silence in [false, true] {
        let c = RunConfig { p: 13, hidden: 40, frac: 0.5, ..RunConfig::default() };
        let mask = Mask { keep: (0..40).map(|j| j % 3 == 0).collect(), silence };
        let (prm, n0) = Params::init(&c);
        let data = Dataset::new(&c);
        let mut g = GpuEngine::new(&gpu, &prm, Hyper::of(&c, n0), &data, Some(&mask)).unwrap();
        let mut cpu = CpuEngine::new(&prm, Hyper::of(&c, n0), data, 1, Some(&mask));
        for r in steps(&mut g, 5).remove(0) {
            let w = cpu.train_step();
            assert!((r.train_loss - w.train_loss).abs() <= 1e-3 * w.train_loss, "{r:?} vs {w:?}");
        }
        let (gp, cp) = (params_of(&mut g, 0), cpu.params());
        let f64s = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
        assert_close("masked theta", &gp.theta, &f64s(&cp.theta), 1e-5, 1e-3);
        // After the steps' test passes, the training logits are still the training set's.
        let logits = block_on(g.read(Buf::Logits)).unwrap();
        assert_close("train logits after steps", &logits, &f64s(cpu.train_logits()), 1e-4, 1e-3);
        for j in (0..40).filter(|j| j % 3 != 0) {
            for prm in [&gp, &cp] {
                assert!((0..26).all(|i| prm.w1(j, i) == 0.0), "W1 of neuron {j} is off");
                assert_eq!(prm.b1(j) == 0.0, silence, "b1 of neuron {j}");
                assert_eq!((0..13).all(|k| prm.w2(k, j) == 0.0), silence, "W2 of neuron {j}");
            }
        }
    }
}

/// Runs that differ in seed, split, weight decay, learning rate, init scale,
/// constrained norm and mask, as one batch.
fn batch_configs() -> Vec<(RunConfig, Option<Mask>)> {
    let base = RunConfig { p: 13, hidden: 40, frac: 0.5, ..RunConfig::default() };
    let alpha = RunConfig { p: 13, hidden: 40, frac: 0.5, seed: 2, ..RunConfig::from_preset("alpha8").unwrap() };
    let mask = Mask { keep: (0..40).map(|j| j % 3 == 0).collect(), silence: false };
    vec![
        (base.clone(), None),
        (RunConfig { seed: 1, split_seed: 5, wd: 0.3, lr: 3e-3, ..base.clone() }, None),
        (alpha, None),
        (RunConfig { seed: 3, ..base.clone() }, Some(mask)),
        (RunConfig { seed: 4, wd: 5.0, ..base }, None),
    ]
}

fn model_of(c: &RunConfig) -> (Params, Dataset, Hyper) {
    let (prm, n0) = Params::init(c);
    (prm, Dataset::new(c), Hyper::of(c, n0))
}

#[test]
fn each_batched_model_equals_its_single_run() {
    let gpu = gpu();
    let runs = batch_configs();
    let init: Vec<_> = runs.iter().map(|(c, _)| model_of(c)).collect();
    let models: Vec<Model> = init
        .iter()
        .zip(&runs)
        .map(|((params, data, hyper), (_, mask))| Model { params, hyper: *hyper, data, mask: mask.as_ref() })
        .collect();
    let mut batch = GpuEngine::batch(&gpu, &models).unwrap();
    // 60 steps, three submissions at once: nothing waits between them.
    for _ in 0..3 {
        batch.submit(&Work::Train(20)).unwrap();
    }
    assert_eq!(batch.in_flight(), 3);
    let mut got = vec![Vec::new(); runs.len()];
    while let Some(Arrival::Trained(per_model)) = block_on(batch.wait()).unwrap() {
        for (g, r) in got.iter_mut().zip(per_model) {
            g.extend(r);
        }
    }
    for (i, m) in models.iter().enumerate() {
        let mut single = GpuEngine::new(&gpu, m.params, m.hyper, m.data, m.mask).unwrap();
        let want: Vec<StepRecord> = (0..3).flat_map(|_| steps(&mut single, 20).remove(0)).collect();
        assert_eq!(got[i].len(), 60);
        for (g, w) in got[i].iter().zip(&want) {
            assert_eq!(g.step, w.step);
            for (a, b) in [(g.train_loss, w.train_loss), (g.test_loss, w.test_loss)] {
                assert!((a - b).abs() <= 1e-5 * b.abs(), "model {i} step {}: batched {a}, single {b}", g.step);
            }
        }
        let f64s = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
        let want = params_of(&mut single, 0);
        assert_close(
            &format!("model {i}'s parameters"),
            &params_of(&mut batch, i).theta,
            &f64s(&want.theta),
            1e-6,
            1e-5,
        );
    }
    // The models did learn different things (the batch is not one model five times).
    assert!(got[0][59].train_loss != got[1][59].train_loss);
}

#[test]
fn dispatches_per_step_do_not_grow_with_the_models() {
    let gpu = gpu();
    let runs = batch_configs();
    let init: Vec<_> = runs.iter().map(|(c, _)| model_of(c)).collect();
    let models: Vec<Model> =
        init.iter().map(|(params, data, hyper)| Model { params, hyper: *hyper, data, mask: None }).collect();
    let one = GpuEngine::batch(&gpu, &models[..1]).unwrap();
    let five = GpuEngine::batch(&gpu, &models).unwrap();
    // The batch's models have a constrained norm (alpha 8): so must the single one, for the same list.
    let alpha = GpuEngine::batch(&gpu, &models[2..3]).unwrap();
    assert_eq!(five.dispatches_per_step(), alpha.dispatches_per_step());
    assert!(one.dispatches_per_step() < five.dispatches_per_step(), "the norm's two dispatches");
    assert_eq!(five.models(), 5);
}

#[test]
fn results_arrive_in_submission_order_while_later_work_is_submitted() {
    let c = RunConfig { p: 11, hidden: 24, ..RunConfig::default() };
    let (prm, data, hyper) = model_of(&c);
    let mut g = GpuEngine::new(&gpu(), &prm, hyper, &data, None).unwrap();
    // Four batches and a read go out before any result is collected: the
    // first map is still pending (nobody polled) while the rest are submitted.
    for _ in 0..4 {
        g.submit(&Work::Train(3)).unwrap();
    }
    g.submit(&Work::Read { model: 0, train: true, all: None, params: true }).unwrap();
    assert_eq!((g.in_flight(), g.step()), (5, 12));
    let mut order = Vec::new();
    while g.in_flight() > 0 {
        match g.poll().unwrap() {
            Some(Arrival::Trained(r)) => order.push(r[0].iter().map(|r| r.step).collect::<Vec<_>>()),
            Some(Arrival::Read { params: Some((p, logits)), train: Some(h), .. }) => {
                // The read saw the parameters after all twelve steps.
                let mut cpu = CpuEngine::new(&prm, hyper, data.clone(), 1, None);
                (0..12).for_each(|_| {
                    cpu.train_step();
                });
                let f64s = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<_>>();
                assert_close("theta at the read", &p.theta, &f64s(&cpu.params().theta), 1e-5, 1e-3);
                assert_eq!((h.len(), logits.len()), (data.train.len() * 24, data.train.len() * 11));
                order.push(vec![0]);
            }
            Some(other) => panic!("unexpected {other:?}"),
            None => std::thread::yield_now(),
        }
    }
    assert_eq!(order, [vec![1, 2, 3], vec![4, 5, 6], vec![7, 8, 9], vec![10, 11, 12], vec![0]]);
}
