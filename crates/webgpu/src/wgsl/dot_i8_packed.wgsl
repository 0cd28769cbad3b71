// Σ x·(256·hi + lo) over four int8 lanes, with the WGSL language feature
// packed_4x8_integer_dot_product. Integer arithmetic wraps like the CPU's wrapping_add.
fn dot4(x: u32, hi: u32, lo: u32) -> i32 {
    return dot4I8Packed(x, hi) * 256i + dot4I8Packed(x, lo);
}
