//! `gliofuse evaluate`: JSON output against the reference libraries (fixtures/expected.json)
//! and every bad-input error (one line naming file, line and column; exit code 2; no panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gliofuse"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap()).unwrap()
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn assert_figures(got: &Value, want: &Value, what: &str) {
    let (g, w) = (got.as_object().unwrap(), want.as_object().unwrap());
    let gk: Vec<&String> = g.keys().collect();
    let wk: Vec<&String> = w.keys().collect();
    let (mut gs, mut ws) = (gk.clone(), wk.clone());
    gs.sort();
    ws.sort();
    assert_eq!(gs, ws, "{what}: keys");
    for (k, wv) in w {
        let (a, b) = (g[k].as_f64().unwrap(), wv.as_f64().unwrap());
        let tol = if k == "logrank_p" { 1e-9 } else { 1e-12 };
        assert!((a - b).abs() <= tol, "{what}.{k}: got {a}, want {b}");
    }
}

fn evaluate_json(kind: &str, csv: &str, extra: &[&str]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("figures.json");
    let mut args = vec!["evaluate", kind, "--predictions"];
    let csv_path = fixture(csv);
    args.push(csv_path.to_str().unwrap());
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--json", out.to_str().unwrap()]);
    let o = run(&args);
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("level"), "a table is printed: {stdout}");
    serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap()
}

#[test]
fn binary_classification_json_matches_sklearn() {
    let got = evaluate_json(
        "classification",
        "binary.csv",
        &["--patient-column", "patient"],
    );
    let want = expected();
    assert_figures(&got["roi"], &want["binary"]["roi"], "roi");
    assert_figures(&got["patient"], &want["binary"]["patient"], "patient");
    // without a patient column there is no patient level
    let roi_only = evaluate_json("classification", "binary.csv", &[]);
    assert!(roi_only.get("patient").is_none());
    assert_figures(&roi_only["roi"], &want["binary"]["roi"], "roi");
}

#[test]
fn two_prob_columns_are_a_binary_task() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    let json = dir.path().join("p.json");
    std::fs::write(
        &csv,
        "id,label,prob_0,prob_1\na,1,0.2,0.8\nb,0,0.6,0.4\nc,1,0.5,0.5\nd,0,0.3,0.7\n",
    )
    .unwrap();
    let o = run(&[
        "evaluate",
        "classification",
        "--predictions",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    // scores 0.8, 0.4, 0.5, 0.7 for labels 1, 0, 1, 0: positives beat negatives in 3 of 4 pairs
    assert_eq!(v["roi"]["auc"].as_f64(), Some(0.75));
    // predictions (score >= 0.5): 1, 0, 1, 1 -> accuracy 3/4, precision 2/3, recall 1
    assert_eq!(v["roi"]["accuracy"].as_f64(), Some(0.75));
    assert_eq!(v["roi"]["recall"].as_f64(), Some(1.0));
    assert!(v["roi"].get("auc_macro").is_none());
}

#[test]
fn multiclass_classification_json_matches_sklearn() {
    let got = evaluate_json(
        "classification",
        "grades.csv",
        &["--patient-column", "patient"],
    );
    let want = expected();
    assert_figures(&got["roi"], &want["grades"]["roi"], "roi");
    assert_figures(&got["patient"], &want["grades"]["patient"], "patient");
}

#[test]
fn survival_json_matches_lifelines_and_sksurv() {
    let got = evaluate_json("survival", "survival.csv", &[]);
    let want = expected();
    assert_figures(&got["row"], &want["survival"]["row"], "row");
    assert_figures(&got["case"], &want["survival"]["case"], "case");
}

/// Run on a CSV written from `text`; expect exit code 2 and one stderr line containing all of
/// `needles`.
fn bad(kind: &str, text: &str, extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("preds.csv");
    std::fs::write(&csv, text).unwrap();
    let json = dir.path().join("out.json");
    std::fs::write(&json, "previous").unwrap();
    let mut args = vec!["evaluate", kind, "--predictions", csv.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--json", json.to_str().unwrap()]);
    let o = run(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "exit code for {needles:?}; stderr: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("preds.csv"), "names the file: {err}");
    for n in needles {
        assert!(err.contains(n), "expected '{n}' in: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        "previous",
        "an earlier output is left alone"
    );
}

#[test]
fn classification_bad_inputs() {
    bad(
        "classification",
        "id,label\na,1\nb,0\n",
        &[],
        &["line 1", "column score", "missing column"],
    );
    bad(
        "classification",
        "id,score\na,0.1\nb,0.2\n",
        &[],
        &["line 1", "column label", "missing column 'label'"],
    );
    bad(
        "classification",
        "label,score\n1,0.1\n0,0.2\n",
        &[],
        &["line 1", "column id"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,0,x\n",
        &[],
        &["line 3", "column score", "not a number"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,0,\n",
        &[],
        &["line 3", "column score", "not a number"],
    );
    bad(
        "classification",
        "id,label,score\na,1,NaN\nb,0,0.2\n",
        &[],
        &["line 2", "column score", "NaN or infinite"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,0,-inf\n",
        &[],
        &["line 3", "column score", "NaN or infinite"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,1,0.2\nc,1,0.9\n",
        &[],
        &["lines 2-4", "column label", "only one class"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,2,0.2\n",
        &[],
        &["line 3", "column label", "must be 0 or 1"],
    );
    bad(
        "classification",
        "id,label,prob_a,prob_b,prob_c\nr,a,0.2,0.3,0.5\ns,d,0.2,0.3,0.5\n",
        &[],
        &["line 3", "column label", "not one of the classes"],
    );
    bad(
        "classification",
        "id,label,prob_a,prob_b,prob_c\nr,a,0.2,0.3,0.5\ns,b,0.2,0.3,0.5\n",
        &[],
        &["column label", "class 'c' never occurs"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,0\n",
        &[],
        &["line 3", "fields"],
    );
    bad(
        "classification",
        "id,label,score\n",
        &[],
        &["line 2", "no data rows"],
    );
    bad(
        "classification",
        "id,label,score\na,1,0.3\nb,0,0.2\n",
        &["--patient-column", "patient"],
        &["line 1", "column patient", "missing column"],
    );
    bad(
        "classification",
        "id,patient,label,score\na,P1,1,0.3\nb,P1,0,0.2\nc,P2,0,0.1\n",
        &["--patient-column", "patient"],
        &["line 3", "column label", "patient 'P1'"],
    );
}

#[test]
fn survival_bad_inputs() {
    bad(
        "survival",
        "id,time,risk\na,1,0.3\n",
        &[],
        &["line 1", "column event", "missing column"],
    );
    bad(
        "survival",
        "id,time,event\na,1,1\n",
        &[],
        &["line 1", "column risk", "missing column"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,1,1,0.3\nb,x,0,0.2\n",
        &[],
        &["line 3", "column time", "not a number"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,1,1,0.3\nb,2,2,0.2\n",
        &[],
        &["line 3", "column event", "0 or 1"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,1,1,nan\nb,2,0,0.2\n",
        &[],
        &["line 2", "column risk", "NaN or infinite"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,1,1,0.3\nb,inf,0,0.2\n",
        &[],
        &["line 3", "column time", "NaN or infinite"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,1,0,0.3\nb,2,0,0.2\n",
        &[],
        &["lines 2-3", "column event", "no events"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,1,1,0.3\nb,1,1,0.2\n",
        &[],
        &["lines 2-3", "no comparable pairs"],
    );
    bad(
        "survival",
        "id,time,event,risk\na,-1,1,0.3\nb,2,0,0.2\n",
        &[],
        &["line 2", "column time", "negative"],
    );
    bad(
        "survival",
        "id,case,time,event,risk\na,C1,1,1,0.3\nb,C1,2,1,0.2\nc,C2,3,0,0.1\n",
        &[],
        &["line 3", "column time", "case 'C1'"],
    );
}

#[test]
fn missing_file_is_an_error_not_a_panic() {
    let o = run(&[
        "evaluate",
        "survival",
        "--predictions",
        "/nonexistent/preds.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/nonexistent/preds.csv") && err.contains("cannot read"),
        "{err}"
    );
}
