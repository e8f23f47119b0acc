//! Training speed at the paper's configuration (p = 97, 250 hidden, 3763
//! train / 5646 test pairs): steps per second, each step being the
//! full-batch update plus the test evaluation. Prints markdown table rows;
//! `cargo xtask bench` runs it beside the PyTorch baseline.
//! Usage: cargo bench --bench engine [-- --gpu-steps N]

use grokscope::config::RunConfig;
use grokscope::data::Dataset;
use grokscope::engine::cpu::CpuEngine;
use grokscope::engine::gpu::{Gpu, GpuEngine};
use grokscope::engine::Hyper;
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
        Ok(gpu) => {
            let mut e = GpuEngine::new(&gpu, &prm, hyper, &data, None).unwrap();
            pollster::block_on(e.train_steps(2)).unwrap();
            let r = rate(3, gpu_steps, |k| drop(pollster::block_on(e.train_steps(k)).unwrap()));
            println!("| grokscope GPU engine on {} | - | {r:.1} | {:.2} |", gpu.adapter, 1000.0 / r);
        }
        Err(e) => println!("| grokscope GPU engine | - | unavailable: {e} | |"),
    }
}
