//! `gliofuse grade cv`: K-fold cross-validation of the ViT baseline.
//!
//! Folds are grouped by patient and stratified by grade (`stats::splits::stratified_group_kfold`,
//! seeded with the config's seed), so no patient is ever on both sides. `--split roi` deals
//! ROIs into folds regardless of patient, as upstream FoF does (`KFold(5, shuffle=True)` over
//! ROI indices, peterlipan/FoF:dataset/dataset_split.py); it leaks patients between training
//! and test and exists only to reproduce that protocol.
//!
//! Each fold trains on all its training ROIs for the configured epochs (no model selection, as
//! upstream: the final epoch is evaluated) in `OUT/fold-K/` (a complete run directory plus
//! `split.csv`), then predicts its held-out ROIs. Outputs:
//!
//! * `OUT/predictions.csv`: `fold,patient,image,label,p2,p3,p4`, the out-of-fold ROI
//!   probabilities (`image` is the ROI's path as written in the ROI table, `label` the grade);
//! * `OUT/cv.json`: `{"folds": [{"roi": F, "patient": F}, ...], "mean": {"roi": F, "patient": F},
//!   "std": {...}}` where F holds the multiclass keys of `gliofuse evaluate classification
//!   --json`; a patient's probabilities are the mean of its ROIs'; `std` is the sample
//!   standard deviation over folds (n - 1);
//! * `OUT/run.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args as ClapArgs, ValueEnum};
use models::burn::module::Module;
use models::train::RunDir;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde_json::{Map, Value};

use super::data::{Roi, RoiDataset, cohort_rois, load_config, write_run_json};
use super::{check_run_dir, load_items, predict_probs, write_split};
use crate::cmd::evaluate::{ClassificationFigures, multiclass_figures};
use crate::cmd::output::{write_atomic, write_json};

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SplitKind {
    /// Folds of patients, stratified by grade (no patient on both sides).
    Patient,
    /// Folds of ROIs regardless of patient (upstream FoF; leaks patients; for reproduction only).
    Roi,
}

#[derive(ClapArgs, Debug)]
pub struct CvArgs {
    /// Experiment configuration (TOML), e.g. configs/grade/vit-tiny.toml.
    #[arg(long)]
    pub config: PathBuf,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// What the folds are made of.
    #[arg(long, value_enum, default_value_t = SplitKind::Patient)]
    pub split: SplitKind,
    /// Cohort directory (overrides [data] cohort of the config).
    #[arg(long)]
    pub cohort: Option<PathBuf>,
    /// Output directory: cv.json, predictions.csv, run.json, fold-0 .. fold-(K-1).
    #[arg(long)]
    pub out: PathBuf,
    /// Continue an interrupted CV in --out (finished folds are reloaded, the others resumed).
    #[arg(long)]
    pub resume: bool,
    /// cpu, gpu or gpu:N (overrides the config's device).
    #[arg(long)]
    pub device: Option<String>,
    /// Grad-CAM overlays written to OUT/cams/<roi>.png per fold: this many test ROIs, the
    /// first of each grade in turn (0: none). The map explains the ground-truth grade's logit
    /// on the config's CAM block (default: second-to-last), as FoF's training does.
    #[arg(long, default_value_t = 3)]
    pub cams: usize,
    /// Train only this fold (0-based) and stop, e.g. to run folds in parallel processes; then
    /// run again with --resume and without --fold to write cv.json and predictions.csv.
    #[arg(long)]
    pub fold: Option<usize>,
}

/// The folds (train, test row indices).
fn make_folds(
    rois: &[Roi],
    k: usize,
    split: SplitKind,
    seed: u64,
) -> Result<Vec<stats::splits::Fold>> {
    let labels: Vec<usize> = rois.iter().map(Roi::label).collect();
    let groups: Vec<&str> = rois.iter().map(|r| r.patient.as_str()).collect();
    match split {
        SplitKind::Patient => stats::splits::stratified_group_kfold(&labels, &groups, k, seed)
            .map_err(|e| anyhow!("--folds {k}: {e}; use fewer folds or a larger cohort")),
        SplitKind::Roi => {
            let mut order: Vec<usize> = (0..rois.len()).collect();
            order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
            let base = stats::splits::kfold(rois.len(), k)
                .map_err(|e| anyhow!("--folds {k}: {e}; use fewer folds"))?;
            Ok(base
                .into_iter()
                .map(|f| {
                    let mut train: Vec<usize> = f.train.iter().map(|&i| order[i]).collect();
                    let mut test: Vec<usize> = f.test.iter().map(|&i| order[i]).collect();
                    train.sort_unstable();
                    test.sort_unstable();
                    stats::splits::Fold { train, test }
                })
                .collect())
        }
    }
}

/// One fold's figures as an ordered JSON object.
fn figures_json(f: &ClassificationFigures) -> Result<Map<String, Value>> {
    match serde_json::to_value(f)? {
        Value::Object(m) => Ok(m),
        _ => bail!("figures are not an object"),
    }
}

/// Mean and sample standard deviation, key by key, of `level` over the folds.
fn summarise(
    folds: &[(Map<String, Value>, Map<String, Value>)],
    level: usize,
) -> (Map<String, Value>, Map<String, Value>) {
    let pick = |f: &(Map<String, Value>, Map<String, Value>)| -> Map<String, Value> {
        if level == 0 { f.0.clone() } else { f.1.clone() }
    };
    let first = pick(&folds[0]);
    let (mut mean, mut std) = (Map::new(), Map::new());
    for key in first.keys() {
        let v: Vec<f64> = folds
            .iter()
            .filter_map(|f| pick(f).get(key).and_then(Value::as_f64))
            .collect();
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        let s = if v.len() > 1 {
            (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        mean.insert(key.clone(), Value::from(m));
        std.insert(key.clone(), Value::from(s));
    }
    (mean, std)
}

/// Figures per ROI and per patient (mean of the patient's ROI probabilities).
fn fold_figures(
    rois: &[Roi],
    test: &[usize],
    probs: &[Vec<f64>],
) -> Result<(ClassificationFigures, ClassificationFigures)> {
    let labels: Vec<usize> = test.iter().map(|&i| rois[i].label()).collect();
    let roi = multiclass_figures(&labels, probs).map_err(|e| anyhow!("ROI level: {e}"))?;
    let mut by_patient: BTreeMap<&str, (usize, Vec<f64>, usize)> = BTreeMap::new();
    for (j, &i) in test.iter().enumerate() {
        let e = by_patient.entry(rois[i].patient.as_str()).or_insert((
            rois[i].label(),
            vec![0.0; probs[j].len()],
            0,
        ));
        for (acc, p) in e.1.iter_mut().zip(&probs[j]) {
            *acc += p;
        }
        e.2 += 1;
    }
    let (mut pl, mut pp) = (Vec::new(), Vec::new());
    for (label, sum, n) in by_patient.into_values() {
        pl.push(label);
        pp.push(sum.iter().map(|s| s / n as f64).collect());
    }
    let patient = multiclass_figures(&pl, &pp).map_err(|e| anyhow!("patient level: {e}"))?;
    Ok((roi, patient))
}

pub fn run(a: &CvArgs) -> Result<()> {
    let (cfg, cohort_dir) = load_config(&a.config, a.cohort.as_deref(), a.device.as_deref())?;
    let rois = cohort_rois(&cohort_dir)?;
    let folds = make_folds(&rois, a.folds, a.split, cfg.seed)?;
    if a.split == SplitKind::Roi {
        eprintln!(
            "warning: --split roi puts ROIs of one patient on both sides of a fold (upstream FoF's protocol); the figures are optimistic"
        );
    }
    if let Some(k) = a.fold
        && k >= folds.len()
    {
        bail!("--fold {k}: the folds are 0..{}", folds.len() - 1);
    }
    let cvj = a.out.join("cv.json");
    if a.fold.is_none() && !a.resume && (a.out.join("run.json").exists() || cvj.exists()) {
        bail!(
            "{}: already holds a cross-validation; pass --resume to continue it, or choose another --out",
            a.out.display()
        );
    }
    let toml = cfg.to_toml()?;
    let selected: Vec<usize> = match a.fold {
        Some(k) => vec![k],
        None => (0..folds.len()).collect(),
    };
    for &f in &selected {
        check_run_dir(
            &RunDir::new(a.out.join(format!("fold-{f}"))),
            &toml,
            a.resume,
        )?;
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    if a.fold.is_none() {
        write_run_json(&a.out, "grade-cv", &cfg)?;
    }

    let device = models::parse_device(&cfg.device)?;
    let ds = RoiDataset {
        rois: rois.clone(),
        image_size: cfg.model.image_size,
    };
    let batch = cfg.schedule.batch_size.max(16);
    let mut pred = csv::Writer::from_writer(Vec::new());
    pred.write_record(["fold", "patient", "image", "label", "p2", "p3", "p4"])?;
    let mut fold_json = Vec::new();
    let started = Instant::now();
    for (f, fold) in folds.iter().enumerate() {
        if !selected.contains(&f) {
            continue;
        }
        let patients = |idx: &[usize]| -> BTreeSet<&str> {
            idx.iter().map(|&i| rois[i].patient.as_str()).collect()
        };
        let (ptrain, ptest) = (patients(&fold.train), patients(&fold.test));
        if a.split == SplitKind::Patient && !ptrain.is_disjoint(&ptest) {
            bail!("internal error: fold {f} has a patient on both sides");
        }
        eprintln!(
            "fold {}/{}: {} training ROIs ({} patients), {} test ROIs ({} patients)",
            f + 1,
            folds.len(),
            fold.train.len(),
            ptrain.len(),
            fold.test.len(),
            ptest.len()
        );
        let dir = a.out.join(format!("fold-{f}"));
        let run = RunDir::new(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        write_split(
            &dir.join("split.csv"),
            &rois,
            &[("train", &fold.train), ("test", &fold.test)],
        )?;
        let outcome =
            super::fof::train_grading(&cfg, &ds, &cohort_dir, &fold.train, &[], &run, a.resume)
                .with_context(|| format!("fold {f}"))?;
        if a.fold.is_some() {
            println!(
                "fold {f} trained in {}; when every fold is, run the same command with --resume and without --fold to write cv.json",
                dir.display()
            );
            return Ok(());
        }
        let model = outcome.model.valid();
        let items = load_items(&ds, &fold.test)?;
        let probs = predict_probs(&model, cfg.data.normalize, &items, batch, &device)?;
        for (&i, p) in fold.test.iter().zip(&probs) {
            let r = &rois[i];
            pred.write_record([
                f.to_string(),
                r.patient.clone(),
                r.rel_path.to_string_lossy().to_string(),
                r.grade.to_string(),
                format!("{:?}", p[0]),
                format!("{:?}", p[1]),
                format!("{:?}", p[2]),
            ])?;
        }
        pred.flush()?;
        write_atomic(&a.out.join("predictions.csv"), pred.get_ref())?;
        if a.cams > 0 {
            let block = cfg
                .model
                .fof
                .as_ref()
                .map_or(model.depth().saturating_sub(2), |x| x.block(model.depth()));
            write_cams(
                &model,
                &cfg,
                &rois,
                &fold.test,
                &items,
                a.cams,
                block,
                &device,
                &a.out.join("cams"),
            )
            .with_context(|| format!("fold {f}: Grad-CAM overlays"))?;
        }
        let (roi, patient) = fold_figures(&rois, &fold.test, &probs)
            .with_context(|| format!("fold {f} ({})", dir.display()))?;
        eprintln!(
            "fold {}/{}: ROI auc_micro {:.4} accuracy {:.4} kappa {:.4}; patient auc_micro {:.4} accuracy {:.4} ({:.0} s so far)",
            f + 1,
            folds.len(),
            roi.auc_micro.unwrap_or(f64::NAN),
            roi.accuracy,
            roi.kappa,
            patient.auc_micro.unwrap_or(f64::NAN),
            patient.accuracy,
            started.elapsed().as_secs_f64()
        );
        fold_json.push((figures_json(&roi)?, figures_json(&patient)?));
    }

    let (mean_roi, std_roi) = summarise(&fold_json, 0);
    let (mean_patient, std_patient) = summarise(&fold_json, 1);
    let level = |roi: Map<String, Value>, patient: Map<String, Value>| {
        let mut m = Map::new();
        m.insert("roi".into(), Value::Object(roi));
        m.insert("patient".into(), Value::Object(patient));
        Value::Object(m)
    };
    let mut doc = Map::new();
    doc.insert(
        "folds".into(),
        Value::Array(
            fold_json
                .iter()
                .map(|(r, p)| level(r.clone(), p.clone()))
                .collect(),
        ),
    );
    doc.insert("mean".into(), level(mean_roi.clone(), mean_patient.clone()));
    doc.insert("std".into(), level(std_roi.clone(), std_patient.clone()));
    write_json(&cvj, &Value::Object(doc))?;
    print!(
        "{}",
        table(
            &[
                ("roi", &mean_roi, &std_roi),
                ("patient", &mean_patient, &std_patient)
            ],
            folds.len()
        )
    );
    println!(
        "wrote {} and {} ({} folds, {:.0} s)",
        cvj.display(),
        a.out.join("predictions.csv").display(),
        folds.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Grad-CAM overlays (`overlay::overlay`, alpha 0.5) of up to `n` test ROIs of a fold, picked
/// grade by grade in test order, named after the ROI id so that runs on the same folds (the
/// ablation's variants) show the same images.
#[allow(clippy::too_many_arguments)]
fn write_cams(
    model: &models::Vit,
    cfg: &models::train::ExperimentConfig<models::train::VitModelConfig>,
    rois: &[Roi],
    test: &[usize],
    items: &[models::train::ImageItem],
    n: usize,
    block: usize,
    device: &models::burn::prelude::Device,
    dir: &std::path::Path,
) -> Result<()> {
    let mut picked: Vec<usize> = Vec::new();
    'outer: while picked.len() < n {
        let before = picked.len();
        for g in super::data::GRADES {
            if let Some(j) =
                (0..test.len()).find(|&j| rois[test[j]].grade == g && !picked.contains(&j))
            {
                picked.push(j);
                if picked.len() == n {
                    break 'outer;
                }
            }
        }
        if picked.len() == before {
            break;
        }
    }
    if picked.is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let obj = models::train::ImageClassification {
        augmentation: models::train::AugmentationConfig::none(),
        normalize: cfg.data.normalize,
    };
    let size = cfg.model.image_size;
    for j in picked {
        let r = &rois[test[j]];
        let (x, _) = obj.batch(std::slice::from_ref(&items[j]), device)?;
        let cam = models::grad_cam(model, x, &[r.label()], block)?;
        let map: Vec<f32> = cam
            .try_into_vec_as::<f32>()
            .map_err(|e| anyhow!("reading the Grad-CAM map: {e:?}"))?;
        let img = super::data::load_rgb(&r.path)?;
        let png = super::overlay::overlay(&img, &map, size, size, 0.5);
        let mut bytes = Vec::new();
        png.write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .context("encoding the overlay PNG")?;
        let safe: String =
            r.id.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
        write_atomic(&dir.join(format!("{safe}.png")), &bytes)?;
    }
    Ok(())
}

/// Mean ± std table in percent, as the FoF paper's Table I (AUC, AP, accuracy, kappa) plus the
/// macro figures and the quadratic kappa.
fn table(levels: &[(&str, &Map<String, Value>, &Map<String, Value>)], k: usize) -> String {
    let keys = [
        "auc_micro",
        "ap_micro",
        "accuracy",
        "kappa",
        "auc_macro",
        "ap_macro",
        "kappa_quadratic",
    ];
    let mut s = String::new();
    let _ = writeln!(s, "{k}-fold cross-validation, mean ± std over folds, %");
    let _ = write!(s, "{:<8}", "level");
    for key in keys {
        let _ = write!(s, " {key:>16}");
    }
    s.push('\n');
    for (name, mean, std) in levels {
        let _ = write!(s, "{name:<8}");
        for key in keys {
            let m = mean.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let d = std.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN);
            let _ = write!(s, " {:>16}", format!("{:.2} ± {:.2}", 100.0 * m, 100.0 * d));
        }
        s.push('\n');
    }
    s
}
