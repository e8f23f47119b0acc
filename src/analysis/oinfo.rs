//! O-information (Rosas et al. 2019) of Gaussian-copula multiplets and the
//! exhaustive multiplet search of the paper.
//!
//! `Omega(X) = (n - 2) H(X) + sum_j [H(X_j) - H(X_{-j})]`. For a Gaussian,
//! with `log det C_{-j,-j} = log det C + log (C^{-1})_jj`, this is
//! `Omega = -log det C + 1/2 sum_j [log C_jj - log (C^{-1})_jj]` nats, so one
//! factorisation gives the whole multiplet. Omega > 0: redundancy dominates;
//! Omega < 0: synergy dominates.

use super::entropy::{bias_nats, gaussian_entropy_bits, NotPositiveDefinite, LN_2};
use super::linalg::{cholesky, give_buffer, inverse_from_cholesky, syrk_lower_sub, take_buffer, PIVOT_TOL};

/// Sum of natural logs of positive values, taking one `log` per block of
/// products (identical on every target; relative error ~ n eps).
fn sum_log(values: impl Iterator<Item = f64>) -> f64 {
    let mut sum = 0.0;
    let mut prod = 1.0;
    for v in values {
        if !(1e-100..=1e100).contains(&v) {
            sum += libm::log(v);
            continue;
        }
        prod *= v;
        if !(1e-150..=1e150).contains(&prod) {
            sum += libm::log(prod);
            prod = 1.0;
        }
    }
    sum + libm::log(prod)
}

/// Bias (nats) that gcmi's correction removes from the O-information of `n`
/// variables: `(n - 2) b(n) + n b(1) - n b(n - 1)`.
fn oinfo_bias_nats(n: usize, samples: usize) -> f64 {
    let nf = n as f64;
    (nf - 2.0) * bias_nats(n, samples) + nf * bias_nats(1, samples) - nf * bias_nats(n - 1, samples)
}

/// O-information in bits of the Gaussian with covariance `cov` (`n x n`)
/// through ONE Cholesky factorisation (the identity above).
pub fn oinfo_bits(cov: &[f64], n: usize, samples: usize, bias_correct: bool) -> Result<f64, NotPositiveDefinite> {
    let mut l = cov[..n * n].to_vec();
    cholesky(&mut l, n).map_err(|column| NotPositiveDefinite { column })?;
    let p = inverse_from_cholesky(&l, n);
    let logdet = 2.0 * sum_log((0..n).map(|i| l[i * n + i]));
    let cdiag = sum_log((0..n).map(|i| cov[i * n + i]));
    let pdiag = sum_log((0..n).map(|i| p[i * n + i]));
    let mut nats = -logdet + 0.5 * (cdiag - pdiag);
    if bias_correct {
        nats -= oinfo_bias_nats(n, samples);
    }
    Ok(nats / LN_2)
}

/// O-information in bits straight from the definition, with `n + 1`
/// factorisations (H(X), every H(X_{-j})) and the n single entropies.
/// For tests and as the reference the fast paths are checked against.
pub fn oinfo_bits_naive(cov: &[f64], n: usize, samples: usize, bias_correct: bool) -> Result<f64, NotPositiveDefinite> {
    let h = gaussian_entropy_bits(cov, n, samples, bias_correct)?;
    let mut total = (n as f64 - 2.0) * h;
    let mut sub = vec![0.0; (n - 1) * (n - 1)];
    for j in 0..n {
        total += gaussian_entropy_bits(&[cov[j * n + j]], 1, samples, bias_correct)?;
        let idx: Vec<usize> = (0..n).filter(|&i| i != j).collect();
        for (a, &ia) in idx.iter().enumerate() {
            for (b, &ib) in idx.iter().enumerate() {
                sub[a * (n - 1) + b] = cov[ia * n + ib];
            }
        }
        total -= gaussian_entropy_bits(&sub, n - 1, samples, bias_correct)?;
    }
    Ok(total)
}

/// The best multiplet found by a search.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Multiplet {
    /// O-information in bits.
    pub bits: f64,
    /// Group (cluster) indices, ascending.
    pub clusters: Vec<usize>,
    /// Number of variables (neurons, or averaged columns) in the multiplet.
    pub neurons: usize,
}

/// Synergy (minimum O-information) and redundancy (maximum) over every
/// multiplet of 2 or more groups.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResult {
    pub synergy: Multiplet,
    pub redundancy: Multiplet,
    /// The most synergistic multiplet of each size: entry i has i + 2 groups.
    pub synergy_by_size: Vec<Multiplet>,
    /// Number of multiplets evaluated (2^g - g - 1).
    pub multiplets: usize,
}

/// Why a multiplet search could not run.
#[derive(Clone, Debug, PartialEq)]
pub enum SearchError {
    /// Fewer than 2 non-empty groups, or too many for an exhaustive search.
    Groups(usize),
    /// A covariance (sub)matrix is singular: `variable` is a linear
    /// combination of the others (duplicated neurons, or no more samples than
    /// variables).
    Singular { variable: usize },
}

/// Most groups an exhaustive search accepts (2^20 multiplets).
pub const MAX_GROUPS: usize = 20;

#[derive(Clone, Copy)]
struct Best {
    min: (f64, u32),
    max: (f64, u32),
    /// Minimum by number of groups (index = groups in the multiplet).
    min_by_size: [(f64, u32); MAX_GROUPS + 1],
    count: usize,
}

/// Whether `a` beats `b` as a minimum: ties go to the smaller key (`key`
/// orders multiplets canonically), so the answer does not depend on
/// evaluation order.
fn lower(a: (f64, u32), b: (f64, u32)) -> bool {
    a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)
}

impl Best {
    fn new() -> Best {
        Best {
            min: (f64::INFINITY, 0),
            max: (f64::NEG_INFINITY, 0),
            min_by_size: [(f64::INFINITY, 0); MAX_GROUPS + 1],
            count: 0,
        }
    }
    fn offer(&mut self, bits: f64, key: u32) {
        self.count += 1;
        if lower((bits, key), self.min) {
            self.min = (bits, key);
        }
        if lower((-bits, key), (-self.max.0, self.max.1)) {
            self.max = (bits, key);
        }
        let size = &mut self.min_by_size[key.count_ones() as usize];
        if lower((bits, key), *size) {
            *size = (bits, key);
        }
    }
    fn merge(&mut self, o: &Best) {
        if lower(o.min, self.min) {
            self.min = o.min;
        }
        if lower((-o.max.0, o.max.1), (-self.max.0, self.max.1)) {
            self.max = o.max;
        }
        for (mine, theirs) in self.min_by_size.iter_mut().zip(&o.min_by_size) {
            if lower(*theirs, *mine) {
                *mine = *theirs;
            }
        }
        self.count += o.count;
    }
}

fn check_groups(groups: &[Vec<usize>]) -> Result<(), SearchError> {
    let g = groups.len();
    if !(2..=MAX_GROUPS).contains(&g) || groups.iter().any(|v| v.is_empty()) {
        return Err(SearchError::Groups(g));
    }
    Ok(())
}

fn finish(best: Best, groups: &[Vec<usize>]) -> SearchResult {
    let make = |(bits, key): (f64, u32)| {
        let clusters: Vec<usize> = (0..groups.len()).filter(|&t| key >> t & 1 == 1).collect();
        let neurons = clusters.iter().map(|&t| groups[t].len()).sum();
        Multiplet { bits, clusters, neurons }
    };
    SearchResult {
        synergy: make(best.min),
        redundancy: make(best.max),
        synergy_by_size: (2..=groups.len()).map(|k| make(best.min_by_size[k])).collect(),
        multiplets: best.count,
    }
}

/// Exhaustive search evaluating every multiplet on its own (gather the
/// submatrix, one Cholesky, [`oinfo_bits`]). `groups[t]` lists the indices of
/// group t's variables in `cov` (`dim x dim`). Cheap for small multiplets (the
/// `mean` mode) and the reference for [`search_union`].
pub fn search_direct(
    cov: &[f64],
    dim: usize,
    groups: &[Vec<usize>],
    samples: usize,
    bias_correct: bool,
) -> Result<SearchResult, SearchError> {
    check_groups(groups)?;
    let g = groups.len();
    let mut best = Best::new();
    let mut sub = Vec::new();
    let mut idx = Vec::new();
    for mask in 1u32..(1u32 << g) {
        if mask.count_ones() < 2 {
            continue;
        }
        idx.clear();
        for (t, grp) in groups.iter().enumerate() {
            if mask >> t & 1 == 1 {
                idx.extend_from_slice(grp);
            }
        }
        let n = idx.len();
        sub.clear();
        for &a in &idx {
            for &b in &idx {
                sub.push(cov[a * dim + b]);
            }
        }
        let bits = oinfo_bits(&sub, n, samples, bias_correct)
            .map_err(|e| SearchError::Singular { variable: idx[e.column] })?;
        best.offer(bits, mask);
    }
    Ok(finish(best, groups))
}

/// Shared read-only data of the fast union search.
struct Problem<'a> {
    /// Groups in search order (largest first): positions into the permuted covariance.
    offsets: Vec<usize>,
    sizes: Vec<usize>,
    /// Search position -> caller's group index.
    order: Vec<usize>,
    /// Sum of log C_jj per group (search order).
    log_cdiag: Vec<f64>,
    /// Permuted variable -> caller's variable (for errors).
    perm: Vec<usize>,
    bias_correct: bool,
    bias: &'a [f64],
}

/// A node of the search: a multiplet S (mask over search positions) with the
/// inverse covariance `p` of its variables (groups contiguous, in search
/// order) and `log det C_S`.
struct Node<'b> {
    mask: u32,
    n: usize,
    p: &'b [f64],
    logdet: f64,
}

impl Problem<'_> {
    fn key(&self, mask: u32) -> u32 {
        let mut key = 0;
        for t in 0..self.order.len() {
            if mask >> t & 1 == 1 {
                key |= 1 << self.order[t];
            }
        }
        key
    }

    fn bits(&self, mask: u32, n: usize, logdet: f64, sum_log_pdiag: f64) -> f64 {
        let mut cdiag = 0.0;
        for t in 0..self.sizes.len() {
            if mask >> t & 1 == 1 {
                cdiag += self.log_cdiag[t];
            }
        }
        let mut nats = -logdet + 0.5 * (cdiag - sum_log_pdiag);
        if self.bias_correct {
            let nf = n as f64;
            nats -= (nf - 2.0) * self.bias[n] + nf * self.bias[1] - nf * self.bias[n - 1];
        }
        nats / LN_2
    }

    /// Offset of search position `t` inside the layout of `mask`.
    fn local_offset(&self, mask: u32, t: usize) -> usize {
        (0..t).filter(|&u| mask >> u & 1 == 1).map(|u| self.sizes[u]).sum()
    }

    /// Removes group `t` from `node`, evaluates the child, and recurses into
    /// the child's own children (groups after `t`). `bufs[0]` receives the
    /// child's inverse covariance when it has children; deeper levels use the
    /// rest of `bufs`.
    fn remove(
        &self,
        node: &Node,
        t: usize,
        bufs: &mut [Vec<f64>],
        scratch: &mut Scratch,
        best: &mut Best,
    ) -> Result<(), SearchError> {
        let (n, p) = (node.n, node.p);
        let m = self.sizes[t];
        let o = self.local_offset(node.mask, t);
        let child_mask = node.mask & !(1 << t);
        let nc = n - m;
        // R = chol(P_BB).
        let r = &mut scratch.r;
        r.clear();
        for i in 0..m {
            r.extend_from_slice(&p[(o + i) * n + o..(o + i) * n + o + m]);
        }
        cholesky(r, m).map_err(|_| SearchError::Singular { variable: self.perm[self.global_offset(t)] })?;
        // log det C_S = log det C_Q + log det P_BB.
        let logdet = node.logdet + 2.0 * sum_log((0..m).map(|i| r[i * m + i]));
        let v = &mut scratch.v;
        block_solve(p, n, o, r, m, v);
        let has_children = child_mask.count_ones() > 2 && (t + 1..self.sizes.len()).any(|u| child_mask >> u & 1 == 1);
        let map = |a: usize| if a < o { a } else { a + m };
        let pdiag: f64;
        if has_children {
            // P_S = P_AA - V^T V (lower triangle row by row, then mirrored).
            let (buf, deeper) = bufs.split_first_mut().expect("depth buffers");
            set_len(buf, nc * nc); // the lower triangle is written below
            for j in 0..nc {
                let pj = &p[map(j) * n..map(j) * n + n];
                let row = &mut buf[j * nc..j * nc + j + 1];
                if j < o {
                    row.copy_from_slice(&pj[..=j]);
                } else {
                    row[..o].copy_from_slice(&pj[..o]);
                    row[o..].copy_from_slice(&pj[o + m..=j + m]);
                }
            }
            syrk_lower_sub(buf, v, m, nc);
            // Only the lower triangle is kept (children read nothing else).
            for j in 0..nc {
                let d = buf[j * nc + j];
                let positive = d > PIVOT_TOL * p[map(j) * n + map(j)]; // NaN fails
                if !positive {
                    return Err(SearchError::Singular { variable: self.perm_of(child_mask, j) });
                }
            }
            pdiag = sum_log((0..nc).map(|j| buf[j * nc + j]));
            best.offer(self.bits(child_mask, nc, logdet, pdiag), self.key(child_mask));
            let child = Node { mask: child_mask, n: nc, p: buf, logdet };
            for u in t + 1..self.sizes.len() {
                if child_mask >> u & 1 == 1 {
                    self.remove(&child, u, deeper, scratch, best)?;
                }
            }
        } else {
            // Leaf: only the diagonal of P_S is needed (same operations as above).
            let mut diag = std::mem::take(&mut scratch.diag);
            diag.clear();
            diag.extend((0..nc).map(|j| p[map(j) * n + map(j)]));
            for q in 0..m {
                for (d, &y) in diag.iter_mut().zip(&v[q * nc..(q + 1) * nc]) {
                    *d -= y * y;
                }
            }
            for j in 0..nc {
                let positive = diag[j] > PIVOT_TOL * p[map(j) * n + map(j)]; // NaN fails
                if !positive {
                    return Err(SearchError::Singular { variable: self.perm_of(child_mask, j) });
                }
            }
            pdiag = sum_log(diag.iter().copied());
            scratch.diag = diag;
            best.offer(self.bits(child_mask, nc, logdet, pdiag), self.key(child_mask));
        }
        Ok(())
    }

    fn global_offset(&self, t: usize) -> usize {
        self.offsets[t]
    }

    /// Caller's variable index of position `j` in the layout of `mask`.
    fn perm_of(&self, mask: u32, mut j: usize) -> usize {
        for t in 0..self.sizes.len() {
            if mask >> t & 1 == 1 {
                if j < self.sizes[t] {
                    return self.perm[self.offsets[t] + j];
                }
                j -= self.sizes[t];
            }
        }
        0
    }
}

/// Sets a buffer's length without clearing what it already holds (only new
/// entries are zeroed); callers overwrite what they read.
fn set_len(v: &mut Vec<f64>, len: usize) {
    if v.len() >= len {
        v.truncate(len);
    } else {
        v.resize(len, 0.0);
    }
}

#[derive(Default)]
struct Scratch {
    r: Vec<f64>,
    v: Vec<f64>,
    diag: Vec<f64>,
}

/// Fast exhaustive search for the `union` mode (each group = all its
/// neurons). One Cholesky of the full covariance gives `C^{-1}`; every other
/// multiplet is reached by removing one group B from a parent Q = S + B:
/// `log det C_S = log det C_Q + log det (C_Q^{-1})_BB` and
/// `C_S^{-1} = (C_Q^{-1})_SS - (C_Q^{-1})_SB ((C_Q^{-1})_BB)^{-1} (C_Q^{-1})_BS`.
/// Groups are visited largest first so that the multiplets whose inverse is
/// needed again are small; leaves only need the diagonal. Native builds
/// share the subtrees between two threads. Same result as [`search_direct`]
/// up to rounding (tested).
pub fn search_union(
    cov: &[f64],
    dim: usize,
    groups: &[Vec<usize>],
    samples: usize,
    bias_correct: bool,
) -> Result<SearchResult, SearchError> {
    check_groups(groups)?;
    let g = groups.len();
    let Layout { order, perm, offsets, sizes } = Layout::of(groups);
    let n = perm.len();
    let mut c = take_buffer(n * n);
    for (a, &ia) in perm.iter().enumerate() {
        for (b, &ib) in perm.iter().enumerate() {
            c[a * n + b] = cov[ia * dim + ib];
        }
    }
    let log_cdiag: Vec<f64> =
        (0..g).map(|t| sum_log((offsets[t]..offsets[t] + sizes[t]).map(|a| c[a * n + a]))).collect();
    let bias: Vec<f64> = if bias_correct { (0..=n).map(|d| bias_nats(d, samples)).collect() } else { Vec::new() };
    let mut l = c;
    cholesky(&mut l, n).map_err(|col| SearchError::Singular { variable: perm[col] })?;
    let logdet = 2.0 * sum_log((0..n).map(|i| l[i * n + i]));
    let p = inverse_from_cholesky(&l, n);
    give_buffer(l);
    // Per-depth buffers for the inverses of internal multiplets, taken from
    // (and returned to) this thread's pool: depth d holds a multiplet without
    // at least d + 1 groups.
    let mut smallest = sizes.clone();
    smallest.sort_unstable();
    let depth_len = |d: usize| {
        let removed: usize = smallest.iter().take(d + 1).sum();
        (n - removed.min(n)).pow(2)
    };
    let workers = 2;
    let mut bufs: Vec<Vec<Vec<f64>>> =
        (0..workers).map(|_| (0..g).map(|d| take_buffer(depth_len(d))).collect()).collect();
    let problem = Problem { offsets, sizes, order, log_cdiag, perm, bias_correct, bias: &bias };
    let root_mask = (1u32 << g) - 1;
    let root = Node { mask: root_mask, n, p: &p, logdet };
    let mut best = Best::new();
    best.offer(problem.bits(root_mask, n, logdet, sum_log((0..n).map(|i| p[i * n + i]))), problem.key(root_mask));
    if g > 2 {
        let run = |tasks: &std::sync::atomic::AtomicUsize, bufs: &mut [Vec<f64>]| -> Result<Best, SearchError> {
            let mut best = Best::new();
            let mut scratch = Scratch::default();
            loop {
                let t = tasks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if t >= g {
                    return Ok(best);
                }
                problem.remove(&root, t, bufs, &mut scratch, &mut best)?;
            }
        };
        let tasks = std::sync::atomic::AtomicUsize::new(0);
        let mut results = Vec::new();
        {
            let (b0, b1) = bufs.split_at_mut(1);
            // Two workers share the subtrees where there are threads.
            if n >= 32 && crate::par::threads() > 1 {
                let (r1, r0) = crate::par::join(|| run(&tasks, &mut b1[0]), || run(&tasks, &mut b0[0]));
                results.push(r0);
                results.push(r1);
            }
            if results.is_empty() {
                results.push(run(&tasks, &mut b0[0]));
            }
        }
        if let Err(e) = merge_results(&mut best, results) {
            bufs.into_iter().flatten().for_each(give_buffer);
            give_buffer(p);
            return Err(e);
        }
    }
    bufs.into_iter().flatten().for_each(give_buffer);
    give_buffer(p);
    Ok(finish(best, groups))
}

/// V = R^{-1} P_{B,A} into `v`: m rows of length n - m, where B is the
/// block [o, o+m) of the n x n matrix `p` (lower triangle stored), A the
/// rest of its layout, and R the block's Cholesky factor (`r`, m x m).
fn block_solve(p: &[f64], n: usize, o: usize, r: &[f64], m: usize, v: &mut Vec<f64>) {
    let nc = n - m;
    set_len(v, m * nc); // every entry is written below
    for i in 0..m {
        // Row o+i of P restricted to A. Only the lower triangle of P is
        // stored, so columns after the block are read down column o+i.
        let (done, rest) = v.split_at_mut(i * nc);
        let row = &mut rest[..nc];
        row[..o].copy_from_slice(&p[(o + i) * n..(o + i) * n + o]);
        for (c, x) in (o + m..n).zip(row[o..].iter_mut()) {
            *x = p[c * n + o + i];
        }
        for q in 0..i {
            let f = r[i * m + q];
            for (x, &y) in row.iter_mut().zip(&done[q * nc..(q + 1) * nc]) {
                *x -= f * y;
            }
        }
        let inv = 1.0 / r[i * m + i];
        for x in row.iter_mut() {
            *x *= inv;
        }
    }
}

/// The variables of a union search laid out group by group, largest group
/// first (ties by index), so that the inverses kept for reuse are small.
struct Layout {
    /// Search position -> group index.
    order: Vec<usize>,
    /// Layout position -> variable.
    perm: Vec<usize>,
    /// Per search position: first layout position and size of the group.
    offsets: Vec<usize>,
    sizes: Vec<usize>,
}

impl Layout {
    fn of(groups: &[Vec<usize>]) -> Layout {
        let mut order: Vec<usize> = (0..groups.len()).collect();
        order.sort_by_key(|&t| (std::cmp::Reverse(groups[t].len()), t));
        let (mut perm, mut offsets, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
        for &t in &order {
            offsets.push(perm.len());
            sizes.push(groups[t].len());
            perm.extend_from_slice(&groups[t]);
        }
        Layout { order, perm, offsets, sizes }
    }
}

/// The workers' best multiplets merged into `best`. Several subtrees may
/// fail; the lowest variable is reported so that the error does not depend
/// on which thread ran which subtree.
fn merge_results(best: &mut Best, results: Vec<Result<Best, SearchError>>) -> Result<(), SearchError> {
    let mut error: Option<usize> = None;
    for r in results {
        match r {
            Ok(b) => best.merge(&b),
            Err(SearchError::Singular { variable }) => error = Some(error.map_or(variable, |e| e.min(variable))),
            Err(e) => return Err(e),
        }
    }
    match error {
        Some(variable) => Err(SearchError::Singular { variable }),
        None => Ok(()),
    }
}
