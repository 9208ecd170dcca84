//! Concordance indices for right-censored survival data.
//!
//! - [`harrell_c`]: Harrell's C with lifelines semantics, i.e.
//!   `lifelines.utils.concordance_index(time, -risk, event)`.
//! - [`uno_c`]: Uno's IPCW C, i.e. `sksurv.metrics.concordance_index_ipcw`.
//!
//! Comparable pairs (i, j) have i an event and either `T_j > T_i`, or `T_j == T_i` with j
//! censored; two events at the same time are not comparable. A pair is concordant when
//! `risk_i > risk_j`; tied risks count 1/2.
//!
//! Both run in O(n log n): subjects are visited by decreasing time and the risks of those
//! already visited sit in a Fenwick tree over the ranks of the distinct risk values, so each
//! event asks "how many later subjects have a lower / equal risk" in O(log n). lifelines uses a
//! balanced tree for the same purpose (`lifelines/utils/btree.py`); this is our own code.

use crate::kaplan_meier::CensoringKm;
use crate::{Result, StatsError, check_finite, check_len, check_nonempty};

/// Counts behind a concordance index.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Concordance {
    /// `(concordant + tied / 2) / comparable`.
    pub c_index: f64,
    pub concordant: u64,
    pub tied_risk: u64,
    pub comparable: u64,
}

/// Fenwick (binary indexed) tree of counts.
struct Fenwick {
    t: Vec<u64>,
}

impl Fenwick {
    fn new(n: usize) -> Self {
        Fenwick { t: vec![0; n + 1] }
    }
    /// Add one at 0-based position `i`.
    fn add(&mut self, i: usize) {
        let mut k = i + 1;
        while k < self.t.len() {
            self.t[k] += 1;
            k += k & k.wrapping_neg();
        }
    }
    /// Count at positions `0..i` (exclusive).
    fn prefix(&self, i: usize) -> u64 {
        let mut s = 0;
        let mut k = i;
        while k > 0 {
            s += self.t[k];
            k -= k & k.wrapping_neg();
        }
        s
    }
}

fn check_survival(time: &[f64], event: &[bool], risk: &[f64]) -> Result<()> {
    check_nonempty("times", time.len())?;
    check_len("events", event.len(), time.len())?;
    check_len("risks", risk.len(), time.len())?;
    check_finite("times", time)?;
    check_finite("risks", risk)?;
    if !event.iter().any(|&e| e) {
        return Err(StatsError::NoEvents);
    }
    Ok(())
}

/// Indices sorted by time, and the start of each run of equal times (plus `n` at the end).
fn time_groups(time: &[f64]) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut starts = vec![0];
    for k in 1..order.len() {
        if time[order[k]] != time[order[k - 1]] {
            starts.push(k);
        }
    }
    starts.push(order.len());
    (order, starts)
}

/// Sorted distinct risk values and each subject's rank among them.
fn risk_ranks(risk: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut u = risk.to_vec();
    u.sort_by(f64::total_cmp);
    u.dedup();
    let ranks = risk.iter().map(|r| u.partition_point(|v| v < r)).collect();
    (u, ranks)
}

/// Harrell's C-index with lifelines semantics (`concordance_index(time, -risk, event)`).
///
/// C = (#concordant + ½ #tied-risk) / #comparable over the comparable pairs defined in the
/// module doc. Errors: NaN/inf inputs, no events, no comparable pair (lifelines raises
/// `ZeroDivisionError` there).
pub fn harrell_c(time: &[f64], event: &[bool], risk: &[f64]) -> Result<Concordance> {
    check_survival(time, event, risk)?;
    let (order, starts) = time_groups(time);
    let (u, rank) = risk_ranks(risk);
    let mut tree = Fenwick::new(u.len());
    let (mut inserted, mut conc, mut tied, mut pairs) = (0u64, 0u64, 0u64, 0u64);
    for g in (0..starts.len() - 1).rev() {
        let grp = &order[starts[g]..starts[g + 1]];
        // Censored subjects at this time are comparable with the events at this time.
        for &j in grp.iter().filter(|&&j| !event[j]) {
            tree.add(rank[j]);
            inserted += 1;
        }
        for &i in grp.iter().filter(|&&i| event[i]) {
            let below = tree.prefix(rank[i]);
            let equal = tree.prefix(rank[i] + 1) - below;
            conc += below;
            tied += equal;
            pairs += inserted;
        }
        for &i in grp.iter().filter(|&&i| event[i]) {
            tree.add(rank[i]);
            inserted += 1;
        }
    }
    if pairs == 0 {
        return Err(StatsError::NoComparablePairs);
    }
    let c_index = (conc as f64 + tied as f64 / 2.0) / pairs as f64;
    Ok(Concordance {
        c_index,
        concordant: conc,
        tied_risk: tied,
        comparable: pairs,
    })
}

/// Options of Uno's C (scikit-survival `concordance_index_ipcw` defaults).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnoConfig {
    /// Truncation time: only events with `T_i < tau` weigh. `None` = no truncation
    /// (scikit-survival's default).
    pub tau: Option<f64>,
    /// Risks closer than this count as tied.
    pub tied_tol: f64,
}

impl Default for UnoConfig {
    fn default() -> Self {
        UnoConfig {
            tau: None,
            tied_tol: 1e-8,
        }
    }
}

/// Uno's C (`sksurv.metrics.concordance_index_ipcw(train, test, risk, tau, tied_tol)`).
///
/// C = Σ_ij w_i c_ij (1[η_i > η_j] + ½ 1[|η_i − η_j| ≤ tol]) / Σ_ij w_i c_ij, with
/// w_i = δ_i 1[T_i < τ] / G(T_i)², G the Kaplan–Meier estimate of the censoring distribution
/// on the training data (pass the test data again when there is no separate training set).
pub fn uno_c(
    train_time: &[f64],
    train_event: &[bool],
    time: &[f64],
    event: &[bool],
    risk: &[f64],
    config: UnoConfig,
) -> Result<f64> {
    check_survival(time, event, risk)?;
    let g = CensoringKm::fit(train_time, train_event)?;
    let n = time.len();
    let mut w = vec![0.0; n];
    for i in 0..n {
        if event[i] && config.tau.is_none_or(|tau| time[i] < tau) {
            let gi = g.predict(time[i])?;
            if gi == 0.0 {
                return Err(StatsError::CensoringZero(time[i]));
            }
            let ipcw = 1.0 / gi;
            w[i] = ipcw * ipcw;
        }
    }
    let (order, starts) = time_groups(time);
    // Risks sorted once; for an event i the later subjects j with |η_j − η_i| <= tol are tied,
    // those with η_j < η_i and not tied are concordant. `η_j − η_i` is monotone in η_j, so both
    // sets are ranges of the sorted risks, found by bisection with the same predicate.
    let (u, rank) = risk_ranks(risk);
    let mut tree = Fenwick::new(u.len());
    let mut inserted = 0u64;
    let (mut num, mut den) = (0.0f64, 0.0f64);
    let mut any_event_pair = false;
    let tol = config.tied_tol;
    for g in (0..starts.len() - 1).rev() {
        let grp = &order[starts[g]..starts[g + 1]];
        for &j in grp.iter().filter(|&&j| !event[j]) {
            tree.add(rank[j]);
            inserted += 1;
        }
        for &i in grp.iter().filter(|&&i| event[i]) {
            let ei = risk[i];
            // first position with (v - ei).abs() <= tol from below, i.e. v - ei >= -tol
            let lo = u.partition_point(|&v| v - ei < -tol);
            // first position with v - ei > tol
            let hi = u.partition_point(|&v| v - ei <= tol);
            let n_ties = tree.prefix(hi) - tree.prefix(lo);
            let n_con = tree.prefix(lo); // strictly below the tie band
            num += w[i] * n_con as f64 + 0.5 * w[i] * n_ties as f64;
            den += w[i] * inserted as f64;
            any_event_pair = true;
        }
        for &i in grp.iter().filter(|&&i| event[i]) {
            tree.add(rank[i]);
            inserted += 1;
        }
    }
    if !any_event_pair || den == 0.0 {
        return Err(StatsError::NoComparablePairs);
    }
    Ok(num / den)
}
