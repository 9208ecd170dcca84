//! Two-sided Mann–Whitney U test with SciPy's defaults (`scipy.stats.mannwhitneyu(x, y)`:
//! `use_continuity=True`, `method="auto"`).
//!
//! U₁ = R₁ − n₁(n₁+1)/2 from average ranks; the p-value uses U = max(U₁, n₁n₂ − U₁):
//! - exact when there are no ties and min(n₁, n₂) ≤ 8 (SciPy's `_mwu_choose_method`):
//!   p = 2 P(U' ≥ U) under the null distribution of U (counted exactly), clipped to 1;
//! - otherwise asymptotic: z = (U − n₁n₂/2 − ½) / σ,
//!   σ² = n₁n₂/12 · ((n + 1) − Σ(t³ − t)/(n(n − 1))), p = 2 P(Z > z), clipped to 1.

use crate::rank::average_ranks;
use crate::special::norm_sf;
use crate::{Result, StatsError, check_finite, check_nonempty};

/// How the p-value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum MwuMethod {
    Exact,
    Asymptotic,
}

/// Result of the test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MannWhitney {
    /// U statistic of the first sample (SciPy's `statistic`).
    pub u1: f64,
    pub p_value: f64,
    pub method: MwuMethod,
}

/// Two-sided Mann–Whitney U test of `x` against `y`.
pub fn mann_whitney_u(x: &[f64], y: &[f64]) -> Result<MannWhitney> {
    check_nonempty("first sample", x.len())?;
    check_nonempty("second sample", y.len())?;
    check_finite("first sample", x)?;
    check_finite("second sample", y)?;
    let (n1, n2) = (x.len(), y.len());
    let xy: Vec<f64> = x.iter().chain(y).copied().collect();
    let (ranks, ties) = average_ranks(&xy);
    let r1: f64 = ranks[..n1].iter().sum();
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let u1 = r1 - n1f * (n1f + 1.0) / 2.0;
    let u2 = n1f * n2f - u1;
    let u = u1.max(u2);
    let has_ties = ties.iter().any(|&t| t > 1);
    let method = if (n1 > 8 && n2 > 8) || has_ties {
        MwuMethod::Asymptotic
    } else {
        MwuMethod::Exact
    };
    let p = match method {
        MwuMethod::Exact => exact_sf(u.round() as usize, n1.min(n2), n1.max(n2)),
        MwuMethod::Asymptotic => {
            let n = n1f + n2f;
            let tie_term: f64 = ties.iter().map(|&t| (t * t * t - t) as f64).sum();
            let s = (n1f * n2f / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)))).sqrt();
            if s == 0.0 {
                return Err(StatsError::Constant("the pooled sample"));
            }
            norm_sf((u - n1f * n2f / 2.0 - 0.5) / s)
        }
    };
    Ok(MannWhitney {
        u1,
        p_value: (2.0 * p).clamp(0.0, 1.0),
        method,
    })
}

/// P(U' ≥ k) under the null, `m <= n` the sample sizes.
///
/// The number of arrangements with U = u is the coefficient of q^u in the Gaussian binomial
/// [m+n choose m]_q = Π_{i=1..m} (1 − q^{n+i}) / (1 − q^i). We build it one factor at a time
/// (multiply by 1 − q^{n+i}, then divide by 1 − q^i, a strided prefix sum), truncated at the
/// degree we need, in exact integers: O(m · k) work instead of SciPy's O(k²) recurrence, with
/// the same counts. For sizes whose counts overflow i128 (C(m+n, m) > 1e36) it runs in f64.
fn exact_sf(k: usize, m: usize, n: usize) -> f64 {
    let mn = m * n;
    // By symmetry P(U ≥ k) = P(U ≤ mn − k); work on the lower half.
    let (kc, use_cdf) = if k < mn - k {
        (k, false)
    } else {
        (mn - k, true)
    };
    let total = binom(m + n, m);
    let freqs: Vec<f64> = if total < 1e36 {
        let mut c = vec![0i128; kc + 1];
        c[0] = 1;
        for i in 1..=m {
            for u in (n + i..=kc).rev() {
                c[u] -= c[u - n - i];
            }
            for u in i..=kc {
                c[u] += c[u - i];
            }
        }
        c.into_iter().map(|v| v as f64).collect()
    } else {
        let mut c = vec![0f64; kc + 1];
        c[0] = 1.0;
        for i in 1..=m {
            for u in (n + i..=kc).rev() {
                c[u] -= c[u - n - i];
            }
            for u in i..=kc {
                c[u] += c[u - i];
            }
        }
        c
    };
    let cdf: f64 = freqs.iter().map(|v| v / total).sum();
    if use_cdf {
        cdf
    } else {
        1.0 - cdf + freqs[kc] / total
    }
}

fn binom(n: usize, k: usize) -> f64 {
    let mut r = 1.0;
    for i in 0..k {
        r = r * (n - i) as f64 / (i + 1) as f64;
    }
    r
}
