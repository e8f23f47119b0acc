//! Training the paper's experiments headless: every preset and seed through
//! the run driver, what the report reads from each run, and the
//! sub-network experiment for the runs that have one.

use super::claims::Splits;
use super::Options;
use crate::config::experiments;
use crate::engine::{self, gpu::Gpu};
use crate::run::batch::{finish, finish_batch};
use crate::run::driver::{Capture, Driver, Measuring};
use crate::run::history::History;
use crate::run::phases::{self, PhaseBand};
use crate::run::predict::{self, Prediction, Rule};
use crate::run::subnet::{self, Pick, Subnetwork};
use crate::run::Backend;
use std::time::Instant;

/// Share of the run the early prediction may see: the first half (see
/// `predict`'s documentation for why not less).
pub const PREDICT_FRACTION: f64 = 0.5;

/// The experiments that get the sub-network experiment (the paper's two).
pub const SUBNETWORK_OF: [&str; 2] = ["wd2", "alpha8"];
/// Init seeds (0, 1, ...) of each that are retrained as sub-networks.
pub const SUBNETWORK_SEEDS: u64 = 3;
/// The experiments trained again on other splits (init seed 0), and the
/// split seeds beside the reproduction's own 0.
pub const SPLITS_OF: [&str; 2] = ["wd0.1", "wd2"];
pub const SPLIT_SEEDS: [u64; 2] = [1, 2];

/// One trained run and what the report reads from it.
pub struct Run {
    pub preset: &'static str,
    pub seed: u64,
    pub history: History,
    pub memorised: Option<u32>,
    pub grokked: Option<u32>,
    pub phases: Vec<PhaseBand>,
    pub prediction: Prediction,
    pub skipped: Vec<String>,
    pub seconds: f64,
}

impl Run {
    /// What the report reads from a history.
    pub fn of(preset: &'static str, history: History, skipped: Vec<String>, seconds: f64) -> Run {
        Run {
            preset,
            seed: history.config.seed,
            memorised: history.memorised_at(),
            grokked: history.grokked_at(),
            phases: phases::phases_of(&history),
            prediction: predict::predict_early(&history, PREDICT_FRACTION, &Rule::default()),
            skipped,
            seconds,
            history,
        }
    }

    /// The run's early prediction under `rule`.
    pub fn predict(&mut self, rule: &Rule) {
        self.prediction = predict::predict_early(&self.history, PREDICT_FRACTION, rule);
    }

    /// What the prediction reads of the run, and whether it grokked.
    pub fn series(&self) -> (predict::Series, Option<u32>) {
        (predict::Series::of(&self.history, PREDICT_FRACTION), self.grokked)
    }
}

/// The GPU for `backend` (None: the CPU engine), saying why on stderr when
/// the choice needs a word.
pub fn open_gpu(backend: Backend) -> Result<Option<Gpu>, String> {
    let request = (backend != Backend::Cpu).then(|| pollster::block_on(Gpu::request()));
    let (gpu, note) = backend.decide(request)?;
    if let Some(n) = note {
        eprintln!("grokscope: {n}");
    }
    Ok(gpu)
}

/// A trained run: its history, the activations it kept, and why checkpoints were skipped.
pub type Trained = (History, Vec<Capture>, Vec<String>);

/// Trains `c` with inline measures, keeping the activations at `capture`;
/// `progress` sees each batch's last record.
pub fn train(
    c: &crate::config::RunConfig,
    gpu: Option<&Gpu>,
    threads: usize,
    capture: &[u32],
    mut progress: impl FnMut(&crate::engine::StepRecord),
) -> Result<Trained, String> {
    let report = |d: &[Driver]| d[0].history().steps.last().into_iter().for_each(&mut progress);
    let mut done = train_batch(&[(c.clone(), capture.to_vec())], gpu, threads, report)?;
    Ok(done.remove(0))
}

/// Trains the runs `runs` (each with the steps whose activations it keeps)
/// together with inline measures: one batch on the GPU, so they must share
/// p, the width and the split sizes ([`engine::batch_key`]); on the CPU, an
/// engine per run stepped in turn. `progress` sees the runs after each
/// training submission.
pub fn train_batch(
    runs: &[(crate::config::RunConfig, Vec<u32>)],
    gpu: Option<&Gpu>,
    threads: usize,
    progress: impl FnMut(&[Driver]),
) -> Result<Vec<Trained>, String> {
    let refs: Vec<_> = runs.iter().map(|(c, _)| (c, None)).collect();
    let engine = engine::start_batch(&refs, gpu, threads).map_err(|e| e.to_string())?;
    let drivers: Vec<Driver> = runs
        .iter()
        .map(|(c, capture)| Driver::new(c, &engine.describe(), Measuring::Inline).capturing(capture))
        .collect();
    let done = pollster::block_on(finish_batch(drivers, engine, progress)).map_err(|e| e.to_string())?;
    Ok(done.into_iter().map(Driver::into_parts).collect())
}

/// Section 7 for a trained run.
pub fn subnetwork(
    full: History,
    pick: Pick,
    silence: bool,
    gpu: Option<&Gpu>,
    threads: usize,
) -> Result<Subnetwork, String> {
    pollster::block_on(subnet::experiment(full, pick, silence, |runs| engine::start_batch(runs, gpu, threads)))
}

/// The experiments `o` selects, in the paper's order.
pub fn selected(o: &Options) -> Result<Vec<&'static str>, String> {
    if let Some(bad) = o.only.iter().find(|q| !experiments().any(|p| p == q.as_str())) {
        return Err(format!("--only: '{bad}' is not one of the paper's experiments"));
    }
    let presets: Vec<&'static str> =
        experiments().filter(|p| o.only.is_empty() || o.only.iter().any(|q| q == p)).collect();
    if presets.is_empty() {
        return Err("--only selects no experiment".into());
    }
    Ok(presets)
}

/// The three checkpoints (5 %, 25 %, 100 % of the run) whose activations the
/// sensitivity analysis re-reads.
pub fn sensitivity_steps(c: &crate::config::RunConfig) -> Vec<u32> {
    let last = c.steps / c.every * c.every;
    let mut s: Vec<u32> = [0.05, 0.25, 1.0]
        .iter()
        .map(|f| (((c.steps as f64 * f / c.every as f64).round() as u32).max(1) * c.every).min(last))
        .collect();
    s.dedup();
    s
}

/// The configuration of one run of the reproduction.
fn config(o: &Options, over: &str, preset: &str, seed: u64) -> Result<crate::config::RunConfig, String> {
    let sep = if over.is_empty() { "" } else { "&" };
    let query = format!("preset={preset}&seed={seed}&mode={}{sep}{over}", o.mode.name());
    crate::url::parse(&query).map_err(|e| format!("{query}: {e}"))
}

/// Trains `c` again without measures, keeping the activations at `capture`.
fn replay(
    c: &crate::config::RunConfig,
    gpu: Option<&Gpu>,
    threads: usize,
    capture: &[u32],
) -> Result<Vec<Capture>, String> {
    let engine = engine::start(c, gpu, threads).map_err(|e| e.to_string())?;
    let driver = Driver::new(c, &engine.describe(), Measuring::Off).capturing(capture);
    let done = pollster::block_on(finish(driver, engine, |_| {}));
    Ok(done.map_err(|e| e.to_string())?.into_parts().1)
}

/// A run an earlier reproduction wrote into `dir`, checked to be the run
/// `c` describes.
fn read_run(dir: &std::path::Path, preset: &str, c: &crate::config::RunConfig) -> Result<History, String> {
    let file = dir.join("runs").join(format!("{preset}_seed{}.json", c.seed));
    let text = std::fs::read_to_string(&file).map_err(|e| format!("--from: cannot read {}: {e}", file.display()))?;
    let h = History::from_json(&text).map_err(|e| format!("--from: {}: {e}", file.display()))?;
    if h.config != *c {
        return Err(format!(
            "--from: {} was trained with `{}`, not `{}`: give the same --quick/--query/--mode as that reproduction",
            file.display(),
            h.query,
            crate::url::to_query(c)
        ));
    }
    Ok(h)
}

/// Every run of the selected experiments (trained, the seeds of an
/// experiment as one batch, or read from `o.from`); the first wd2 run keeps
/// the sensitivity analysis' activations.
pub fn run_all(o: &Options, over: &str, gpu: Option<&Gpu>) -> Result<(Vec<Run>, Vec<Capture>), String> {
    let presets = selected(o)?;
    let total = presets.len() * o.seeds as usize;
    let (mut runs, mut captures) = (Vec::new(), Vec::new());
    for &preset in &presets {
        let mut batch = Vec::new();
        for seed in 0..o.seeds as u64 {
            let c = config(o, over, preset, seed)?;
            if c.every == 0 {
                return Err("reproduce needs progress measures (every > 0)".into());
            }
            let capture = if preset == "wd2" && seed == 0 { sensitivity_steps(&c) } else { Vec::new() };
            batch.push((c, capture));
        }
        let t = Instant::now();
        let trained: Vec<Run> = match &o.from {
            Some(dir) => {
                let mut read = Vec::new();
                for (c, capture) in &batch {
                    if !capture.is_empty() {
                        captures.extend(replay(c, gpu, o.threads, capture)?);
                    }
                    read.push(Run::of(preset, read_run(dir, preset, c)?, Vec::new(), f64::NAN));
                }
                read
            }
            None => {
                let done = train_batch(&batch, gpu, o.threads, |_| {})?;
                let seconds = t.elapsed().as_secs_f64() / batch.len() as f64;
                done.into_iter()
                    .map(|(history, caps, skipped)| {
                        captures.extend(caps);
                        Run::of(preset, history, skipped, seconds)
                    })
                    .collect()
            }
        };
        for (run, (c, _)) in trained.into_iter().zip(&batch) {
            let file = o.out.join("runs").join(format!("{preset}_seed{}.json", c.seed));
            std::fs::write(&file, crate::run::to_json(&run.history))
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            if !o.quiet {
                let took = match o.from {
                    Some(_) => "read back".to_string(),
                    None => format!("{:.0} s, the seeds trained together", run.seconds),
                };
                eprintln!(
                    "[{}/{total}] {preset} seed {}: memorised {}, grokked {}, predicted {} ({took})",
                    runs.len() + 1,
                    c.seed,
                    super::markdown::fmt_step(run.memorised),
                    super::markdown::fmt_step(run.grokked),
                    if run.prediction.groks { "grok" } else { "no grok" },
                );
            }
            runs.push(run);
        }
    }
    Ok((runs, captures))
}

/// Section 7 on the first [`SUBNETWORK_SEEDS`] seeds of each of
/// [`SUBNETWORK_OF`], the multiplet taken from the emergence band.
pub fn subnetworks(o: &Options, runs: &[Run], gpu: Option<&Gpu>) -> Result<Vec<(&'static str, Subnetwork)>, String> {
    let mut out = Vec::new();
    for name in SUBNETWORK_OF {
        for r in runs.iter().filter(|r| r.preset == name && r.seed < SUBNETWORK_SEEDS) {
            if r.history.checkpoints.is_empty() {
                continue;
            }
            let t = Instant::now();
            let file = format!("subnetwork_{name}_seed{}", r.seed);
            let s = match saved_subnetwork(o, &file, &r.history) {
                Some(s) => s,
                None => subnetwork(r.history.clone(), Pick::Emergence, false, gpu, o.threads)?,
            };
            super::figures::write_subnetwork(&o.out.join("fig"), &file, &s)?;
            if !o.quiet {
                eprintln!(
                    "sub-network of {name} seed {}: {} neurons from step {}: grokked {} / inverse {} / full {} ({:.0} s)",
                    r.seed,
                    s.neurons.len(),
                    s.step,
                    super::markdown::fmt_step(s.sub.grokked_at()),
                    super::markdown::fmt_step(s.inverse.grokked_at()),
                    super::markdown::fmt_step(s.full.grokked_at()),
                    t.elapsed().as_secs_f64()
                );
            }
            out.push((name, s));
        }
    }
    Ok(out)
}

/// The sub-network experiment an earlier reproduction (`o.from`) saved as
/// `fig/NAME.json`, if it is the one `full` would get now (same run, same
/// chosen checkpoint and neurons).
fn saved_subnetwork(o: &Options, name: &str, full: &History) -> Option<Subnetwork> {
    let text = std::fs::read_to_string(o.from.as_ref()?.join("fig").join(format!("{name}.json"))).ok()?;
    let s: Subnetwork = serde_json::from_str(&text).ok()?;
    let (cp, _) = subnet::pick_checkpoint(full, Pick::Emergence).ok()?;
    (s.full.config == full.config && s.step == cp.step && s.neurons == subnet::synergy_neurons(cp) && !s.silence)
        .then_some(s)
}

/// [`SPLITS_OF`] on the split seeds [`SPLIT_SEEDS`] (init seed 0, no
/// measures), beside the reproduction's own split 0; each run is saved as
/// `runs/<preset>_split<k>.json` and read back from `o.from` when there.
pub fn splits(o: &Options, over: &str, runs: &[Run], gpu: Option<&Gpu>) -> Result<Vec<Splits>, String> {
    let mut out = Vec::new();
    for preset in SPLITS_OF {
        let Some(own) = runs.iter().find(|r| r.preset == preset && r.seed == 0) else { continue };
        let mut grokked = vec![(own.history.config.split_seed, own.grokked)];
        for split_seed in SPLIT_SEEDS {
            let c = crate::config::RunConfig { split_seed, every: 0, ..config(o, over, preset, 0)? };
            let t = Instant::now();
            let name = format!("{preset}_split{split_seed}");
            let h = match o.from.as_ref().and_then(|dir| read_run(dir, &name, &c).ok()) {
                Some(h) => h,
                None => train(&c, gpu, o.threads, &[], |_| {})?.0,
            };
            let file = o.out.join("runs").join(format!("{name}_seed0.json"));
            std::fs::write(&file, crate::run::to_json(&h))
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            if !o.quiet {
                let g = super::markdown::fmt_step(h.grokked_at());
                eprintln!("{preset} split {split_seed}: grokked {g} ({:.0} s)", t.elapsed().as_secs_f64());
            }
            grokked.push((split_seed, h.grokked_at()));
        }
        out.push(Splits { preset, grokked });
    }
    Ok(out)
}
