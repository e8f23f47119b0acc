//! Analytic cases, invariances, fast-versus-naive equivalence and degenerate
//! inputs of the progress measures.

use grokscope::analysis::{self, copula, entropy, oinfo, AnalysisError, AnalysisSettings, Mode, SizeRule, Ties};
use grokscope::rng::SplitMix64;

fn normal(r: &mut SplitMix64) -> f64 {
    copula::ndtri(((r.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64)
}

/// Row-major s x n matrix from a generator of one sample's neurons.
fn sample(s: usize, n: usize, seed: u64, mut row: impl FnMut(&mut SplitMix64, &mut [f64])) -> Vec<f64> {
    let mut r = SplitMix64::new(seed, 0);
    let mut x = vec![0.0; s * n];
    for k in 0..s {
        row(&mut r, &mut x[k * n..(k + 1) * n]);
    }
    x
}

fn to_cols(x: &[f64], s: usize, n: usize) -> Vec<f64> {
    let mut c = vec![0.0; s * n];
    for k in 0..s {
        for j in 0..n {
            c[j * s + k] = x[k * n + j];
        }
    }
    c
}

/// O-information (bits) of all neurons of `x` through the copula.
fn copula_oinfo(x: &[f64], s: usize, n: usize) -> f64 {
    let ids: Vec<u64> = (0..n as u64).collect();
    let z = copula::copula_columns(&to_cols(x, s, n), s, &ids, Ties::Stable, 0);
    let cov = entropy::covariance(&z, s, n);
    oinfo::oinfo_bits(&cov, n, s, false).unwrap()
}

#[test]
fn independent_gaussians_have_zero_oinfo() {
    let (s, n) = (20000, 5);
    let x = sample(s, n, 1, |r, row| row.iter_mut().for_each(|v| *v = normal(r)));
    let o = copula_oinfo(&x, s, n);
    assert!(o.abs() < 0.01, "{o}");
}

#[test]
fn equicorrelated_gaussian_closed_form() {
    // n = 3, unit variances, correlation rho: Omega = 1/2 [log det S3 - 3 log det S2] nats.
    let rho: f64 = 0.6;
    let cov = [1.0, rho, rho, rho, 1.0, rho, rho, rho, 1.0];
    let det3 = (1.0 - rho).powi(2) * (1.0 + 2.0 * rho);
    let det2 = 1.0 - rho * rho;
    let expect = 0.5 * (det3.ln() - 3.0 * det2.ln()) / std::f64::consts::LN_2;
    let fast = oinfo::oinfo_bits(&cov, 3, 100, false).unwrap();
    let naive = oinfo::oinfo_bits_naive(&cov, 3, 100, false).unwrap();
    assert!((fast - expect).abs() < 1e-13, "{fast} vs {expect}");
    assert!((naive - expect).abs() < 1e-13);
    assert!(expect > 0.0);
    // Sampled: x_j = sqrt(rho) w + sqrt(1 - rho) e_j.
    let (s, n) = (40000, 3);
    let x = sample(s, n, 2, |r, row| {
        let w = normal(r);
        row.iter_mut().for_each(|v| *v = rho.sqrt() * w + (1.0 - rho).sqrt() * normal(r));
    });
    let o = copula_oinfo(&x, s, n);
    assert!((o - expect).abs() < 0.02, "sampled {o} vs closed form {expect}");
}

#[test]
fn copies_are_redundant_sums_are_synergistic() {
    let s = 5000;
    let x = sample(s, 4, 3, |r, row| {
        let w = normal(r);
        row.iter_mut().for_each(|v| *v = w + 0.2 * normal(r));
    });
    assert!(copula_oinfo(&x, s, 4) > 1.0);
    // z = x + y with x, y independent: Omega(x, y, z) = I(x;y) - I(x;y|z) < 0.
    let x = sample(s, 3, 4, |r, row| {
        row[0] = normal(r);
        row[1] = normal(r);
        row[2] = row[0] + row[1] + 0.1 * normal(r);
    });
    assert!(copula_oinfo(&x, s, 3) < -0.5);
    // XOR-like: z = sign(x y) |w| has no pairwise or linear dependence, so a
    // Gaussian-copula estimate cannot see its synergy: it stays near zero.
    let x = sample(s, 3, 5, |r, row| {
        row[0] = normal(r);
        row[1] = normal(r);
        row[2] = (row[0] * row[1]).signum() * normal(r).abs();
    });
    let o = copula_oinfo(&x, s, 3);
    assert!(o.abs() < 0.01, "{o}");
}

/// Clustered, tie-free data: `groups` latent signals, neurons mix one or two.
fn clustered(s: usize, n: usize, groups: usize, seed: u64) -> Vec<f64> {
    let mut r = SplitMix64::new(seed ^ 0xABCD, 0);
    let owner: Vec<(usize, usize, f64)> =
        (0..n).map(|j| (j % groups, (r.next_u64() % groups as u64) as usize, 0.3 + r.next_f64())).collect();
    sample(s, n, seed, |r, row| {
        let lat: Vec<f64> = (0..groups).map(|_| normal(r)).collect();
        for (j, v) in row.iter_mut().enumerate() {
            let (a, b, w) = owner[j];
            *v = lat[a] + 0.4 * w * lat[b] + 0.5 * normal(r);
        }
    })
}

fn relu(mut x: Vec<f64>, shift: f64) -> Vec<f64> {
    x.iter_mut().for_each(|v| *v = (*v - shift).max(0.0));
    x
}

#[test]
fn union_search_equals_direct_search() {
    for (seed, s, sizes) in [
        (1u64, 400usize, vec![1usize, 3, 7, 12, 5, 2, 9]),
        (2, 600, vec![20, 11, 9, 15, 3, 1, 8, 12, 25, 16]),
        (3, 300, vec![4, 4]),
        (4, 300, vec![5, 1, 1]),
    ] {
        let n: usize = sizes.iter().sum();
        let x = clustered(s, n, sizes.len(), seed);
        let ids: Vec<u64> = (0..n as u64).collect();
        let z = copula::copula_columns(&to_cols(&x, s, n), s, &ids, Ties::Stable, 0);
        let cov = entropy::covariance(&z, s, n);
        // Groups: consecutive neurons, shuffled a little.
        let mut groups = Vec::new();
        let mut at = 0;
        for &m in &sizes {
            groups.push((at..at + m).rev().collect::<Vec<_>>());
            at += m;
        }
        for bias in [false, true] {
            let fast = oinfo::search_union(&cov, n, &groups, s, bias).unwrap();
            let direct = oinfo::search_direct(&cov, n, &groups, s, bias).unwrap();
            assert_eq!(fast.multiplets, (1 << sizes.len()) - sizes.len() - 1);
            assert_eq!(fast.multiplets, direct.multiplets);
            assert_eq!(fast.synergy_by_size.len(), sizes.len() - 1);
            let pairs = [(&fast.synergy, &direct.synergy), (&fast.redundancy, &direct.redundancy)];
            for (a, b) in pairs.into_iter().chain(fast.synergy_by_size.iter().zip(&direct.synergy_by_size)) {
                assert!((a.bits - b.bits).abs() < 1e-9 * (1.0 + b.bits.abs()), "seed {seed}: {} vs {}", a.bits, b.bits);
                assert_eq!(a.clusters, b.clusters, "seed {seed}");
                assert_eq!(a.neurons, b.neurons);
            }
        }
        // Each size's entry is the minimum over every multiplet of that many groups.
        let direct = oinfo::search_direct(&cov, n, &groups, s, false).unwrap();
        for (i, m) in direct.synergy_by_size.iter().enumerate() {
            assert_eq!(m.clusters.len(), i + 2);
            let mut lowest = f64::INFINITY;
            for mask in 1u32..1 << sizes.len() {
                if mask.count_ones() as usize == i + 2 {
                    let idx: Vec<usize> = (0..sizes.len())
                        .filter(|t| mask >> t & 1 == 1)
                        .flat_map(|t| groups[t].iter().copied())
                        .collect();
                    let sub: Vec<f64> = idx
                        .iter()
                        .flat_map(|&a| idx.iter().map(move |&b| (a, b)))
                        .map(|(a, b)| cov[a * n + b])
                        .collect();
                    lowest = lowest.min(oinfo::oinfo_bits(&sub, idx.len(), s, false).unwrap());
                }
            }
            assert_eq!(m.bits, lowest, "seed {seed}, size {}", i + 2);
        }
        assert_eq!(direct.synergy_by_size.iter().map(|m| m.bits).fold(f64::INFINITY, f64::min), direct.synergy.bits);
    }
}

#[test]
fn cholesky_identity_equals_definition() {
    let (s, n) = (500, 30);
    let x = clustered(s, n, 4, 9);
    let ids: Vec<u64> = (0..n as u64).collect();
    let z = copula::copula_columns(&to_cols(&x, s, n), s, &ids, Ties::Stable, 0);
    let cov = entropy::covariance(&z, s, n);
    for d in [2usize, 3, 7, 30] {
        let sub: Vec<f64> = (0..d).flat_map(|a| (0..d).map(move |b| (a, b))).map(|(a, b)| cov[a * n + b]).collect();
        for bias in [false, true] {
            let fast = oinfo::oinfo_bits(&sub, d, s, bias).unwrap();
            let naive = oinfo::oinfo_bits_naive(&sub, d, s, bias).unwrap();
            assert!((fast - naive).abs() < 1e-10 * (1.0 + naive.abs()), "d={d}: {fast} vs {naive}");
        }
    }
}

fn settings(mode: Mode, ties: Ties) -> AnalysisSettings {
    AnalysisSettings { clusters: 6, mode, ties, seed: 11, bias_correct: false, size: SizeRule::Multiplet }
}

fn partition(labels: &[usize]) -> Vec<Vec<usize>> {
    let k = labels.iter().max().unwrap() + 1;
    let mut p: Vec<Vec<usize>> = (0..k).map(|c| (0..labels.len()).filter(|&j| labels[j] == c).collect()).collect();
    p.sort();
    p
}

#[test]
fn invariant_to_sample_and_neuron_order() {
    let (s, n) = (400, 30);
    let x = clustered(s, n, 5, 21);
    let mut r = SplitMix64::new(5, 0);
    let mut sperm: Vec<usize> = (0..s).collect();
    let mut nperm: Vec<usize> = (0..n).collect();
    for i in (1..s).rev() {
        sperm.swap(i, (r.next_u64() % (i as u64 + 1)) as usize);
    }
    for i in (1..n).rev() {
        nperm.swap(i, (r.next_u64() % (i as u64 + 1)) as usize);
    }
    let xs: Vec<f64> = (0..s).flat_map(|k| (0..n).map(move |j| (k, j))).map(|(k, j)| x[sperm[k] * n + j]).collect();
    let xn: Vec<f64> = (0..s).flat_map(|k| (0..n).map(move |j| (k, j))).map(|(k, j)| x[k * n + nperm[j]]).collect();
    for mode in [Mode::Mean, Mode::Union] {
        let a = analysis::analyze(&x, s, n, &settings(mode, Ties::Stable)).unwrap();
        let b = analysis::analyze(&xs, s, n, &settings(mode, Ties::Stable)).unwrap();
        let c = analysis::analyze(&xn, s, n, &settings(mode, Ties::Stable)).unwrap();
        assert_eq!(a.labels, b.labels);
        for m in [(&a.synergy, &b.synergy), (&a.redundancy, &b.redundancy)] {
            assert!((m.0.bits - m.1.bits).abs() < 1e-9, "{mode} samples permuted: {} vs {}", m.0.bits, m.1.bits);
            assert_eq!(m.0.clusters, m.1.clusters);
        }
        // Neuron permutation: same partition (up to renumbering), same values and sizes.
        let back: Vec<usize> = (0..n).map(|j| c.labels[nperm.iter().position(|&p| p == j).unwrap()]).collect();
        assert_eq!(partition(&back), partition(&a.labels));
        for m in [(&a.synergy, &c.synergy), (&a.redundancy, &c.redundancy)] {
            assert!((m.0.bits - m.1.bits).abs() < 1e-9, "{mode} neurons permuted: {} vs {}", m.0.bits, m.1.bits);
            assert_eq!(m.0.neurons, m.1.neurons);
        }
    }
}

#[test]
fn monotone_transform_leaves_copula_unchanged() {
    let (s, n) = (300, 8);
    let x = clustered(s, n, 3, 31);
    let mut y = x.clone();
    for k in 0..s {
        let v = y[k * n + 2];
        y[k * n + 2] = (v / 3.0).exp() * 5.0 + 1.0;
        y[k * n + 5] = -1.0 / (1.0 + (-x[k * n + 5]).exp()) * -7.0; // increasing
    }
    let ids: Vec<u64> = (0..n as u64).collect();
    for ties in Ties::ALL {
        let za = copula::copula_columns(&to_cols(&x, s, n), s, &ids, ties, 3);
        let zb = copula::copula_columns(&to_cols(&y, s, n), s, &ids, ties, 3);
        assert_eq!(za, zb, "{ties}");
    }
    assert!((copula_oinfo(&x, s, n) - copula_oinfo(&y, s, n)).abs() < 1e-12);
}

fn assert_finite(a: &analysis::Analysis) {
    for m in [&a.synergy, &a.redundancy] {
        assert!(m.bits.is_finite());
        assert!(!m.clusters.is_empty());
    }
    let json = serde_json::to_string(a).unwrap();
    assert!(!json.contains("null"), "{json}");
}

#[test]
fn dead_and_duplicated_neurons_give_finite_results() {
    let (s, n) = (500, 40);
    let mut x = relu(clustered(s, n, 6, 41), 0.3);
    for k in 0..s {
        x[k * n + 3] = 0.0; // dead
        x[k * n + 19] = 0.0; // dead
        x[k * n + 27] = 2.5; // dead at a constant
        x[k * n + 30] = x[k * n + 8]; // duplicate
        x[k * n + 31] = x[k * n + 8]; // duplicate
    }
    for mode in Mode::ALL {
        for ties in Ties::ALL {
            let a = analysis::analyze(&x, s, n, &settings(mode, ties)).unwrap_or_else(|e| panic!("{mode} {ties}: {e}"));
            assert_eq!(a.dead_neurons, vec![3, 19, 27]);
            assert_eq!(a.duplicate_groups, vec![vec![8, 30, 31]]);
            assert_eq!(a.labels[3], a.labels[19]);
            assert_eq!(a.labels[8], a.labels[30]);
            assert_finite(&a);
            let live_in = |m: &analysis::Multiplet| {
                (0..n).filter(|&j| m.clusters.contains(&a.labels[j]) && ![3, 19, 27].contains(&j)).count()
            };
            assert_eq!(a.synergy.neurons, live_in(&a.synergy));
            assert_eq!(a.redundancy.neurons, live_in(&a.redundancy));
        }
    }
}

#[test]
fn fewer_distinct_neurons_than_clusters() {
    // 4 distinct columns, each repeated: 10 clusters requested -> 4 clusters.
    let (s, n) = (200, 12);
    let base = clustered(s, 4, 4, 51);
    let x: Vec<f64> = (0..s).flat_map(|k| (0..n).map(move |j| (k, j))).map(|(k, j)| base[k * 4 + j % 4]).collect();
    for mode in Mode::ALL {
        let a = analysis::analyze(&x, s, n, &AnalysisSettings { clusters: 10, mode, ..Default::default() }).unwrap();
        assert_eq!(a.labels.iter().max(), Some(&3));
        for j in 0..n {
            assert_eq!(a.labels[j], a.labels[j % 4]);
        }
        assert_finite(&a);
    }
}

#[test]
fn too_few_samples_is_a_clear_error() {
    let (s, n) = (20, 40);
    let x = clustered(s, n, 6, 61);
    let e = analysis::analyze(&x, s, n, &settings(Mode::Union, Ties::Random)).unwrap_err();
    assert!(matches!(e, AnalysisError::Singular { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("more samples than variables"), "{msg}");
    // The mean mode has only 6 variables: fine.
    let a = analysis::analyze(&x, s, n, &settings(Mode::Mean, Ties::Random)).unwrap();
    assert_finite(&a);
}

#[test]
fn invalid_inputs_are_clear_errors() {
    let x = vec![0.0; 30];
    assert!(matches!(analysis::analyze(&x, 10, 4, &AnalysisSettings::default()), Err(AnalysisError::Shape { .. })));
    assert!(matches!(
        analysis::analyze(&x, 10, 3, &AnalysisSettings::default()),
        Err(AnalysisError::TooFewLiveClusters { live: 0 })
    ));
    let mut y = clustered(10, 3, 2, 1);
    y[7] = f64::NAN;
    let e = analysis::analyze(&y, 10, 3, &AnalysisSettings::default()).unwrap_err();
    assert_eq!(e, AnalysisError::NonFinite { sample: 2, neuron: 1 });
    assert!(e.to_string().contains("sample 2, neuron 1"));
    for mode in Mode::ALL {
        let all_dead = AnalysisSettings { mode, ..Default::default() };
        assert_eq!(analysis::analyze(&x, 10, 3, &all_dead), Err(AnalysisError::TooFewLiveClusters { live: 0 }));
    }
    for k in [0, 1, 21] {
        let e = analysis::analyze(&x, 10, 3, &AnalysisSettings { clusters: k, ..Default::default() }).unwrap_err();
        assert_eq!(e, AnalysisError::Clusters(k));
    }
    assert!(matches!(
        analysis::analyze(&x[..6], 2, 3, &AnalysisSettings::default()),
        Err(AnalysisError::TooSmall { .. })
    ));
}

#[test]
fn deterministic_and_seeded() {
    let (s, n) = (400, 30);
    let x = relu(clustered(s, n, 5, 71), 0.5);
    for mode in Mode::ALL {
        let a = analysis::analyze(&x, s, n, &settings(mode, Ties::Random)).unwrap();
        let b = analysis::analyze(&x, s, n, &settings(mode, Ties::Random)).unwrap();
        assert_eq!(a, b);
        let other = AnalysisSettings { seed: 12, ..settings(mode, Ties::Random) };
        let c = analysis::analyze(&x, s, n, &other).unwrap();
        assert_ne!(a.redundancy.bits, c.redundancy.bits, "{mode}: the seed should move tie-broken results");
    }
}

#[test]
fn f32_input_equals_f64_of_the_same_values() {
    let (s, n) = (300, 24);
    let x32: Vec<f32> = relu(clustered(s, n, 4, 81), 0.2).iter().map(|&v| v as f32).collect();
    let x64: Vec<f64> = x32.iter().map(|&v| v as f64).collect();
    for mode in Mode::ALL {
        let st = settings(mode, Ties::Random);
        assert_eq!(analysis::analyze(&x32, s, n, &st).unwrap(), analysis::analyze(&x64, s, n, &st).unwrap());
    }
}

#[test]
fn json_shape() {
    let (s, n) = (200, 20);
    let x = clustered(s, n, 4, 91);
    let a = analysis::analyze(&x, s, n, &AnalysisSettings::default()).unwrap();
    let v: serde_json::Value = serde_json::to_value(&a).unwrap();
    assert_eq!(v["labels"].as_array().unwrap().len(), n);
    for key in ["synergy", "redundancy"] {
        assert!(v[key]["bits"].is_f64());
        assert!(v[key]["clusters"].is_array());
        assert!(v[key]["neurons"].is_u64());
    }
    assert!(v["dead_neurons"].is_array());
    assert!(v["duplicate_groups"].is_array());
    assert_eq!(
        v["settings"],
        serde_json::json!({"clusters": 10, "mode": "mean", "ties": "random", "seed": 0, "bias_correct": false, "size": "union"})
    );
    let back: analysis::Analysis = serde_json::from_value(v).unwrap();
    assert_eq!(back, a);
    let s: AnalysisSettings = serde_json::from_str(r#"{"mode": "union"}"#).unwrap();
    assert_eq!(s, AnalysisSettings { mode: Mode::Union, ..Default::default() });
    assert_eq!("average".parse::<Ties>(), Ok(Ties::Average));
    assert!("median".parse::<Mode>().is_err());
}

#[test]
fn union_search_equals_direct_search_at_scale() {
    // 1500 samples x 200 post-ReLU neurons in 10 Ward clusters of uneven sizes.
    let (s, n) = (1500, 200);
    let x = relu(clustered(s, n, 12, 101), 0.2);
    let settings =
        AnalysisSettings { clusters: 10, mode: Mode::Union, ties: Ties::Random, seed: 3, ..Default::default() };
    let cp = analysis::matrix(&x, s, n).unwrap();
    let cl = analysis::cluster_neurons(&x, &cp, 10);
    let (z, ids) = analysis::copula_values(&x, &cp, &cl, &settings);
    let vars = analysis::variables(&cp, &cl, z, &ids, &settings);
    let sizes: Vec<usize> = vars.groups.iter().map(Vec::len).collect();
    assert_eq!(sizes.len(), 10);
    assert!(sizes.iter().max() > sizes.iter().min());
    let fast = oinfo::search_union(&vars.cov, vars.dim, &vars.groups, s, false).unwrap();
    let direct = oinfo::search_direct(&vars.cov, vars.dim, &vars.groups, s, false).unwrap();
    assert_eq!(fast.multiplets, 1013);
    for (a, b) in [(&fast.synergy, &direct.synergy), (&fast.redundancy, &direct.redundancy)] {
        assert!((a.bits - b.bits).abs() < 1e-9 * (1.0 + b.bits.abs()), "{} vs {}", a.bits, b.bits);
        assert_eq!(a.clusters, b.clusters);
    }
    // And analyze() reports the same multiplets, named by cluster label.
    let a = analysis::analyze(&x, s, n, &settings).unwrap();
    assert_eq!(a.synergy.bits, fast.synergy.bits);
    assert_eq!(a.redundancy.bits, fast.redundancy.bits);
}

#[test]
fn the_union_size_rule_takes_the_union_multiplet_in_mean_mode() {
    // Uneven clusters, one of them large and quiet: the mean-mode multiplet
    // and the union-mode one differ, and the sub-network follows the rule.
    let (s, n) = (800, 60);
    let x = relu(clustered(s, n, 5, 77), 0.1);
    let base = AnalysisSettings { clusters: 5, ties: Ties::Random, seed: 4, ..Default::default() };
    let mean_union = analysis::analyze(&x, s, n, &AnalysisSettings { mode: Mode::Mean, ..base.clone() }).unwrap();
    let union = analysis::analyze(&x, s, n, &AnalysisSettings { mode: Mode::Union, ..base.clone() }).unwrap();
    let literal =
        analysis::analyze(&x, s, n, &AnalysisSettings { mode: Mode::Mean, size: SizeRule::Multiplet, ..base }).unwrap();
    // Same clusters, same synergy: the rule only changes the sub-network.
    assert_eq!((mean_union.synergy.clone(), mean_union.labels.clone()), (literal.synergy.clone(), literal.labels));
    assert_eq!(mean_union.subnetwork, union.synergy);
    assert_eq!(literal.subnetwork, literal.synergy);
    assert_eq!(literal.sizes, None);
    let sizes = mean_union.sizes.unwrap();
    assert_eq!((sizes.multiplet, sizes.union), (literal.synergy.neurons, union.synergy.neurons));
    // The per-neuron rule picks one of the union search's per-size minima.
    let per_neuron = union
        .synergy_by_size
        .iter()
        .min_by(|a, b| (a.bits / a.neurons as f64).total_cmp(&(b.bits / b.neurons as f64)))
        .unwrap();
    assert_eq!(sizes.per_neuron, per_neuron.neurons);
    assert_eq!(union.sizes.unwrap().union, union.synergy.neurons);
}
