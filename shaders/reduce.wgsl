// Sums the per-row loss and correctness into this step's metrics slot, one
// workgroup per model of the batch (wg.y):
// metrics[4 (slot models + model) + base + 0] = loss sum, [.. + 1] = correct count.

struct ReduceArgs {
    rows: u32,
    base: u32,
    models: u32,
    _pad0: u32,
}

// AdamScalars: shaders/adam_scalars.wgsl, prepended (src/engine/gpu/kernels.rs).
@group(0) @binding(0) var<uniform> adam_scalars: array<AdamScalars, MAX_MODELS>;
@group(0) @binding(1) var<uniform> rd: ReduceArgs;
@group(0) @binding(2) var<storage, read> row_stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<f32>;

var<workgroup> loss: array<f32, 256>;
var<workgroup> correct: array<f32, 256>;

@compute @workgroup_size(256)
fn reduce(@builtin(local_invocation_index) li: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    let first = 2u * wg.y * rd.rows;
    var l = 0.0;
    var c = 0.0;
    for (var i = li; i < rd.rows; i += 256u) {
        l += row_stats[first + 2u * i];
        c += row_stats[first + 2u * i + 1u];
    }
    loss[li] = l;
    correct[li] = c;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w >>= 1u) {
        if (li < w) {
            loss[li] += loss[li + w];
            correct[li] += correct[li + w];
        }
        workgroupBarrier();
    }
    if (li == 0u) {
        let at = 4u * (adam_scalars[0].slot * rd.models + wg.y) + rd.base;
        metrics[at] = loss[0];
        metrics[at + 1u] = correct[0];
    }
}
