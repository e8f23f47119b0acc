//! Training engines: the same full-batch AdamW loop on the CPU (the reference
//! and the fallback) and on the GPU (WGSL compute shaders through wgpu).
//!
//! Every step record describes the parameters after that many updates: the
//! train metrics come from the forward pass that the next step's backward
//! pass reuses, so each step costs one forward, one backward, one update and
//! one test evaluation.

pub mod cpu;
pub mod gpu;

use crate::config::RunConfig;
use crate::data::Split;
use crate::model::Params;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// Train and test loss and accuracy after `step` updates (counted from 1).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    pub step: u32,
    pub train_loss: f64,
    pub train_acc: f64,
    pub test_loss: f64,
    pub test_acc: f64,
}

impl StepRecord {
    pub fn is_finite(&self) -> bool {
        self.train_loss.is_finite() && self.test_loss.is_finite()
    }
}

/// Sums over a set of samples: cross-entropy and correct predictions.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub loss_sum: f64,
    pub correct: f64,
    pub count: usize,
}

impl Tally {
    pub fn loss(&self) -> f64 {
        self.loss_sum / self.count as f64
    }
    pub fn acc(&self) -> f64 {
        self.correct / self.count as f64
    }
    pub fn record(step: u32, train: Tally, test: Tally) -> StepRecord {
        StepRecord {
            step,
            train_loss: train.loss(),
            train_acc: train.acc(),
            test_loss: test.loss(),
            test_acc: test.acc(),
        }
    }
}

/// AdamW's hyper-parameters and the constrained norm, as the optimiser uses them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    pub wd: f64,
    /// Some(N0): rescale the weight matrices to norm N0 after every step.
    pub norm0: Option<f64>,
}

impl Hyper {
    pub fn of(c: &RunConfig, norm0: f64) -> Hyper {
        Hyper { lr: c.lr, beta1: c.beta1, beta2: c.beta2, eps: c.eps, wd: c.wd, norm0: c.norm.then_some(norm0) }
    }

    /// The f32 scalars of update `t` (from 1), computed in f64 as PyTorch's
    /// AdamW does on the host before they meet the f32 tensors.
    pub fn adam(&self, t: u32) -> AdamScalars {
        let bc1 = 1.0 - self.beta1.powi(t as i32);
        let bc2 = 1.0 - self.beta2.powi(t as i32);
        AdamScalars {
            decay: (1.0 - self.lr * self.wd) as f32,
            one_minus_beta1: (1.0 - self.beta1) as f32,
            beta2: self.beta2 as f32,
            one_minus_beta2: (1.0 - self.beta2) as f32,
            step_size: (self.lr / bc1) as f32,
            bc2_sqrt: bc2.sqrt() as f32,
            eps: self.eps as f32,
            slot: 0,
        }
    }
}

/// Mirrors `AdamScalars` in `shaders/adam_scalars.wgsl`, which is prepended to
/// the shaders that bind it (adamw, reduce): see `gpu::kernels`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AdamScalars {
    pub decay: f32,
    pub one_minus_beta1: f32,
    pub beta2: f32,
    pub one_minus_beta2: f32,
    pub step_size: f32,
    pub bc2_sqrt: f32,
    pub eps: f32,
    /// The GPU's metrics slot of this step within a batch.
    pub slot: u32,
}

/// PyTorch's AdamW, element by element (torch.optim.AdamW, single-tensor
/// path): decoupled decay, `lerp` for the first moment, `addcmul` for the
/// second, then `addcdiv` by the bias-corrected denominator.
#[inline(always)]
pub fn adamw_element(s: &AdamScalars, theta: &mut f32, g: f32, m: &mut f32, v: &mut f32) {
    *theta *= s.decay;
    *m += s.one_minus_beta1 * (g - *m);
    *v = *v * s.beta2 + s.one_minus_beta2 * g * g;
    let denom = v.sqrt() / s.bc2_sqrt + s.eps;
    *theta += -s.step_size * (*m / denom);
}

/// Work for an engine: every model of the engine trains together; reads
/// are per model.
#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    /// Train every model at most this many steps (the GPU caps a submission
    /// at `gpu::MAX_BATCH`).
    Train(u32),
    /// Read model `model`'s layer-1 activations of the training inputs
    /// (`train`) and of `all`, and its parameters and training logits (`params`).
    Read { model: usize, train: bool, all: Option<Split>, params: bool },
}

/// What submitted work brings back, in submission order.
#[derive(Clone, Debug, PartialEq)]
pub enum Arrival {
    /// Per model, the records of the steps trained.
    Trained(Vec<Vec<StepRecord>>),
    Read {
        model: usize,
        train: Option<Vec<f32>>,
        all: Option<Vec<f32>>,
        params: Option<(Params, Vec<f32>)>,
    },
}

/// Either engine, behind one interface: callers never name a backend. An
/// engine trains one model or a batch of them; work is submitted and its
/// results collected later, so a GPU never waits on a readback.
pub enum Engine {
    Cpu(CpuBatch),
    Gpu(gpu::GpuEngine),
}

/// The CPU's batch: one engine per model, stepped in turn (the reference
/// the GPU's batches are tested against); work is done when submitted.
pub struct CpuBatch {
    pub models: Vec<cpu::CpuEngine>,
    arrived: VecDeque<Arrival>,
}

impl Engine {
    pub fn models(&self) -> usize {
        match self {
            Engine::Cpu(b) => b.models.len(),
            Engine::Gpu(e) => e.models(),
        }
    }

    /// Steps submitted so far.
    pub fn step(&self) -> u32 {
        match self {
            Engine::Cpu(b) => b.models[0].step(),
            Engine::Gpu(e) => e.step(),
        }
    }

    /// For people: the GPU adapter's name and backend, or "CPU".
    pub fn describe(&self) -> String {
        match self {
            Engine::Cpu(_) => "CPU".into(),
            Engine::Gpu(e) => e.adapter().into(),
        }
    }

    pub fn is_gpu(&self) -> bool {
        matches!(self, Engine::Gpu(_))
    }

    /// Submits `work`; its results come back, in order, from `poll` or `wait`.
    pub fn submit(&mut self, work: &Work) -> Result<(), gpu::GpuError> {
        match self {
            Engine::Cpu(b) => {
                let arrival = match work {
                    Work::Train(k) => Arrival::Trained(
                        b.models.iter_mut().map(|e| (0..*k).map(|_| e.train_step()).collect()).collect(),
                    ),
                    Work::Read { model, train, all, params } => {
                        let e = &b.models[*model];
                        Arrival::Read {
                            model: *model,
                            train: train.then(|| e.train_activations()),
                            all: all.as_ref().map(|s| e.activations(s)),
                            params: params.then(|| (e.params(), e.train_logits().to_vec())),
                        }
                    }
                };
                b.arrived.push_back(arrival);
                Ok(())
            }
            Engine::Gpu(e) => e.submit(work),
        }
    }

    /// Submissions whose results have not been returned yet.
    pub fn in_flight(&self) -> usize {
        match self {
            Engine::Cpu(b) => b.arrived.len(),
            Engine::Gpu(e) => e.in_flight(),
        }
    }

    /// The oldest submission's results if they have arrived (never blocks).
    pub fn poll(&mut self) -> Result<Option<Arrival>, gpu::GpuError> {
        match self {
            Engine::Cpu(b) => Ok(b.arrived.pop_front()),
            Engine::Gpu(e) => e.poll(),
        }
    }

    /// Waits for the oldest submission's results (None: nothing in flight).
    pub async fn wait(&mut self) -> Result<Option<Arrival>, gpu::GpuError> {
        match self {
            Engine::Cpu(b) => Ok(b.arrived.pop_front()),
            Engine::Gpu(e) => e.wait().await,
        }
    }
}

/// Initialises the run's parameters and data and starts an engine on them:
/// on `gpu` when given one, else on the CPU (`threads` = 0: every core).
pub fn start(c: &RunConfig, gpu: Option<&gpu::Gpu>, threads: usize) -> Result<Engine, gpu::GpuError> {
    start_masked(c, gpu, threads, None)
}

/// `start`, training only the neurons that `mask` keeps.
pub fn start_masked(
    c: &RunConfig,
    gpu: Option<&gpu::Gpu>,
    threads: usize,
    mask: Option<&Mask>,
) -> Result<Engine, gpu::GpuError> {
    start_batch(&[(c, mask)], gpu, threads)
}

/// One engine for every run of `runs` (with its mask): on `gpu`, one batch
/// (the runs must share p, the width and the split sizes: see
/// [`batch_key`]); on the CPU, an engine per run.
pub fn start_batch(
    runs: &[(&RunConfig, Option<&Mask>)],
    gpu: Option<&gpu::Gpu>,
    threads: usize,
) -> Result<Engine, gpu::GpuError> {
    let init: Vec<_> = runs
        .iter()
        .map(|(c, _)| {
            let (prm, norm0) = crate::model::Params::init(c);
            (prm, crate::data::Dataset::new(c), Hyper::of(c, norm0))
        })
        .collect();
    Ok(match gpu {
        Some(g) => {
            let models: Vec<gpu::Model> = init
                .iter()
                .zip(runs)
                .map(|((params, data, hyper), (_, mask))| gpu::Model { params, hyper: *hyper, data, mask: *mask })
                .collect();
            Engine::Gpu(gpu::GpuEngine::batch(g, &models)?)
        }
        None => Engine::Cpu(CpuBatch {
            models: init
                .into_iter()
                .zip(runs)
                .map(|((prm, data, hyper), (_, mask))| cpu::CpuEngine::new(&prm, hyper, data, threads, *mask))
                .collect(),
            arrived: VecDeque::new(),
        }),
    })
}

/// Runs that can share a GPU batch have equal keys: p, the width and the
/// training and test set sizes.
pub fn batch_key(c: &RunConfig) -> (usize, usize, usize, usize) {
    let d = crate::data::Dataset::new(c);
    (c.p as usize, c.hidden as usize, d.train.len(), d.test.len())
}

/// The sub-network experiment (paper section 7): neurons not kept are
/// switched off at initialisation and again after every update by zeroing
/// their W1 weights (the authors' masking: the neuron still outputs
/// ReLU(b1)), or with `silence` also their b1 and W2 weights.
#[derive(Clone, Debug, PartialEq)]
pub struct Mask {
    pub keep: Vec<bool>,
    pub silence: bool,
}

impl Mask {
    /// The complementary sub-network.
    pub fn inverse(&self) -> Mask {
        Mask { keep: self.keep.iter().map(|k| !k).collect(), silence: self.silence }
    }

    /// 1 for kept neurons, 0 for the others, padded with 0 to `stride`.
    pub fn factors(&self, stride: usize) -> Vec<f32> {
        let mut f: Vec<f32> = self.keep.iter().map(|&k| k as u32 as f32).collect();
        f.resize(stride, 0.0);
        f
    }

    /// How many leading entries of theta the mask touches: W1, or everything.
    pub fn limit(&self, prm: &crate::model::Params) -> usize {
        if self.silence {
            prm.theta.len()
        } else {
            prm.w2_offset()
        }
    }

    pub fn apply(&self, prm: &mut crate::model::Params) {
        let f = self.factors(prm.stride);
        let limit = self.limit(prm);
        for row in prm.theta[..limit].chunks_exact_mut(prm.stride) {
            for (x, k) in row.iter_mut().zip(&f) {
                *x *= k;
            }
        }
    }
}
