//! `cohort.toml`: the file that names a cohort's tables.
//!
//! ```toml
//! name = "synthetic-glioma"
//! [tables]
//! patients = "patients.csv"   # required
//! rois = "rois.csv"           # optional, like every other table
//! slides = "slides.csv"
//! rna = "rna.csv"
//! mri = "mri.csv"
//! [rna]
//! units = "counts"            # "counts" (raw integer counts) or "tpm"
//! ```
//! Paths are relative to the directory holding `cohort.toml`. A `[synthetic]` table, written by
//! `gliofuse synth`, records the generator's parameters so the cohort can be regenerated.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CohortError, Result};

/// File name of the manifest inside a cohort directory.
pub const MANIFEST_FILE: &str = "cohort.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub tables: Tables,
    #[serde(default)]
    pub rna: RnaSettings,
    /// Parameters of `gliofuse synth` when the cohort is synthetic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synthetic: Option<crate::synth::SynthParams>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tables {
    pub patients: PathBuf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rois: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slides: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rna: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mri: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RnaUnits {
    /// Raw integer read counts (the synthetic cohort writes these).
    #[default]
    Counts,
    /// Transcripts per million.
    Tpm,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RnaSettings {
    #[serde(default)]
    pub units: RnaUnits,
}

impl Manifest {
    /// A manifest with the table names `gliofuse synth` writes.
    pub fn standard(name: &str) -> Self {
        Manifest {
            name: Some(name.to_string()),
            tables: Tables {
                patients: "patients.csv".into(),
                rois: Some("rois.csv".into()),
                slides: Some("slides.csv".into()),
                rna: Some("rna.csv".into()),
                mri: Some("mri.csv".into()),
            },
            rna: RnaSettings::default(),
            synthetic: None,
        }
    }

    /// Parse manifest text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| CohortError::Manifest {
            path: path.to_path_buf(),
            msg: format!("{}; see docs/synthetic-cohort.md for the format", e.to_string().trim()),
        })
    }

    /// Read `DIR/cohort.toml` (or the file itself if `path` is a file).
    pub fn read(path: &Path) -> Result<Self> {
        let file = manifest_path(path);
        let text = std::fs::read_to_string(&file).map_err(|e| CohortError::Manifest {
            path: file.clone(),
            msg: format!("cannot read: {e}; give a cohort directory holding cohort.toml (`gliofuse synth --out DIR` writes one)"),
        })?;
        Self::parse(&text, &file)
    }

    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| CohortError::InvalidInput(format!("serialising cohort.toml: {e}")))
    }

    /// Write the manifest atomically as `dir/cohort.toml`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::io::write_atomic(&dir.join(MANIFEST_FILE), self.to_toml()?.as_bytes())
    }
}

/// `DIR/cohort.toml` when `path` is a directory, else `path`.
pub fn manifest_path(path: &Path) -> PathBuf {
    if path.is_dir() { path.join(MANIFEST_FILE) } else { path.to_path_buf() }
}
