// Gradient of layer 1 without a one-hot matmul: W1's row for input position
// `col` collects dL/dh of the samples that gathered it (a CSR list, in sample
// order); b1 (col = inputs) collects every sample. Model z of a batch has
// its own dh, CSR lists (offsets relative to its own index segment) and
// parameters, theta_len apart.

struct GradW1Args {
    rows: u32,
    hidden: u32,
    inputs: u32,
    b1_offset: u32,
    theta_len: u32,
    models: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> gw: GradW1Args;
@group(0) @binding(1) var<storage, read> dh: array<f32>;
// CSR: the samples of input position k are index[offsets[k] .. offsets[k + 1]].
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> index: array<u32>;
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;

@compute @workgroup_size(64)
fn grad_w1(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let col = gid.y;
    if (j >= gw.hidden || col > gw.inputs) {
        return;
    }
    let z = gid.z;
    let dh0 = z * gw.rows * gw.hidden;
    let out = z * gw.theta_len;
    var total = 0.0;
    if (col == gw.inputs) {
        for (var i = 0u; i < gw.rows; i++) {
            total += dh[dh0 + i * gw.hidden + j];
        }
        grads[out + gw.b1_offset + j] = total;
        return;
    }
    // Each sample is in two lists (its a and its b): 2 rows entries per model.
    let list = z * (gw.inputs + 1u) + col;
    let index0 = z * 2u * gw.rows;
    for (var e = offsets[list]; e < offsets[list + 1u]; e++) {
        total += dh[dh0 + index[index0 + e] * gw.hidden + j];
    }
    grads[out + col * gw.hidden + j] = total;
}
