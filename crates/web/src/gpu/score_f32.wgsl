// f32 rows, d floats each. Sums in the reference order (kernels::scalar::dot_f32): eight
// interleaved partial sums (two vec4 accumulators), combined as
// ((a0+a4)+(a1+a5))+((a2+a6)+(a3+a7)), then the tail in order. WGSL may still fuse a
// multiply and an add, so scores match the CPU to rounding, not bit for bit.

@group(0) @binding(2) var<storage, read> vectors: array<f32>;

fn q(j: u32) -> f32 {
    return bitcast<f32>(request[j]);
}

fn score(item: u32) -> f32 {
    let d = params.dim;
    let row = item * d;
    let whole = d / 8u * 8u;
    var a = vec4<f32>(0.0);
    var b = vec4<f32>(0.0);
    for (var j = 0u; j < whole; j += 8u) {
        let x = row + j;
        a += vec4<f32>(q(j), q(j + 1u), q(j + 2u), q(j + 3u))
            * vec4<f32>(vectors[x], vectors[x + 1u], vectors[x + 2u], vectors[x + 3u]);
        b += vec4<f32>(q(j + 4u), q(j + 5u), q(j + 6u), q(j + 7u))
            * vec4<f32>(vectors[x + 4u], vectors[x + 5u], vectors[x + 6u], vectors[x + 7u]);
    }
    let s = a + b;
    var sum = (s.x + s.y) + (s.z + s.w);
    for (var j = whole; j < d; j++) {
        sum += q(j) * vectors[row + j];
    }
    return sum;
}
