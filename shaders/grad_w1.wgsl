// Gradient of layer 1 without a one-hot matmul: W1's row for input position
// `col` collects dL/dh of the samples that gathered it (a CSR list, in sample
// order); b1 (col = inputs) collects every sample.

struct GradW1Args {
    rows: u32,
    hidden: u32,
    inputs: u32,
    b1_offset: u32,
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
    var total = 0.0;
    if (col == gw.inputs) {
        for (var i = 0u; i < gw.rows; i++) {
            total += dh[i * gw.hidden + j];
        }
        grads[gw.b1_offset + j] = total;
        return;
    }
    for (var e = offsets[col]; e < offsets[col + 1u]; e++) {
        total += dh[index[e] * gw.hidden + j];
    }
    grads[col * gw.hidden + j] = total;
}
