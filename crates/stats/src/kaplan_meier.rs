//! Kaplan–Meier estimators: the survival function (`sksurv.nonparametric.kaplan_meier_estimator`,
//! equal to lifelines' `KaplanMeierFitter` at the observed times) and the censoring
//! distribution used by Uno's C (`sksurv.nonparametric.CensoringDistributionEstimator`).
//!
//! S(t) = Π_{t_k ≤ t} (1 − d_k / n_k), d_k events and n_k subjects at risk at time t_k.

use crate::{Result, StatsError, check_finite, check_len, check_nonempty};

/// A Kaplan–Meier curve at every distinct observed time (events and censorings).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KaplanMeier {
    pub times: Vec<f64>,
    pub survival: Vec<f64>,
    pub n_at_risk: Vec<u64>,
    pub n_events: Vec<u64>,
}

/// Distinct times with (events, censored, at risk) counts.
type Counts = (Vec<f64>, Vec<u64>, Vec<u64>, Vec<u64>);

fn counts(time: &[f64], event: &[bool]) -> Result<Counts> {
    check_nonempty("times", time.len())?;
    check_len("events", event.len(), time.len())?;
    check_finite("times", time)?;
    let mut order: Vec<usize> = (0..time.len()).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let (mut t, mut d, mut c, mut r) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut at_risk = time.len() as u64;
    let mut k = 0;
    while k < order.len() {
        let tk = time[order[k]];
        let (mut ev, mut ce) = (0u64, 0u64);
        while k < order.len() && time[order[k]] == tk {
            if event[order[k]] {
                ev += 1
            } else {
                ce += 1
            }
            k += 1;
        }
        t.push(tk);
        d.push(ev);
        c.push(ce);
        r.push(at_risk);
        at_risk -= ev + ce;
    }
    Ok((t, d, c, r))
}

impl KaplanMeier {
    /// Fit the survival curve.
    pub fn fit(time: &[f64], event: &[bool]) -> Result<Self> {
        let (times, d, _c, r) = counts(time, event)?;
        let mut s = 1.0;
        let survival = d
            .iter()
            .zip(&r)
            .map(|(&dk, &nk)| {
                let ratio = if dk != 0 { dk as f64 / nk as f64 } else { 0.0 };
                s *= 1.0 - ratio;
                s
            })
            .collect();
        Ok(KaplanMeier {
            times,
            survival,
            n_at_risk: r,
            n_events: d,
        })
    }

    /// S(t): the curve's value at the last distinct time ≤ t (1 before the first time).
    pub fn predict(&self, t: f64) -> f64 {
        let k = self.times.partition_point(|&v| v <= t);
        if k == 0 { 1.0 } else { self.survival[k - 1] }
    }

    /// Median survival time: the first time where S(t) ≤ 0.5 (lifelines' `median_survival_time_`);
    /// `None` when the curve stays above 0.5.
    pub fn median(&self) -> Option<f64> {
        self.times
            .iter()
            .zip(&self.survival)
            .find(|(_, s)| **s <= 0.5)
            .map(|(t, _)| *t)
    }
}

/// Kaplan–Meier estimate G of the censoring distribution ("reverse" KM: censorings are the
/// events, and at a tied time the events leave the risk set first).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CensoringKm {
    /// Distinct times; when some subject is censored, preceded by −∞ (G = 1).
    pub times: Vec<f64>,
    pub prob: Vec<f64>,
}

impl CensoringKm {
    pub fn fit(time: &[f64], event: &[bool]) -> Result<Self> {
        let (t, d, c, r) = counts(time, event)?;
        if c.iter().all(|&x| x == 0) {
            return Ok(CensoringKm {
                prob: vec![1.0; t.len()],
                times: t,
            });
        }
        let mut times = vec![f64::NEG_INFINITY];
        let mut prob = vec![1.0];
        let mut s = 1.0;
        for k in 0..t.len() {
            let at_risk = r[k] - d[k];
            let ratio = if c[k] != 0 {
                c[k] as f64 / at_risk as f64
            } else {
                0.0
            };
            s *= 1.0 - ratio;
            times.push(t[k]);
            prob.push(s);
        }
        Ok(CensoringKm { times, prob })
    }

    /// G(t) as scikit-survival's `predict_proba`: the value at the last time ≤ t; beyond the
    /// last time 0 if the curve reached 0 there, an error otherwise.
    pub fn predict(&self, t: f64) -> Result<f64> {
        let last = self.times[self.times.len() - 1];
        if t > last {
            if self.prob[self.prob.len() - 1] > 0.0 {
                return Err(StatsError::BeyondCensoringSupport { time: t, last });
            }
            return Ok(0.0);
        }
        let idx = self.times.partition_point(|&v| v < t);
        let exact = idx < self.times.len() && (self.times[idx] - t).abs() < f64::EPSILON;
        if exact {
            Ok(self.prob[idx])
        } else if idx == 0 {
            // numpy would wrap to the last element (index -1)
            Ok(self.prob[self.prob.len() - 1])
        } else {
            Ok(self.prob[idx - 1])
        }
    }
}
