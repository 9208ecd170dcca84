//! Cox partial likelihood vs lifelines / scikit-survival (fixtures/cox.json) and the coxnet path
//! vs scikit-survival `CoxnetSurvivalAnalysis` (fixtures/coxnet.json).

#![allow(clippy::needless_range_loop)]

mod common;
use common::*;

use stats::Matrix;
use stats::cox::{Ties, cox_nll};
use stats::coxnet::CoxnetConfig;

#[test]
fn cox_loss_and_gradient_match_lifelines_and_sksurv() {
    let fx = load("cox.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 15);
    let mut worst = 0.0f64;
    for (ci, c) in cases.iter().enumerate() {
        let (t, e, eta) = (f64s(&c["time"]), bools(&c["event"]), f64s(&c["eta"]));
        for (ties, key) in [(Ties::Breslow, "breslow"), (Ties::Efron, "efron")] {
            let got = cox_nll(&t, &e, &eta, ties).unwrap();
            let want = num(&c[format!("loss_{key}").as_str()]);
            let what = format!("cox case {ci} (n={}) {key}", t.len());
            close(got.value, want, 1e-10 * want.abs().max(1.0), &what);
            close_all(
                &got.gradient,
                &f64s(&c[format!("grad_{key}").as_str()]),
                1e-10,
                &what,
            );
            assert_eq!(got.n_events, c["n_events"].as_u64().unwrap() as usize);
            worst = worst.max((got.value - want).abs());
        }
    }
    eprintln!(
        "cox loss: worst |diff| {worst:.3e} over {} cases",
        cases.len()
    );
}

#[test]
fn coxnet_path_matches_sksurv() {
    let fx = load("coxnet.json");
    let cases = fx["cases"].as_array().unwrap();
    let mut worst = 0.0f64;
    for (ci, c) in cases.iter().enumerate() {
        let (n, p) = (
            c["n"].as_u64().unwrap() as usize,
            c["p"].as_u64().unwrap() as usize,
        );
        let x = Matrix::new(n, p, f64s(&c["x"])).unwrap();
        let (t, e) = (f64s(&c["time"]), bools(&c["event"]));
        let cfg = CoxnetConfig {
            l1_ratio: num(&c["l1_ratio"]),
            n_alphas: c["n_alphas"].as_u64().unwrap() as usize,
            alpha_min_ratio: c["alpha_min_ratio"].as_f64(),
            standardize: c["standardize"].as_bool().unwrap(),
            tol: 1e-14,
            max_iter: 10_000_000,
            ..Default::default()
        };
        let fit = cfg.fit(&x, &t, &e).unwrap();
        assert!(fit.converged, "case {ci}");
        let what = format!("coxnet case {ci} (n={n}, p={p}, l1_ratio={})", cfg.l1_ratio);
        close(
            fit.alpha_min_ratio,
            num(&c["alpha_min_ratio_used"]),
            0.0,
            &what,
        );
        let want_alphas = f64s(&c["alphas"]);
        assert_eq!(fit.alphas.len(), want_alphas.len(), "{what}: path length");
        let want_coef = c["coef"].as_array().unwrap();
        let want_dev = f64s(&c["deviance_ratio"]);
        for k in 0..want_alphas.len() {
            close(
                fit.alphas[k],
                want_alphas[k],
                1e-12 * want_alphas[k],
                &format!("{what} alpha[{k}]"),
            );
            close(
                fit.deviance_ratio[k],
                want_dev[k],
                1e-8,
                &format!("{what} dev ratio[{k}]"),
            );
            let wc = f64s(&want_coef[k]);
            for j in 0..p {
                worst = worst.max((fit.coefs[k][j] - wc[j]).abs());
            }
            close_all(&fit.coefs[k], &wc, 1e-9, &format!("{what} coef[{k}]"));
            // Same sparsity pattern.
            for j in 0..p {
                assert_eq!(
                    fit.coefs[k][j] == 0.0,
                    wc[j] == 0.0,
                    "{what} support[{k}][{j}]"
                );
            }
        }
    }
    eprintln!("coxnet: worst |coef diff| {worst:.3e}");
}
