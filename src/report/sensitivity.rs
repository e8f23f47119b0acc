//! How much the measures move with the analysis conventions: the first wd2
//! run's captured checkpoints re-analysed under every multiplet mode, tie
//! rule and sample set.

use crate::analysis::{self, AnalysisSettings, Mode, Ties};
use crate::config::RunConfig;
use crate::data::{all_pairs, Dataset};
use crate::run::driver::Capture;
use crate::run::measure;
use std::fmt::Write as _;

/// Synergy and redundancy of the captured checkpoints under every multiplet
/// mode, tie rule and sample set, as a markdown table.
pub fn table(c: &RunConfig, caps: &[Capture]) -> String {
    let mut s = String::new();
    let hidden = c.hidden as usize;
    let data = Dataset::new(c);
    let rows_train = data.train.len();
    let rows_all = all_pairs(c.op, c.p).len();
    let base = measure::settings(c);
    // (step, mode, synergy, redundancy) of every cell that could be analysed.
    let mut ranges: Vec<(u32, Mode, f64, f64)> = Vec::new();
    writeln!(s, "Activations of `{}` re-analysed at steps {}; bits of the most synergistic (min O-information) and most redundant (max) multiplet, and the synergistic multiplet's size.\n",
        crate::url::to_query(c), caps.iter().map(|c| c.step.to_string()).collect::<Vec<_>>().join(", ")).unwrap();
    writeln!(s, "| step | mode | ties | samples | synergy (bits) | redundancy (bits) | sub-network (neurons) |")
        .unwrap();
    writeln!(s, "|---|---|---|---|---|---|---|").unwrap();
    for cap in caps {
        for mode in Mode::ALL {
            for ties in [Ties::Random, Ties::Stable, Ties::Average] {
                for (samples, x, rows) in [("train", &cap.train, rows_train), ("all", &cap.all, rows_all)] {
                    let settings = AnalysisSettings { mode, ties, ..base.clone() };
                    let cell = match analysis::analyze(x, rows, hidden, &settings) {
                        Ok(a) => {
                            ranges.push((cap.step, mode, a.synergy.bits, a.redundancy.bits));
                            format!("{:.4} | {:.4} | {}", a.synergy.bits, a.redundancy.bits, a.synergy.neurons)
                        }
                        Err(e) => format!("— | — | ({e})"),
                    };
                    writeln!(s, "| {} | {} | {} | {samples} | {cell} |", cap.step, mode.name(), ties.name()).unwrap();
                }
            }
        }
    }
    writeln!(s, "\nRange over the three tie rules and two sample sets, per checkpoint and mode:\n").unwrap();
    for cap in caps {
        for mode in Mode::ALL {
            let v: Vec<&(u32, Mode, f64, f64)> = ranges.iter().filter(|r| r.0 == cap.step && r.1 == mode).collect();
            if v.is_empty() {
                continue;
            }
            let span = |f: fn(&(u32, Mode, f64, f64)) -> f64| {
                let lo = v.iter().map(|r| f(r)).fold(f64::INFINITY, f64::min);
                let hi = v.iter().map(|r| f(r)).fold(f64::NEG_INFINITY, f64::max);
                format!("{lo:.3} to {hi:.3} bits")
            };
            writeln!(
                s,
                "- step {}, `{}`: synergy {}, redundancy {}",
                cap.step,
                mode.name(),
                span(|r| r.2),
                span(|r| r.3)
            )
            .unwrap();
        }
    }
    s
}
