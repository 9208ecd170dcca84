//! `gliofuse survival train` / `predict` end to end at toy size: a small synthetic cohort, bags
//! written by the test from features that carry the patients' grade (see
//! examples/synth_bags/bags.rs), the tiny config; outputs per contract, patient-level split,
//! determinism, learning signal, prediction and bad-input errors.

#[path = "../examples/synth_bags/bags.rs"]
mod synth_bags_lib;

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

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

fn config(dir: &Path, kind: &str, epochs: usize, lr: &str) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/survival/tiny.toml"),
    )
    .unwrap();
    let text = text
        .replace("kind = \"scaled-dot\"", &format!("kind = \"{kind}\""))
        .replace("epochs = 4", &format!("epochs = {epochs}"))
        .replace("lr = 1e-3", &format!("lr = {lr}"));
    let p = dir.join(format!("{kind}.toml"));
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn cohort(dir: &Path, effect: f64) -> (String, String, usize) {
    let c = dir.join("cohort");
    let o = run(&[
        "synth",
        "--out",
        c.to_str().unwrap(),
        "--patients",
        "60",
        "--seed",
        "3",
        "--roi-size",
        "64",
        "--max-rois",
        "1",
        "--slide-size",
        "256",
        "--slide-format",
        "png",
        "--genes",
        "80",
        "--mri-size",
        "0,0,0",
        "--p-missing",
        "0",
        "--p-missing-modality",
        "0",
    ]);
    ok(&o);
    let bags = dir.join("bags");
    let p = synth_bags_lib::BagParams {
        dim: 16,
        min_patches: 5,
        max_patches: 20,
        effect,
        seed: 9,
    };
    let n = synth_bags_lib::make_bags(&c, &bags, &p).unwrap();
    assert!(n >= 60);
    (
        c.to_str().unwrap().to_string(),
        bags.to_str().unwrap().to_string(),
        n,
    )
}

#[test]
fn train_predict_end_to_end() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, bags, n_slides) = cohort(tmp.path(), 0.4);
    let cfg = config(tmp.path(), "scaled-dot", 4, "1e-3");
    let out = tmp.path().join("run");
    let o = run(&[
        "survival",
        "train",
        "--config",
        &cfg,
        "--cohort",
        &c,
        "--bags",
        &bags,
        "--out",
        out.to_str().unwrap(),
        "--seeds",
        "2",
        "--quiet",
    ]);
    ok(&o);
    // run directory per contract
    let run_json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run_json["kind"], "survival");
    assert_eq!(run_json["config"]["model"]["kind"], "scaled-dot");
    assert!(
        run_json["command"]
            .as_str()
            .unwrap()
            .contains("survival train")
    );
    let m: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(m["per_seed"].as_array().unwrap().len(), 2);
    assert_eq!(m["seeds"], serde_json::json!([42, 43]));
    for k in ["c_index_test_slide", "c_index_test_case"] {
        let mean = m[k]["mean"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&mean), "{k} {mean}");
        assert_eq!(m[k]["n"], 2);
    }
    let preds = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    let mut lines = preds.lines();
    assert_eq!(
        lines.next().unwrap(),
        "seed,split,patient,slide,time,event,risk"
    );
    // no patient on two sides (per seed); every patient scored once per slide
    let mut side: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut rows = 0;
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        assert_eq!(f.len(), 7);
        assert!(f[6].parse::<f64>().unwrap().is_finite());
        side.entry((f[0].to_string(), f[2].to_string()))
            .or_default()
            .insert(f[1].to_string());
        rows += 1;
    }
    assert!(
        side.values().all(|s| s.len() == 1),
        "a patient is on two sides of a split"
    );
    assert_eq!(rows, 2 * n_slides, "every slide once per seed");
    let km = std::fs::read_to_string(out.join("km.csv")).unwrap();
    assert!(
        km.starts_with("seed,group,time,survival,at_risk\n")
            && km.contains(",high,")
            && km.contains(",low,")
    );
    // engine run dir per seed, best model selected on validation
    for s in [42, 43] {
        let d = out.join(format!("seed-{s}"));
        assert!(
            d.join("survival_model.json").exists()
                && d.join("config.toml").exists()
                && d.join("split.csv").exists()
        );
    }

    // same seed, same bytes; and the in-memory bags give what the default lazy bags gave
    let out2 = tmp.path().join("run2");
    ok(&run(&[
        "survival",
        "train",
        "--config",
        &cfg,
        "--cohort",
        &c,
        "--bags",
        &bags,
        "--out",
        out2.to_str().unwrap(),
        "--seeds",
        "2",
        "--quiet",
        "--bags-in-memory",
    ]));
    assert_eq!(
        preds,
        std::fs::read_to_string(out2.join("predictions.csv")).unwrap()
    );
    let mut m2: Value =
        serde_json::from_str(&std::fs::read_to_string(out2.join("metrics.json")).unwrap()).unwrap();
    let mut m1 = m.clone();
    for a in [&mut m1, &mut m2] {
        for s in a["per_seed"].as_array_mut().unwrap() {
            s["train_seconds"] = Value::Null;
        }
    }
    assert_eq!(m1, m2, "lazy and in-memory bags: same metrics");

    // predict on the bags: per slide and per case, attention CSVs
    let pred = tmp.path().join("pred.csv");
    let att = tmp.path().join("att");
    let o = run(&[
        "survival",
        "predict",
        "--model",
        out.join("seed-42").to_str().unwrap(),
        "--bags",
        &bags,
        "--rna",
        &format!("{c}/rna.csv"),
        "--out",
        pred.to_str().unwrap(),
        "--attention",
        att.to_str().unwrap(),
        "--cohort",
        &c,
    ]);
    ok(&o);
    let p = std::fs::read_to_string(&pred).unwrap();
    assert!(p.starts_with("level,patient,slide,risk\n"));
    assert_eq!(
        p.lines().filter(|l| l.starts_with("slide,")).count(),
        n_slides
    );
    assert_eq!(p.lines().filter(|l| l.starts_with("case,")).count(), 60);
    // the slide risks of predict equal those of training (same model, same transform)
    let train_risk: BTreeMap<String, f64> = preds
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("42,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[3].to_string(), f[6].parse().unwrap())
        })
        .collect();
    for l in p.lines().filter(|l| l.starts_with("slide,")) {
        let f: Vec<&str> = l.split(',').collect();
        let r: f64 = f[3].parse().unwrap();
        assert!((r - train_risk[f[2]]).abs() < 1e-5, "{l}");
    }
    let csvs: Vec<_> = std::fs::read_dir(&att)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    let pngs = std::fs::read_dir(&att)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(
        (csvs.len(), pngs),
        (n_slides, n_slides),
        "one attention CSV and heatmap PNG per slide"
    );
    let a = std::fs::read_to_string(&csvs[0]).unwrap();
    let w: f64 = a
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((w - 1.0).abs() < 1e-4, "attention sums to {w}");

    // bad input: one line, exit 2
    let o = run(&[
        "survival",
        "train",
        "--config",
        &cfg,
        "--cohort",
        &c,
        "--out",
        tmp.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--bags"), "{err}");
    let o = run(&[
        "survival",
        "predict",
        "--model",
        out.to_str().unwrap(),
        "--bags",
        &bags,
        "--out",
        pred.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("seed-42"));
}

#[test]
fn models_learn_the_grade_signal() {
    // The bag features carry the grade, which drives the synthetic survival: the slide-only and
    // joint models must rank the test cases better than chance on average over two seeds.
    let tmp = tempfile::tempdir().unwrap();
    let (c, bags, _) = cohort(tmp.path(), 1.0);
    for kind in ["slide-only", "joint", "tanh", "rna-only"] {
        let cfg = config(tmp.path(), kind, 15, "1e-2");
        let out = tmp.path().join(kind);
        ok(&run(&[
            "survival",
            "train",
            "--config",
            &cfg,
            "--cohort",
            &c,
            "--bags",
            &bags,
            "--out",
            out.to_str().unwrap(),
            "--seeds",
            "2",
            "--quiet",
        ]));
        let m: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap())
                .unwrap();
        let train_c: f64 = m["per_seed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["train"]["c_index_case"].as_f64().unwrap())
            .sum::<f64>()
            / 2.0;
        eprintln!(
            "{kind}: train C {train_c:.3}, test C {}",
            m["c_index_test_case"]
        );
        assert!(train_c > 0.6, "{kind}: training C-index {train_c}");
    }
}
