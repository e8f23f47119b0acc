// Omnigrok's constrained norm: after each step, scale W1 and W2 (a prefix of
// theta) so that their joint L2 norm is back to N0. Biases are not touched.
// Model z of a batch: its parameters theta_len apart, its own N0 (0: the
// model is not constrained) and sum of squares.

struct NormArgs {
    weights: u32,
    theta_len: u32,
    models: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> nm: NormArgs;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> sumsq: array<f32>;
@group(0) @binding(3) var<storage, read> norm0: array<f32>;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn norm_sumsq(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    let t = wg.y * nm.theta_len;
    var s = 0.0;
    for (var i = li; i < nm.weights; i += 256u) {
        s += theta[t + i] * theta[t + i];
    }
    part[li] = s;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w >>= 1u) {
        if (li < w) {
            part[li] += part[li + w];
        }
        workgroupBarrier();
    }
    if (li == 0u) {
        sumsq[wg.y] = part[0];
    }
}

@compute @workgroup_size(256)
fn norm_rescale(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * 65535u * 256u;
    let n0 = norm0[gid.z];
    if (i < nm.weights && n0 > 0.0) {
        theta[gid.z * nm.theta_len + i] *= n0 / sqrt(sumsq[gid.z]);
    }
}
