//! `gliofuse idh run` end to end on a small synthetic cohort with configs/idh/tiny.toml (the
//! real Burn networks), then `idh predict` with the saved models, the feature cache on rerun,
//! and bad input (too few patients of a class for the folds; a missing modality, a mask without
//! tumour, NaN voxels, one IDH class only) exiting 2 with one line.

use std::path::Path;
use std::process::Command;

fn gliofuse(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_gliofuse")).args(args).output().expect("run gliofuse");
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn config() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/idh/tiny.toml").display().to_string()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn idh_run_predict_and_cache() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = dir.path().join("cohort");
    let c = cohort.to_str().unwrap();
    let (rc, _, err) = gliofuse(&[
        "synth", "--out", c, "--patients", "32", "--seed", "11", "--roi-size", "64", "--max-rois", "1", "--slide-size", "0", "--genes", "0",
        "--mri-size", "40,40,20", "--mri-idh-effect", "3", "--p-missing", "0", "--p-missing-modality", "0",
    ]);
    assert_eq!(rc, 0, "{err}");
    let out = dir.path().join("run");
    let o = out.to_str().unwrap();
    let (rc, _, err) = gliofuse(&["idh", "run", "--cohort", c, "--config", &config(), "--out", o, "--folds", "2"]);
    assert_eq!(rc, 0, "{err}");

    let run = json(&out.join("run.json"));
    assert_eq!(run["kind"], "idh");
    assert_eq!(run["patients"], 32);
    assert_eq!(run["config"]["eval"]["folds"], 2);
    assert!(run["config"]["sanet"]["widths"].is_array(), "resolved network config: {run}");
    let results = json(&out.join("results.json"));
    for m in ["model1", "model2", "model3", "model4", "model3-average", "model4-method1", "model4-method2", "model4-method3", "model3-t1ce"] {
        for k in ["auc", "accuracy", "precision", "recall", "f1"] {
            let v = &results[m][k];
            assert_eq!(v["values"].as_array().map(|a| a.len()), Some(2), "{m}.{k}: {v}");
            let mean = v["mean"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&mean) && v["std"].is_number(), "{m}.{k}: {v}");
        }
    }
    // predictions.csv: each of the 32 patients is a test patient exactly once per model.
    let preds = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    let mut lines = preds.lines();
    assert_eq!(lines.next(), Some("fold,model,patient,label,prob"));
    let m3: Vec<&str> = lines.filter(|l| l.split(',').nth(1) == Some("model3")).collect();
    assert_eq!(m3.len(), 32);
    let mut ids: Vec<&str> = m3.iter().map(|l| l.split(',').nth(2).unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 32);
    // No patient in both the training and the test split of a fold.
    for f in json(&out.join("folds.json")).as_array().unwrap() {
        let train: Vec<&str> = f["train"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert!(f["test"].as_array().unwrap().iter().all(|t| !train.contains(&t.as_str().unwrap())));
    }
    let sel = json(&out.join("selected_features.json"));
    for m in ["t1", "t1ce", "t2", "flair"] {
        assert_eq!(sel[m]["model3"]["folds"].as_array().unwrap().len(), 2, "{sel}");
        assert!(!sel[m]["model3"]["final"].as_array().unwrap().is_empty());
    }
    let w = json(&out.join("regression_weights.json"));
    assert!(w["model3"]["final"]["t1ce"].is_number() && w["model3"]["final"]["bias"].is_number(), "{w}");
    let t = json(&out.join("timings.json"));
    assert_eq!(t["features_cached"], false);
    assert!(out.join("final/pipeline.json").is_file() && out.join("final/sanet-flair").is_dir());

    // idh predict on two patient directories: one row each, every model.
    let p1 = cohort.join("mri/SYN-0001");
    let p2 = cohort.join("mri/SYN-0002");
    let (rc, stdout, err) = gliofuse(&["idh", "predict", "--model", o, p1.to_str().unwrap(), p2.to_str().unwrap()]);
    assert_eq!(rc, 0, "{err}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert!(rows[0].starts_with("patient,model1,") && rows[0].contains(",model4,"), "{stdout}");
    assert_eq!(rows.len(), 3);
    assert!(rows[1].starts_with("SYN-0001,"));
    for v in rows[1].split(',').skip(1) {
        let p: f64 = v.parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{stdout}");
    }

    // Rerun: the features come from the cache and the results are identical (seeded).
    let before = std::fs::read(out.join("predictions.csv")).unwrap();
    let (rc, _, err) = gliofuse(&["idh", "run", "--cohort", c, "--config", &config(), "--out", o, "--folds", "2"]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(json(&out.join("timings.json"))["features_cached"], true);
    assert_eq!(std::fs::read(out.join("predictions.csv")).unwrap(), before);

    // More folds than patients of the rarer class: exit 2, one line, previous results kept.
    let (rc, _, err) = gliofuse(&["idh", "run", "--cohort", c, "--config", &config(), "--out", o, "--folds", "30"]);
    assert_eq!(rc, 2);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("30-fold") && err.contains("use --folds"), "{err}");
    assert_eq!(std::fs::read(out.join("predictions.csv")).unwrap(), before);
}

/// Run `idh run` on `cohort` and expect exit 2 with one line on stderr containing every `want`,
/// and no results written.
fn expect_bad_input(cohort: &Path, out: &Path, want: &[&str]) {
    let (rc, _, err) = gliofuse(&["idh", "run", "--cohort", cohort.to_str().unwrap(), "--config", &config(), "--out", out.to_str().unwrap(), "--folds", "2"]);
    assert_eq!(rc, 2, "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    for w in want {
        assert!(err.contains(w), "missing `{w}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.join("results.json").exists() && !out.join("predictions.csv").exists());
}

/// The bad inputs, each on an otherwise valid cohort: a missing modality, a mask
/// without tumour, NaN voxels, and one IDH class only (no fold can have both classes).
/// Every one is exit 2 with one line naming the patient, modality or file and what to do.
#[test]
fn idh_run_bad_inputs_exit_2_with_one_line() {
    use radiomics::image::PixelType;
    let dir = tempfile::tempdir().unwrap();
    let cohort = dir.path().join("cohort");
    let (rc, _, err) = gliofuse(&[
        "synth", "--out", cohort.to_str().unwrap(), "--patients", "12", "--seed", "5", "--roi-size", "64", "--max-rois", "1", "--slide-size", "0", "--genes", "0",
        "--mri-size", "40,40,20", "--p-missing", "0", "--p-missing-modality", "0",
    ]);
    assert_eq!(rc, 0, "{err}");
    let mri_csv = cohort.join("mri.csv");
    let good_mri = std::fs::read_to_string(&mri_csv).unwrap();

    // 1. A missing modality: SYN-0003's t2 cell is empty.
    let edited: Vec<String> = good_mri
        .lines()
        .map(|l| {
            if l.starts_with("SYN-0003,") {
                let mut c: Vec<&str> = l.split(',').collect();
                c[3] = "";
                c.join(",")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&mri_csv, edited.join("\n") + "\n").unwrap();
    expect_bad_input(&cohort, &dir.path().join("run1"), &["mri.csv", "patient SYN-0003", "modality `t2` is missing", "add the volume or remove the row"]);
    std::fs::write(&mri_csv, &good_mri).unwrap();

    // 2. A mask without tumour (all zero) for SYN-0004.
    let mask = cohort.join("mri/SYN-0004/mask.nii.gz");
    let saved = std::fs::read(&mask).unwrap();
    let mut m = radiomics::io::read_image(&mask).unwrap();
    m.data.iter_mut().for_each(|v| *v = 0.0);
    radiomics::io::write_image(&mask, &m, PixelType::U8).unwrap();
    expect_bad_input(&cohort, &dir.path().join("run2"), &["patient SYN-0004", "mask.nii.gz", "no tumour voxels", "give a mask that outlines the tumour"]);
    std::fs::write(&mask, saved).unwrap();

    // 3. NaN voxels in SYN-0005's FLAIR (a float32 volume).
    let flair = cohort.join("mri/SYN-0005/flair.nii.gz");
    let saved = std::fs::read(&flair).unwrap();
    let mut f = radiomics::io::read_image(&flair).unwrap();
    f.data[0] = f64::NAN;
    f.data[7] = f64::NAN;
    radiomics::io::write_image(&flair, &f, PixelType::F32).unwrap();
    expect_bad_input(&cohort, &dir.path().join("run3"), &["patient SYN-0005, modality flair", "flair.nii.gz", "2 NaN", "fix or re-export the volume"]);
    std::fs::write(&flair, saved).unwrap();

    // 4. One IDH class only: every label wild-type, so no split can hold both classes.
    let patients = cohort.join("patients.csv");
    let text = std::fs::read_to_string(&patients).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let idh = header.split(',').position(|c| c == "idh").unwrap();
    let mut rows = vec![header.to_string()];
    for l in lines {
        let mut c: Vec<&str> = l.split(',').collect();
        if !c[idh].is_empty() {
            c[idh] = "0";
        }
        rows.push(c.join(","));
    }
    std::fs::write(&patients, rows.join("\n") + "\n").unwrap();
    expect_bad_input(&cohort, &dir.path().join("run4"), &["only 0 IDH-mutant patient(s)", "2-fold cross-validation", "add patients of that class"]);
}
