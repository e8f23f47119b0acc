//! One struct per WGSL file in `shaders/`, named like the file, its entry
//! point and its labels (`SumSplits`: `sum_splits.wgsl`, `fn sum_splits`,
//! label "sum_splits"). Each says, through [`Kernel`], what the file expects
//! of Rust: its uniform (`<Kernel>Args`, a `#[repr(C)]` mirror of the WGSL
//! struct of the same name), its bindings, its workgroup size and the grid
//! that covers a problem. `tests/shaders.rs` checks all of it against the
//! WGSL, parsed by naga, without a GPU.

use super::device::Gpu;
use crate::engine::AdamScalars;
use std::marker::PhantomData;

/// What a kernel binds at one binding index of group 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bind {
    /// The kernel's own uniform, `Kernel::Args`, made for each dispatch.
    Args,
    /// This step's `AdamScalars` slot of the engine's `adam_scalars` buffer
    /// (a dynamic offset, one slot per step of a batch).
    AdamScalars,
    /// A read-only storage buffer.
    Read,
    /// A read-write storage buffer.
    Write,
}

/// The layout of a `#[repr(C)]` struct that mirrors a WGSL struct.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    /// The struct's name, the same in Rust and WGSL.
    pub name: &'static str,
    pub size: usize,
    /// Every field, in order: its name and byte offset.
    pub fields: &'static [(&'static str, usize)],
}

/// A Rust mirror of a WGSL struct.
pub trait Mirror: bytemuck::Pod {
    const LAYOUT: Layout;
}

/// Defines a uniform mirror (`#[repr(C)]`, Pod) and its [`Layout`].
macro_rules! mirror {
    ($(#[$m:meta])* pub struct $name:ident { $($(#[$fm:meta])* pub $f:ident: $t:ty,)* }) => {
        $(#[$m])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
        pub struct $name { $($(#[$fm])* pub $f: $t,)* }
        mirror!(impl $name { $($f),* });
    };
    // A mirror defined elsewhere: the destructuring fails to compile if a
    // field is missing from the list.
    (impl $name:ident { $($f:ident),* }) => {
        impl Mirror for $name {
            const LAYOUT: Layout = Layout {
                name: stringify!($name),
                size: std::mem::size_of::<$name>(),
                fields: &[$((stringify!($f), std::mem::offset_of!($name, $f))),*],
            };
        }
        const _: fn($name) = |$name { $($f: _),* }| ();
    };
}

mirror!(impl AdamScalars { decay, one_minus_beta1, beta2, one_minus_beta2, step_size, bc2_sqrt, eps, slot });

/// What a WGSL file expects of Rust.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The file's stem in `shaders/`, also the label of everything made for it.
    pub file: &'static str,
    /// The source as compiled: the file, after `adam_scalars.wgsl` where it
    /// binds `AdamScalars`.
    pub source: &'static str,
    /// Entry points, in the order `Kernel::grids` and `dispatch` list them.
    pub entries: &'static [&'static str],
    /// Binding i of group 0: the WGSL variable's name and what is bound.
    pub binds: &'static [(&'static str, Bind)],
    /// `@workgroup_size` of every entry point.
    pub workgroup: [u32; 3],
    /// The layout of `Args`, the struct bound as `Bind::Args`.
    pub args: Layout,
}

/// A WGSL file as Rust drives it.
pub trait Kernel {
    /// The file's uniform: a mirror of the WGSL struct of the same name.
    type Args: Mirror;
    const SPEC: Spec;
    /// Workgroups to dispatch, one grid per entry point, for `args`.
    fn grids(args: &Self::Args) -> Vec<[u32; 3]>;
}

/// Every kernel's contract, for the layout test.
pub const SPECS: [Spec; 9] = [
    Hidden::SPEC,
    Matmul::SPEC,
    SumSplits::SPEC,
    SoftmaxXent::SPEC,
    Reduce::SPEC,
    GradW1::SPEC,
    AdamW::SPEC,
    Norm::SPEC,
    Mask::SPEC,
];

/// Every struct with a WGSL twin: the kernels' uniforms and `AdamScalars`.
pub const MIRRORS: [Layout; 10] = [
    AdamScalars::LAYOUT,
    HiddenArgs::LAYOUT,
    MatmulArgs::LAYOUT,
    SumSplitsArgs::LAYOUT,
    SoftmaxXentArgs::LAYOUT,
    ReduceArgs::LAYOUT,
    GradW1Args::LAYOUT,
    AdamWArgs::LAYOUT,
    NormArgs::LAYOUT,
    MaskArgs::LAYOUT,
];

/// Workgroups of `per` that cover `n`.
pub fn groups(n: u32, per: u32) -> u32 {
    n.div_ceil(per)
}

/// Workgroups of 256 that cover `n` elements, on a 2-D grid (WebGPU allows
/// at most 65535 workgroups per dimension); the kernels read element
/// `gid.x + gid.y * 65535 * 256`.
pub fn linear_grid(n: u32) -> [u32; 3] {
    let g = groups(n, 256);
    if g <= 65535 {
        [g, 1, 1]
    } else {
        [65535, g.div_ceil(65535), 1]
    }
}

/// `grid` once per model of a batch, along z.
pub fn batched(grid: [u32; 3], models: u32) -> [u32; 3] {
    [grid[0], grid[1], models]
}

/// A spec's source: the file, after the `AdamScalars` prelude where it binds it.
macro_rules! source {
    ($file:literal) => {
        include_str!(concat!("../../../shaders/", $file, ".wgsl"))
    };
    (adam_scalars, $file:literal) => {
        concat!(include_str!("../../../shaders/adam_scalars.wgsl"), source!($file))
    };
}

mirror! {
    pub struct HiddenArgs {
        pub rows: u32,
        pub hidden: u32,
        pub p: u32,
        pub b1_offset: u32,
        /// Floats of parameters per model.
        pub theta_len: u32,
        /// Samples per model (0: every model reads the same ones).
        pub samples_stride: u32,
        pub models: u32,
        pub _pad0: u32,
    }
}

/// `hidden.wgsl`: layer 1 as a gather of two W1 rows plus b1, then ReLU.
pub struct Hidden;

impl Kernel for Hidden {
    type Args = HiddenArgs;
    const SPEC: Spec = Spec {
        file: "hidden",
        source: source!("hidden"),
        entries: &["hidden"],
        binds: &[("dims", Bind::Args), ("theta", Bind::Read), ("samples", Bind::Read), ("h", Bind::Write)],
        workgroup: [64, 1, 1],
        args: HiddenArgs::LAYOUT,
    };
    fn grids(a: &HiddenArgs) -> Vec<[u32; 3]> {
        vec![[groups(a.hidden, 64), a.rows, a.models]]
    }
}

mirror! {
    pub struct MatmulArgs {
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
        /// Floats from one model's A, B and C to the next's.
        pub a_model: u32,
        pub b_model: u32,
        pub c_model: u32,
        pub models: u32,
        pub _pad0: u32,
    }
}

/// `matmul.wgsl`: C = A B through strides, on TILE x TILE output tiles, the
/// reduction optionally split over `splits` workgroups along z, for every
/// model of a batch (z = model * splits + split).
pub struct Matmul;

impl Matmul {
    /// Output rows and columns per workgroup (`const TILE` in the WGSL).
    pub const TILE: u32 = 64;
}

impl Kernel for Matmul {
    type Args = MatmulArgs;
    const SPEC: Spec = Spec {
        file: "matmul",
        source: source!("matmul"),
        entries: &["matmul"],
        binds: &[("mm", Bind::Args), ("a", Bind::Read), ("b", Bind::Read), ("c", Bind::Write), ("mask", Bind::Read)],
        workgroup: [16, 16, 1],
        args: MatmulArgs::LAYOUT,
    };
    fn grids(a: &MatmulArgs) -> Vec<[u32; 3]> {
        vec![[groups(a.n, Self::TILE), groups(a.m, Self::TILE), a.splits * a.models]]
    }
}

mirror! {
    pub struct SumSplitsArgs {
        pub count: u32,
        pub splits: u32,
        pub stride: u32,
        pub dst_off: u32,
        /// Floats from one model's destination to the next's.
        pub dst_model: u32,
        pub models: u32,
        pub _pad0: u32,
        pub _pad1: u32,
    }
}

/// `sum_splits.wgsl`: adds a split matmul's slices into their destination.
pub struct SumSplits;

impl Kernel for SumSplits {
    type Args = SumSplitsArgs;
    const SPEC: Spec = Spec {
        file: "sum_splits",
        source: source!("sum_splits"),
        entries: &["sum_splits"],
        binds: &[("ss", Bind::Args), ("parts", Bind::Read), ("dst", Bind::Write)],
        workgroup: [256, 1, 1],
        args: SumSplitsArgs::LAYOUT,
    };
    fn grids(a: &SumSplitsArgs) -> Vec<[u32; 3]> {
        vec![batched(linear_grid(a.count), a.models)]
    }
}

mirror! {
    pub struct SoftmaxXentArgs {
        pub rows: u32,
        pub classes: u32,
        /// 1: also write d(mean loss)/d(logits).
        pub grad: u32,
        pub models: u32,
        /// 1 / (training samples): the mean's factor in the gradient.
        pub scale: f32,
        pub _pad1: f32,
        pub _pad2: f32,
        pub _pad3: f32,
    }
}

/// `softmax_xent.wgsl`: per-row loss and correctness, and the loss gradient.
pub struct SoftmaxXent;

impl Kernel for SoftmaxXent {
    type Args = SoftmaxXentArgs;
    const SPEC: Spec = Spec {
        file: "softmax_xent",
        source: source!("softmax_xent"),
        entries: &["softmax_xent"],
        binds: &[
            ("xe", Bind::Args),
            ("logits", Bind::Read),
            ("samples", Bind::Read),
            ("dlogits", Bind::Write),
            ("row_stats", Bind::Write),
        ],
        workgroup: [64, 1, 1],
        args: SoftmaxXentArgs::LAYOUT,
    };
    fn grids(a: &SoftmaxXentArgs) -> Vec<[u32; 3]> {
        vec![[groups(a.rows, 64), a.models, 1]]
    }
}

mirror! {
    pub struct ReduceArgs {
        pub rows: u32,
        /// 0: the train sums of a metrics slot, 2: the test sums.
        pub base: u32,
        pub models: u32,
        pub _pad0: u32,
    }
}

/// `reduce.wgsl`: sums per-row loss and correctness into the step's metrics
/// slot, in one workgroup.
pub struct Reduce;

impl Kernel for Reduce {
    type Args = ReduceArgs;
    const SPEC: Spec = Spec {
        file: "reduce",
        source: source!(adam_scalars, "reduce"),
        entries: &["reduce"],
        binds: &[
            ("adam_scalars", Bind::AdamScalars),
            ("rd", Bind::Args),
            ("row_stats", Bind::Read),
            ("metrics", Bind::Write),
        ],
        workgroup: [256, 1, 1],
        args: ReduceArgs::LAYOUT,
    };
    fn grids(a: &ReduceArgs) -> Vec<[u32; 3]> {
        vec![[1, a.models, 1]]
    }
}

mirror! {
    pub struct GradW1Args {
        pub rows: u32,
        pub hidden: u32,
        pub inputs: u32,
        pub b1_offset: u32,
        pub theta_len: u32,
        pub models: u32,
        pub _pad0: u32,
        pub _pad1: u32,
    }
}

/// `grad_w1.wgsl`: layer 1's gradient through CSR lists of samples, one
/// grid row per input position plus one for b1.
pub struct GradW1;

impl Kernel for GradW1 {
    type Args = GradW1Args;
    const SPEC: Spec = Spec {
        file: "grad_w1",
        source: source!("grad_w1"),
        entries: &["grad_w1"],
        binds: &[
            ("gw", Bind::Args),
            ("dh", Bind::Read),
            ("offsets", Bind::Read),
            ("index", Bind::Read),
            ("grads", Bind::Write),
        ],
        workgroup: [64, 1, 1],
        args: GradW1Args::LAYOUT,
    };
    fn grids(a: &GradW1Args) -> Vec<[u32; 3]> {
        vec![[groups(a.hidden, 64), a.inputs + 1, a.models]]
    }
}

mirror! {
    pub struct AdamWArgs {
        /// Parameters to update per model.
        pub len: u32,
        pub models: u32,
        pub _pad0: u32,
        pub _pad1: u32,
    }
}

/// `adamw.wgsl`: the AdamW update of every parameter.
pub struct AdamW;

impl Kernel for AdamW {
    type Args = AdamWArgs;
    const SPEC: Spec = Spec {
        file: "adamw",
        source: source!(adam_scalars, "adamw"),
        entries: &["adamw"],
        binds: &[
            ("adam_scalars", Bind::AdamScalars),
            ("n", Bind::Args),
            ("grads", Bind::Read),
            ("theta", Bind::Write),
            ("m", Bind::Write),
            ("v", Bind::Write),
        ],
        workgroup: [256, 1, 1],
        args: AdamWArgs::LAYOUT,
    };
    fn grids(a: &AdamWArgs) -> Vec<[u32; 3]> {
        vec![batched(linear_grid(a.len), a.models)]
    }
}

mirror! {
    pub struct NormArgs {
        /// W1 and W2: the prefix of each model's theta that is rescaled.
        pub weights: u32,
        pub theta_len: u32,
        pub models: u32,
        pub _pad0: u32,
    }
}

/// `norm.wgsl`: the constrained norm, a sum of squares in one workgroup
/// (`norm_sumsq`) then the rescale of the weights (`norm_rescale`), per
/// model, for the models whose `norm0` is positive.
pub struct Norm;

impl Kernel for Norm {
    type Args = NormArgs;
    const SPEC: Spec = Spec {
        file: "norm",
        source: source!("norm"),
        entries: &["norm_sumsq", "norm_rescale"],
        binds: &[("nm", Bind::Args), ("theta", Bind::Write), ("sumsq", Bind::Write), ("norm0", Bind::Read)],
        workgroup: [256, 1, 1],
        args: NormArgs::LAYOUT,
    };
    fn grids(a: &NormArgs) -> Vec<[u32; 3]> {
        vec![[1, a.models, 1], batched(linear_grid(a.weights), a.models)]
    }
}

mirror! {
    pub struct MaskArgs {
        pub theta_len: u32,
        pub hidden: u32,
        /// Where W1 ends: its factors differ from the rest's.
        pub w2_offset: u32,
        pub models: u32,
    }
}

/// `mask.wgsl`: zeroes the parameters of the neurons an `engine::Mask` has
/// switched off.
pub struct Mask;

impl Kernel for Mask {
    type Args = MaskArgs;
    const SPEC: Spec = Spec {
        file: "mask",
        source: source!("mask"),
        entries: &["mask"],
        binds: &[("mk", Bind::Args), ("keep", Bind::Read), ("theta", Bind::Write)],
        workgroup: [256, 1, 1],
        args: MaskArgs::LAYOUT,
    };
    fn grids(a: &MaskArgs) -> Vec<[u32; 3]> {
        vec![batched(linear_grid(a.theta_len), a.models)]
    }
}

/// A kernel's entry points compiled on a device, with their bind group layout.
pub struct Compiled<K> {
    pipelines: Vec<wgpu::ComputePipeline>,
    layout: wgpu::BindGroupLayout,
    kernel: PhantomData<K>,
}

/// One recorded dispatch of an entry point, with its bindings.
#[derive(Clone)]
pub struct Dispatch {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    /// Whether it binds an `AdamScalars` slot (a dynamic offset).
    adam_scalars: bool,
    groups: [u32; 3],
}

impl Dispatch {
    /// Records this dispatch into `pass`, reading `AdamScalars` slot `slot`.
    pub(super) fn record(&self, pass: &mut wgpu::ComputePass<'_>, slot: u32) {
        pass.set_pipeline(&self.pipeline);
        let offset = [slot * super::SLOT as u32];
        pass.set_bind_group(0, &self.bind_group, if self.adam_scalars { &offset[..] } else { &[] });
        pass.dispatch_workgroups(self.groups[0], self.groups[1], self.groups[2]);
    }
}

impl<K: Kernel> Compiled<K> {
    pub fn new(device: &wgpu::Device) -> Compiled<K> {
        let spec = K::SPEC;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(spec.file),
            source: wgpu::ShaderSource::Wgsl(spec.source.into()),
        });
        let entries: Vec<_> = spec
            .binds
            .iter()
            .enumerate()
            .map(|(i, &(_, b))| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: match b {
                        Bind::Args | Bind::AdamScalars => wgpu::BufferBindingType::Uniform,
                        Bind::Read => wgpu::BufferBindingType::Storage { read_only: true },
                        Bind::Write => wgpu::BufferBindingType::Storage { read_only: false },
                    },
                    has_dynamic_offset: b == Bind::AdamScalars,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        let layout = device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(spec.file), entries: &entries });
        let pl = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(spec.file),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipelines = spec
            .entries
            .iter()
            .map(|&entry| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(entry),
                    layout: Some(&pl),
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: Default::default(),
                    cache: None,
                })
            })
            .collect();
        Compiled { pipelines, layout, kernel: PhantomData }
    }

    /// The dispatches of every entry point on `args` (a new uniform, labelled
    /// "<file> args: <what>"), binding `buffers` to the other bindings in
    /// order: for `Bind::AdamScalars`, the engine's `adam_scalars` buffer.
    pub fn dispatch(&self, gpu: &Gpu, what: &str, args: &K::Args, buffers: &[&wgpu::Buffer]) -> Vec<Dispatch> {
        let spec = K::SPEC;
        let label = format!("{} args: {what}", spec.file);
        let uniform = gpu.uniform(&label, args);
        let mut rest = buffers.iter();
        let entries: Vec<_> = spec
            .binds
            .iter()
            .enumerate()
            .map(|(i, &(name, b))| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: match b {
                    Bind::Args => uniform.as_entire_binding(),
                    Bind::AdamScalars => wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: rest.next().expect("the adam_scalars buffer"),
                        offset: 0,
                        size: wgpu::BufferSize::new(super::SLOT),
                    }),
                    Bind::Read | Bind::Write => {
                        rest.next().unwrap_or_else(|| panic!("{label}: no buffer for {name}")).as_entire_binding()
                    }
                },
            })
            .collect();
        assert!(rest.next().is_none(), "{label}: more buffers than bindings");
        let bind_group = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(&label),
            layout: &self.layout,
            entries: &entries,
        });
        let adam_scalars = spec.binds.iter().any(|&(_, b)| b == Bind::AdamScalars);
        self.pipelines
            .iter()
            .zip(K::grids(args))
            .map(|(pipeline, groups)| Dispatch {
                pipeline: pipeline.clone(),
                bind_group: bind_group.clone(),
                adam_scalars,
                groups,
            })
            .collect()
    }
}
