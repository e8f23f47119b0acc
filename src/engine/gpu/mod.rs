//! The GPU engine: the training loop as WGSL compute shaders (`shaders/`)
//! through wgpu, natively (Vulkan, Metal, DX12) and in the browser (WebGPU).
//!
//! All state stays on the GPU. A batch of steps is one command buffer; the
//! only readback is four scalars per step (train/test loss sums and correct
//! counts). Each kernel has a CPU twin in `engine::cpu`, and tests compare
//! them. `device` holds the device and readback, `kernels` one struct per
//! WGSL file; this module lists a step's dispatches.

mod device;
pub mod kernels;

pub use device::{Gpu, GpuError};

use super::{AdamScalars, Hyper, Mask, StepRecord, Tally};
use crate::data::{Dataset, Split};
use crate::model::{Params, Shape};
use kernels::{AdamW, Compiled, Dispatch, GradW1, Hidden, Matmul, Norm, Reduce, SoftmaxXent, SumSplits};
use kernels::{AdamWArgs, GradW1Args, HiddenArgs, MaskArgs, MatmulArgs, NormArgs, ReduceArgs};
use kernels::{SoftmaxXentArgs, SumSplitsArgs};

/// Steps per command buffer at most (one `AdamScalars` slot each).
pub const MAX_BATCH: u32 = 64;
/// `AdamScalars` slots are aligned to the WebGPU minimum offset alignment.
const SLOT: u64 = 256;

/// The engine's GPU buffers, by name (for tests and the analysis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buf {
    Theta,
    Grads,
    M,
    V,
    /// Layer-1 activations of the training set.
    HTrain,
    /// Logits of the training set (the test pass has a buffer of its own),
    /// for the current parameters like `HTrain`.
    Logits,
    DLogits,
    Dh,
    /// Per-row loss and correctness of the last forward pass.
    RowStats,
}

/// The sizes and offsets that the dispatches need.
#[derive(Clone, Copy)]
struct Dims {
    hidden: u32,
    p: u32,
    classes: u32,
    inputs: u32,
    n_train: u32,
    n_test: u32,
    w2_offset: u32,
    b1_offset: u32,
    theta_len: u32,
    /// Slices of the split dW2 reduction.
    splits: u32,
}

impl Dims {
    fn of(prm: &Params, data: &Dataset) -> Dims {
        let s = prm.shape;
        let n_train = data.train.len();
        Dims {
            hidden: s.hidden as u32,
            p: s.p as u32,
            classes: s.classes() as u32,
            inputs: s.inputs() as u32,
            n_train: n_train as u32,
            n_test: data.test.len() as u32,
            w2_offset: prm.w2_offset() as u32,
            b1_offset: prm.b1_offset() as u32,
            theta_len: prm.theta.len() as u32,
            splits: (n_train / 256).clamp(1, 32) as u32,
        }
    }
}

/// Every buffer of the engine.
struct Buffers {
    theta: wgpu::Buffer,
    grads: wgpu::Buffer,
    m: wgpu::Buffer,
    v: wgpu::Buffer,
    train_samples: wgpu::Buffer,
    test_samples: wgpu::Buffer,
    csr_offsets: wgpu::Buffer,
    csr_index: wgpu::Buffer,
    h_train: wgpu::Buffer,
    h_test: wgpu::Buffer,
    logits: wgpu::Buffer,
    logits_test: wgpu::Buffer,
    dlogits: wgpu::Buffer,
    dh: wgpu::Buffer,
    gw2_partial: wgpu::Buffer,
    row_stats: wgpu::Buffer,
    /// Four floats per step of a batch (see `reduce.wgsl`).
    metrics: wgpu::Buffer,
    metrics_staging: wgpu::Buffer,
    sumsq: wgpu::Buffer,
    /// One `AdamScalars` per step of a batch, SLOT bytes apart.
    adam_scalars: wgpu::Buffer,
}

impl Buffers {
    fn new(g: &Gpu, prm: &Params, data: &Dataset, d: Dims) -> Buffers {
        let u32s = |v: &[u32]| -> Vec<u8> { bytemuck::cast_slice(v).to_vec() };
        let (h, classes, len) = (d.hidden as usize, d.classes as usize, d.theta_len as usize);
        let (n_tr, n_te) = (d.n_train as usize, d.n_test as usize);
        let (offsets, index) = csr(&data.train, d.p as usize);
        Buffers {
            theta: g.storage("theta", bytemuck::cast_slice(&prm.theta)),
            grads: g.zeros("grads", len),
            m: g.zeros("m", len),
            v: g.zeros("v", len),
            train_samples: g.storage("train_samples", &u32s(&data.train.packed())),
            test_samples: g.storage("test_samples", &u32s(&data.test.packed())),
            csr_offsets: g.storage("csr_offsets", &u32s(&offsets)),
            csr_index: g.storage("csr_index", &u32s(&index)),
            h_train: g.zeros("h_train", n_tr * h),
            h_test: g.zeros("h_test", n_te * h),
            logits: g.zeros("logits", n_tr * classes),
            logits_test: g.zeros("logits_test", n_te * classes),
            dlogits: g.zeros("dlogits", n_tr * classes),
            dh: g.zeros("dh", n_tr * h),
            gw2_partial: g.zeros("gw2_partial", d.splits as usize * classes * h),
            row_stats: g.zeros("row_stats", 2 * n_tr.max(n_te)),
            metrics: g.zeros("metrics", 4 * MAX_BATCH as usize),
            metrics_staging: g.staging("metrics_readback", 4 * MAX_BATCH as usize),
            sumsq: g.zeros("sumsq", 1),
            adam_scalars: g.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("adam_scalars"),
                size: SLOT * MAX_BATCH as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }
}

/// The kernels that every step dispatches, compiled.
struct Kernels {
    hidden: Compiled<Hidden>,
    matmul: Compiled<Matmul>,
    sum_splits: Compiled<SumSplits>,
    softmax_xent: Compiled<SoftmaxXent>,
    reduce: Compiled<Reduce>,
    grad_w1: Compiled<GradW1>,
    adamw: Compiled<AdamW>,
    norm: Compiled<Norm>,
}

impl Kernels {
    fn new(device: &wgpu::Device) -> Kernels {
        Kernels {
            hidden: Compiled::new(device),
            matmul: Compiled::new(device),
            sum_splits: Compiled::new(device),
            softmax_xent: Compiled::new(device),
            reduce: Compiled::new(device),
            grad_w1: Compiled::new(device),
            adamw: Compiled::new(device),
            norm: Compiled::new(device),
        }
    }
}

/// The forward pass over one split: layer 1, logits, cross-entropy (with
/// its gradient for training), and the sums into the step's metrics slot.
fn forward(g: &Gpu, k: &Kernels, b: &Buffers, d: Dims, train: bool) -> Vec<Dispatch> {
    let (what, samples, h, out, rows) = match train {
        true => ("train", &b.train_samples, &b.h_train, &b.logits, d.n_train),
        false => ("test", &b.test_samples, &b.h_test, &b.logits_test, d.n_test),
    };
    let hidden = HiddenArgs { rows, hidden: d.hidden, p: d.p, b1_offset: d.b1_offset };
    let logits = MatmulArgs {
        m: rows,
        n: d.classes,
        k: d.hidden,
        k_chunk: d.hidden,
        a_rs: d.hidden,
        a_cs: 1,
        b_off: d.w2_offset,
        b_rs: 1,
        b_cs: d.hidden,
        c_rs: d.classes,
        splits: 1,
        ..Default::default()
    };
    let xent = SoftmaxXentArgs {
        rows,
        classes: d.classes,
        grad: train as u32,
        scale: 1.0 / d.n_train as f32,
        ..Default::default()
    };
    let reduce = ReduceArgs { rows, base: if train { 0 } else { 2 }, ..Default::default() };
    [
        k.hidden.dispatch(g, what, &hidden, &[&b.theta, samples, h]),
        k.matmul.dispatch(g, &format!("logits {what}"), &logits, &[h, &b.theta, out, h]),
        k.softmax_xent.dispatch(g, what, &xent, &[out, samples, &b.dlogits, &b.row_stats]),
        k.reduce.dispatch(g, what, &reduce, &[&b.adam_scalars, &b.row_stats, &b.metrics]),
    ]
    .concat()
}

/// dL/dh = dlogits W2, masked by ReLU's derivative (h > 0).
fn dh_args(d: Dims) -> MatmulArgs {
    MatmulArgs {
        m: d.n_train,
        n: d.hidden,
        k: d.classes,
        k_chunk: d.classes,
        a_rs: d.classes,
        a_cs: 1,
        b_off: d.w2_offset,
        b_rs: d.hidden,
        b_cs: 1,
        c_rs: d.hidden,
        relu_mask: 1,
        splits: 1,
        ..Default::default()
    }
}

/// dW2 = dlogits^T h, its reduction over samples split `d.splits` ways.
fn dw2_args(d: Dims) -> MatmulArgs {
    MatmulArgs {
        m: d.classes,
        n: d.hidden,
        k: d.n_train,
        k_chunk: d.n_train.div_ceil(d.splits),
        a_rs: 1,
        a_cs: d.classes,
        b_rs: d.hidden,
        b_cs: 1,
        c_rs: d.hidden,
        c_split: d.classes * d.hidden,
        splits: d.splits,
        ..Default::default()
    }
}

/// The backward pass from the last training forward pass, the update, and
/// the constrained norm where `norm0` is given.
fn backward(g: &Gpu, k: &Kernels, b: &Buffers, d: Dims, norm0: Option<f64>) -> Vec<Dispatch> {
    let count = d.classes * d.hidden;
    let sum = SumSplitsArgs { count, splits: d.splits, stride: count, dst_off: d.w2_offset };
    let gw1 = GradW1Args { rows: d.n_train, hidden: d.hidden, inputs: d.inputs, b1_offset: d.b1_offset };
    let adamw = AdamWArgs { len: d.theta_len, ..Default::default() };
    let mut list = [
        k.matmul.dispatch(g, "dh", &dh_args(d), &[&b.dlogits, &b.theta, &b.dh, &b.h_train]),
        k.matmul.dispatch(g, "dW2", &dw2_args(d), &[&b.dlogits, &b.h_train, &b.gw2_partial, &b.h_train]),
        k.sum_splits.dispatch(g, "dW2", &sum, &[&b.gw2_partial, &b.grads]),
        k.grad_w1.dispatch(g, "dW1", &gw1, &[&b.dh, &b.csr_offsets, &b.csr_index, &b.grads]),
        k.adamw.dispatch(g, "theta", &adamw, &[&b.adam_scalars, &b.grads, &b.theta, &b.m, &b.v]),
    ]
    .concat();
    if let Some(norm0) = norm0 {
        let norm = NormArgs { weights: d.b1_offset, norm0: norm0 as f32, ..Default::default() };
        list.extend(k.norm.dispatch(g, "weights", &norm, &[&b.theta, &b.sumsq]));
    }
    list
}

/// Zeroes the parameters of the neurons that `mask` switches off.
fn apply_mask(g: &Gpu, b: &Buffers, d: Dims, prm: &Params, mask: &Mask) -> Vec<Dispatch> {
    let keep = g.storage("keep", bytemuck::cast_slice(&mask.factors(d.hidden as usize)));
    let args = MaskArgs { limit: mask.limit(prm) as u32, hidden: d.hidden, ..Default::default() };
    Compiled::<kernels::Mask>::new(&g.device).dispatch(g, "theta", &args, &[&keep, &b.theta])
}

pub struct GpuEngine {
    gpu: Gpu,
    shape: Shape,
    hyper: Hyper,
    dims: Dims,
    buffers: Buffers,
    /// For `activations`.
    hidden: Compiled<Hidden>,
    step: Vec<Dispatch>,
    steps_done: u32,
}

impl GpuEngine {
    pub fn new(
        gpu: &Gpu,
        prm: &Params,
        hyper: Hyper,
        data: &Dataset,
        mask: Option<&Mask>,
    ) -> Result<GpuEngine, GpuError> {
        let g = gpu;
        let prm = prm.restride(prm.shape.hidden);
        let d = Dims::of(&prm, data);
        let b = Buffers::new(g, &prm, data, d);
        let k = Kernels::new(&g.device);
        // A step: backward and update (then the mask), and the forward
        // passes that report its metrics; the train pass also feeds the next
        // step's backward. Before the first step: the mask and that pass.
        let masking = mask.map(|mask| apply_mask(g, &b, d, &prm, mask)).unwrap_or_default();
        let train = forward(g, &k, &b, d, true);
        let mut step = backward(g, &k, &b, d, hyper.norm0);
        step.extend(masking.iter().cloned());
        step.extend(train.iter().cloned());
        step.extend(forward(g, &k, &b, d, false));
        let init = [masking, train].concat();
        let engine = GpuEngine {
            gpu: g.clone(),
            shape: prm.shape,
            hyper,
            dims: d,
            buffers: b,
            hidden: k.hidden,
            step,
            steps_done: 0,
        };
        engine.encode(&init, 1);
        g.check()?;
        Ok(engine)
    }

    /// Records `repeats` passes over `list`, pass t using `AdamScalars` slot t.
    fn encode(&self, list: &[Dispatch], repeats: u32) {
        let mut enc = self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("steps") });
        {
            let mut pass =
                enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("steps"), timestamp_writes: None });
            for t in 0..repeats {
                for d in list {
                    d.record(&mut pass, t);
                }
            }
        }
        self.gpu.queue.submit([enc.finish()]);
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn step(&self) -> u32 {
        self.steps_done
    }

    pub fn adapter(&self) -> &str {
        &self.gpu.adapter
    }

    /// Runs `k` (at most MAX_BATCH) steps in one command buffer and reads
    /// back their metrics.
    pub async fn train_steps(&mut self, k: u32) -> Result<Vec<StepRecord>, GpuError> {
        let k = k.clamp(1, MAX_BATCH);
        let mut slots = vec![0u8; (SLOT * k as u64) as usize];
        for t in 0..k {
            let mut s = self.hyper.adam(self.steps_done + t + 1);
            s.slot = t;
            slots[(t as u64 * SLOT) as usize..][..std::mem::size_of::<AdamScalars>()]
                .copy_from_slice(bytemuck::bytes_of(&s));
        }
        self.gpu.queue.write_buffer(&self.buffers.adam_scalars, 0, &slots);
        self.encode(&self.step, k);
        let b = &self.buffers;
        let raw = self.gpu.read_via(&b.metrics, 0, 4 * k as usize, &b.metrics_staging).await?;
        let first = self.steps_done;
        self.steps_done += k;
        let tally = |loss: f32, correct: f32, count: u32| Tally {
            loss_sum: loss as f64,
            correct: correct as f64,
            count: count as usize,
        };
        let d = self.dims;
        Ok((0..k as usize)
            .map(|t| {
                let r = &raw[4 * t..4 * t + 4];
                Tally::record(first + t as u32 + 1, tally(r[0], r[1], d.n_train), tally(r[2], r[3], d.n_test))
            })
            .collect())
    }

    pub fn buffer(&self, which: Buf) -> &wgpu::Buffer {
        let b = &self.buffers;
        match which {
            Buf::Theta => &b.theta,
            Buf::Grads => &b.grads,
            Buf::M => &b.m,
            Buf::V => &b.v,
            Buf::HTrain => &b.h_train,
            Buf::Logits => &b.logits,
            Buf::DLogits => &b.dlogits,
            Buf::Dh => &b.dh,
            Buf::RowStats => &b.row_stats,
        }
    }

    /// The whole contents of one of the engine's buffers.
    pub async fn read(&self, which: Buf) -> Result<Vec<f32>, GpuError> {
        let b = self.buffer(which);
        self.gpu.read(b, 0, (b.size() / 4) as usize).await
    }

    pub async fn params(&self) -> Result<Params, GpuError> {
        let theta = self.gpu.read(self.buffer(Buf::Theta), 0, self.dims.theta_len as usize).await?;
        Ok(Params { shape: self.shape, stride: self.shape.hidden, theta })
    }

    /// Layer-1 activations of `s` (row-major, `hidden` per row), computed on
    /// the GPU, for the analysis.
    pub async fn activations(&self, s: &Split) -> Result<Vec<f32>, GpuError> {
        let g = &self.gpu;
        let h = self.shape.hidden;
        let samples = g.storage("analysis_samples", bytemuck::cast_slice(&s.packed()));
        let out = g.zeros("analysis_h", s.len() * h);
        let d = self.dims;
        let args = HiddenArgs { rows: s.len() as u32, hidden: d.hidden, p: d.p, b1_offset: d.b1_offset };
        let list = self.hidden.dispatch(g, "analysis", &args, &[self.buffer(Buf::Theta), &samples, &out]);
        self.encode(&list, 1);
        g.read(&out, 0, s.len() * h).await
    }
}

/// For each one-hot position k (a in 0..p, then p + b), the training samples
/// that have it, in sample order.
pub fn csr(s: &Split, p: usize) -> (Vec<u32>, Vec<u32>) {
    let mut lists = vec![Vec::new(); 2 * p];
    for i in 0..s.len() {
        lists[s.a[i] as usize].push(i as u32);
        lists[p + s.b[i] as usize].push(i as u32);
    }
    let mut offsets = vec![0u32];
    let mut index = Vec::with_capacity(2 * s.len());
    for l in lists {
        index.extend(l);
        offsets.push(index.len() as u32);
    }
    (offsets, index)
}
