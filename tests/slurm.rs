//! A real Slurm job array: starts a single-node cluster
//! (`scripts/slurm-cluster.sh`, which needs root and Debian's slurm-wlm and
//! munge), submits `scripts/sweep.sbatch` for a tiny grid as three array
//! tasks numbered from 0, merges their folder after them, and compares the
//! result with the same sweep unsharded. Where no cluster can start, the
//! test says why and passes without checking anything.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const QUERY: &str = "p=11&hidden=16&steps=60&every=20&clusters=4";
const GRID: &str = "wd=0.1,1&frac=0.3,0.6";
const BIN: &str = env!("CARGO_BIN_EXE_grokscope");

/// Stops the cluster when the test ends, however it ends.
struct Cluster(PathBuf);

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(script("slurm-cluster.sh")).arg("stop").arg(&self.0).status();
    }
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts").join(name)
}

fn run(c: &mut Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{c:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

#[test]
fn a_job_array_merged_equals_the_unsharded_sweep() {
    let dir = std::env::temp_dir().join(format!("grokscope-slurm-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let start = Command::new(script("slurm-cluster.sh")).arg("start").arg(dir.join("cluster")).output().unwrap();
    if !start.status.success() {
        println!("skipped: no Slurm cluster: {}", String::from_utf8_lossy(&start.stderr).trim());
        assert_eq!(start.status.code(), Some(77), "the cluster script failed without saying why it cannot run");
        return;
    }
    let cluster = Cluster(dir.join("cluster"));
    // Every Slurm command below (and the jobs) find the cluster by this.
    std::env::set_var("SLURM_CONF", dir.join("cluster").join("slurm.conf"));

    let out = dir.join("array");
    let job = run(Command::new("sbatch")
        .args(["--parsable", "--array=0-2", "--chdir"])
        .arg(&dir)
        .arg(script("sweep.sbatch"))
        .env("QUERY", QUERY)
        .env("GRID", GRID)
        .env("SEEDS", "2")
        .env("OUT", &out)
        .env("BACKEND", "cpu")
        .env("GROKSCOPE", BIN));
    let t = Instant::now();
    // Done when squeue no longer lists the job (or no longer knows it).
    let listed = |job: &str| {
        Command::new("squeue")
            .args(["-h", "-j", job])
            .output()
            .is_ok_and(|o| o.status.success() && !o.stdout.is_empty())
    };
    while listed(&job) {
        assert!(t.elapsed() < Duration::from_secs(300), "the job array {job} did not finish in 5 minutes");
        std::thread::sleep(Duration::from_millis(500));
    }
    let logs: String = (0..3)
        .map(|i| std::fs::read_to_string(dir.join(format!("grokscope-sweep-{job}_{i}.out"))).unwrap_or_default())
        .collect();
    let merged = Command::new(BIN).args(["sweep", "merge"]).arg(&out).arg("--out").arg(&out).output().unwrap();
    assert!(merged.status.success(), "{}\ntasks' output:\n{logs}", String::from_utf8_lossy(&merged.stderr));

    let whole = dir.join("whole");
    run(Command::new(BIN)
        .args(["sweep", QUERY, "--grid", GRID, "--seeds", "2", "--backend", "cpu", "--quiet", "--out"])
        .arg(&whole));
    let read = |d: &Path, f: &str| std::fs::read(d.join(f)).unwrap();
    for f in ["SWEEP.md", "regime.svg", "grokked.svg", "runs/wd1_frac0.6_seed1.json"] {
        assert!(read(&out, f) == read(&whole, f), "{f} differs between the job array and the unsharded sweep");
    }
    assert_eq!(std::fs::read_dir(out.join("runs")).unwrap().count(), 8);
    drop(cluster); // stops the daemons by the pid files in `dir`
    let _ = std::fs::remove_dir_all(&dir);
}
