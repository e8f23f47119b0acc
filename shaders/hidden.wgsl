// Layer 1 on one-hot inputs: a gather of two rows of W1 (stored input-major,
// see src/model.rs) plus b1, then ReLU. Never a matmul on one-hot vectors.

struct HiddenArgs {
    rows: u32,
    hidden: u32,
    p: u32,
    b1_offset: u32,
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
    let s = samples[i];
    let a = s & 0xffu;
    let b = (s >> 8u) & 0xffu;
    let x = theta[a * dims.hidden + j] + theta[(dims.p + b) * dims.hidden + j] + theta[dims.b1_offset + j];
    h[i * dims.hidden + j] = max(x, 0.0);
}
