//! The few dense vector operations the ALS solvers spend their time in, written so LLVM
//! vectorizes them: eight independent accumulators (one AVX register, two SSE registers)
//! and a [`MulAdd`] strategy chosen once per row.
//!
//! Rust does not fuse `a * b + c` on its own (that would change results), and `f32::mul_add`
//! without a hardware FMA is a slow library call, so the arithmetic is a type parameter:
//! [`Fused`] inside functions compiled with the `fma` target feature, [`Unfused`] elsewhere.

/// How `a * b + c` is computed.
pub trait MulAdd {
    fn mul_add(a: f32, b: f32, c: f32) -> f32;
}

/// One rounding, via the FMA instruction (only used where the CPU has it).
pub struct Fused;
/// Two roundings, plain multiply then add: portable.
pub struct Unfused;

impl MulAdd for Fused {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

impl MulAdd for Unfused {
    #[inline(always)]
    fn mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

const LANES: usize = 8;

/// `a · b`.
#[inline(always)]
pub fn dot<M: MulAdd>(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [0.0f32; LANES];
    let (a_main, a_tail) = a.split_at(a.len() - a.len() % LANES);
    let (b_main, b_tail) = b.split_at(a_main.len());
    for (x, y) in a_main.chunks_exact(LANES).zip(b_main.chunks_exact(LANES)) {
        for l in 0..LANES {
            acc[l] = M::mul_add(x[l], y[l], acc[l]);
        }
    }
    let mut sum = 0.0;
    for (x, y) in a_tail.iter().zip(b_tail) {
        sum = M::mul_add(*x, *y, sum);
    }
    // Pairwise, so the order (and the result) does not depend on the instruction set.
    let quads = [
        acc[0] + acc[4],
        acc[1] + acc[5],
        acc[2] + acc[6],
        acc[3] + acc[7],
    ];
    (quads[0] + quads[2]) + (quads[1] + quads[3]) + sum
}

/// `y += alpha · x`.
#[inline(always)]
pub fn axpy<M: MulAdd>(alpha: f32, x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    for (yv, xv) in y.iter_mut().zip(x) {
        *yv = M::mul_add(alpha, *xv, *yv);
    }
}

/// `out = g · v` for a symmetric d × d row-major `g` (as a sum of its rows, which
/// vectorizes without horizontal reductions).
#[inline(always)]
pub fn symmetric_matvec<M: MulAdd>(g: &[f32], v: &[f32], out: &mut [f32]) {
    let d = v.len();
    out.fill(0.0);
    for (k, &vk) in v.iter().enumerate() {
        axpy::<M>(vk, &g[k * d..(k + 1) * d], out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_plain_loops() {
        for d in [1usize, 7, 8, 13, 64] {
            let a: Vec<f32> = (0..d).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..d).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!((dot::<Unfused>(&a, &b) - plain).abs() < 1e-5);
            assert!((dot::<Fused>(&a, &b) - plain).abs() < 1e-5);
            let mut y = b.clone();
            axpy::<Unfused>(2.0, &a, &mut y);
            for i in 0..d {
                assert!((y[i] - (b[i] + 2.0 * a[i])).abs() < 1e-6);
            }
        }
    }
}
