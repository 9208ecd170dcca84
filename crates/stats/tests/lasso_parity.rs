//! LassoCV vs scikit-learn (fixtures/lasso.json): alphas and MSE path to 1e-9 relative,
//! the chosen alpha exactly (same grid point), coefficients to 1e-6.

mod common;
use common::*;

use stats::Matrix;
use stats::lasso::LassoCvConfig;

#[test]
fn lasso_cv_matches_sklearn() {
    let fx = load("lasso.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for (ci, c) in cases.iter().enumerate() {
        let (n, p) = (num(&c["n"]) as usize, num(&c["p"]) as usize);
        let x = Matrix::new(n, p, f64s(&c["x"])).unwrap();
        let y = f64s(&c["y"]);
        let cfg = LassoCvConfig {
            n_folds: num(&c["cv"]) as usize,
            ..LassoCvConfig::default()
        };
        let fit = cfg.fit(&x, &y).unwrap();
        let what = |m: &str| format!("lasso case {ci} (n={n}, p={p}) {m}");
        let alphas = f64s(&c["alphas"]);
        for (a, (g, w)) in fit.alphas.iter().zip(&alphas).enumerate() {
            close(*g, *w, 1e-12 * w.abs(), &what(&format!("alpha[{a}]")));
        }
        let mse = f64s(&c["mse_path"]);
        let folds = cfg.n_folds;
        for a in 0..alphas.len() {
            for f in 0..folds {
                let want = mse[a * folds + f];
                close(
                    fit.mse_path[a][f],
                    want,
                    1e-6 * want.abs().max(1e-3),
                    &what(&format!("mse[{a}][{f}]")),
                );
            }
        }
        close(
            fit.alpha,
            num(&c["alpha"]),
            1e-12 * num(&c["alpha"]),
            &what("chosen alpha"),
        );
        close_all(&fit.model.coef, &f64s(&c["coef"]), 1e-6, &what("coef"));
        close(
            fit.model.intercept,
            num(&c["intercept"]),
            1e-6,
            &what("intercept"),
        );
    }
}
