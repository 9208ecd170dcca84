//! FoF training for the `grade` commands (issue 7; shared/reference/fof.md): an experiment with
//! a `[model.fof]` section trains the FoF model (ViT + mask token + FRL projector + MCA heads)
//! on the ROIs and their patients' biomarker states; one without trains the baseline ViT. Either
//! way the result is a ViT that grades an image alone.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use models::Vit;
use models::fof::{FofItem, train_fof};
use models::train::{
    DataError, Dataset, ExperimentConfig, ImageItem, RunDir, Subset, TrainOutcome, VitModelConfig,
    train_vit,
};

use super::data::RoiDataset;

/// The discrete states of `names` (see [`models::fof::KNOWN_BIOMARKERS`]) for every patient of
/// the cohort: IDH 0/1, 1p/19q codeletion 0/1, gene-level CNV -2..2; `None` when unknown.
pub fn biomarker_states(
    cohort_dir: &Path,
    names: &[String],
) -> Result<BTreeMap<String, Vec<Option<i64>>>> {
    let c = cohort::Cohort::open(cohort_dir)
        .with_context(|| format!("reading the cohort {}", cohort_dir.display()))?;
    let mut out = BTreeMap::new();
    for p in &c.patients {
        let states = names
            .iter()
            .map(|n| match n.as_str() {
                "idh" => p.idh.map(i64::from),
                "codel" => p.codel_1p19q.map(i64::from),
                gene => cohort::tables::CNV_GENES
                    .iter()
                    .position(|g| *g == gene)
                    .and_then(|i| p.cnv[i])
                    .map(i64::from),
            })
            .collect();
        out.insert(p.patient_id.clone(), states);
    }
    Ok(out)
}

/// The ROIs with their patients' biomarker states, as an engine dataset of [`FofItem`]s.
pub struct FofRoiDataset<'a> {
    pub rois: &'a RoiDataset,
    /// One row per ROI, in the config's biomarker order.
    pub states: Vec<Vec<Option<i64>>>,
}

impl<'a> FofRoiDataset<'a> {
    pub fn new(
        rois: &'a RoiDataset,
        by_patient: &BTreeMap<String, Vec<Option<i64>>>,
        n: usize,
    ) -> Self {
        let states = rois
            .rois
            .iter()
            .map(|r| {
                by_patient
                    .get(&r.patient)
                    .cloned()
                    .unwrap_or_else(|| vec![None; n])
            })
            .collect();
        Self { rois, states }
    }
}

impl Dataset for FofRoiDataset<'_> {
    type Item = FofItem;
    fn len(&self) -> usize {
        self.rois.len()
    }
    fn get(&self, index: usize) -> Result<FofItem, DataError> {
        let image = self.rois.get(index)?;
        Ok(FofItem {
            image,
            biomarkers: self.states[index].clone(),
        })
    }
}

/// Train the experiment's model on `train_idx` of `ds` (with validation on `valid_idx` for the
/// baseline), FoF when the config has `[model.fof]`. Returns the trained ViT.
pub fn train_grading(
    cfg: &ExperimentConfig<VitModelConfig>,
    ds: &RoiDataset,
    cohort_dir: &Path,
    train_idx: &[usize],
    valid_idx: &[usize],
    run: &RunDir,
    resume: bool,
) -> Result<TrainOutcome<Vit>> {
    match &cfg.model.fof {
        None => {
            let train_set = Subset {
                inner: ds,
                indices: train_idx.to_vec(),
            };
            let val_set = Subset {
                inner: ds,
                indices: valid_idx.to_vec(),
            };
            let valid: Option<&dyn Dataset<Item = ImageItem>> = if valid_idx.is_empty() {
                None
            } else {
                Some(&val_set)
            };
            Ok(train_vit(cfg, &train_set, valid, run, resume, true)?)
        }
        Some(fof) => {
            let names: Vec<String> = if fof.mca {
                fof.biomarkers.clone()
            } else {
                Vec::new()
            };
            let states = biomarker_states(cohort_dir, &names)?;
            let fds = FofRoiDataset::new(ds, &states, names.len());
            if fof.mca {
                let known: Vec<usize> = (0..names.len())
                    .map(|j| {
                        train_idx
                            .iter()
                            .filter(|&&i| fds.states[i][j].is_some())
                            .count()
                    })
                    .collect();
                eprintln!(
                    "FoF: frl {}, mca {} ({}); training ROIs with a known state: {:?}",
                    fof.frl,
                    fof.mca,
                    names.join(", "),
                    known
                );
            } else {
                eprintln!("FoF: frl {}, mca false", fof.frl);
            }
            let train_set = Subset {
                inner: &fds,
                indices: train_idx.to_vec(),
            };
            let val_set = Subset {
                inner: &fds,
                indices: valid_idx.to_vec(),
            };
            let valid: Option<&dyn Dataset<Item = FofItem>> =
                if valid_idx.is_empty() { None } else { Some(&val_set) };
            let out = train_fof(cfg, &train_set, valid, run, resume, true)?;
            Ok(TrainOutcome {
                model: out.model.vit,
                metrics: out.metrics,
                finished: out.finished,
            })
        }
    }
}
