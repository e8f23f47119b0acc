//! grokscope on the command line: train a configuration headless and write
//! its history as JSON.

use grokscope::analysis::{self, AnalysisSettings};
use grokscope::engine::StepRecord;
use grokscope::npy;
use grokscope::report::experiments;
use grokscope::run::Backend;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage:
  grokscope train \"QUERY\" [--backend auto|gpu|cpu] [--out run.json] [--threads N] [--quiet]
      QUERY is the page's query string, e.g. \"preset=wd2&seed=3&steps=600\".
      Writes {\"config\", \"steps\": [{step, train_loss, train_acc, test_loss, test_acc}]} as JSON
      to --out (or stdout); progress goes to stderr.
  grokscope analyze FILE.npy [--clusters K] [--mode mean|union] [--ties random|stable|average] [--seed S] [--bias-correct]
      Progress measures of one activation matrix (float32/float64 .npy, rows = samples,
      columns = neurons), as JSON: labels, synergy, redundancy, dead_neurons, settings.
  grokscope fingerprint \"QUERY\"
      Prints a digest of the run's split and initial weights (equal on every target).
  grokscope reproduce --out DIR [--seeds N] [--quick] [--mode mean|union] [--backend auto|gpu|cpu]
                      [--query \"QUERY\"] [--only wd2,alpha8,...] [--threads N] [--no-subnetwork] [--no-splits]
                      [--from DIR0] [--quiet]
      Runs every experiment of the paper (wd0.1, wd2, wd10, wd50, alpha1, alpha8, alpha50; seeds 0..N,
      5 by default, 1 with --quick) and writes DIR/REPORT.md with SVG figures (DIR/fig/), each run's
      history (DIR/runs/), the claims' verdicts, phases, the early-synergy prediction (fitted on seeds
      0-1, scored on the others), the sub-network experiment (wd2, alpha8, seeds 0-2), wd0.1 and wd2 on
      two more splits, and the measures' sensitivity to mode, ties and samples.
      --quick applies \"p=59&frac=0.5&hidden=128&steps=1000&every=10\" over every preset; --query replaces that.
      --from DIR0 reads the runs of an earlier reproduction (DIR0/runs/) instead of training them; without
      it, runs already in DIR/runs/ are read back, so a reproduction run again resumes where it stopped.
  grokscope sweep \"QUERY\" --grid \"GRID\" --out DIR [--seeds N] [--backend auto|gpu|cpu] [--threads N]
                  [--shard I/N] [--quiet]
      Trains every cell of GRID over QUERY with init seeds seed, seed+1, ... (N, 1 by default) and writes
      DIR/SWEEP.md: heatmaps (SVG beside it) of the median steps to memorise and to grok, the final test
      accuracy, the regime and, with every > 0, the synergy peak's step. GRID is a query whose values are
      lists and spans: \"wd=0.03,0.1,1&frac=0.2..0.6:5\" (a..b:n: n values evenly spaced; a..b:n:log: in log).
      --grid paper: the paper's seven experiments (over preset, QUERY's keys over each), reproduce's runs.
      Each run is saved in DIR/runs/ as it ends; a sweep run again trains only the runs missing.
      --shard I/N trains only the I-th of N slices of the runs (I from 1; in a Slurm job array, taken
      from SLURM_ARRAY_TASK_ID, _MIN and _COUNT when --shard is not given) and writes no SWEEP.md.
  grokscope sweep merge DIR... --out DIR
      Combines the runs of a sweep's shards (each DIR holds some of them) into --out and writes its SWEEP.md.
  grokscope subnetwork \"QUERY\" [--at emergence|min] [--step N] [--silence] [--out DIR] [--backend auto|gpu|cpu] [--threads N]
      Section 7: trains QUERY, takes the neurons of its synergistic sub-network at the most synergistic
      checkpoint of the (delayed) emergence phase (--at min: of the whole run; --step N: the last
      checkpoint at or before step N), retrains from the same initialisation with only them (the
      others' W1 rows zeroed; --silence also zeroes their b1 and W2) and with only the others, and
      writes DIR/subnetwork.svg (test accuracy of the three) and DIR/subnetwork.json.";

fn main() -> ExitCode {
    std::env::set_var("XDG_RUNTIME_DIR", std::env::var("XDG_RUNTIME_DIR").unwrap_or_else(|_| "/tmp".into()));
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("grokscope: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = lexopt::Parser::from_env();
    match args.next().map_err(|e| e.to_string())? {
        Some(lexopt::Arg::Value(cmd)) if cmd == "train" => train(args),
        Some(lexopt::Arg::Value(cmd)) if cmd == "analyze" => analyze(args),
        Some(lexopt::Arg::Value(cmd)) if cmd == "reproduce" => reproduce(args),
        Some(lexopt::Arg::Value(cmd)) if cmd == "subnetwork" => subnetwork(args),
        Some(lexopt::Arg::Value(cmd)) if cmd == "sweep" => sweep(args),
        Some(lexopt::Arg::Value(cmd)) if cmd == "fingerprint" => {
            let query = args.value().map_err(|e| e.to_string())?.into_string().map_err(|_| "query is not UTF-8")?;
            let config = grokscope::url::parse(&query).map_err(|e| e.to_string())?;
            println!("{}", grokscope::fingerprint(&config));
            Ok(())
        }
        Some(lexopt::Arg::Long("help")) | Some(lexopt::Arg::Short('h')) => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("expected a command\n{USAGE}")),
    }
}

/// The value of the option just read.
fn value(args: &mut lexopt::Parser) -> Result<String, String> {
    args.value().map_err(|e| e.to_string())?.into_string().map_err(|_| "an option's value is not UTF-8".to_string())
}

fn analyze(mut args: lexopt::Parser) -> Result<(), String> {
    use lexopt::Arg::*;
    let mut settings = AnalysisSettings::default();
    let mut path = None;
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Value(p) if path.is_none() => path = Some(p),
            Long("clusters") => {
                settings.clusters = value(&mut args)?.parse().map_err(|_| "--clusters: expected a whole number")?
            }
            Long("mode") => settings.mode = value(&mut args)?.parse().map_err(|e| format!("--mode: {e}"))?,
            Long("ties") => settings.ties = value(&mut args)?.parse().map_err(|e| format!("--ties: {e}"))?,
            Long("seed") => settings.seed = value(&mut args)?.parse().map_err(|_| "--seed: expected a whole number")?,
            Long("bias-correct") => settings.bias_correct = true,
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let path = path.ok_or_else(|| format!("analyze needs a .npy file\n{USAGE}"))?;
    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.to_string_lossy()))?;
    let (x, rows, cols) = npy::read_matrix(&bytes).map_err(|e| format!("{}: {e}", path.to_string_lossy()))?;
    let result = analysis::analyze(&x, rows, cols, &settings).map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string(&result).map_err(|e| e.to_string())?);
    Ok(())
}

fn train(mut args: lexopt::Parser) -> Result<(), String> {
    use lexopt::Arg::*;
    let (mut query, mut out, mut backend, mut threads, mut quiet) = (None, None, Backend::Auto, 0usize, false);
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Value(q) if query.is_none() => query = Some(q.into_string().map_err(|_| "query is not UTF-8")?),
            Long("out") => out = Some(value(&mut args)?),
            Long("backend") => backend = value(&mut args)?.parse().map_err(|e| format!("--backend {e}"))?,
            Long("threads") => threads = value(&mut args)?.parse().map_err(|_| "--threads: expected a number")?,
            Long("quiet") => quiet = true,
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let config = grokscope::url::parse(&query.unwrap_or_default()).map_err(|e| e.to_string())?;
    let gpu = experiments::open_gpu(backend)?;
    if !quiet {
        let on = gpu.as_ref().map_or("CPU".to_string(), |g| g.adapter.clone());
        eprintln!("training {} on {on}", grokscope::url::to_query(&config));
    }
    let start = Instant::now();
    let mut last_draw: Option<Instant> = None;
    let (history, _, skipped) = experiments::train(&config, gpu.as_ref(), threads, &[], |r| {
        if !quiet && (last_draw.is_none_or(|t| t.elapsed().as_millis() > 100) || r.step == config.steps) {
            progress(r, config.steps, start.elapsed().as_secs_f64());
            last_draw = Some(Instant::now());
        }
    })?;
    if !quiet {
        eprintln!();
    }
    if let Some(e) = skipped.first() {
        eprintln!("grokscope: {} checkpoint(s) not analysable and left out, e.g. {e}", skipped.len());
    }
    let json = grokscope::run::to_json(&history);
    match out {
        Some(path) => std::fs::write(&path, json).map_err(|e| format!("cannot write {path}: {e}"))?,
        None => println!("{json}"),
    }
    match history.diverged_at {
        Some(step) => Err(format!("the run diverged (loss not finite) at step {step}; lower lr or alpha")),
        None => Ok(()),
    }
}

fn progress(r: &StepRecord, total: u32, secs: f64) {
    let width = 30;
    let done = (r.step as usize * width) / total as usize;
    eprint!(
        "\r[{}{}] step {}/{}  train acc {:.3}  test acc {:.3}  {:.0} steps/s ",
        "#".repeat(done),
        "-".repeat(width - done),
        r.step,
        total,
        r.train_acc,
        r.test_acc,
        r.step as f64 / secs.max(1e-9)
    );
    let _ = std::io::stderr().flush();
}

fn reproduce(mut args: lexopt::Parser) -> Result<(), String> {
    use grokscope::report::{self as rp, Options};
    use lexopt::Arg::*;
    let mut o = Options {
        seeds: 0,
        quick: false,
        mode: analysis::Mode::Mean,
        backend: Backend::Auto,
        out: std::path::PathBuf::new(),
        query: None,
        threads: 0,
        subnetwork: true,
        quiet: false,
        only: Vec::new(),
        splits: true,
        from: None,
    };
    let mut out = None;
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Long("out") => out = Some(value(&mut args)?),
            Long("seeds") => o.seeds = value(&mut args)?.parse().map_err(|_| "--seeds: expected a whole number")?,
            Long("quick") => o.quick = true,
            Long("mode") => o.mode = value(&mut args)?.parse().map_err(|e| format!("--mode: {e}"))?,
            Long("backend") => o.backend = value(&mut args)?.parse().map_err(|e| format!("--backend {e}"))?,
            Long("query") => o.query = Some(value(&mut args)?),
            Long("threads") => o.threads = value(&mut args)?.parse().map_err(|_| "--threads: expected a number")?,
            Long("no-subnetwork") => o.subnetwork = false,
            Long("no-splits") => o.splits = false,
            Long("from") => o.from = Some(value(&mut args)?.into()),
            Long("only") => o.only = value(&mut args)?.split(',').map(|s| s.trim().to_string()).collect(),
            Long("quiet") => o.quiet = true,
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    o.out = out.ok_or_else(|| format!("reproduce needs --out DIR\n{USAGE}"))?.into();
    if o.seeds == 0 {
        o.seeds = if o.quick { rp::QUICK_SEEDS } else { rp::SEEDS };
    }
    rp::reproduce(&o)
}

fn sweep(mut args: lexopt::Parser) -> Result<(), String> {
    use grokscope::report::sweep::{self, Options};
    use grokscope::sweep::{shard::Shard, Spec};
    use lexopt::Arg::*;
    let (mut query, mut merge, mut dirs, mut grid, mut seeds) = (None, false, Vec::new(), None, 1u32);
    let (mut out, mut backend, mut threads, mut shard, mut quiet) = (None, Backend::Auto, 0usize, None, false);
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Value(v) if query.is_none() && !merge && v == "merge" => merge = true,
            Value(v) if merge => dirs.push(std::path::PathBuf::from(v)),
            Value(q) if query.is_none() => query = Some(q.into_string().map_err(|_| "query is not UTF-8")?),
            Long("grid") => grid = Some(value(&mut args)?),
            Long("seeds") => seeds = value(&mut args)?.parse().map_err(|_| "--seeds: expected a whole number")?,
            Long("out") => out = Some(std::path::PathBuf::from(value(&mut args)?)),
            Long("backend") => backend = value(&mut args)?.parse().map_err(|e| format!("--backend {e}"))?,
            Long("threads") => threads = value(&mut args)?.parse().map_err(|_| "--threads: expected a number")?,
            Long("shard") => shard = Some(Shard::parse(&value(&mut args)?)?),
            Long("quiet") => quiet = true,
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let out = out.ok_or_else(|| format!("sweep needs --out DIR\n{USAGE}"))?;
    if merge {
        let report = sweep::merge(&dirs, &out)?;
        eprintln!("wrote {}", report.display());
        return Ok(());
    }
    let grid = grid.ok_or_else(|| format!("sweep needs --grid, e.g. --grid \"wd=0.1,1&frac=0.3,0.5\"\n{USAGE}"))?;
    let spec = Spec::new(&query.unwrap_or_default(), &grid, seeds)?;
    let shard = match shard {
        Some(s) => s,
        None => Shard::from_slurm(|k| std::env::var(k).ok()).transpose()?.unwrap_or(Shard::ALL),
    };
    sweep::sweep(&Options { spec, backend, threads, shard, out, quiet }).map(|_| ())
}

fn subnetwork(mut args: lexopt::Parser) -> Result<(), String> {
    use grokscope::run::subnet::Pick;
    use lexopt::Arg::*;
    let (mut query, mut pick, mut silence, mut out, mut backend, mut threads) =
        (None, Pick::Emergence, false, String::from("."), Backend::Auto, 0usize);
    while let Some(arg) = args.next().map_err(|e| e.to_string())? {
        match arg {
            Value(q) if query.is_none() => query = Some(q.into_string().map_err(|_| "query is not UTF-8")?),
            Long("step") => {
                pick = Pick::Step(value(&mut args)?.parse().map_err(|_| "--step: expected a whole number")?)
            }
            Long("at") => {
                pick = match value(&mut args)?.as_str() {
                    "emergence" => Pick::Emergence,
                    "min" => Pick::Minimum,
                    other => return Err(format!("--at: '{other}' is not emergence or min")),
                }
            }
            Long("silence") => silence = true,
            Long("out") => out = value(&mut args)?,
            Long("backend") => backend = value(&mut args)?.parse().map_err(|e| format!("--backend {e}"))?,
            Long("threads") => threads = value(&mut args)?.parse().map_err(|_| "--threads: expected a number")?,
            other => return Err(format!("{}\n{USAGE}", other.unexpected())),
        }
    }
    let config = grokscope::url::parse(&query.unwrap_or_default()).map_err(|e| e.to_string())?;
    if config.every == 0 {
        return Err("subnetwork needs checkpoints: set every > 0".into());
    }
    let gpu = experiments::open_gpu(backend)?;
    eprintln!("training {} ...", grokscope::url::to_query(&config));
    let (full, _, skipped) = experiments::train(&config, gpu.as_ref(), threads, &[], |_| {})?;
    if let Some(e) = skipped.first() {
        eprintln!("grokscope: {} checkpoint(s) not analysable, e.g. {e}", skipped.len());
    }
    let s = experiments::subnetwork(full, pick, silence, gpu.as_ref(), threads)?;
    let dir = std::path::Path::new(&out);
    grokscope::report::figures::write_subnetwork(dir, "subnetwork", &s)?;
    for (name, _, h) in s.runs() {
        let grokked = h.grokked_at().map_or("never".into(), |g| g.to_string());
        eprintln!("{name}: test accuracy 95 % at {grokked}, final {:.3}", h.final_test_acc());
    }
    eprintln!(
        "{} of {} neurons from {}; wrote {}",
        s.neurons.len(),
        config.hidden,
        s.chosen,
        dir.join("subnetwork.svg").display()
    );
    Ok(())
}
