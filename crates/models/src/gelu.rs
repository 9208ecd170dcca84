//! Exact (erf) GELU, computed in one vectorised, multi-threaded pass on the host.
//!
//! ```text
//! GELU(x)  = x Φ(x) = ½ x (1 + erf(x / √2))
//! GELU'(x) = Φ(x) + x φ(x),        φ(x) = exp(−x²/2) / √(2π)
//! ```
//!
//! Why by hand: Burn 0.22's Flex backend evaluates `activation::gelu` and its backward with a
//! scalar `libm::erff` (plus `exp` in the backward) per element on one thread
//! (`burn-flex-0.22.1/src/ops/activation.rs`); in the ViT-Tiny training step that was about a
//! fifth of the time (docs/benchmarks.md). Burn's backend-extension API (custom ops with their
//! own backward) needs the `extension` feature, which the workspace's one pinned Burn feature
//! set does not have. So this function uses only the public tensor API:
//!
//! * the values of x are read once, and y = GELU(x) and d = GELU'(x) are computed together in
//!   one pass over chunks in parallel (rayon), with an erf and an exp written so that the
//!   compiler vectorises them (no calls, no branches; AVX-512 / AVX2 chosen at run time);
//! * when x is tracked by autodiff, the result is returned as `x·D + C` with the constants
//!   `D = d` and `C = y − x·d` (both without autodiff), so the forward value is y (up to one
//!   rounding of the final addition) and the backward is exactly `grad·d`: one multiply where
//!   Flex computed erf and exp again per element.
//!
//! Φ: through erfc with Numerical Recipes' Chebyshev fit (relative error < 1.2e-7, so the
//! lower tail stays accurate); exp: Cody-Waite range reduction and the Cephes `expf`
//! polynomial (about 1 ulp). Both are checked against f64 references in the tests.
//! Neither uses fused multiply-add, so every CPU path gives the same bits.

use burn::prelude::*;
use burn::tensor::TensorData;
use rayon::prelude::*;

/// Elements per parallel task (64 KiB of f32 input).
const CHUNK: usize = 16 * 1024;

/// Exact GELU of `x` (any shape). Same values as `burn::tensor::activation::gelu` to within
/// 2e-7 absolute + 1e-6 relative (Burn's own `1 + erff` loses more in the lower tail);
/// differentiable (first order) through Burn's autodiff.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    let shape = x.shape();
    if x.is_tracked() {
        let inner = x.clone().without_autodiff();
        let device = inner.device();
        let xs = to_vec(inner);
        let mut y = vec![0.0f32; xs.len()];
        let mut d = vec![0.0f32; xs.len()];
        y.par_chunks_mut(CHUNK)
            .zip(d.par_chunks_mut(CHUNK))
            .zip(xs.par_chunks(CHUNK))
            .for_each(|((y, d), x)| gelu_and_grad(x, y, d));
        // C = y − x·d, so that x·D + C evaluates to y in the forward
        for ((c, &xi), &di) in y.iter_mut().zip(&xs).zip(&d) {
            *c -= xi * di;
        }
        let dd = Tensor::<D>::from_data(TensorData::new(d, shape.clone()), &device);
        let cc = Tensor::<D>::from_data(TensorData::new(y, shape), &device);
        x * dd + cc
    } else {
        let device = x.device();
        let mut v = to_vec(x);
        v.par_chunks_mut(CHUNK).for_each(gelu_in_place);
        Tensor::<D>::from_data(TensorData::new(v, shape), &device)
    }
}

/// The values as f32 (Flex hands over its buffer without a copy when it holds the only
/// reference).
fn to_vec<const D: usize>(x: Tensor<D>) -> Vec<f32> {
    let data = x.into_data();
    match data.try_into_vec::<f32>() {
        Ok(v) => v,
        Err(e) => panic!("gelu: float tensor could not be read as f32: {e:?}"),
    }
}

const FRAC_1_SQRT_2: f32 = std::f32::consts::FRAC_1_SQRT_2;
/// 1/√(2π)
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// exp(e) for e ≤ 88; arguments below −87 are clamped to −87 (result ~1.6e-38, not 0).
#[inline(always)]
fn exp_neg(e: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4; // 0.693359375, exact in 9 bits
    const LN2_LO: f32 = -2.121_944_4e-4;
    const MAGIC: f32 = 12_582_912.0; // 1.5·2^23: adding it rounds to an integer
    let e = e.max(-87.0);
    let m = e * LOG2E + MAGIC;
    let n = m - MAGIC;
    let ni = (m.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let r = e - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let er = p * r * r + r + 1.0;
    er * f32::from_bits(((ni + 127) as u32) << 23)
}

/// (Φ(x), φ(x)) for one element. Φ goes through erfc of z = |x|/√2 so that the tail
/// x < 0 keeps its relative accuracy (no 1 − erf cancellation):
/// Φ(x) = ½ erfc(z) for x < 0, 1 − ½ erfc(z) otherwise, with Numerical Recipes' Chebyshev fit
/// erfc(z) ≈ t·exp(−z² + P(t)), t = 1/(1 + z/2), relative error < 1.2e-7 for every z ≥ 0.
#[inline(always)]
fn cdf_pdf(x: f32) -> (f32, f32) {
    let z = (x * FRAC_1_SQRT_2).abs();
    let z2 = 0.5 * x * x; // z², rounded once
    let ez = exp_neg(-z2);
    let t = 1.0 / (1.0 + 0.5 * z);
    let mut p = 0.170_872_77f32;
    p = p * t - 0.822_152_23;
    p = p * t + 1.488_515_9;
    p = p * t - 1.135_203_98;
    p = p * t + 0.278_868_07;
    p = p * t - 0.186_288_06;
    p = p * t + 0.096_784_18;
    p = p * t + 0.374_091_96;
    p = p * t + 1.000_023_7;
    p = p * t - 1.265_512_2;
    let erfc = t * exp_neg(p - z2);
    let half = 0.5 * erfc;
    let cdf = if x < 0.0 { half } else { 1.0 - half };
    (cdf, INV_SQRT_2PI * ez)
}

#[inline(always)]
fn gelu_and_grad_body(x: &[f32], y: &mut [f32], d: &mut [f32]) {
    for ((&xi, yi), di) in x.iter().zip(y.iter_mut()).zip(d.iter_mut()) {
        let (cdf, pdf) = cdf_pdf(xi);
        *yi = xi * cdf;
        *di = cdf + xi * pdf;
    }
}

#[inline(always)]
fn gelu_body(v: &mut [f32]) {
    for xi in v.iter_mut() {
        let (cdf, _) = cdf_pdf(*xi);
        *xi *= cdf;
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gelu_and_grad_avx512(x: &[f32], y: &mut [f32], d: &mut [f32]) {
    gelu_and_grad_body(x, y, d)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_and_grad_avx2(x: &[f32], y: &mut [f32], d: &mut [f32]) {
    gelu_and_grad_body(x, y, d)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gelu_avx512(v: &mut [f32]) {
    gelu_body(v)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gelu_avx2(v: &mut [f32]) {
    gelu_body(v)
}

/// y = GELU(x), d = GELU'(x) for one chunk, with the widest vector unit the CPU has.
fn gelu_and_grad(x: &[f32], y: &mut [f32], d: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { gelu_and_grad_avx512(x, y, d) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { gelu_and_grad_avx2(x, y, d) };
        }
    }
    gelu_and_grad_body(x, y, d)
}

/// v ← GELU(v) for one chunk.
fn gelu_in_place(v: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { gelu_avx512(v) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { gelu_avx2(v) };
        }
    }
    gelu_body(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::activation;

    #[test]
    fn exp_is_accurate() {
        let mut worst = 0.0f64;
        for i in 0..=80_000 {
            let a = -(i as f64) * 1e-3; // [-80, 0]
            let got = exp_neg(a as f32) as f64;
            let want = (a as f32 as f64).exp();
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 3e-7, "exp max rel error {worst}");
        assert_eq!(exp_neg(-200.0), exp_neg(-87.0));
        assert!(exp_neg(-200.0) < 2e-38);
        assert_eq!(exp_neg(0.0), 1.0);
    }

    #[test]
    fn normal_cdf_is_accurate_in_both_tails() {
        // reference Φ on the grid x_i = i·1e-4 by composite Simpson integration of φ in f64
        // from −12 (Φ(−12) ≈ 2e-33): accurate in relative terms deep in the lower tail
        let h = 1e-4f64;
        let phi = |t: f64| (-0.5 * t * t).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let (lo, hi) = (-120_000i64, 56_000i64);
        let mut table = Vec::with_capacity((hi - lo + 1) as usize);
        let mut acc = 0.0f64;
        table.push(acc);
        for i in lo..hi {
            let a = i as f64 * h;
            acc += h / 6.0 * (phi(a) + 4.0 * phi(a + 0.5 * h) + phi(a + h));
            table.push(acc);
        }
        let reference = |i: i64| table[(i - lo) as usize];
        let mut worst_rel_low = 0.0f64;
        let mut worst_abs = 0.0f64;
        for i in -56_000..=56_000i64 {
            let x = i as f32 * 1e-4; // [-5.6, 5.6]
            let (cdf, pdf) = cdf_pdf(x);
            let want = if i <= 0 { reference(i) } else { 1.0 - reference(-i) };
            let err = (cdf as f64 - want).abs();
            worst_abs = worst_abs.max(err);
            if i < 0 {
                worst_rel_low = worst_rel_low.max(err / want);
            }
            // the exponent −x²/2 is rounded to f32 first, as in the code under test (and in
            // Burn's own kernel); that rounding alone is up to ~6e-8·x²/2 relative
            let e = -0.5f32 * x * x;
            let want_pdf = (e as f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
            assert!(((pdf as f64) - want_pdf).abs() <= 4e-7 * want_pdf, "pdf({x})");
        }
        // lower tail: the Chebyshev fit (1.2e-7) plus the f32 rounding of the exponent
        // −x²/2 + P(t) (|exponent| up to 17 at x = −5.6, where Φ is 1e-8: ~1e-6 relative each)
        assert!(worst_rel_low < 6e-6, "lower tail: max rel error {worst_rel_low}");
        // a few f32 ulps of values near 1 (ulp 6e-8) on top of the fit
        assert!(worst_abs < 2.5e-7, "max abs error {worst_abs}");
    }

    #[test]
    fn matches_burns_gelu_forward_and_gradient() {
        let dev = Device::flex().autodiff();
        let n = 3 * 5 * 7001; // not a multiple of the chunk or the vector width
        let v: Vec<f32> = (0..n)
            .map(|i| ((i as f32) * 0.618_034).sin() * 6.0 + if i % 97 == 0 { 30.0 } else { 0.0 })
            .collect();
        let make = || {
            Tensor::<3>::from_data(TensorData::new(v.clone(), [3, 5, 7001]), &dev).require_grad()
        };
        // a non-trivial upstream gradient
        let w: Vec<f32> = (0..n).map(|i| ((i % 13) as f32) - 6.0).collect();
        let wt = Tensor::<3>::from_data(TensorData::new(w, [3, 5, 7001]), &dev);

        let (xa, xb) = (make(), make());
        let ya = activation::gelu(xa.clone());
        let yb = gelu(xb.clone());
        let ga = (ya.clone() * wt.clone()).sum().backward();
        let gb = (yb.clone() * wt).sum().backward();
        let ya: Vec<f32> = ya.try_into_vec_as::<f32>().unwrap();
        let yb: Vec<f32> = yb.try_into_vec_as::<f32>().unwrap();
        let da: Vec<f32> = xa.grad(&ga).unwrap().try_into_vec_as::<f32>().unwrap();
        let db: Vec<f32> = xb.grad(&gb).unwrap().try_into_vec_as::<f32>().unwrap();
        for i in 0..n {
            let tol = 2e-7 + 1e-6 * ya[i].abs();
            assert!((ya[i] - yb[i]).abs() <= tol, "y[{i}] x={}: {} vs {}", v[i], ya[i], yb[i]);
            let tol = 6.0 * 2e-7 + 1e-6 * da[i].abs();
            assert!((da[i] - db[i]).abs() <= tol, "dx[{i}] x={}: {} vs {}", v[i], da[i], db[i]);
        }
        // inference path (no autodiff) gives the same values as the tracked path
        let yc: Vec<f32> = gelu(Tensor::<3>::from_data(
            TensorData::new(v.clone(), [3, 5, 7001]),
            &Device::flex(),
        ))
        .try_into_vec_as::<f32>()
        .unwrap();
        for i in 0..n {
            assert!((yc[i] - yb[i]).abs() <= 1e-7 + 1e-7 * yb[i].abs());
        }
    }
}
