//! Two-group log-rank test (`lifelines.statistics.logrank_test`), and the median-risk split
//! used to report it.
//!
//! At each distinct event time t_k with pooled deaths d_k among n_k at risk, and d_1k, n_1k in
//! group 1:
//! O₁ − E₁ = Σ_k (d_1k − d_k n_1k / n_k),
//! V = Σ_k d_k (n_1k/n_k)(1 − n_1k/n_k)(n_k − d_k)/(n_k − 1),
//! χ² = (O₁ − E₁)² / V, p = P(χ²₁ > χ²). With V = 0, χ² = 0 and p = 1, as lifelines reports.

use crate::special::chi2_sf;
use crate::{Result, StatsError, check_finite, check_len, check_nonempty};

/// Result of a log-rank test.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LogRank {
    pub statistic: f64,
    pub p_value: f64,
}

/// Log-rank test between group A and group B.
pub fn logrank_test(
    time_a: &[f64],
    event_a: &[bool],
    time_b: &[f64],
    event_b: &[bool],
) -> Result<LogRank> {
    check_nonempty("group A", time_a.len())?;
    check_nonempty("group B", time_b.len())?;
    check_len("group A events", event_a.len(), time_a.len())?;
    check_len("group B events", event_b.len(), time_b.len())?;
    check_finite("group A times", time_a)?;
    check_finite("group B times", time_b)?;
    // (time, is_event, in_group_a), sorted by time.
    let mut all: Vec<(f64, bool, bool)> = time_a
        .iter()
        .zip(event_a)
        .map(|(&t, &e)| (t, e, true))
        .chain(time_b.iter().zip(event_b).map(|(&t, &e)| (t, e, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut n = all.len() as f64;
    let mut n1 = time_a.len() as f64;
    let (mut o_minus_e, mut v) = (0.0, 0.0);
    let mut k = 0;
    let mut any_event = false;
    while k < all.len() {
        let t = all[k].0;
        let (mut d, mut d1, mut leave, mut leave1) = (0.0, 0.0, 0.0, 0.0);
        while k < all.len() && all[k].0 == t {
            let (_, e, a) = all[k];
            if e {
                d += 1.0;
                if a {
                    d1 += 1.0;
                }
            }
            leave += 1.0;
            if a {
                leave1 += 1.0;
            }
            k += 1;
        }
        if d > 0.0 {
            any_event = true;
            o_minus_e += d1 - d * n1 / n;
            if n > 1.0 {
                v += d * (n1 / n) * (1.0 - n1 / n) * (n - d) / (n - 1.0);
            }
        }
        n -= leave;
        n1 -= leave1;
    }
    if !any_event {
        return Err(StatsError::NoEvents);
    }
    // No event while both groups were at risk: the variance is zero and lifelines (which inverts
    // the variance with a pseudo-inverse) reports a statistic of 0, p = 1. We do the same.
    let statistic = if v > 0.0 {
        o_minus_e * o_minus_e / v
    } else {
        0.0
    };
    Ok(LogRank {
        statistic,
        p_value: chi2_sf(statistic, 1.0),
    })
}

/// Median of `v` (mean of the two middle values for even length, as numpy).
pub fn median(v: &[f64]) -> Result<f64> {
    check_nonempty("values", v.len())?;
    check_finite("values", v)?;
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Ok(if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    })
}

/// Split at the median predicted risk (high risk = risk > median) and run the log-rank test
/// between the high- and low-risk groups.
pub fn median_split_logrank(time: &[f64], event: &[bool], risk: &[f64]) -> Result<LogRank> {
    check_len("events", event.len(), time.len())?;
    check_len("risks", risk.len(), time.len())?;
    check_finite("risks", risk)?;
    let m = median(risk)?;
    let (mut ta, mut ea, mut tb, mut eb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..time.len() {
        if risk[i] > m {
            ta.push(time[i]);
            ea.push(event[i]);
        } else {
            tb.push(time[i]);
            eb.push(event[i]);
        }
    }
    if ta.is_empty() || tb.is_empty() {
        return Err(StatsError::TooFew(
            "all risks are equal: the median split leaves one group empty".into(),
        ));
    }
    logrank_test(&ta, &ea, &tb, &eb)
}
