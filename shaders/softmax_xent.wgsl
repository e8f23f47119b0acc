// Softmax cross-entropy per sample: the loss, whether the first maximum is
// the label, and (for training) d(mean loss)/d(logits) = (softmax - onehot)/n.
// Model y of a batch: its rows of logits, samples, dlogits and row_stats
// follow the previous model's.

struct SoftmaxXentArgs {
    rows: u32,
    classes: u32,
    grad: u32,
    models: u32,
    scale: f32,
    _pad1: f32,
    _pad2: f32,
    _pad3: f32,
}

@group(0) @binding(0) var<uniform> xe: SoftmaxXentArgs;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> samples: array<u32>;
@group(0) @binding(3) var<storage, read_write> dlogits: array<f32>;
// Two floats per row: loss, correct (0 or 1).
@group(0) @binding(4) var<storage, read_write> row_stats: array<f32>;

@compute @workgroup_size(64)
fn softmax_xent(@builtin(global_invocation_id) gid: vec3<u32>) {
    if (gid.x >= xe.rows) {
        return;
    }
    let i = gid.y * xe.rows + gid.x;
    let base = i * xe.classes;
    let label = samples[i] >> 16u;
    var best = 0u;
    var top = logits[base];
    for (var c = 1u; c < xe.classes; c++) {
        let x = logits[base + c];
        if (x > top) {
            top = x;
            best = c;
        }
    }
    var sum = 0.0;
    for (var c = 0u; c < xe.classes; c++) {
        sum += exp(logits[base + c] - top);
    }
    let lse = top + log(sum);
    row_stats[2u * i] = lse - logits[base + label];
    row_stats[2u * i + 1u] = select(0.0, 1.0, best == label);
    if (xe.grad == 1u) {
        let inv = 1.0 / sum;
        for (var c = 0u; c < xe.classes; c++) {
            var g = exp(logits[base + c] - top) * inv * xe.scale;
            if (c == label) {
                g -= xe.scale;
            }
            dlogits[base + c] = g;
        }
    }
}
