//! `gliofuse grade train | cv | predict` (issue 6): the FoF baseline, a ViT graded from
//! pathology ROIs alone (shared/reference/fof.md).
//!
//! * `train`: one run on the cohort's ROIs, with a patient-level validation split.
//! * `cv`: K-fold cross-validation, folds grouped by patient and stratified by grade (or by
//!   ROI with `--split roi`, only to reproduce upstream FoF's leaky protocol); metrics per ROI
//!   and per patient with the keys of `gliofuse evaluate classification --json`.
//! * `predict`: grade and probabilities of images, optionally Grad-CAM overlays.
//! * `ablation` (issue 7): FoF's ablation, four `cv` runs on the same folds.
//!
//! A config with `[model.fof]` trains FoF (FRL + MCA, [`models::fof`]) in `train` and `cv`
//! ([`fof`]); the trained model is still a ViT graded from the image alone.
//!
//! Grades 2/3/4 are classes 0/1/2. Every run directory holds the engine's files (config.toml,
//! metrics, checkpoints, model.bpk) and `run.json`.

pub mod ablation;
pub mod cv;
pub mod data;
pub mod fof;
pub mod overlay;
pub mod predict;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use clap::{Args as ClapArgs, Subcommand};
use models::Vit;
use models::burn;
use models::train::{
    AugmentationConfig, Dataset, ImageClassification, ImageItem, Normalize, RunDir,
};
use rayon::prelude::*;

use data::{RoiDataset, cohort_rois, load_config, write_run_json};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a ViT on the cohort's ROIs (validation: a seeded, grade-stratified patient split).
    Train(TrainArgs),
    /// K-fold cross-validation grouped by patient; writes cv.json, predictions.csv, one run per fold.
    Cv(cv::CvArgs),
    /// Grade images with a trained model (image only); optional Grad-CAM overlays.
    Predict(predict::PredictArgs),
    /// FoF ablation: baseline, w/o FRL, w/o MCA and FoF cross-validated on the same folds.
    Ablation(ablation::AblationArgs),
}

#[derive(ClapArgs, Debug)]
pub struct TrainArgs {
    /// Experiment configuration (TOML), e.g. configs/grade/vit-tiny.toml.
    #[arg(long)]
    pub config: PathBuf,
    /// Run directory to create (or to continue with --resume).
    #[arg(long)]
    pub out: PathBuf,
    /// Cohort directory (overrides [data] cohort of the config).
    #[arg(long)]
    pub cohort: Option<PathBuf>,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// cpu, gpu or gpu:N (overrides the config's device).
    #[arg(long)]
    pub device: Option<String>,
    /// Fraction of the patients held out for validation, per grade, chosen with the config's
    /// seed; 0 trains on every ROI.
    #[arg(long, default_value_t = 0.2)]
    pub val_fraction: f64,
}

pub fn run(c: Command) -> Result<()> {
    match c {
        Command::Train(a) => train(&a),
        Command::Cv(a) => cv::run(&a),
        Command::Predict(a) => predict::run(&a),
        Command::Ablation(a) => ablation::run(&a),
    }
}

/// Refuse to overwrite a finished or started run unless resuming, and refuse to resume with
/// another configuration (the engine checks the same; checking first keeps run.json intact).
pub(crate) fn check_run_dir(run: &RunDir, config_toml: &str, resume: bool) -> Result<()> {
    let cfg = run.config_path();
    if cfg.exists() {
        if !resume {
            bail!(
                "{}: already holds a run; pass --resume to continue it, or choose another --out",
                run.root.display()
            );
        }
        let old =
            std::fs::read_to_string(&cfg).with_context(|| format!("reading {}", cfg.display()))?;
        if old != config_toml {
            bail!(
                "{}: differs from this experiment's configuration; resume with the configuration (and --cohort, --device) the run started with, or choose another --out",
                cfg.display()
            );
        }
    }
    Ok(())
}

fn train(a: &TrainArgs) -> Result<()> {
    if !(0.0..1.0).contains(&a.val_fraction) {
        bail!(
            "--val-fraction {} must be in [0, 1) (0: no validation split)",
            a.val_fraction
        );
    }
    let (cfg, cohort_dir) = load_config(&a.config, a.cohort.as_deref(), a.device.as_deref())?;
    let rois = cohort_rois(&cohort_dir)?;
    let run = RunDir::new(&a.out);
    let toml = cfg.to_toml()?;
    check_run_dir(&run, &toml, a.resume)?;

    let labels: Vec<usize> = rois.iter().map(|r| r.label()).collect();
    let groups: Vec<&str> = rois.iter().map(|r| r.patient.as_str()).collect();
    let (train_idx, val_idx) = if a.val_fraction > 0.0 {
        let s = stats::splits::train_val_test_by_patient(
            &groups,
            (1.0 - a.val_fraction, a.val_fraction, 0.0),
            Some(&labels),
            cfg.seed,
        )
        .context("splitting the patients into training and validation")?;
        (s.train, s.val)
    } else {
        ((0..rois.len()).collect(), Vec::new())
    };
    if train_idx.is_empty() {
        bail!("no training ROIs left; lower --val-fraction or use a larger cohort");
    }
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    write_run_json(&a.out, "grade-train", &cfg)?;
    write_split(
        &a.out.join("split.csv"),
        &rois,
        &[("train", &train_idx), ("val", &val_idx)],
    )?;
    let n_patients = |idx: &[usize]| {
        idx.iter()
            .map(|&i| rois[i].patient.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    eprintln!(
        "grade train: {} training ROIs ({} patients), {} validation ROIs ({} patients), {}",
        train_idx.len(),
        n_patients(&train_idx),
        val_idx.len(),
        n_patients(&val_idx),
        cfg.device
    );

    let ds = RoiDataset {
        rois,
        image_size: cfg.model.image_size,
    };
    let out = fof::train_grading(&cfg, &ds, &cohort_dir, &train_idx, &val_idx, &run, a.resume)?;
    if let Some(last) = out.metrics.last() {
        let extra: String = last
            .valid
            .iter()
            .map(|(k, v)| format!(", {k} {v:.4}"))
            .collect();
        println!(
            "finished {} epochs: train_loss {:.4}{extra}; model: {}",
            last.epoch,
            last.train_loss,
            run.final_model().display()
        );
    }
    Ok(())
}

/// `split.csv`: `roi_id,patient,grade,side` for every ROI of the named sides.
pub(crate) fn write_split(
    path: &std::path::Path,
    rois: &[data::Roi],
    sides: &[(&str, &[usize])],
) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["roi_id", "patient", "grade", "side"])?;
    for (side, idx) in sides {
        for &i in *idx {
            let r = &rois[i];
            w.write_record([r.id.as_str(), &r.patient, &r.grade.to_string(), side])?;
        }
    }
    let bytes = w.into_inner().context("writing split.csv")?;
    crate::cmd::output::write_atomic(path, &bytes)
}

/// Softmax probabilities of `model` (no autodiff) on `items`, in batches of `batch`, over the
/// grade logits only (a FoF model's background logit, the last, is left out: fof.md section 7).
pub(crate) fn predict_probs(
    model: &Vit,
    normalize: Normalize,
    items: &[ImageItem],
    batch: usize,
    device: &Device,
) -> Result<Vec<Vec<f64>>> {
    let obj = ImageClassification {
        augmentation: AugmentationConfig::none(),
        normalize,
    };
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(batch.max(1)) {
        let (x, _) = obj.batch(chunk, device)?;
        model.check_input(x.dims())?;
        let logits = model.forward(x);
        let [b, outputs] = logits.dims();
        let k = outputs.min(data::GRADES.len());
        let p = softmax(logits.slice([0..b, 0..k]), 1);
        let v: Vec<f32> = p
            .try_into_vec_as::<f32>()
            .map_err(|e| anyhow::anyhow!("reading probabilities: {e:?}"))?;
        out.extend(
            v.chunks(k)
                .map(|r| r.iter().map(|&x| f64::from(x)).collect()),
        );
    }
    Ok(out)
}

/// Items `idx` of `ds`, decoded in parallel.
pub(crate) fn load_items(ds: &RoiDataset, idx: &[usize]) -> Result<Vec<ImageItem>> {
    Ok(idx
        .par_iter()
        .map(|&i| ds.get(i))
        .collect::<Result<Vec<_>, _>>()?)
}
