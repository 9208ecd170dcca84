//! Splits (no patient on both sides, stratification, determinism), selection filters and the
//! bootstrap.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeSet;

use stats::Matrix;
use stats::bootstrap::{BootstrapConfig, bootstrap_ci, bootstrap_ci_grouped, percentile_sorted};
use stats::lasso::LassoCvConfig;
use stats::roc::roc_auc;
use stats::selection::{correlation_filter, lasso_select, mann_whitney_filter};
use stats::splits::{
    Fold, group_kfold, kfold, stratified_group_kfold, stratified_kfold, train_val_test_by_patient,
};

/// A cohort of 53 patients with 1..=4 ROIs each; a patient's label is constant.
fn cohort() -> (Vec<String>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut groups, mut labels) = (Vec::new(), Vec::new());
    for p in 0..53 {
        let label = if p % 3 == 0 { 1 } else { 0 };
        for _ in 0..rng.random_range(1..=4) {
            groups.push(format!("TCGA-{p:03}"));
            labels.push(label);
        }
    }
    (groups, labels)
}

fn patients(groups: &[String], rows: &[usize]) -> BTreeSet<String> {
    rows.iter().map(|&i| groups[i].clone()).collect()
}

fn assert_partition(folds: &[Fold], n: usize) {
    let mut seen = vec![0; n];
    for f in folds {
        for &i in &f.test {
            seen[i] += 1;
        }
        let mut all: Vec<usize> = f.train.iter().chain(&f.test).copied().collect();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..n).collect::<Vec<_>>(),
            "train + test must cover every row once"
        );
    }
    assert!(
        seen.iter().all(|&s| s == 1),
        "every row is held out exactly once"
    );
}

fn assert_no_leak(groups: &[String], folds: &[Fold]) {
    for (k, f) in folds.iter().enumerate() {
        let (a, b) = (patients(groups, &f.train), patients(groups, &f.test));
        assert!(
            a.is_disjoint(&b),
            "fold {k}: patients on both sides: {:?}",
            a.intersection(&b).collect::<Vec<_>>()
        );
    }
}

#[test]
fn kfold_is_sklearn_kfold() {
    let f = kfold(10, 3).unwrap();
    assert_eq!(f[0].test, vec![0, 1, 2, 3]);
    assert_eq!(f[1].test, vec![4, 5, 6]);
    assert_eq!(f[2].test, vec![7, 8, 9]);
    assert_partition(&f, 10);
    assert!(kfold(2, 3).is_err());
}

#[test]
fn group_kfold_never_splits_a_patient() {
    let (g, _) = cohort();
    let folds = group_kfold(&g, 5).unwrap();
    assert_partition(&folds, g.len());
    assert_no_leak(&g, &folds);
    let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
    assert!(
        sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 4,
        "{sizes:?}"
    );
    assert!(group_kfold(&g[..3], 5).is_err());
}

#[test]
fn stratified_group_kfold_never_splits_a_patient_and_balances_classes() {
    let (g, l) = cohort();
    let folds = stratified_group_kfold(&l, &g, 5, 42).unwrap();
    assert_partition(&folds, g.len());
    assert_no_leak(&g, &folds);
    let overall = l.iter().filter(|&&x| x == 1).count() as f64 / l.len() as f64;
    for f in &folds {
        let frac = f.test.iter().filter(|&&i| l[i] == 1).count() as f64 / f.test.len() as f64;
        assert!(
            (frac - overall).abs() < 0.15,
            "fold positive fraction {frac} vs {overall}"
        );
    }
    assert_eq!(
        folds,
        stratified_group_kfold(&l, &g, 5, 42).unwrap(),
        "same seed, same folds"
    );
}

#[test]
fn stratified_kfold_balances_classes() {
    let labels: Vec<usize> = (0..100).map(|i| usize::from(i % 4 == 0)).collect();
    let folds = stratified_kfold(&labels, 5, 3).unwrap();
    assert_partition(&folds, 100);
    for f in &folds {
        assert_eq!(f.test.len(), 20);
        assert_eq!(f.test.iter().filter(|&&i| labels[i] == 1).count(), 5);
    }
    assert_eq!(folds, stratified_kfold(&labels, 5, 3).unwrap());
    assert_ne!(folds, stratified_kfold(&labels, 5, 4).unwrap());
}

#[test]
fn train_val_test_is_by_patient_and_seeded() {
    let (g, l) = cohort();
    for labels in [None, Some(l.as_slice())] {
        let s = train_val_test_by_patient(&g, (0.7, 0.1, 0.2), labels, 11).unwrap();
        let (a, b, c) = (
            patients(&g, &s.train),
            patients(&g, &s.val),
            patients(&g, &s.test),
        );
        assert!(
            a.is_disjoint(&b) && a.is_disjoint(&c) && b.is_disjoint(&c),
            "a patient on two sides"
        );
        assert_eq!(s.train.len() + s.val.len() + s.test.len(), g.len());
        assert_eq!(a.len() + b.len() + c.len(), 53);
        assert!((9..=12).contains(&c.len()), "test patients {}", c.len());
        assert!((4..=7).contains(&b.len()), "val patients {}", b.len());
        assert_eq!(
            s,
            train_val_test_by_patient(&g, (0.7, 0.1, 0.2), labels, 11).unwrap()
        );
        assert_ne!(
            s,
            train_val_test_by_patient(&g, (0.7, 0.1, 0.2), labels, 12).unwrap()
        );
    }
    assert!(train_val_test_by_patient(&g, (0.7, 0.2, 0.2), None, 1).is_err());
}

#[test]
fn bootstrap_is_seeded_and_covers_the_estimate() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let y: Vec<bool> = (0..200).map(|i| i % 2 == 0).collect();
    let s: Vec<f64> = y
        .iter()
        .map(|&b| f64::from(u8::from(b)) * 0.5 + rng.random::<f64>())
        .collect();
    let auc = |idx: &[usize]| {
        let yy: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
        let ss: Vec<f64> = idx.iter().map(|&i| s[i]).collect();
        roc_auc(&yy, &ss)
    };
    let cfg = BootstrapConfig {
        n_resamples: 300,
        confidence: 0.95,
        seed: 5,
    };
    let ci = bootstrap_ci(y.len(), cfg, auc).unwrap();
    assert_eq!(ci.estimate, roc_auc(&y, &s).unwrap());
    assert!(ci.lower < ci.estimate && ci.estimate < ci.upper, "{ci:?}");
    assert!(
        ci.upper - ci.lower < 0.2 && ci.upper - ci.lower > 0.02,
        "{ci:?}"
    );
    assert_eq!(ci.n_valid + ci.n_failed, 300);
    assert_eq!(
        ci,
        bootstrap_ci(y.len(), cfg, auc).unwrap(),
        "same seed, same interval"
    );
    assert_ne!(
        ci,
        bootstrap_ci(y.len(), BootstrapConfig { seed: 6, ..cfg }, auc).unwrap()
    );
    // grouped: pairs of rows form a patient
    let groups: Vec<usize> = (0..200).map(|i| i / 2).collect();
    let gci = bootstrap_ci_grouped(&groups, cfg, auc).unwrap();
    assert!(gci.lower < gci.estimate && gci.estimate < gci.upper);
    // failed resamples (a single class drawn) are counted, not fatal
    let tiny_y = [true, false, false];
    let tiny_s = [0.1, 0.2, 0.3];
    let tiny = |idx: &[usize]| {
        roc_auc(
            &idx.iter().map(|&i| tiny_y[i]).collect::<Vec<_>>(),
            &idx.iter().map(|&i| tiny_s[i]).collect::<Vec<_>>(),
        )
    };
    let t = bootstrap_ci(
        3,
        BootstrapConfig {
            n_resamples: 100,
            ..cfg
        },
        tiny,
    )
    .unwrap();
    assert!(t.n_failed > 0 && t.n_valid > 0);
}

#[test]
fn percentile_is_numpy_linear() {
    // numpy.percentile([1, 2, 3, 4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
    let v = [1.0, 2.0, 3.0, 4.0];
    assert!((percentile_sorted(&v, 0.025) - 1.075).abs() < 1e-12);
    assert!((percentile_sorted(&v, 0.5) - 2.5).abs() < 1e-12);
    assert!((percentile_sorted(&v, 0.975) - 3.925).abs() < 1e-12);
}

#[test]
fn selection_filters_keep_the_informative_features() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let n = 120;
    let y: Vec<bool> = (0..n).map(|i| i % 2 == 0).collect();
    // f0 informative, f1 = f0 + tiny noise (redundant), f2 noise, f3 informative (weaker), f4 constant
    let mut rows = Vec::new();
    for &yi in &y {
        let s = if yi { 1.0 } else { 0.0 };
        let f0 = s + rng.random::<f64>();
        let f1 = f0 + 0.01 * rng.random::<f64>();
        let f2 = rng.random::<f64>();
        let f3 = 0.5 * s + rng.random::<f64>();
        rows.push(vec![f0, f1, f2, f3, 1.0]);
    }
    let x = Matrix::from_rows(&rows).unwrap();
    let mw = mann_whitney_filter(&x, &y, 0.05).unwrap();
    assert!(
        mw.contains(&0) && mw.contains(&1) && mw.contains(&3) && !mw.contains(&4),
        "{mw:?}"
    );
    let cf = correlation_filter(&x, &mw, 0.9, 1).unwrap();
    assert_eq!(
        cf.iter().filter(|&&j| j == 0 || j == 1).count(),
        1,
        "exactly one of the pair: {cf:?}"
    );
    assert!(cf.contains(&3));
    // seeded: different seeds drop different members of the pair at least once
    let kept: BTreeSet<Vec<usize>> = (0..20)
        .map(|s| correlation_filter(&x, &mw, 0.9, s).unwrap())
        .collect();
    assert!(kept.len() == 2, "{kept:?}");
    let yf: Vec<f64> = y.iter().map(|&b| f64::from(u8::from(b))).collect();
    let sel = lasso_select(
        &x,
        &yf,
        &cf,
        LassoCvConfig {
            n_folds: 10,
            ..LassoCvConfig::default()
        },
    )
    .unwrap();
    assert!(
        !sel.is_empty() && sel.iter().all(|j| cf.contains(j)),
        "{sel:?}"
    );
    assert!(sel.contains(&3));
}
