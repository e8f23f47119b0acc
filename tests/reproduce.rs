//! The headless experiments end to end: the sub-network masking on the CPU
//! engine, `grokscope subnetwork` and `grokscope reproduce --quick` (at a
//! tiny size, so the whole report is built in seconds).

use grokscope::config::RunConfig;
use grokscope::engine::{self, Arrival, Engine, Mask, Work};
use grokscope::run::history::{History, Measures};
use grokscope::run::subnet::{mask_of, pick_checkpoint, synergy_neurons, Pick};
use std::path::{Path, PathBuf};
use std::process::Command;

fn grokscope(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_grokscope")).args(args).env("XDG_RUNTIME_DIR", "/tmp").output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `reproduce --quick` at a tiny size (`over` added to the query), quiet,
/// on the CPU, into `out`.
fn tiny_reproduce(over: &str, extra: &[&str], out: &Path) -> std::process::Output {
    let query = format!("p=23&hidden=64&every=10&{over}");
    let mut args = vec!["reproduce", "--quick", "--query", &query, "--backend", "cpu", "--quiet"];
    args.extend_from_slice(extra);
    args.extend(["--out", out.to_str().unwrap()]);
    grokscope(&args)
}

fn small() -> RunConfig {
    RunConfig { p: 13, hidden: 16, steps: 30, every: 0, ..RunConfig::default() }
}

const KEPT: [usize; 4] = [0, 3, 5, 11];

fn trained(c: &RunConfig, mask: &Mask) -> (grokscope::model::Params, Vec<f32>) {
    let mut e = engine::start_masked(c, None, 1, Some(mask)).unwrap();
    e.submit(&Work::Train(c.steps)).unwrap();
    e.submit(&Work::Read { model: 0, train: true, all: None, params: true }).unwrap();
    let _steps = pollster::block_on(e.wait()).unwrap();
    match pollster::block_on(e.wait()).unwrap() {
        Some(Arrival::Read { train: Some(acts), params: Some((prm, _)), .. }) => (prm, acts),
        other => panic!("expected the read, got {other:?}"),
    }
}

#[test]
fn switched_off_neurons_stay_off() {
    let c = small();
    let mask = mask_of(&KEPT, 16, false);
    let (prm, acts) = trained(&c, &mask);
    let inputs = prm.shape.inputs();
    for j in 0..16 {
        let w1: Vec<f32> = (0..inputs).map(|i| prm.w1(j, i)).collect();
        if KEPT.contains(&j) {
            assert!(w1.iter().any(|&x| x != 0.0), "kept neuron {j} has no weights");
        } else {
            assert!(w1.iter().all(|&x| x == 0.0), "neuron {j}'s W1 row is not zero: {w1:?}");
            // The authors' masking: the neuron still outputs ReLU(b1).
            let out = prm.b1(j).max(0.0);
            assert!(acts.chunks(16).all(|row| row[j] == out));
        }
    }
    // The mask changes training: the kept neurons differ from the unmasked run's.
    let mut free = engine::start(&c, None, 1).unwrap();
    free.submit(&Work::Train(c.steps)).unwrap();
    let Engine::Cpu(free) = free else { unreachable!() };
    assert_ne!(free.models[0].params().w1(0, 0), prm.w1(0, 0));
}

#[test]
fn silenced_neurons_are_silent() {
    let c = small();
    let (prm, acts) = trained(&c, &mask_of(&KEPT, 16, true));
    let rows = acts.len() / 16;
    for j in (0..16).filter(|j| !KEPT.contains(j)) {
        assert_eq!(prm.b1(j), 0.0);
        assert!((0..13).all(|k| prm.w2(k, j) == 0.0), "neuron {j}'s W2 column is not zero");
        assert!((0..rows).all(|r| acts[r * 16 + j] == 0.0), "neuron {j} is active");
    }
    assert!((0..rows).any(|r| KEPT.iter().any(|&j| acts[r * 16 + j] != 0.0)));
}

#[test]
fn the_multiplet_is_read_from_the_checkpoint() {
    let mut h = History::new(&RunConfig { hidden: 6, ..RunConfig::default() }, "cpu");
    let cp = |step, synergy, clusters: Vec<usize>| Measures {
        step,
        synergy,
        redundancy: 0.0,
        synergy_size: 0,
        synergy_clusters: clusters,
        redundancy_size: 0,
        sizes: None,
        labels: vec![0, 1, 2, 1, 0, 2],
    };
    h.checkpoints = vec![cp(10, -0.1, vec![0]), cp(20, -0.5, vec![1, 2]), cp(30, -0.2, vec![2])];
    let best = pick_checkpoint(&h, Pick::Minimum).unwrap().0;
    assert_eq!(best.step, 20);
    assert_eq!(synergy_neurons(best), [1, 2, 3, 5]);
    assert_eq!(pick_checkpoint(&h, Pick::Step(29)).unwrap().0.step, 20);
    assert_eq!(synergy_neurons(pick_checkpoint(&h, Pick::Step(35)).unwrap().0), [2, 5]);
    assert!(pick_checkpoint(&h, Pick::Step(5)).is_err());
    let m = mask_of(&[1, 3], 6, false);
    assert_eq!(m.keep, [false, true, false, true, false, false]);
    assert_eq!(m.inverse().keep, [true, false, true, false, true, true]);
}

#[test]
fn subnetwork_writes_three_curves() {
    let dir = scratch("subnetwork");
    let out = grokscope(&[
        "subnetwork",
        "p=13&hidden=24&steps=40&every=10&clusters=4",
        "--out",
        dir.to_str().unwrap(),
        "--backend",
        "cpu",
        "--step",
        "20",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(dir.join("subnetwork.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("synergistic sub-network") && svg.contains("inverse"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("subnetwork.json")).unwrap()).unwrap();
    assert_eq!(json["step"], 20);
    let neurons = json["neurons"].as_array().unwrap().len();
    assert!((1..=24).contains(&neurons));
    for run in ["full", "sub", "inverse"] {
        assert_eq!(json[run]["steps"].as_array().unwrap().len(), 40, "{run}");
    }
    assert!(json["sub"]["checkpoints"].as_array().unwrap().is_empty());
}

/// `reproduce --quick` at a tiny size: every experiment, every figure the
/// report names exists as a non-empty SVG, every run's history is written.
#[test]
fn reproduce_quick_writes_a_complete_report() {
    let dir = scratch("reproduce");
    let out = tiny_reproduce("steps=150", &[], &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report = std::fs::read_to_string(dir.join("REPORT.md")).unwrap();
    for preset in ["wd0.1", "wd2", "wd10", "wd50", "alpha1", "alpha8", "alpha50"] {
        assert!(report.contains(&format!("### {preset}\n")), "no section for {preset}");
        let json = std::fs::read_to_string(dir.join(format!("runs/{preset}_seed0.json"))).unwrap();
        let h: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(h["steps"].as_array().unwrap().len(), 150);
        assert_eq!(h["checkpoints"].as_array().unwrap().len(), 15);
    }
    for section in [
        "## Claims of the paper",
        "## Phases",
        "## Early synergy peak",
        "## Synergistic sub-networks",
        "## Sensitivity",
    ] {
        assert!(report.contains(section), "no {section}");
    }
    assert!(report.contains("scored runs right"));
    assert!(report.contains("| union | stable | all |"), "the sensitivity table covers mode, ties and samples");
    let figures: Vec<&str> = report.split("](").skip(1).map(|s| &s[..s.find(')').unwrap()]).collect();
    assert!(figures.len() >= 7 * 3 + 6 + 2, "{} figures", figures.len());
    for f in &figures {
        assert!(f.ends_with(".svg"), "{f}");
        let svg = std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>") && svg.len() > 1000, "{f}");
    }
    for name in ["wd2", "alpha8"] {
        assert!(figures.contains(&format!("fig/subnetwork_{name}_seed0.svg").as_str()));
        assert!(dir.join(format!("fig/subnetwork_{name}_seed0.json")).exists());
    }
    assert!(report.contains("## Spread of the grokking step") && report.contains("(split 2)"), "the splits' table");
    assert!(report.contains("## Size of the synergistic sub-network"), "the size rules compared");
    // The same report again from the saved runs, without training them.
    let again = scratch("reproduce-from");
    let out = tiny_reproduce("steps=150", &["--from", dir.to_str().unwrap()], &again);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let second = std::fs::read_to_string(again.join("REPORT.md")).unwrap();
    assert!(second.contains("The runs were read from"), "{second}");
    let phases = |r: &str| r[r.find("## Phases").unwrap()..r.find("## Early synergy").unwrap()].to_string();
    assert_eq!(phases(&second), phases(&report), "same runs, same phases");
    let saved = |d: &Path, f: &str| std::fs::read_to_string(d.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
    for f in ["fig/subnetwork_wd2_seed0.json", "runs/wd2_split1_seed0.json"] {
        assert_eq!(saved(&again, f), saved(&dir, f), "{f} read back as it was");
    }
    // A different configuration is refused, naming the file.
    let out = tiny_reproduce("steps=100", &["--from", dir.to_str().unwrap()], &again);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--from") && err.contains("wd0.1_seed0.json"), "{err}");
}

/// The reproduction's runs are the `paper` sweep's: a sweep over its
/// folder finds every run and trains none, and a reproduction run again
/// trains only the run missing, as an interrupted one is resumed.
#[test]
fn reproduce_resumes_and_its_folder_is_the_paper_sweep() {
    let dir = scratch("reproduce-sweep");
    let out = dir.to_str().unwrap();
    let over = "p=11&hidden=16&clusters=4&steps=40&every=10";
    let reproduce = || {
        let args = ["--seeds", "1", "--no-subnetwork", "--no-splits", "--backend", "cpu", "--out", out];
        let o = grokscope(&[&["reproduce", "--query", over][..], &args].concat());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (String::from_utf8_lossy(&o.stderr).into_owned(), std::fs::read_to_string(dir.join("REPORT.md")).unwrap())
    };
    let (_, report) = reproduce();
    let o = grokscope(&["sweep", over, "--grid", "paper", "--backend", "cpu", "--out", out]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success() && err.contains("sweep of 7 runs: 7 done before, 0 to train"), "{err}");
    let sweep = std::fs::read_to_string(dir.join("SWEEP.md")).unwrap();
    assert!(sweep.starts_with("# Sweep: `preset=wd0.1,wd2,wd10,wd50,alpha1,alpha8,alpha50`"), "{sweep}");
    assert_eq!(sweep.lines().filter(|l| l.starts_with("| wd") || l.starts_with("| alpha")).count(), 7, "{sweep}");

    let runs = dir.join("runs");
    let stamp = |f: &str| std::fs::metadata(runs.join(f)).unwrap().modified().unwrap();
    let kept = stamp("wd2_seed0.json");
    std::fs::remove_file(runs.join("wd50_seed0.json")).unwrap();
    let (err, again) = reproduce();
    assert_eq!(err.matches("(read back)").count(), 6, "{err}");
    let trained = err.lines().find(|l| l.contains("wd50 seed 0: ")).unwrap_or_else(|| panic!("{err}"));
    assert!(trained.ends_with(" s)"), "the run missing is trained again: {trained}");
    assert_eq!(stamp("wd2_seed0.json"), kept, "a run read back is not rewritten");
    assert!(runs.join("wd50_seed0.json").exists());
    let phases = |r: &str| r[r.find("## Phases").unwrap()..r.find("## Early synergy").unwrap()].to_string();
    assert_eq!(phases(&again), phases(&report), "the same runs, the same phases");
}

#[test]
fn reproduce_names_what_it_cannot_run() {
    let dir = scratch("reproduce-bad");
    let out = grokscope(&["reproduce", "--only", "wd3", "--backend", "cpu", "--out", dir.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("'wd3'"), "{err}");
    let out = grokscope(&["reproduce", "--quick", "--backend", "cpu"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--out"));
    let out = grokscope(&["subnetwork", "p=13&hidden=16&steps=10&every=0", "--backend", "cpu"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("every > 0"));
}

#[test]
fn the_paper_takes_the_multiplet_from_the_emergence_band() {
    use grokscope::engine::StepRecord;
    use grokscope::run::phases::{phases_of, Phase};
    // Memorised by step 40, test accuracy rising from step 600: synergy
    // deepens to step 300 (emergence), then the deepest point of the run
    // comes late, at step 3000, after grokking.
    let mut h = History::new(&RunConfig { steps: 4000, every: 10, hidden: 6, ..RunConfig::default() }, "cpu");
    let recs: Vec<StepRecord> = (1..=4000)
        .map(|s| StepRecord {
            step: s,
            train_loss: 1.0,
            train_acc: (s as f64 / 40.0).min(1.0),
            test_loss: 1.0,
            test_acc: if s < 600 { 0.01 } else { (0.01 + (s - 600) as f64 / 800.0).min(1.0) },
        })
        .collect();
    h.push(&recs);
    h.checkpoints = (1..=400)
        .map(|i| {
            let s = i * 10;
            let t = (s as f64).ln();
            let synergy = if s <= 300 {
                -0.5 * (t - 10f64.ln()) / (300f64.ln() - 10f64.ln())
            } else {
                -0.5 + 0.3 * ((s - 300) as f64 / 3700.0)
            };
            Measures {
                step: s,
                synergy: if s == 3000 { -0.9 } else { synergy },
                redundancy: 0.0,
                synergy_size: 0,
                synergy_clusters: vec![s as usize % 3],
                redundancy_size: 0,
                sizes: None,
                labels: vec![0, 1, 2, 1, 0, 2],
            }
        })
        .collect();
    let bands = phases_of(&h);
    let band = bands.iter().find(|b| b.phase == Phase::Emergence).expect("an emergence band");
    let (cp, chosen) = pick_checkpoint(&h, Pick::Emergence).unwrap();
    assert!((band.from_step..=band.to_step).contains(&cp.step), "{chosen}: {bands:?}");
    let lowest_inside = h
        .checkpoints
        .iter()
        .filter(|c| (band.from_step..=band.to_step).contains(&c.step))
        .map(|c| c.synergy)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(cp.synergy, lowest_inside);
    assert!(chosen.contains("emergence band"), "{chosen}");
    assert_eq!(pick_checkpoint(&h, Pick::Minimum).unwrap().0.step, 3000);
}
