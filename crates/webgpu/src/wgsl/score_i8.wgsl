// int8 rows, zero-padded to `params.row_words` u32 words (4 values each). The query is the
// CPU's 15-bit quantized query (kernels::I8Query) split as q = 256·hi + lo with hi, lo in
// int8 range, packed the same way: words [0, row_words) hold hi, the next row_words hold
// lo. The i32 dot product is therefore exact and equal to the CPU's, and the score is
// f32(dot) · (query_scale · item_scale) like kernels::scalar::score_i8. `dot4` comes from
// dot_i8_packed.wgsl (dot4I8Packed) or dot_i8_unpacked.wgsl.

@group(0) @binding(2) var<storage, read> vectors: array<u32>;

fn score(item: u32) -> f32 {
    let words = params.row_words;
    let row = item * words;
    var acc = 0i;
    for (var w = 0u; w < words; w++) {
        acc += dot4(vectors[row + w], request[w], request[words + w]);
    }
    let item_scale = bitcast<f32>(columns[item].w);
    return f32(acc) * (params.query_scale * item_scale);
}
