//! `grokscope sweep`: trains a sweep's runs (or one shard's), each into
//! its own file as soon as it ends, so that an interrupted sweep resumes
//! where it stopped; merges the runs of shards; and reads every run back
//! for the phase diagram (`phase_diagram`). A folder holds one sweep: its
//! `sweep.json` (the [`Spec`]) and `runs/` (each run as `grokscope train
//! --out` writes it). Shards share nothing but this layout. `reproduce`
//! trains its runs (the `paper` grid's) through the same [`train`], into
//! the same `runs/` layout, so it resumes as a sweep does.

use super::experiments;
use crate::config::RunConfig;
use crate::engine::gpu::Gpu;
use crate::run::history::History;
use crate::run::Backend;
use crate::sweep::cost::duration;
use crate::sweep::shard::Shard;
use crate::sweep::{Run, Spec};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Settings of `grokscope sweep`.
#[derive(Clone, Debug)]
pub struct Options {
    pub spec: Spec,
    pub backend: Backend,
    /// CPU threads in all (0: every core), shared among runs trained at once.
    pub threads: usize,
    pub shard: Shard,
    pub out: PathBuf,
    pub quiet: bool,
}

const SPEC_FILE: &str = "sweep.json";
const RUNS: &str = "runs";
/// Most runs in one GPU batch: bounds the GPU's memory, and what an
/// interrupted sweep trains again.
const GPU_BATCH: usize = 32;

/// Trains the runs of `o.shard` not yet in `o.out`, and writes the phase
/// diagram when the sweep is not sharded. Returns how many runs it trained.
pub fn sweep(o: &Options) -> Result<usize, String> {
    let runs_dir = o.out.join(RUNS);
    std::fs::create_dir_all(&runs_dir).map_err(|e| format!("cannot create {}: {e}", runs_dir.display()))?;
    claim(&o.out, &o.spec)?;
    let runs = o.spec.runs()?;
    let mine: Vec<&Run> = runs.iter().filter(|r| o.shard.takes(r.index)).collect();
    let mut pending = Vec::new();
    for r in &mine {
        if read_run(&o.out, r)?.is_none() {
            pending.push(*r);
        }
    }
    let gpu = match pending.is_empty() {
        true => None,
        false => experiments::open_gpu(o.backend)?,
    };
    if !o.quiet {
        let on = gpu.as_ref().map_or("the CPU".to_string(), |g| g.adapter.clone());
        let shard =
            if o.shard == Shard::ALL { String::new() } else { format!(" (shard {}: {} of them)", o.shard, mine.len()) };
        eprintln!(
            "sweep of {} runs{shard}: {} done before, {} to train on {on}",
            runs.len(),
            mine.len() - pending.len(),
            pending.len()
        );
    }
    let progress = Mutex::new(Progress::new(&mine, &pending, o.quiet));
    let pending: Vec<ToTrain> = pending.into_iter().map(|r| (r, Vec::new())).collect();
    train(&o.out, &pending, gpu.as_ref(), o.threads, |run, (_, _, skipped), _| {
        progress.lock().unwrap().run_done(run, &skipped);
        Ok(())
    })?;
    let trained = progress.into_inner().unwrap().finish();
    if o.shard == Shard::ALL {
        let report = write_diagram(&o.out, &o.spec, std::slice::from_ref(&o.out))?;
        if !o.quiet {
            eprintln!("wrote {}", report.display());
        }
    } else if !o.quiet {
        eprintln!("shard {} done; when every shard is, combine them: grokscope sweep merge DIR... --out DIR", o.shard);
    }
    Ok(trained)
}

/// A run to train, with the steps whose activations it keeps.
pub(super) type ToTrain<'a> = (&'a Run, Vec<u32>);

/// Trains `runs` (each with the steps whose activations it keeps), writes
/// each into `dir/runs/` as soon as it ends, and hands it to `done` with
/// the seconds it took: on the GPU, runs that share the engine's shapes
/// train as one batch and share its time; on the CPU, several at once.
pub(super) fn train(
    dir: &Path,
    runs: &[ToTrain],
    gpu: Option<&Gpu>,
    threads: usize,
    done: impl Fn(&Run, experiments::Trained, f64) -> Result<(), String> + Sync,
) -> Result<(), String> {
    let finished = |run: &Run, trained: experiments::Trained, seconds: f64| {
        write_atomic(&dir.join(RUNS).join(&run.file), &crate::run::to_json(&trained.0))?;
        done(run, trained, seconds)
    };
    match gpu {
        Some(g) => {
            let refs: Vec<&Run> = runs.iter().map(|(r, _)| *r).collect();
            let capture =
                |r: &Run| runs.iter().find(|(x, _)| std::ptr::eq(*x, r)).map_or(Vec::new(), |(_, c)| c.clone());
            for batch in crate::sweep::batches(&refs, GPU_BATCH) {
                let t = Instant::now();
                let configs: Vec<_> = batch.iter().map(|r| (r.config.clone(), capture(r))).collect();
                let trained = experiments::train_batch(&configs, Some(g), threads, |_| {})?;
                let seconds = t.elapsed().as_secs_f64() / batch.len() as f64;
                for (r, t) in batch.iter().zip(trained) {
                    finished(r, t, seconds)?;
                }
            }
            Ok(())
        }
        None => {
            // Small models gain little from threads within a run: the
            // threads go to runs trained at once, the rest within each.
            let threads = if threads == 0 { crate::par::threads() } else { threads };
            let at_once = threads.min(runs.len()).max(1);
            let within = (threads / at_once).max(1);
            let results = crate::par::map(at_once, runs.iter().collect(), |(r, capture)| {
                let t = Instant::now();
                let trained = experiments::train(&r.config, None, within, capture, |_| {})?;
                finished(r, trained, t.elapsed().as_secs_f64())
            });
            results.into_iter().collect()
        }
    }
}

/// Combines the runs in the sweep folders `dirs` (shards of one sweep)
/// into `out` (which may be one of them) and writes its phase diagram.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<PathBuf, String> {
    let first = dirs.first().ok_or("merge needs at least one sweep folder")?;
    let spec =
        read_spec(first)?.ok_or_else(|| format!("{} holds no sweep ({SPEC_FILE} is missing)", first.display()))?;
    for d in &dirs[1..] {
        match read_spec(d)? {
            Some(s) if s == spec => {}
            Some(s) => {
                return Err(format!("{} holds another sweep than {}: {}", d.display(), first.display(), describe(&s)))
            }
            None => return Err(format!("{} holds no sweep ({SPEC_FILE} is missing)", d.display())),
        }
    }
    let runs_dir = out.join(RUNS);
    std::fs::create_dir_all(&runs_dir).map_err(|e| format!("cannot create {}: {e}", runs_dir.display()))?;
    claim(out, &spec)?;
    write_diagram(out, &spec, dirs)
}

/// Reads every run of `spec` from the first of `dirs` holding it, copies
/// it into `out` when it is not there, and writes the phase diagram.
fn write_diagram(out: &Path, spec: &Spec, dirs: &[PathBuf]) -> Result<PathBuf, String> {
    let runs = spec.runs()?;
    let (mut histories, mut missing) = (Vec::new(), Vec::new());
    for r in &runs {
        let mut found = None;
        for d in dirs {
            if let Some(h) = read_run(d, r)? {
                found = Some((d, h));
                break;
            }
        }
        match found {
            Some((d, h)) => {
                if !same_dir(d, out) {
                    let (from, to) = (d.join(RUNS).join(&r.file), out.join(RUNS).join(&r.file));
                    std::fs::copy(&from, &to)
                        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))?;
                }
                histories.push(h);
            }
            None => missing.push(r.file.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "{} of {} runs are in none of the folders (e.g. {}): run the shards that hold them first",
            missing.len(),
            runs.len(),
            missing[..missing.len().min(3)].join(", ")
        ));
    }
    super::phase_diagram::write(out, spec, &runs, &histories)
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn describe(s: &Spec) -> String {
    format!("`{}` over `{}`, {} seeds", s.grid, s.query, s.seeds)
}

fn read_spec(dir: &Path) -> Result<Option<Spec>, String> {
    let file = dir.join(SPEC_FILE);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| format!("{} is not a sweep's {SPEC_FILE}: {e}", file.display()))
}

/// Makes `dir` the folder of `spec`'s sweep, or checks that it is.
fn claim(dir: &Path, spec: &Spec) -> Result<(), String> {
    match read_spec(dir)? {
        Some(s) if s == *spec => Ok(()),
        Some(s) => Err(format!("{} holds another sweep ({}): give another --out", dir.display(), describe(&s))),
        None => write_atomic(&dir.join(SPEC_FILE), &serde_json::to_string_pretty(spec).expect("a spec serialises")),
    }
}

/// The run `r` from `dir`'s runs (None: not trained there yet). A file
/// that cannot be read, or holds another run, is an error: it is never
/// silently trained over.
pub(super) fn read_run(dir: &Path, r: &Run) -> Result<Option<History>, String> {
    read_history(&dir.join(RUNS).join(&r.file), &r.config)
        .map_err(|e| format!("{e}: delete it to train that run again"))
}

/// The history saved as `file`, checked to be the run `config` describes
/// (None: there is no such file; an error names the file).
pub(super) fn read_history(file: &Path, config: &RunConfig) -> Result<Option<History>, String> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", file.display())),
    };
    let h = History::from_json(&text).map_err(|e| format!("{} is not a run's JSON ({e})", file.display()))?;
    if h.config != *config {
        return Err(format!("{} holds the run `{}`, not `{}`", file.display(), h.query, crate::url::to_query(config)));
    }
    Ok(Some(h))
}

/// Writes `text` to `path` through a temporary file beside it, so that a
/// sweep stopped mid-write leaves no half file for a resumed one to trip on.
pub(super) fn write_atomic(path: &Path, text: &str) -> Result<(), String> {
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Runs and cells done of those to train, and the time left at the pace so far.
struct Progress {
    quiet: bool,
    start: Instant,
    /// Per cell of this shard, its runs still to train.
    left: std::collections::BTreeMap<usize, usize>,
    cells: usize,
    trained: usize,
    total: usize,
}

impl Progress {
    fn new(mine: &[&Run], pending: &[&Run], quiet: bool) -> Progress {
        let mut left = std::collections::BTreeMap::new();
        mine.iter().for_each(|r| {
            left.entry(r.cell).or_insert(0);
        });
        pending.iter().for_each(|r| *left.entry(r.cell).or_insert(0) += 1);
        let p = Progress { quiet, start: Instant::now(), cells: left.len(), left, trained: 0, total: pending.len() };
        p.draw();
        p
    }

    fn run_done(&mut self, run: &Run, skipped: &[String]) {
        self.trained += 1;
        if let Some(n) = self.left.get_mut(&run.cell) {
            *n -= 1;
        }
        if !self.quiet && !skipped.is_empty() {
            eprintln!(
                "\n{}: {} checkpoint(s) not analysable and left out, e.g. {}",
                run.file,
                skipped.len(),
                skipped[0]
            );
        }
        self.draw();
    }

    fn draw(&self) {
        if self.quiet || self.total == 0 {
            return;
        }
        let cells_done = self.left.values().filter(|&&n| n == 0).count();
        let secs = self.start.elapsed().as_secs_f64();
        let left = match self.trained {
            0 => "time left: after the first run".to_string(),
            n => format!("about {} left", duration(secs / n as f64 * (self.total - n) as f64)),
        };
        eprint!("\r{}/{} runs, {cells_done}/{} cells done, {left}   ", self.trained, self.total, self.cells);
        let _ = std::io::stderr().flush();
    }

    fn finish(self) -> usize {
        if !self.quiet && self.total > 0 {
            eprintln!("\ntrained {} runs in {}", self.trained, duration(self.start.elapsed().as_secs_f64()));
        }
        self.trained
    }
}
