//! The grade signal of the synthetic ROIs is learnable from whole-ROI statistics (better than
//! chance) but much easier for a detector that looks at local windows: the evidence is
//! localised. Numbers for docs/synthetic-cohort.md come from
//! `cargo run --release -p cohort --example sanity -- 600 42`.

#[test]
fn grade_signal_is_learnable_but_localised() {
    let r = cohort::synth::sanity::run(150, 1, 256);
    eprintln!("{r:?}");
    assert!(r.rois >= 150 && r.rois <= 600);
    // Chance is 1/3 for balanced accuracy over three grades.
    assert!(r.whole_grade > 0.42, "whole-ROI statistics should beat chance: {r:?}");
    assert!(r.local_grade > 0.65, "local windows should find the evidence: {r:?}");
    assert!(r.local_grade - r.whole_grade > 0.10, "whole-ROI should stay well below local: {r:?}");
    // Evidence covers a minority of the ROI.
    assert!(r.evidence_fraction.iter().all(|&f| f > 0.03 && f < 0.25), "{r:?}");
}

#[test]
fn logistic_regression_separates_separable_data() {
    use cohort::synth::sanity::{balanced_accuracy, logistic_fit_predict};
    // Three clusters on a line: class = round(x).
    let x: Vec<Vec<f64>> = (0..60).map(|i| vec![(i % 3) as f64 + 0.1 * ((i * 7 % 5) as f64 - 2.0) / 2.0]).collect();
    let y: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let p = logistic_fit_predict(&x, &y, &x, 3, 1e-4, 2000);
    assert_eq!(balanced_accuracy(&y, &p, 3), 1.0);
    assert_eq!(balanced_accuracy(&[0, 0, 1, 1], &[0, 1, 1, 1], 2), 0.75);
}
