//! The GPU engine: the training loop as WGSL compute shaders (`shaders/`)
//! through wgpu, natively (Vulkan, Metal, DX12) and in the browser (WebGPU).
//!
//! All state stays on the GPU. One engine trains a batch of models that
//! share p, the hidden width and the split sizes (init seeds, and also
//! different weight decay, learning rate, alpha, split or operation): every
//! kernel takes a model index on its grid, so S models cost one dispatch
//! per kernel, not S. A batch of steps is one command buffer.
//!
//! Nothing waits on a readback: [`GpuEngine::submit`] encodes and submits
//! work and starts the map of its results (four scalars per step and model;
//! activations, logits or parameters at a checkpoint) into a staging buffer
//! taken from a pool; [`GpuEngine::poll`] returns what has arrived, in
//! submission order, and [`GpuEngine::wait`] waits for the oldest. Buffers,
//! bind groups and staging buffers are built once and reused. Each kernel
//! has a CPU twin in `engine::cpu`, and tests compare them. `device` holds
//! the device and readback, `kernels` one struct per WGSL file; this module
//! lists a step's dispatches.

mod device;
pub mod kernels;
mod readback;

pub use device::{Gpu, GpuError};

use super::{AdamScalars, Hyper, Mask, Work};
use crate::data::{Dataset, Split};
use crate::model::{Params, Shape};
use kernels::{AdamW, Compiled, Dispatch, GradW1, Hidden, Matmul, Norm, Reduce, SoftmaxXent, SumSplits};
use kernels::{AdamWArgs, GradW1Args, HiddenArgs, MaskArgs, MatmulArgs, NormArgs, ReduceArgs};
use kernels::{SoftmaxXentArgs, SumSplitsArgs};
use readback::{Expect, Pending};
use std::collections::VecDeque;

/// Steps per command buffer at most (one `AdamScalars` slot each).
pub const MAX_BATCH: u32 = 64;
/// Models per engine at most (`MAX_MODELS` in `shaders/adam_scalars.wgsl`).
pub const MAX_MODELS: usize = 64;
/// One step's `AdamScalars`, for every model: a multiple of WebGPU's
/// minimum uniform offset alignment (256).
const SLOT: u64 = (MAX_MODELS * std::mem::size_of::<AdamScalars>()) as u64;

/// The engine's GPU buffers, by name (for tests and the analysis); each
/// holds every model's part, one after another.
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

/// The sizes and offsets that the dispatches need (per model).
#[derive(Clone, Copy)]
struct Dims {
    models: u32,
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
    fn of(prm: &Params, data: &Dataset, models: usize) -> Dims {
        let s = prm.shape;
        let n_train = data.train.len();
        Dims {
            models: models as u32,
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

    /// Floats of buffer `which` per model.
    fn per_model(&self, which: Buf) -> usize {
        let (h, c) = (self.hidden as usize, self.classes as usize);
        let (tr, te) = (self.n_train as usize, self.n_test as usize);
        match which {
            Buf::Theta | Buf::Grads | Buf::M | Buf::V => self.theta_len as usize,
            Buf::HTrain | Buf::Dh => tr * h,
            Buf::Logits | Buf::DLogits => tr * c,
            Buf::RowStats => 2 * tr.max(te),
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
    /// Four floats per step of a batch and model (see `reduce.wgsl`).
    metrics: wgpu::Buffer,
    sumsq: wgpu::Buffer,
    /// Each model's constrained norm N0 (0: unconstrained).
    norm0: wgpu::Buffer,
    /// One `AdamScalars` per model and step of a batch, a SLOT per step.
    adam_scalars: wgpu::Buffer,
}

impl Buffers {
    fn new(g: &Gpu, models: &[Model], d: Dims) -> Buffers {
        let u32s = |v: Vec<u32>| -> Vec<u8> { bytemuck::cast_slice(&v).to_vec() };
        let all = |f: &dyn Fn(&Model) -> Vec<u32>| u32s(models.iter().flat_map(f).collect());
        let s = d.models as usize;
        let size = |which| s * d.per_model(which);
        let theta: Vec<f32> = models.iter().flat_map(|m| m.params.theta.iter().copied()).collect();
        let csr = |m: &Model| csr(&m.data.train, d.p as usize);
        let norm0: Vec<f32> = models.iter().map(|m| m.hyper.norm0.unwrap_or(0.0) as f32).collect();
        Buffers {
            theta: g.storage("theta", bytemuck::cast_slice(&theta)),
            grads: g.zeros("grads", size(Buf::Grads)),
            m: g.zeros("m", size(Buf::M)),
            v: g.zeros("v", size(Buf::V)),
            train_samples: g.storage("train_samples", &all(&|m| m.data.train.packed())),
            test_samples: g.storage("test_samples", &all(&|m| m.data.test.packed())),
            csr_offsets: g.storage("csr_offsets", &all(&|m| csr(m).0)),
            csr_index: g.storage("csr_index", &all(&|m| csr(m).1)),
            h_train: g.zeros("h_train", size(Buf::HTrain)),
            h_test: g.zeros("h_test", s * (d.n_test * d.hidden) as usize),
            logits: g.zeros("logits", size(Buf::Logits)),
            logits_test: g.zeros("logits_test", s * (d.n_test * d.classes) as usize),
            dlogits: g.zeros("dlogits", size(Buf::DLogits)),
            dh: g.zeros("dh", size(Buf::Dh)),
            gw2_partial: g.zeros("gw2_partial", s * (d.splits * d.classes * d.hidden) as usize),
            row_stats: g.zeros("row_stats", size(Buf::RowStats)),
            metrics: g.zeros("metrics", 4 * MAX_BATCH as usize * s),
            sumsq: g.zeros("sumsq", s),
            norm0: g.storage("norm0", bytemuck::cast_slice(&norm0)),
            adam_scalars: g.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("adam_scalars"),
                size: SLOT * MAX_BATCH as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        }
    }

    fn get(&self, which: Buf) -> &wgpu::Buffer {
        match which {
            Buf::Theta => &self.theta,
            Buf::Grads => &self.grads,
            Buf::M => &self.m,
            Buf::V => &self.v,
            Buf::HTrain => &self.h_train,
            Buf::Logits => &self.logits,
            Buf::DLogits => &self.dlogits,
            Buf::Dh => &self.dh,
            Buf::RowStats => &self.row_stats,
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

/// Layer 1 over `rows` samples per model, `samples_stride` apart (0: shared).
fn hidden_args(d: Dims, rows: u32, samples_stride: u32) -> HiddenArgs {
    HiddenArgs {
        rows,
        hidden: d.hidden,
        p: d.p,
        b1_offset: d.b1_offset,
        theta_len: d.theta_len,
        samples_stride,
        models: d.models,
        ..Default::default()
    }
}

/// The forward pass over one split: layer 1, logits, cross-entropy (with
/// its gradient for training), and the sums into the step's metrics slot.
fn forward(g: &Gpu, k: &Kernels, b: &Buffers, d: Dims, train: bool) -> Vec<Dispatch> {
    let (what, samples, h, out, rows) = match train {
        true => ("train", &b.train_samples, &b.h_train, &b.logits, d.n_train),
        false => ("test", &b.test_samples, &b.h_test, &b.logits_test, d.n_test),
    };
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
        a_model: rows * d.hidden,
        b_model: d.theta_len,
        c_model: rows * d.classes,
        models: d.models,
        ..Default::default()
    };
    let xent = SoftmaxXentArgs {
        rows,
        classes: d.classes,
        grad: train as u32,
        models: d.models,
        scale: 1.0 / d.n_train as f32,
        ..Default::default()
    };
    let reduce = ReduceArgs { rows, base: if train { 0 } else { 2 }, models: d.models, ..Default::default() };
    [
        k.hidden.dispatch(g, what, &hidden_args(d, rows, rows), &[&b.theta, samples, h]),
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
        a_model: d.n_train * d.classes,
        b_model: d.theta_len,
        c_model: d.n_train * d.hidden,
        models: d.models,
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
        a_model: d.n_train * d.classes,
        b_model: d.n_train * d.hidden,
        c_model: d.splits * d.classes * d.hidden,
        models: d.models,
        ..Default::default()
    }
}

/// The backward pass from the last training forward pass, the update, and
/// the constrained norm when some model has one.
fn backward(g: &Gpu, k: &Kernels, b: &Buffers, d: Dims, norm: bool) -> Vec<Dispatch> {
    let count = d.classes * d.hidden;
    let sum = SumSplitsArgs {
        count,
        splits: d.splits,
        stride: count,
        dst_off: d.w2_offset,
        dst_model: d.theta_len,
        models: d.models,
        ..Default::default()
    };
    let gw1 = GradW1Args {
        rows: d.n_train,
        hidden: d.hidden,
        inputs: d.inputs,
        b1_offset: d.b1_offset,
        theta_len: d.theta_len,
        models: d.models,
        ..Default::default()
    };
    let adamw = AdamWArgs { len: d.theta_len, models: d.models, ..Default::default() };
    let mut list = [
        k.matmul.dispatch(g, "dh", &dh_args(d), &[&b.dlogits, &b.theta, &b.dh, &b.h_train]),
        k.matmul.dispatch(g, "dW2", &dw2_args(d), &[&b.dlogits, &b.h_train, &b.gw2_partial, &b.h_train]),
        k.sum_splits.dispatch(g, "dW2", &sum, &[&b.gw2_partial, &b.grads]),
        k.grad_w1.dispatch(g, "dW1", &gw1, &[&b.dh, &b.csr_offsets, &b.csr_index, &b.grads]),
        k.adamw.dispatch(g, "theta", &adamw, &[&b.adam_scalars, &b.grads, &b.theta, &b.m, &b.v]),
    ]
    .concat();
    if norm {
        let args = NormArgs { weights: d.b1_offset, theta_len: d.theta_len, models: d.models, ..Default::default() };
        list.extend(k.norm.dispatch(g, "weights", &args, &[&b.theta, &b.sumsq, &b.norm0]));
    }
    list
}

/// Zeroes the parameters of the neurons that each model's mask switches off
/// (a model without a mask keeps all of them).
fn apply_mask(g: &Gpu, b: &Buffers, d: Dims, models: &[Model]) -> Vec<Dispatch> {
    let h = d.hidden as usize;
    let keep: Vec<f32> = models
        .iter()
        .flat_map(|m| match m.mask {
            Some(mask) => {
                let w1 = mask.factors(h);
                let rest = if mask.silence { w1.clone() } else { vec![1.0; h] };
                [w1, rest].concat()
            }
            None => vec![1.0; 2 * h],
        })
        .collect();
    let keep = g.storage("keep", bytemuck::cast_slice(&keep));
    let args = MaskArgs { theta_len: d.theta_len, hidden: d.hidden, w2_offset: d.w2_offset, models: d.models };
    Compiled::<kernels::Mask>::new(&g.device).dispatch(g, "theta", &args, &[&keep, &b.theta])
}

/// One model of a batch: its initial parameters, optimiser, data and mask.
#[derive(Clone, Copy)]
pub struct Model<'a> {
    pub params: &'a Params,
    pub hyper: Hyper,
    pub data: &'a Dataset,
    pub mask: Option<&'a Mask>,
}

/// Layer-1 activations of a split shared by every model, its buffers kept
/// for the next request of the same split (the analysis asks for the same
/// all-pairs inputs at every capture).
struct SplitActivations {
    packed: Vec<u32>,
    out: wgpu::Buffer,
    dispatch: Vec<Dispatch>,
}

pub struct GpuEngine {
    gpu: Gpu,
    shape: Shape,
    hypers: Vec<Hyper>,
    dims: Dims,
    buffers: Buffers,
    /// For activations of other splits.
    hidden: Compiled<Hidden>,
    step: Vec<Dispatch>,
    steps_done: u32,
    /// This submission's AdamW scalars, kept to be refilled (no allocation per submission).
    scalars: Vec<u8>,
    /// Host-readable buffers not in use, for `submit` to take.
    staging: Vec<wgpu::Buffer>,
    pending: VecDeque<Pending>,
    split: Option<SplitActivations>,
}

impl GpuEngine {
    /// One model: `prm` trained with `hyper` on `data`, masked by `mask`.
    pub fn new(
        gpu: &Gpu,
        prm: &Params,
        hyper: Hyper,
        data: &Dataset,
        mask: Option<&Mask>,
    ) -> Result<GpuEngine, GpuError> {
        GpuEngine::batch(gpu, &[Model { params: prm, hyper, data, mask }])
    }

    /// Several models trained together: they must share p, the hidden
    /// width and the number of training and test samples.
    pub fn batch(gpu: &Gpu, models: &[Model]) -> Result<GpuEngine, GpuError> {
        let g = gpu;
        let first = models.first().ok_or_else(|| GpuError::Unavailable("a batch of no models".into()))?;
        if models.len() > MAX_MODELS {
            return Err(GpuError::Unavailable(format!("{} models in one batch (at most {MAX_MODELS})", models.len())));
        }
        let sizes = |m: &Model| (m.params.shape, m.data.train.len(), m.data.test.len());
        if models.iter().any(|m| sizes(m) != sizes(first)) {
            return Err(GpuError::Unavailable("the models of a batch differ in p, width or split sizes".into()));
        }
        let restrided: Vec<Params> = models.iter().map(|m| m.params.restride(m.params.shape.hidden)).collect();
        let models: Vec<Model> = models.iter().zip(&restrided).map(|(m, prm)| Model { params: prm, ..*m }).collect();
        let d = Dims::of(&restrided[0], first.data, models.len());
        let b = Buffers::new(g, &models, d);
        let k = Kernels::new(&g.device);
        // A step: backward and update (then the mask), and the forward
        // passes that report its metrics; the train pass also feeds the next
        // step's backward. Before the first step: the mask and that pass.
        let masking = match models.iter().any(|m| m.mask.is_some()) {
            true => apply_mask(g, &b, d, &models),
            false => Vec::new(),
        };
        let train = forward(g, &k, &b, d, true);
        let mut step = backward(g, &k, &b, d, models.iter().any(|m| m.hyper.norm0.is_some()));
        step.extend(masking.iter().cloned());
        step.extend(train.iter().cloned());
        step.extend(forward(g, &k, &b, d, false));
        let init = [masking, train].concat();
        let engine = GpuEngine {
            gpu: g.clone(),
            shape: restrided[0].shape,
            hypers: models.iter().map(|m| m.hyper).collect(),
            dims: d,
            buffers: b,
            hidden: k.hidden,
            step,
            steps_done: 0,
            scalars: Vec::new(),
            staging: Vec::new(),
            pending: VecDeque::new(),
            split: None,
        };
        let enc = engine.encode(&init, 1);
        g.queue.submit([enc.finish()]);
        g.check()?;
        Ok(engine)
    }

    /// An encoder with `repeats` passes over `list`, pass t using
    /// `AdamScalars` slot t.
    fn encode(&self, list: &[Dispatch], repeats: u32) -> wgpu::CommandEncoder {
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
        enc
    }

    pub fn shape(&self) -> Shape {
        self.shape
    }

    pub fn models(&self) -> usize {
        self.dims.models as usize
    }

    /// Steps submitted so far.
    pub fn step(&self) -> u32 {
        self.steps_done
    }

    pub fn adapter(&self) -> &str {
        &self.gpu.adapter
    }

    /// Dispatches per training step, whatever the number of models.
    pub fn dispatches_per_step(&self) -> usize {
        self.step.len()
    }

    /// Submits `work`; its results come back through `poll` or `wait`.
    pub fn submit(&mut self, work: &Work) -> Result<(), GpuError> {
        match work {
            Work::Train(k) => self.submit_steps(*k),
            Work::Read { model, train, all, params } => self.submit_read(*model, *train, all.as_ref(), *params),
        }
        self.gpu.check()
    }

    /// `k` (at most MAX_BATCH) steps of every model, and the copy of their metrics.
    fn submit_steps(&mut self, k: u32) {
        let k = k.clamp(1, MAX_BATCH);
        // Up to the last model of the last step: the rest of each slot is unused.
        let size = std::mem::size_of::<AdamScalars>();
        let used = (k as usize - 1) * SLOT as usize + self.hypers.len() * size;
        self.scalars.resize(used, 0);
        for t in 0..k {
            for (m, hyper) in self.hypers.iter().enumerate() {
                let mut s = hyper.adam(self.steps_done + t + 1);
                s.slot = t;
                self.scalars[t as usize * SLOT as usize + m * size..][..size].copy_from_slice(bytemuck::bytes_of(&s));
            }
        }
        self.gpu.queue.write_buffer(&self.buffers.adam_scalars, 0, &self.scalars);
        let floats = 4 * k as usize * self.models();
        let staging = self.take_staging(floats);
        let mut enc = self.encode(&self.step, k);
        enc.copy_buffer_to_buffer(&self.buffers.metrics, 0, &staging, 0, floats as u64 * 4);
        let expect = Expect::Steps { first: self.steps_done, k };
        self.steps_done += k;
        self.finish(enc, staging, floats, expect);
    }

    /// Copies model `model`'s training activations, its activations on
    /// `all` (computed here), its parameters and its training logits, those
    /// asked for, into one staging buffer.
    fn submit_read(&mut self, model: usize, train: bool, all: Option<&Split>, params: bool) {
        let d = self.dims;
        let h = d.hidden as usize;
        if let Some(s) = all {
            self.prepare_split(s);
        }
        let b = &self.buffers;
        let mut copies: Vec<(wgpu::Buffer, usize, usize)> = Vec::new();
        let part = |buf: &wgpu::Buffer, per_model: usize| (buf.clone(), model * per_model, per_model);
        if train {
            copies.push(part(&b.h_train, d.per_model(Buf::HTrain)));
        }
        let split = self.split.as_ref();
        if let (Some(s), Some(sa)) = (all, split) {
            copies.push(part(&sa.out, s.len() * h));
        }
        if params {
            copies.push(part(&b.theta, d.per_model(Buf::Theta)));
            copies.push(part(&b.logits, d.per_model(Buf::Logits)));
        }
        let floats: usize = copies.iter().map(|c| c.2).sum();
        let staging = self.take_staging(floats);
        let mut enc = match (all, &self.split) {
            (Some(_), Some(sa)) => self.encode(&sa.dispatch, 1),
            _ => self.gpu.device.create_command_encoder(&Default::default()),
        };
        let mut at = 0u64;
        for (buf, from, n) in &copies {
            enc.copy_buffer_to_buffer(buf, *from as u64 * 4, &staging, at, *n as u64 * 4);
            at += *n as u64 * 4;
        }
        let expect = Expect::Read { model, train, all: all.is_some(), params };
        self.finish(enc, staging, floats, expect);
    }

    /// The layer-1 dispatch for `s` (every model), built once per split.
    fn prepare_split(&mut self, s: &Split) {
        let packed = s.packed();
        if self.split.as_ref().is_some_and(|sa| sa.packed == packed) {
            return;
        }
        let g = &self.gpu;
        let d = self.dims;
        let samples = g.storage("analysis_samples", bytemuck::cast_slice(&packed));
        let out = g.zeros("analysis_h", s.len() * d.hidden as usize * self.models());
        let args = hidden_args(d, s.len() as u32, 0);
        let dispatch = self.hidden.dispatch(g, "analysis", &args, &[&self.buffers.theta, &samples, &out]);
        self.split = Some(SplitActivations { packed, out, dispatch });
    }

    pub fn buffer(&self, which: Buf) -> &wgpu::Buffer {
        self.buffers.get(which)
    }

    /// Model `model`'s part of one of the engine's buffers (tests, the
    /// analysis' checks); waits for everything submitted before.
    pub async fn read_model(&self, which: Buf, model: usize) -> Result<Vec<f32>, GpuError> {
        let n = self.dims.per_model(which);
        self.gpu.read(self.buffer(which), model * n, n).await
    }

    /// The first model's part of one of the engine's buffers.
    pub async fn read(&self, which: Buf) -> Result<Vec<f32>, GpuError> {
        self.read_model(which, 0).await
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
