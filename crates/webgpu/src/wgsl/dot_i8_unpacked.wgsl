// Σ x·(256·hi + lo) over four int8 lanes, for browsers without dot4I8Packed: each lane is
// sign-extended with extractBits. Same exact integer result as dot_i8_packed.wgsl.
fn dot4(x: u32, hi: u32, lo: u32) -> i32 {
    var sum = 0i;
    for (var lane = 0u; lane < 32u; lane += 8u) {
        let xv = extractBits(bitcast<i32>(x), lane, 8u);
        let hv = extractBits(bitcast<i32>(hi), lane, 8u);
        let lv = extractBits(bitcast<i32>(lo), lane, 8u);
        sum += xv * (hv * 256i + lv);
    }
    return sum;
}
