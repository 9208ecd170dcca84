//! The grading data: the cohort's ROI table with each patient's WHO grade (2/3/4 -> class
//! 0/1/2), an engine [`Dataset`] that decodes and resizes the ROIs on demand, the experiment
//! configuration with the CLI's overrides, and the run's `run.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use image::RgbImage;
use image::imageops::FilterType;
use models::train::{DataError, Dataset, ExperimentConfig, ImageItem, VitModelConfig};
use serde::Serialize;

use crate::cmd::output::write_json;

/// The grades, in class order.
pub const GRADES: [u8; 3] = [2, 3, 4];

/// One ROI with its patient's grade.
#[derive(Debug, Clone)]
pub struct Roi {
    pub id: String,
    pub patient: String,
    /// As written in the ROI table (relative to the cohort directory).
    pub rel_path: PathBuf,
    /// Resolved path.
    pub path: PathBuf,
    pub grade: u8,
}

impl Roi {
    /// Class index 0..3.
    pub fn label(&self) -> usize {
        usize::from(self.grade - 2)
    }
}

/// The ROIs of a cohort whose patient has a grade, in ROI-table order.
pub fn cohort_rois(dir: &Path) -> Result<Vec<Roi>> {
    let manifest = cohort::manifest::manifest_path(dir);
    if !manifest.exists() {
        bail!(
            "{}: not a cohort (no {}); point --cohort (or [data] cohort in the config) at a cohort directory, e.g. one written by `gliofuse synth`",
            dir.display(),
            cohort::manifest::MANIFEST_FILE
        );
    }
    let c = cohort::Cohort::open(dir)?;
    if c.manifest.tables.rois.is_none() {
        bail!(
            "{}: the cohort has no ROI table; add `rois = \"rois.csv\"` under [tables]",
            manifest.display()
        );
    }
    let grade: BTreeMap<&str, Option<u8>> = c
        .patients
        .iter()
        .map(|p| (p.patient_id.as_str(), p.grade))
        .collect();
    let mut rois = Vec::new();
    let mut skipped = BTreeSet::new();
    for r in &c.rois {
        match grade.get(r.patient_id.as_str()).copied().flatten() {
            Some(g) if GRADES.contains(&g) => rois.push(Roi {
                id: r.id.clone(),
                patient: r.patient_id.clone(),
                rel_path: r.path.clone(),
                path: c.resolve(&r.path),
                grade: g,
            }),
            _ => {
                skipped.insert(r.patient_id.clone());
            }
        }
    }
    if !skipped.is_empty() {
        eprintln!(
            "note: the ROIs of {} patient(s) without a grade are left out",
            skipped.len()
        );
    }
    let table = c.resolve(c.manifest.tables.rois.as_deref().unwrap_or(Path::new("")));
    for g in GRADES {
        if !rois.iter().any(|r| r.grade == g) {
            bail!(
                "{}: no ROI of a grade-{g} patient; grading needs ROIs of grades 2, 3 and 4",
                table.display()
            );
        }
    }
    Ok(rois)
}

/// Decode `path` to RGB.
pub fn load_rgb(path: &Path) -> Result<RgbImage> {
    cohort::image::load_rgb(path).map_err(|e| {
        anyhow!("{e}; give a readable PNG, JPEG or TIFF image")
            .context(format!("reading image {}", path.display()))
    })
}

/// An RGB image resized (bilinear, `image`'s triangle filter) to `size` x `size`, as
/// channel-major floats in [0, 1].
pub fn to_pixels(img: &RgbImage, size: usize) -> Vec<f32> {
    let resized;
    let img = if (img.width() as usize, img.height() as usize) == (size, size) {
        img
    } else {
        resized = image::imageops::resize(img, size as u32, size as u32, FilterType::Triangle);
        &resized
    };
    cohort::image::to_unit_planes(img)
}

/// The ROIs as an engine dataset: items are decoded and resized when asked for.
pub struct RoiDataset {
    pub rois: Vec<Roi>,
    pub image_size: usize,
}

impl Dataset for RoiDataset {
    type Item = ImageItem;
    fn len(&self) -> usize {
        self.rois.len()
    }
    fn get(&self, index: usize) -> Result<ImageItem, DataError> {
        let r = self.rois.get(index).ok_or(DataError::OutOfRange {
            index,
            len: self.rois.len(),
        })?;
        let img = cohort::image::load_rgb(&r.path).map_err(|e| DataError::Item {
            path: r.path.clone(),
            reason: format!("{e}; replace the image or drop its row from the ROI table"),
        })?;
        Ok(ImageItem {
            pixels: to_pixels(&img, self.image_size),
            channels: 3,
            height: self.image_size,
            width: self.image_size,
            label: r.label(),
            group: r.patient.clone(),
        })
    }
}

/// The experiment configuration with the CLI's `--cohort` and `--device` applied, and the
/// cohort directory to use.
pub fn load_config(
    path: &Path,
    cohort: Option<&Path>,
    device: Option<&str>,
) -> Result<(ExperimentConfig<VitModelConfig>, PathBuf)> {
    if !path.exists() {
        bail!(
            "{}: no such config file; give --config an experiment TOML such as configs/grade/tiny.toml",
            path.display()
        );
    }
    let mut cfg = ExperimentConfig::<VitModelConfig>::from_file(path)?;
    if cfg.model.num_classes != GRADES.len() {
        bail!(
            "{}: key `model.num_classes` is {}; grading has 3 classes (grades 2, 3, 4): set num_classes = 3",
            path.display(),
            cfg.model.num_classes
        );
    }
    if cfg.model.channels != 3 {
        bail!(
            "{}: key `model.channels` is {}; ROIs are RGB: set channels = 3",
            path.display(),
            cfg.model.channels
        );
    }
    if let Err((key, why)) = cfg.model.validate_fof() {
        bail!("{}: key `{key}`: {why}", path.display());
    }
    if let Some(d) = device {
        models::DeviceSpec::parse(d).context("--device")?;
        cfg.device = d.to_string();
    }
    if let Some(c) = cohort {
        cfg.data.cohort = Some(c.to_path_buf());
    }
    let dir = cfg.data.cohort.clone().ok_or_else(|| {
        anyhow!(
            "{}: no cohort: pass --cohort DIR or set `cohort = \"DIR\"` under [data]",
            path.display()
        )
    })?;
    // fail here, before any training, when the backend is not there
    models::parse_device(&cfg.device).context("device")?;
    Ok((cfg, dir))
}

/// `RUN/run.json` (the run-directory contract read by `gliofuse report`).
#[derive(Serialize)]
struct RunJson<'a> {
    kind: &'a str,
    gliofuse_version: &'a str,
    command: String,
    config: serde_json::Value,
}

/// The command line as typed (arguments with spaces quoted).
pub fn command_line() -> String {
    std::env::args()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("'{a}'")
            } else {
                a
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Write `dir/run.json`.
pub fn write_run_json(
    dir: &Path,
    kind: &str,
    config: &ExperimentConfig<VitModelConfig>,
) -> Result<()> {
    let run = RunJson {
        kind,
        gliofuse_version: env!("CARGO_PKG_VERSION"),
        command: command_line(),
        config: serde_json::to_value(config).context("serialising the configuration")?,
    };
    write_json(&dir.join("run.json"), &run)
}
