//! Classification metrics vs scikit-learn (fixtures/classification.json), to 1e-12.

mod common;
use common::*;

use stats::average_precision::{
    average_precision, average_precision_multiclass, precision_recall_curve,
};
use stats::confusion::{
    accuracy, confusion_matrix, precision_recall_f1_binary, precision_recall_f1_macro,
};
use stats::kappa::{KappaWeights, cohen_kappa};
use stats::roc::{roc_auc, roc_auc_ovr, roc_curve};
use stats::{Average, StatsError};

const TOL: f64 = 1e-12;

#[test]
fn binary_metrics_match_sklearn() {
    let fx = load("classification.json");
    let cases = fx["binary"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for (ci, c) in cases.iter().enumerate() {
        let what = |m: &str| {
            format!(
                "binary case {ci} (n={}) {m}",
                c["label"].as_array().unwrap().len()
            )
        };
        let y: Vec<bool> = f64s(&c["label"]).iter().map(|&v| v == 1.0).collect();
        let s = f64s(&c["score"]);
        close(roc_auc(&y, &s).unwrap(), num(&c["auc"]), TOL, &what("auc"));
        close(
            average_precision(&y, &s).unwrap(),
            num(&c["ap"]),
            TOL,
            &what("ap"),
        );
        if c.get("roc_fpr").is_some() {
            let roc = roc_curve(&y, &s).unwrap();
            close_all(&roc.fpr, &f64s(&c["roc_fpr"]), TOL, &what("fpr"));
            close_all(&roc.tpr, &f64s(&c["roc_tpr"]), TOL, &what("tpr"));
            assert!(roc.thresholds[0].is_infinite());
            close_all(
                &roc.thresholds[1..],
                &f64s(&c["roc_thresholds_after_inf"]),
                0.0,
                &what("thr"),
            );
            let pr = precision_recall_curve(&y, &s).unwrap();
            close_all(
                &pr.precision,
                &f64s(&c["pr_precision"]),
                TOL,
                &what("precision curve"),
            );
            close_all(
                &pr.recall,
                &f64s(&c["pr_recall"]),
                TOL,
                &what("recall curve"),
            );
            close_all(
                &pr.thresholds,
                &f64s(&c["pr_thresholds"]),
                0.0,
                &what("pr thresholds"),
            );
        }
        let yt: Vec<usize> = y.iter().map(|&b| b as usize).collect();
        let yp: Vec<usize> = s.iter().map(|&v| (v >= 0.5) as usize).collect();
        close(
            accuracy(&yt, &yp).unwrap(),
            num(&c["accuracy"]),
            TOL,
            &what("accuracy"),
        );
        close(
            cohen_kappa(&yt, &yp, KappaWeights::Unweighted).unwrap(),
            num(&c["kappa"]),
            TOL,
            &what("kappa"),
        );
        close(
            cohen_kappa(&yt, &yp, KappaWeights::Linear).unwrap(),
            num(&c["kappa_linear"]),
            TOL,
            &what("kappa_linear"),
        );
        close(
            cohen_kappa(&yt, &yp, KappaWeights::Quadratic).unwrap(),
            num(&c["kappa_quadratic"]),
            TOL,
            &what("kappa_quadratic"),
        );
        let prf = precision_recall_f1_binary(&yt, &yp, 1).unwrap();
        close(prf.precision, num(&c["precision"]), TOL, &what("precision"));
        close(prf.recall, num(&c["recall"]), TOL, &what("recall"));
        close(prf.f1, num(&c["f1"]), TOL, &what("f1"));
    }
}

#[test]
fn multiclass_metrics_match_sklearn() {
    let fx = load("classification.json");
    let cases = fx["multiclass"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for (ci, c) in cases.iter().enumerate() {
        let what = |m: &str| format!("multiclass case {ci} {m}");
        let y = usizes(&c["label"]);
        let k = num(&c["n_classes"]) as usize;
        let flat = f64s(&c["probs"]);
        let p: Vec<Vec<f64>> = flat.chunks(k).map(|r| r.to_vec()).collect();
        let pred = usizes(&c["pred"]);
        close(
            roc_auc_ovr(&y, &p, Average::Macro).unwrap(),
            num(&c["auc_macro"]),
            TOL,
            &what("auc_macro"),
        );
        close(
            roc_auc_ovr(&y, &p, Average::Micro).unwrap(),
            num(&c["auc_micro"]),
            TOL,
            &what("auc_micro"),
        );
        close(
            average_precision_multiclass(&y, &p, Average::Macro).unwrap(),
            num(&c["ap_macro"]),
            TOL,
            &what("ap_macro"),
        );
        close(
            average_precision_multiclass(&y, &p, Average::Micro).unwrap(),
            num(&c["ap_micro"]),
            TOL,
            &what("ap_micro"),
        );
        // argmax with the first maximum, as numpy
        let am: Vec<usize> = p
            .iter()
            .map(|r| (0..k).fold(0, |b, j| if r[j] > r[b] { j } else { b }))
            .collect();
        assert_eq!(am, pred, "{}", what("argmax"));
        close(
            accuracy(&y, &pred).unwrap(),
            num(&c["accuracy"]),
            TOL,
            &what("accuracy"),
        );
        close(
            cohen_kappa(&y, &pred, KappaWeights::Unweighted).unwrap(),
            num(&c["kappa"]),
            TOL,
            &what("kappa"),
        );
        close(
            cohen_kappa(&y, &pred, KappaWeights::Linear).unwrap(),
            num(&c["kappa_linear"]),
            TOL,
            &what("kappa_linear"),
        );
        close(
            cohen_kappa(&y, &pred, KappaWeights::Quadratic).unwrap(),
            num(&c["kappa_quadratic"]),
            TOL,
            &what("kappa_quadratic"),
        );
        let m = precision_recall_f1_macro(&y, &pred).unwrap();
        close(
            m.precision,
            num(&c["precision_macro"]),
            TOL,
            &what("precision_macro"),
        );
        close(
            m.recall,
            num(&c["recall_macro"]),
            TOL,
            &what("recall_macro"),
        );
        close(m.f1, num(&c["f1_macro"]), TOL, &what("f1_macro"));
        let (labels, cm) = confusion_matrix(&y, &pred).unwrap();
        let want = f64s(&c["confusion"]);
        let n_l = labels.len();
        assert_eq!(n_l * n_l, want.len(), "{}", what("confusion size"));
        let got: Vec<f64> = cm.iter().flatten().map(|&v| v as f64).collect();
        close_all(&got, &want, 0.0, &what("confusion"));
    }
}

#[test]
fn weighted_kappa_matches_sklearn() {
    let fx = load("classification.json");
    for (ci, c) in fx["kappa"].as_array().unwrap().iter().enumerate() {
        let (a, b) = (usizes(&c["a"]), usizes(&c["b"]));
        let what = format!("kappa case {ci}");
        close(
            cohen_kappa(&a, &b, KappaWeights::Unweighted).unwrap(),
            num(&c["kappa"]),
            TOL,
            &what,
        );
        close(
            cohen_kappa(&a, &b, KappaWeights::Linear).unwrap(),
            num(&c["kappa_linear"]),
            TOL,
            &what,
        );
        close(
            cohen_kappa(&a, &b, KappaWeights::Quadratic).unwrap(),
            num(&c["kappa_quadratic"]),
            TOL,
            &what,
        );
    }
}

#[test]
fn undefined_metrics_are_typed_errors() {
    assert!(matches!(
        roc_auc(&[true, true], &[0.1, 0.2]),
        Err(StatsError::SingleClass { .. })
    ));
    assert!(matches!(
        roc_auc(&[true, false], &[f64::NAN, 0.2]),
        Err(StatsError::NonFinite { index: 0, .. })
    ));
    assert!(matches!(
        average_precision(&[false, false], &[0.1, 0.2]),
        Err(StatsError::SingleClass { .. })
    ));
    let p = vec![vec![0.5, 0.5, 0.0], vec![0.2, 0.3, 0.5]];
    assert!(matches!(
        roc_auc_ovr(&[0, 1], &p, Average::Macro),
        Err(StatsError::MissingClass { class: 2, .. })
    ));
    assert!(matches!(
        roc_auc_ovr(&[0, 3], &p, Average::Micro),
        Err(StatsError::LabelOutOfRange { label: 3, .. })
    ));
    let bad = vec![vec![0.5, 0.6, 0.0], vec![0.2, 0.3, 0.5]];
    assert!(matches!(
        roc_auc_ovr(&[0, 2], &bad, Average::Micro),
        Err(StatsError::NotProbabilities { index: 0, .. })
    ));
}

#[test]
fn auc_hand_example_with_ties() {
    // positives {0.8, 0.5}, negatives {0.5, 0.2}: pairs (0.8>0.5) (0.8>0.2) (0.5=0.5 -> 1/2) (0.5>0.2)
    let auc = roc_auc(&[true, true, false, false], &[0.8, 0.5, 0.5, 0.2]).unwrap();
    assert_eq!(auc, 3.5 / 4.0);
}
