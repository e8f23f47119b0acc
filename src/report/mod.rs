//! `grokscope reproduce`: every experiment of the paper headless, with
//! seeds, figures, tables, the claims' verdicts, phases, the early-synergy
//! prediction, which measure announces grokking first (`leads`), the
//! sub-network experiment and the measures' sensitivity, in one REPORT.md;
//! and `grokscope sweep`: a grid of runs and its phase diagram, SWEEP.md
//! (`sweep`, `phase_diagram`). Native only (it writes files).

pub mod experiments;
pub mod figures;
pub mod leads;
pub mod markdown;
pub mod phase_diagram;
pub mod sensitivity;
pub mod sweep;

use crate::analysis::Mode;
use crate::run::Backend;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Settings of `grokscope reproduce`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Seeds per experiment (init seeds 0..seeds; the split is fixed).
    pub seeds: u32,
    pub quick: bool,
    pub mode: Mode,
    pub backend: Backend,
    pub out: PathBuf,
    /// Parameters applied over every preset (None: `QUICK_QUERY` with `--quick`).
    pub query: Option<String>,
    pub threads: usize,
    /// Run the sub-network experiment (`experiments::SUBNETWORK_OF`).
    pub subnetwork: bool,
    pub quiet: bool,
    /// Only these presets (empty: every experiment).
    pub only: Vec<String>,
    /// Train wd 0.1 and wd 2 on more splits (`experiments::SPLIT_SEEDS`).
    pub splits: bool,
    /// Read the runs from an earlier reproduction's folder instead of
    /// training them (phases, prediction, claims and sub-networks anew).
    pub from: Option<PathBuf>,
}

impl Options {
    /// Where runs, split runs and sub-networks saved before are read back
    /// from instead of trained: `from`, else the output folder (what an
    /// interrupted reproduction left there).
    pub fn saved(&self) -> &Path {
        self.from.as_deref().unwrap_or(&self.out)
    }
}

/// What `--quick` changes in every preset: a smaller task and fewer steps.
pub const QUICK_QUERY: &str = "p=59&frac=0.5&hidden=128&steps=1000&every=10";
/// Seeds of the full and the quick reproduction.
pub const SEEDS: u32 = 5;
pub const QUICK_SEEDS: u32 = 1;

/// The prediction rule fitted on init seeds 0 and 1 (when there are held-out
/// seeds to score it on; else the default), applied to every run.
fn fitted_rule(runs: &mut [crate::claims::Run]) -> crate::run::predict::Rule {
    use crate::run::predict;
    let rule = if runs.iter().any(|r| r.seed >= 2) {
        let fit_on: Vec<_> = runs.iter().filter(|r| r.seed < 2).map(|r| r.series()).collect();
        predict::fit(&fit_on)
    } else {
        predict::Rule::default()
    };
    runs.iter_mut().for_each(|r| r.predict(&rule));
    rule
}

/// Runs every experiment and writes the report into `o.out`.
pub fn reproduce(o: &Options) -> Result<(), String> {
    let started = Instant::now();
    let fig = o.out.join("fig");
    for d in [&o.out, &fig, &o.out.join("runs")] {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    let over = o.query.clone().or_else(|| o.quick.then(|| QUICK_QUERY.to_string())).unwrap_or_default();
    experiments::spec(o, &over)?;
    let gpu = experiments::open_gpu(o.backend)?;
    let (mut runs, captures) = experiments::run_all(o, &over, gpu.as_ref())?;
    let rule = fitted_rule(&mut runs);
    let subnets = if o.subnetwork { experiments::subnetworks(o, &runs, gpu.as_ref())? } else { Vec::new() };
    let splits = if o.splits { experiments::splits(o, &runs, gpu.as_ref())? } else { Vec::new() };
    let t = Instant::now();
    let sensitivity = match runs.iter().find(|r| r.preset == "wd2" && r.seed == 0) {
        Some(r) if !captures.is_empty() => sensitivity::table(&r.history.config, &captures),
        _ => String::new(),
    };
    if !o.quiet {
        eprintln!("sensitivity analysis: {:.0} s", t.elapsed().as_secs_f64());
    }
    let figures = figures::figures(&fig, &runs)?;
    let report = markdown::Report {
        options: o,
        over: &over,
        runs: &runs,
        subnets: &subnets,
        splits: &splits,
        rule: &rule,
        figures: &figures,
        sensitivity: &sensitivity,
        seconds: started.elapsed().as_secs_f64(),
    };
    let path = o.out.join("REPORT.md");
    std::fs::write(&path, report.render()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    if !o.quiet {
        eprintln!("wrote {} ({:.0} s)", path.display(), started.elapsed().as_secs_f64());
    }
    Ok(())
}
