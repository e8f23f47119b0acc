// The sub-network experiment: neurons that are switched off get their
// parameters zeroed after every update. theta's W1, W2 and b1 all have rows
// of `hidden` floats, so entry i belongs to neuron i % hidden. Model z of a
// batch has 2 hidden factors in `keep`: for W1, then for W2 and b1 (1 unless
// its neurons are silenced), so W1 alone (the authors' masking) or every
// parameter is masked, and a model without a mask keeps everything.

struct MaskArgs {
    theta_len: u32,
    hidden: u32,
    w2_offset: u32,
    models: u32,
}

@group(0) @binding(0) var<uniform> mk: MaskArgs;
@group(0) @binding(1) var<storage, read> keep: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;

@compute @workgroup_size(256)
fn mask(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * 65535u * 256u;
    if (i < mk.theta_len) {
        let part = select(mk.hidden, 0u, i < mk.w2_offset);
        theta[gid.z * mk.theta_len + i] *= keep[gid.z * 2u * mk.hidden + part + i % mk.hidden];
    }
}
