//! REPORT.md: the tables and text around the claims and figures.

use super::figures::Figures;
use super::{Options, QUICK_SEEDS, SEEDS};
use crate::claims::{self, fmt_step, Splits};
use crate::claims::{runs_of, Run, PREDICT_FRACTION};
use crate::config::experiments;
use crate::references::reference;
use crate::run::phases::{self, Phase, PhaseBand};
use crate::run::predict::{self, Gate, Rule};
use crate::run::subnet::{Subnetwork, CLAIM};
use std::fmt::Write as _;

/// "median [min-max] (k/n)" of the steps the runs reached (the median of
/// an even count is the upper middle value, a step some run reached), or
/// "never (0/n)".
fn step_summary(steps: &[Option<u32>]) -> String {
    let mut got: Vec<u32> = steps.iter().flatten().copied().collect();
    got.sort_unstable();
    let Some((&lo, &hi)) = got.first().zip(got.last()) else {
        return format!("never (0/{})", steps.len());
    };
    let median = got[got.len() / 2];
    if got.len() == 1 {
        format!("{median} ({}/{})", got.len(), steps.len())
    } else {
        format!("{median} [{lo}-{hi}] ({}/{})", got.len(), steps.len())
    }
}

/// Seconds for the table, "-" when not measured (runs read with `--from`).
fn seconds(s: f64) -> String {
    if s.is_finite() {
        format!("{s:.0}")
    } else {
        "-".into()
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

/// The median (upper middle of an even count), None when empty.
fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

/// The paper's phase sequence for an experiment, where it gives one.
fn expected_order(preset: &str) -> Option<&'static [Phase]> {
    use Phase::*;
    match preset {
        "wd2" | "alpha8" => Some(&[FeatureLearning, Emergence, Decoupling, Finalising]),
        "wd0.1" => Some(&[FeatureLearning, Emergence, Divergence, DelayedEmergence, Decoupling]),
        _ => None,
    }
}

/// Whether a run's bands follow the paper's order for its experiment (wd
/// 0.1 may go on to finalising).
fn follows_paper(r: &Run) -> bool {
    let got: Vec<Phase> = r.phases.iter().map(|b| b.phase).collect();
    expected_order(r.preset).is_some_and(|want| {
        got == want
            || (r.preset == "wd0.1"
                && got.split_last().is_some_and(|(l, rest)| *l == Phase::Finalising && rest == want))
    })
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
    pub splits: &'a [Splits],
    /// The early-prediction rule the runs were scored with.
    pub rule: &'a Rule,
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
        self.spread(&mut r);
        self.sizes(&mut r);
        self.size_figures(&mut r);
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
        match &o.from {
            Some(dir) => writeln!(w, "- Engine: {}. The runs were read from `{}` (trained by an earlier `grokscope reproduce`, which times each run); this report's own work (sub-networks, splits, sensitivity) took {seconds:.0} s.", runs[0].history.backend, dir.display()).unwrap(),
            None => writeln!(w, "- Engine: {}. Total time {seconds:.0} s (training and analysis per run in the table below).", runs[0].history.backend).unwrap(),
        }
        writeln!(w, "- Signs: O-information in bits is negative where synergy dominates; the synergy *curves* are the paper's normalisation (negated, min-max over the run, moving average), so 1 is the run's most synergistic point. The method: `docs/METHOD.md`.").unwrap();
        writeln!(w, "- Each run's history (every step, every checkpoint) is in `runs/<preset>_seed<k>.json`, the format of `grokscope train --out`.").unwrap();
        if !self.paper_size() {
            writeln!(w, "\n> **Reduced configuration.** These runs are smaller or shorter than the paper's (p = 97, 250 neurons, 4000 steps). The authors' step numbers are for the paper's size and do not apply; runs that would grok later than this run's end are counted as not grokking. Verdicts below are indicative only; run `grokscope reproduce` without `--quick` for the real comparison.").unwrap();
        }
    }

    fn claims(&self, w: &mut String) {
        writeln!(w, "\n## Claims of the paper\n").unwrap();
        writeln!(w, "| claim | verdict | evidence |\n|---|---|---|").unwrap();
        let evidence = claims::Evidence {
            runs: self.runs,
            subnets: self.subnets,
            splits: self.splits,
            paper_size: self.paper_size(),
        };
        for (claim, verdict) in claims::judge_all(&evidence) {
            writeln!(w, "| {claim} | **{}** | {} |", verdict.word(), verdict.evidence).unwrap();
        }
    }

    fn training(&self, w: &mut String) {
        let runs = self.runs;

        writeln!(w, "\n## Training: memorisation and grokking\n").unwrap();
        writeln!(w, "Memorised: first step with train accuracy ≥ 99 %; grokked: first step with test accuracy ≥ 95 %. Median [min-max] over the seeds that got there (how many of how many). Reference: a float64 reproduction of the authors' code, five init seeds (`docs/METHOD.md`).\n").unwrap();
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
                "| {p} | {} | {} | {} | {} | {} / {} | {} |",
                step_summary(&rs.iter().map(|r| r.memorised).collect::<Vec<_>>()),
                step_summary(&rs.iter().map(|r| r.grokked).collect::<Vec<_>>()),
                mean_sd(&last(|r| r.train_acc)),
                mean_sd(&last(|r| r.test_acc)),
                refr.memorised.text(),
                refr.grokked_median().map_or(refr.grokked.text(), |m| format!("{m} (median of 5 seeds)")),
                seconds(rs.iter().map(|r| r.seconds).sum::<f64>() / rs.len() as f64)
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

    /// Where the grokking steps fall: over init seeds, over splits, and the reference.
    fn spread(&self, w: &mut String) {
        if self.splits.is_empty() {
            return;
        }
        writeln!(w, "\n## Spread of the grokking step: init seeds, splits and the reference\n").unwrap();
        writeln!(w, "The reference numbers come from another implementation's random streams (its own split and initialisation), so a single seed cannot match; what can is the spread. Below, this project's grokking steps over its init seeds (split 0) and over three splits (init seed 0), beside the reference's five seeds.\n").unwrap();
        writeln!(w, "| experiment | init seeds 0-{} (split 0) | splits (init seed 0) | reference (5 init seeds) | median vs reference |\n|---|---|---|---|---|", self.options.seeds.saturating_sub(1)).unwrap();
        for s in self.splits {
            let rs = runs_of(self.runs, s.preset);
            let mut seeds: Vec<u32> = rs.iter().filter_map(|r| r.grokked).collect();
            seeds.sort_unstable();
            let splits: Vec<String> = s.grokked.iter().map(|(k, g)| format!("{} (split {k})", fmt_step(*g))).collect();
            let refr = reference(s.preset).expect("every experiment has a reference");
            let vs = match (seeds.get(seeds.len() / 2), refr.grokked_median()) {
                (Some(&m), Some(r)) => format!("{m} vs {r}: {:+.0} %", 100.0 * (m as f64 - r as f64) / r as f64),
                _ => "-".into(),
            };
            writeln!(
                w,
                "| {} | {} | {} | {} | {vs} |",
                s.preset,
                if seeds.is_empty() {
                    "never".into()
                } else {
                    seeds.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")
                },
                splits.join(", "),
                refr.grokked.text(),
            )
            .unwrap();
        }
    }

    /// The sub-network size rules compared on the runs that recorded all of them.
    fn sizes(&self, w: &mut String) {
        let recorded: Vec<&Run> =
            self.runs.iter().filter(|r| r.history.checkpoints.iter().any(|c| c.sizes.is_some())).collect();
        if recorded.is_empty() {
            return;
        }
        writeln!(w, "\n## Size of the synergistic sub-network: three rules on the same checkpoints\n").unwrap();
        writeln!(w, "Every checkpoint records the sub-network's size by each rule (`docs/METHOD.md`): the paper's text read literally (the neurons of the `mean`-mode multiplet whose O-information is the synergy), the authors' code (the `union`-mode minimum, each cluster entering with all its neurons: this project's default), and the union-mode multiplet with the lowest O-information per neuron. A size that tells a story moves: it takes many values, is rarely the whole network, and differs between memorisation and after grokking. Medians over each experiment's runs.\n").unwrap();
        writeln!(w, "| experiment | rule | distinct sizes per run | checkpoints at ≥ 98 % of the neurons | median size, memorised to grokked | median size after grokking |\n|---|---|---|---|---|---|").unwrap();
        type Rule = fn(&crate::analysis::Sizes) -> usize;
        let rules: [(&str, Rule); 3] = [
            ("multiplet (paper's text)", |s| s.multiplet),
            ("union (default)", |s| s.union),
            ("per neuron", |s| s.per_neuron),
        ];
        let mut presets: Vec<&str> = recorded.iter().map(|r| r.preset).collect();
        presets.dedup();
        for p in presets {
            let rs: Vec<&&Run> = recorded.iter().filter(|r| r.preset == p).collect();
            for (name, rule) in rules {
                let (mut distinct, mut full, mut before, mut after) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for r in &rs {
                    let hidden = r.history.config.hidden as f64;
                    let sizes: Vec<(u32, usize)> = r
                        .history
                        .checkpoints
                        .iter()
                        .filter_map(|c| c.sizes.as_ref().map(|s| (c.step, rule(s))))
                        .collect();
                    let mut values: Vec<usize> = sizes.iter().map(|s| s.1).collect();
                    values.sort_unstable();
                    values.dedup();
                    distinct.push(values.len() as f64);
                    full.push(
                        sizes.iter().filter(|s| s.1 as f64 >= 0.98 * hidden).count() as f64 / sizes.len().max(1) as f64,
                    );
                    let (m, g) = (r.memorised.unwrap_or(u32::MAX), r.grokked.unwrap_or(u32::MAX));
                    before.extend(sizes.iter().filter(|s| s.0 >= m && s.0 < g).map(|s| s.1 as f64));
                    after.extend(sizes.iter().filter(|s| s.0 >= g).map(|s| s.1 as f64));
                }
                writeln!(
                    w,
                    "| {p} | {name} | {:.0} | {:.0} % | {} | {} |",
                    median(&mut distinct).unwrap_or(0.0),
                    100.0 * median(&mut full).unwrap_or(0.0),
                    median(&mut before).map_or("-".into(), |v| format!("{v:.0}")),
                    median(&mut after).map_or("-".into(), |v| format!("{v:.0}")),
                )
                .unwrap();
            }
        }
    }

    /// The size rules' figures, after their table.
    fn size_figures(&self, w: &mut String) {
        for (file, title) in &self.figures.sizes {
            writeln!(w, "\n![{title}]({file})").unwrap();
        }
    }

    fn phases(&self, w: &mut String) {
        let runs = self.runs;
        writeln!(w, "\n## Phases (section 5)\n").unwrap();
        writeln!(w, "Labelled by `grokscope::run::phases` (module documentation): slopes of the normalised synergy, redundancy, sub-network size and log test loss on a log-step grid (rising/falling beyond {} per e-fold of steps), with the accuracies the paper's descriptions name (feature learning before memorisation, decoupling while test accuracy rises beyond {} per e-fold, finalising once it has converged at 95 %), scored against each phase's description, then the best label sequence in the paper's order (feature learning → emergence → [divergence → delayed emergence] → decoupling → finalising), {} points of evidence per change of phase.\n", phases::TAU, phases::TAU_ACC, phases::SWITCH_COST).unwrap();
        writeln!(
            w,
            "| experiment | seed | grokked | phases (steps) | follows the paper's order |\n|---|---|---|---|---|"
        )
        .unwrap();
        for run in runs {
            let order = match expected_order(run.preset) {
                Some(_) if follows_paper(run) => "yes",
                Some(_) => "no",
                None => "-",
            };
            writeln!(
                w,
                "| {} | {} | {} | {} | {order} |",
                run.preset,
                run.seed,
                fmt_step(run.grokked),
                phase_text(&run.phases)
            )
            .unwrap();
        }
        writeln!(w, "\nThe paper's order: wd 2 and alpha 8 feature learning → emergence → decoupling → finalising; wd 0.1 feature learning → emergence → divergence → delayed emergence → decoupling (→ finalising).\n").unwrap();
        for p in ["wd2", "wd0.1", "alpha8"] {
            let rs = runs_of(runs, p);
            if !rs.is_empty() {
                let k = rs.iter().filter(|r| follows_paper(r)).count();
                writeln!(w, "- {p}: {k} of {} runs follow it.", rs.len()).unwrap();
            }
        }
        // What the O-information alone says: a rise of synergy in an
        // emergence band, in runs that grok and in runs that do not.
        let emerged = |r: &Run| {
            r.phases.iter().any(|b| {
                matches!(b.phase, Phase::Emergence | Phase::DelayedEmergence)
                    && claims::synergy_rise(r, b) >= claims::EMERGED_RISE
            })
        };
        let (grok, never): (Vec<&Run>, Vec<&Run>) = runs.iter().partition(|r| r.grokked.is_some());
        let count = |rs: &[&Run], f: &dyn Fn(&Run) -> bool| rs.iter().filter(|r| f(r)).count();
        let has = |p: Phase| move |r: &Run| r.phases.iter().any(|b| b.phase == p);
        writeln!(w, "\nRuns that grok against runs that never do: decoupling and finalising are defined by test accuracy, so only grokking runs reach them ({} of {} grokking runs decouple, {} of {} others). The O-information alone: an emergence band in which the normalised synergy rises by {} or more appears in {} of {} grokking runs and in {} of {} runs that never grok; a divergence band in {} of {} and {} of {}. Runs that never memorise stay in feature learning.", count(&grok, &has(Phase::Decoupling)), grok.len(), count(&never, &has(Phase::Decoupling)), never.len(), claims::EMERGED_RISE, count(&grok, &emerged), grok.len(), count(&never, &emerged), never.len(), count(&grok, &has(Phase::Divergence)), grok.len(), count(&never, &has(Phase::Divergence)), never.len()).unwrap();
    }

    fn prediction(&self, w: &mut String) {
        let runs = self.runs;
        let rule = self.rule;
        writeln!(w, "\n## Early synergy peak as a prediction (section 6)\n").unwrap();
        writeln!(w, "Rule (`grokscope::run::predict`): checkpoint by checkpoint over the first {:.0} % of the steps, predict grokking at the first checkpoint where the synergy normalised over the steps seen so far has a peak that rose ≥ {} and has since fallen ≥ {}, with train accuracy ≥ {} at the peak and a peak ≥ {} bits deeper than before it. A prediction counts only if made while test accuracy is below {:.0} %; once test accuracy gets there first, the verdict is \"too late\". Truth: test accuracy ≥ 95 % by the end of the run.\n", PREDICT_FRACTION * 100.0, rule.min_rise, rule.min_drop, rule.min_train_acc, rule.min_bits, 100.0 * predict::DEADLINE).unwrap();
        let fitted = runs.iter().any(|r| r.seed >= 2);
        if fitted {
            writeln!(w, "The thresholds were fitted on init seeds 0 and 1 of every experiment (`predict::fit`: the most runs right, then the longest lead, over a fixed grid) and are scored below on the held-out seeds 2 and up. The library's default rule: {:?}.\n", Rule::default()).unwrap();
        } else {
            writeln!(w, "Too few seeds to hold any out: the default thresholds are scored on every run.\n").unwrap();
        }
        let scored = claims::held_out(runs);
        writeln!(w, "| decided by | runs | right | grokked and called in time | median lead (steps from the call to 95 % test accuracy) |\n|---|---|---|---|---|").unwrap();
        for gate in [Gate::Synergy, Gate::TrainAccuracy, Gate::TooLate, Gate::TooEarly] {
            let rs: Vec<&&Run> = scored.iter().filter(|r| r.prediction.decided_by == gate).collect();
            if rs.is_empty() {
                continue;
            }
            let right = rs.iter().filter(|r| predict::right(&r.prediction, r.grokked.is_some())).count();
            let mut leads: Vec<f64> = rs
                .iter()
                .filter(|r| r.prediction.groks)
                .filter_map(|r| r.grokked.map(|g| g as f64 - r.prediction.upto as f64))
                .collect();
            let called = leads.len();
            let lead = median(&mut leads).map_or("-".into(), |l| format!("{l:.0}"));
            writeln!(w, "| {} | {} | {right} | {called} | {lead} |", gate.name(), rs.len()).unwrap();
        }
        let right = scored.iter().filter(|r| predict::right(&r.prediction, r.grokked.is_some())).count();
        let grokkers: Vec<&&Run> = scored.iter().filter(|r| r.grokked.is_some()).collect();
        let in_time = grokkers.iter().filter(|r| r.prediction.groks).count();
        let verdict = if grokkers.is_empty() {
            "no scored run grokked, so the claim cannot be tested here"
        } else if in_time == grokkers.len() {
            "every grokking run was called by its synergy before test accuracy reached 10 %"
        } else if in_time == 0 {
            "the claim of section 6 did not hold here: no grokking run was called by its synergy before test accuracy reached 10 %"
        } else {
            "the claim of section 6 held only in part: some grokking runs were not called before test accuracy reached 10 %"
        };
        writeln!(
            w,
            "\n**{right} of {} scored runs right**; {in_time} of {} grokking runs called in time: {verdict}.",
            scored.len(),
            grokkers.len()
        )
        .unwrap();
        // The hard cases: runs that memorise and never grok, where only the
        // synergy can say "no".
        let hard: Vec<&&Run> = scored.iter().filter(|r| r.memorised.is_some() && r.grokked.is_none()).collect();
        let fooled = hard.iter().filter(|r| r.prediction.groks).count();
        let experiments = {
            let mut names: Vec<&str> = hard.iter().map(|r| r.preset).collect();
            names.dedup();
            names.join(", ")
        };
        writeln!(w, "Runs that memorise and never grok ({}), where only the synergy can say \"no\": {fooled} of {} called \"grok\".{}\n", if experiments.is_empty() { "none" } else { &experiments }, hard.len(), if rule.min_drop == 0.0 { " The fitted rule asks for no fall after the synergy's maximum: it fires on a rise of synergy after memorisation, not on a peak." } else { "" }).unwrap();
        writeln!(w, "| experiment | seed | predicted | decided by | made at step | test acc then | grokked | peak rise / drop / bits / train acc | message |\n|---|---|---|---|---|---|---|---|---|").unwrap();
        for run in runs {
            let p = &run.prediction;
            let test_then = run.history.steps.iter().find(|r| r.step == p.upto).map_or(0.0, |r| r.test_acc);
            writeln!(
                w,
                "| {} | {}{} | {} | {} | {} | {:.2} | {} | {:.2} / {:.2} / {:.3} / {:.2} | {} |",
                run.preset,
                run.seed,
                if fitted && run.seed < 2 { " (fit)" } else { "" },
                if p.groks { "grok" } else { "no grok" },
                p.decided_by.name(),
                p.upto,
                test_then,
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
            return;
        }
        writeln!(w, "For each seed: the synergistic sub-network (the run's `size` rule) at the most synergistic checkpoint of the (delayed) emergence band, as the paper takes it, retrained from the same initialisation with the other neurons' W1 rows zeroed after every step (the authors' masking), and its inverse. The claim tested: {CLAIM}; and, for wd 2, sooner than the full model. Speed: the step to 95 % test accuracy, and the area under the test-accuracy curve (its mean over the steps).\n").unwrap();
        writeln!(w, "| experiment | seed | chosen | neurons | full: 95 % at (area) | sub-network | inverse | holds |\n|---|---|---|---|---|---|---|---|").unwrap();
        for (name, s) in self.subnets {
            let [full, sub, inverse] = s.speeds();
            let at = |x: &crate::run::subnet::Speed| format!("{} ({:.2})", fmt_step(x.grokked), x.area);
            writeln!(
                w,
                "| {name} | {} | step {}: {} | {} of {} | {} | {} | {} | {} |",
                s.full.config.seed,
                s.step,
                s.chosen,
                s.neurons.len(),
                s.full.config.hidden,
                at(&full),
                at(&sub),
                at(&inverse),
                if s.holds() { "yes" } else { "no" }
            )
            .unwrap();
        }
        for (name, s) in self.subnets {
            let seed = s.full.config.seed;
            writeln!(
                w,
                "\n![test accuracy of the sub-networks, {name} seed {seed}](fig/subnetwork_{name}_seed{seed}.svg)"
            )
            .unwrap();
        }
    }

    fn paper_size(&self) -> bool {
        claims::paper_size(&self.runs[0].history.config)
    }
}
