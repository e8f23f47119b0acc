// Adds the k-split slices of a matmul (see matmul.wgsl) into their destination.

struct SumSplitsArgs {
    count: u32,
    splits: u32,
    stride: u32,
    dst_off: u32,
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
    var total = 0.0;
    for (var z = 0u; z < ss.splits; z++) {
        total += parts[z * ss.stride + i];
    }
    dst[ss.dst_off + i] = total;
}
