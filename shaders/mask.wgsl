// The sub-network experiment: neurons that are switched off get their
// parameters zeroed after every update. theta's W1, W2 and b1 all have rows
// of `hidden` floats, so entry i belongs to neuron i % hidden; `limit` covers
// W1 alone (the authors' masking) or every parameter (silenced neurons).

struct MaskArgs {
    limit: u32,
    hidden: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> mk: MaskArgs;
@group(0) @binding(1) var<storage, read> keep: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;

@compute @workgroup_size(256)
fn mask(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x + gid.y * 65535u * 256u;
    if (i < mk.limit) {
        theta[i] *= keep[i % mk.hidden];
    }
}
