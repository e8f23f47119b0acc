//! The GPU engine: the training loop as WGSL compute shaders (`shaders/`)
//! through wgpu, natively (Vulkan, Metal, DX12) and in the browser (WebGPU).
//!
//! All state stays on the GPU. A batch of steps is one command buffer; the
//! only readback is four scalars per step (train/test loss sums and correct
//! counts). Each kernel has a CPU twin in `engine::cpu`, and tests compare them.

use super::{AdamScalars, Hyper, Mask, StepRecord, Tally};
use crate::data::{Dataset, Split};
use crate::model::{Params, Shape};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use wgpu::util::DeviceExt;

/// Steps per command buffer at most (one uniform slot each).
pub const MAX_BATCH: u32 = 64;
/// Uniform slots are aligned to the WebGPU minimum offset alignment.
const SLOT: u64 = 256;

#[derive(Clone, Debug, PartialEq)]
pub enum GpuError {
    /// No adapter or device: the reason, for the user.
    Unavailable(String),
    /// The device was lost or reported an error while running.
    Lost(String),
}

impl fmt::Display for GpuError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GpuError::Unavailable(why) => write!(f, "no usable GPU: {why}"),
            GpuError::Lost(why) => write!(f, "the GPU device was lost or failed: {why}"),
        }
    }
}

impl std::error::Error for GpuError {}

/// A device and its queue, with the adapter's description and a slot where
/// asynchronous device errors (validation, loss) land.
#[derive(Clone)]
pub struct Gpu {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: String,
    failure: Arc<Mutex<Option<String>>>,
}

impl Gpu {
    /// The default adapter (high performance), with WebGPU's default limits,
    /// so what runs here runs in a browser.
    pub async fn request() -> Result<Gpu, GpuError> {
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Unavailable(e.to_string()))?;
        let info = adapter.get_info();
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("grokscope"),
                required_limits: wgpu::Limits::default().using_resolution(adapter.limits()),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Unavailable(e.to_string()))?;
        let name = if info.name.is_empty() { "WebGPU adapter".to_string() } else { info.name.clone() };
        Ok(Gpu::from_device(device, queue, format!("{name} ({:?})", info.backend)))
    }

    pub fn from_device(device: wgpu::Device, queue: wgpu::Queue, adapter: String) -> Gpu {
        let failure = Arc::new(Mutex::new(None));
        let f = failure.clone();
        device.on_uncaptured_error(Arc::new(move |e| {
            f.lock().unwrap().get_or_insert_with(|| e.to_string());
        }));
        let f = failure.clone();
        device.set_device_lost_callback(move |reason, msg| {
            f.lock().unwrap().get_or_insert_with(|| format!("{reason:?}: {msg}"));
        });
        Gpu { device, queue, adapter, failure }
    }

    fn check(&self) -> Result<(), GpuError> {
        match self.failure.lock().unwrap().clone() {
            Some(msg) => Err(GpuError::Lost(msg)),
            None => Ok(()),
        }
    }

    fn storage(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: data,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        })
    }

    fn zeros(&self, label: &str, floats: usize) -> wgpu::Buffer {
        self.storage(label, bytemuck::cast_slice(&vec![0f32; floats.max(1)]))
    }

    fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::bytes_of(value),
            usage: wgpu::BufferUsages::UNIFORM,
        })
    }

    /// Copies `floats` f32 from `buffer` (at float offset `at`) back to the host.
    pub async fn read(&self, buffer: &wgpu::Buffer, at: usize, floats: usize) -> Result<Vec<f32>, GpuError> {
        let staging = self.staging("readback", floats);
        self.read_via(buffer, at, floats, &staging).await
    }

    /// A host-readable buffer of `floats` f32 for `read_via`.
    fn staging(&self, label: &str, floats: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: (floats * 4).max(4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// `read` through a staging buffer the caller keeps (no allocation on a
    /// hot path); it must not be mapped by anyone else meanwhile.
    async fn read_via(
        &self,
        buffer: &wgpu::Buffer,
        at: usize,
        floats: usize,
        staging: &wgpu::Buffer,
    ) -> Result<Vec<f32>, GpuError> {
        let bytes = (floats * 4) as u64;
        let mut enc = self.device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(buffer, at as u64 * 4, staging, 0, bytes);
        self.queue.submit([enc.finish()]);
        let (tx, rx) = oneshot();
        staging.slice(..bytes).map_async(wgpu::MapMode::Read, move |r| tx.send(r));
        // Natively this drives the map to completion; on the web the browser does.
        let _ = self.device.poll(wgpu::PollType::wait_indefinitely());
        let mapped = rx.await;
        self.check()?;
        mapped.map_err(|e| GpuError::Lost(e.to_string()))?;
        let view = staging.slice(..bytes).get_mapped_range().map_err(|e| GpuError::Lost(e.to_string()))?;
        let out = bytemuck::cast_slice(&view).to_vec();
        drop(view);
        staging.unmap();
        Ok(out)
    }
}

/// A single-use channel whose receiving end is a future: what `map_async`'s
/// callback needs, without an executor-specific dependency.
struct Shared<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

struct Sender<T>(Arc<Mutex<Shared<T>>>);
struct Receiver<T>(Arc<Mutex<Shared<T>>>);

fn oneshot<T>() -> (Sender<T>, Receiver<T>) {
    let s = Arc::new(Mutex::new(Shared { value: None, waker: None }));
    (Sender(s.clone()), Receiver(s))
}

impl<T> Sender<T> {
    fn send(self, value: T) {
        let mut s = self.0.lock().unwrap();
        s.value = Some(value);
        if let Some(w) = s.waker.take() {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut s = self.0.lock().unwrap();
        match s.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

// Uniforms, each mirroring the WGSL struct of the same name.

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Hidden {
    pub rows: u32,
    pub hidden: u32,
    pub p: u32,
    pub b1_offset: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Matmul {
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub k_chunk: u32,
    pub a_off: u32,
    pub a_rs: u32,
    pub a_cs: u32,
    pub b_off: u32,
    pub b_rs: u32,
    pub b_cs: u32,
    pub c_off: u32,
    pub c_rs: u32,
    pub c_split: u32,
    pub relu_mask: u32,
    pub splits: u32,
    pub _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SumSplits {
    pub count: u32,
    pub splits: u32,
    pub stride: u32,
    pub dst_off: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Xent {
    pub rows: u32,
    pub classes: u32,
    pub grad: u32,
    pub _pad: u32,
    pub scale: f32,
    pub _pad1: [f32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Reduce {
    pub rows: u32,
    pub base: u32,
    pub _pad: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GradW1 {
    pub rows: u32,
    pub hidden: u32,
    pub inputs: u32,
    pub b1_offset: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Len {
    pub len: u32,
    pub _pad: [u32; 3],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MaskDims {
    pub limit: u32,
    pub hidden: u32,
    pub _pad: [u32; 2],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Norm {
    pub weights: u32,
    pub _pad: [u32; 2],
    pub norm0: f32,
}

/// What a kernel binds, in binding order.
#[derive(Clone, Copy)]
enum Bind {
    Uniform,
    /// This step's `AdamScalars` slot (a dynamic offset).
    Step,
    Read,
    Write,
}

struct Kernel {
    name: &'static str,
    binds: Vec<Bind>,
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

fn kernel(device: &wgpu::Device, name: &'static str, source: &str, binds: &[Bind]) -> Kernel {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let entries: Vec<_> = binds
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupLayoutEntry {
            binding: i as u32,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: match b {
                    Bind::Uniform | Bind::Step => wgpu::BufferBindingType::Uniform,
                    Bind::Read => wgpu::BufferBindingType::Storage { read_only: true },
                    Bind::Write => wgpu::BufferBindingType::Storage { read_only: false },
                },
                has_dynamic_offset: matches!(b, Bind::Step),
                min_binding_size: None,
            },
            count: None,
        })
        .collect();
    let layout =
        device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(name), entries: &entries });
    let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(name),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(name),
        layout: Some(&pl),
        module: &module,
        entry_point: Some(name),
        compilation_options: Default::default(),
        cache: None,
    });
    Kernel { name, binds: binds.to_vec(), pipeline, layout }
}

/// One recorded dispatch of the step.
struct Dispatch {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    uses_step: bool,
    groups: [u32; 3],
}

/// The engine's GPU buffers, by name (for tests and the analysis).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buf {
    Theta,
    Grads,
    M,
    V,
    /// Layer-1 activations of the training set.
    HTrain,
    /// Logits of the last forward pass (train or test).
    Logits,
    DLogits,
    Dh,
    /// Per-row loss and correctness of the last forward pass.
    RowStats,
}

fn groups(n: usize, per: usize) -> u32 {
    n.div_ceil(per) as u32
}

/// Spreads `n` elements over a 2-D grid of 256-wide workgroups (WebGPU allows
/// at most 65535 workgroups per dimension).
fn grid(n: usize) -> [u32; 3] {
    let g = groups(n, 256);
    if g <= 65535 {
        [g, 1, 1]
    } else {
        [65535, g.div_ceil(65535), 1]
    }
}

pub struct GpuEngine {
    gpu: Gpu,
    shape: Shape,
    hyper: Hyper,
    n_train: usize,
    n_test: usize,
    theta_len: usize,
    buffers: Vec<(Buf, wgpu::Buffer)>,
    metrics: wgpu::Buffer,
    metrics_staging: wgpu::Buffer,
    steps_uniform: wgpu::Buffer,
    hidden_kernel: Kernel,
    init: Vec<Dispatch>,
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
        let shape = prm.shape;
        let prm = prm.restride(shape.hidden);
        let (h, p, classes, inputs) = (shape.hidden, shape.p, shape.classes(), shape.inputs());
        let (n_tr, n_te) = (data.train.len(), data.test.len());
        let w2_off = prm.w2_offset();
        let b1_off = prm.b1_offset();
        let len = prm.theta.len();
        let u32s = |v: &[u32]| -> Vec<u8> { bytemuck::cast_slice(v).to_vec() };

        let theta = g.storage("theta", bytemuck::cast_slice(&prm.theta));
        let grads = g.zeros("grads", len);
        let m = g.zeros("m", len);
        let v = g.zeros("v", len);
        let train_samples = g.storage("train_samples", &u32s(&data.train.packed()));
        let test_samples = g.storage("test_samples", &u32s(&data.test.packed()));
        let (offsets, index) = csr(&data.train, p);
        let csr_offsets = g.storage("csr_offsets", &u32s(&offsets));
        let csr_index = g.storage("csr_index", &u32s(&index));
        let h_train = g.zeros("h_train", n_tr * h);
        let h_test = g.zeros("h_test", n_te * h);
        let logits = g.zeros("logits", n_tr.max(n_te) * classes);
        let dlogits = g.zeros("dlogits", n_tr * classes);
        let dh = g.zeros("dh", n_tr * h);
        let splits = (n_tr / 256).clamp(1, 32);
        let partial = g.zeros("gw2_partial", splits * classes * h);
        let row_stats = g.zeros("row_stats", 2 * n_tr.max(n_te));
        let metrics = g.zeros("metrics", 4 * MAX_BATCH as usize);
        let sumsq = g.zeros("sumsq", 1);
        let steps_uniform = g.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("adam_scalars"),
            size: SLOT * MAX_BATCH as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });

        use Bind::*;
        let dev = &g.device;
        let k_hidden = kernel(dev, "hidden", include_str!("../../shaders/hidden.wgsl"), &[Uniform, Read, Read, Write]);
        let k_matmul =
            kernel(dev, "matmul", include_str!("../../shaders/matmul.wgsl"), &[Uniform, Read, Read, Write, Read]);
        let k_sum = kernel(dev, "sum_splits", include_str!("../../shaders/sum_splits.wgsl"), &[Uniform, Read, Write]);
        let k_xent = kernel(
            dev,
            "softmax_xent",
            include_str!("../../shaders/softmax_xent.wgsl"),
            &[Uniform, Read, Read, Write, Write],
        );
        let k_reduce = kernel(
            dev,
            "reduce",
            concat!(include_str!("../../shaders/adam_scalars.wgsl"), include_str!("../../shaders/reduce.wgsl")),
            &[Step, Uniform, Read, Write],
        );
        let k_gw1 =
            kernel(dev, "grad_w1", include_str!("../../shaders/grad_w1.wgsl"), &[Uniform, Read, Read, Read, Write]);
        let k_adamw = kernel(
            dev,
            "adamw",
            concat!(include_str!("../../shaders/adam_scalars.wgsl"), include_str!("../../shaders/adamw.wgsl")),
            &[Step, Uniform, Read, Write, Write, Write],
        );
        let norm_src = include_str!("../../shaders/norm.wgsl");
        let k_sumsq = kernel(dev, "norm_sumsq", norm_src, &[Uniform, Write, Write]);
        let k_rescale = kernel(dev, "norm_rescale", norm_src, &[Uniform, Write, Write]);

        let d = |k: &Kernel, res: &[&wgpu::Buffer], groups: [u32; 3]| -> Dispatch {
            let entries: Vec<_> = k
                .binds
                .iter()
                .zip(res)
                .enumerate()
                .map(|(i, (b, buf))| wgpu::BindGroupEntry {
                    binding: i as u32,
                    resource: match b {
                        Step => wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: buf,
                            offset: 0,
                            size: wgpu::BufferSize::new(std::mem::size_of::<AdamScalars>() as u64),
                        }),
                        _ => buf.as_entire_binding(),
                    },
                })
                .collect();
            assert_eq!(entries.len(), k.binds.len(), "{}: one buffer per binding", k.name);
            let bind_group = dev.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(k.name),
                layout: &k.layout,
                entries: &entries,
            });
            Dispatch {
                pipeline: k.pipeline.clone(),
                bind_group,
                uses_step: k.binds.iter().any(|b| matches!(b, Step)),
                groups,
            }
        };

        // Forward pass over one split: layer 1, logits, cross-entropy (with
        // its gradient for training), and the sums into metrics[4 slot + base].
        let forward = |samples: &wgpu::Buffer, hbuf: &wgpu::Buffer, n: usize, train: bool| -> Vec<Dispatch> {
            let n32 = n as u32;
            let hid =
                g.uniform("hidden", &Hidden { rows: n32, hidden: h as u32, p: p as u32, b1_offset: b1_off as u32 });
            let mm = g.uniform(
                "matmul_logits",
                &Matmul {
                    m: n32,
                    n: classes as u32,
                    k: h as u32,
                    k_chunk: h as u32,
                    a_rs: h as u32,
                    a_cs: 1,
                    b_off: w2_off as u32,
                    b_rs: 1,
                    b_cs: h as u32,
                    c_rs: classes as u32,
                    splits: 1,
                    ..Default::default()
                },
            );
            let xe = g.uniform(
                "softmax_xent",
                &Xent {
                    rows: n32,
                    classes: classes as u32,
                    grad: train as u32,
                    _pad: 0,
                    scale: 1.0 / n_tr as f32,
                    _pad1: [0.0; 3],
                },
            );
            let rd = g.uniform("reduce", &Reduce { rows: n32, base: if train { 0 } else { 2 }, _pad: [0; 2] });
            vec![
                d(&k_hidden, &[&hid, &theta, samples, hbuf], [groups(h, 64), n32, 1]),
                d(&k_matmul, &[&mm, hbuf, &theta, &logits, hbuf], [groups(classes, 64), groups(n, 64), 1]),
                d(&k_xent, &[&xe, &logits, samples, &dlogits, &row_stats], [groups(n, 64), 1, 1]),
                d(&k_reduce, &[&steps_uniform, &rd, &row_stats, &metrics], [1, 1, 1]),
            ]
        };

        let mm_dh = g.uniform(
            "matmul_dh",
            &Matmul {
                m: n_tr as u32,
                n: h as u32,
                k: classes as u32,
                k_chunk: classes as u32,
                a_rs: classes as u32,
                a_cs: 1,
                b_off: w2_off as u32,
                b_rs: h as u32,
                b_cs: 1,
                c_rs: h as u32,
                relu_mask: 1,
                splits: 1,
                ..Default::default()
            },
        );
        let mm_gw2 = g.uniform(
            "matmul_gw2",
            &Matmul {
                m: classes as u32,
                n: h as u32,
                k: n_tr as u32,
                k_chunk: n_tr.div_ceil(splits) as u32,
                a_rs: 1,
                a_cs: classes as u32,
                b_rs: h as u32,
                b_cs: 1,
                c_rs: h as u32,
                c_split: (classes * h) as u32,
                splits: splits as u32,
                ..Default::default()
            },
        );
        let count = (classes * h) as u32;
        let ss =
            g.uniform("sum_splits", &SumSplits { count, splits: splits as u32, stride: count, dst_off: w2_off as u32 });
        let gw = g.uniform(
            "grad_w1",
            &GradW1 { rows: n_tr as u32, hidden: h as u32, inputs: inputs as u32, b1_offset: b1_off as u32 },
        );
        let ln = g.uniform("adamw", &Len { len: len as u32, _pad: [0; 3] });
        let mut step = vec![
            d(&k_matmul, &[&mm_dh, &dlogits, &theta, &dh, &h_train], [groups(h, 64), groups(n_tr, 64), 1]),
            d(
                &k_matmul,
                &[&mm_gw2, &dlogits, &h_train, &partial, &h_train],
                [groups(h, 64), groups(classes, 64), splits as u32],
            ),
            d(&k_sum, &[&ss, &partial, &grads], grid(classes * h)),
            d(&k_gw1, &[&gw, &dh, &csr_offsets, &csr_index, &grads], [groups(h, 64), inputs as u32 + 1, 1]),
            d(&k_adamw, &[&steps_uniform, &ln, &grads, &theta, &m, &v], grid(len)),
        ];
        if let Some(norm0) = hyper.norm0 {
            let nm = g.uniform("norm", &Norm { weights: b1_off as u32, _pad: [0; 2], norm0: norm0 as f32 });
            step.push(d(&k_sumsq, &[&nm, &theta, &sumsq], [1, 1, 1]));
            step.push(d(&k_rescale, &[&nm, &theta, &sumsq], grid(b1_off)));
        }
        let mut init = Vec::new();
        if let Some(mask) = mask {
            let k_mask = kernel(dev, "mask", include_str!("../../shaders/mask.wgsl"), &[Uniform, Read, Write]);
            let keep = g.storage("keep", bytemuck::cast_slice(&mask.factors(h)));
            let limit = mask.limit(&prm);
            let mk = g.uniform("mask", &MaskDims { limit: limit as u32, hidden: h as u32, _pad: [0; 2] });
            step.push(d(&k_mask, &[&mk, &keep, &theta], grid(limit)));
            init.push(d(&k_mask, &[&mk, &keep, &theta], grid(limit)));
        }
        step.extend(forward(&train_samples, &h_train, n_tr, true));
        step.extend(forward(&test_samples, &h_test, n_te, false));
        init.extend(forward(&train_samples, &h_train, n_tr, true));

        let engine = GpuEngine {
            gpu: g.clone(),
            shape,
            hyper,
            n_train: n_tr,
            n_test: n_te,
            theta_len: len,
            buffers: vec![
                (Buf::Theta, theta),
                (Buf::Grads, grads),
                (Buf::M, m),
                (Buf::V, v),
                (Buf::HTrain, h_train),
                (Buf::Logits, logits),
                (Buf::DLogits, dlogits),
                (Buf::Dh, dh),
                (Buf::RowStats, row_stats),
            ],
            metrics,
            metrics_staging: g.staging("metrics_readback", 4 * MAX_BATCH as usize),
            steps_uniform,
            hidden_kernel: k_hidden,
            init,
            step,
            steps_done: 0,
        };
        engine.encode(&engine.init, 1);
        g.check()?;
        Ok(engine)
    }

    /// Records `repeats` passes over `list`, pass t using uniform slot t.
    fn encode(&self, list: &[Dispatch], repeats: u32) {
        let mut enc = self.gpu.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("steps") });
        {
            let mut pass =
                enc.begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some("steps"), timestamp_writes: None });
            for t in 0..repeats {
                for d in list {
                    pass.set_pipeline(&d.pipeline);
                    let offset = [(t as u64 * SLOT) as u32];
                    pass.set_bind_group(0, &d.bind_group, if d.uses_step { &offset[..] } else { &[] });
                    pass.dispatch_workgroups(d.groups[0], d.groups[1], d.groups[2]);
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
        self.gpu.queue.write_buffer(&self.steps_uniform, 0, &slots);
        self.encode(&self.step, k);
        let raw = self.gpu.read_via(&self.metrics, 0, 4 * k as usize, &self.metrics_staging).await?;
        let first = self.steps_done;
        self.steps_done += k;
        let tally = |loss: f32, correct: f32, count| Tally { loss_sum: loss as f64, correct: correct as f64, count };
        Ok((0..k as usize)
            .map(|t| {
                let r = &raw[4 * t..4 * t + 4];
                Tally::record(first + t as u32 + 1, tally(r[0], r[1], self.n_train), tally(r[2], r[3], self.n_test))
            })
            .collect())
    }

    pub fn buffer(&self, which: Buf) -> &wgpu::Buffer {
        &self.buffers.iter().find(|(b, _)| *b == which).expect("every Buf is allocated").1
    }

    /// The whole contents of one of the engine's buffers.
    pub async fn read(&self, which: Buf) -> Result<Vec<f32>, GpuError> {
        let b = self.buffer(which);
        self.gpu.read(b, 0, (b.size() / 4) as usize).await
    }

    pub async fn params(&self) -> Result<Params, GpuError> {
        let theta = self.gpu.read(self.buffer(Buf::Theta), 0, self.theta_len).await?;
        Ok(Params { shape: self.shape, stride: self.shape.hidden, theta })
    }

    /// Layer-1 activations of `s` (row-major, `hidden` per row), computed on
    /// the GPU, for the analysis.
    pub async fn activations(&self, s: &Split) -> Result<Vec<f32>, GpuError> {
        let g = &self.gpu;
        let h = self.shape.hidden;
        let samples = g.storage("analysis_samples", bytemuck::cast_slice(&s.packed()));
        let out = g.zeros("analysis_h", s.len() * h);
        let b1_offset = (self.theta_len - h) as u32;
        let u =
            g.uniform("hidden", &Hidden { rows: s.len() as u32, hidden: h as u32, p: self.shape.p as u32, b1_offset });
        let k = &self.hidden_kernel;
        let bufs = [&u, self.buffer(Buf::Theta), &samples, &out];
        let entries: Vec<_> = bufs
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        let bind_group = g.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("hidden"),
            layout: &k.layout,
            entries: &entries,
        });
        let d = Dispatch {
            pipeline: k.pipeline.clone(),
            bind_group,
            uses_step: false,
            groups: [groups(h, 64), s.len() as u32, 1],
        };
        self.encode(std::slice::from_ref(&d), 1);
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
