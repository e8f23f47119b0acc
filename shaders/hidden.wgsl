// Layer 1 on one-hot inputs: a gather of two rows of W1 (stored input-major,
// see src/model.rs) plus b1, then ReLU. Never a matmul on one-hot vectors.
// Model z of a batch: its parameters theta_len apart, its samples
// samples_stride apart (0: one set shared by every model), its rows of h.

struct HiddenArgs {
    rows: u32,
    hidden: u32,
    p: u32,
    b1_offset: u32,
    theta_len: u32,
    samples_stride: u32,
    models: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> dims: HiddenArgs;
@group(0) @binding(1) var<storage, read> theta: array<f32>;
// One u32 per sample: a | b << 8 | label << 16.
@group(0) @binding(2) var<storage, read> samples: array<u32>;
@group(0) @binding(3) var<storage, read_write> h: array<f32>;

@compute @workgroup_size(64)
fn hidden(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let i = gid.y;
    if (j >= dims.hidden || i >= dims.rows) {
        return;
    }
    let z = gid.z;
    let s = samples[z * dims.samples_stride + i];
    let a = s & 0xffu;
    let b = (s >> 8u) & 0xffu;
    let t = z * dims.theta_len;
    let x = theta[t + a * dims.hidden + j] + theta[t + (dims.p + b) * dims.hidden + j] + theta[t + dims.b1_offset + j];
    h[(z * dims.rows + i) * dims.hidden + j] = max(x, 0.0);
}
