// One step's AdamW scalars and its metrics slot (mirrors AdamScalars in
// src/engine/mod.rs), one per model of a batch (models may differ in
// learning rate or weight decay); prepended to the shaders that bind it
// (adamw, reduce) by src/engine/gpu/kernels.rs.

struct AdamScalars {
    decay: f32,
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    step_size: f32,
    bc2_sqrt: f32,
    eps: f32,
    slot: u32,
}

// Models per batch at most (MAX_MODELS in src/engine/gpu/mod.rs).
const MAX_MODELS: u32 = 64u;
