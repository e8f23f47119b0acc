//! Training speed at the paper's configuration (p = 97, 250 hidden, 3763
//! train / 5646 test pairs): steps per second, each step being the
//! full-batch update plus the test evaluation. Prints markdown table rows;
//! `cargo xtask bench` runs it beside the PyTorch baseline.
//! Usage: cargo bench --bench engine [-- --gpu-steps N]

use grokscope::config::RunConfig;
use grokscope::data::Dataset;
use grokscope::engine::cpu::CpuEngine;
use grokscope::engine::gpu::{Gpu, GpuEngine, Model, MAX_BATCH};
use grokscope::engine::{Hyper, Work};
use grokscope::model::Params;
use std::time::Instant;

/// Median steps/s over `repeats` timings of `steps` steps each.
fn rate(repeats: usize, steps: u32, mut run: impl FnMut(u32)) -> f64 {
    let mut rates: Vec<f64> = (0..repeats)
        .map(|_| {
            let t = Instant::now();
            run(steps);
            steps as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[repeats / 2]
}

fn main() {
    std::env::set_var("XDG_RUNTIME_DIR", "/tmp");
    let args: Vec<String> = std::env::args().collect();
    let gpu_steps: u32 = args.iter().position(|a| a == "--gpu-steps").map_or(4, |i| args[i + 1].parse().unwrap());
    let c = RunConfig::default();
    let (prm, n0) = Params::init(&c);
    let data = Dataset::new(&c);
    let hyper = Hyper::of(&c, n0);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("| engine | threads | steps/s | ms/step |");
    println!("|---|---|---|---|");
    for threads in [1, cores] {
        let mut e = CpuEngine::new(&prm, hyper, data.clone(), threads, None);
        for _ in 0..5 {
            e.train_step();
        }
        let r = rate(5, 40, |k| {
            (0..k).for_each(|_| {
                e.train_step();
            })
        });
        println!("| grokscope CPU engine | {threads} | {r:.1} | {:.2} |", 1000.0 / r);
    }
    match pollster::block_on(Gpu::request()) {
        Ok(gpu) => gpu_rates(&gpu, &c, gpu_steps),
        Err(e) => println!("| grokscope GPU engine | - | unavailable: {e} | |"),
    }
}

/// Steps/s of 1 model and of 5 batched models (seeds 0-4) on `gpu`, with
/// submissions kept two ahead of their readbacks, and the dispatches per step.
fn gpu_rates(gpu: &Gpu, c: &RunConfig, steps: u32) {
    let software = if grokscope::run::backend::is_software(&gpu.adapter) { " (software adapter)" } else { "" };
    let configs: Vec<RunConfig> = (0..5).map(|s| RunConfig { seed: s, ..c.clone() }).collect();
    let init: Vec<_> = configs
        .iter()
        .map(|c| {
            let (prm, n0) = Params::init(c);
            (prm, Dataset::new(c), Hyper::of(c, n0))
        })
        .collect();
    let models: Vec<Model> =
        init.iter().map(|(params, data, hyper)| Model { params, hyper: *hyper, data, mask: None }).collect();
    let mut one_model_rate = 0.0;
    for n in [1, 5] {
        let mut e = GpuEngine::batch(gpu, &models[..n]).unwrap();
        let mut train = |k: u32| {
            let per = k.div_ceil(4).min(MAX_BATCH);
            let mut left = k;
            while left > 0 || e.in_flight() > 0 {
                while left > 0 && e.in_flight() < 2 {
                    e.submit(&Work::Train(per.min(left))).unwrap();
                    left -= per.min(left);
                }
                pollster::block_on(e.wait()).unwrap();
            }
        };
        train(2);
        let r = rate(3, steps, train);
        if n == 1 {
            one_model_rate = r;
        }
        let cost =
            if n == 1 { String::new() } else { format!(", {:.2}x one model's time per step", one_model_rate / r) };
        println!(
            "| grokscope GPU engine on {}{software}, {n} model{} in one batch ({} dispatches per step{cost}) | - | {r:.3} | {:.0} |",
            gpu.adapter,
            if n == 1 { "" } else { "s" },
            e.dispatches_per_step(),
            1000.0 / r
        );
    }
}
