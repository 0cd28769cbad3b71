// f16 rows stored as binary16 pairs in u32 words (the file's bytes, uploaded as they are).
// Halves widen to f32 exactly (unpack2x16float), so this is the f32 kernel's arithmetic on
// the same values, in the same order. Needs no `shader-f16`.

@group(0) @binding(2) var<storage, read> vectors: array<u32>;

fn q(j: u32) -> f32 {
    return bitcast<f32>(request[j]);
}

// Element e of the chunk (row-major), widened to f32.
fn x(e: u32) -> f32 {
    let pair = unpack2x16float(vectors[e >> 1u]);
    return select(pair.x, pair.y, (e & 1u) != 0u);
}

fn score(item: u32) -> f32 {
    let d = params.dim;
    let row = item * d;
    let whole = d / 8u * 8u;
    var a = vec4<f32>(0.0);
    var b = vec4<f32>(0.0);
    for (var j = 0u; j < whole; j += 8u) {
        let e = row + j;
        a += vec4<f32>(q(j), q(j + 1u), q(j + 2u), q(j + 3u))
            * vec4<f32>(x(e), x(e + 1u), x(e + 2u), x(e + 3u));
        b += vec4<f32>(q(j + 4u), q(j + 5u), q(j + 6u), q(j + 7u))
            * vec4<f32>(x(e + 4u), x(e + 5u), x(e + 6u), x(e + 7u));
    }
    let s = a + b;
    var sum = (s.x + s.y) + (s.z + s.w);
    for (var j = whole; j < d; j++) {
        sum += q(j) * x(row + j);
    }
    return sum;
}
