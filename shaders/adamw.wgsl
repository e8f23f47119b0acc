// PyTorch's AdamW on every parameter (see adamw_element in src/engine/mod.rs):
// decoupled decay, lerp'd first moment, second moment, bias-corrected step.

struct AdamWArgs {
    len: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// AdamScalars: shaders/adam_scalars.wgsl, prepended (src/engine/gpu/kernels.rs).
@group(0) @binding(0) var<uniform> adam_scalars: AdamScalars;
@group(0) @binding(1) var<uniform> n: AdamWArgs;
@group(0) @binding(2) var<storage, read> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> theta: array<f32>;
@group(0) @binding(4) var<storage, read_write> m: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn adamw(@builtin(global_invocation_id) gid: vec3<u32>) {
    // 2-D dispatch: more than 65535 workgroups' worth of parameters is fine.
    let i = gid.x + gid.y * 65535u * 256u;
    if (i >= n.len) {
        return;
    }
    let g = grads[i];
    let t = theta[i] * adam_scalars.decay;
    let mi = m[i] + adam_scalars.one_minus_beta1 * (g - m[i]);
    let vi = v[i] * adam_scalars.beta2 + adam_scalars.one_minus_beta2 * g * g;
    let denom = sqrt(vi) / adam_scalars.bc2_sqrt + adam_scalars.eps;
    theta[i] = t + -adam_scalars.step_size * (mi / denom);
    m[i] = mi;
    v[i] = vi;
}
