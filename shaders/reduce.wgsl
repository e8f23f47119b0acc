// Sums the per-row loss and correctness into this step's metrics slot:
// metrics[4 * slot + base + 0] = loss sum, [.. + 1] = correct count.

struct ReduceArgs {
    rows: u32,
    base: u32,
    _pad0: u32,
    _pad1: u32,
}

// AdamScalars: shaders/adam_scalars.wgsl, prepended (src/engine/gpu/kernels.rs).
@group(0) @binding(0) var<uniform> adam_scalars: AdamScalars;
@group(0) @binding(1) var<uniform> rd: ReduceArgs;
@group(0) @binding(2) var<storage, read> row_stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> metrics: array<f32>;

var<workgroup> loss: array<f32, 256>;
var<workgroup> correct: array<f32, 256>;

@compute @workgroup_size(256)
fn reduce(@builtin(local_invocation_index) li: u32) {
    var l = 0.0;
    var c = 0.0;
    for (var i = li; i < rd.rows; i += 256u) {
        l += row_stats[2u * i];
        c += row_stats[2u * i + 1u];
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
        metrics[4u * adam_scalars.slot + rd.base] = loss[0];
        metrics[4u * adam_scalars.slot + rd.base + 1u] = correct[0];
    }
}
