//! Mann-Whitney U and Pearson r vs SciPy (fixtures/tests.json): statistics to 1e-12,
//! p-values to 1e-9.

mod common;
use common::*;

use stats::mann_whitney::{MwuMethod, mann_whitney_u};
use stats::pearson::pearson;

#[test]
fn mann_whitney_matches_scipy() {
    let fx = load("tests.json");
    let cases = fx["mann_whitney"].as_array().unwrap();
    let mut exact = 0;
    for (ci, c) in cases.iter().enumerate() {
        let r = mann_whitney_u(&f64s(&c["x"]), &f64s(&c["y"])).unwrap();
        let what = format!("mwu case {ci}");
        close(r.u1, num(&c["u1"]), 1e-12, &what);
        close(r.p_value, num(&c["p"]), 1e-9, &what);
        let want = if c["method"] == "exact" {
            MwuMethod::Exact
        } else {
            MwuMethod::Asymptotic
        };
        assert_eq!(r.method, want, "{what}");
        exact += usize::from(want == MwuMethod::Exact);
    }
    assert!(exact >= 8 && cases.len() - exact >= 8);
}

#[test]
fn pearson_matches_scipy() {
    let fx = load("tests.json");
    for (ci, c) in fx["pearson"].as_array().unwrap().iter().enumerate() {
        let r = pearson(&f64s(&c["x"]), &f64s(&c["y"])).unwrap();
        close(r.r, num(&c["r"]), 1e-12, &format!("pearson case {ci} r"));
        close(
            r.p_value,
            num(&c["p"]),
            1e-9,
            &format!("pearson case {ci} p"),
        );
    }
}

#[test]
fn constant_input_is_an_error() {
    assert!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_err());
    assert!(mann_whitney_u(&[1.0, 1.0, 1.0], &[1.0, 1.0, 1.0]).is_err());
    assert!(mann_whitney_u(&[f64::NAN], &[1.0]).is_err());
}

#[test]
fn exact_test_with_a_large_second_sample_is_fast_and_near_the_normal_approximation() {
    // 6 vs 20,000 distinct values: SciPy's rule picks the exact test (min size <= 8, no ties).
    let x: Vec<f64> = (0..6).map(|i| 0.000_37 + 3.3 * i as f64 + 0.5).collect();
    let y: Vec<f64> = (0..20_000).map(|i| i as f64 * 0.001).collect();
    let start = std::time::Instant::now();
    let r = mann_whitney_u(&x, &y).unwrap();
    assert!(start.elapsed().as_secs_f64() < 5.0);
    assert_eq!(r.method, MwuMethod::Exact);
    let (n1, n2) = (6.0, 20_000.0);
    let u = r.u1.max(n1 * n2 - r.u1);
    let z = (u - n1 * n2 / 2.0 - 0.5) / (n1 * n2 * (n1 + n2 + 1.0) / 12.0).sqrt();
    let normal = 2.0 * stats::special::norm_sf(z);
    assert!(
        (r.p_value - normal).abs() < 0.02,
        "exact {} vs normal {normal}",
        r.p_value
    );
}
