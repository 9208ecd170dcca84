//! Cox proportional-hazards partial likelihood: the loss of the survival models and the working
//! response of [`crate::coxnet`].
//!
//! Notation: η_i is the log-risk of subject i, δ_i its event indicator, T_i its time,
//! R(t) = { j : T_j ≥ t } the risk set and E = Σ δ_i the number of events. For each distinct
//! event time t, D_t is the set of its events, d = |D_t|, S_R = Σ_{j∈R(t)} e^{η_j} and
//! S_D = Σ_{j∈D_t} e^{η_j}.
//!
//! **Breslow** (default):
//! `L = −(1/E) Σ_t [ Σ_{i∈D_t} η_i − d · log S_R ]`
//!
//! **Efron**:
//! `L = −(1/E) Σ_t [ Σ_{i∈D_t} η_i − Σ_{l=0}^{d−1} log( S_R − (l/d) S_D ) ]`
//!
//! Both are averaged over events (not over the batch, unlike the upstream Steyaert loss), use a
//! max shift for the exponentials, and coincide when no event time is tied. With E = 0 the loss
//! is 0 with a zero gradient. lifelines' `CoxPHFitter` log-likelihood (Efron) and
//! scikit-survival's `CoxPHOptimizer` (Breslow and Efron) are the references
//! (`tests/fixtures/cox.json`, `tools/reference/make_cox_fixtures.py`).
//!
//! Written by hand: no Rust crate offers a tie-aware Cox partial likelihood.

#![allow(clippy::needless_range_loop)] // loops over distinct times index several arrays

use crate::{Result, StatsError, check_finite, check_len, check_nonempty};

/// How tied event times enter the partial likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Every tied event sees the full risk set.
    #[default]
    Breslow,
    /// The tied events are removed from the risk set in equal fractions.
    Efron,
}

/// Value and gradient (with respect to η) of the event-averaged negative partial log-likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct CoxLoss {
    pub value: f64,
    pub gradient: Vec<f64>,
    pub n_events: usize,
}

/// Distinct times in ascending order with the rows at each, after validating the inputs.
struct Groups {
    /// Rows sorted by ascending time.
    order: Vec<usize>,
    /// Start offsets into `order` of each distinct time, plus `n` at the end.
    starts: Vec<usize>,
}

fn group_times(time: &[f64], event: &[bool], eta: &[f64]) -> Result<Groups> {
    let n = time.len();
    check_nonempty("time", n)?;
    check_len("event", event.len(), n)?;
    check_len("eta", eta.len(), n)?;
    check_finite("time", time)?;
    check_finite("eta", eta)?;
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| time[a].total_cmp(&time[b]));
    let mut starts = vec![0];
    for k in 1..n {
        if time[order[k]] != time[order[k - 1]] {
            starts.push(k);
        }
    }
    starts.push(n);
    Ok(Groups { order, starts })
}

/// Event-averaged negative Cox partial log-likelihood of the log-risks `eta` and its gradient.
pub fn cox_nll(time: &[f64], event: &[bool], eta: &[f64], ties: Ties) -> Result<CoxLoss> {
    let g = group_times(time, event, eta)?;
    let n = time.len();
    let n_events = event.iter().filter(|&&e| e).count();
    if n_events == 0 {
        return Ok(CoxLoss {
            value: 0.0,
            gradient: vec![0.0; n],
            n_events,
        });
    }
    let m = eta.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let w: Vec<f64> = eta.iter().map(|&x| (x - m).exp()).collect();
    let n_groups = g.starts.len() - 1;
    // Risk-set sums S_R per distinct time (shifted by e^{-m}), from the last time backwards.
    let mut s_r = vec![0.0; n_groups];
    let mut acc = 0.0;
    for t in (0..n_groups).rev() {
        for &i in &g.order[g.starts[t]..g.starts[t + 1]] {
            acc += w[i];
        }
        s_r[t] = acc;
    }
    let mut loglik = 0.0;
    // Per time: A_t (multiplies e^{η_k} for everyone at risk) and B_t (taken back for the
    // tied events under Efron).
    let mut a = vec![0.0; n_groups];
    let mut b = vec![0.0; n_groups];
    for t in 0..n_groups {
        let rows = &g.order[g.starts[t]..g.starts[t + 1]];
        let d = rows.iter().filter(|&&i| event[i]).count();
        if d == 0 {
            continue;
        }
        let sum_eta: f64 = rows.iter().filter(|&&i| event[i]).map(|&i| eta[i]).sum();
        loglik += sum_eta;
        match ties {
            Ties::Breslow => {
                loglik -= d as f64 * (s_r[t].ln() + m);
                a[t] = d as f64 / s_r[t];
            }
            Ties::Efron => {
                let s_d: f64 = rows.iter().filter(|&&i| event[i]).map(|&i| w[i]).sum();
                for l in 0..d {
                    let f = l as f64 / d as f64;
                    let den = s_r[t] - f * s_d;
                    loglik -= den.ln() + m;
                    a[t] += 1.0 / den;
                    b[t] += f / den;
                }
            }
        }
    }
    let e = n_events as f64;
    let mut gradient = vec![0.0; n];
    let mut cum_a = 0.0;
    for t in 0..n_groups {
        cum_a += a[t];
        for &k in &g.order[g.starts[t]..g.starts[t + 1]] {
            let own = if event[k] { b[t] } else { 0.0 };
            gradient[k] = (w[k] * (cum_a - own) - f64::from(u8::from(event[k]))) / e;
        }
    }
    Ok(CoxLoss {
        value: -loglik / e,
        gradient,
        n_events,
    })
}

/// Quadratic (IRLS) approximation of the Breslow partial likelihood at η, as used by coxnet.
///
/// With ℓ the Breslow log-likelihood and `scale` a positive factor (coxnet uses 1/n):
/// - `residuals[k] = scale · ∂ℓ/∂η_k = scale · (δ_k − e^{η_k} Σ_{t ≤ T_k} d_t / S_R(t))`;
/// - `weights[k] = scale · e^{η_k} ( Σ_{t ≤ T_k} d_t / S_R(t) − e^{η_k} Σ_{t ≤ T_k} d_t / S_R(t)² )`,
///   the diagonal of −∂²ℓ/∂η² (Simon et al. 2011, section 2.2);
/// - `log_likelihood = ℓ(η)` (not scaled).
#[derive(Debug, Clone, PartialEq)]
pub struct WorkingResponse {
    pub weights: Vec<f64>,
    pub residuals: Vec<f64>,
    pub log_likelihood: f64,
}

/// The IRLS working weights and residuals of the Breslow partial likelihood (see
/// [`WorkingResponse`]).
pub fn breslow_working_response(
    time: &[f64],
    event: &[bool],
    eta: &[f64],
    scale: f64,
) -> Result<WorkingResponse> {
    if !(scale > 0.0 && scale.is_finite()) {
        return Err(StatsError::InvalidParameter(format!(
            "scale {scale} must be positive and finite"
        )));
    }
    let g = group_times(time, event, eta)?;
    let n = time.len();
    let n_groups = g.starts.len() - 1;
    // No max shift here: exp(η) appears unnormalised in the weights (η stays small on a
    // coxnet path; overflow is reported).
    let w: Vec<f64> = eta.iter().map(|&x| x.exp()).collect();
    if let Some(index) = w.iter().position(|x| !x.is_finite()) {
        return Err(StatsError::InvalidParameter(format!(
            "exp(eta) overflows at index {index} (eta = {}); the penalty is too small",
            eta[index]
        )));
    }
    let mut s_r = vec![0.0; n_groups];
    let mut acc = 0.0;
    for t in (0..n_groups).rev() {
        for &i in &g.order[g.starts[t]..g.starts[t + 1]] {
            acc += w[i];
        }
        s_r[t] = acc;
    }
    let mut weights = vec![0.0; n];
    let mut residuals = vec![0.0; n];
    let (mut c1, mut c2, mut loglik) = (0.0, 0.0, 0.0);
    for t in 0..n_groups {
        let rows = &g.order[g.starts[t]..g.starts[t + 1]];
        let d = rows.iter().filter(|&&i| event[i]).count() as f64;
        if d > 0.0 {
            c1 += d / s_r[t];
            c2 += d / (s_r[t] * s_r[t]);
            loglik += rows
                .iter()
                .filter(|&&i| event[i])
                .map(|&i| eta[i])
                .sum::<f64>()
                - d * s_r[t].ln();
        }
        for &k in rows {
            weights[k] = scale * w[k] * (c1 - w[k] * c2);
            residuals[k] = scale * (f64::from(u8::from(event[k])) - w[k] * c1);
        }
    }
    Ok(WorkingResponse {
        weights,
        residuals,
        log_likelihood: loglik,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_grad(t: &[f64], e: &[bool], eta: &[f64], ties: Ties) -> Vec<f64> {
        (0..eta.len())
            .map(|k| {
                let h = 1e-6;
                let mut p = eta.to_vec();
                p[k] += h;
                let up = cox_nll(t, e, &p, ties).unwrap().value;
                p[k] -= 2.0 * h;
                let dn = cox_nll(t, e, &p, ties).unwrap().value;
                (up - dn) / (2.0 * h)
            })
            .collect()
    }

    #[test]
    fn gradient_matches_finite_differences_with_ties() {
        let t = [1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 5.0];
        let e = [true, true, true, false, true, false, true, false];
        let eta = [0.3, -0.2, 0.5, 1.1, -0.7, 0.05, 0.4, -1.3];
        for ties in [Ties::Breslow, Ties::Efron] {
            let got = cox_nll(&t, &e, &eta, ties).unwrap().gradient;
            let want = numeric_grad(&t, &e, &eta, ties);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-8, "{ties:?}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn no_ties_breslow_equals_efron_and_shift_invariance() {
        let t = [5.0, 1.0, 4.0, 2.0, 3.0];
        let e = [true, true, false, true, true];
        let eta = [0.1, 0.2, -0.3, 0.9, -0.5];
        let b = cox_nll(&t, &e, &eta, Ties::Breslow).unwrap();
        let f = cox_nll(&t, &e, &eta, Ties::Efron).unwrap();
        assert!((b.value - f.value).abs() < 1e-14);
        let shifted: Vec<f64> = eta.iter().map(|x| x + 700.0).collect();
        let s = cox_nll(&t, &e, &shifted, Ties::Breslow).unwrap();
        assert!((s.value - b.value).abs() < 1e-10);
    }

    #[test]
    fn no_events_gives_zero() {
        let l = cox_nll(&[1.0, 2.0], &[false, false], &[0.5, 0.1], Ties::Efron).unwrap();
        assert_eq!(l.value, 0.0);
        assert_eq!(l.gradient, vec![0.0, 0.0]);
    }

    #[test]
    fn working_response_is_scaled_gradient_and_hessian_diagonal() {
        let t = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0];
        let e = [true, true, false, true, false, true];
        let eta = [0.2, -0.1, 0.4, 0.0, 0.3, -0.6];
        let n_ev = 4.0;
        let wr = breslow_working_response(&t, &e, &eta, 1.0).unwrap();
        let loss = cox_nll(&t, &e, &eta, Ties::Breslow).unwrap();
        assert!((wr.log_likelihood + loss.value * n_ev).abs() < 1e-12);
        for k in 0..6 {
            assert!((wr.residuals[k] + loss.gradient[k] * n_ev).abs() < 1e-12);
            // diagonal Hessian by finite differences of the gradient
            let h = 1e-5;
            let mut p = eta.to_vec();
            p[k] += h;
            let up = cox_nll(&t, &e, &p, Ties::Breslow).unwrap().gradient[k];
            p[k] -= 2.0 * h;
            let dn = cox_nll(&t, &e, &p, Ties::Breslow).unwrap().gradient[k];
            let hess = (up - dn) / (2.0 * h) * n_ev;
            assert!(
                (wr.weights[k] - hess).abs() < 1e-7,
                "{k}: {} vs {hess}",
                wr.weights[k]
            );
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(cox_nll(&[], &[], &[], Ties::Breslow).is_err());
        assert!(cox_nll(&[1.0], &[true, false], &[0.0], Ties::Breslow).is_err());
        assert!(cox_nll(&[1.0, 2.0], &[true, false], &[f64::NAN, 0.0], Ties::Breslow).is_err());
    }
}
