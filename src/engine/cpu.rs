//! The CPU engine: the reference for every GPU kernel and the fallback where a
//! browser has no WebGPU. Fast in its own right: layer 1 is a gather (the
//! input is one-hot), matrices are padded to 16 columns so the inner loops are
//! register-blocked and vectorise, rows are processed in cache-sized chunks,
//! and natively the rows are split across threads.

use super::{adamw_element, Hyper, Mask, StepRecord, Tally};
use crate::data::{Dataset, Split};
use crate::model::{Params, Shape};

/// Column blocks are this wide; padded strides are multiples of it.
const LANES: usize = 16;
/// Rows per register block of `gemm_nn`: 4 rows x 16 lanes of accumulators
/// (8 AVX2 registers), beside the loaded row and the broadcasts.
const ROWS: usize = 4;
/// Neurons per register block of `gemm_tn_acc`; `round_up` keeps the
/// padded hidden width a multiple of it.
const TN_ROWS: usize = 4;
/// Rows per cache chunk of the fused forward pass.
const CHUNK: usize = 64;

pub fn round_up(x: usize) -> usize {
    x.div_ceil(LANES) * LANES
}

/// Runs `f` compiled for AVX2 and FMA where the processor has them, telling
/// it whether fused multiply-adds are available. The kernels and the closures
/// are `inline(always)`, so the whole body is generated for AVX2, and the
/// constant flag removes the unused branch. (FMA rounds once where mul+add
/// rounds twice: results differ in the last bits from the portable path.)
#[inline(always)]
fn simd<R>(f: impl FnOnce(bool) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn avx2<R>(f: impl FnOnce(bool) -> R) -> R {
            f(true)
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the processor supports AVX2 and FMA (checked just above).
            return unsafe { avx2(f) };
        }
    }
    f(false)
}

/// acc + x * y, fused where `fma` (a constant after inlining).
#[inline(always)]
fn madd(fma: bool, acc: f32, x: f32, y: f32) -> f32 {
    if fma {
        x.mul_add(y, acc)
    } else {
        acc + x * y
    }
}

/// The row ranges of CHUNK rows that cover `n` rows.
fn chunks(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n).step_by(CHUNK).map(move |i| i..(i + CHUNK).min(n))
}

/// exp(x) for x <= 0 (softmax after subtracting the max), vectorisable:
/// Cephes' expf polynomial, round-to-nearest by the 1.5 * 2^23 trick and the
/// power of two built from bits. About 1 ulp.
#[inline(always)]
fn exp_neg(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0;
    let x = x.max(-87.0);
    let n = (x * std::f32::consts::LOG2_E + MAGIC) - MAGIC;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((n as i32 + 127) as u32) << 23)
}

/// Layer 1 for `rows` samples: h = ReLU(W1[a] + W1[p + b] + b1), rows of
/// `prm.stride` floats.
#[inline(always)]
pub fn hidden(prm: &Params, a: &[u32], b: &[u32], h: &mut [f32]) {
    let s = prm.stride;
    let p = prm.shape.p;
    let bias = &prm.theta[prm.b1_offset()..prm.b1_offset() + s];
    for (i, row) in h.chunks_exact_mut(s).enumerate().take(a.len()) {
        let wa = &prm.theta[a[i] as usize * s..][..s];
        let wb = &prm.theta[(p + b[i] as usize) * s..][..s];
        for j in 0..s {
            row[j] = (wa[j] + wb[j] + bias[j]).max(0.0);
        }
    }
}

/// C (m x n) = A (m x k) B (k x n), row-major with the given strides; n is a
/// multiple of `LANES`. Register-blocked: `ROWS` x `LANES` accumulators.
#[inline(always)]
fn gemm_nn(
    fma: bool,
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    m: usize,
    k: usize,
    n: usize,
) {
    #[inline(always)]
    fn block<const R: usize>(
        fma: bool,
        a: &[f32],
        lda: usize,
        b: &[f32],
        ldb: usize,
        c: &mut [f32],
        ldc: usize,
        k: usize,
        n: usize,
    ) {
        let rows: [&[f32]; R] = std::array::from_fn(|r| &a[r * lda..r * lda + k]);
        for j0 in (0..n).step_by(LANES) {
            let mut acc = [[0f32; LANES]; R];
            for kk in 0..k {
                let brow: &[f32; LANES] = b[kk * ldb + j0..][..LANES].try_into().unwrap();
                for r in 0..R {
                    let x = rows[r][kk];
                    for l in 0..LANES {
                        acc[r][l] = madd(fma, acc[r][l], x, brow[l]);
                    }
                }
            }
            for r in 0..R {
                c[r * ldc + j0..][..LANES].copy_from_slice(&acc[r]);
            }
        }
    }
    let full = m / ROWS * ROWS;
    for i in (0..full).step_by(ROWS) {
        block::<ROWS>(fma, &a[i * lda..], lda, b, ldb, &mut c[i * ldc..], ldc, k, n);
    }
    for i in full..m {
        block::<1>(fma, &a[i * lda..], lda, b, ldb, &mut c[i * ldc..], ldc, k, n);
    }
}

/// C (k x n) += A^T B for A (m x k), B (m x n): the weight gradient of a
/// layer, summed over `m` samples. k is a multiple of `TN_ROWS`, n of `LANES`.
#[inline(always)]
fn gemm_tn_acc(
    fma: bool,
    a: &[f32],
    lda: usize,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    m: usize,
    k: usize,
    n: usize,
) {
    for j0 in (0..k).step_by(TN_ROWS) {
        for c0 in (0..n).step_by(LANES) {
            let mut acc = [[0f32; LANES]; TN_ROWS];
            for (r, acc_r) in acc.iter_mut().enumerate() {
                acc_r.copy_from_slice(&c[(j0 + r) * ldc + c0..][..LANES]);
            }
            for i in 0..m {
                let arow: &[f32; TN_ROWS] = a[i * lda + j0..][..TN_ROWS].try_into().unwrap();
                let brow: &[f32; LANES] = b[i * ldb + c0..][..LANES].try_into().unwrap();
                for r in 0..TN_ROWS {
                    for l in 0..LANES {
                        acc[r][l] = madd(fma, acc[r][l], arow[r], brow[l]);
                    }
                }
            }
            for (r, acc_r) in acc.iter().enumerate() {
                c[(j0 + r) * ldc + c0..][..LANES].copy_from_slice(acc_r);
            }
        }
    }
}

/// Softmax cross-entropy of one row of logits against `label`: adds the loss
/// and whether the first maximum is the label to `tally`; with `grad`, writes
/// d(mean loss)/d(logits) = (softmax - onehot) * scale into it.
#[inline(always)]
pub fn softmax_xent(logits: &[f32], label: usize, tally: &mut Tally, grad: Option<(&mut [f32], f32)>) {
    let mut best = 0;
    for (c, &x) in logits.iter().enumerate() {
        if x > logits[best] {
            best = c;
        }
    }
    let max = logits[best];
    let mut e = [0f32; 512];
    let e = &mut e[..logits.len()];
    for (ec, &x) in e.iter_mut().zip(logits) {
        *ec = exp_neg(x - max);
    }
    let sum: f32 = e.iter().sum();
    let lse = max + sum.ln();
    tally.loss_sum += (lse - logits[label]) as f64;
    tally.correct += (best == label) as u32 as f64;
    tally.count += 1;
    if let Some((g, scale)) = grad {
        let inv = 1.0 / sum;
        for (gc, &ec) in g.iter_mut().zip(e.iter()) {
            *gc = ec * inv * scale;
        }
        g[label] -= scale;
    }
}

/// The forward pass over `samples`, CHUNK rows at a time: layer 1 into `h`
/// (or a scratch chunk when `h` is None), logits, loss and accuracy, and with
/// `dl` the gradient of the mean loss w.r.t. the logits.
struct Forward<'a> {
    prm: &'a Params,
    /// W2 transposed: `stride` rows of `cs` floats.
    w2t: &'a [f32],
    cs: usize,
    /// 1 / number of training samples, for the mean loss' gradient.
    scale: f32,
}

impl Forward<'_> {
    /// With `out`, also writes each row's `classes` logits there.
    #[inline(always)]
    fn rows(
        &self,
        fma: bool,
        s: &Split,
        rows: std::ops::Range<usize>,
        mut h: Option<&mut [f32]>,
        mut dl: Option<&mut [f32]>,
        mut out: Option<&mut [f32]>,
    ) -> Tally {
        let (hs, cs, classes) = (self.prm.stride, self.cs, self.prm.shape.classes());
        let mut scratch_h = vec![0f32; if h.is_some() { 0 } else { CHUNK * hs }];
        let mut logits = vec![0f32; CHUNK * cs];
        let mut tally = Tally::default();
        let first = rows.start;
        for start in rows.clone().step_by(CHUNK) {
            let end = (start + CHUNK).min(rows.end);
            let n = end - start;
            let hc: &mut [f32] = match h.as_deref_mut() {
                Some(h) => &mut h[(start - first) * hs..(end - first) * hs],
                None => &mut scratch_h[..n * hs],
            };
            hidden(self.prm, &s.a[start..end], &s.b[start..end], hc);
            gemm_nn(fma, hc, hs, self.w2t, cs, &mut logits, cs, n, hs, cs);
            for i in 0..n {
                let row = &logits[i * cs..i * cs + classes];
                if let Some(o) = out.as_deref_mut() {
                    o[(start - first + i) * classes..][..classes].copy_from_slice(row);
                }
                let label = s.label[start + i] as usize;
                let grad = dl.as_deref_mut().map(|d| (&mut d[(start - first + i) * cs..][..classes], self.scale));
                softmax_xent(row, label, &mut tally, grad);
            }
        }
        tally
    }
}

/// W2 (classes rows of `prm.stride`) into `w2t`: `prm.stride` rows of `cs`.
fn transpose_w2(prm: &Params, cs: usize, w2t: &mut [f32]) {
    let (hs, w2) = (prm.stride, prm.w2_offset());
    for c in 0..prm.shape.classes() {
        for j in 0..hs {
            w2t[j * cs + c] = prm.theta[w2 + c * hs + j];
        }
    }
}

/// The logits of `s` at `prm`, `classes` floats per row, by the engine's own
/// forward pass (padding, sums and their order as in training): an argmax
/// here is the engine's prediction, bit for bit.
pub fn logits(prm: &Params, s: &Split, threads: usize) -> Vec<f32> {
    let (hs, cs, classes) = (round_up(prm.shape.hidden), round_up(prm.shape.classes()), prm.shape.classes());
    let prm = prm.restride(hs);
    let mut w2t = vec![0f32; hs * cs];
    transpose_w2(&prm, cs, &mut w2t);
    let fwd = Forward { prm: &prm, w2t: &w2t, cs, scale: 0.0 };
    let mut out = vec![0f32; s.len() * classes];
    let jobs: Vec<_> = chunks(s.len()).zip(out.chunks_mut(CHUNK * classes)).collect();
    crate::par::map(threads, jobs, |(r, o)| {
        simd(
            #[inline(always)]
            |fma| fwd.rows(fma, s, r, None, None, Some(o)),
        )
    });
    out
}

fn add_tallies(ts: impl IntoIterator<Item = Tally>) -> Tally {
    ts.into_iter().fold(Tally::default(), |a, b| Tally {
        loss_sum: a.loss_sum + b.loss_sum,
        correct: a.correct + b.correct,
        count: a.count + b.count,
    })
}

/// Gradient of layer 1 from dL/dh (already masked by ReLU): each sample adds
/// its row to the two W1 rows it gathered, and to b1. Summed in sample order,
/// as the GPU kernel does.
pub fn grad_layer1(s: &Split, p: usize, dh: &[f32], stride: usize, grads: &mut Params) {
    let b1 = grads.b1_offset();
    for i in 0..s.len() {
        let d = &dh[i * stride..(i + 1) * stride];
        for off in [s.a[i] as usize * stride, (p + s.b[i] as usize) * stride, b1] {
            for (g, &x) in grads.theta[off..off + stride].iter_mut().zip(d) {
                *g += x;
            }
        }
    }
}

/// Scales the weight matrices back to norm N0 (Omnigrok's constrained norm).
pub fn rescale_norm(prm: &mut Params, norm0: f64) {
    let factor = (norm0 / prm.weight_norm()) as f32;
    for w in prm.weights_mut() {
        *w *= factor;
    }
}

pub struct CpuEngine {
    hyper: Hyper,
    mask: Option<Mask>,
    data: Dataset,
    threads: usize,
    /// Padded class stride.
    cs: usize,
    prm: Params,
    grads: Params,
    m: Vec<f32>,
    v: Vec<f32>,
    w2t: Vec<f32>,
    /// Layer-1 activations and d(loss)/d(logits) of the training set for the
    /// current parameters, and their tally (the cached forward pass).
    h: Vec<f32>,
    dl: Vec<f32>,
    /// The training set's logits, `classes` per row (the weight measures').
    logits: Vec<f32>,
    dh: Vec<f32>,
    train_tally: Tally,
    step: u32,
}

impl CpuEngine {
    /// `threads` = 0 uses every core.
    pub fn new(prm: &Params, hyper: Hyper, data: Dataset, threads: usize, mask: Option<&Mask>) -> CpuEngine {
        let shape = prm.shape;
        let (hs, cs) = (round_up(shape.hidden), round_up(shape.classes()));
        let n = data.train.len();
        let threads = match threads {
            0 => crate::par::threads(),
            t => t,
        };
        let mut prm = prm.restride(hs);
        if let Some(m) = mask {
            m.apply(&mut prm);
        }
        let mut e = CpuEngine {
            hyper,
            mask: mask.cloned(),
            threads,
            cs,
            grads: Params::zeros(shape, hs),
            m: vec![0.0; prm.theta.len()],
            v: vec![0.0; prm.theta.len()],
            w2t: vec![0.0; hs * cs],
            h: vec![0.0; n * hs],
            dl: vec![0.0; n * cs],
            logits: vec![0.0; n * shape.classes()],
            dh: vec![0.0; n * hs],
            train_tally: Tally::default(),
            step: 0,
            prm,
            data,
        };
        e.forward_train();
        e
    }

    pub fn shape(&self) -> Shape {
        self.prm.shape
    }

    pub fn step(&self) -> u32 {
        self.step
    }

    /// The parameters, unpadded.
    pub fn params(&self) -> Params {
        self.prm.restride(self.prm.shape.hidden)
    }

    /// Train metrics of the current parameters (from the cached forward pass).
    pub fn train_tally(&self) -> Tally {
        self.train_tally
    }

    fn forward(&self) -> Forward<'_> {
        Forward { prm: &self.prm, w2t: &self.w2t, cs: self.cs, scale: 1.0 / self.data.train.len() as f32 }
    }

    /// Forward pass on the training set, keeping h and d(loss)/d(logits).
    fn forward_train(&mut self) {
        transpose_w2(&self.prm, self.cs, &mut self.w2t);
        let (hs, cs, n, classes) = (self.prm.stride, self.cs, self.data.train.len(), self.prm.shape.classes());
        let fwd = Forward { prm: &self.prm, w2t: &self.w2t, cs, scale: 1.0 / n as f32 };
        let train = &self.data.train;
        let jobs: Vec<_> = chunks(n)
            .zip(self.h.chunks_mut(CHUNK * hs))
            .zip(self.dl.chunks_mut(CHUNK * cs))
            .zip(self.logits.chunks_mut(CHUNK * classes))
            .collect();
        let tallies = crate::par::map(self.threads, jobs, |(((r, h), d), l)| {
            simd(
                #[inline(always)]
                |fma| fwd.rows(fma, train, r, Some(h), Some(d), Some(l)),
            )
        });
        self.train_tally = add_tallies(tallies);
    }

    /// Loss and accuracy on the test set (no gradient, h not kept).
    pub fn evaluate(&self, s: &Split) -> Tally {
        let fwd = self.forward();
        let tallies = crate::par::map(self.threads, chunks(s.len()).collect(), |r| {
            simd(
                #[inline(always)]
                |fma| fwd.rows(fma, s, r, None, None, None),
            )
        });
        add_tallies(tallies)
    }

    /// Backward pass from the cached forward pass into `self.grads`.
    fn backward(&mut self) {
        let (hs, cs, classes) = (self.prm.stride, self.cs, self.prm.shape.classes());
        let n = self.data.train.len();
        self.grads.theta.fill(0.0);
        // dh = (dl W2) * [h > 0], CHUNK rows per job.
        let w2 = &self.prm.theta[self.prm.w2_offset()..self.prm.b1_offset()];
        let (h, dl) = (&self.h, &self.dl);
        let jobs: Vec<_> = chunks(n).zip(self.dh.chunks_mut(CHUNK * hs)).collect();
        crate::par::map(self.threads, jobs, |(r, dh)| {
            simd(
                #[inline(always)]
                |fma| {
                    gemm_nn(fma, &dl[r.start * cs..], cs, w2, hs, dh, hs, r.len(), classes, hs);
                    for (d, &x) in dh.iter_mut().zip(&h[r.start * hs..r.end * hs]) {
                        if x <= 0.0 {
                            *d = 0.0;
                        }
                    }
                },
            )
        });
        // dW2^T = h^T dl: LANES neurons per job, over every row CHUNK rows at a time for the cache.
        let mut gw2t = vec![0f32; hs * cs];
        let jobs: Vec<_> = gw2t.chunks_mut(LANES * cs).enumerate().collect();
        crate::par::map(self.threads, jobs, |(b, out)| {
            simd(
                #[inline(always)]
                |fma| {
                    for i0 in (0..n).step_by(CHUNK) {
                        let m = CHUNK.min(n - i0);
                        gemm_tn_acc(fma, &h[i0 * hs + b * LANES..], hs, &dl[i0 * cs..], cs, out, cs, m, LANES, cs);
                    }
                },
            )
        });
        let g2 = self.grads.w2_offset();
        for c in 0..classes {
            for j in 0..hs {
                self.grads.theta[g2 + c * hs + j] = gw2t[j * cs + c];
            }
        }
        grad_layer1(&self.data.train, self.prm.shape.p, &self.dh, hs, &mut self.grads);
    }

    fn update(&mut self) {
        self.step += 1;
        let s = self.hyper.adam(self.step);
        simd(
            #[inline(always)]
            |_| {
                for i in 0..self.prm.theta.len() {
                    adamw_element(&s, &mut self.prm.theta[i], self.grads.theta[i], &mut self.m[i], &mut self.v[i]);
                }
            },
        );
        if let Some(n0) = self.hyper.norm0 {
            rescale_norm(&mut self.prm, n0);
        }
        if let Some(m) = &self.mask {
            m.apply(&mut self.prm);
        }
    }

    /// One full-batch step; returns the metrics of the updated parameters.
    pub fn train_step(&mut self) -> StepRecord {
        self.backward();
        self.update();
        self.forward_train();
        let test = self.evaluate(&self.data.test);
        Tally::record(self.step, self.train_tally, test)
    }

    /// The gradient of the mean training loss at the current parameters, unpadded.
    pub fn gradient(&mut self) -> Params {
        self.backward();
        self.grads.restride(self.prm.shape.hidden)
    }

    /// The cached layer-1 activations of the training set, unpadded.
    pub fn train_activations(&self) -> Vec<f32> {
        let (hd, hs) = (self.prm.shape.hidden, self.prm.stride);
        self.h.chunks_exact(hs).flat_map(|row| &row[..hd]).copied().collect()
    }

    /// The cached logits of the training set, `classes` per row.
    pub fn train_logits(&self) -> &[f32] {
        &self.logits
    }

    /// Layer-1 activations of `s`, `hidden` floats per row, for the analysis.
    pub fn activations(&self, s: &Split) -> Vec<f32> {
        let hd = self.prm.shape.hidden;
        let hs = self.prm.stride;
        let mut row = vec![0f32; hs];
        let mut out = Vec::with_capacity(s.len() * hd);
        for i in 0..s.len() {
            hidden(&self.prm, &s.a[i..i + 1], &s.b[i..i + 1], &mut row);
            out.extend_from_slice(&row[..hd]);
        }
        out
    }

    pub fn data(&self) -> &Dataset {
        &self.data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_is_accurate() {
        for i in 0..2000 {
            let x = -(i as f32) * 0.04;
            let (got, want) = (exp_neg(x) as f64, (x as f64).exp());
            assert!((got - want).abs() <= 4e-7 * want + 1e-37, "{x}: {got} vs {want}");
        }
    }

    #[test]
    fn gemms_match_naive_products() {
        let (m, k, n) = (7, 9, 32);
        let a: Vec<f32> = (0..m * k).map(|i| ((i * 37 % 11) as f32) - 5.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 13 % 7) as f32) - 3.0).collect();
        for fma in [false, true] {
            let mut c = vec![0f32; m * n];
            gemm_nn(fma, &a, k, &b, n, &mut c, n, m, k, n);
            for i in 0..m {
                for j in 0..n {
                    let want: f32 = (0..k).map(|kk| a[i * k + kk] * b[kk * n + j]).sum();
                    assert_eq!(c[i * n + j], want);
                }
            }
            // (k' x n) += A'^T B with A' = a viewed as m x 8 (k' = 8), B = b's first m rows.
            let mut t = vec![1f32; 8 * n];
            gemm_tn_acc(fma, &a, k, &b, n, &mut t, n, m, 8, n);
            for j in 0..8 {
                for c2 in 0..n {
                    let want: f32 = 1.0 + (0..m).map(|i| a[i * k + j] * b[i * n + c2]).sum::<f32>();
                    assert_eq!(t[j * n + c2], want);
                }
            }
        }
    }

    #[test]
    fn jobs_come_back_in_order_and_chunks_cover() {
        let out = crate::par::map(2, (0..50).collect(), |i: usize| i * i);
        assert_eq!(out, (0..50).map(|i| i * i).collect::<Vec<_>>());
        let c: Vec<_> = chunks(2 * CHUNK + 5).collect();
        assert_eq!(c, [0..CHUNK, CHUNK..2 * CHUNK, 2 * CHUNK..2 * CHUNK + 5]);
    }
}
