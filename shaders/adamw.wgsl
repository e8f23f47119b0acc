// PyTorch's AdamW on every parameter (see adamw_element in src/engine/mod.rs):
// decoupled decay, lerp'd first moment, second moment, bias-corrected step.
// Model z of a batch owns entries [z len, (z + 1) len) of every buffer.

struct AdamWArgs {
    len: u32,
    models: u32,
    _pad0: u32,
    _pad1: u32,
}

// AdamScalars: shaders/adam_scalars.wgsl, prepended (src/engine/gpu/kernels.rs).
@group(0) @binding(0) var<uniform> adam_scalars: array<AdamScalars, MAX_MODELS>;
@group(0) @binding(1) var<uniform> n: AdamWArgs;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> theta: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn adamw(@builtin(global_invocation_id) gid: vec3<u32>) {
    // 2-D dispatch: more than 65535 workgroups' worth of parameters is fine.
    let e = gid.x + gid.y * 65535u * 256u;
    if (e >= n.len) {
        return;
    }
    let s = adam_scalars[gid.z];
    let i = gid.z * n.len + e;
    let g = grads[i];
    let t = theta[i] * s.decay;
    let mi = m[i] + s.one_minus_beta1 * (g - m[i]);
    let vi = v[i] * s.beta2 + s.one_minus_beta2 * g * g;
    let denom = sqrt(vi) / s.bc2_sqrt + s.eps;
    theta[i] = t + -s.step_size * (mi / denom);
    m[i] = mi;
    v[i] = vi;
}
