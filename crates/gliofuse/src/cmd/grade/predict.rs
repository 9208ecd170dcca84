//! `gliofuse grade predict --model RUN IMAGE... [--cam DIR] [--json PATH]`: grade images with a
//! trained model. Needs the image only (no genomics, no cohort). Each image is resized to the
//! model's input size as in training; the grade is the arg-max of the softmax over the three
//! grade logits. `--cam` writes `DIR/<image stem>_cam.png`: the Grad-CAM (fof.md Eq. 1) of the
//! predicted grade on the tokens of `--cam-block` (default: the second-to-last block, as
//! upstream), jet-coloured and blended over the image at its own resolution.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use models::train::{AugmentationConfig, ImageClassification, ImageItem, RunDir, load_trained_vit};
use serde::Serialize;

use super::data::{GRADES, load_rgb, to_pixels};
use super::overlay::overlay;
use super::predict_probs;
use crate::cmd::output::{write_atomic, write_json};

#[derive(ClapArgs, Debug)]
pub struct PredictArgs {
    /// Run directory of `grade train` (or a `fold-K` directory of `grade cv`), or its model.bpk.
    #[arg(long)]
    pub model: PathBuf,
    /// Images to grade (PNG, JPEG or TIFF).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Write a Grad-CAM overlay PNG per image into this directory.
    #[arg(long)]
    pub cam: Option<PathBuf>,
    /// Block whose token outputs Grad-CAM explains (0-based; default: second-to-last).
    #[arg(long)]
    pub cam_block: Option<usize>,
    /// Opacity of the colour map over the image (0..=1).
    #[arg(long, default_value_t = 0.5)]
    pub cam_alpha: f64,
    /// Write the predictions as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// cpu, gpu or gpu:N (default: cpu).
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

#[derive(Serialize)]
struct Prediction {
    image: String,
    grade: u8,
    probabilities: BTreeMap<String, f64>,
}

/// The run directory that `--model` names.
fn run_dir(model: &Path) -> Result<RunDir> {
    let root = if model.is_dir() {
        model.to_path_buf()
    } else if model
        .file_name()
        .is_some_and(|n| n == "model.bpk" || n == "model")
    {
        model
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else if !model.exists() {
        bail!(
            "{}: no such run directory; give --model the --out directory of `grade train` (or a fold-K directory of `grade cv`)",
            model.display()
        );
    } else {
        bail!(
            "{}: not a run directory; give --model the --out directory of `grade train` (or a fold-K directory of `grade cv`)",
            model.display()
        );
    };
    let run = RunDir::new(root);
    if !run.config_path().exists() {
        bail!(
            "{}: no config.toml, so this is not a run directory; give --model the --out directory of `grade train` (or a fold-K directory of `grade cv`)",
            run.root.display()
        );
    }
    if !run.final_model().exists() {
        bail!(
            "{}: no trained model (model.bpk); the run has not finished: continue it with `gliofuse grade train --resume` and the same --config and --out",
            run.final_model().display()
        );
    }
    Ok(run)
}

pub fn run(a: &PredictArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&a.cam_alpha) {
        bail!("--cam-alpha {} must be in [0, 1]", a.cam_alpha);
    }
    let run = run_dir(&a.model)?;
    let device = models::parse_device(&a.device).context("--device")?;
    let (model, cfg) = load_trained_vit(&run, &device)?;
    // a FoF model has one more output (the background class), never used at inference
    if model.num_classes() != cfg.model.outputs() || cfg.model.num_classes != GRADES.len() {
        bail!(
            "{}: the model has {} outputs, a grading model has 3 (4 with FoF's background class)",
            run.final_model().display(),
            model.num_classes()
        );
    }
    let block = match a.cam_block {
        Some(b) if b >= model.depth() => bail!(
            "--cam-block {b}: the model has {} blocks (0..={})",
            model.depth(),
            model.depth() - 1
        ),
        Some(b) => b,
        None => model.depth().saturating_sub(2),
    };
    if let Some(dir) = &a.cam {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let size = cfg.model.image_size;
    let mut out = Vec::with_capacity(a.images.len());
    let mut used_names = BTreeMap::<String, usize>::new();
    for path in &a.images {
        let img = load_rgb(path)?;
        let item = ImageItem {
            pixels: to_pixels(&img, size),
            channels: 3,
            height: size,
            width: size,
            label: 0,
            group: path.display().to_string(),
        };
        let probs = predict_probs(
            &model,
            cfg.data.normalize,
            std::slice::from_ref(&item),
            1,
            &device,
        )?
        .pop()
        .unwrap_or_default();
        let class = (0..probs.len()).fold(0, |b, j| if probs[j] > probs[b] { j } else { b });
        let grade = GRADES[class];
        println!(
            "{}: grade {grade} (p2 {:.4}, p3 {:.4}, p4 {:.4})",
            path.display(),
            probs[0],
            probs[1],
            probs[2]
        );
        if let Some(dir) = &a.cam {
            let obj = ImageClassification {
                augmentation: AugmentationConfig::none(),
                normalize: cfg.data.normalize,
            };
            let (x, _) = obj.batch(std::slice::from_ref(&item), &device)?;
            let cam = models::grad_cam(&model, x, &[class], block)?;
            let map: Vec<f32> = cam
                .try_into_vec_as::<f32>()
                .map_err(|e| anyhow::anyhow!("reading the Grad-CAM map: {e:?}"))?;
            let stem = path
                .file_stem()
                .map_or_else(|| "image".to_string(), |s| s.to_string_lossy().to_string());
            let n = used_names.entry(stem.clone()).or_insert(0);
            *n += 1;
            let name = if *n == 1 {
                format!("{stem}_cam.png")
            } else {
                format!("{stem}-{n}_cam.png")
            };
            let png = overlay(&img, &map, size, size, a.cam_alpha);
            let mut bytes = Vec::new();
            png.write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .context("encoding the overlay PNG")?;
            write_atomic(&dir.join(name), &bytes)?;
        }
        out.push(Prediction {
            image: path.display().to_string(),
            grade,
            probabilities: GRADES
                .iter()
                .zip(&probs)
                .map(|(g, p)| (g.to_string(), *p))
                .collect(),
        });
    }
    if let Some(j) = &a.json {
        write_json(j, &out)?;
    }
    if let Some(dir) = &a.cam {
        eprintln!(
            "wrote {} Grad-CAM overlay(s) (block {block}) to {}",
            out.len(),
            dir.display()
        );
    }
    Ok(())
}
