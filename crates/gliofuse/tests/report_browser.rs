//! The report in a real browser: headless Chromium loads the page built from the committed
//! sample runs, the DOM after load must hold every section and every picture must have decoded
//! (each `<img>` marks itself `data-loaded="<natural width>"` on load and `data-broken` on error),
//! and a screenshot is taken and checked to be a non-blank PNG.
//!
//! Chromium: `$GLIOFUSE_CHROMIUM`, else `chromium`, `chromium-browser`, `google-chrome` on PATH
//! (Debian: `apt-get install chromium`; `.ci/run` installs it). Without it the test prints why
//! it skips, except under `CI=true`, where a missing browser is a failure.
//! `GLIOFUSE_SCREENSHOT=PATH` keeps a copy of the sample runs' screenshot. docs/report.png is
//! the same screenshot (same flags and window size) of the full demo's report, see README.
//! The `--quick` demo runs once per test binary and is shared by the two demo tests.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GLIOFUSE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
        for dir in std::env::split_paths(&path) {
            let c = dir.join(name);
            if c.is_file() {
                return Some(c);
            }
        }
    }
    None
}

/// The browser, or None after printing why the test skips (a failure under CI=true).
fn browser_or_skip() -> Option<PathBuf> {
    match chromium() {
        Some(c) => Some(c),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but no Chromium found (install the Debian package `chromium`, or set GLIOFUSE_CHROMIUM)")
        }
        None => {
            eprintln!("SKIP report_browser: no chromium on PATH (apt-get install chromium, or set GLIOFUSE_CHROMIUM)");
            None
        }
    }
}

fn headless(chrome: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chrome);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--mute-audio",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .env("HOME", profile);
    c
}

fn url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().expect("absolute path").display())
}

/// The DOM after load.
fn dump_dom(chrome: &Path, profile: &Path, page: &Path) -> String {
    let o = headless(chrome, profile)
        .arg("--virtual-time-budget=5000")
        .arg("--dump-dom")
        .arg(url(page))
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Problems in a loaded DOM: missing sections, pictures that did not decode (and no picture at
/// all when `pictures` is set).
fn problems(dom: &str, ids: &[&str], pictures: bool) -> Vec<String> {
    let mut p = Vec::new();
    for id in ids {
        if !dom.contains(&format!(" id=\"{id}\"")) {
            p.push(format!("section {id} missing from the DOM"));
        }
    }
    let imgs: Vec<&str> = dom
        .split("<img ")
        .skip(1)
        .map(|s| &s[..s.find('>').unwrap_or(s.len())])
        .collect();
    if pictures && imgs.is_empty() {
        p.push("no picture in the page".into());
    }
    for (i, tag) in imgs.iter().enumerate() {
        // The attribute the onerror handler sets (not the handler's own text).
        if tag.contains("data-broken=\"") {
            p.push(format!("picture {i} is broken"));
        }
        let w = tag
            .split("data-loaded=\"")
            .nth(1)
            .and_then(|s| s[..s.find('"').unwrap_or(0)].parse::<u32>().ok())
            .unwrap_or(0);
        if w == 0 {
            p.push(format!("picture {i} did not load"));
        }
    }
    p
}

#[test]
fn report_renders_in_chromium_with_every_section_and_no_broken_picture() {
    let Some(chrome) = browser_or_skip() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = dir.path().join("profile");
    std::fs::create_dir(&profile).expect("mkdir");
    let page = dir.path().join("report.html");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/report");
    let o = Command::new(env!("CARGO_BIN_EXE_gliofuse"))
        .arg("report")
        .args(
            [
                "grade-baseline",
                "grade-fof",
                "grade-train",
                "survival-crossattn",
                "idh-default",
            ]
            .map(|n| data.join(n)),
        )
        .arg("--radiomics")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../radiomics/tests/data/pyradiomics/brain1_default.csv"))
        .arg("--out")
        .arg(&page)
        .output()
        .expect("run gliofuse");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let ids = [
        "contents",
        "grade-compare-1",
        "grade-cv-1",
        "grade-cv-2",
        "grade-train-1",
        "survival-1",
        "idh-1",
        "radiomics-1",
        "versions",
    ];
    let dom = dump_dom(&chrome, &profile, &page);
    let found = problems(&dom, &ids, true);
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(
        dom.matches("data-loaded=\"").count(),
        18,
        "every CAM and attention picture loads"
    );
    // Inline SVG charts are in the DOM: ROC/PR/KM/training plots and confusion matrices.
    assert!(dom.matches("<svg").count() >= 12, "charts missing");

    // The checker catches a picture the browser cannot decode (negative control).
    let html = std::fs::read_to_string(&page).expect("read");
    let first = html.find("data:image/png;base64,").expect("a picture") + "data:image/png;base64,".len();
    let broken = dir.path().join("broken.html");
    std::fs::write(
        &broken,
        format!(
            "{}bm90IGEgcG5n{}",
            &html[..first],
            &html[first + html[first..].find('"').expect("end")..]
        ),
    )
    .expect("write");
    let found = problems(&dump_dom(&chrome, &profile, &broken), &ids, true);
    assert!(found.iter().any(|p| p == "picture 0 is broken"), "{found:?}");

    // Screenshot: a PNG of the window size that is not blank.
    let shot = dir.path().join("report.png");
    let o = headless(&chrome, &profile)
        .arg("--window-size=1400,2000")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(url(&page))
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let img = image::open(&shot).expect("screenshot decodes").to_rgb8();
    assert_eq!(img.dimensions(), (1400, 2000));
    let distinct: std::collections::BTreeSet<[u8; 3]> = img.pixels().step_by(97).map(|p| p.0).collect();
    assert!(
        distinct.len() > 50,
        "the screenshot looks blank ({} colours)",
        distinct.len()
    );
    if let Some(dest) = std::env::var_os("GLIOFUSE_SCREENSHOT") {
        std::fs::copy(&shot, &dest).expect("copy the screenshot");
    }
}

/// The output of one `gliofuse demo --quick` run, shared by the tests below (a few minutes on
/// 2 cores, so it runs once per test binary): the temporary directory, OUT and stdout.
fn quick_demo() -> &'static (tempfile::TempDir, PathBuf, String) {
    static DEMO: std::sync::OnceLock<(tempfile::TempDir, PathBuf, String)> = std::sync::OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("demo");
        let o = Command::new(env!("CARGO_BIN_EXE_gliofuse"))
            .args(["demo", "--quick", "--out"])
            .arg(&out)
            .output()
            .expect("run demo");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (dir, out, String::from_utf8_lossy(&o.stdout).into_owned())
    })
}

/// The pipeline run directories of the demo: (name, kind in run.json, header of predictions.csv).
const DEMO_RUNS: [(&str, &str, &str); 5] = [
    ("grade-baseline", "grade-cv", "fold,patient,image,label,p2,p3,p4"),
    ("grade-fof", "grade-cv", "fold,patient,image,label,p2,p3,p4"),
    ("survival-joint", "survival", "seed,split,patient,slide,time,event,risk"),
    ("survival-crossattn", "survival", "seed,split,patient,slide,time,event,risk"),
    ("idh", "idh", "fold,model,patient,label,prob"),
];

#[test]
fn quick_demo_writes_a_run_directory_per_pipeline() {
    let (_, out, _) = quick_demo();
    let cohort = std::fs::read_to_string(out.join("cohort/patients.csv")).expect("patients.csv");
    let patients = cohort.lines().count() - 1;
    for (name, kind, header) in DEMO_RUNS {
        let dir = out.join("runs").join(name);
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).expect("run.json")).expect("JSON");
        assert_eq!(run["kind"], kind, "{name}");
        assert!(run["config"].is_object(), "{name}: run.json has the resolved config");
        assert!(run["command"].as_str().is_some_and(|c| c.contains("demo")), "{name}");
        let pred = std::fs::read_to_string(dir.join("predictions.csv")).expect("predictions.csv");
        let mut lines = pred.lines();
        assert_eq!(lines.next(), Some(header), "{name}");
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert!(rows.len() >= 10, "{name}: {} prediction rows", rows.len());
        // Every prediction is a probability or a finite risk.
        let last: Vec<f64> = rows.iter().map(|r| r[r.len() - 1].parse::<f64>().expect("number")).collect();
        assert!(last.iter().all(|v| v.is_finite()), "{name}");
        if kind != "survival" {
            assert!(last.iter().all(|v| (0.0..=1.0).contains(v)), "{name}");
        }
        // Patient-level splits: in grading, no patient in two folds.
        if kind == "grade-cv" {
            let mut fold_of = std::collections::BTreeMap::new();
            for r in &rows {
                assert_eq!(*fold_of.entry(r[1]).or_insert(r[0]), r[0], "patient {} in two folds", r[1]);
            }
            assert!(fold_of.len() <= patients);
        }
    }
    // The pictures the report shows: Grad-CAM overlays and attention heat maps.
    let pngs = |d: &Path| {
        std::fs::read_dir(d)
            .map(|rd| rd.filter_map(|e| e.ok()).filter(|e| e.path().extension().is_some_and(|x| x == "png")).count())
            .unwrap_or(0)
    };
    assert_eq!(pngs(&out.join("runs/grade-baseline/cams")), 4);
    assert_eq!(pngs(&out.join("runs/grade-fof/cams")), 4);
    // Baseline and FoF saw the same folds (same seed and patients): the report compares them.
    let folds = |n: &str| {
        let p = std::fs::read_to_string(out.join("runs").join(n).join("predictions.csv")).expect("predictions.csv");
        let mut v: Vec<String> = p.lines().skip(1).map(|l| l.split(',').take(3).collect::<Vec<_>>().join(",")).collect();
        v.sort();
        v
    };
    assert_eq!(folds("grade-baseline"), folds("grade-fof"));
    assert!(pngs(&out.join("runs/survival-crossattn/attention")) >= 1);
    // The configs used, written for reruns with the plain subcommands.
    for f in ["grade-baseline.toml", "grade-fof.toml", "survival-joint.toml", "survival-crossattn.toml", "idh.toml", "idh-params.yaml", "encoder.toml"] {
        assert!(out.join("configs").join(f).is_file(), "configs/{f}");
    }
}

#[test]
fn quick_demo_ends_with_the_report_path_and_its_report_renders() {
    let (dir, out, stdout) = quick_demo();
    let page = out.join("report.html");
    assert_eq!(
        stdout.trim_end().lines().last(),
        Some(format!("Report: {}", page.display()).as_str()),
        "{stdout}"
    );
    // The summary table names every step with its headline metric.
    for step in ["grading: grade-baseline", "grading: grade-fof", "survival: survival-joint", "survival: survival-crossattn", "IDH: idh"] {
        assert!(stdout.contains(step), "{step} missing from the summary: {stdout}");
    }
    let html = std::fs::read_to_string(&page).expect("report.html");
    let ids = [
        "demo-steps",
        "demo-cohort",
        "grade-compare-1",
        "grade-cv-1",
        "grade-cv-2",
        "survival-1",
        "survival-2",
        "idh-1",
        "radiomics-1",
        "versions",
    ];
    for id in ids {
        assert!(html.contains(&format!("<section id=\"{id}\"")), "section {id} missing");
    }
    // brain1: all 107 features compared with pyradiomics 3.1.0's values.
    assert!(html.contains("All 107 feature values"));
    // 2 x 4 Grad-CAM overlays and at least one attention heat map, inline.
    assert!(html.matches("data:image/png;base64,").count() >= 9);
    let Some(chrome) = browser_or_skip() else { return };
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(&profile).expect("mkdir");
    let dom = dump_dom(&chrome, &profile, &page);
    let found = problems(&dom, &ids, true);
    assert!(found.is_empty(), "{found:?}");
    assert!(dom.matches("data-loaded=\"").count() >= 9, "every CAM and attention picture loads");
}
