// C = A B on 64x64 tiles in workgroup memory, each invocation computing 4x4
// outputs. Operands are addressed through strides, so one kernel serves the
// logits (h W2^T), the hidden gradient (dl W2, masked by ReLU) and the weight
// gradient (dl^T h). Long reductions are split along k over workgroups
// (z), each writing its own slice; `sum_splits` adds the slices. A batch of
// models shares the dispatch: z = model * splits + split, and each model's
// operands sit a_model, b_model, c_model floats after the previous one's
// (the ReLU mask is laid out like C).

struct MatmulArgs {
    m: u32,
    n: u32,
    k: u32,
    k_chunk: u32,
    a_off: u32,
    a_rs: u32,
    a_cs: u32,
    b_off: u32,
    b_rs: u32,
    b_cs: u32,
    c_off: u32,
    c_rs: u32,
    // Distance between the k-splits' output slices.
    c_split: u32,
    // 1: zero outputs where mask (laid out like C) is <= 0 (ReLU's derivative).
    relu_mask: u32,
    splits: u32,
    a_model: u32,
    b_model: u32,
    c_model: u32,
    models: u32,
    _pad0: u32,
}

@group(0) @binding(0) var<uniform> mm: MatmulArgs;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;

const TILE: u32 = 64u;
const DEPTH: u32 = 16u;
// [DEPTH][TILE] each: ta[kk * TILE + row], tb[kk * TILE + col].
var<workgroup> ta: array<f32, 1024>;
var<workgroup> tb: array<f32, 1024>;

@compute @workgroup_size(16, 16)
fn matmul(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let row0 = wg.y * TILE;
    let col0 = wg.x * TILE;
    let model = wg.z / mm.splits;
    let split = wg.z % mm.splits;
    let a_off = mm.a_off + model * mm.a_model;
    let b_off = mm.b_off + model * mm.b_model;
    let c_off = mm.c_off + model * mm.c_model;
    let k_begin = split * mm.k_chunk;
    let k_end = min(k_begin + mm.k_chunk, mm.k);
    var acc: array<f32, 16>;
    for (var k0 = k_begin; k0 < k_end; k0 += DEPTH) {
        for (var t = 0u; t < 4u; t++) {
            let e = li + t * 256u;
            // Let the contiguous dimension vary fastest between invocations.
            var r = e % TILE;
            var kk = e / TILE;
            if (mm.a_cs == 1u) {
                r = e / DEPTH;
                kk = e % DEPTH;
            }
            var x = 0.0;
            if (row0 + r < mm.m && k0 + kk < k_end) {
                x = a[a_off + (row0 + r) * mm.a_rs + (k0 + kk) * mm.a_cs];
            }
            ta[kk * TILE + r] = x;
            var col = e % TILE;
            var kb = e / TILE;
            if (mm.b_cs != 1u) {
                col = e / DEPTH;
                kb = e % DEPTH;
            }
            var y = 0.0;
            if (col0 + col < mm.n && k0 + kb < k_end) {
                y = b[b_off + (k0 + kb) * mm.b_rs + (col0 + col) * mm.b_cs];
            }
            tb[kb * TILE + col] = y;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < DEPTH; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var q = 0u; q < 4u; q++) {
                av[q] = ta[kk * TILE + lid.y + 16u * q];
                bv[q] = tb[kk * TILE + lid.x + 16u * q];
            }
            for (var r = 0u; r < 4u; r++) {
                for (var s = 0u; s < 4u; s++) {
                    acc[r * 4u + s] += av[r] * bv[s];
                }
            }
        }
        workgroupBarrier();
    }
    for (var r = 0u; r < 4u; r++) {
        let i = row0 + lid.y + 16u * r;
        for (var s = 0u; s < 4u; s++) {
            let j = col0 + lid.x + 16u * s;
            if (i < mm.m && j < mm.n) {
                var v = acc[r * 4u + s];
                if (mm.relu_mask == 1u && mask[model * mm.c_model + i * mm.c_rs + j] <= 0.0) {
                    v = 0.0;
                }
                c[c_off + split * mm.c_split + i * mm.c_rs + j] = v;
            }
        }
    }
}
