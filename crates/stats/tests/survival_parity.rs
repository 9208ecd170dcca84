//! Survival statistics vs lifelines and scikit-survival (fixtures/survival.json).

mod common;
use common::*;

use stats::StatsError;
use stats::concordance::{UnoConfig, harrell_c, uno_c};
use stats::kaplan_meier::KaplanMeier;
use stats::logrank::{logrank_test, median_split_logrank};

const TOL: f64 = 1e-12;
const P_TOL: f64 = 1e-9;

/// O(n²) Harrell's C straight from the definition, to cross-check the tree version.
fn harrell_naive(t: &[f64], e: &[bool], r: &[f64]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..t.len() {
        if !e[i] {
            continue;
        }
        for j in 0..t.len() {
            if t[j] > t[i] || (t[j] == t[i] && !e[j]) {
                den += 1.0;
                if r[i] > r[j] {
                    num += 1.0;
                } else if r[i] == r[j] {
                    num += 0.5;
                }
            }
        }
    }
    num / den
}

#[test]
fn survival_statistics_match_lifelines_and_sksurv() {
    let fx = load("survival.json");
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    let (mut n_h, mut n_u, mut n_ut, mut n_km, mut n_lr) = (0, 0, 0, 0, 0);
    for (ci, c) in cases.iter().enumerate() {
        let (t, e, r) = (f64s(&c["time"]), bools(&c["event"]), f64s(&c["risk"]));
        let what = |m: &str| format!("survival case {ci} (n={}) {m}", t.len());
        match c["harrell"].as_f64() {
            Some(want) => {
                let got = harrell_c(&t, &e, &r).unwrap();
                close(got.c_index, want, TOL, &what("harrell"));
                close(
                    got.c_index,
                    harrell_naive(&t, &e, &r),
                    TOL,
                    &what("harrell vs naive"),
                );
                n_h += 1;
            }
            None => assert!(
                harrell_c(&t, &e, &r).is_err(),
                "{}",
                what("harrell must fail")
            ),
        }
        if let Some(want) = c["uno"].as_f64() {
            let got = uno_c(&t, &e, &t, &e, &r, UnoConfig::default()).unwrap();
            close(got, want, TOL, &what("uno"));
            n_u += 1;
        }
        if let Some(want) = c["uno_tau_value"].as_f64() {
            let cfg = UnoConfig {
                tau: Some(num(&c["uno_tau"])),
                ..UnoConfig::default()
            };
            close(
                uno_c(&t, &e, &t, &e, &r, cfg).unwrap(),
                want,
                TOL,
                &what("uno tau"),
            );
            n_ut += 1;
        }
        if let Some(times) = c.get("km_times") {
            let km = KaplanMeier::fit(&t, &e).unwrap();
            close_all(&km.times, &f64s(times), 0.0, &what("km times"));
            close_all(
                &km.survival,
                &f64s(&c["km_survival"]),
                TOL,
                &what("km survival"),
            );
            n_km += 1;
        }
        if let Some(want_p) = c["logrank_p"].as_f64() {
            let lr = median_split_logrank(&t, &e, &r).unwrap();
            let want_s = num(&c["logrank_stat"]);
            close(
                lr.statistic,
                want_s,
                1e-9 * want_s.abs().max(1.0),
                &what("logrank statistic"),
            );
            close(lr.p_value, want_p, P_TOL, &what("logrank p"));
            n_lr += 1;
        }
    }
    assert!(
        n_h >= 50 && n_u >= 40 && n_ut >= 30 && n_km >= 30 && n_lr >= 40,
        "{n_h} {n_u} {n_ut} {n_km} {n_lr}"
    );
}

#[test]
fn uno_with_separate_training_set_matches_sksurv() {
    let fx = load("survival.json");
    let cases = fx["uno_train_test"].as_array().unwrap();
    assert!(!cases.is_empty());
    for (ci, c) in cases.iter().enumerate() {
        let got = uno_c(
            &f64s(&c["train_time"]),
            &bools(&c["train_event"]),
            &f64s(&c["time"]),
            &bools(&c["event"]),
            &f64s(&c["risk"]),
            UnoConfig::default(),
        )
        .unwrap();
        close(
            got,
            num(&c["uno"]),
            TOL,
            &format!("uno train/test case {ci}"),
        );
    }
}

#[test]
fn harrell_hand_example() {
    // t: 1(d) 2(d) 2(c) 3(c); risks 4 3 3 1.
    // pairs: (0,1) conc, (0,2) conc, (0,3) conc, (1,2) tied time, death vs censored -> tied risk 0.5,
    // (1,3) conc. => (4 + 0.5) / 5
    let c = harrell_c(
        &[1.0, 2.0, 2.0, 3.0],
        &[true, true, false, false],
        &[4.0, 3.0, 3.0, 1.0],
    )
    .unwrap();
    assert_eq!((c.concordant, c.tied_risk, c.comparable), (4, 1, 5));
    assert_eq!(c.c_index, 0.9);
}

#[test]
fn undefined_c_index_is_a_typed_error() {
    assert_eq!(
        harrell_c(&[1.0, 2.0], &[false, false], &[0.1, 0.2]),
        Err(StatsError::NoEvents)
    );
    // two deaths at the same time: no comparable pair
    assert_eq!(
        harrell_c(&[1.0, 1.0], &[true, true], &[0.1, 0.2]),
        Err(StatsError::NoComparablePairs)
    );
    assert!(matches!(
        harrell_c(&[1.0, 2.0], &[true, false], &[f64::NAN, 0.2]),
        Err(StatsError::NonFinite { .. })
    ));
    assert!(matches!(
        harrell_c(&[1.0, f64::INFINITY], &[true, false], &[0.1, 0.2]),
        Err(StatsError::NonFinite { .. })
    ));
    assert!(logrank_test(&[1.0], &[false], &[2.0], &[false]).is_err());
}
