//! Dense kernels shared by the progress measures: a blocked Gram matrix
//! (distances for Ward, covariances for the copula entropies), a Cholesky
//! factorisation, and the inverse of a covariance from its factor.
//!
//! Every sum has a fixed order written in the source (independent
//! accumulators, never `mul_add`), so results are bit-identical on every
//! target and whichever SIMD width the compiler picks. The Gram matrix is
//! split over two threads where there are threads (`crate::par`).

/// Lanes per packed panel (the vector direction of the Gram micro-kernel).
const LANES: usize = 8;
/// Rows of the micro-kernel (broadcast direction).
const ROWS: usize = 4;
/// Samples per cache block.
const KC: usize = 256;

thread_local! {
    static POOL: std::cell::RefCell<Vec<Vec<f64>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A scratch buffer of `len` f64 with UNSPECIFIED contents, recycled from
/// this thread's pool when possible: fresh multi-megabyte allocations cost
/// more in page faults than the arithmetic done in them. Callers overwrite
/// every element they read.
pub fn take_buffer(len: usize) -> Vec<f64> {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        let best = (0..p.len()).filter(|&i| p[i].capacity() >= len).min_by_key(|&i| p[i].capacity());
        let mut v = match best {
            Some(i) => p.swap_remove(i),
            None => Vec::with_capacity(len),
        };
        if v.len() >= len {
            v.truncate(len);
        } else {
            v.resize(len, 0.0);
        }
        v
    })
}

/// Frees the buffers kept by this thread's pool (at paper size the pool of
/// the thread that calls `analyze` holds about 15 MB between calls).
pub fn clear_buffers() {
    POOL.with(|p| p.borrow_mut().clear());
}

/// Most buffers a thread's pool keeps.
const POOL_SIZE: usize = 32;

/// Returns a buffer to this thread's pool (at most 32 are kept).
pub fn give_buffer(v: Vec<f64>) {
    if v.capacity() < 4096 {
        return;
    }
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < POOL_SIZE {
            p.push(v);
        }
    });
}

/// Neurons packed in panels of 8: panel `p` holds, for each sample `k`, the
/// values of neurons `8p..8p+8` contiguously (zero padded).
pub struct Panels {
    samples: usize,
    neurons: usize,
    panels: usize,
    data: Vec<f64>,
}

impl Panels {
    /// Packs a row-major `samples x neurons` matrix. With `center_rows`, every
    /// sample's mean over the neurons is subtracted first (a common
    /// translation of all points: distances are unchanged, cancellation in
    /// `d^2 = G_ii + G_jj - 2 G_ij` is smaller).
    pub fn from_rows<T: Copy + Into<f64>>(x: &[T], samples: usize, neurons: usize, center_rows: bool) -> Panels {
        let panels = neurons.div_ceil(LANES);
        let mut data = take_buffer(panels * samples * LANES);
        let stride = samples * LANES;
        for k in 0..samples {
            let row = &x[k * neurons..(k + 1) * neurons];
            let m = if center_rows && neurons > 0 {
                let mut acc = [0.0f64; 8];
                let mut chunks = row.chunks_exact(8);
                for c in &mut chunks {
                    for l in 0..8 {
                        acc[l] += c[l].into();
                    }
                }
                let mut tail = 0.0;
                for &v in chunks.remainder() {
                    tail += v.into();
                }
                let sum = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
                sum / neurons as f64
            } else {
                0.0
            };
            for (p, src) in row.chunks(LANES).enumerate() {
                let dst = &mut data[p * stride + k * LANES..p * stride + (k + 1) * LANES];
                for (d, &v) in dst.iter_mut().zip(src) {
                    *d = v.into() - m;
                }
                for d in &mut dst[src.len()..] {
                    *d = 0.0;
                }
            }
        }
        Panels { samples, neurons, panels, data }
    }

    /// Builds panels by letting `fill(state, p, panel)` write panel `p`
    /// (`samples` rows of 8 lanes; lanes past the last neuron must be zero),
    /// with one `init()` state per worker. Native builds fill the two halves
    /// of the panels on two threads.
    pub fn from_panel_fn<S>(
        samples: usize,
        neurons: usize,
        init: impl Fn() -> S + Sync,
        fill: impl Fn(&mut S, usize, &mut [f64]) + Sync,
    ) -> Panels {
        let panels = neurons.div_ceil(LANES);
        let stride = samples * LANES;
        let mut data = take_buffer(panels * stride);
        if stride > 0 {
            let run = |first: usize, part: &mut [f64]| {
                let mut state = init();
                for (i, panel) in part.chunks_exact_mut(stride).enumerate() {
                    fill(&mut state, first + i, panel);
                }
            };
            if panels >= 2 && samples * neurons >= 1 << 14 && crate::par::threads() > 1 {
                let half = panels / 2;
                let (a, b) = data.split_at_mut(half * stride);
                crate::par::join(|| run(0, a), || run(half, b));
            } else {
                run(0, &mut data);
            }
        }
        Panels { samples, neurons, panels, data }
    }

    pub fn samples(&self) -> usize {
        self.samples
    }

    pub fn neurons(&self) -> usize {
        self.neurons
    }

    /// Value of neuron `j` at sample `k`.
    pub fn get(&self, k: usize, j: usize) -> f64 {
        self.data[((j / LANES) * self.samples + k) * LANES + j % LANES]
    }

    /// Returns the storage to the buffer pool.
    pub fn recycle(self) {
        give_buffer(self.data);
    }

    /// Packs neuron-major columns (`neurons` runs of `samples` values).
    pub fn from_cols(cols: &[f64], samples: usize, neurons: usize) -> Panels {
        let panels = neurons.div_ceil(LANES);
        let mut data = take_buffer(panels * samples * LANES);
        data.iter_mut().for_each(|v| *v = 0.0);
        for j in 0..neurons {
            let (p, l) = (j / LANES, j % LANES);
            let col = &cols[j * samples..(j + 1) * samples];
            let panel = &mut data[p * samples * LANES..(p + 1) * samples * LANES];
            for (k, &v) in col.iter().enumerate() {
                panel[k * LANES + l] = v;
            }
        }
        Panels { samples, neurons, panels, data }
    }

    fn panel(&self, p: usize, k0: usize, k1: usize) -> &[f64] {
        let base = p * self.samples * LANES;
        &self.data[base + k0 * LANES..base + k1 * LANES]
    }
}

/// `acc[i][j] += sum_k a[k][off + i] * b[k][j]` over one cache block, in sample order.
#[inline(always)]
fn micro(a: &[f64], off: usize, b: &[f64], acc: &mut [[f64; LANES]; ROWS]) {
    let mut c = *acc;
    for (ra, rb) in a.chunks_exact(LANES).zip(b.chunks_exact(LANES)) {
        let rb: &[f64; LANES] = rb.try_into().unwrap();
        for i in 0..ROWS {
            let av = ra[off + i];
            for j in 0..LANES {
                c[i][j] += av * rb[j];
            }
        }
    }
    *acc = c;
}

/// Computes rows `8 * p0 .. 8 * p1` (panel rows) of the upper block triangle of
/// the Gram matrix into `out` (row stride `stride`, first row = `8 * p0`).
#[inline(always)]
fn gram_rows_body(x: &Panels, p0: usize, p1: usize, out: &mut [f64], stride: usize) {
    let s = x.samples;
    let mut k0 = 0;
    while k0 < s {
        let k1 = (k0 + KC).min(s);
        for pi in p0..p1 {
            let a = x.panel(pi, k0, k1);
            for half in 0..LANES / ROWS {
                let r0 = (pi - p0) * LANES + half * ROWS;
                for pj in pi..x.panels {
                    let b = x.panel(pj, k0, k1);
                    let mut acc = [[0.0; LANES]; ROWS];
                    if k0 > 0 {
                        for i in 0..ROWS {
                            acc[i].copy_from_slice(
                                &out[(r0 + i) * stride + pj * LANES..(r0 + i) * stride + pj * LANES + LANES],
                            );
                        }
                    }
                    micro(a, half * ROWS, b, &mut acc);
                    for i in 0..ROWS {
                        out[(r0 + i) * stride + pj * LANES..(r0 + i) * stride + pj * LANES + LANES]
                            .copy_from_slice(&acc[i]);
                    }
                }
            }
        }
        k0 = k1;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gram_rows_avx2(x: &Panels, p0: usize, p1: usize, out: &mut [f64], stride: usize) {
    gram_rows_body(x, p0, p1, out, stride)
}

fn gram_rows(x: &Panels, p0: usize, p1: usize, out: &mut [f64], stride: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked above). The body has no
            // `mul_add`, so the results equal the portable path bit for bit.
            unsafe { gram_rows_avx2(x, p0, p1, out, stride) };
            return;
        }
    }
    gram_rows_body(x, p0, p1, out, stride)
}

/// The Gram matrix `G = X^T X` of the packed neurons (`n x n`, row-major,
/// symmetric). Each entry is one sequential sum over the samples, so
/// identical columns give bit-identical entries.
pub fn gram(x: &Panels) -> Vec<f64> {
    let (n, np) = (x.neurons, x.panels);
    let stride = np * LANES;
    let mut g = take_buffer(stride * stride);
    if x.samples == 0 {
        g.iter_mut().for_each(|v| *v = 0.0);
    }
    // Panel rows have work proportional to (np - p): split it in two halves.
    let total: usize = (0..np).map(|p| np - p).sum();
    let mut split = 0;
    let mut acc = 0;
    while split < np && 2 * acc < total {
        acc += np - split;
        split += 1;
    }
    if crate::par::threads() > 1 && np > 1 && x.samples * np * np > 1 << 16 && split < np {
        let (top, bottom) = g.split_at_mut(split * LANES * stride);
        crate::par::join(|| gram_rows(x, 0, split, top, stride), || gram_rows(x, split, np, bottom, stride));
    } else {
        gram_rows(x, 0, np, &mut g, stride);
    }
    let mut out = take_buffer(n * n);
    for i in 0..n {
        for j in i..n {
            let v = g[i * stride + j];
            out[i * n + j] = v;
            out[j * n + i] = v;
        }
    }
    give_buffer(g);
    out
}

/// Lanes per panel (public for packers).
pub const PANEL_LANES: usize = LANES;

/// `acc[i][l] -= sum_q v[q][r0 + i] * v[q][c0 + l]`, q ascending.
#[inline(always)]
fn syrk_tile(v: &[f64], ld: usize, m: usize, r0: usize, c0: usize, acc: &mut [[f64; LANES]; ROWS]) {
    let mut c = *acc;
    for q in 0..m {
        let row = &v[q * ld..(q + 1) * ld];
        let b: &[f64; LANES] = row[c0..c0 + LANES].try_into().unwrap();
        for i in 0..ROWS {
            let a = row[r0 + i];
            for l in 0..LANES {
                c[i][l] -= a * b[l];
            }
        }
    }
    *acc = c;
}

#[inline(always)]
fn syrk_lower_sub_body(out: &mut [f64], v: &[f64], m: usize, nc: usize) {
    let mut r0 = 0;
    while r0 < nc {
        let rows = ROWS.min(nc - r0);
        let last = r0 + rows - 1;
        let mut c0 = 0;
        while c0 <= last {
            if rows == ROWS && c0 + LANES <= nc {
                let mut acc = [[0.0; LANES]; ROWS];
                for i in 0..ROWS {
                    acc[i].copy_from_slice(&out[(r0 + i) * nc + c0..(r0 + i) * nc + c0 + LANES]);
                }
                syrk_tile(v, nc, m, r0, c0, &mut acc);
                for i in 0..ROWS {
                    // Entries right of the diagonal are scratch (never read).
                    out[(r0 + i) * nc + c0..(r0 + i) * nc + c0 + LANES].copy_from_slice(&acc[i]);
                }
            } else {
                for i in r0..r0 + rows {
                    for c in c0..(c0 + LANES).min(i + 1) {
                        let mut x = out[i * nc + c];
                        for q in 0..m {
                            x -= v[q * nc + i] * v[q * nc + c];
                        }
                        out[i * nc + c] = x;
                    }
                }
            }
            c0 += LANES;
        }
        r0 += ROWS;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn syrk_lower_sub_avx2(out: &mut [f64], v: &[f64], m: usize, nc: usize) {
    syrk_lower_sub_body(out, v, m, nc)
}

/// Lower triangle of `out -= V^T V` (`out`: `nc x nc` row-major, `V`: `m x nc`
/// row-major). Each entry subtracts its m products in order q = 0..m, so the
/// diagonal equals `out_jj - v_0j^2 - v_1j^2 - ...` bit for bit. Entries
/// above the diagonal are left as scratch.
pub fn syrk_lower_sub(out: &mut [f64], v: &[f64], m: usize, nc: usize) {
    assert!(out.len() >= nc * nc && v.len() >= m * nc);
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present; no `mul_add`, so same bits as the portable path.
            unsafe { syrk_lower_sub_avx2(out, v, m, nc) };
            return;
        }
    }
    syrk_lower_sub_body(out, v, m, nc)
}

/// Dot product with 8 independent accumulators, summed pairwise at the end.
#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f64; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Relative pivot below which a covariance counts as singular: a pivot
/// `d_j <= PIVOT_TOL * C_jj` means column j is (numerically) a linear
/// combination of the earlier ones.
pub const PIVOT_TOL: f64 = 1e-12;

/// In-place Cholesky factorisation `C = L L^T` of a symmetric positive
/// definite `n x n` row-major matrix (Cholesky-Banachiewicz, row by row; only
/// the lower triangle is read and written, the strict upper triangle is
/// zeroed). Returns `Err(j)` with the first column whose pivot is not
/// positive (relative to its diagonal).
pub fn cholesky(a: &mut [f64], n: usize) -> Result<(), usize> {
    assert!(a.len() >= n * n);
    for i in 0..n {
        for j in 0..=i {
            let (head, tail) = a.split_at_mut(i * n);
            let li = &tail[..n];
            let sum = if j < i { dot(&li[..j], &head[j * n..j * n + j]) } else { dot(&li[..j], &li[..j]) };
            if i == j {
                let d = li[i] - sum;
                // Written so that NaN fails too.
                let positive = d > PIVOT_TOL * li[i].abs() && d.is_finite();
                if !positive {
                    return Err(i);
                }
                tail[i] = libm::sqrt(d);
            } else {
                let ljj = head[j * n + j];
                tail[j] = (li[j] - sum) / ljj;
            }
        }
        for v in &mut a[i * n + i + 1..(i + 1) * n] {
            *v = 0.0;
        }
    }
    Ok(())
}

/// `log det C = 2 sum_i log L_ii` from a Cholesky factor.
pub fn log_det_from_cholesky(l: &[f64], n: usize) -> f64 {
    let mut s = 0.0;
    for i in 0..n {
        s += libm::log(l[i * n + i]);
    }
    2.0 * s
}

/// From a Cholesky factor `L` of `C`, the full inverse `C^{-1} = L^{-T} L^{-1}`
/// (row-major, symmetric), using `M = L^{-1}` computed row by row.
pub fn inverse_from_cholesky(l: &[f64], n: usize) -> Vec<f64> {
    // M = L^{-1}, lower triangular: row i = (e_i - sum_{k<i} L_ik M_k) / L_ii.
    let mut m = take_buffer(n * n);
    for i in 0..n {
        let (done, rest) = m.split_at_mut(i * n);
        let row = &mut rest[..n];
        row[..i].fill(0.0);
        row[i] = 1.0;
        for k in 0..i {
            let lik = l[i * n + k];
            if lik != 0.0 {
                let mk = &done[k * n..k * n + k + 1];
                for (r, &v) in row[..=k].iter_mut().zip(mk) {
                    *r -= lik * v;
                }
            }
        }
        let inv = 1.0 / l[i * n + i];
        for r in &mut row[..=i] {
            *r *= inv;
        }
    }
    // P = M^T M = sum_i m_i m_i^T over the rows m_i of M (lower triangle of P).
    let mut p = take_buffer(n * n);
    for a in 0..n {
        p[a * n..a * n + a + 1].fill(0.0);
    }
    for i in 0..n {
        let mi = &m[i * n..i * n + i + 1];
        for a in 0..=i {
            let f = mi[a];
            if f != 0.0 {
                let pa = &mut p[a * n..a * n + a + 1];
                for (r, &v) in pa.iter_mut().zip(&mi[..=a]) {
                    *r += f * v;
                }
            }
        }
    }
    give_buffer(m);
    for a in 0..n {
        for b in 0..a {
            p[b * n + a] = p[a * n + b];
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;

    fn random(s: usize, n: usize, seed: u64) -> Vec<f64> {
        let mut r = SplitMix64::new(seed, 0);
        (0..s * n).map(|_| r.next_f64() - 0.3).collect()
    }

    #[test]
    fn gram_matches_naive() {
        for &(s, n) in &[(1, 1), (7, 3), (300, 37), (600, 70), (1000, 9)] {
            let x = random(s, n, s as u64);
            let g = gram(&Panels::from_rows(&x, s, n, false));
            for i in 0..n {
                for j in 0..n {
                    let naive: f64 = (0..s).map(|k| x[k * n + i] * x[k * n + j]).sum();
                    assert!((g[i * n + j] - naive).abs() <= 1e-12 * (1.0 + naive.abs()), "{s}x{n} ({i},{j})");
                }
            }
            // Column-major packing gives the same bits.
            let mut cols = vec![0.0; s * n];
            for k in 0..s {
                for j in 0..n {
                    cols[j * s + k] = x[k * n + j];
                }
            }
            assert_eq!(gram(&Panels::from_cols(&cols, s, n)), g);
        }
    }

    #[test]
    fn cholesky_inverse_round_trip() {
        let (s, n) = (200, 30);
        let x = random(s, n, 3);
        let c = gram(&Panels::from_rows(&x, s, n, false));
        let mut l = c.clone();
        cholesky(&mut l, n).unwrap();
        // L L^T == C
        for i in 0..n {
            for j in 0..n {
                let v: f64 = (0..n).map(|k| l[i * n + k] * l[j * n + k]).sum();
                assert!((v - c[i * n + j]).abs() < 1e-10 * c[i * n + i]);
            }
        }
        let p = inverse_from_cholesky(&l, n);
        for i in 0..n {
            for j in 0..n {
                let v: f64 = (0..n).map(|k| c[i * n + k] * p[k * n + j]).sum();
                let e = if i == j { 1.0 } else { 0.0 };
                assert!((v - e).abs() < 1e-9, "({i},{j}) {v}");
            }
        }
    }

    #[test]
    fn syrk_matches_naive_lower_triangle() {
        for &(m, nc) in &[(1, 1), (3, 5), (25, 37), (7, 64), (30, 9)] {
            let v = random(m, nc, 17);
            let base = random(nc, nc, 18);
            let mut out = base.clone();
            syrk_lower_sub(&mut out, &v, m, nc);
            for i in 0..nc {
                for c in 0..=i {
                    let mut x = base[i * nc + c];
                    for q in 0..m {
                        x -= v[q * nc + i] * v[q * nc + c];
                    }
                    assert_eq!(out[i * nc + c], x, "({i},{c}) of {m}x{nc}");
                }
            }
        }
    }

    #[test]
    fn buffers_are_recycled() {
        let a = take_buffer(10_000);
        let ptr = a.as_ptr();
        give_buffer(a);
        let b = take_buffer(9_000);
        assert_eq!(b.as_ptr(), ptr);
        assert_eq!(b.len(), 9_000);
        give_buffer(b);
    }

    #[test]
    fn cholesky_rejects_singular() {
        // Two identical columns.
        let c = vec![1.0, 1.0, 0.5, 1.0, 1.0, 0.5, 0.5, 0.5, 2.0];
        let mut l = c.clone();
        assert_eq!(cholesky(&mut l, 3), Err(1));
        let mut z = vec![0.0; 4];
        assert_eq!(cholesky(&mut z, 2), Err(0));
    }
}
