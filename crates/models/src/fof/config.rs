//! `[model.fof]` of a grading experiment: switches and weights of FoF's two modules.
//!
//! ```toml
//! [model.fof]                    # defaults shown (fof.md section 7)
//! frl = true                     # Focus-oriented Representation Learning (views, Eqs. 3-4)
//! mca = true                     # Multi-view Cross-modal Alignment (Eq. 5)
//! theta = 0.5                    # token-mask threshold on the patch-averaged CAM
//! tau = 0.07                     # temperature of Eqs. 4 and 5
//! lambda1 = 0.2                  # weight of L_FRL
//! lambda2 = 0.2                  # weight of L_MCA
//! biomarkers = ["idh", "codel", "PTEN", "EGFR", "CARD11", "FGFR2"]
//! # cam_block = 10               # Grad-CAM block (0-based); default: second-to-last
//! projection_dim = 64            # output width of the FRL projector and of each MCA head
//! ```
//!
//! The presence of the section makes the model a FoF model (a K+1-way head with the background
//! class, the mask token, the FRL projector and one MCA head per biomarker). With `frl = false`
//! there is no CAM pass and no masked view: the classification loss is the global view's cross
//! entropy and MCA (if on) sees the global views only. With `mca = false` no biomarker is read.

use serde::{Deserialize, Serialize};

/// The biomarker names the cohort's clinical table provides (`patients.csv`: `idh`,
/// `codel_1p19q`, and the gene-level CNVs of `cohort::tables::CNV_GENES`).
pub const KNOWN_BIOMARKERS: [&str; 6] = ["idh", "codel", "PTEN", "EGFR", "CARD11", "FGFR2"];

/// `[model.fof]`; see the module documentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FofConfig {
    pub frl: bool,
    pub mca: bool,
    pub theta: f64,
    pub tau: f64,
    pub lambda1: f64,
    pub lambda2: f64,
    pub biomarkers: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cam_block: Option<usize>,
    pub projection_dim: usize,
}

impl Default for FofConfig {
    fn default() -> Self {
        Self {
            frl: true,
            mca: true,
            theta: 0.5,
            tau: 0.07,
            lambda1: 0.2,
            lambda2: 0.2,
            biomarkers: KNOWN_BIOMARKERS.iter().map(|s| s.to_string()).collect(),
            cam_block: None,
            projection_dim: 64,
        }
    }
}

impl FofConfig {
    /// The Grad-CAM block for a model of `depth` blocks (default: second-to-last, as upstream).
    pub fn block(&self, depth: usize) -> usize {
        self.cam_block.unwrap_or(depth.saturating_sub(2))
    }

    /// Number of MCA heads of the model: one per biomarker when MCA is on, none otherwise.
    pub fn heads(&self) -> usize {
        if self.mca { self.biomarkers.len() } else { 0 }
    }

    /// Check the values; the error is `(key, reason)` with the key as written in the TOML.
    pub fn validate(&self, depth: usize) -> Result<(), (String, String)> {
        let bad = |k: &str, r: String| Err((format!("model.fof.{k}"), r));
        if !(self.theta > 0.0 && self.theta < 1.0) {
            return bad(
                "theta",
                format!(
                    "{} must be in (0, 1) (the CAM is scaled to [0, 1])",
                    self.theta
                ),
            );
        }
        if !(self.tau.is_finite() && self.tau > 0.0) {
            return bad(
                "tau",
                format!("{} must be a positive temperature", self.tau),
            );
        }
        for (k, v) in [("lambda1", self.lambda1), ("lambda2", self.lambda2)] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(k, format!("{v} must be >= 0"));
            }
        }
        if self.projection_dim == 0 {
            return bad("projection_dim", "must be at least 1".into());
        }
        if let Some(b) = self.cam_block
            && b >= depth
        {
            return bad(
                "cam_block",
                format!(
                    "block {b} does not exist; the model has {depth} blocks (0..{})",
                    depth.saturating_sub(1)
                ),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for name in &self.biomarkers {
            if !KNOWN_BIOMARKERS.contains(&name.as_str()) {
                return bad(
                    "biomarkers",
                    format!("unknown biomarker `{name}`; use some of {KNOWN_BIOMARKERS:?}"),
                );
            }
            if !seen.insert(name) {
                return bad("biomarkers", format!("`{name}` is listed twice"));
            }
        }
        if self.mca && self.biomarkers.is_empty() {
            return bad(
                "biomarkers",
                "is empty while mca = true; list biomarkers or set mca = false".into(),
            );
        }
        Ok(())
    }
}
