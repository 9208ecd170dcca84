//! LoG image type: SimpleITK's `LaplacianRecursiveGaussianImageFilter` with
//! `NormalizeAcrossScale(True)`, as pyradiomics' `getLoGImage` applies it (σ in mm).
//!
//! ITK (InsightSoftwareConsortium/ITK, read at the 5.4 line that SimpleITK 2.5 wraps):
//! - `Modules/Filtering/Smoothing/include/itkRecursiveGaussianImageFilter.hxx`: the IIR
//!   coefficients. Deriche-style 4th-order causal + anti-causal recursion with Farnebäck &
//!   Westin's (2006) parameters `A1, B1, W1, L1, A2, B2, W2, L2`; with `sd = σ / spacing`:
//!   `D1..D4` from `exp(L/sd)`, `cos(W/sd)`; `N0..N3` per derivative order; the zero-order filter
//!   is normalised to unit DC gain (`alpha0 = 2 SN/SD − N0`), the second-order filter is a blend
//!   `N(2) + β N(0)` with zero DC gain, normalised by `alpha2 = (EN SD² − ED SN SD − 2 DN DD SD
//!   + 2 DD² SN) / SD³` and multiplied by σ² (σ in mm) when normalising across scale.
//!   The anti-causal coefficients are `M_k = N_k − D_k N0` (symmetric filters), `M4 = −D4 N0`.
//! - `Modules/Filtering/ImageFilterBase/include/itkRecursiveSeparableImageFilter.hxx`
//!   (`FilterDataArray`): the line recursion; the border value is assumed to extend to infinity
//!   (boundary coefficients `BN_k = D_k SN/SD`, `BM_k = D_k SM/SD`). Lines are processed in
//!   double and stored as float.
//! - `Modules/Filtering/ImageFeature/include/itkLaplacianRecursiveGaussianImageFilter.hxx`: for
//!   each axis d, the second-order filter along d (input read as double, output float32), then
//!   the zero-order filter along each other axis in increasing order (float32 images), then the
//!   float32 accumulator `acc = float(acc + out * (1 / spacing_d²))`. The output is float32.
//!
//! The recursion is written here because no Rust crate reproduces ITK's recursive Gaussian.
//! Every intermediate float32 rounding of ITK is reproduced, so values agree to float32 rounding.
//!
//! The whole image ([`laplacian_recursive_gaussian`]) is ITK's result bit for bit. For a region
//! (the ROI box the features use) only the region grown by the filter's reach is filtered
//! ([`reach_box`]): the voxels farther away weigh less than 1e-10 of the impulse response, and
//! the outputs differ from ITK's by at most one float32 rounding of an intermediate.

use super::{DerivedImage, Region};
use crate::error::RadiomicsError;
use crate::image::{Image, PixelType};

/// Coefficients of one 1-D recursive Gaussian pass (ITK's member names).
#[derive(Debug, Clone, Copy, Default)]
struct Coeffs {
    n: [f64; 4],
    d: [f64; 4],
    m: [f64; 4],
    bn: [f64; 4],
    bm: [f64; 4],
}

#[derive(Clone, Copy, PartialEq)]
enum Order {
    Zero,
    Second,
}

/// N coefficients, and their sums SN, DN, EN (ITK `ComputeNCoefficients`).
#[allow(clippy::too_many_arguments)]
fn n_coefficients(sd: f64, a1: f64, b1: f64, w1: f64, l1: f64, a2: f64, b2: f64, w2: f64, l2: f64) -> ([f64; 4], f64, f64, f64) {
    let (sin1, sin2) = ((w1 / sd).sin(), (w2 / sd).sin());
    let (cos1, cos2) = ((w1 / sd).cos(), (w2 / sd).cos());
    let (exp1, exp2) = ((l1 / sd).exp(), (l2 / sd).exp());
    let n0 = a1 + a2;
    let mut n1 = exp2 * (b2 * sin2 - (a2 + 2.0 * a1) * cos2);
    n1 += exp1 * (b1 * sin1 - (a1 + 2.0 * a2) * cos1);
    let mut n2 = (a1 + a2) * cos2 * cos1;
    n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2;
    n2 *= 2.0 * exp1 * exp2;
    n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2;
    let mut n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2);
    n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1);
    let sn = n0 + n1 + n2 + n3;
    let dn = n1 + 2.0 * n2 + 3.0 * n3;
    let en = n1 + 4.0 * n2 + 9.0 * n3;
    ([n0, n1, n2, n3], sn, dn, en)
}

/// ITK `RecursiveGaussianImageFilter::SetUp(spacing)` for order 0 or 2.
fn coefficients(sigma: f64, spacing: f64, order: Order, normalize_across_scale: bool) -> Coeffs {
    let spacing = spacing.abs();
    let sd = sigma / spacing;
    const A1: [f64; 3] = [1.3530, -0.6724, -1.3563];
    const B1: [f64; 3] = [1.8151, -3.4327, 5.2318];
    const W1: f64 = 0.6681;
    const L1: f64 = -1.3932;
    const A2: [f64; 3] = [-0.3531, 0.6724, 0.3446];
    const B2: [f64; 3] = [0.0902, 0.6100, -2.2355];
    const W2: f64 = 2.0787;
    const L2: f64 = -1.3732;

    // D coefficients (ComputeDCoefficients).
    let (cos1, cos2) = ((W1 / sd).cos(), (W2 / sd).cos());
    let (exp1, exp2) = ((L1 / sd).exp(), (L2 / sd).exp());
    let d4 = exp1 * exp1 * exp2 * exp2;
    let mut d3 = -2.0 * cos1 * exp1 * exp2 * exp2;
    d3 += -2.0 * cos2 * exp2 * exp1 * exp1;
    let mut d2 = 4.0 * cos2 * cos1 * exp1 * exp2;
    d2 += exp1 * exp1 + exp2 * exp2;
    let d1 = -2.0 * (exp2 * cos2 + exp1 * cos1);
    let sdd = 1.0 + d1 + d2 + d3 + d4;
    let dd = d1 + 2.0 * d2 + 3.0 * d3 + 4.0 * d4;
    let ed = d1 + 4.0 * d2 + 9.0 * d3 + 16.0 * d4;

    let mut n;
    match order {
        Order::Zero => {
            let (n0, sn, _, _) = n_coefficients(sd, A1[0], B1[0], W1, L1, A2[0], B2[0], W2, L2);
            n = n0;
            let alpha0 = 2.0 * sn / sdd - n[0];
            for v in &mut n {
                *v *= 1.0 / alpha0;
            }
        }
        Order::Second => {
            let asn = if normalize_across_scale { sigma * sigma } else { 1.0 };
            let (n_0, sn0, dn0, en0) = n_coefficients(sd, A1[0], B1[0], W1, L1, A2[0], B2[0], W2, L2);
            let (n_2, sn2, dn2, en2) = n_coefficients(sd, A1[2], B1[2], W1, L1, A2[2], B2[2], W2, L2);
            let beta = -(2.0 * sn2 - sdd * n_2[0]) / (2.0 * sn0 - sdd * n_0[0]);
            n = [0.0; 4];
            for k in 0..4 {
                n[k] = n_2[k] + beta * n_0[k];
            }
            let sn = sn2 + beta * sn0;
            let dn = dn2 + beta * dn0;
            let en = en2 + beta * en0;
            let mut alpha2 = en * sdd * sdd - ed * sn * sdd - 2.0 * dn * dd * sdd + 2.0 * dd * dd * sn;
            alpha2 /= sdd * sdd * sdd;
            for v in &mut n {
                *v *= asn / alpha2;
            }
        }
    }
    // ComputeRemainingCoefficients(symmetric = true).
    let d = [d1, d2, d3, d4];
    let m = [n[1] - d1 * n[0], n[2] - d2 * n[0], n[3] - d3 * n[0], -d4 * n[0]];
    let sn = n[0] + n[1] + n[2] + n[3];
    let sm = m[0] + m[1] + m[2] + m[3];
    let sdd = 1.0 + d1 + d2 + d3 + d4;
    let mut bn = [0.0; 4];
    let mut bm = [0.0; 4];
    for k in 0..4 {
        bn[k] = d[k] * sn / sdd;
        bm[k] = d[k] * sm / sdd;
    }
    Coeffs { n, d, m, bn, bm }
}

/// ITK `FilterDataArray`: causal + anti-causal recursion over one line (length >= 4). The
/// production path is [`recurse`]; this literal transcription checks it in tests.
#[cfg(test)]
fn filter_line(c: &Coeffs, data: &[f64], outs: &mut [f64], scratch: &mut [f64]) {
    let ln = data.len();
    let [n0, n1, n2, n3] = c.n;
    let [d1, d2, d3, d4] = c.d;
    let [m1, m2, m3, m4] = c.m;
    let [bn1, bn2, bn3, bn4] = c.bn;
    let [bm1, bm2, bm3, bm4] = c.bm;
    let ema = |a1: f64, b1: f64, a2: f64, b2: f64, a3: f64, b3: f64, a4: f64, b4: f64| {
        a1 * b1 + a2 * b2 + a3 * b3 + a4 * b4
    };
    let v1 = data[0];
    outs[0] = ema(v1, n0, v1, n1, v1, n2, v1, n3);
    outs[1] = ema(data[1], n0, v1, n1, v1, n2, v1, n3);
    outs[2] = ema(data[2], n0, data[1], n1, v1, n2, v1, n3);
    outs[3] = ema(data[3], n0, data[2], n1, data[1], n2, v1, n3);
    outs[0] -= ema(v1, bn1, v1, bn2, v1, bn3, v1, bn4);
    outs[1] -= ema(outs[0], d1, v1, bn2, v1, bn3, v1, bn4);
    outs[2] -= ema(outs[1], d1, outs[0], d2, v1, bn3, v1, bn4);
    outs[3] -= ema(outs[2], d1, outs[1], d2, outs[0], d3, v1, bn4);
    for i in 4..ln {
        outs[i] = ema(data[i], n0, data[i - 1], n1, data[i - 2], n2, data[i - 3], n3);
        outs[i] -= ema(outs[i - 1], d1, outs[i - 2], d2, outs[i - 3], d3, outs[i - 4], d4);
    }
    let v2 = data[ln - 1];
    scratch[ln - 1] = ema(v2, m1, v2, m2, v2, m3, v2, m4);
    scratch[ln - 2] = ema(data[ln - 1], m1, v2, m2, v2, m3, v2, m4);
    scratch[ln - 3] = ema(data[ln - 2], m1, data[ln - 1], m2, v2, m3, v2, m4);
    scratch[ln - 4] = ema(data[ln - 3], m1, data[ln - 2], m2, data[ln - 1], m3, v2, m4);
    scratch[ln - 1] -= ema(v2, bm1, v2, bm2, v2, bm3, v2, bm4);
    scratch[ln - 2] -= ema(scratch[ln - 1], d1, v2, bm2, v2, bm3, v2, bm4);
    scratch[ln - 3] -= ema(scratch[ln - 2], d1, scratch[ln - 1], d2, v2, bm3, v2, bm4);
    scratch[ln - 4] -= ema(scratch[ln - 3], d1, scratch[ln - 2], d2, scratch[ln - 1], d3, v2, bm4);
    for i in (1..=ln - 4).rev() {
        scratch[i - 1] = ema(data[i], m1, data[i + 1], m2, data[i + 2], m3, data[i + 3], m4);
        scratch[i - 1] -= ema(scratch[i], d1, scratch[i + 1], d2, scratch[i + 2], d3, scratch[i + 3], d4);
    }
    for (o, s) in outs.iter_mut().zip(scratch.iter()) {
        *o += *s;
    }
}

/// The voxel types a pass reads: ITK reads the input image as double and the float32
/// intermediates of the later passes (exactly representable in f64 either way).
trait Sample: Copy + Send + Sync {
    fn get(self) -> f64;
}

impl Sample for f64 {
    #[inline(always)]
    fn get(self) -> f64 {
        self
    }
}

impl Sample for i16 {
    #[inline(always)]
    fn get(self) -> f64 {
        self as f64
    }
}

impl Sample for f32 {
    #[inline(always)]
    fn get(self) -> f64 {
        self as f64
    }
}

/// Lanes per recursion group with AVX-512: 32 lines keep four vectors per state variable in
/// flight, enough independent work to hide the latency of the recursion's dependency chain, and
/// the state (7 variables x 4 vectors) fits the 32 vector registers.
const GROUP_AVX512: usize = 32;
/// Lanes per group with AVX2 (16 registers of 4 doubles): 32 lanes would keep 56 registers of
/// state and spill them to the stack every step; 16 lanes spill less and still hide latency
/// (A/B on brain1's ROI box: about 20 % less LoG time than 32 on an AVX2-only EPYC).
const GROUP_AVX2: usize = 16;
/// Lanes per group without AVX (SSE2 or other targets).
const GROUP_BASE: usize = 8;
/// The largest group (tests).
#[cfg(test)]
const GROUP: usize = GROUP_AVX512;

/// ITK `FilterDataArray` on `N` lines at once, the recursion state held in registers. Element `k`
/// of line `l` is `src[k * ks + l]` (lines of length `ln`); the kept output `q` (index
/// `keep.0 + q` along the line) of line `l`, rounded to f32 as ITK stores it, goes to
/// `dst[q * oks + l * ols]`. Each line gets exactly the scalar operations of [`filter_line`], in
/// the same order (so the results are identical); the loops over the lanes vectorise. Only the
/// outputs at `keep.0 .. keep.1` are wanted: the causal recursion stops after `keep.1` and the
/// anti-causal one after `keep.0` (each value depends only on the values before, resp. after,
/// it: same numbers). `cbuf` holds the kept causal outputs (`(keep.1 - keep.0) * N` values).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn recurse<const N: usize, T: Sample>(
    c: &Coeffs,
    src: &[T],
    ks: usize,
    ln: usize,
    keep: (usize, usize),
    cbuf: &mut [f64],
    dst: &mut [f32],
    oks: usize,
    ols: usize,
) {
    let [n0, n1, n2, n3] = c.n;
    let [d1, d2, d3, d4] = c.d;
    let [m1, m2, m3, m4] = c.m;
    let [bn1, bn2, bn3, bn4] = c.bn;
    let [bm1, bm2, bm3, bm4] = c.bm;
    // Macros rather than closures: a closure is compiled without the caller's target features
    // (AVX2 / AVX-512) and was called, not inlined, per output (~4 % of an extraction).
    macro_rules! ld {
        ($k:expr) => {{
            let k: usize = $k;
            let row = &src[k * ks..k * ks + N];
            let mut v = [0.0; N];
            for l in 0..N {
                v[l] = row[l].get();
            }
            v
        }};
    }
    macro_rules! kept {
        ($k:expr) => {{
            let k: usize = $k;
            k >= keep.0 && k < keep.1
        }};
    }
    // Causal: o[0..4] from the border value, then o[i] for i < keep.1.
    let (v1, e1, e2, e3) = (ld!(0), ld!(1), ld!(2), ld!(3));
    let (mut o0, mut o1, mut o2, mut o3) = ([0.0; N], [0.0; N], [0.0; N], [0.0; N]);
    for l in 0..N {
        let v = v1[l];
        o0[l] = v * n0 + v * n1 + v * n2 + v * n3;
        o1[l] = e1[l] * n0 + v * n1 + v * n2 + v * n3;
        o2[l] = e2[l] * n0 + e1[l] * n1 + v * n2 + v * n3;
        o3[l] = e3[l] * n0 + e2[l] * n1 + e1[l] * n2 + v * n3;
        o0[l] -= v * bn1 + v * bn2 + v * bn3 + v * bn4;
        o1[l] -= o0[l] * d1 + v * bn2 + v * bn3 + v * bn4;
        o2[l] -= o1[l] * d1 + o0[l] * d2 + v * bn3 + v * bn4;
        o3[l] -= o2[l] * d1 + o1[l] * d2 + o0[l] * d3 + v * bn4;
    }
    for (k, o) in [&o0, &o1, &o2, &o3].into_iter().enumerate() {
        if kept!(k) {
            cbuf[(k - keep.0) * N..(k - keep.0 + 1) * N].copy_from_slice(o);
        }
    }
    // State: p1 = o[i-1] .. p4 = o[i-4]; a1 = x[i-1] .. a3 = x[i-3].
    let (mut p1, mut p2, mut p3, mut p4) = (o3, o2, o1, o0);
    let (mut a1, mut a2, mut a3) = (e3, e2, e1);
    for i in 4..keep.1.max(4).min(ln) {
        let x0 = ld!(i);
        let mut v = [0.0; N];
        for l in 0..N {
            let mut t = x0[l] * n0 + a1[l] * n1 + a2[l] * n2 + a3[l] * n3;
            t -= p1[l] * d1 + p2[l] * d2 + p3[l] * d3 + p4[l] * d4;
            v[l] = t;
        }
        if i >= keep.0 {
            cbuf[(i - keep.0) * N..(i - keep.0 + 1) * N].copy_from_slice(&v);
        }
        (p4, p3, p2, p1) = (p3, p2, p1, v);
        (a3, a2, a1) = (a2, a1, x0);
    }
    // Anti-causal: s[ln-1 .. ln-4] from the border value, then s[i-1] down to keep.0; each kept
    // output is o + s (ITK: `outs[i] += scratch[i]`), stored as f32.
    macro_rules! emit {
        ($k:expr, $s:expr) => {{
            let k: usize = $k;
            let s: &[f64; N] = $s;
            if kept!(k) {
                let q = k - keep.0;
                let cb = &cbuf[q * N..(q + 1) * N];
                for l in 0..N {
                    dst[q * oks + l * ols] = (cb[l] + s[l]) as f32;
                }
            }
        }};
    }
    let (v2, e2, e3) = (ld!(ln - 1), ld!(ln - 2), ld!(ln - 3));
    let (mut s0, mut s1, mut s2, mut s3) = ([0.0; N], [0.0; N], [0.0; N], [0.0; N]);
    for l in 0..N {
        let v = v2[l];
        s0[l] = v * m1 + v * m2 + v * m3 + v * m4;
        s1[l] = v * m1 + v * m2 + v * m3 + v * m4;
        s2[l] = e2[l] * m1 + v * m2 + v * m3 + v * m4;
        s3[l] = e3[l] * m1 + e2[l] * m2 + v * m3 + v * m4;
        s0[l] -= v * bm1 + v * bm2 + v * bm3 + v * bm4;
        s1[l] -= s0[l] * d1 + v * bm2 + v * bm3 + v * bm4;
        s2[l] -= s1[l] * d1 + s0[l] * d2 + v * bm3 + v * bm4;
        s3[l] -= s2[l] * d1 + s1[l] * d2 + s0[l] * d3 + v * bm4;
    }
    emit!(ln - 1, &s0);
    emit!(ln - 2, &s1);
    emit!(ln - 3, &s2);
    emit!(ln - 4, &s3);
    // State at i = ln-4: q1 = s[i] .. q4 = s[i+3]; b1 = x[i+1] .. b3 = x[i+3].
    let (mut q1, mut q2, mut q3, mut q4) = (s3, s2, s1, s0);
    let (mut b1, mut b2, mut b3) = (e3, e2, v2);
    for i in ((keep.0 + 1)..=ln - 4).rev() {
        let x0 = ld!(i);
        let mut v = [0.0; N];
        for l in 0..N {
            let mut t = x0[l] * m1 + b1[l] * m2 + b2[l] * m3 + b3[l] * m4;
            t -= q1[l] * d1 + q2[l] * d2 + q3[l] * d3 + q4[l] * d4;
            v[l] = t;
        }
        emit!(i - 1, &v);
        (q4, q3, q2, q1) = (q3, q2, q1, v);
        (b3, b2, b1) = (b2, b1, x0);
    }
}

/// [`recurse`] on `w` lines (any number), in groups of `G`, then 8, 4 and 1 lanes; line `j`
/// starts at `src[j]` and writes `dst[j * ols]`.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn recurse_lines<const G: usize, T: Sample>(
    c: &Coeffs,
    src: &[T],
    ks: usize,
    ln: usize,
    w: usize,
    keep: (usize, usize),
    cbuf: &mut [f64],
    dst: &mut [f32],
    oks: usize,
    ols: usize,
) {
    let mut j = 0;
    while j + G <= w {
        recurse::<G, T>(c, &src[j..], ks, ln, keep, cbuf, &mut dst[j * ols..], oks, ols);
        j += G;
    }
    while j + 8 <= w {
        recurse::<8, T>(c, &src[j..], ks, ln, keep, cbuf, &mut dst[j * ols..], oks, ols);
        j += 8;
    }
    while j + 4 <= w {
        recurse::<4, T>(c, &src[j..], ks, ln, keep, cbuf, &mut dst[j * ols..], oks, ols);
        j += 4;
    }
    while j < w {
        recurse::<1, T>(c, &src[j..], ks, ln, keep, cbuf, &mut dst[j * ols..], oks, ols);
        j += 1;
    }
}

/// Apply the 1-D recursion along `axis` to the box `b` of an image of size `full` (voxels `src`,
/// x fastest; whole lines of the box along `axis`), keeping the outputs at indices
/// `keep.0 .. keep.1` of the box along `axis`; every output is rounded to f32 (ITK's float32
/// images). Returns the kept box, compact (`b.size` with `axis` set to the kept length). The box
/// is read in place. Runs the AVX-512 or AVX2 build of the same code where the CPU has it (the
/// arithmetic is the same scalar IEEE operations in the same order: no fused multiply-add).
fn filter_axis<T: Sample>(src: &[T], full: [usize; 3], b: &Region, axis: usize, c: &Coeffs, keep: (usize, usize)) -> Vec<f32> {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F (checked just above).
            return unsafe { filter_axis_avx512(src, full, b, axis, c, keep) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { filter_axis_avx2(src, full, b, axis, c, keep) };
        }
    }
    filter_axis_impl::<GROUP_BASE, T>(src, full, b, axis, c, keep)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn filter_axis_avx512<T: Sample>(src: &[T], full: [usize; 3], b: &Region, axis: usize, c: &Coeffs, keep: (usize, usize)) -> Vec<f32> {
    filter_axis_impl::<GROUP_AVX512, T>(src, full, b, axis, c, keep)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn filter_axis_avx2<T: Sample>(src: &[T], full: [usize; 3], b: &Region, axis: usize, c: &Coeffs, keep: (usize, usize)) -> Vec<f32> {
    filter_axis_impl::<GROUP_AVX2, T>(src, full, b, axis, c, keep)
}

/// `buf[k * w + j] = lines[starts[j] + k]` (w = starts.len() lines of length ln, made
/// lane-interleaved), in 8 x 8 tiles: eight contiguous loads per line, written out as eight rows
/// of eight (the loops are fixed-size, so they compile to vector loads and shuffles).
#[inline(always)]
fn transpose_lines<T: Sample>(lines: &[T], starts: &[usize], ln: usize, buf: &mut [f64]) {
    let w = starts.len();
    let mut j0 = 0;
    while j0 + 8 <= w {
        let mut k0 = 0;
        while k0 + 8 <= ln {
            let mut rows = [[0.0f64; 8]; 8];
            for (j, row) in rows.iter_mut().enumerate() {
                let r = &lines[starts[j0 + j] + k0..starts[j0 + j] + k0 + 8];
                for k in 0..8 {
                    row[k] = r[k].get();
                }
            }
            for k in 0..8 {
                let d = &mut buf[(k0 + k) * w + j0..(k0 + k) * w + j0 + 8];
                for j in 0..8 {
                    d[j] = rows[j][k];
                }
            }
            k0 += 8;
        }
        for k in k0..ln {
            for j in j0..j0 + 8 {
                buf[k * w + j] = lines[starts[j] + k].get();
            }
        }
        j0 += 8;
    }
    for j in j0..w {
        for k in 0..ln {
            buf[k * w + j] = lines[starts[j] + k].get();
        }
    }
}

#[inline(always)]
fn filter_axis_impl<const G: usize, T: Sample>(
    src: &[T],
    full: [usize; 3],
    b: &Region,
    axis: usize,
    c: &Coeffs,
    keep: (usize, usize),
) -> Vec<f32> {
    let ln = b.size[axis];
    let nk = keep.1 - keep.0;
    let (sy, sz) = (full[0], full[0] * full[1]);
    let at = |x: usize, y: usize, z: usize| (b.start[0] + x) + (b.start[1] + y) * sy + (b.start[2] + z) * sz;
    let [bx, by, bz] = b.size;
    let mut out = crate::hugepage::zeroed(b.size.iter().product::<usize>() / ln * nk);
    let mut cbuf = vec![0.0f64; nk * G];
    match axis {
        0 => {
            // Lines along x are contiguous: transpose blocks of G lines (rows (y, z) of the box)
            // so that the recursion runs across lines; the outputs go straight back to their
            // rows (lane stride nk).
            let rows = by * bz;
            let mut buf = vec![0.0f64; ln * G];
            let mut starts = [0usize; G];
            let mut r0 = 0;
            while r0 < rows {
                let w = G.min(rows - r0);
                for (j, s) in starts[..w].iter_mut().enumerate() {
                    let r = r0 + j;
                    *s = at(0, r % by, r / by);
                }
                transpose_lines(src, &starts[..w], ln, &mut buf[..ln * w]);
                recurse_lines::<G, f64>(c, &buf[..ln * w], w, ln, w, keep, &mut cbuf, &mut out[r0 * nk..(r0 + w) * nk], 1, nk);
                r0 += w;
            }
        }
        1 => {
            // Lines along y, read in place: element k of line x of slice z at at(x, k, z).
            for z in 0..bz {
                let o = z * nk * bx;
                recurse_lines::<G, T>(c, &src[at(0, 0, z)..], sy, ln, bx, keep, &mut cbuf, &mut out[o..o + nk * bx], bx, 1);
            }
        }
        _ => {
            // Lines along z, read in place: element k of line x of row y at at(x, y, k).
            for y in 0..by {
                recurse_lines::<G, T>(c, &src[at(0, y, 0)..], sz, ln, bx, keep, &mut cbuf, &mut out[y * bx..], bx * by, 1);
            }
        }
    }
    out
}

/// pyradiomics' LoG image name for σ: `log-sigma-<str(σ) with '.' -> '-'>-mm-3D`.
pub fn log_image_name(sigma: f64) -> String {
    format!("log-sigma-{}-mm-3D", crate::settings::python_float_repr(sigma).replace('.', "-"))
}

/// SimpleITK `LaplacianRecursiveGaussian(image, sigma, NormalizeAcrossScale=True)` with σ in mm,
/// output float32 (held as f64). Every axis needs at least 4 voxels (as ITK).
pub fn laplacian_recursive_gaussian(image: &Image, sigma: f64) -> Result<Image, RadiomicsError> {
    laplacian_recursive_gaussian_in_region(image, sigma, &Region::whole(image))
}

/// [`laplacian_recursive_gaussian`] at the voxels of `region` only (an image of the region's
/// size whose origin is its first voxel), computed from the region grown by the filter's reach
/// ([`reach_box`]): the crop of the whole-image result within float32 resolution. For each axis
/// d the first pass (the second derivative along d) runs over that box; the two smoothing passes
/// only over the lines that reach the region.
pub fn laplacian_recursive_gaussian_in_region(image: &Image, sigma: f64, region: &Region) -> Result<Image, RadiomicsError> {
    laplacian_recursive_gaussian_in_region_with(image, &LogInput::new(image), sigma, region)
}

/// The voxels the LoG's first passes read (each of the three runs over the whole volume), in the
/// narrowest type that holds every voxel exactly: int16 (most MRI), else float32, else the f64
/// voxels themselves. The passes read the same values (as f64), so the results are identical;
/// an int16 copy is a quarter of the memory traffic. Make one per image and share it across σ.
pub struct LogInput(Voxels);

enum Voxels {
    I16(Vec<i16>),
    F32(Vec<f32>),
    F64,
}

impl LogInput {
    pub fn new(image: &Image) -> LogInput {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { Self::new_avx512(&image.data) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { Self::new_avx2(&image.data) };
            }
        }
        Self::new_impl(&image.data)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    fn new_avx512(data: &[f64]) -> LogInput {
        Self::new_impl(data)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn new_avx2(data: &[f64]) -> LogInput {
        Self::new_impl(data)
    }

    #[inline(always)]
    fn new_impl(data: &[f64]) -> LogInput {
        // Bitwise round trips: -0.0, NaN payloads and fractions keep the wider type.
        if let Some(v) = narrow(data, to_i16, |i| i as f64) {
            return LogInput(Voxels::I16(v));
        }
        if let Some(v) = narrow(data, |v| v as f32, |f| f as f64) {
            return LogInput(Voxels::F32(v));
        }
        LogInput(Voxels::F64)
    }
}

/// `data` converted by `to`, if every value converts back (`from`) to the same bits; in chunks
/// whose check has no early exit (so it vectorises), stopping at the first chunk that fails.
#[inline(always)]
fn narrow<T: Copy + Default>(data: &[f64], to: impl Fn(f64) -> T, from: impl Fn(T) -> f64) -> Option<Vec<T>> {
    let mut out = vec![T::default(); data.len()];
    for (src, dst) in data.chunks(4096).zip(out.chunks_mut(4096)) {
        let mut bad = false;
        for (d, &v) in dst.iter_mut().zip(src) {
            let t = to(v);
            bad |= from(t).to_bits() != v.to_bits();
            *d = t;
        }
        if bad {
            return None;
        }
    }
    Some(out)
}

/// [`laplacian_recursive_gaussian_in_region`] with the first passes reading `input`
/// ([`LogInput::new`] of this image; make one per image and share it across σ).
pub fn laplacian_recursive_gaussian_in_region_with(
    image: &Image,
    input: &LogInput,
    sigma: f64,
    region: &Region,
) -> Result<Image, RadiomicsError> {
    super::check_image(image, "LoG")?;
    let n = image.data.len();
    let input_len = match &input.0 {
        Voxels::I16(v) => v.len(),
        Voxels::F32(v) => v.len(),
        Voxels::F64 => n,
    };
    if input_len != n {
        return Err(RadiomicsError::InvalidInput(format!(
            "LoG filter: the prepared input holds {input_len} voxels, the image {n}: make it from this image"
        )));
    }
    region.check(image)?;
    if sigma.is_nan() || sigma <= 0.0 || !sigma.is_finite() {
        return Err(RadiomicsError::InvalidInput(format!("LoG sigma must be > 0, got {sigma}")));
    }
    if image.size.iter().any(|&n| n < 4) {
        return Err(RadiomicsError::InvalidInput(format!(
            "LoG filter needs at least 4 voxels along every axis, image size is {:?}",
            image.size
        )));
    }
    if image.spacing.iter().any(|s| s.is_nan() || s.abs() < 1e-8 || !s.is_finite()) {
        return Err(RadiomicsError::InvalidInput(format!("LoG filter: bad spacing {:?}", image.spacing)));
    }
    let crop = reach_box(image, sigma, region);
    let keep: [(usize, usize); 3] =
        std::array::from_fn(|a| (region.start[a] - crop.start[a], region.start[a] - crop.start[a] + region.size[a]));
    let (full, spacing) = (image.size, image.spacing);
    let acc = match &input.0 {
        Voxels::I16(v) => log_box(v, full, &crop, spacing, sigma, keep),
        Voxels::F32(v) => log_box(v, full, &crop, spacing, sigma, keep),
        Voxels::F64 => log_box(&image.data, full, &crop, spacing, sigma, keep),
    };
    Ok(region.image_like(image, acc.into_iter().map(f64::from).collect(), PixelType::F32))
}

/// ITK's LoG (three second-derivative terms, each followed by the smoothing passes along the
/// other axes, summed in float32) over the box `b` of an image of size `full` (voxels `src`, x
/// fastest, read in place), keeping the outputs at `keep` (box coordinates) along each axis.
fn log_box<T: Sample>(
    src: &[T],
    full: [usize; 3],
    b: &Region,
    spacing: [f64; 3],
    sigma: f64,
    keep: [(usize, usize); 3],
) -> Vec<f32> {
    let mut acc = vec![0.0f32; keep.iter().map(|k| k.1 - k.0).product()];
    for dim in 0..3 {
        let c2 = coefficients(sigma, spacing[dim], Order::Second, true);
        let mut t = filter_axis(src, full, b, dim, &c2, keep[dim]);
        let mut size = b.size;
        size[dim] = keep[dim].1 - keep[dim].0;
        for j in (0..3).filter(|&j| j != dim) {
            let c0 = coefficients(sigma, spacing[j], Order::Zero, true);
            t = filter_axis(&t, size, &Region { start: [0; 3], size }, j, &c0, keep[j]);
            size[j] = keep[j].1 - keep[j].0;
        }
        let inv = 1.0 / (spacing[dim] * spacing[dim]);
        for (a, &b) in acc.iter_mut().zip(&t) {
            *a = (*a as f64 + b as f64 * inv) as f32;
        }
    }
    acc
}

/// The share of the impulse response's total |weight| that the LoG may ignore on either side
/// of the region (see [`reach`]). Brain1's ROI against SimpleITK (filters_parity, "log (ROI
/// box)"): 1e-10 gives 9.6e-8 relative (float32 roundings), 1e-9 1.6e-7, 1e-8 3.7e-6 (over the
/// 1e-6 tolerance); 1e-10 costs ~10 % more LoG work than 1e-9.
const TAIL: f64 = 1e-10;

/// How many voxels along an axis of spacing `spacing` the recursions of σ reach: the smallest
/// `m` such that the taps of the 1-D impulse response (second-derivative or smoothing filter,
/// whichever reaches further) farther than `m` voxels from the output sum to at most [`TAIL`] of
/// all its taps. Measured on the recursion itself (an impulse through [`recurse`]); the tail
/// decays as `exp(-1.3732 k / sd)` (ITK's slower pole), so `m` is about `16.8 sd` voxels.
fn reach(sigma: f64, spacing: f64) -> usize {
    let sd = sigma / spacing.abs();
    let half = (30.0 * sd).ceil() as usize + 16;
    let ln = 2 * half + 1;
    let mut line = vec![0.0f64; ln];
    line[half] = 1.0;
    let mut reach = 0;
    for order in [Order::Zero, Order::Second] {
        let c = coefficients(sigma, spacing, order, true);
        let mut cbuf = vec![0.0f64; ln];
        let mut h = vec![0.0f32; ln];
        recurse::<1, f64>(&c, &line, 1, ln, (0, ln), &mut cbuf, &mut h, 1, 1);
        let total: f64 = h.iter().map(|v| (*v as f64).abs()).sum();
        // Walk inwards from the far end while the taps beyond stay within the allowance.
        let mut tail = 0.0;
        let mut m = half;
        while m > 0 {
            let t = tail + (h[half + m] as f64).abs() + (h[half - m] as f64).abs();
            if t > TAIL * total {
                break;
            }
            tail = t;
            m -= 1;
        }
        reach = reach.max(m);
    }
    reach
}

/// The box of voxels the LoG at `region` is computed from: the region grown by [`reach`] voxels
/// along each axis, clipped to the image (an axis that would have fewer than 4 voxels is
/// taken whole, as ITK needs 4).
///
/// ITK filters whole lines and extends each line's border value to infinity. Filtering only
/// this box instead replaces, for each line, the voxels beyond the box by the value at the box
/// edge; their weight at any output in the region is at most [`TAIL`] of the filter's total,
/// so each output changes by at most about `TAIL x (max - min of the image) x gain`, below
/// float32 resolution: most outputs keep ITK's bits, some differ by one float32 rounding of
/// an intermediate (see the tests; brain1's LoG features moved by at most 1.7e-10 relative).
/// Where the box reaches the image border on both sides of every axis the result is ITK's,
/// bit for bit. On brain1's ROI this skips about 10-90 % of each σ's work (σ 5 .. 1).
fn reach_box(image: &Image, sigma: f64, region: &Region) -> Region {
    let mut b = Region::whole(image);
    for a in 0..3 {
        let m = reach(sigma, image.spacing[a]);
        let lo = region.start[a].saturating_sub(m);
        let hi = (region.start[a] + region.size[a]).saturating_add(m).min(image.size[a]);
        if hi - lo >= 4 {
            b.start[a] = lo;
            b.size[a] = hi - lo;
        }
    }
    b
}

/// `v as i16` for the values where it is exact, written so that it vectorises: Rust's
/// saturating `as` became scalar min/max/convert per voxel (half of the narrowing time). NaN
/// and out-of-range values give some other int16, whose round trip then fails the check.
#[inline(always)]
fn to_i16(v: f64) -> i16 {
    let t = if v.is_nan() { 0.0 } else { v.clamp(-32768.0, 32767.0) };
    // SAFETY: t is finite and within i32's range (clamped just above, NaN replaced).
    let i: i32 = unsafe { t.to_int_unchecked() };
    i as i16
}

/// pyradiomics' rule for one σ: σ > 0, every axis has at least 4 voxels, and
/// `size >= ceil(σ / spacing) + 1` along every axis.
pub fn sigma_applies(image: &Image, sigma: f64) -> bool {
    sigma > 0.0
        && image.size.iter().all(|&n| n >= 4)
        && (0..3).all(|d| image.size[d] as f64 >= (sigma / image.spacing[d]).ceil() + 1.0)
}

/// pyradiomics' `getLoGImage`: one image per σ (mm) in the given order. No images at all when any
/// axis has fewer than 4 voxels; a σ is skipped (as pyradiomics, which logs a warning) when σ <= 0
/// or when `size < ceil(σ / spacing) + 1` along any axis.
pub fn log_images(image: &Image, sigmas: &[f64]) -> Result<Vec<DerivedImage>, RadiomicsError> {
    super::check_image(image, "LoG")?;
    if image.size.iter().any(|&n| n < 4) {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for &sigma in sigmas {
        if !sigma_applies(image, sigma) {
            continue;
        }
        out.push(DerivedImage { name: log_image_name(sigma), image: laplacian_recursive_gaussian(image, sigma)? });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_pyradiomics() {
        assert_eq!(log_image_name(1.0), "log-sigma-1-0-mm-3D");
        assert_eq!(log_image_name(2.5), "log-sigma-2-5-mm-3D");
        assert_eq!(log_image_name(0.75), "log-sigma-0-75-mm-3D");
    }

    #[test]
    fn zero_order_has_unit_gain_and_laplacian_of_constant_is_zero() {
        let c = coefficients(2.0, 0.7, Order::Zero, true);
        let data = vec![5.0; 30];
        let (mut o, mut s) = (vec![0.0; 30], vec![0.0; 30]);
        filter_line(&c, &data, &mut o, &mut s);
        assert!(o.iter().all(|v| (v - 5.0).abs() < 1e-9), "{o:?}");
        let img = Image::new(vec![7.0; 6 * 5 * 4], [6, 5, 4], [0.8, 0.9, 2.0]);
        let l = laplacian_recursive_gaussian(&img, 1.5).unwrap();
        assert!(l.data.iter().all(|v| v.abs() < 1e-4));
    }

    /// `filter_line` rounded to f32, as ITK stores a pass's output.
    fn reference_line(c: &Coeffs, line: &[f64]) -> Vec<f32> {
        let (mut o, mut s) = (vec![0.0; line.len()], vec![0.0; line.len()]);
        filter_line(c, line, &mut o, &mut s);
        o.iter().map(|&v| v as f32).collect()
    }

    #[test]
    fn lane_recursion_equals_line_recursion() {
        // 45 lines: one group of 32 (or two of 16), one of 8, one of 4, then single lanes; short
        // and long lines; whole
        // lines and only some outputs (the recursions stop early): same bits as the scalar ITK
        // transcription.
        for (sigma, order) in [(1.7, Order::Second), (4.0, Order::Zero)] {
            let c = coefficients(sigma, 0.8, order, true);
            for ln in [4, 5, 9, 40] {
                let w = 45;
                let lines: Vec<Vec<f64>> = (0..w)
                    .map(|j| (0..ln).map(|k| ((k * 7 + j * 3) % 11) as f64 - 4.0 + 0.37 * j as f64).collect())
                    .collect();
                let mut data = vec![0.0; ln * w];
                for (j, l) in lines.iter().enumerate() {
                    for (k, &v) in l.iter().enumerate() {
                        data[k * w + j] = v;
                    }
                }
                for (keep, g) in [(0, ln), (3, ln - 1), (0, 2), (ln - 2, ln), (ln / 2, ln / 2 + 1)]
                    .into_iter()
                    .flat_map(|k| [(k, GROUP_AVX512), (k, GROUP_AVX2)])
                {
                    let nk = keep.1 - keep.0;
                    let mut cbuf = vec![0.0; nk * GROUP];
                    let mut out = vec![0.0f32; nk * w];
                    match g {
                        GROUP_AVX512 => recurse_lines::<GROUP_AVX512, f64>(&c, &data, w, ln, w, keep, &mut cbuf, &mut out, 1, nk),
                        _ => recurse_lines::<GROUP_AVX2, f64>(&c, &data, w, ln, w, keep, &mut cbuf, &mut out, 1, nk),
                    }
                    for (j, l) in lines.iter().enumerate() {
                        let r = reference_line(&c, l);
                        for k in keep.0..keep.1 {
                            assert_eq!(out[j * nk + k - keep.0].to_bits(), r[k].to_bits(), "{ln} {keep:?} {j} {k}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn axis_passes_equal_line_recursion() {
        // Every axis of a 37 x 11 x 6 box (x lines transposed in blocks, y and z read in
        // place), f64 and f32 input, through the CPU-dispatched build.
        let size = [37, 11, 6];
        let n: usize = size.iter().product();
        let data: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 * 0.731 - 300.0).collect();
        let data32: Vec<f32> = data.iter().map(|&v| v as f32).collect();
        let c = coefficients(2.0, 0.9, Order::Second, true);
        let at = |x: usize, y: usize, z: usize, s: [usize; 3]| x + s[0] * (y + s[1] * z);
        for axis in 0..3 {
            let ln = size[axis];
            let keep = (1, ln - 2);
            let whole = Region { start: [0; 3], size };
            let a = filter_axis(&data, size, &whole, axis, &c, keep);
            let b = filter_axis(&data32, size, &whole, axis, &c, keep);
            let mut osize = size;
            osize[axis] = keep.1 - keep.0;
            let mut count = 0;
            for z in 0..osize[2] {
                for y in 0..osize[1] {
                    for x in 0..osize[0] {
                        if [x, y, z][axis] != 0 {
                            continue;
                        }
                        let mut p = [x, y, z];
                        let line: Vec<f64> = (0..ln)
                            .map(|k| {
                                p[axis] = k;
                                data[at(p[0], p[1], p[2], size)]
                            })
                            .collect();
                        let line32: Vec<f64> = line.iter().map(|&v| v as f32 as f64).collect();
                        let (r, r32) = (reference_line(&c, &line), reference_line(&c, &line32));
                        for k in keep.0..keep.1 {
                            p[axis] = k - keep.0;
                            let i = at(p[0], p[1], p[2], osize);
                            assert_eq!(a[i].to_bits(), r[k].to_bits(), "axis {axis} {p:?}");
                            assert_eq!(b[i].to_bits(), r32[k].to_bits(), "axis {axis} {p:?} f32");
                            count += 1;
                        }
                    }
                }
            }
            assert_eq!(count, a.len());
        }
    }

    #[test]
    fn box_view_equals_filtering_a_copy_of_the_box() {
        // The first passes read a box of the whole image in place: same bits as filtering a
        // compact copy of the box, along every axis (x rows crossing slices included).
        let size = [41, 13, 9];
        let n: usize = size.iter().product();
        let data: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 - 400.0).collect();
        let b = Region { start: [3, 2, 1], size: [33, 9, 6] };
        let mut copy = Vec::new();
        for z in 1..7 {
            for y in 2..11 {
                let row = (z * 13 + y) * 41;
                copy.extend_from_slice(&data[row + 3..row + 36]);
            }
        }
        let c = coefficients(1.3, 0.8, Order::Second, true);
        for axis in 0..3 {
            let keep = (1, b.size[axis] - 1);
            let view = filter_axis(&data, size, &b, axis, &c, keep);
            let compact = filter_axis(&copy, b.size, &Region { start: [0; 3], size: b.size }, axis, &c, keep);
            assert_eq!(view.len(), compact.len());
            assert!(view.iter().zip(&compact).all(|(x, y)| x.to_bits() == y.to_bits()), "axis {axis}");
        }
    }

    #[test]
    fn prepared_input_types_give_identical_results() {
        // Integer voxels (int16 copy), float32-exact voxels, and f64 voxels (kept as they are):
        // the same bits as reading the f64 voxels.
        let size = [14, 9, 6];
        let n: usize = size.iter().product();
        let ints: Vec<f64> = (0..n).map(|i| ((i * 7919) % 1009) as f64 - 500.0).collect();
        let halves: Vec<f64> = ints.iter().map(|v| v * 0.5 + 1e5).collect();
        let wide: Vec<f64> = ints.iter().map(|v| v * 0.1).collect();
        let region = Region { start: [3, 1, 1], size: [6, 5, 3] };
        for (data, kind) in [(ints, 0), (halves, 1), (wide, 2)] {
            let img = Image::new(data, size, [0.7, 1.1, 2.5]);
            let input = LogInput::new(&img);
            assert_eq!(kind, match input.0 { Voxels::I16(_) => 0, Voxels::F32(_) => 1, Voxels::F64 => 2 });
            let a = laplacian_recursive_gaussian_in_region_with(&img, &input, 1.5, &region).unwrap();
            let b = laplacian_recursive_gaussian_in_region_with(&img, &LogInput(Voxels::F64), 1.5, &region).unwrap();
            assert!(a.data.iter().zip(&b.data).all(|(x, y)| x.to_bits() == y.to_bits()), "kind {kind}");
        }
        let img = Image::new(vec![1.0; 5 * 5 * 5], [5, 5, 5], [1.0; 3]);
        let other = LogInput::new(&Image::new(vec![1.0; 6 * 5 * 5], [6, 5, 5], [1.0; 3]));
        assert!(laplacian_recursive_gaussian_in_region_with(&img, &other, 1.0, &Region::whole(&img)).is_err());
    }

    #[test]
    fn region_is_bit_identical_to_crop_of_whole_when_the_reach_covers_the_image() {
        let (nx, ny, nz) = (12, 9, 6);
        let data: Vec<f64> = (0..nx * ny * nz).map(|i| ((i * 7919) % 1009) as f64).collect();
        let img = Image::new(data, [nx, ny, nz], [0.7, 1.1, 2.5]);
        let region = Region { start: [2, 3, 1], size: [5, 4, 3] };
        assert_eq!(reach_box(&img, 1.5, &region), Region::whole(&img));
        let whole = laplacian_recursive_gaussian(&img, 1.5).unwrap();
        let part = laplacian_recursive_gaussian_in_region(&img, 1.5, &region).unwrap();
        for z in 0..3 {
            for y in 0..4 {
                for x in 0..5 {
                    let a = whole.data[whole.index(x + 2, y + 3, z + 1)];
                    assert_eq!(a.to_bits(), part.data[part.index(x, y, z)].to_bits());
                }
            }
        }
    }

    #[test]
    fn reach_follows_the_slow_pole() {
        // Measured on the recursion: about ln(1 / TAIL) / 1.3732 sd voxels (the slower pole;
        // 16.8 sd for 1e-10; sd = σ / spacing).
        for (sigma, spacing) in [(1.0, 0.78125), (3.0, 1.0), (5.0, 0.78125), (5.0, 6.5), (2.0, 0.5)] {
            let sd: f64 = sigma / spacing;
            let m = reach(sigma, spacing) as f64;
            let expect = sd * (1.0 / TAIL).ln() / 1.3732;
            assert!(m >= (0.9 * expect).floor() && m <= (1.1 * expect).ceil() + 2.0, "σ {sigma} spacing {spacing}: {m}");
        }
    }

    #[test]
    fn region_from_the_reach_box_matches_the_whole_image() {
        // A box far from the borders: the LoG is computed from the region grown by the reach
        // only, so the far voxels (a ramp, random texture and a bright block that the box
        // excludes) are replaced by the box edge. The changes (~1e-10 of the image range) are
        // below float32 resolution: most outputs keep ITK's bits, a few differ where an
        // intermediate float32 rounding flips by one unit (measured: 0 at σ 1, 1.2, 1.7;
        // 5.7e-12 and 1.5e-9 of the largest |LoG| at σ 0.7 and 1.5). Bound: 1e-7 (float32).
        let size = [96, 90, 14];
        let n: usize = size.iter().product();
        let data: Vec<f64> = (0..n)
            .map(|i| {
                let (x, y, z) = (i % 96, (i / 96) % 90, i / (96 * 90));
                let block = if x < 12 && y > 70 { 3000.0 } else { 0.0 };
                ((i * 7919) % 1009) as f64 + 4.0 * x as f64 - 3.0 * y as f64 + 20.0 * z as f64 + block
            })
            .collect();
        let img = Image::new(data, size, [0.8, 0.9, 2.5]);
        let region = Region { start: [44, 40, 6], size: [7, 6, 3] };
        for sigma in [0.7, 1.0, 1.5, 1.2, 1.7] {
            let b = reach_box(&img, sigma, &region);
            assert!((0..3).any(|a| b.size[a] < size[a]), "σ {sigma}: {b:?}");
            let whole = laplacian_recursive_gaussian(&img, sigma).unwrap();
            let part = laplacian_recursive_gaussian_in_region(&img, sigma, &region).unwrap();
            let scale = whole.data.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let mut worst = 0.0f64;
            for z in 0..3 {
                for y in 0..6 {
                    for x in 0..7 {
                        let a = whole.data[whole.index(x + 44, y + 40, z + 6)];
                        worst = worst.max((a - part.data[part.index(x, y, z)]).abs() / scale);
                    }
                }
            }
            assert!(worst <= 1e-7, "σ {sigma}: box {b:?}, worst {worst:e}");
        }
    }

    #[test]
    fn size_rules() {
        let img = Image::new(vec![1.0; 6 * 6 * 3], [6, 6, 3], [1.0; 3]);
        assert!(log_images(&img, &[1.0]).unwrap().is_empty());
        let img = Image::new(vec![1.0; 6 * 6 * 4], [6, 6, 4], [1.0, 1.0, 2.0]);
        // z: ceil(5/2)+1 = 4 <= 4 keeps σ=5; x: ceil(6/1)+1 = 7 > 6 skips σ=6.
        let names: Vec<_> = log_images(&img, &[5.0, 6.0, -1.0]).unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["log-sigma-5-0-mm-3D"]);
    }
}
