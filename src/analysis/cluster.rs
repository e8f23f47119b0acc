//! Ward agglomerative clustering of neurons, reproducing scikit-learn's
//! `AgglomerativeClustering(n_clusters=k)` (linkage "ward", euclidean):
//! each neuron is a point (its activation column over the samples), the full
//! tree is built with Ward's method (nearest-neighbour chain, Lance-Williams
//! update; `kodama`, the same algorithm scipy uses), and the tree is cut by
//! scikit-learn's `_hc_cut`, so partition and label numbering both match.

use super::linalg::{give_buffer, gram, Panels};

/// Condensed (upper triangle, row-major) plain euclidean distances between
/// the neurons (columns) of a row-major `samples x neurons` matrix.
///
/// Computed from a Gram matrix of the row-centred data,
/// `d_ij^2 = G_ii + G_jj - 2 G_ij` clamped at 0, so identical columns are at
/// distance exactly 0.
pub fn neuron_distances<T: Copy + Into<f64>>(x: &[T], samples: usize, neurons: usize) -> Vec<f64> {
    let n = neurons;
    let panels = Panels::from_rows(x, samples, n, true);
    let g = gram(&panels);
    panels.recycle();
    let mut d = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        let gii = g[i * n + i];
        for j in i + 1..n {
            let d2 = gii + g[j * n + j] - 2.0 * g[i * n + j];
            d.push(if d2 > 0.0 { libm::sqrt(d2) } else { 0.0 });
        }
    }
    give_buffer(g);
    d
}

/// scikit-learn's `children_`: merge `i` joins nodes `children[i]` into node
/// `n + i` (leaves are `0..n`), built by Ward's method from plain euclidean
/// condensed distances (consumed).
pub fn ward_children(condensed: &mut [f64], n: usize) -> Vec<[usize; 2]> {
    if n < 2 {
        return Vec::new();
    }
    let dendrogram = kodama::linkage(condensed, n, kodama::Method::Ward);
    dendrogram.steps().iter().map(|s| [s.cluster1.min(s.cluster2), s.cluster1.max(s.cluster2)]).collect()
}

/// Python's `heapq` on a list of i64 (min-heap), reproduced operation by
/// operation because scikit-learn's labels are positions in that list.
mod heapq {
    fn sift_down(heap: &mut [i64], start: usize, mut pos: usize) {
        let item = heap[pos];
        while pos > start {
            let parent = (pos - 1) >> 1;
            if item < heap[parent] {
                heap[pos] = heap[parent];
                pos = parent;
                continue;
            }
            break;
        }
        heap[pos] = item;
    }

    fn sift_up(heap: &mut [i64], mut pos: usize) {
        let end = heap.len();
        let start = pos;
        let item = heap[pos];
        let mut child = 2 * pos + 1;
        while child < end {
            let right = child + 1;
            if right < end && heap[child] >= heap[right] {
                child = right;
            }
            heap[pos] = heap[child];
            pos = child;
            child = 2 * pos + 1;
        }
        heap[pos] = item;
        sift_down(heap, start, pos);
    }

    pub fn push(heap: &mut Vec<i64>, item: i64) {
        heap.push(item);
        let last = heap.len() - 1;
        sift_down(heap, 0, last);
    }

    pub fn pushpop(heap: &mut [i64], item: i64) -> i64 {
        if !heap.is_empty() && heap[0] < item {
            let out = heap[0];
            heap[0] = item;
            sift_up(heap, 0);
            return out;
        }
        item
    }
}

/// scikit-learn's `_hc_cut`: start from the root, `k - 1` times replace the
/// largest node id by its two children (kept in a heap of negated ids); a
/// leaf's label is the position of its ancestor in that heap array.
/// Requires `1 <= k <= n`.
pub fn cut_tree(children: &[[usize; 2]], n: usize, k: usize) -> Vec<usize> {
    assert!(k >= 1 && k <= n.max(1));
    if n <= 1 {
        return vec![0; n];
    }
    let mut nodes: Vec<i64> = vec![-((children[n - 2][0].max(children[n - 2][1]) + 1) as i64)];
    for _ in 0..k - 1 {
        let these = children[(-nodes[0]) as usize - n];
        heapq::push(&mut nodes, -(these[0] as i64));
        heapq::pushpop(&mut nodes, -(these[1] as i64));
    }
    let mut labels = vec![0; n];
    let mut stack = Vec::new();
    for (label, &node) in nodes.iter().enumerate() {
        stack.push((-node) as usize);
        while let Some(v) = stack.pop() {
            if v < n {
                labels[v] = label;
            } else {
                stack.extend_from_slice(&children[v - n]);
            }
        }
    }
    labels
}

/// Checks a row-major `samples x neurons` matrix in one pass: `Err((sample,
/// neuron))` at the first non-finite value, else the constant neurons (dead
/// ReLUs), ascending.
pub fn constant_neurons<T: Copy + Into<f64>>(
    x: &[T],
    samples: usize,
    neurons: usize,
) -> Result<Vec<usize>, (usize, usize)> {
    let n = neurons;
    if samples == 0 || n == 0 {
        return Ok(Vec::new());
    }
    let first: Vec<f64> = x[..n].iter().map(|&v| v.into()).collect();
    let mut varies = vec![false; n];
    for k in 0..samples {
        let row = &x[k * n..(k + 1) * n];
        let mut bad = false;
        for ((f, vr), &v) in first.iter().zip(varies.iter_mut()).zip(row) {
            let v: f64 = v.into();
            bad |= !v.is_finite();
            *vr |= v != *f;
        }
        if bad {
            let j = row.iter().position(|&v| !v.into().is_finite()).unwrap_or(0);
            return Err((k, j));
        }
    }
    Ok((0..n).filter(|&j| !varies[j]).collect())
}

/// Groups (size >= 2, each ascending, ordered by first member) of neurons
/// with identical columns, found among the pairs at distance exactly 0 in the
/// condensed distances `d` (identical columns always are, see
/// [`neuron_distances`]) and confirmed value by value.
pub fn identical_groups<T: Copy + Into<f64>>(x: &[T], samples: usize, neurons: usize, d: &[f64]) -> Vec<Vec<usize>> {
    let n = neurons;
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut a: usize) -> usize {
        while parent[a] != a {
            parent[a] = parent[parent[a]];
            a = parent[a];
        }
        a
    }
    let same = |a: usize, b: usize| (0..samples).all(|k| x[k * n + a].into() == x[k * n + b].into());
    let mut idx = 0;
    for i in 0..n {
        for j in i + 1..n {
            if d[idx] == 0.0 {
                let (ri, rj) = (root(&mut parent, i), root(&mut parent, j));
                if ri != rj && same(ri.min(rj), ri.max(rj)) {
                    let (lo, hi) = (ri.min(rj), ri.max(rj));
                    parent[hi] = lo;
                }
            }
            idx += 1;
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for j in 0..n {
        let r = root(&mut parent, j);
        groups[r].push(j);
    }
    groups.into_iter().filter(|g| g.len() > 1).collect()
}

/// Number of distinct neurons given the groups of identical ones.
pub fn distinct_count(n: usize, identical: &[Vec<usize>]) -> usize {
    n - identical.iter().map(|g| g.len() - 1).sum::<usize>()
}

/// Ward labels for the neurons of a row-major `samples x neurons` matrix,
/// exactly as scikit-learn's `AgglomerativeClustering(n_clusters=k)`.
/// `k` must be between 1 and the number of neurons.
pub fn ward_labels<T: Copy + Into<f64>>(x: &[T], samples: usize, neurons: usize, k: usize) -> Vec<usize> {
    let mut d = neuron_distances(x, samples, neurons);
    let children = ward_children(&mut d, neurons);
    cut_tree(&children, neurons, k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_matches_python() {
        // heapq on [-8] after push(-3), pushpop(-7): Python gives [-8, -3] then
        // pushpop returns -8 and leaves [-7, -3].
        let mut h = vec![-8];
        heapq::push(&mut h, -3);
        assert_eq!(h, vec![-8, -3]);
        assert_eq!(heapq::pushpop(&mut h, -7), -8);
        assert_eq!(h, vec![-7, -3]);
    }

    #[test]
    fn constant_and_identical_neurons() {
        // 5 samples x 6 neurons: 1 and 4 dead (0), 2 == 5, 0 differs from 3 in one sample.
        let col = |j: usize, k: usize| match j {
            0 => k as f64,
            1 | 4 => 0.0,
            2 | 5 => (k * k) as f64 - 2.0,
            3 => {
                if k == 4 {
                    9.0
                } else {
                    k as f64
                }
            }
            _ => unreachable!(),
        };
        let x: Vec<f64> = (0..5).flat_map(|k| (0..6).map(move |j| col(j, k))).collect();
        assert_eq!(constant_neurons(&x, 5, 6), Ok(vec![1, 4]));
        let d = neuron_distances(&x, 5, 6);
        assert_eq!(identical_groups(&x, 5, 6, &d), vec![vec![1, 4], vec![2, 5]]);
        assert_eq!(distinct_count(6, &identical_groups(&x, 5, 6, &d)), 4);
        let mut bad = x.clone();
        bad[2 * 6 + 3] = f64::INFINITY;
        assert_eq!(constant_neurons(&bad, 5, 6), Err((2, 3)));
    }

    #[test]
    fn two_obvious_groups() {
        // 4 neurons over 3 samples: {0, 2} near each other, {1, 3} near each other.
        let x = [0.0, 10.0, 0.1, 10.2, 0.0, 10.0, 0.0, 10.1, 1.0, 11.0, 1.1, 11.0];
        let l = ward_labels(&x, 3, 4, 2);
        assert_eq!(l[0], l[2]);
        assert_eq!(l[1], l[3]);
        assert_ne!(l[0], l[1]);
        assert_eq!(ward_labels(&x, 3, 4, 4).iter().collect::<std::collections::BTreeSet<_>>().len(), 4);
        assert_eq!(ward_labels(&x, 3, 4, 1), vec![0; 4]);
    }
}
