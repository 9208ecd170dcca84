//! `gliofuse survival table --model coxnet` on small generated CSVs: outputs, determinism,
//! patient-level splits, one-hot/imputation reports and bad-input errors (one line, exit 2).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gliofuse"))
        .args(args)
        .output()
        .unwrap()
}

/// A table where risk grows with x1 and falls with x2; `grp` (text) adds risk for "b";
/// x3 is noise with some missing cells. Deterministic generator.
fn table(n: usize) -> String {
    let mut s: u64 = 12345;
    let mut u = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let mut out = String::from("pid,time,event,x1,x2,grp,x3\n");
    for i in 0..n {
        let (x1, x2) = (u() * 4.0 - 2.0, u() * 10.0);
        let grp = if u() < 0.5 { "a" } else { "b" };
        let eta = 1.2 * x1 - 0.15 * x2 + if grp == "b" { 0.8 } else { 0.0 };
        let t_ev = -u().ln() / eta.exp();
        let t_c = -u().ln() * 1.5;
        let (t, e) = if t_ev < t_c { (t_ev, 1) } else { (t_c, 0) };
        let x3 = if i % 7 == 3 {
            String::new()
        } else {
            format!("{:.3}", u())
        };
        out += &format!("P{i:03},{:.4},{e},{x1:.4},{x2:.4},{grp},{x3}\n", t * 10.0);
    }
    out
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn coxnet_table_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "data.csv", &table(200));
    let out = dir.path().join("out");
    let o = run(&[
        "survival",
        "table",
        "--data",
        &data,
        "--model",
        "coxnet",
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "7",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = json(&out.join("metrics.json"));
    for k in ["c_index_test", "c_index_val", "c_index_train"] {
        let c = m[k].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c), "{k} = {c}");
    }
    // Strong signal: the model must rank the test patients well.
    assert!(m["c_index_test"].as_f64().unwrap() > 0.7, "{m}");
    let h = &m["hyperparameters"];
    assert_eq!(h["l1_ratio"].as_f64().unwrap(), 0.5);
    assert!(h["alpha"].as_f64().unwrap() > 0.0);
    assert_eq!(m["split_seed"].as_u64().unwrap(), 7);
    // x1 is the strongest predictor, with a positive sign; x2 negative.
    let coef = m["coefficients"].as_object().unwrap();
    assert!(coef["x1"].as_f64().unwrap() > 0.0, "{coef:?}");
    assert!(
        coef.get("x2").is_none_or(|v| v.as_f64().unwrap() < 0.0),
        "{coef:?}"
    );
    // Reports: one-hot of grp, median imputation of x3.
    let prep = &m["preprocessing"];
    assert_eq!(prep["one_hot"][0]["column"], "grp");
    assert_eq!(
        prep["one_hot"][0]["categories"],
        serde_json::json!(["a", "b"])
    );
    assert_eq!(prep["imputed"][0]["column"], "x3");
    assert_eq!(
        prep["imputed"][0]["missing_cells"].as_u64().unwrap(),
        (0..200).filter(|i| i % 7 == 3).count() as u64
    );
    assert_eq!(m["n_features"].as_u64().unwrap(), 5); // x1, x2, grp=a, grp=b, x3
    // Split: 70/10/20 of the patients, disjoint, written to OUT/split.csv.
    let split = std::fs::read_to_string(out.join("split.csv")).unwrap();
    let mut sides: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in split.lines().skip(1) {
        let (pid, s) = line.split_once(',').unwrap();
        sides
            .entry(s.to_string())
            .or_default()
            .insert(pid.to_string());
    }
    assert_eq!(sides["train"].len(), 140);
    assert_eq!(sides["val"].len(), 20);
    assert_eq!(sides["test"].len(), 40);
    assert!(
        sides["train"].is_disjoint(&sides["test"]) && sides["train"].is_disjoint(&sides["val"])
    );
    // Predictions are readable by `gliofuse evaluate survival`.
    let preds = out.join("predictions.csv");
    let e = run(&[
        "evaluate",
        "survival",
        "--predictions",
        preds.to_str().unwrap(),
    ]);
    assert!(e.status.success(), "{}", String::from_utf8_lossy(&e.stderr));
    // Same seed, same bytes; the written split reproduces the run.
    let out2 = dir.path().join("out2");
    let o2 = run(&[
        "survival",
        "table",
        "--data",
        &data,
        "--model",
        "coxnet",
        "--out",
        out2.to_str().unwrap(),
        "--seed",
        "7",
    ]);
    assert!(o2.status.success());
    for f in [
        "split.csv",
        "coefficients.csv",
        "predictions.csv",
        "path.csv",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap(),
            "{f}"
        );
    }
    let out3 = dir.path().join("out3");
    let sp = out.join("split.csv");
    let o3 = run(&[
        "survival",
        "table",
        "--data",
        &data,
        "--split",
        sp.to_str().unwrap(),
        "--model",
        "coxnet",
        "--out",
        out3.to_str().unwrap(),
    ]);
    assert!(
        o3.status.success(),
        "{}",
        String::from_utf8_lossy(&o3.stderr)
    );
    let m3 = json(&out3.join("metrics.json"));
    assert_eq!(m3["c_index_test"], m["c_index_test"]);
    assert!(m3["split_seed"].is_null());
    assert!(!out3.join("split.csv").exists());
    // Another seed gives another split.
    let out4 = dir.path().join("out4");
    assert!(
        run(&[
            "survival",
            "table",
            "--data",
            &data,
            "--model",
            "coxnet",
            "--out",
            out4.to_str().unwrap(),
            "--seed",
            "8"
        ])
        .status
        .success()
    );
    assert_ne!(
        std::fs::read(out.join("split.csv")).unwrap(),
        std::fs::read(out4.join("split.csv")).unwrap()
    );
}

fn expect_error(args: &[&str], needles: &[&str]) {
    let o = run(args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: '{n}' not in: {err}");
    }
}

#[test]
fn bad_input_gives_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = table(60);
    let out = dir.path().join("out").display().to_string();
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "bad_time.csv",
            good.replacen("P002,", "P002,abc_", 1).replace("abc_", "x"),
            vec!["bad_time.csv", "line 4", "column time", "not a number"],
        ),
        (
            "neg_time.csv",
            good.replacen("P001,", "P001,-", 1),
            vec!["neg_time.csv", "line 3", "column time", "negative"],
        ),
        (
            "no_event.csv",
            good.replace("pid,time,event,", "pid,time,status,"),
            vec!["no_event.csv", "line 1", "column event", "missing column"],
        ),
        (
            "bad_event.csv",
            {
                let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
                let f: Vec<&str> = lines[5].split(',').collect();
                let mut f: Vec<String> = f.iter().map(|s| s.to_string()).collect();
                f[2] = "2".into();
                lines[5] = f.join(",");
                lines.join("\n") + "\n"
            },
            vec!["bad_event.csv", "line 6", "column event", "0 or 1"],
        ),
        (
            "only_surv.csv",
            "pid,time,event\nA,1,1\nB,2,0\nC,3,1\n".to_string(),
            vec!["only_surv.csv", "no feature columns"],
        ),
    ];
    for (name, text, needles) in cases {
        let p = write(dir.path(), name, &text);
        expect_error(
            &[
                "survival", "table", "--data", &p, "--model", "coxnet", "--out", &out,
            ],
            &needles,
        );
    }
    // Infinite feature value.
    let mut lines: Vec<String> = good.lines().map(str::to_string).collect();
    lines[3] = lines[3]
        .replacen(",a,", ",a,inf", 1)
        .replacen(",b,", ",b,inf", 1);
    let l3: Vec<&str> = lines[3].split(',').collect();
    lines[3] = format!(
        "{},{},{},inf,{},{},{}",
        l3[0], l3[1], l3[2], l3[4], l3[5], l3[6]
    );
    let p = write(dir.path(), "inf.csv", &(lines.join("\n") + "\n"));
    expect_error(
        &[
            "survival", "table", "--data", &p, "--model", "coxnet", "--out", &out,
        ],
        &["inf.csv", "line 4", "column x1", "infinite"],
    );

    // Split file problems.
    let data = write(dir.path(), "data.csv", &good);
    let mut split = String::from("pid,split\n");
    for i in 0..60 {
        split += &format!(
            "P{i:03},{}\n",
            ["train", "train", "train", "val", "test"][i % 5]
        );
    }
    let s = write(
        dir.path(),
        "bad_side.csv",
        &split.replacen("P004,test", "P004,holdout", 1),
    );
    expect_error(
        &[
            "survival", "table", "--data", &data, "--split", &s, "--model", "coxnet", "--out", &out,
        ],
        &[
            "bad_side.csv",
            "line 6",
            "column split",
            "train, val or test",
        ],
    );
    let s = write(
        dir.path(),
        "missing_pid.csv",
        &split.replacen("P010,train\n", "", 1),
    );
    expect_error(
        &[
            "survival", "table", "--data", &data, "--split", &s, "--model", "coxnet", "--out", &out,
        ],
        &[
            "data.csv",
            "line 12",
            "column pid",
            "P010",
            "missing_pid.csv",
        ],
    );
    let s = write(dir.path(), "no_val.csv", &split.replace(",val", ",train"));
    expect_error(
        &[
            "survival", "table", "--data", &data, "--split", &s, "--model", "coxnet", "--out", &out,
        ],
        &["no_val.csv", "no val patients"],
    );
    // cox-mlp shares the split code and names the split file the same way.
    expect_error(
        &[
            "survival", "table", "--data", &data, "--split", &s, "--model", "cox-mlp", "--out", &out,
        ],
        &["no_val.csv", "no val patients"],
    );
    // Nothing was written by the failed runs.
    assert!(!Path::new(&out).join("metrics.json").exists());
    // Unknown model: clap usage error (exit 2).
    let o = run(&[
        "survival",
        "table",
        "--data",
        &data,
        "--model",
        "cox-forest",
        "--out",
        &out,
    ]);
    assert_eq!(o.status.code(), Some(2));
}

/// The CLI against scikit-survival + lifelines on the same table and split
/// (fixtures/survival_table, made by tools/reference/make_cox_fixtures.py).
#[test]
fn coxnet_table_matches_sksurv_on_fixture() {
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/survival_table");
    let want = json(&fx.join("expected.json"));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&[
        "survival",
        "table",
        "--data",
        fx.join("data.csv").to_str().unwrap(),
        "--split",
        fx.join("split.csv").to_str().unwrap(),
        "--model",
        "coxnet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = json(&out.join("metrics.json"));
    let h = &got["hyperparameters"];
    assert_eq!(h["alphas_fitted"], want["alphas_fitted"]);
    assert_eq!(h["alpha_index"], want["alpha_index"]);
    let (ga, wa) = (
        h["alpha"].as_f64().unwrap(),
        want["alpha"].as_f64().unwrap(),
    );
    assert!((ga - wa).abs() <= 1e-12 * wa, "alpha {ga} vs {wa}");
    for k in ["c_index_val", "c_index_test", "c_index_train"] {
        let (g, w) = (got[k].as_f64().unwrap(), want[k].as_f64().unwrap());
        assert!((g - w).abs() <= 1e-12, "{k}: {g} vs {w}");
    }
    let (gc, wc) = (
        got["coefficients"].as_object().unwrap(),
        want["coefficients"].as_object().unwrap(),
    );
    assert_eq!(
        gc.keys().collect::<BTreeSet<_>>(),
        wc.keys().collect::<BTreeSet<_>>(),
        "support"
    );
    for (name, w) in wc {
        let (g, w) = (gc[name].as_f64().unwrap(), w.as_f64().unwrap());
        assert!((g - w).abs() <= 1e-9, "coefficient {name}: {g} vs {w}");
    }
}
