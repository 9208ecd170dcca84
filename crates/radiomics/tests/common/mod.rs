//! Shared by the texture parity tests: reads tests/fixtures/texture_pyradiomics.json (made by
//! tools/reference/make_texture_fixtures.py with pyradiomics 3.1.0) into `DiscretizedRoi`s.
#![allow(dead_code)]

use std::collections::BTreeMap;

use radiomics::RadiomicsError;
use radiomics::features::{DiscretizedRoi, TextureSettings, glcm, gldm, glrlm, glszm, ngtdm};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct Fixture {
    pub versions: BTreeMap<String, String>,
    pub rois: BTreeMap<String, Roi>,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
pub struct Roi {
    pub size: [usize; 3],
    pub spacing: [f64; 3],
    pub n_voxels: usize,
    pub n_levels: usize,
    pub bins_rle: Vec<i64>,
}

#[derive(Deserialize)]
pub struct Settings {
    pub distances: Vec<usize>,
    #[serde(rename = "symmetricalGLCM")]
    pub symmetrical_glcm: bool,
    #[serde(rename = "weightingNorm")]
    pub weighting_norm: Option<String>,
    pub gldm_a: i64,
    #[serde(rename = "force2D")]
    pub force_2d: bool,
    #[serde(rename = "force2Ddimension")]
    pub force_2d_dimension: usize,
}

#[derive(Deserialize)]
pub struct Case {
    pub name: String,
    pub case: String,
    pub roi: String,
    pub baseline_column: Option<String>,
    pub settings: Settings,
    /// What pyradiomics raised instead of computing features (e.g. a one-voxel ROI).
    pub error: Option<String>,
    /// class -> feature -> value (None = NaN)
    #[serde(default)]
    pub features: BTreeMap<String, BTreeMap<String, Option<f64>>>,
    /// class -> pyradiomics' processed matrix, for some synthetic cases.
    #[serde(default)]
    pub matrices: Option<BTreeMap<String, Matrix>>,
}

#[derive(Deserialize)]
pub struct Matrix {
    /// Nested lists as pyradiomics' array (see make_texture_fixtures.py, `matrices_of`).
    pub p: serde_json::Value,
    /// The kept run lengths / zone sizes / dependence sizes, where the class has them.
    pub j: Option<Vec<f64>>,
}

/// Flattens nested JSON lists of numbers (row-major).
pub fn flatten(v: &serde_json::Value) -> Vec<f64> {
    match v {
        serde_json::Value::Array(a) => a.iter().flat_map(flatten).collect(),
        serde_json::Value::Number(n) => vec![n.as_f64().expect("number")],
        other => panic!("unexpected {other}"),
    }
}

pub fn load() -> Fixture {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/texture_pyradiomics.json"
    );
    let text = std::fs::read_to_string(path).expect("fixture present");
    serde_json::from_str(&text).expect("fixture parses")
}

impl Roi {
    pub fn to_discretized(&self) -> DiscretizedRoi {
        let n = self.size.iter().product::<usize>();
        let mut bins = Vec::with_capacity(n);
        let mut mask = Vec::with_capacity(n);
        for &v in &self.bins_rle {
            if v > 0 {
                bins.push(v as u32);
                mask.push(true);
            } else {
                for _ in 0..(-v) {
                    bins.push(0);
                    mask.push(false);
                }
            }
        }
        assert_eq!(bins.len(), n, "rle decodes to the box size");
        assert_eq!(mask.iter().filter(|m| **m).count(), self.n_voxels);
        DiscretizedRoi {
            bins,
            mask,
            size: self.size,
            spacing: self.spacing,
        }
    }
}

impl Settings {
    pub fn to_texture(&self) -> TextureSettings {
        TextureSettings {
            distances: self.distances.clone(),
            symmetrical_glcm: self.symmetrical_glcm,
            weighting_norm: self.weighting_norm.clone(),
            gldm_a: self.gldm_a as f64,
            force_2d: self.force_2d,
            force_2d_dimension: self.force_2d_dimension,
        }
    }
}

pub const CLASSES: [&str; 5] = ["glcm", "glrlm", "glszm", "gldm", "ngtdm"];

pub fn run_class(
    class: &str,
    roi: &DiscretizedRoi,
    s: &TextureSettings,
) -> Result<Vec<(String, f64)>, RadiomicsError> {
    match class {
        "glcm" => glcm::features(roi, s),
        "glrlm" => glrlm::features(roi, s),
        "glszm" => glszm::features(roi, s),
        "gldm" => gldm::features(roi, s),
        "ngtdm" => ngtdm::features(roi, s),
        other => panic!("unknown class {other}"),
    }
}

/// Relative difference, with the absolute difference where the reference is 0.
pub fn rel_diff(got: f64, want: f64) -> f64 {
    if want == 0.0 {
        got.abs()
    } else {
        ((got - want) / want).abs()
    }
}
