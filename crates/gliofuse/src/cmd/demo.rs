//! `gliofuse demo`: the main job on the embedded default, end to end.
//!
//! Runs, in order, with demo-sized configurations (configs/demo/, embedded in the binary and
//! written to `OUT/configs/` so that every run can be repeated with the plain subcommands):
//! 1. the synthetic multimodal cohort (`synth`) and its validation (`cohort check`);
//! 2. radiomics on pyradiomics' own brain1 test case (shipped inside the binary), checked
//!    against the values pyradiomics 3.1.0 gives for it;
//! 3. grading: `grade cv` (folds grouped by patient) for every entry of [`GRADING`], then
//!    Grad-CAM overlays (`grade predict --cam`) of the same held-out ROIs for each;
//! 4. slides: `slides tile`, then `slides embed` with a small ViT of seeded random
//!    initialisation (configs/demo/encoder.toml: it has seen no label, so no outcome leaks into
//!    the patch features);
//! 5. survival: `survival train` for every entry of [`SURVIVAL`] (Steyaert joint fusion and
//!    scaled dot-product cross-attention), then attention heat maps (`survival predict
//!    --attention`) of a few test slides for the attention model;
//! 6. IDH from MRI: `idh run` (radiomics + SA-Net, selection, Models 1-4, stratified CV);
//! 7. the HTML report (`OUT/report.html`) of every run directory under `OUT/runs/` and of the
//!    steps above, and a summary table on the terminal.
//!
//! Each pipeline is called through its library-level entry point with a constructed argument
//! struct (no subprocess). The run directories the demo writes (`OUT/runs/<name>`,
//! `OUT/slides`, `OUT/encoder`) are replaced by a rerun; nothing else under `--out` is removed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use serde_json::Value;

use super::output::write_atomic;

/// pyradiomics' brain1 test case (BSD-3-Clause, see crates/radiomics/tests/data/pyradiomics).
const BRAIN1_IMAGE: &[u8] = include_bytes!("../../../radiomics/tests/data/pyradiomics/brain1_image.nrrd");
const BRAIN1_LABEL: &[u8] = include_bytes!("../../../radiomics/tests/data/pyradiomics/brain1_label.nrrd");
/// pyradiomics 3.1.0's output for brain1 with default settings (`feature,value`).
const BRAIN1_REFERENCE: &str = include_str!("../../../radiomics/tests/data/pyradiomics/brain1_default.csv");

/// An embedded configuration file: its name under `OUT/configs/`, the full demo's text and the
/// `--quick` demo's text.
struct Config {
    file: &'static str,
    full: &'static str,
    quick: &'static str,
}

impl Config {
    fn text(&self, quick: bool) -> &'static str {
        if quick { self.quick } else { self.full }
    }

    /// Write the config to `OUT/configs/<file>` and return the path.
    fn write(&self, dir: &Path, quick: bool) -> Result<PathBuf> {
        let path = dir.join(self.file);
        write_atomic(&path, self.text(quick).as_bytes())?;
        Ok(path)
    }
}

macro_rules! demo_config {
    ($file:literal) => {
        Config {
            file: $file,
            full: include_str!(concat!("../../../../configs/demo/", $file)),
            quick: include_str!(concat!("../../../../configs/demo/quick/", $file)),
        }
    };
}

/// The grading experiments, as (run directory name, configuration): each runs `grade cv` on the
/// cohort's ROIs and gets Grad-CAM overlays of the same held-out ROIs, so that the report shows
/// them side by side: the ViT baseline and FoF (trained with the cohort's biomarkers, inferred
/// from the image alone), on the same folds.
const GRADING: &[(&str, Config)] = &[
    ("grade-baseline", demo_config!("grade-baseline.toml")),
    ("grade-fof", demo_config!("grade-fof.toml")),
];

/// The survival experiments on the demo's slide bags + RNA, as (run directory name,
/// configuration); `true` marks a model with attention weights to draw over the slides.
const SURVIVAL: &[(&str, Config, bool)] = &[
    ("survival-joint", demo_config!("survival-joint.toml"), false),
    ("survival-crossattn", demo_config!("survival-crossattn.toml"), true),
];

/// The IDH run (its radiomics parameter file is written next to it, where it names it).
const IDH: (&str, Config, Config) = ("idh", demo_config!("idh.toml"), demo_config!("idh-params.yaml"));

/// The random-init ViT that encodes the slide patches.
const ENCODER: Config = demo_config!("encoder.toml");

/// Folds of the grading cross-validation.
const GRADE_FOLDS: usize = 3;
/// ROIs with Grad-CAM overlays per grading run.
const CAM_ROIS: usize = 4;
/// Test slides with attention heat maps.
const ATTENTION_SLIDES: usize = 4;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Output directory.
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// Smaller cohort and configurations (under 3 minutes on 2 cores).
    #[arg(long)]
    pub quick: bool,
    /// Seed of the synthetic cohort.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// One line of the closing summary.
struct Row {
    step: String,
    result: String,
    seconds: f64,
}

/// The sizes that differ between the full and the quick demo.
struct Sizes {
    patients: usize,
    /// Pathology ROI side (pixels): the ViT sees the ROIs at this size, so the nuclei keep the
    /// size the grade evidence is drawn at (docs/synthetic-cohort.md).
    roi_size: usize,
    /// Whole-slide image side (pixels).
    slide_size: usize,
    genes: usize,
    mri_size: [usize; 3],
    /// Patch side for tiling (pixels at 20x).
    patch_size: u32,
    /// Patches per slide.
    max_patches: usize,
    /// Seeds of each survival model.
    survival_seeds: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes { patients: 40, roi_size: 64, slide_size: 512, genes: 500, mri_size: [64, 64, 32], patch_size: 64, max_patches: 16, survival_seeds: 1 }
        } else {
            Sizes { patients: 120, roi_size: 64, slide_size: 2048, genes: 2000, mri_size: [96, 96, 48], patch_size: 128, max_patches: 64, survival_seeds: 3 }
        }
    }
}

pub fn run(a: Args) -> Result<()> {
    let total = Instant::now();
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let sizes = Sizes::new(a.quick);
    let configs = a.out.join("configs");
    let runs = a.out.join("runs");
    let mut rows = Vec::new();
    let steps = 7;

    // 1. Synthetic cohort.
    let cohort_dir = a.out.join("cohort");
    let t = Instant::now();
    let mut synth = synth_args(&cohort_dir, sizes.patients, a.seed)?;
    synth.roi_size = sizes.roi_size;
    synth.slide_size = sizes.slide_size;
    synth.genes = sizes.genes;
    synth.mri_size = sizes.mri_size.to_vec();
    eprintln!("[1/{steps}] synthetic cohort: {} patients -> {}", sizes.patients, cohort_dir.display());
    super::synth::run(synth)?;
    super::cohort::run(super::cohort::Command::Check(super::cohort::CheckArgs {
        dir: cohort_dir.clone(),
        decode_slides: false,
    }))?;
    rows.push(Row { step: "synthetic cohort + check".into(), result: format!("{} patients, all checks pass", sizes.patients), seconds: t.elapsed().as_secs_f64() });

    // 2. Radiomics parity on brain1.
    let t = Instant::now();
    eprintln!("[2/{steps}] radiomics on pyradiomics' brain1 test case");
    let (n, worst) = brain1_parity(&a.out.join("radiomics"))?;
    rows.push(Row {
        step: "radiomics brain1 vs pyradiomics 3.1.0".into(),
        result: format!("{n} features, max relative difference {worst:.1e}"),
        seconds: t.elapsed().as_secs_f64(),
    });

    // 3. Grading.
    eprintln!("[3/{steps}] grading: {} ({}-fold CV grouped by patient) + Grad-CAM", names(GRADING.iter().map(|g| g.0)), GRADE_FOLDS);
    let mut cam_images: Option<Vec<PathBuf>> = None;
    for (name, config) in GRADING {
        let t = Instant::now();
        let dir = fresh(&runs.join(name))?;
        let config = config.write(&configs, a.quick)?;
        super::grade::cv::run(&super::grade::cv::CvArgs {
            config,
            folds: GRADE_FOLDS,
            split: super::grade::cv::SplitKind::Patient,
            cohort: Some(cohort_dir.clone()),
            out: dir.clone(),
            resume: false,
            device: None,
            fold: None,
            // The demo draws its own overlays below: the same ROIs for every grading run.
            cams: 0,
        })
        .with_context(|| format!("grading run {name}"))?;
        // The same held-out ROIs of fold 0 for every grading run (the folds depend on the seed only).
        if cam_images.is_none() {
            cam_images = Some(fold_test_rois(&cohort_dir, &dir.join("fold-0/split.csv"), CAM_ROIS)?);
        }
        super::grade::predict::run(&super::grade::predict::PredictArgs {
            model: dir.join("fold-0"),
            images: cam_images.clone().unwrap_or_default(),
            cam: Some(dir.join("cams")),
            cam_block: None,
            cam_alpha: 0.5,
            json: Some(dir.join("cam_predictions.json")),
            device: "cpu".into(),
        })
        .with_context(|| format!("Grad-CAM of {name}"))?;
        rows.push(Row { step: format!("grading: {name}"), result: grade_headline(&dir)?, seconds: t.elapsed().as_secs_f64() });
    }

    // 4. Slides -> patch-feature bags.
    let t = Instant::now();
    eprintln!("[4/{steps}] slides: tiling and patch features (random-init ViT encoder)");
    let slides = fresh(&a.out.join("slides"))?;
    let (tiles, bags) = (slides.join("tiles"), slides.join("bags"));
    super::slides::run(super::slides::Command::Tile(super::slides::TileArgs {
        cohort: cohort_dir.clone(),
        out: tiles.clone(),
        max_patches: sizes.max_patches,
        seed: a.seed,
        patch_size: sizes.patch_size,
        magnification: 20.0,
        target_magnification: 20.0,
        reader: super::slides::ReaderArg::Auto,
        threads: None,
    }))?;
    ENCODER.write(&configs, a.quick)?;
    let encoder = write_encoder(&fresh(&a.out.join("encoder"))?, a.quick)?;
    super::slides::run(super::slides::Command::Embed(super::slides_embed::EmbedArgs {
        cohort: cohort_dir.clone(),
        tiles: tiles.clone(),
        out: bags.clone(),
        encoder: super::slides_embed::EncoderArg::Vit,
        weights: None,
        model: Some(encoder),
        batch: 32,
        device: "cpu".into(),
        max_patches: None,
        patch_size: None,
        reader: super::slides::ReaderArg::Auto,
    }))?;
    rows.push(Row { step: "slides: tile + embed".into(), result: bags_headline(&bags)?, seconds: t.elapsed().as_secs_f64() });

    // 5. Survival.
    eprintln!("[5/{steps}] survival: {} on slide bags + RNA", names(SURVIVAL.iter().map(|s| s.0)));
    for (name, config, attention) in SURVIVAL {
        let t = Instant::now();
        let dir = fresh(&runs.join(name))?;
        let config = config.write(&configs, a.quick)?;
        super::survival_train::train_cmd(&super::survival_train::TrainArgs {
            config,
            cohort: cohort_dir.clone(),
            bags: Some(bags.clone()),
            out: dir.clone(),
            seeds: sizes.survival_seeds,
            resume: false,
            quiet: false,
            bags_in_memory: false,
        })
        .with_context(|| format!("survival run {name}"))?;
        if *attention {
            attention_maps(&cohort_dir, &bags, &dir, &slides.join(format!("shown-{name}")))
                .with_context(|| format!("attention heat maps of {name}"))?;
        }
        rows.push(Row { step: format!("survival: {name}"), result: survival_headline(&dir)?, seconds: t.elapsed().as_secs_f64() });
    }

    // 6. IDH.
    let t = Instant::now();
    eprintln!("[6/{steps}] IDH from MRI: radiomics + SA-Net, Models 1-4");
    let (name, config, params) = &IDH;
    let dir = fresh(&runs.join(name))?;
    params.write(&configs, a.quick)?;
    let config = config.write(&configs, a.quick)?;
    super::idh::run(super::idh::Command::Run(super::idh::RunArgs {
        cohort: cohort_dir.clone(),
        config,
        out: dir.clone(),
        folds: None,
        threads: None,
        features_only: false,
    }))
    .context("IDH run")?;
    rows.push(Row { step: format!("IDH: {name}"), result: idh_headline(&dir)?, seconds: t.elapsed().as_secs_f64() });

    // 7. The HTML report of everything above.
    let t = Instant::now();
    eprintln!("[7/{steps}] HTML report");
    let report_path = a.out.join("report.html");
    let mut shown = rows.iter().map(|r| (r.step.clone(), r.seconds, r.result.clone())).collect::<Vec<_>>();
    shown.push(("total so far".into(), total.elapsed().as_secs_f64(), String::new()));
    let order: Vec<PathBuf> = GRADING.iter().map(|g| g.0).chain(SURVIVAL.iter().map(|s| s.0)).chain([IDH.0]).map(|n| runs.join(n)).collect();
    let built = write_report(&a.out, &cohort_dir, &order, &shown, a.quick, &report_path)?;
    rows.push(Row {
        step: "HTML report".into(),
        result: format!("{} sections, {} KB", built.section_ids.len(), built.bytes / 1024),
        seconds: t.elapsed().as_secs_f64(),
    });

    println!();
    println!("{:<42} {:>8}  result", "step", "seconds");
    for r in &rows {
        println!("{:<42} {:>8.1}  {}", r.step, r.seconds, r.result);
    }
    println!("{:<42} {:>8.1}", "total", total.elapsed().as_secs_f64());
    println!();
    println!(
        "Ran the {} demo: grading ({}), survival ({}), IDH Models 1-4 (Models 3 and 4 are the fusions), radiomics parity on brain1.",
        if a.quick { "quick" } else { "full" },
        names(GRADING.iter().map(|g| g.0)),
        names(SURVIVAL.iter().map(|s| s.0)),
    );
    println!("Demo-sized models on a synthetic cohort: the figures show the pipelines work, not the papers' results.");
    println!("Outputs: {} (configs used: {})", a.out.display(), configs.display());
    println!("Report: {}", report_path.display());
    Ok(())
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}

/// Remove a directory the demo writes (left from an earlier demo) and create it empty.
fn fresh(dir: &Path) -> Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing the earlier demo output {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir.to_path_buf())
}

/// Up to `k` test ROIs of a `grade cv` fold (its split.csv), as image paths: one per patient,
/// taking the grades in turn (II, III, IV, II, ...) so that the overlays show different grades.
fn fold_test_rois(cohort_dir: &Path, split: &Path, k: usize) -> Result<Vec<PathBuf>> {
    let rois = super::grade::data::cohort_rois(cohort_dir)?;
    let path_of: BTreeMap<&str, &Path> = rois.iter().map(|r| (r.id.as_str(), r.path.as_path())).collect();
    let mut rd = csv::Reader::from_path(split).with_context(|| format!("reading {}", split.display()))?;
    // grade -> the first test ROI of each patient, in file order
    let mut by_grade: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for rec in rd.records() {
        let rec = rec.with_context(|| format!("reading {}", split.display()))?;
        let (Some(id), Some(patient), Some(grade), Some("test")) = (rec.get(0), rec.get(1), rec.get(2), rec.get(3)) else { continue };
        if let Some(p) = path_of.get(id)
            && seen.insert(patient.to_string())
        {
            by_grade.entry(grade.to_string()).or_default().push(p.to_path_buf());
        }
    }
    let mut out = Vec::new();
    for i in 0.. {
        let before = out.len();
        for list in by_grade.values() {
            if out.len() < k && let Some(p) = list.get(i) {
                out.push(p.clone());
            }
        }
        if out.len() == k || out.len() == before {
            break;
        }
    }
    if out.is_empty() {
        bail!("{}: no test ROI in fold 0", split.display());
    }
    Ok(out)
}

fn read_json(path: &Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{}: not JSON", path.display()))
}

/// `mean ± std` of a JSON number pair.
fn pm(mean: &Value, std: &Value) -> String {
    match (mean.as_f64(), std.as_f64()) {
        (Some(m), Some(s)) => format!("{m:.3} ± {s:.3}"),
        (Some(m), None) => format!("{m:.3}"),
        _ => "n/a".into(),
    }
}

/// Patient-level accuracy, kappa and micro AUC of a `grade cv` run (mean ± std over folds).
fn grade_headline(dir: &Path) -> Result<String> {
    let cv = read_json(&dir.join("cv.json"))?;
    let f = |k: &str| pm(&cv["mean"]["patient"][k], &cv["std"]["patient"][k]);
    Ok(format!(
        "patient accuracy {}, kappa {}, AUC (micro) {} over {} folds",
        f("accuracy"),
        f("kappa"),
        f("auc_micro"),
        cv["folds"].as_array().map_or(0, Vec::len)
    ))
}

/// Slides, patches and feature width of the bags.
fn bags_headline(bags: &Path) -> Result<String> {
    let e = read_json(&bags.join("embed.json"))?;
    Ok(format!(
        "{} slides, {} patches, {}-d features ({:.0} patches/s)",
        e["slides"], e["patches"], e["dim"], e["patches_per_second"].as_f64().unwrap_or(f64::NAN)
    ))
}

/// Test C-index (patient level) of a `survival train` run, mean ± std over seeds.
fn survival_headline(dir: &Path) -> Result<String> {
    let m = read_json(&dir.join("metrics.json"))?;
    let c = &m["c_index_test_case"];
    Ok(format!("test C-index (patient) {} over {} seed(s)", pm(&c["mean"], &c["std"]), c["n"]))
}

/// AUC of Models 3 and 4 of an `idh run` (mean ± std over folds).
fn idh_headline(dir: &Path) -> Result<String> {
    let r = read_json(&dir.join("results.json"))?;
    let auc = |m: &str| pm(&r[m]["auc"]["mean"], &r[m]["auc"]["std"]);
    Ok(format!("AUC Model 3 {}, Model 4 {} (Model 1 {}, Model 2 {})", auc("model3"), auc("model4"), auc("model1"), auc("model2")))
}

/// The patch encoder as a run directory `slides embed --encoder vit` reads: config.toml and a
/// model.bpk of the ViT with the config's seeded random initialisation.
fn write_encoder(dir: &Path, quick: bool) -> Result<PathBuf> {
    use models::train::{ExperimentConfig, RunDir, VitModelConfig};
    let origin = dir.join("config.toml");
    let cfg = ExperimentConfig::<VitModelConfig>::from_toml_str(ENCODER.text(quick), &origin)?;
    let run = RunDir::new(dir);
    write_atomic(&run.config_path(), cfg.to_toml()?.as_bytes())?;
    let device = models::parse_device(&cfg.device)?;
    let vit = cfg.model.vit().init(&device, cfg.seed)?;
    models::train::engine::save_module(&vit, &run.final_model())?;
    Ok(dir.to_path_buf())
}

/// Attention heat maps of the first test slides of the run's first seed: `survival predict
/// --attention` on a directory holding those slides' bags only.
fn attention_maps(cohort_dir: &Path, bags: &Path, dir: &Path, shown: &Path) -> Result<()> {
    let pred = dir.join("predictions.csv");
    let mut rd = csv::Reader::from_path(&pred).with_context(|| format!("reading {}", pred.display()))?;
    let headers = rd.headers()?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n).with_context(|| format!("{}: no column {n}", pred.display()));
    let (seed_c, split_c, slide_c) = (col("seed")?, col("split")?, col("slide")?);
    let mut seed = None;
    let mut slides: Vec<String> = Vec::new();
    for rec in rd.records() {
        let rec = rec.with_context(|| format!("reading {}", pred.display()))?;
        let s = rec.get(seed_c).unwrap_or_default().to_string();
        if seed.get_or_insert_with(|| s.clone()) != &s || rec.get(split_c) != Some("test") {
            continue;
        }
        let slide = rec.get(slide_c).unwrap_or_default().to_string();
        if !slide.is_empty() && !slides.contains(&slide) && slides.len() < ATTENTION_SLIDES {
            slides.push(slide);
        }
    }
    let Some(seed) = seed else { bail!("{}: no predictions", pred.display()) };
    let shown = fresh(shown)?;
    for s in &slides {
        let f = format!("{s}.safetensors");
        std::fs::copy(bags.join(&f), shown.join(&f)).with_context(|| format!("copying the bag of slide {s}"))?;
    }
    let c = cohort::Cohort::open(cohort_dir)?;
    let rna = c.manifest.tables.rna.as_ref().map(|p| c.resolve(p));
    super::survival_train::predict_cmd(&super::survival_train::PredictArgs {
        model: dir.join(format!("seed-{seed}")),
        bags: Some(shown),
        rna,
        out: dir.join("attention_predictions.csv"),
        attention: Some(dir.join("attention")),
        cohort: Some(cohort_dir.to_path_buf()),
    })
}

/// OUT/report.html: the step summary, the synthetic cohort, the brain1 parity, plus a section
/// per pipeline run directory (`runs`, in the order the demo ran them).
fn write_report(out: &Path, cohort_dir: &Path, runs: &[PathBuf], rows: &[(String, f64, String)], quick: bool, path: &Path) -> Result<crate::report::Built> {
    use crate::report::{Extras, SummaryTable, radiomics::RadiomicsInput};
    let mut extras = Extras::default();
    extras.summaries.push(SummaryTable {
        id: "demo-steps".into(),
        title: "Demo: what ran".into(),
        intro: format!(
            "gliofuse demo{} on the embedded synthetic cohort, with the demo-sized configurations in {} \
             (small models, few epochs: the figures show that the pipelines run end to end, not the papers' results). \
             Slide patches are encoded by a randomly initialised ViT that has seen no label.",
            if quick { " --quick" } else { "" },
            out.join("configs").display()
        ),
        headers: vec!["step".into(), "seconds".into(), "result".into()],
        rows: rows.iter().map(|r| vec![r.0.clone(), format!("{:.1}", r.1), r.2.clone()]).collect(),
    });
    let c = cohort::Cohort::open(cohort_dir)?;
    let count = |f: &dyn Fn(&cohort::tables::Patient) -> bool| c.patients.iter().filter(|p| f(p)).count().to_string();
    let cohort_rows = vec![
        vec!["patients".to_string(), c.patients.len().to_string()],
        vec!["grade II / III / IV".into(), format!("{} / {} / {}", count(&|p| p.grade == Some(2)), count(&|p| p.grade == Some(3)), count(&|p| p.grade == Some(4)))],
        vec!["IDH mutant / wildtype".into(), format!("{} / {}", count(&|p| p.idh == Some(1)), count(&|p| p.idh == Some(0)))],
        vec!["deaths (events) / censored".into(), format!("{} / {}", count(&|p| p.event == Some(1)), count(&|p| p.event == Some(0)))],
        vec!["pathology ROIs".into(), c.rois.len().to_string()],
        vec!["whole-slide images".into(), c.slides.len().to_string()],
        vec!["RNA genes".into(), c.rna.as_ref().map_or("0".into(), |r| r.genes.len().to_string())],
        vec!["MRI cases (T1, T1CE, T2, FLAIR + mask)".into(), c.mri.len().to_string()],
    ];
    extras.summaries.push(SummaryTable {
        id: "demo-cohort".into(),
        title: "Synthetic cohort".into(),
        intro: format!("{} (generated by gliofuse synth, checked by gliofuse cohort check).", cohort_dir.display()),
        headers: vec!["".into(), "count".into()],
        rows: cohort_rows,
    });
    let reference = out.join("radiomics/brain1_pyradiomics-3.1.0.csv");
    write_atomic(&reference, BRAIN1_REFERENCE.as_bytes())?;
    extras.radiomics.push(RadiomicsInput {
        title: "Radiomics parity: brain1 vs pyradiomics 3.1.0".into(),
        csv: out.join("radiomics/brain1_features.csv"),
        reference: Some(reference),
    });
    crate::report::build_with(runs, &extras, path)
}

/// `synth` arguments with the command's own defaults (parsed, so the defaults live in one place).
fn synth_args(out: &Path, patients: usize, seed: u64) -> Result<super::synth::Args> {
    #[derive(clap::Parser)]
    struct Wrap {
        #[command(flatten)]
        args: super::synth::Args,
    }
    let out = out.to_string_lossy().into_owned();
    let (patients, seed) = (patients.to_string(), seed.to_string());
    let w = <Wrap as clap::Parser>::try_parse_from(["synth", "--out", &out, "--patients", &patients, "--seed", &seed])
        .context("building the synth arguments")?;
    Ok(w.args)
}

/// Extract brain1 from the embedded files and compare with pyradiomics' values.
fn brain1_parity(dir: &Path) -> Result<(usize, f64)> {
    let image = dir.join("brain1_image.nrrd");
    let mask = dir.join("brain1_label.nrrd");
    write_atomic(&image, BRAIN1_IMAGE)?;
    write_atomic(&mask, BRAIN1_LABEL)?;
    let ex = radiomics::Extractor::new(radiomics::Params::default())?;
    let got = ex.execute_files(&image, &mask)?;
    let mut csv = String::from("feature,value\n");
    for (k, v) in &got.features {
        csv.push_str(&format!("{k},{}\n", radiomics::settings::python_float_repr(*v)));
    }
    write_atomic(&dir.join("brain1_features.csv"), csv.as_bytes())?;

    let mut worst = 0.0f64;
    let mut n = 0;
    for line in BRAIN1_REFERENCE.lines().skip(1) {
        let Some((name, value)) = line.split_once(',') else { continue };
        let reference: f64 = value.parse().with_context(|| format!("embedded reference: {line}"))?;
        let Some(v) = got.get(name) else { bail!("brain1: feature {name} missing from the extraction") };
        let d = if reference == 0.0 { v.abs() } else { ((v - reference) / reference).abs() };
        worst = worst.max(d);
        n += 1;
    }
    Ok((n, worst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use models::survival::SurvivalModelConfig;
    use models::train::{ExperimentConfig, VitModelConfig};

    /// Every embedded configuration, full and quick, parses and passes its loader's checks (the
    /// CLI test runs only the quick ones), and the grading and encoder inputs match the sizes
    /// the demo generates.
    #[test]
    fn every_embedded_config_is_valid_full_and_quick() {
        for quick in [false, true] {
            let sizes = Sizes::new(quick);
            for (name, c) in GRADING {
                let cfg = ExperimentConfig::<VitModelConfig>::from_toml_str(c.text(quick), Path::new(c.file))
                    .unwrap_or_else(|e| panic!("{name} (quick {quick}): {e}"));
                assert_eq!(cfg.model.num_classes, 3, "{name}");
                assert_eq!(cfg.model.image_size, sizes.roi_size, "{name}: the ViT sees the ROIs at their own size");
            }
            for (name, c, _) in SURVIVAL {
                let cfg = ExperimentConfig::<SurvivalModelConfig>::from_toml_str(c.text(quick), Path::new(c.file))
                    .unwrap_or_else(|e| panic!("{name} (quick {quick}): {e}"));
                cfg.model.validate().unwrap_or_else(|e| panic!("{name} (quick {quick}): {e}"));
            }
            let enc = ExperimentConfig::<VitModelConfig>::from_toml_str(ENCODER.text(quick), Path::new(ENCODER.file))
                .unwrap_or_else(|e| panic!("encoder (quick {quick}): {e}"));
            assert!(enc.model.image_size as u32 <= sizes.patch_size, "the encoder does not upsample patches");
            let params = radiomics::settings::Params::from_yaml_str(IDH.2.text(quick))
                .unwrap_or_else(|e| panic!("IDH radiomics parameters (quick {quick}): {e}"));
            radiomics::Extractor::new(params).unwrap_or_else(|e| panic!("IDH radiomics parameters (quick {quick}): {e}"));
            let idh: toml::Table = toml::from_str(IDH.1.text(quick)).unwrap_or_else(|e| panic!("idh.toml (quick {quick}): {e}"));
            assert_eq!(idh["radiomics"]["params"].as_str(), Some(IDH.2.file), "idh.toml names the parameter file written next to it");
        }
    }
}
