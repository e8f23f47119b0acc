//! `grokscope sweep` end to end on a tiny grid (CPU): shards merged equal
//! the unsharded sweep file for file, a sweep run again trains nothing,
//! and bad input is refused with a message, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const QUERY: &str = "p=11&hidden=16&steps=60&every=20&clusters=4";
const GRID: &str = "wd=0.1,1&frac=0.3,0.6";

fn grokscope(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_grokscope"));
    c.args(args).env("XDG_RUNTIME_DIR", "/tmp");
    for k in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_COUNT"] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied()).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("grokscope-sweep-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sweep(out: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let out = out.to_str().unwrap();
    let mut args = vec!["sweep", QUERY, "--grid", GRID, "--seeds", "2", "--backend", "cpu", "--out", out];
    args.extend_from_slice(extra);
    let o = grokscope(&args, env);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

/// Every file under `dir` (relative path -> bytes), without the spec.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for sub in ["", "runs"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                out.push((format!("{sub}/{}", p.file_name().unwrap().to_str().unwrap()), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn shards_merged_equal_the_unsharded_sweep() {
    let dir = scratch("shards");
    let whole = dir.join("whole");
    sweep(&whole, &["--threads", "2"], &[]);
    let report = std::fs::read_to_string(whole.join("SWEEP.md")).unwrap();
    assert_eq!(std::fs::read_dir(whole.join("runs")).unwrap().count(), 8);
    assert!(report.contains("| 0.1 | 0.3 |") && report.contains("synergy peak"), "{report}");

    // One shard by flag, the other as a Slurm array task numbered from 0.
    let (a, b) = (dir.join("a"), dir.join("b"));
    let first = sweep(&a, &["--shard", "1/2", "--threads", "1"], &[]);
    let slurm = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("SLURM_ARRAY_TASK_MIN", "0"),
        ("SLURM_ARRAY_TASK_MAX", "1"),
        ("SLURM_ARRAY_TASK_COUNT", "2"),
    ];
    let second = sweep(&b, &["--threads", "1"], &slurm);
    assert!(stderr(&first).contains("shard 1/2: 4 of them") && stderr(&second).contains("shard 2/2: 4 of them"));
    assert!(!a.join("SWEEP.md").exists(), "a shard writes no diagram");

    let merged = dir.join("merged");
    let o = grokscope(
        &["sweep", "merge", a.to_str().unwrap(), b.to_str().unwrap(), "--out", merged.to_str().unwrap()],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let (w, m) = (files(&whole), files(&merged));
    assert_eq!(w.iter().map(|f| &f.0).collect::<Vec<_>>(), m.iter().map(|f| &f.0).collect::<Vec<_>>());
    for ((name, x), (_, y)) in w.iter().zip(&m) {
        assert!(x == y, "{name} differs between the merged shards and the unsharded sweep");
    }
    // Merging into one of the shards' own folders works too.
    let o = grokscope(&["sweep", "merge", a.to_str().unwrap(), b.to_str().unwrap(), "--out", a.to_str().unwrap()], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(a.join("SWEEP.md")).unwrap(), report);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_resumed_sweep_trains_only_what_is_missing() {
    let dir = scratch("resume");
    sweep(&dir, &[], &[]);
    let before = files(&dir);
    let o = sweep(&dir, &[], &[]);
    assert!(stderr(&o).contains("8 done before, 0 to train"), "{}", stderr(&o));
    assert_eq!(files(&dir), before, "nothing retrained, nothing rewritten differently");

    // An interrupted sweep: one run missing, and a write cut short.
    let gone = dir.join("runs").join("wd1_frac0.3_seed1.json");
    let kept = dir.join("runs").join("wd0.1_frac0.3_seed0.json");
    let stamp = std::fs::metadata(&kept).unwrap().modified().unwrap();
    std::fs::remove_file(&gone).unwrap();
    std::fs::write(dir.join("runs").join("wd1_frac0.3_seed1.json.123.tmp"), "{\"conf").unwrap();
    let o = sweep(&dir, &[], &[]);
    assert!(stderr(&o).contains("7 done before, 1 to train"), "{}", stderr(&o));
    assert_eq!(std::fs::metadata(&kept).unwrap().modified().unwrap(), stamp, "a finished run is not rewritten");
    let after: Vec<_> = files(&dir).into_iter().filter(|f| !f.0.ends_with(".tmp")).collect();
    assert_eq!(after, before, "the run trained again is the same run");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_refused_with_a_message() {
    let dir = scratch("bad");
    let out = dir.to_str().unwrap();
    let refused = |args: &[&str], env: &[(&str, &str)], says: &str| {
        let o = grokscope(args, env);
        let err = stderr(&o);
        assert!(!o.status.success() && err.contains(says) && !err.contains("panicked"), "{args:?}: {err}");
    };
    refused(&["sweep", QUERY, "--grid", "colour=red", "--out", out], &[], "unknown key 'colour'");
    refused(&["sweep", QUERY, "--grid", "wd=1..2:x", "--out", out], &[], "'wd': span '1..2:x'");
    refused(&["sweep", QUERY, "--grid", "wd=-1,1", "--out", out], &[], "grid cell wd=-1");
    refused(&["sweep", QUERY, "--grid", GRID, "--shard", "3/2", "--out", out], &[], "--shard '3/2'");
    refused(
        &["sweep", QUERY, "--grid", GRID, "--out", out],
        &[("SLURM_ARRAY_TASK_ID", "4")],
        "SLURM_ARRAY_TASK_MIN is not set",
    );
    refused(&["sweep", QUERY, "--out", out], &[], "sweep needs --grid");

    sweep(&dir, &["--shard", "1/2"], &[]);
    refused(&["sweep", "merge", out, "--out", out], &[], "4 of 8 runs are in none of the folders");
    refused(&["sweep", QUERY, "--grid", "wd=0.5", "--out", out], &[], "holds another sweep");
    std::fs::write(dir.join("runs").join("wd0.1_frac0.3_seed0.json"), "not json").unwrap();
    refused(
        &["sweep", QUERY, "--grid", GRID, "--seeds", "2", "--out", out],
        &[],
        "wd0.1_frac0.3_seed0.json is not a run's JSON",
    );
    refused(&["sweep", "merge", dir.join("nowhere").to_str().unwrap(), "--out", out], &[], "holds no sweep");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The texts drawn in an SVG.
fn texts(svg: &str) -> Vec<&str> {
    svg.split('<').filter_map(|p| p.split_once('>')).map(|(_, t)| t.trim()).filter(|t| !t.is_empty()).collect()
}

#[test]
fn grids_of_one_and_of_three_keys_get_their_heatmaps() {
    let dir = scratch("facets");
    let run = |grid: &str, out: &Path| {
        let args = [
            "sweep",
            "p=11&hidden=16&steps=40&every=0&clusters=4",
            "--grid",
            grid,
            "--backend",
            "cpu",
            "--quiet",
            "--out",
        ];
        let o = grokscope(&[&args[..], &[out.to_str().unwrap()]].concat(), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(out.join("SWEEP.md")).unwrap()
    };
    let one = run("wd=0.1,1", &dir.join("one"));
    assert!(dir.join("one/regime.svg").exists() && !one.contains("synergy peak"), "{one}");

    // A third key: one set of heatmaps per value, each box the cell the table has.
    let three = run("wd=0.1,1&frac=0.5&hidden=12,16", &dir.join("three"));
    assert!(three.contains("### hidden=12") && three.contains("### hidden=16"), "{three}");
    for hidden in ["12", "16"] {
        let svg = std::fs::read_to_string(dir.join(format!("three/memorised_hidden{hidden}.svg"))).unwrap();
        let rows = three.lines().filter(|l| l.starts_with("| ") && l.contains(&format!("| 0.5 | {hidden} |")));
        let steps: Vec<String> = rows.map(|l| l.split(" | ").nth(5).unwrap().to_string()).collect();
        assert_eq!(steps.len(), 2, "{three}");
        for s in steps {
            let shown = s.parse::<f64>().map_or(s.clone(), |v| format!("{v:.0}"));
            assert!(texts(&svg).contains(&shown.as_str()), "hidden={hidden}: {shown} not in its heatmap");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
