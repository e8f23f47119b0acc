//! REPORT.md: the tables and text around the claims and figures.

use super::claims;
use super::experiments::{Run, PREDICT_FRACTION};
use super::figures::{runs_of, Figures};
use super::references::{experiments, reference};
use super::{Options, QUICK_SEEDS, SEEDS};
use crate::run::phases::{self, PhaseBand};
use crate::run::predict::Rule;
use crate::run::subnet::Subnetwork;
use std::fmt::Write as _;

pub fn fmt_step(s: Option<u32>) -> String {
    s.map_or("never".into(), |s| s.to_string())
}

/// "mean [min-max] (k/n)" of the steps the runs reached, or "never (0/n)".
fn step_summary(steps: &[Option<u32>]) -> String {
    let got: Vec<f64> = steps.iter().flatten().map(|&s| s as f64).collect();
    if got.is_empty() {
        return format!("never (0/{})", steps.len());
    }
    let mean = got.iter().sum::<f64>() / got.len() as f64;
    let (lo, hi) = (got.iter().copied().fold(f64::INFINITY, f64::min), got.iter().copied().fold(0.0, f64::max));
    if got.len() == 1 {
        format!("{mean:.0} ({}/{})", got.len(), steps.len())
    } else {
        format!("{mean:.0} [{lo:.0}-{hi:.0}] ({}/{})", got.len(), steps.len())
    }
}

fn mean_sd(x: &[f64]) -> String {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    if x.len() < 2 {
        return format!("{m:.3}");
    }
    let sd = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt();
    format!("{m:.3} ± {sd:.3}")
}

fn phase_text(bands: &[PhaseBand]) -> String {
    bands.iter().map(|b| format!("{} {}-{}", b.phase.name(), b.from_step, b.to_step)).collect::<Vec<_>>().join(" → ")
}

/// Everything REPORT.md is made of.
pub struct Report<'a> {
    pub options: &'a Options,
    /// Parameters applied over every preset.
    pub over: &'a str,
    pub runs: &'a [Run],
    pub subnets: &'a [(&'static str, Subnetwork)],
    pub figures: &'a Figures,
    /// The sensitivity section's markdown.
    pub sensitivity: &'a str,
    pub seconds: f64,
}

impl Report<'_> {
    pub fn render(&self) -> String {
        let mut r = String::new();
        self.header(&mut r);
        self.claims(&mut r);
        self.training(&mut r);
        self.figures(&mut r);
        self.phases(&mut r);
        self.prediction(&mut r);
        r.push_str(&super::leads::section(self.runs));
        self.subnetworks(&mut r);
        writeln!(r, "\n## Sensitivity of the measures to the analysis conventions\n").unwrap();
        r.push_str(self.sensitivity);
        writeln!(r, "\nThe authors' notes (on a wd 2.0 checkpoint, union mode): redundancy +12 bits with sample-order ties, +5 with random ties, +0.1 with average ranks; averaged clusters (`mean`) move only 10-20 % with the tie rule; training versus all samples shifts the values but keeps the shape.").unwrap();
        r
    }

    fn header(&self, w: &mut String) {
        let (o, over, runs, seconds) = (self.options, self.over, self.runs, self.seconds);
        let c0 = &runs[0].history.config;
        writeln!(w, "# grokscope reproduce: every experiment of the paper\n").unwrap();
        writeln!(
        w,
        "Clauw, Marinazzo, Stramaglia, *Information-Theoretic Progress Measures reveal Grokking is an Emergent Phase Transition* (ICML 2024 MI workshop), reproduced by `grokscope reproduce{}{}`.\n",
        if o.quick { " --quick" } else { "" },
        if o.seeds != if o.quick { QUICK_SEEDS } else { SEEDS } { format!(" --seeds {}", o.seeds) } else { String::new() }
    )
    .unwrap();
        writeln!(
            w,
            "- Experiments: {} with {} seed(s) each (init seed 0..{}; the train/test split is fixed, split_seed {}).",
            {
                let mut names: Vec<&str> = runs.iter().map(|r| r.preset).collect();
                names.dedup();
                names.join(", ")
            },
            o.seeds,
            o.seeds.saturating_sub(1),
            c0.split_seed
        )
        .unwrap();
        writeln!(w, "- Shared settings: p = {}, hidden = {}, {} steps, progress measures every {} steps, {} clusters, `{}` multiplets, `{}` ties, `{}` samples{}.", c0.p, c0.hidden, c0.steps, c0.every, c0.clusters, c0.mode.name(), c0.ties.name(), c0.samples.name(), if over.is_empty() { String::new() } else { format!("; parameters over every preset: `{over}`") }).unwrap();
        writeln!(
            w,
            "- Engine: {}. Total time {:.0} s (training and analysis per run in the table below).",
            runs[0].history.backend, seconds
        )
        .unwrap();
        writeln!(w, "- Each run's history (every step, every checkpoint) is in `runs/<preset>_seed<k>.json`, the format of `grokscope train --out`.").unwrap();
        if !self.paper_size() {
            writeln!(w, "\n> **Reduced configuration.** These runs are smaller or shorter than the paper's (p = 97, 250 neurons, 4000 steps). The authors' step numbers are for the paper's size and do not apply; runs that would grok later than this run's end are counted as not grokking. Verdicts below are indicative only; run `grokscope reproduce` without `--quick` for the real comparison.").unwrap();
        }
    }

    fn claims(&self, w: &mut String) {
        writeln!(w, "\n## Claims of the paper\n").unwrap();
        writeln!(w, "| claim | verdict | evidence |\n|---|---|---|").unwrap();
        let evidence = claims::Evidence { runs: self.runs, subnets: self.subnets, paper_size: self.paper_size() };
        for (claim, verdict) in claims::judge_all(&evidence) {
            writeln!(w, "| {claim} | **{}** | {} |", verdict.word(), verdict.evidence).unwrap();
        }
    }

    fn training(&self, w: &mut String) {
        let runs = self.runs;

        writeln!(w, "\n## Training: memorisation and grokking\n").unwrap();
        writeln!(w, "Memorised: first step with train accuracy ≥ 99 %; grokked: first step with test accuracy ≥ 95 %. Mean [min-max] over the seeds that got there (how many of how many). Reference: the authors' code, seed 0, p = 97, 4000 steps.\n").unwrap();
        writeln!(w, "| experiment | memorised | grokked | final train acc | final test acc | reference memorised / grokked | seconds per run |\n|---|---|---|---|---|---|---|").unwrap();
        for p in experiments() {
            let rs = runs_of(runs, p);
            if rs.is_empty() {
                continue;
            }
            let last = |f: fn(&crate::engine::StepRecord) -> f64| -> Vec<f64> {
                rs.iter().map(|r| r.history.steps.last().map_or(0.0, f)).collect()
            };
            let refr = reference(p).expect("every experiment has a reference");
            writeln!(
                w,
                "| {p} | {} | {} | {} | {} | {} / {} | {:.0} |",
                step_summary(&rs.iter().map(|r| r.memorised).collect::<Vec<_>>()),
                step_summary(&rs.iter().map(|r| r.grokked).collect::<Vec<_>>()),
                mean_sd(&last(|r| r.train_acc)),
                mean_sd(&last(|r| r.test_acc)),
                refr.memorised.text(),
                refr.grokked_median().map_or(refr.grokked.text(), |m| format!("{m} (median of 5 seeds)")),
                rs.iter().map(|r| r.seconds).sum::<f64>() / rs.len() as f64
            )
            .unwrap();
        }
        writeln!(w, "\nPer seed:\n\n| experiment | seed | memorised | grokked | final train acc | final test acc | checkpoints | note |\n|---|---|---|---|---|---|---|---|").unwrap();
        for run in runs {
            let last = run.history.steps.last();
            let note = match (&run.history.diverged_at, run.skipped.len()) {
                (Some(s), _) => format!("diverged at step {s}"),
                (None, 0) => String::new(),
                (None, n) => format!("{n} checkpoint(s) not analysable: {}", run.skipped[0].replace('|', "/")),
            };
            writeln!(
                w,
                "| {} | {} | {} | {} | {:.3} | {:.3} | {} | {note} |",
                run.preset,
                run.seed,
                fmt_step(run.memorised),
                fmt_step(run.grokked),
                last.map_or(0.0, |r| r.train_acc),
                last.map_or(0.0, |r| r.test_acc),
                run.history.checkpoints.len()
            )
            .unwrap();
        }
    }

    fn figures(&self, w: &mut String) {
        let figures = self.figures;
        writeln!(w, "\n## Figures across experiments\n").unwrap();
        for (file, title) in &figures.overview {
            writeln!(w, "### {title}\n\n![{title}]({file})\n").unwrap();
        }
        writeln!(w, "\n## Each experiment\n").unwrap();
        for (p, files) in &figures.per_config {
            writeln!(w, "### {p}\n").unwrap();
            writeln!(w, "{}\n", crate::config::preset(p).map_or("", |x| x.blurb)).unwrap();
            for (file, title) in files {
                writeln!(w, "![{title}]({file})\n").unwrap();
            }
        }
    }

    fn phases(&self, w: &mut String) {
        let runs = self.runs;
        writeln!(w, "\n## Phases (section 5)\n").unwrap();
        writeln!(w, "Labelled by `grokscope::run::phases` (module documentation): slopes of the normalised synergy, redundancy, sub-network size and log test loss on a log-step grid (rising/falling beyond {} per e-fold of steps), scored against each phase's description, then the best label sequence in the paper's order (feature learning → emergence → [divergence → delayed emergence] → decoupling → finalising), {} points of evidence per change of phase.\n", phases::TAU, phases::SWITCH_COST).unwrap();
        writeln!(w, "| experiment | seed | grokked | phases (steps) |\n|---|---|---|---|").unwrap();
        for run in runs {
            writeln!(w, "| {} | {} | {} | {} |", run.preset, run.seed, fmt_step(run.grokked), phase_text(&run.phases))
                .unwrap();
        }
    }

    fn prediction(&self, w: &mut String) {
        let runs = self.runs;
        writeln!(w, "\n## Early synergy peak as a prediction (section 6)\n").unwrap();
        let rule = Rule::default();
        writeln!(w, "Rule (`grokscope::run::predict`): on the first {:.0} % of the steps, predict grokking at the first checkpoint where the synergy normalised over the steps seen so far has a peak that rose ≥ {} and has since fallen ≥ {}, with train accuracy ≥ {} at the peak and a peak ≥ {} bits deeper than before it. Truth: test accuracy ≥ 95 % by the end of the run.\n", PREDICT_FRACTION * 100.0, rule.min_rise, rule.min_drop, rule.min_train_acc, rule.min_bits).unwrap();
        let right = runs.iter().filter(|r| r.prediction.groks == r.grokked.is_some()).count();
        let ahead =
            runs.iter().filter(|r| r.prediction.groks && r.grokked.is_some_and(|g| r.prediction.upto < g)).count();
        let (tp, fp, fn_, tn) = (
            runs.iter().filter(|r| r.prediction.groks && r.grokked.is_some()).count(),
            runs.iter().filter(|r| r.prediction.groks && r.grokked.is_none()).count(),
            runs.iter().filter(|r| !r.prediction.groks && r.grokked.is_some()).count(),
            runs.iter().filter(|r| !r.prediction.groks && r.grokked.is_none()).count(),
        );
        writeln!(w, "**{right} of {} runs predicted correctly** ({:.0} %); grokked and predicted {tp}, predicted but did not grok {fp}, grokked but not predicted {fn_}, neither {tn}; {ahead} of the correct grokking predictions were made before test accuracy reached 95 %.\n", runs.len(), 100.0 * right as f64 / runs.len().max(1) as f64).unwrap();
        writeln!(w, "| experiment | seed | predicted | made at step | grokked | peak rise / drop / bits / train acc | message |\n|---|---|---|---|---|---|---|").unwrap();
        for run in runs {
            let p = &run.prediction;
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {:.2} / {:.2} / {:.3} / {:.2} | {} |",
                run.preset,
                run.seed,
                if p.groks { "grok" } else { "no grok" },
                p.upto,
                fmt_step(run.grokked),
                p.rise,
                p.drop,
                p.bits,
                p.train_acc,
                p.message
            )
            .unwrap();
        }
    }

    fn subnetworks(&self, w: &mut String) {
        writeln!(w, "\n## Synergistic sub-networks (section 7)\n").unwrap();
        if self.subnets.is_empty() {
            writeln!(w, "Not run (`--no-subnetwork`).").unwrap();
        }
        for (name, s) in self.subnets {
            writeln!(w, "### {name}, seed {}\n", s.full.config.seed).unwrap();
            writeln!(w, "Multiplet of the run's most synergistic checkpoint (step {}, {:.4} bits, `{}` multiplets{}): {} of {} neurons; retrained from the same initialisation with the other neurons' W1 rows zeroed after every step (the authors' masking), and the inverse.\n", s.step, s.synergy_bits, s.multiplet_mode.name(), if s.multiplet_mode != s.full.config.mode { ": the run's own multiplet was every cluster, so this checkpoint was re-analysed in union mode" } else { "" }, s.neurons.len(), s.full.config.hidden).unwrap();
            writeln!(w, "| network | neurons | grokked (test ≥ 95 %) | final test acc |\n|---|---|---|---|").unwrap();
            for (label, k, h) in s.runs() {
                writeln!(w, "| {label} | {k} | {} | {:.3} |", fmt_step(h.grokked_at()), h.final_test_acc()).unwrap();
            }
            writeln!(w, "\n![test accuracy of the sub-networks](fig/subnetwork_{name}.svg)\n").unwrap();
            if s.neurons.len() == s.full.config.hidden as usize {
                writeln!(w, "The most synergistic multiplet holds every neuron, so the sub-network is the whole network and its inverse is empty.\n").unwrap();
            }
        }
    }

    fn paper_size(&self) -> bool {
        let c = &self.runs[0].history.config;
        c.p == 97 && c.hidden == 250 && c.steps == 4000
    }
}
