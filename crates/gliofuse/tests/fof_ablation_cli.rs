//! `gliofuse grade ablation` (issue 7) on a tiny synthetic cohort with configs/grade/fof-tiny.toml:
//! the four variants on the same folds, ablation.json's structure with real numbers, CAM
//! overlays with shared names, `grade predict` on a FoF model, resume, bad inputs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn gliofuse(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_gliofuse"))
        .args(args)
        .output()
        .expect("run gliofuse");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/grade/fof-tiny.toml")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn synth(dir: &Path) -> PathBuf {
    let c = dir.join("cohort");
    let (rc, _, err) = gliofuse(&[
        "synth",
        "--out",
        s(&c),
        "--patients",
        "36",
        "--seed",
        "5",
        "--roi-size",
        "64",
        "--max-rois",
        "2",
        "--slide-size",
        "0",
        "--genes",
        "0",
        "--mri-size",
        "0,0,0",
        "--threads",
        "2",
    ]);
    assert_eq!(rc, 0, "{err}");
    c
}

fn one_error(r: (i32, String, String)) -> String {
    let (rc, _, err) = r;
    assert_eq!(rc, 2, "expected exit 2: {err}");
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    lines[0].to_string()
}

const VARIANTS: [&str; 4] = ["baseline", "no_frl", "no_mca", "fof"];
const KEYS: [&str; 6] = [
    "accuracy",
    "kappa",
    "kappa_quadratic",
    "auc_micro",
    "ap_micro",
    "auc_macro",
];

fn pngs(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".png"))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ablation_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = synth(dir.path());
    let out = dir.path().join("abl");
    let cfg_path = config();
    let args = [
        "grade",
        "ablation",
        "--config",
        s(&cfg_path),
        "--cohort",
        s(&cohort),
        "--out",
        s(&out),
        "--folds",
        "3",
    ];
    let (rc, stdout, err) = gliofuse(&args);
    assert_eq!(rc, 0, "{err}");
    assert!(stdout.contains("| FoF w/o MCA |"), "{stdout}");

    // ablation.json: the four cv.json documents, real numbers
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("ablation.json")).unwrap()).unwrap();
    let names: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 4);
    for v in VARIANTS {
        let cv = &doc[v];
        assert_eq!(cv["folds"].as_array().unwrap().len(), 3, "{v}");
        for part in ["mean", "std"] {
            for level in ["roi", "patient"] {
                for k in KEYS {
                    let x = cv[part][level][k]
                        .as_f64()
                        .unwrap_or_else(|| panic!("{v} {part} {level} {k}"));
                    assert!(
                        x.is_finite() && (-1.0..=1.0).contains(&x),
                        "{v} {part} {level} {k} = {x}"
                    );
                }
            }
        }
        // the summary is the variant's own cv.json
        let own: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(v).join("cv.json")).unwrap())
                .unwrap();
        assert_eq!(&own, cv);
        let run: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join(v).join("run.json")).unwrap())
                .unwrap();
        assert_eq!(run["kind"], "grade-cv");
        assert_eq!(
            run["config"]["model"].get("fof").is_some(),
            v != "baseline",
            "{v}"
        );
        let pred = std::fs::read_to_string(out.join(v).join("predictions.csv")).unwrap();
        assert!(pred.starts_with("fold,patient,image,label,p2,p3,p4\n"));
    }
    let md = std::fs::read_to_string(out.join("ablation.md")).unwrap();
    assert_eq!(md.matches("| Baseline (ViT) |").count(), 2);

    // the same folds everywhere, and the variants really differ
    for k in 0..3 {
        let split = |v: &str| {
            std::fs::read_to_string(out.join(v).join(format!("fold-{k}/split.csv"))).unwrap()
        };
        for v in VARIANTS {
            assert_eq!(split(v), split("baseline"), "fold {k} of {v}");
        }
    }
    let pred = |v: &str| std::fs::read_to_string(out.join(v).join("predictions.csv")).unwrap();
    assert_ne!(pred("baseline"), pred("fof"));
    assert_ne!(pred("no_frl"), pred("fof"));
    assert_ne!(pred("no_mca"), pred("fof"));
    let cfg =
        |v: &str| std::fs::read_to_string(out.join("configs").join(format!("{v}.toml"))).unwrap();
    assert!(!cfg("baseline").contains("[model.fof]"));
    assert!(cfg("no_frl").contains("frl = false") && cfg("no_frl").contains("mca = true"));
    assert!(cfg("no_mca").contains("frl = true") && cfg("no_mca").contains("mca = false"));

    // CAM overlays of the same test ROIs in every variant (3 per fold)
    let cams = pngs(&out.join("baseline/cams"));
    assert_eq!(cams.len(), 9, "{cams:?}");
    for v in VARIANTS {
        assert_eq!(pngs(&out.join(v).join("cams")), cams, "{v}");
    }

    // a FoF model grades an image alone: 3 probabilities summing to 1
    let roi = cohort.join("rois").join(cams.iter().next().unwrap());
    let pj = dir.path().join("p.json");
    let (rc, _, err) = gliofuse(&[
        "grade",
        "predict",
        "--model",
        s(&out.join("fof/fold-0")),
        s(&roi),
        "--json",
        s(&pj),
    ]);
    assert_eq!(rc, 0, "{err}");
    let p: Value = serde_json::from_str(&std::fs::read_to_string(&pj).unwrap()).unwrap();
    let probs = p[0]["probabilities"].as_object().unwrap();
    assert_eq!(probs.len(), 3);
    let sum: f64 = probs.values().map(|x| x.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-5, "{sum}");

    // same seed, same bytes: the fof variant alone, again, in another directory
    let out2 = dir.path().join("abl2");
    let (rc, stdout, err) = gliofuse(&[
        "grade",
        "ablation",
        "--config",
        s(&cfg_path),
        "--cohort",
        s(&cohort),
        "--out",
        s(&out2),
        "--folds",
        "3",
        "--only",
        "fof",
    ]);
    assert_eq!(rc, 0, "{err}");
    assert!(stdout.contains("not written yet"), "{stdout}");
    assert!(!out2.join("ablation.json").exists());
    assert_eq!(
        std::fs::read(out2.join("fof/predictions.csv")).unwrap(),
        std::fs::read(out.join("fof/predictions.csv")).unwrap()
    );
    // and the same training losses, epoch by epoch (the .bpk files carry non-weight metadata)
    let losses = |o: &Path| -> Vec<f64> {
        let m: Value = serde_json::from_str(
            &std::fs::read_to_string(o.join("fof/fold-1/metrics.json")).unwrap(),
        )
        .unwrap();
        m.as_array()
            .unwrap()
            .iter()
            .map(|e| e["train_loss"].as_f64().unwrap())
            .collect()
    };
    assert_eq!(losses(&out2).len(), 3);
    assert_eq!(losses(&out2), losses(&out));

    // no overwrite without --resume; --resume keeps the finished variants
    let e = one_error(gliofuse(&args));
    assert!(e.contains("--resume"), "{e}");
    let before = std::fs::read(out.join("ablation.json")).unwrap();
    let mut again = args.to_vec();
    again.push("--resume");
    let (rc, _, err) = gliofuse(&again);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(std::fs::read(out.join("ablation.json")).unwrap(), before);
}

#[test]
fn bad_fof_configs_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = synth(dir.path());
    let text = std::fs::read_to_string(config()).unwrap();
    let run = |name: &str, body: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).unwrap();
        let out = dir.path().join(format!("out-{name}"));
        one_error(gliofuse(&[
            "grade",
            "ablation",
            "--config",
            s(&p),
            "--cohort",
            s(&cohort),
            "--out",
            s(&out),
            "--folds",
            "3",
        ]))
    };
    let e = run("theta.toml", text.replace("theta = 0.5", "theta = 2.0"));
    assert!(
        e.contains("theta.toml") && e.contains("model.fof.theta"),
        "{e}"
    );
    let e = run("bio.toml", text.replace("\"FGFR2\"]", "\"TP53\"]"));
    assert!(
        e.contains("model.fof.biomarkers") && e.contains("TP53"),
        "{e}"
    );
    let e = run("typo.toml", text.replace("lambda1 = 0.2", "lamda1 = 0.2"));
    assert!(e.contains("typo.toml") && e.contains("lamda1"), "{e}");
    let start = text.find("[model.fof]").unwrap();
    let end = text.find("[data]").unwrap();
    let e = run("nofof.toml", format!("{}{}", &text[..start], &text[end..]));
    assert!(e.contains("[model.fof]"), "{e}");
}
