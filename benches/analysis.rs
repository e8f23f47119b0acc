//! Per-stage timings of one paper-sized checkpoint (3763 samples x 250
//! neurons, post-ReLU, ~45 % exact zeros) in `mean` and `union` mode.
//! Writes the input to `target/bench_checkpoint.npy` for the numpy +
//! scikit-learn baseline (`bench/analysis_oracle.py`). Then the weight
//! measures of one paper-sized checkpoint (`run::measure::weigh`: weight
//! norms, both Fourier spectra and the clock, restricted and excluded loss)
//! beside the `mean` analysis of the same run.
//!
//! Run: `cargo bench --bench analysis` (optionally `-- RUNS`).

use grokscope::analysis::{self, cluster, AnalysisSettings, Mode, SizeRule, Ties};
use grokscope::npy;
use grokscope::rng::SplitMix64;
use std::time::Instant;

const SAMPLES: usize = 3763;
const NEURONS: usize = 250;
const P: usize = 97;

/// A deterministic stand-in for the hidden layer of the paper's network on
/// its training pairs: neuron j responds to a Fourier feature of a and b
/// (one of 12 frequencies, so there is cluster structure), plus weight noise
/// and a bias; ReLU; 6 neurons are dead.
fn checkpoint_matrix() -> Vec<f64> {
    let mut r = SplitMix64::new(2024, 0);
    let mut pairs: Vec<(usize, usize)> = (0..P * P).map(|i| (i / P, i % P)).collect();
    for i in (1..pairs.len()).rev() {
        pairs.swap(i, (r.next_u64() % (i as u64 + 1)) as usize);
    }
    pairs.truncate(SAMPLES);
    let tau = 2.0 * std::f64::consts::PI / P as f64;
    type Neuron = (f64, f64, f64, f64, Vec<f64>, Vec<f64>);
    let neurons: Vec<Neuron> = (0..NEURONS)
        .map(|j| {
            let freq = (1 + j % 12) as f64;
            let amp = 0.5 + r.next_f64();
            let (pa, pb) = (r.next_f64() * 6.3, r.next_f64() * 6.3);
            let bias = if j % 41 == 7 { -10.0 } else { 0.25 * (r.next_f64() - 0.5) };
            let na: Vec<f64> = (0..P).map(|_| 0.3 * (r.next_f64() - 0.5)).collect();
            let nb: Vec<f64> = (0..P).map(|_| 0.3 * (r.next_f64() - 0.5)).collect();
            let _ = amp;
            (freq, pa, pb, bias, na, nb)
        })
        .collect();
    let mut x = vec![0.0; SAMPLES * NEURONS];
    for (k, &(a, b)) in pairs.iter().enumerate() {
        for (j, (f, pa, pb, bias, na, nb)) in neurons.iter().enumerate() {
            let pre = (f * tau * a as f64 + pa).cos() + (f * tau * b as f64 + pb).cos() + na[a] + nb[b] + bias;
            x[k * NEURONS + j] = pre.max(0.0);
        }
    }
    x
}

/// CPU time (user + system, all threads) of this process in ms, from
/// /proc/self/stat (Linux; 10 ms ticks). None elsewhere.
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let runs: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(15);
    let x = checkpoint_matrix();
    let zeros = x.iter().filter(|&&v| v == 0.0).count() as f64 / x.len() as f64;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench_checkpoint.npy");
    std::fs::write(path, npy::write_matrix(&x, SAMPLES, NEURONS)).unwrap();
    let bytes = std::fs::read(path).unwrap();
    let t = Instant::now();
    let (back, _, _) = npy::read_matrix(&bytes).unwrap();
    let read_ms = ms(t);
    assert_eq!(back, x);

    println!("checkpoint: {SAMPLES} samples x {NEURONS} neurons, {:.1} % exact zeros; {runs} runs, median ms; npy read {read_ms:.2} ms", zeros * 100.0);
    println!();
    let mut cpu_rows = Vec::new();
    let mut mean_ms = None;
    println!("| mode | ties | checks | distances | linkage | copula | covariance | search | total (analyze) | fastest total |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (mode, ties) in [
        (Mode::Mean, Ties::Random),
        (Mode::Union, Ties::Random),
        (Mode::Mean, Ties::Stable),
        (Mode::Union, Ties::Stable),
        (Mode::Union, Ties::Average),
    ] {
        let settings = AnalysisSettings { mode, ties, size: SizeRule::Multiplet, ..Default::default() };
        let mut t_check = Vec::new();
        let mut t_dist = Vec::new();
        let mut t_link = Vec::new();
        let mut t_cop = Vec::new();
        let mut t_cov = Vec::new();
        let mut t_search = Vec::new();
        let mut t_total = Vec::new();
        let mut result = None;
        for _ in 0..runs {
            let t = Instant::now();
            let cp = analysis::matrix(&x, SAMPLES, NEURONS).unwrap();
            t_check.push(ms(t));
            let t = Instant::now();
            let mut d = cluster::neuron_distances(&x, SAMPLES, NEURONS);
            let identical = cluster::identical_groups(&x, SAMPLES, NEURONS, &d);
            t_dist.push(ms(t));
            let t = Instant::now();
            let distinct = cluster::distinct_count(NEURONS, &identical);
            let children = cluster::ward_children(&mut d, NEURONS);
            let labels = cluster::cut_tree(&children, NEURONS, settings.clusters.min(distinct));
            let duplicate_groups =
                identical.into_iter().filter(|g| cp.dead_neurons.binary_search(&g[0]).is_err()).collect();
            let cl = analysis::Clusters { labels, duplicate_groups, distinct };
            t_link.push(ms(t));
            let t = Instant::now();
            let (z, ids) = analysis::copula_values(&x, &cp, &cl, &settings);
            t_cop.push(ms(t));
            let t = Instant::now();
            let vars = analysis::variables(&cp, &cl, z, &ids, &settings);
            t_cov.push(ms(t));
            let t = Instant::now();
            let found = analysis::search(&cp, &cl, &vars, &settings).unwrap();
            analysis::linalg::give_buffer(vars.cov);
            t_search.push(ms(t));
            let t = Instant::now();
            let a = analysis::analyze(&x, SAMPLES, NEURONS, &settings).unwrap();
            t_total.push(ms(t));
            assert_eq!((a.synergy.clone(), a.redundancy.clone()), (found.synergy, found.redundancy));
            result = Some(a);
        }
        let fastest = t_total.iter().copied().fold(f64::INFINITY, f64::min);
        if (mode, ties) == (Mode::Mean, Ties::Random) {
            mean_ms = Some(median(t_total.clone()));
        }
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | **{:.2}** | {:.2} |",
            mode.name(),
            ties.name(),
            median(t_check),
            median(t_dist),
            median(t_link),
            median(t_cop),
            median(t_cov),
            median(t_search),
            median(t_total),
            fastest
        );
        // CPU time per analyze() over a batch (robust to other processes sharing the cores).
        let batch = runs.max(20);
        let (c0, t0) = (cpu_ms(), Instant::now());
        for _ in 0..batch {
            std::hint::black_box(analysis::analyze(&x, SAMPLES, NEURONS, &settings).unwrap());
        }
        let wall = ms(t0) / batch as f64;
        if let (Some(c0), Some(c1)) = (c0, cpu_ms()) {
            cpu_rows.push(format!(
                "| {} | {} | {:.1} | {:.1} |",
                mode.name(),
                ties.name(),
                (c1 - c0) / batch as f64,
                wall
            ));
        }
        let a = result.unwrap();
        let labels_path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/bench_labels.json");
        std::fs::write(labels_path, serde_json::to_string(&a.labels).unwrap()).unwrap();
        eprintln!(
            "  {} {}: synergy {:.9} bits {:?} ({} neurons), redundancy {:.9} bits {:?} ({} neurons), dead {}",
            mode.name(),
            ties.name(),
            a.synergy.bits,
            a.synergy.clusters,
            a.synergy.neurons,
            a.redundancy.bits,
            a.redundancy.clusters,
            a.redundancy.neurons,
            a.dead_neurons.len()
        );
    }
    weight_measures(runs, mean_ms.expect("the mean row ran"));
    if !cpu_rows.is_empty() {
        println!();
        println!("| mode | ties | CPU ms per analyze (all threads) | wall ms per analyze (mean of batch) |");
        println!("|---|---|---|---|");
        for r in cpu_rows {
            println!("{r}");
        }
    }
}

/// The weight measures of the paper's network (wd2 preset) with every
/// frequency key, median of `runs`.
fn weight_measures(runs: usize, mean_ms: f64) {
    let c = grokscope::url::parse("preset=wd2").unwrap();
    let (mut prm, _) = grokscope::model::Params::init(&c);
    // The costliest case, a grokked embedding: neuron j a wave of frequency
    // 1 + j % 48 in a and in b, so every frequency is key.
    for x in 0..2 * 97 {
        for j in 0..250 {
            let k = (1 + j % 48) * (x % 97);
            prm.theta[x * 250 + j] = (std::f64::consts::TAU * k as f64 / 97.0 + j as f64).cos() as f32;
        }
    }
    // As the driver gets them: the engine's forward pass already holds the logits.
    let logits = grokscope::engine::cpu::logits(&prm, &grokscope::data::Dataset::new(&c).train, 0);
    let mut t_all = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(grokscope::run::measure::weigh(&c, 5, &prm, Some(&logits), 0).unwrap());
        t_all.push(ms(t));
    }
    println!();
    println!("| per checkpoint (median of {runs}, ms) | weight measures (norms, spectra, clock, restricted and excluded loss) | `mean` O-information analysis, same run |");
    println!("|---|---|---|");
    let m = grokscope::run::measure::weigh(&c, 5, &prm, Some(&logits), 0).unwrap();
    assert_eq!(m.fourier.key_frequencies.len(), 48, "every frequency key");
    println!("| p = 97, 250 neurons, 48 key frequencies, every thread | **{:.2}** | {mean_ms:.2} |", median(t_all));
}
