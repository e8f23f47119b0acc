//! Training the paper's experiments headless: every preset and seed as the
//! runs of a sweep over them (the `paper` grid, trained as `grokscope
//! sweep` trains it), what the report reads from each run, and the
//! sub-network experiment for the runs that have one.

use super::sweep::{read_history, write_atomic};
use super::Options;
use crate::claims::{Run, Splits};
use crate::config::experiments;
use crate::engine::{self, gpu::Gpu};
use crate::run::batch::{finish, finish_batch};
use crate::run::driver::{Capture, Driver, Measuring};
use crate::run::history::History;
use crate::run::subnet::{self, Pick, Subnetwork};
use crate::run::Backend;
use crate::sweep::{self, grid::Grid, Spec};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// The experiments that get the sub-network experiment (the paper's two).
pub const SUBNETWORK_OF: [&str; 2] = ["wd2", "alpha8"];
/// Init seeds (0, 1, ...) of each that are retrained as sub-networks.
pub const SUBNETWORK_SEEDS: u64 = 3;
/// The experiments trained again on other splits (init seed 0), and the
/// split seeds beside the reproduction's own 0.
pub const SPLITS_OF: [&str; 2] = ["wd0.1", "wd2"];
pub const SPLIT_SEEDS: [u64; 2] = [1, 2];

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

/// The sweep the reproduction's runs are: the selected experiments (the
/// `paper` grid when all are) with `o.mode` and `over` applied over each,
/// init seeds 0 to `o.seeds` - 1.
pub fn spec(o: &Options, over: &str) -> Result<Spec, String> {
    let grid = Grid::presets(selected(o)?).to_query();
    let spec = Spec::new(&format!("mode={}&{over}", o.mode.name()), &grid, o.seeds)?;
    let first = crate::url::parse(&spec.query).map_err(|e| e.to_string())?;
    if first.seed != 0 {
        return Err("--query: the reproduction's init seeds are 0 to N-1 (--seeds N): give no seed".into());
    }
    if first.every == 0 {
        return Err("reproduce needs progress measures (every > 0)".into());
    }
    Ok(spec)
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

/// The run `c` that an earlier reproduction wrote into `dir` as `runs/FILE`.
fn read_from(dir: &Path, file: &str, c: &crate::config::RunConfig) -> Result<History, String> {
    let path = dir.join("runs").join(file);
    let advice = "give the same --quick/--query/--mode as that reproduction";
    read_history(&path, c)
        .map_err(|e| format!("--from: {e}: {advice}"))?
        .ok_or_else(|| format!("--from: {} is missing", path.display()))
}

/// Every run of the selected experiments, in the sweep's order: read from
/// `o.from`, or from `o.out` where an interrupted reproduction left it, or
/// trained as a sweep trains (each run saved as it ends). The first wd2
/// run keeps the sensitivity analysis' activations (replayed when read).
pub fn run_all(o: &Options, over: &str, gpu: Option<&Gpu>) -> Result<(Vec<Run>, Vec<Capture>), String> {
    let spec = spec(o, over)?;
    let presets = selected(o)?;
    let runs = spec.runs()?;
    let total = runs.len();
    // One cell per preset, in the grid's order.
    let preset = |r: &sweep::Run| presets[r.cell];
    // Each run in its place, as it is read or ends; the captures kept.
    let done = Mutex::new(((0..total).map(|_| None).collect::<Vec<Option<Run>>>(), Vec::new()));
    let finished = |r: &sweep::Run, run: Run, captures: Vec<Capture>, took: String| {
        let mut d = done.lock().unwrap();
        d.1.extend(captures);
        if !o.quiet {
            eprintln!(
                "[{}/{total}] {} seed {}: memorised {}, grokked {}, predicted {} ({took})",
                d.0.iter().flatten().count() + 1,
                run.preset,
                run.seed,
                crate::claims::fmt_step(run.memorised),
                crate::claims::fmt_step(run.grokked),
                if run.prediction.groks { "grok" } else { "no grok" },
            );
        }
        d.0[r.index] = Some(run);
    };
    let mut pending = Vec::new();
    for r in &runs {
        let capture = if preset(r) == "wd2" && r.config.seed == 0 { sensitivity_steps(&r.config) } else { Vec::new() };
        let saved = match &o.from {
            Some(dir) => {
                let h = read_from(dir, &r.file, &r.config)?;
                write_atomic(&o.out.join("runs").join(&r.file), &crate::run::to_json(&h))?;
                Some(h)
            }
            None => super::sweep::read_run(&o.out, r)?,
        };
        match saved {
            Some(h) => {
                let captures =
                    if capture.is_empty() { Vec::new() } else { replay(&r.config, gpu, o.threads, &capture)? };
                finished(r, Run::of(preset(r), h, Vec::new(), f64::NAN), captures, "read back".into());
            }
            None => pending.push((r, capture)),
        }
    }
    super::sweep::train(&o.out, &pending, gpu, o.threads, |r, (history, captures, skipped), seconds| {
        finished(r, Run::of(preset(r), history, skipped, seconds), captures, format!("{seconds:.0} s"));
        Ok(())
    })?;
    let (runs, captures) = done.into_inner().unwrap();
    Ok((runs.into_iter().map(|r| r.expect("every run was read or trained")).collect(), captures))
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
                    crate::claims::fmt_step(s.sub.grokked_at()),
                    crate::claims::fmt_step(s.inverse.grokked_at()),
                    crate::claims::fmt_step(s.full.grokked_at()),
                    t.elapsed().as_secs_f64()
                );
            }
            out.push((name, s));
        }
    }
    Ok(out)
}

/// The sub-network experiment an earlier reproduction saved as
/// `fig/NAME.json` ([`Options::saved`]), if it is the one `full` would get
/// now (same run, same chosen checkpoint and neurons).
fn saved_subnetwork(o: &Options, name: &str, full: &History) -> Option<Subnetwork> {
    let text = std::fs::read_to_string(o.saved().join("fig").join(format!("{name}.json"))).ok()?;
    let s: Subnetwork = serde_json::from_str(&text).ok()?;
    let (cp, _) = subnet::pick_checkpoint(full, Pick::Emergence).ok()?;
    (s.full.config == full.config && s.step == cp.step && s.neurons == subnet::synergy_neurons(cp) && !s.silence)
        .then_some(s)
}

/// [`SPLITS_OF`] on the split seeds [`SPLIT_SEEDS`] (init seed 0, no
/// measures), beside the reproduction's own split 0; each run is saved as
/// `runs/<preset>_split<k>_seed0.json` and read back ([`Options::saved`])
/// when there.
pub fn splits(o: &Options, runs: &[Run], gpu: Option<&Gpu>) -> Result<Vec<Splits>, String> {
    let mut out = Vec::new();
    for preset in SPLITS_OF {
        let Some(own) = runs.iter().find(|r| r.preset == preset && r.seed == 0) else { continue };
        let mut grokked = vec![(own.history.config.split_seed, own.grokked)];
        for split_seed in SPLIT_SEEDS {
            let c = crate::config::RunConfig { split_seed, every: 0, ..own.history.config.clone() };
            let t = Instant::now();
            let file = format!("{preset}_split{split_seed}_seed0.json");
            let saved = o.saved().join("runs").join(&file);
            let h = match read_history(&saved, &c).ok().flatten() {
                Some(h) => h,
                None => train(&c, gpu, o.threads, &[], |_| {})?.0,
            };
            write_atomic(&o.out.join("runs").join(&file), &crate::run::to_json(&h))?;
            if !o.quiet {
                let g = crate::claims::fmt_step(h.grokked_at());
                eprintln!("{preset} split {split_seed}: grokked {g} ({:.0} s)", t.elapsed().as_secs_f64());
            }
            grokked.push((split_seed, h.grokked_at()));
        }
        out.push(Splits { preset, grokked });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::QUICK_QUERY;

    fn options(only: &[&str]) -> Options {
        Options {
            seeds: 5,
            quick: true,
            mode: crate::analysis::Mode::Mean,
            backend: Backend::Cpu,
            out: "unused".into(),
            query: None,
            threads: 1,
            subnetwork: false,
            quiet: true,
            only: only.iter().map(|s| s.to_string()).collect(),
            splits: false,
            from: None,
        }
    }

    #[test]
    fn the_reproductions_runs_are_the_paper_sweep() {
        let runs = spec(&options(&[]), QUICK_QUERY).unwrap().runs().unwrap();
        // Each experiment with --quick over it and init seeds 0-4, as the
        // reproduction has always configured them.
        let want: Vec<_> = experiments()
            .flat_map(|p| (0..5).map(move |s| format!("preset={p}&seed={s}&mode=mean&{QUICK_QUERY}")))
            .map(|q| crate::url::parse(&q).unwrap())
            .collect();
        assert_eq!(runs.iter().map(|r| &r.config).collect::<Vec<_>>(), want.iter().collect::<Vec<_>>());
        // `grokscope sweep QUERY --grid paper --seeds 5` trains the same runs into the same files.
        assert_eq!(Spec::new(QUICK_QUERY, "paper", 5).unwrap().runs().unwrap(), runs);
        let only = spec(&options(&["alpha8", "wd2"]), QUICK_QUERY).unwrap();
        assert_eq!(only.grid, "preset=wd2,alpha8", "the paper's order");
        assert_eq!(only.runs().unwrap()[5].file, "alpha8_seed0.json");
    }

    #[test]
    fn the_reproduction_refuses_what_breaks_its_seeds_or_measures() {
        let e = spec(&options(&[]), &format!("{QUICK_QUERY}&seed=3")).unwrap_err();
        assert!(e.contains("give no seed"), "{e}");
        assert!(spec(&options(&[]), "every=0").unwrap_err().contains("every > 0"));
    }
}
