// Adds the k-split slices of a matmul (see matmul.wgsl) into their
// destination; model z of a batch reads parts splits stride floats after the
// previous model's and writes dst_model floats after it.

struct SumSplitsArgs {
    count: u32,
    splits: u32,
    stride: u32,
    dst_off: u32,
    dst_model: u32,
    models: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> ss: SumSplitsArgs;
@group(0) @binding(1) var<storage, read> parts: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn sum_splits(@builtin(global_invocation_id) gid: vec3<u32>) {
    // 2-D dispatch, as adamw: any count fits WebGPU's 65535 workgroups a side.
    let i = gid.x + gid.y * 65535u * 256u;
    if (i >= ss.count) {
        return;
    }
    let first = gid.z * ss.splits * ss.stride;
    var total = 0.0;
    for (var z = 0u; z < ss.splits; z++) {
        total += parts[first + z * ss.stride + i];
    }
    dst[gid.z * ss.dst_model + ss.dst_off + i] = total;
}
