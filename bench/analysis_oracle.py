#!/usr/bin/env python3
"""Baseline for BENCHMARKS-analysis.md: the progress measures of one checkpoint
with numpy + scipy + scikit-learn, timed stage by stage like benches/analysis.rs.

Input: target/bench_checkpoint.npy, written by `cargo bench --bench analysis`
(3763 samples x 250 neurons, post-ReLU). Needs numpy, scipy, scikit-learn.

    python3 bench/analysis_oracle.py [path.npy] [runs] [--stable]

--stable breaks ties by sample order (hoi's convention) so that the printed
synergy / redundancy can be compared with the Rust `stable` rows exactly.

Stages (same meaning as the Rust table):
  checks     finite check + dead (constant) neurons
  distances  scipy pdist (euclidean) of the neurons
  linkage    scipy Ward linkage + scikit-learn's tree cut (10 clusters)
  copula     per-neuron ranks (random ties: lexsort with random keys), ndtri, demean
  covariance Z^T Z / (s - 1)  (BLAS)
  search     O-information of all 1013 multiplets (one Cholesky + inverse diagonal each)
  total      the stages back to back, plus AgglomerativeClustering().fit as a check
"""
import sys
import time
import itertools

import numpy as np
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist
from scipy.special import ndtri
from sklearn.cluster import AgglomerativeClustering
from sklearn.cluster._agglomerative import _hc_cut

args = [a for a in sys.argv[1:] if not a.startswith("--")]
path = args[0] if len(args) > 0 else "target/bench_checkpoint.npy"
runs = int(args[1]) if len(args) > 1 else 5
X = np.load(path).astype(np.float64)
s, n = X.shape
K = 10
LN2 = np.log(2.0)


TIES = "random"


def copula(cols_first, rng):
    # cols_first: variables x samples; ties broken by random keys (or sample order)
    if TIES == "stable":
        order = np.argsort(cols_first, axis=-1, kind="stable")
    else:
        keys = rng.random(cols_first.shape)
        order = np.lexsort((keys, cols_first), axis=-1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(cols_first.shape[1])[None, :].repeat(cols_first.shape[0], 0), axis=1)
    z = ndtri((ranks + 1.0) / (cols_first.shape[1] + 1.0))
    return z - z.mean(axis=1, keepdims=True)


def oinfo_bits(c):
    l = np.linalg.cholesky(c)
    logdet = 2.0 * np.log(np.diag(l)).sum()
    linv = np.linalg.inv(l)  # lower triangular inverse
    pdiag = (linv * linv).sum(axis=0)
    return (-logdet + 0.5 * (np.log(np.diag(c)).sum() - np.log(pdiag).sum())) / LN2


def search(cov, groups):
    best_min, best_max = (np.inf, None), (-np.inf, None)
    for size in range(2, len(groups) + 1):
        for comb in itertools.combinations(range(len(groups)), size):
            idx = np.concatenate([groups[g] for g in comb])
            v = oinfo_bits(cov[np.ix_(idx, idx)])
            if v < best_min[0]:
                best_min = (v, comb)
            if v > best_max[0]:
                best_max = (v, comb)
    return best_min, best_max


def run(mode, rng):
    t = {}
    t0 = time.perf_counter()
    assert np.isfinite(X).all()
    dead = np.where((X == X[0]).all(axis=0))[0]
    t["checks"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    d = pdist(np.ascontiguousarray(X.T))  # contiguous rows: pdist's fast path
    t["distances"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    z_link = linkage(d, method="ward")
    children = z_link[:, :2].astype(np.intp)
    labels = _hc_cut(K, children, n)
    t["linkage"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    live = np.setdiff1d(np.arange(n), dead)
    if mode == "union":
        z = copula(X[:, live].T, rng)
        groups = [np.where(labels[live] == c)[0] for c in range(K)]
    else:
        means = np.stack([X[:, labels == c].mean(axis=1) for c in range(K)])
        keep = [c for c in range(K) if not (means[c] == means[c, 0]).all()]
        z = copula(means[keep], rng)
        groups = [np.array([i]) for i in range(len(keep))]
    t["copula"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    cov = z @ z.T / (s - 1)
    t["covariance"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    (syn, syn_c), (red, red_c) = search(cov, groups)
    t["search"] = time.perf_counter() - t0
    t["total"] = sum(t.values())
    return t, labels, syn, red


def main():
    global TIES
    if "--stable" in sys.argv:
        TIES = "stable"
    rng = np.random.default_rng(0)
    # scikit-learn itself, for reference (distances + linkage + cut inside).
    t0 = time.perf_counter()
    sk = AgglomerativeClustering(n_clusters=K).fit(X.T).labels_
    t_sk = time.perf_counter() - t0
    import json, os
    rust_labels = os.path.join(os.path.dirname(os.path.abspath(path)), "bench_labels.json")
    if os.path.exists(rust_labels):
        same = (np.array(json.load(open(rust_labels))) == sk).all()
        print(f"Rust Ward labels (target/bench_labels.json) == scikit-learn labels: {bool(same)}")
        assert same
    print(f"checkpoint: {s} samples x {n} neurons, {100 * (X == 0).mean():.1f} % exact zeros; "
          f"{runs} runs, median ms; sklearn AgglomerativeClustering.fit {1e3 * t_sk:.1f} ms")
    print()
    cols = ["checks", "distances", "linkage", "copula", "covariance", "search", "total"]
    print("| mode | ties | " + " | ".join(cols) + " |")
    print("|---|---|" + "---|" * len(cols))
    for mode in ["mean", "union"]:
        times = {c: [] for c in cols}
        for _ in range(runs if mode == "mean" else max(1, runs // 2)):
            t, labels, syn, red = run(mode, rng)
            assert (labels == sk).all(), "tree cut differs from AgglomerativeClustering"
            for c in cols:
                times[c].append(1e3 * t[c])
        med = {c: float(np.median(v)) for c, v in times.items()}
        print(f"| {mode} | {TIES} | " + " | ".join(f"{med[c]:.2f}" if c != "total" else f"**{med[c]:.2f}**" for c in cols) + " |")
        print(f"  {mode} {TIES}: synergy {syn:.9f} bits, redundancy {red:.9f} bits", file=sys.stderr)


if __name__ == "__main__":
    main()
