// f32 and f16 rows, d elements each. The module is this file plus one `load_*.wgsl`, which
// declares binding 2 (the vectors) and `fn x(e) -> f32`, element e of the chunk (row-major)
// as an f32; the arithmetic below is the same for both, only the load differs.
//
// Sums in the reference order (kernels::scalar::dot_f32): eight interleaved partial sums
// (two vec4 accumulators), combined as ((a0+a4)+(a1+a5))+((a2+a6)+(a3+a7)), then the tail
// in order. WGSL may still fuse a multiply and an add, so scores match the CPU to
// rounding, not bit for bit.

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
