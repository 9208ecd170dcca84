//! Training and evaluation of the survival models through the shared engine
//! ([`crate::train::train`]).
//!
//! * One dataset item is one slide ([`SlideItem`]: its bag, the patient's transformed RNA, time
//!   and event); a Cox row is a slide. RNA-only models use one item per patient.
//! * Training ([`SurvivalObjective::batch_loss`]): for every slide of the batch, `bag_size`
//!   patches are drawn without replacement (all of them when the slide has fewer; smaller bags
//!   are padded and masked) from the objective's seeded RNG, which also draws the dropout masks;
//!   loss = event-averaged Cox NLL of the slide risks.
//! * Evaluation ([`predict`]): every patch of every slide, no dropout.
//! * Lazy bags: an item may carry a [`BagFile`] instead of its features
//!   ([`SlideItem::lazy`]); a training step then reads only the sampled patches of its slides
//!   from disk, and evaluation reads one chunk of slides (at most `eval_patch_budget` patches) at
//!   a time, so a cohort's bags are never all in memory. The values, hence the results for a
//!   seed, are the same as with in-memory bags (same RNG draws, same rows).
//! * Model selection: after each epoch the validation C-index at case level (case risk = mean
//!   of its slides' risks) is computed; when it beats the best so far (strictly, so the earliest
//!   epoch wins ties) the model is saved as `RUN/best_model.bpk` with `RUN/best.json`. A resumed
//!   run reads `best.json` back, so selection survives interruption.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use burn::prelude::*;
use cohort::slides::bags::BagFile;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::cox_loss::{Ties, cox_loss};
use super::layers::BagBatch;
use super::model::SurvivalNet;
use crate::train::data::Dataset;
use crate::train::engine::save_module;
use crate::train::objective::Objective;
use crate::train::run::write_atomic;
use crate::train::{RunDir, TrainError};

/// One slide (or, for RNA-only models, one patient).
#[derive(Debug, Clone)]
pub struct SlideItem {
    pub slide_id: String,
    pub patient_id: String,
    /// `n_patches * dim` patch features, row-major; empty for a lazy item (`bag` set).
    pub features: Arc<Vec<f32>>,
    /// The bag file this item's features are read from on demand (see [`SlideItem::lazy`]).
    pub bag: Option<Arc<BagFile>>,
    pub n_patches: usize,
    /// Transformed RNA of the patient.
    pub rna: Arc<Vec<f32>>,
    pub time: f64,
    pub event: bool,
}

/// Feature values read from lazy bags and held at this moment, and the most held at once
/// (instrumentation: the bound on memory that lazy loading promises; see [`lazy_peak_values`]).
static LAZY_RESIDENT: AtomicUsize = AtomicUsize::new(0);
static LAZY_PEAK: AtomicUsize = AtomicUsize::new(0);

/// Most feature values read from lazy bags that were in memory at the same time since the
/// process started (or since [`reset_lazy_peak`]).
pub fn lazy_peak_values() -> usize {
    LAZY_PEAK.load(Ordering::SeqCst)
}

/// Restart the peak count of [`lazy_peak_values`] from what is held now.
pub fn reset_lazy_peak() {
    LAZY_PEAK.store(LAZY_RESIDENT.load(Ordering::SeqCst), Ordering::SeqCst);
}

/// Counts `n` values as resident while alive.
struct Resident(usize);

impl Resident {
    fn new(n: usize) -> Self {
        let now = LAZY_RESIDENT.fetch_add(n, Ordering::SeqCst) + n;
        LAZY_PEAK.fetch_max(now, Ordering::SeqCst);
        Resident(n)
    }
}

impl Drop for Resident {
    fn drop(&mut self) {
        LAZY_RESIDENT.fetch_sub(self.0, Ordering::SeqCst);
    }
}

impl SlideItem {
    /// An item whose features stay on disk in `bag` until a step or an evaluation needs them.
    pub fn lazy(
        slide_id: String,
        patient_id: String,
        bag: Arc<BagFile>,
        rna: Arc<Vec<f32>>,
        time: f64,
        event: bool,
    ) -> Self {
        SlideItem {
            slide_id,
            patient_id,
            features: Arc::new(Vec::new()),
            n_patches: bag.len(),
            bag: Some(bag),
            rna,
            time,
            event,
        }
    }

    /// Rows `idx` of the bag, row-major (read from disk for a lazy item).
    fn rows(&self, idx: &[usize], dim: usize) -> Result<Vec<f32>, TrainError> {
        match &self.bag {
            Some(b) => b.read_rows(idx).map_err(data_err),
            None => {
                let mut f = Vec::with_capacity(idx.len() * dim);
                for &i in idx {
                    f.extend_from_slice(&self.features[i * dim..(i + 1) * dim]);
                }
                Ok(f)
            }
        }
    }

    /// All features (a cheap clone in memory; read from disk for a lazy item).
    fn all_features(&self) -> Result<Arc<Vec<f32>>, TrainError> {
        match &self.bag {
            Some(b) => Ok(Arc::new(b.read_all().map_err(data_err)?)),
            None => Ok(self.features.clone()),
        }
    }
}

/// The Cox objective over slides.
pub struct SurvivalObjective {
    /// Patch-feature width D.
    pub dim: usize,
    /// Patches sampled per slide per training step.
    pub bag_size: usize,
    pub ties: Ties,
    /// Most patches evaluated in one forward (bounds memory at evaluation).
    pub eval_patch_budget: usize,
    selection: Option<Selection>,
}

struct Selection {
    root: PathBuf,
    state: Mutex<SelectState>,
}

/// `RUN/best.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SelectState {
    /// Epochs evaluated so far.
    pub evaluated: usize,
    /// Best epoch (1-based) and its validation case-level C-index.
    pub best_epoch: Option<usize>,
    pub best_c_index: Option<f64>,
}

fn data_err(e: impl std::fmt::Display) -> TrainError {
    TrainError::Data(e.to_string())
}

impl SurvivalObjective {
    pub fn new(dim: usize, bag_size: usize, ties: Ties) -> Self {
        Self {
            dim,
            bag_size,
            ties,
            eval_patch_budget: 32_768,
            selection: None,
        }
    }

    /// Select the model on the validation C-index, saving the best in `run`. With `resume`, the
    /// state is read from `RUN/best.json` and the number of completed epochs from the newest
    /// checkpoint.
    pub fn with_selection(mut self, run: &RunDir, resume: bool) -> Result<Self, TrainError> {
        let mut state = SelectState {
            evaluated: 0,
            best_epoch: None,
            best_c_index: None,
        };
        if resume {
            let p = run.root.join("best.json");
            if p.exists() {
                let text = std::fs::read_to_string(&p).map_err(|source| TrainError::Io {
                    path: p.clone(),
                    source,
                })?;
                state = serde_json::from_str(&text).map_err(|e| TrainError::Run {
                    path: p.clone(),
                    reason: format!("unreadable ({e})"),
                })?;
            }
            state.evaluated = run.list_checkpoints()?.last().map_or(0, |(e, _)| *e);
            if state.best_epoch.is_some_and(|b| b > state.evaluated) {
                state.best_epoch = None;
                state.best_c_index = None;
            }
        }
        self.selection = Some(Selection {
            root: run.root.clone(),
            state: Mutex::new(state),
        });
        Ok(self)
    }

    fn batch(&self, items: &[SlideItem], device: &Device) -> Result<BagBatch, TrainError> {
        check_items(items, self.dim)?;
        let bags: Vec<(&[f32], usize)> = items
            .iter()
            .map(|i| (i.features.as_slice(), i.n_patches))
            .collect();
        let rna: Vec<&[f32]> = items.iter().map(|i| i.rna.as_slice()).collect();
        Ok(BagBatch::new(&bags, self.dim, &rna, device))
    }
}

fn check_items(items: &[SlideItem], dim: usize) -> Result<(), TrainError> {
    let g = items.first().map_or(0, |i| i.rna.len());
    for it in items {
        if let Some(b) = &it.bag {
            if b.dim != dim || b.len() != it.n_patches || it.n_patches == 0 {
                return Err(TrainError::Data(format!(
                    "{}: {} patches of width {}, expected {} of width {dim}; every bag needs at least one patch of the same width",
                    b.path.display(),
                    b.len(),
                    b.dim,
                    it.n_patches
                )));
            }
        } else if it.features.len() != it.n_patches * dim || it.n_patches == 0 {
            return Err(TrainError::Data(format!(
                "slide `{}` has {} values for {} patches of width {dim}; every bag needs at least one patch of the same width",
                it.slide_id,
                it.features.len(),
                it.n_patches
            )));
        }
        if it.rna.len() != g {
            return Err(TrainError::Data(format!(
                "patient `{}` has {} RNA values, others {g}",
                it.patient_id,
                it.rna.len()
            )));
        }
    }
    Ok(())
}

impl Objective for SurvivalObjective {
    type Model = SurvivalNet;
    type Item = SlideItem;

    fn batch_loss(
        &self,
        model: &SurvivalNet,
        items: Vec<SlideItem>,
        rng: &mut ChaCha8Rng,
        device: &Device,
    ) -> Result<Tensor<1>, TrainError> {
        let d = self.dim;
        check_items(&items, d)?;
        // Draws in item order exactly as for in-memory bags; a lazy item reads only these rows.
        let sampled: Vec<SlideItem> = items
            .iter()
            .map(|it| {
                let (features, n) = if it.n_patches <= self.bag_size {
                    (it.all_features()?, it.n_patches)
                } else {
                    let idx = sample(rng, it.n_patches, self.bag_size).into_vec();
                    (Arc::new(it.rows(&idx, d)?), self.bag_size)
                };
                Ok(SlideItem {
                    features,
                    bag: None,
                    n_patches: n,
                    ..it.clone()
                })
            })
            .collect::<Result<_, TrainError>>()?;
        let lazy_values: usize = items
            .iter()
            .zip(&sampled)
            .filter(|(it, _)| it.bag.is_some())
            .map(|(_, s)| s.features.len())
            .sum();
        let _resident = Resident::new(lazy_values);
        let batch = self.batch(&sampled, device)?;
        drop(sampled);
        let out = model.forward(batch, &mut Some(rng));
        let time: Vec<f64> = items.iter().map(|i| i.time).collect();
        let event: Vec<bool> = items.iter().map(|i| i.event).collect();
        cox_loss(out.risk, &time, &event, self.ties).map_err(data_err)
    }

    fn evaluate(
        &self,
        model: &SurvivalNet,
        data: &dyn Dataset<Item = SlideItem>,
        _batch_size: usize,
        device: &Device,
    ) -> Result<BTreeMap<String, f64>, TrainError> {
        let items = (0..data.len())
            .map(|i| data.get(i))
            .collect::<Result<Vec<_>, _>>()?;
        let preds = predict(
            model,
            &items,
            self.dim,
            self.eval_patch_budget,
            false,
            device,
        )?;
        let risk: Vec<f64> = preds.iter().map(|p| p.risk).collect();
        let mut m = BTreeMap::new();
        let time: Vec<f64> = items.iter().map(|i| i.time).collect();
        let event: Vec<bool> = items.iter().map(|i| i.event).collect();
        let r32: Vec<f32> = risk.iter().map(|&r| r as f32).collect();
        let loss: f32 = cox_loss(
            Tensor::<1>::from_floats(r32.as_slice(), device),
            &time,
            &event,
            self.ties,
        )
        .map_err(data_err)?
        .into_scalar();
        m.insert("loss".to_string(), loss as f64);
        let slide_c = stats::concordance::harrell_c(&time, &event, &risk)
            .map(|c| c.c_index)
            .unwrap_or(f64::NAN);
        let cases = case_level(&items, &risk);
        let case_c = stats::concordance::harrell_c(&cases.time, &cases.event, &cases.risk)
            .map(|c| c.c_index)
            .unwrap_or(f64::NAN);
        m.insert("c_index_slide".to_string(), slide_c);
        m.insert("c_index_case".to_string(), case_c);
        if let Some(sel) = &self.selection {
            let mut st = sel
                .state
                .lock()
                .map_err(|_| TrainError::Data("selection state poisoned".into()))?;
            st.evaluated += 1;
            if case_c.is_finite() && st.best_c_index.is_none_or(|b| case_c > b) {
                st.best_epoch = Some(st.evaluated);
                st.best_c_index = Some(case_c);
                save_module(model, &sel.root.join("best_model.bpk"))?;
                let json = serde_json::to_vec_pretty(&*st).map_err(data_err)?;
                write_atomic(&sel.root.join("best.json"), &json)?;
            }
        }
        Ok(m)
    }
}

/// Risk of one slide, and its attention over the patches (mean over heads) when the model has one.
#[derive(Debug, Clone)]
pub struct SlidePrediction {
    pub risk: f64,
    pub attention: Option<Vec<f32>>,
}

/// Risks of `items` with all their patches (evaluation mode), batched so that a forward holds at
/// most `patch_budget` padded patches.
pub fn predict(
    model: &SurvivalNet,
    items: &[SlideItem],
    dim: usize,
    patch_budget: usize,
    with_attention: bool,
    device: &Device,
) -> Result<Vec<SlidePrediction>, TrainError> {
    check_items(items, dim)?;
    let mut out = Vec::with_capacity(items.len());
    let mut start = 0;
    while start < items.len() {
        let mut end = start + 1;
        let mut kmax = items[start].n_patches;
        while end < items.len() {
            let k = kmax.max(items[end].n_patches);
            if k * (end + 1 - start) > patch_budget {
                break;
            }
            kmax = k;
            end += 1;
        }
        let chunk = &items[start..end];
        // Lazy items are read here, one chunk at a time, and dropped after the forward.
        let feats = chunk
            .iter()
            .map(SlideItem::all_features)
            .collect::<Result<Vec<_>, _>>()?;
        let _resident = Resident::new(
            chunk
                .iter()
                .zip(&feats)
                .filter(|(it, _)| it.bag.is_some())
                .map(|(_, f)| f.len())
                .sum(),
        );
        let bags: Vec<(&[f32], usize)> = feats
            .iter()
            .zip(chunk)
            .map(|(f, i)| (f.as_slice(), i.n_patches))
            .collect();
        let rna: Vec<&[f32]> = chunk.iter().map(|i| i.rna.as_slice()).collect();
        let o = model.forward(BagBatch::new(&bags, dim, &rna, device), &mut None);
        let risk: Vec<f32> = o
            .risk
            .try_into_vec_as::<f32>()
            .map_err(|e| data_err(format!("{e:?}")))?;
        let att: Option<Vec<f32>> = match (with_attention, o.attention) {
            (true, Some(a)) => {
                let [b, _, k] = a.dims();
                Some(
                    a.mean_dim(1)
                        .reshape([b * k])
                        .try_into_vec_as::<f32>()
                        .map_err(|e| data_err(format!("{e:?}")))?,
                )
            }
            _ => None,
        };
        for (j, it) in chunk.iter().enumerate() {
            if !risk[j].is_finite() {
                return Err(TrainError::Data(format!(
                    "the risk of slide `{}` is {}; lower [optimizer] lr",
                    it.slide_id, risk[j]
                )));
            }
            out.push(SlidePrediction {
                risk: risk[j] as f64,
                attention: att
                    .as_ref()
                    .map(|a| a[j * kmax..j * kmax + it.n_patches].to_vec()),
            });
        }
        start = end;
    }
    Ok(out)
}

/// Case-level survival rows: one per patient (in order of first appearance), risk = mean of its
/// slides' risks.
#[derive(Debug, Clone, Default)]
pub struct Cases {
    pub patient: Vec<String>,
    pub time: Vec<f64>,
    pub event: Vec<bool>,
    pub risk: Vec<f64>,
}

pub fn case_level(items: &[SlideItem], risk: &[f64]) -> Cases {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut c = Cases::default();
    let mut n: Vec<usize> = Vec::new();
    for (it, &r) in items.iter().zip(risk) {
        match index.get(it.patient_id.as_str()) {
            Some(&k) => {
                c.risk[k] += r;
                n[k] += 1;
            }
            None => {
                index.insert(&it.patient_id, c.patient.len());
                c.patient.push(it.patient_id.clone());
                c.time.push(it.time);
                c.event.push(it.event);
                c.risk.push(r);
                n.push(1);
            }
        }
    }
    for (r, k) in c.risk.iter_mut().zip(n) {
        *r /= k as f64;
    }
    c
}

/// Read `RUN/best.json`.
pub fn read_selection(root: &Path) -> Option<SelectState> {
    let text = std::fs::read_to_string(root.join("best.json")).ok()?;
    serde_json::from_str(&text).ok()
}
