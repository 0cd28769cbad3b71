// f16 rows stored as binary16 pairs in u32 words (the file's bytes, uploaded as they are).
// Halves widen to f32 exactly (unpack2x16float), so score_float.wgsl does the f32 kernel's
// arithmetic on the same values, in the same order. Needs no `shader-f16`.

@group(0) @binding(2) var<storage, read> vectors: array<u32>;

fn x(e: u32) -> f32 {
    let pair = unpack2x16float(vectors[e >> 1u]);
    return select(pair.x, pair.y, (e & 1u) != 0u);
}
