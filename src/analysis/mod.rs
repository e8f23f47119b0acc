//! Progress measures of the paper: Ward clustering of neurons, Gaussian-copula
//! O-information over multiplets of clusters, and the display transforms.
//!
//! [`analyze`] runs one checkpoint: activations (samples x neurons) ->
//! Ward clusters ([`cluster`]) -> Gaussian copula ([`copula`]) -> covariance
//! and entropies ([`entropy`]) -> exhaustive multiplet search for the
//! synergy (minimum O-information) and redundancy (maximum) ([`oinfo`]).
//! [`smooth`] holds the paper's normalisations of the resulting series.
//!
//! Beside them, the established measures read off the weights (Nanda et al.
//! 2023): the Fourier spectra, key frequencies and clock ([`fourier`]) and
//! the restricted and excluded losses ([`ablation`]).
//!
//! Conventions (see each module for details):
//! - Neurons whose activation is constant over the samples (dead ReLUs) are
//!   reported in `dead_neurons` and never enter a multiplet: they carry no
//!   information, and depending on the tie rule their copula is either
//!   constant (`average`: a singular covariance), identical to every other
//!   dead neuron (`stable`) or pure noise (`random`).
//! - Neurons with identical activation columns are reported in
//!   `duplicate_groups`. In `union` mode only the first of each group enters
//!   the multiplets (a copy is a singular covariance under `stable` and
//!   `average`); in `mean` mode every member counts in its cluster's average.
//! - `neurons` of a multiplet counts the live (non-constant) neurons of its
//!   clusters, duplicates included.
//! - If fewer distinct neurons than `clusters` exist, the tree is cut into as
//!   many clusters as there are distinct neurons (never splitting identical
//!   neurons); labels then run 0..that number.
//! - `mean` mode averages the RAW activations of each cluster's neurons into
//!   one column, then applies the copula (the paper's s x k matrix); clusters
//!   whose average is constant are left out of the search.
//! - Everything is deterministic for a given seed; the numerics use `libm`
//!   and fixed summation orders, so native and wasm32 give the same bits.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub mod ablation;
pub mod cluster;
pub mod copula;
pub mod entropy;
pub mod fourier;
pub mod linalg;
pub mod oinfo;
pub mod smooth;

use linalg::Panels;
pub use oinfo::Multiplet;

/// How a multiplet of clusters becomes a matrix: one averaged column per
/// cluster (`mean`, the paper's text) or every neuron of the clusters
/// (`union`, the authors' code).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Mean,
    Union,
}

/// How tied values are ranked by the Gaussian copula.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Seeded random order of tied samples, drawn independently per neuron
    /// (the seed and the neuron index alone decide it).
    #[default]
    Random,
    /// Sample order (what hoi and gcmi do).
    Stable,
    /// Mid-ranks.
    Average,
}

/// Which multiplet is the synergistic sub-network whose size is tracked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeRule {
    /// The minimum-O-information multiplet with every neuron of its clusters
    /// as a variable (the authors' code), whatever the run's mode. In `mean`
    /// mode this is a second search on the same clusters. The default: the
    /// `mean`-mode multiplet nearly always holds the one large cluster of
    /// quiet neurons, so its size barely moves (docs/METHOD.md).
    #[default]
    Union,
    /// The multiplet whose O-information is the synergy, in the run's mode
    /// (the paper's text, read literally).
    Multiplet,
}

impl SizeRule {
    pub const ALL: [SizeRule; 2] = [SizeRule::Union, SizeRule::Multiplet];
    pub fn name(self) -> &'static str {
        match self {
            SizeRule::Union => "union",
            SizeRule::Multiplet => "multiplet",
        }
    }
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Mean, Mode::Union];
    pub fn name(self) -> &'static str {
        match self {
            Mode::Mean => "mean",
            Mode::Union => "union",
        }
    }
}

impl Ties {
    pub const ALL: [Ties; 3] = [Ties::Random, Ties::Stable, Ties::Average];
    pub fn name(self) -> &'static str {
        match self {
            Ties::Random => "random",
            Ties::Stable => "stable",
            Ties::Average => "average",
        }
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown mode {s:?} (expected mean or union)"))
    }
}

impl FromStr for Ties {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ties::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown ties {s:?} (expected random, stable or average)"))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Ties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings of the progress measures at a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalysisSettings {
    /// Number of Ward clusters (the paper: 10). 2..=20.
    pub clusters: usize,
    /// How a multiplet of clusters becomes variables.
    pub mode: Mode,
    /// Tie rule of the copula ranks.
    pub ties: Ties,
    /// Seed of the random tie-breaking keys.
    pub seed: u64,
    /// Apply gcmi's entropy bias correction (the authors do not).
    pub bias_correct: bool,
    /// Which multiplet is the synergistic sub-network.
    pub size: SizeRule,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            clusters: 10,
            mode: Mode::Mean,
            ties: Ties::Random,
            seed: 0,
            bias_correct: false,
            size: SizeRule::Union,
        }
    }
}

/// Progress measures of one checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    /// Ward cluster of every neuron (scikit-learn's numbering).
    pub labels: Vec<usize>,
    /// Multiplet with the minimum O-information.
    pub synergy: Multiplet,
    /// Multiplet with the maximum O-information.
    pub redundancy: Multiplet,
    /// The multiplet with the minimum O-information among those of each size
    /// (entry i has i + 2 clusters).
    pub synergy_by_size: Vec<Multiplet>,
    /// The synergistic sub-network by `settings.size`.
    pub subnetwork: Multiplet,
    /// Every size rule's sub-network size, when the union search ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sizes: Option<Sizes>,
    /// Neurons constant over the samples, left out of every multiplet.
    pub dead_neurons: Vec<usize>,
    /// Groups of live neurons with identical activations.
    pub duplicate_groups: Vec<Vec<usize>>,
    pub settings: AnalysisSettings,
}

/// The synergistic sub-network's size (live neurons) by each rule, for
/// comparing them on the same checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sizes {
    /// The `mean`-mode (or the run's mode) minimum multiplet.
    pub multiplet: usize,
    /// The union-mode minimum multiplet.
    pub union: usize,
    /// The union-mode multiplet with the lowest O-information per neuron
    /// among each size's minimum (a small group can win when it is the most
    /// synergistic per neuron).
    pub per_neuron: usize,
}

/// Why a checkpoint could not be analysed.
#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisError {
    /// `x.len() != samples * neurons`.
    Shape { len: usize, samples: usize, neurons: usize },
    /// Too few samples (need at least 3) or neurons (need at least 2).
    TooSmall { samples: usize, neurons: usize },
    /// A NaN or infinite activation.
    NonFinite { sample: usize, neuron: usize },
    /// `clusters` outside 2..=20 (a multiplet needs 2 clusters; the search
    /// visits 2^clusters multiplets).
    Clusters(usize),
    /// Fewer than two clusters hold a live (non-constant) neuron.
    TooFewLiveClusters { live: usize },
    /// A multiplet's covariance is singular: `variable` (a neuron in `union`
    /// mode, a cluster label in `mean` mode) is a linear combination of the
    /// others.
    Singular { mode: Mode, variable: usize, variables: usize, samples: usize },
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::Shape { len, samples, neurons } => {
                write!(f, "activation buffer has {len} values, expected samples x neurons = {samples} x {neurons}")
            }
            AnalysisError::TooSmall { samples, neurons } => {
                write!(f, "need at least 3 samples and 2 neurons, got {samples} samples and {neurons} neurons")
            }
            AnalysisError::NonFinite { sample, neuron } => {
                write!(f, "non-finite activation (NaN or infinity) at sample {sample}, neuron {neuron}")
            }
            AnalysisError::Clusters(k) => write!(f, "clusters must be between 2 and {}, got {k}", oinfo::MAX_GROUPS),
            AnalysisError::TooFewLiveClusters { live } => {
                write!(f, "only {live} cluster(s) contain a non-constant neuron: O-information needs at least 2")
            }
            AnalysisError::Singular { mode, variable, variables, samples } => {
                let what = if *mode == Mode::Union { "neuron" } else { "the average of cluster" };
                write!(
                    f,
                    "singular covariance in {mode} mode: {what} {variable} is a linear combination of the others \
                     ({variables} variables from {samples} samples; need more samples than variables and no linearly dependent neurons)"
                )
            }
        }
    }
}

impl std::error::Error for AnalysisError {}

/// Stream offset of the random tie-breaking keys of cluster averages (`mean`
/// mode): cluster c uses stream `MEAN_STREAM + c`, neuron j uses stream j.
pub const MEAN_STREAM: u64 = 1 << 32;

/// A checked activation matrix and its dead neurons.
pub struct Matrix {
    pub samples: usize,
    pub neurons: usize,
    /// Neurons constant over the samples, ascending.
    pub dead_neurons: Vec<usize>,
}

/// Validates a row-major `samples x neurons` activation matrix and finds
/// its dead (constant) neurons.
pub fn matrix<T: Copy + Into<f64>>(x: &[T], samples: usize, neurons: usize) -> Result<Matrix, AnalysisError> {
    if samples.checked_mul(neurons) != Some(x.len()) {
        return Err(AnalysisError::Shape { len: x.len(), samples, neurons });
    }
    if samples < 3 || neurons < 2 {
        return Err(AnalysisError::TooSmall { samples, neurons });
    }
    let dead_neurons = cluster::constant_neurons(x, samples, neurons)
        .map_err(|(sample, neuron)| AnalysisError::NonFinite { sample, neuron })?;
    Ok(Matrix { samples, neurons, dead_neurons })
}

/// The Ward clusters of a checkpoint's neurons.
#[derive(Clone, Debug, PartialEq)]
pub struct Clusters {
    /// scikit-learn's labels.
    pub labels: Vec<usize>,
    /// Groups of live neurons with identical activations.
    pub duplicate_groups: Vec<Vec<usize>>,
    /// Number of distinct activation columns.
    pub distinct: usize,
}

/// Ward clustering of the neurons (scikit-learn's partition and numbering),
/// with `clusters` capped at the number of distinct neurons.
pub fn cluster_neurons<T: Copy + Into<f64>>(x: &[T], cp: &Matrix, clusters: usize) -> Clusters {
    let (s, n) = (cp.samples, cp.neurons);
    let mut d = cluster::neuron_distances(x, s, n);
    let identical = cluster::identical_groups(x, s, n, &d);
    let distinct = cluster::distinct_count(n, &identical);
    let children = cluster::ward_children(&mut d, n);
    let labels = cluster::cut_tree(&children, n, clusters.min(distinct).max(1));
    let duplicate_groups = identical.into_iter().filter(|g| cp.dead_neurons.binary_search(&g[0]).is_err()).collect();
    Clusters { labels, duplicate_groups, distinct }
}

/// The variables of a multiplet search: covariance and groups.
pub struct Variables {
    /// Covariance of the copula values (`dim x dim`).
    pub cov: Vec<f64>,
    pub dim: usize,
    /// Variables (indices into `cov`) of each searched cluster.
    pub groups: Vec<Vec<usize>>,
    /// Cluster label of each group.
    pub group_cluster: Vec<usize>,
    /// What each variable is: a neuron (`union`) or a cluster label (`mean`).
    pub variable_id: Vec<usize>,
}

/// Copula values of the variables entering the multiplets, packed for the
/// covariance kernel, with their ids (neuron indices in `union`, cluster
/// labels in `mean`).
pub fn copula_values<T: Copy + Into<f64> + Sync>(
    x: &[T],
    cp: &Matrix,
    cl: &Clusters,
    settings: &AnalysisSettings,
) -> (Panels, Vec<usize>) {
    let (s, n) = (cp.samples, cp.neurons);
    let labels = &cl.labels;
    match settings.mode {
        Mode::Union => {
            let mut used = Vec::new();
            for j in 0..n {
                let dead = cp.dead_neurons.binary_search(&j).is_ok();
                let copy = cl.duplicate_groups.iter().any(|g| g[0] != j && g.contains(&j));
                if !dead && !copy {
                    used.push(j);
                }
            }
            let raw = |first: usize, m: usize, out: &mut [f64]| {
                let js = &used[first..first + m];
                for k in 0..s {
                    let row = &x[k * n..(k + 1) * n];
                    for (c, &j) in js.iter().enumerate() {
                        out[c * s + k] = row[j].into();
                    }
                }
            };
            let streams: Vec<u64> = used.iter().map(|&j| j as u64).collect();
            let z = copula::copula_panels(s, &streams, settings.ties, settings.seed, raw);
            (z, used)
        }
        Mode::Mean => {
            let k = labels.iter().copied().max().map_or(0, |m| m + 1);
            let (mut sums, counts) = cluster_sums(x, s, n, labels, k);
            let mut cols = Vec::new();
            let mut ids = Vec::new();
            for c in 0..k {
                let col = &mut sums[c * s..(c + 1) * s];
                let inv = 1.0 / counts[c].max(1) as f64;
                for v in col.iter_mut() {
                    *v *= inv;
                }
                if col.iter().any(|&v| v != col[0]) {
                    cols.extend_from_slice(col);
                    ids.push(c);
                }
            }
            let streams: Vec<u64> = ids.iter().map(|&c| MEAN_STREAM + c as u64).collect();
            let raw = |first: usize, m: usize, out: &mut [f64]| out.copy_from_slice(&cols[first * s..(first + m) * s]);
            let z = copula::copula_panels(s, &streams, settings.ties, settings.seed, raw);
            (z, ids)
        }
    }
}

/// Per cluster of `labels` (k clusters): the sum over its neurons of each of
/// the `s` rows of the row-major `s x n` matrix `x`, ascending neuron order
/// (cluster-major, `k * s`), and the clusters' sizes.
fn cluster_sums<T: Copy + Into<f64>>(
    x: &[T],
    s: usize,
    n: usize,
    labels: &[usize],
    k: usize,
) -> (Vec<f64>, Vec<usize>) {
    let members: Vec<Vec<usize>> = (0..k).map(|c| (0..n).filter(|&j| labels[j] == c).collect()).collect();
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    // Four rows at a time so the additions of different rows overlap.
    let mut sums = vec![0.0; k * s];
    let mut kk = 0;
    while kk < s {
        let rows = 4.min(s - kk);
        for (c, js) in members.iter().enumerate() {
            let mut acc = [0.0f64; 4];
            if rows == 4 {
                let (r0, r1, r2, r3) = (kk * n, (kk + 1) * n, (kk + 2) * n, (kk + 3) * n);
                for &j in js {
                    acc[0] += x[r0 + j].into();
                    acc[1] += x[r1 + j].into();
                    acc[2] += x[r2 + j].into();
                    acc[3] += x[r3 + j].into();
                }
            } else {
                for (r, a) in acc.iter_mut().enumerate().take(rows) {
                    for &j in js {
                        *a += x[(kk + r) * n + j].into();
                    }
                }
            }
            sums[c * s + kk..c * s + kk + rows].copy_from_slice(&acc[..rows]);
        }
        kk += rows;
    }
    (sums, counts)
}

/// Covariance of the copula values and the groups of the search (the
/// panels go back to the buffer pool).
pub fn variables(cp: &Matrix, cl: &Clusters, z: Panels, ids: &[usize], settings: &AnalysisSettings) -> Variables {
    let labels = &cl.labels;
    let dim = ids.len();
    let mut cov = linalg::gram(&z);
    z.recycle();
    let scale = 1.0 / (cp.samples as f64 - 1.0);
    for v in &mut cov {
        *v *= scale;
    }
    let k = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut groups = vec![Vec::new(); k];
    for (v, &id) in ids.iter().enumerate() {
        let c = if settings.mode == Mode::Union { labels[id] } else { id };
        groups[c].push(v);
    }
    let group_cluster: Vec<usize> = (0..k).filter(|&c| !groups[c].is_empty()).collect();
    let groups: Vec<Vec<usize>> = groups.into_iter().filter(|g| !g.is_empty()).collect();
    Variables { cov, dim, groups, group_cluster, variable_id: ids.to_vec() }
}

/// Runs the multiplet search on the variables and names the result in
/// clusters and live neurons.
pub fn search(
    cp: &Matrix,
    cl: &Clusters,
    vars: &Variables,
    settings: &AnalysisSettings,
) -> Result<oinfo::SearchResult, AnalysisError> {
    let labels = &cl.labels;
    if vars.groups.len() < 2 {
        return Err(AnalysisError::TooFewLiveClusters { live: vars.groups.len() });
    }
    let run = match settings.mode {
        Mode::Union => oinfo::search_union,
        Mode::Mean => oinfo::search_direct,
    };
    let result = run(&vars.cov, vars.dim, &vars.groups, cp.samples, settings.bias_correct).map_err(|e| match e {
        oinfo::SearchError::Groups(g) => AnalysisError::TooFewLiveClusters { live: g },
        oinfo::SearchError::Singular { variable } => AnalysisError::Singular {
            mode: settings.mode,
            variable: vars.variable_id[variable],
            variables: vars.dim,
            samples: cp.samples,
        },
    })?;
    let name = |m: Multiplet| {
        let clusters: Vec<usize> = m.clusters.iter().map(|&g| vars.group_cluster[g]).collect();
        let neurons = labels
            .iter()
            .enumerate()
            .filter(|&(j, c)| clusters.contains(c) && cp.dead_neurons.binary_search(&j).is_err())
            .count();
        Multiplet { bits: m.bits, clusters, neurons }
    };
    Ok(oinfo::SearchResult {
        synergy: name(result.synergy),
        redundancy: name(result.redundancy),
        synergy_by_size: result.synergy_by_size.into_iter().map(name).collect(),
        multiplets: result.multiplets,
    })
}

/// The progress measures of one checkpoint: `x` is row-major
/// `samples x neurons` (post-ReLU activations; f32 or f64).
pub fn analyze<T: Copy + Into<f64> + Sync>(
    x: &[T],
    samples: usize,
    neurons: usize,
    settings: &AnalysisSettings,
) -> Result<Analysis, AnalysisError> {
    if settings.clusters < 2 || settings.clusters > oinfo::MAX_GROUPS {
        return Err(AnalysisError::Clusters(settings.clusters));
    }
    let cp = matrix(x, samples, neurons)?;
    let cl = cluster_neurons(x, &cp, settings.clusters);
    let (z, ids) = copula_values(x, &cp, &cl, settings);
    let vars = variables(&cp, &cl, z, &ids, settings);
    let result = search(&cp, &cl, &vars, settings);
    linalg::give_buffer(vars.cov);
    let found = result?;
    let union = match (settings.size, settings.mode) {
        (SizeRule::Multiplet, Mode::Mean) => None,
        (_, Mode::Union) => Some(found.clone()),
        (SizeRule::Union, Mode::Mean) => {
            let union_settings = AnalysisSettings { mode: Mode::Union, ..settings.clone() };
            let (z, ids) = copula_values(x, &cp, &cl, &union_settings);
            let vars = variables(&cp, &cl, z, &ids, &union_settings);
            let result = search(&cp, &cl, &vars, &union_settings);
            linalg::give_buffer(vars.cov);
            Some(result?)
        }
    };
    let subnetwork = match (&union, settings.size) {
        (Some(u), SizeRule::Union) => u.synergy.clone(),
        _ => found.synergy.clone(),
    };
    let sizes = union.as_ref().map(|u| {
        let per_neuron = u
            .synergy_by_size
            .iter()
            .min_by(|a, b| (a.bits / a.neurons.max(1) as f64).total_cmp(&(b.bits / b.neurons.max(1) as f64)));
        Sizes {
            multiplet: found.synergy.neurons,
            union: u.synergy.neurons,
            per_neuron: per_neuron.map_or(u.synergy.neurons, |m| m.neurons),
        }
    });
    Ok(Analysis {
        labels: cl.labels,
        synergy: found.synergy,
        redundancy: found.redundancy,
        synergy_by_size: found.synergy_by_size,
        subnetwork,
        sizes,
        dead_neurons: cp.dead_neurons,
        duplicate_groups: cl.duplicate_groups,
        settings: settings.clone(),
    })
}
