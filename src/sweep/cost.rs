//! What a sweep costs to train, before it starts: arithmetic per training
//! step of one model, so that the page can say how long a grid takes on
//! the CPU engine and suggest a smaller one.
//!
//! A step (`engine::cpu`) runs the network forward on every pair (the
//! training pairs for the gradient, the test pairs for the test loss) and
//! backward on the training pairs. The output layer (hidden x p
//! multiply-adds a pair) is nearly all of it: the first layer only adds two
//! of its columns, one per operand.

use super::Run;
use crate::config::RunConfig;

/// Floating-point operations of one training step of `c`.
pub fn step_flops(c: &RunConfig) -> f64 {
    let (p, h) = (c.p as f64, c.hidden as f64);
    let pairs = p * p;
    let train = (c.frac * pairs).round();
    // Forward: 2hp a pair; backward: the weight gradient and the hidden one, 4hp a training pair.
    2.0 * h * p * (pairs + 2.0 * train)
}

/// Floating-point operations of training every run of `runs`.
pub fn flops(runs: &[Run]) -> f64 {
    runs.iter().map(|r| step_flops(&r.config) * r.config.steps as f64).sum()
}

/// Floating-point operations a second of the page's CPU engine (one
/// WebAssembly thread), from the page benchmark (BENCHMARKS.md: the wd2
/// run at 10.9 steps/s in Chromium on this project's machine). A first
/// guess: the page corrects it with the speed it measures.
pub const PAGE_CPU_FLOPS: f64 = 9e9;

/// A time as people read it: seconds under 90 s (at least 1), minutes
/// under 90 min, else hours.
pub fn duration(seconds: f64) -> String {
    match seconds {
        s if s < 90.0 => format!("{:.0} s", s.max(1.0)),
        s if s < 5400.0 => format!("{:.0} min", s / 60.0),
        s => format!("{:.1} h", s / 3600.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::Spec;

    #[test]
    fn a_step_costs_the_output_layer_on_every_pair_and_back_on_the_training_pairs() {
        let c = RunConfig::default();
        // p = 97, 250 neurons, 40 % of the 9409 pairs (3764) trained on.
        assert_eq!(step_flops(&c), 2.0 * 250.0 * 97.0 * (9409.0 + 2.0 * 3764.0));
        let wide = RunConfig { hidden: 500, ..c.clone() };
        assert_eq!(step_flops(&wide), 2.0 * step_flops(&c));
        assert!(step_flops(&RunConfig { frac: 0.8, ..c.clone() }) > step_flops(&c));
        // The paper's run at the page's rate: about 11 steps a second, as measured.
        assert!((PAGE_CPU_FLOPS / step_flops(&c) - 10.9).abs() < 0.5);
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        let read: Vec<String> = [0.2, 89.0, 240.0, 5399.0, 12600.0].into_iter().map(duration).collect();
        assert_eq!(read, ["1 s", "89 s", "4 min", "90 min", "3.5 h"]);
    }

    #[test]
    fn a_sweep_costs_the_sum_of_its_runs() {
        let spec = Spec::new("p=11&hidden=16&steps=100", "frac=0.3,0.6", 2).unwrap();
        let runs = spec.runs().unwrap();
        let one = |frac: f64| step_flops(&RunConfig { p: 11, hidden: 16, frac, ..RunConfig::default() }) * 100.0;
        assert_eq!(flops(&runs), 2.0 * one(0.3) + 2.0 * one(0.6));
    }
}
