//! The synthetic multimodal glioma cohort written by `gliofuse synth`.
//!
//! Layers (each documented in its module and in docs/synthetic-cohort.md):
//! [`clinical`] (grade, WHO 2021 biomarkers, age, latent risk, proportional-hazards survival),
//! [`rna`] (negative-binomial counts with a low-rank programme), [`histology`] (H&E-like ROIs
//! and slides with localised grade evidence) and [`mri`] (four modalities and a mask).
//!
//! Determinism: every random draw comes from a `ChaCha8Rng` whose seed is the cohort seed and
//! whose stream number is derived from (layer, patient index), so patients can be generated in
//! parallel in any order and the same seed always gives byte-identical files.

pub mod clinical;
pub mod histology;
pub mod mri;
pub mod rna;
pub mod sanity;

use std::path::{Path, PathBuf};

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{CohortError, Result};
use crate::io::write_atomic;
use crate::manifest::Manifest;
use crate::tables::{self, ImageRow, MriRow, Patient, RnaTable};
use clinical::Truth;
use histology::Pheno;

/// Parameters of the generator (also recorded in `cohort.toml` under `[synthetic]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SynthParams {
    /// Number of patients.
    pub patients: usize,
    /// Master seed (0 ..= 2^63 - 1).
    pub seed: u64,
    /// Side of the square pathology ROIs in pixels (64..=1024).
    pub roi_size: usize,
    /// ROIs per patient, drawn uniformly in min..=max (1..=4 by default).
    pub rois_min: usize,
    pub rois_max: usize,
    /// Side of the square whole-slide images (0 = no slides).
    pub slide_size: usize,
    /// Slides per patient, drawn uniformly in 1..=max.
    pub slides_max: usize,
    /// File format of the slides: tiled pyramidal TIFF (OpenSlide "generic tiled TIFF") or PNG.
    pub slide_format: SlideFormat,
    /// Number of genes in rna.csv (0 = no RNA table).
    pub genes: usize,
    /// MRI volume size in voxels (x, y, z); [0, 0, 0] = no MRI.
    pub mri_size: [usize; 3],
    /// Isotropic MRI voxel spacing in mm.
    pub mri_spacing: f64,
    /// Strength of the IDH (and grade) dependence of the MRI appearance, 0..=3: 0 = the MRI is
    /// independent of IDH and grade, 1 = calibrated default (single radiomics features reach a
    /// median ROC AUC ~0.6 for IDH, a logistic regression on all four modalities ~0.85; see
    /// docs/synthetic-cohort.md), above 1 exaggerates the tendencies. See [`mri`].
    pub mri_idh_effect: f64,
    /// Probability that a biomarker or the survival pair is missing from patients.csv.
    pub p_missing: f64,
    /// Probability that a patient has no RNA, no MRI, or no slide (each independently).
    pub p_missing_modality: f64,
}

impl Default for SynthParams {
    fn default() -> Self {
        SynthParams {
            patients: 120,
            seed: 42,
            roi_size: 256,
            rois_min: 1,
            rois_max: 4,
            slide_size: 2048,
            slides_max: 2,
            slide_format: SlideFormat::Tiff,
            genes: 2000,
            mri_size: [96, 96, 48],
            mri_spacing: 1.0,
            mri_idh_effect: 1.0,
            p_missing: 0.03,
            p_missing_modality: 0.03,
        }
    }
}

impl SynthParams {
    /// Reject parameters the generator cannot honour, with what to do instead.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(CohortError::InvalidInput(m));
        if self.patients == 0 || self.patients > 100_000 {
            return bad(format!("--patients {} is out of range; use 1..=100000", self.patients));
        }
        if self.seed > i64::MAX as u64 {
            return bad(format!("--seed {} is too large; use 0..={}", self.seed, i64::MAX));
        }
        if !(64..=1024).contains(&self.roi_size) {
            return bad(format!("--roi-size {} is out of range; use 64..=1024", self.roi_size));
        }
        if self.rois_min == 0 || self.rois_min > self.rois_max || self.rois_max > 16 {
            return bad(format!("ROIs per patient {}..={} is invalid; use 1 <= min <= max <= 16", self.rois_min, self.rois_max));
        }
        if self.slide_size != 0 && !(256..=16384).contains(&self.slide_size) {
            return bad(format!("--slide-size {} is out of range; use 0 (no slides) or 256..=16384", self.slide_size));
        }
        if self.slide_size != 0 && self.slides_max == 0 {
            return bad("slides_max must be at least 1 when slides are generated".into());
        }
        if self.genes > 60_000 || (self.genes > 0 && self.genes < 20) {
            return bad(format!("--genes {} is out of range; use 0 (no RNA) or 20..=60000", self.genes));
        }
        let no_mri = self.mri_size == [0, 0, 0];
        if !no_mri && self.mri_size.iter().any(|&s| !(16..=512).contains(&s)) {
            return bad(format!("MRI size {:?} is out of range; each side 16..=512 (or all 0 for no MRI)", self.mri_size));
        }
        if !(self.mri_spacing > 0.0 && self.mri_spacing <= 10.0) {
            return bad(format!("MRI spacing {} is out of range; use (0, 10] mm", self.mri_spacing));
        }
        if !(0.0..=3.0).contains(&self.mri_idh_effect) {
            return bad(format!("--mri-idh-effect {} is out of range; use 0 (no IDH signal) ..= 3 (1 = calibrated default)", self.mri_idh_effect));
        }
        for (n, p) in [("p_missing", self.p_missing), ("p_missing_modality", self.p_missing_modality)] {
            if !(0.0..=0.5).contains(&p) {
                return bad(format!("{n} {p} is out of range; use 0..=0.5"));
            }
        }
        Ok(())
    }
}

/// File format of the synthetic slides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SlideFormat {
    /// Tiled (256 px) pyramidal TIFF, Deflate + horizontal predictor, levels down by 2
    /// (see [`crate::tiff`]); OpenSlide opens it as `generic-tiff`.
    #[default]
    Tiff,
    /// One single-resolution RGB PNG.
    Png,
}

/// Tile side of the TIFF slides.
pub const SLIDE_TILE: u32 = 256;

// Stream numbers of the layers.
const S_CLINICAL: u64 = 1;
const S_GENES: u64 = 2;
const S_RNA: u64 = 3;
const S_ROI: u64 = 4;
const S_SLIDE: u64 = 5;
const S_MRI: u64 = 6;

/// The random stream of (layer, index).
pub fn stream(seed: u64, layer: u64, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream((layer << 40) | index);
    rng
}

/// Patient id of index `i` (0-based).
pub fn patient_id(i: usize) -> String {
    format!("SYN-{:04}", i + 1)
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct SynthSummary {
    pub patients: usize,
    pub rois: usize,
    pub slides: usize,
    pub rna_patients: usize,
    pub mri_patients: usize,
    pub censored: usize,
}

fn png_bytes(img: &image::DynamicImage) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let enc = PngEncoder::new_with_quality(&mut buf, CompressionType::Fast, FilterType::Adaptive);
    enc.write_image(img.as_bytes(), img.width(), img.height(), img.color().into())
        .map_err(|e| CohortError::InvalidInput(format!("encoding PNG: {e}")))?;
    Ok(buf)
}

struct PatientOut {
    rois: Vec<ImageRow>,
    roi_truth: Vec<(String, f64)>,
    slides: Vec<ImageRow>,
    rna: Option<Vec<f64>>,
    mri: Option<MriRow>,
}

/// Per-patient availability of the modalities (drawn on the clinical stream).
struct Avail {
    rna: bool,
    mri: bool,
    slides: bool,
}

/// Generate the cohort into `out` (created if needed). `progress` is called once per finished
/// patient (from worker threads). Tables and `cohort.toml` are written last, each atomically,
/// so an interrupted run leaves no manifest.
pub fn generate(out: &Path, p: &SynthParams, progress: &(dyn Fn() + Sync)) -> Result<SynthSummary> {
    p.validate()?;
    std::fs::create_dir_all(out).map_err(|e| CohortError::io(out, e))?;
    let mut crng = stream(p.seed, S_CLINICAL, 0);
    let mut truths = Vec::with_capacity(p.patients);
    let mut observed = Vec::with_capacity(p.patients);
    let mut avail = Vec::with_capacity(p.patients);
    for i in 0..p.patients {
        let t = clinical::draw_truth(&mut crng, patient_id(i));
        observed.push(clinical::observe(&t, &mut crng, p.p_missing));
        let q = p.p_missing_modality;
        avail.push(Avail { rna: crng.random::<f64>() >= q, mri: crng.random::<f64>() >= q, slides: crng.random::<f64>() >= q });
        truths.push(t);
    }
    let genes = (p.genes > 0).then(|| rna::GeneModel::new(p.genes, &mut stream(p.seed, S_GENES, 0)));

    let results: Vec<Result<PatientOut>> = truths
        .par_iter()
        .zip(avail.par_iter())
        .enumerate()
        .map(|(i, (t, av))| {
            let r = patient(out, p, i, t, av, genes.as_ref());
            progress();
            r
        })
        .collect();
    let mut outs = Vec::with_capacity(results.len());
    for r in results {
        outs.push(r?);
    }

    // Tables.
    let mut manifest = Manifest::standard("synthetic-glioma");
    let rois: Vec<ImageRow> = outs.iter().flat_map(|o| o.rois.iter().cloned()).collect();
    let slides: Vec<ImageRow> = outs.iter().flat_map(|o| o.slides.iter().cloned()).collect();
    let mri: Vec<MriRow> = outs.iter().filter_map(|o| o.mri.clone()).collect();
    tables::write_patients(&out.join("patients.csv"), &observed)?;
    tables::write_image_table(&out.join("rois.csv"), "roi_id", &rois)?;
    if p.slide_size > 0 {
        tables::write_image_table(&out.join("slides.csv"), "slide_id", &slides)?;
    } else {
        manifest.tables.slides = None;
    }
    let mut rna_patients = 0;
    if let Some(g) = &genes {
        let mut table = RnaTable { genes: g.names.clone(), patient_ids: Vec::new(), values: Vec::new() };
        for (t, o) in truths.iter().zip(&outs) {
            if let Some(v) = &o.rna {
                table.patient_ids.push(t.patient_id.clone());
                table.values.extend_from_slice(v);
            }
        }
        rna_patients = table.patient_ids.len();
        tables::write_rna(&out.join("rna.csv"), &table)?;
    } else {
        manifest.tables.rna = None;
    }
    if p.mri_size != [0, 0, 0] {
        tables::write_mri(&out.join("mri.csv"), &mri)?;
    } else {
        manifest.tables.mri = None;
    }
    write_truth(out, &truths, &outs)?;
    manifest.synthetic = Some(p.clone());
    manifest.write(out)?;
    Ok(SynthSummary {
        patients: p.patients,
        rois: rois.len(),
        slides: slides.len(),
        rna_patients,
        mri_patients: mri.len(),
        censored: truths.iter().filter(|t| t.event == 0).count(),
    })
}

fn pheno(t: &Truth) -> Pheno {
    Pheno { grade: t.grade, idh: t.idh, codel: t.codel, egfr_amp: t.cnv[1] == 2 }
}

fn rel(parts: &[&str]) -> PathBuf {
    parts.iter().collect()
}

fn patient(out: &Path, p: &SynthParams, i: usize, t: &Truth, av: &Avail, genes: Option<&rna::GeneModel>) -> Result<PatientOut> {
    let pid = &t.patient_id;
    let ph = pheno(t);
    // ROIs.
    let mut rrng = stream(p.seed, S_ROI, i as u64);
    let n_rois = rrng.random_range(p.rois_min..=p.rois_max);
    let mut rois = Vec::with_capacity(n_rois);
    let mut roi_truth = Vec::with_capacity(n_rois);
    for k in 1..=n_rois {
        let r = histology::render_roi(p.roi_size, &ph, &mut rrng);
        let id = format!("{pid}_{k}");
        let path = rel(&["rois", &format!("{id}.png")]);
        write_atomic(&out.join(&path), &png_bytes(&image::DynamicImage::ImageRgb8(r.rgb.clone()))?)?;
        let ev: Vec<u8> = r.evidence.iter().map(|&v| v * 255).collect();
        let ev = image::GrayImage::from_raw(p.roi_size as u32, p.roi_size as u32, ev)
            .ok_or_else(|| CohortError::InvalidInput("evidence mask size".into()))?;
        write_atomic(&out.join("truth").join("rois").join(format!("{id}.png")), &png_bytes(&image::DynamicImage::ImageLuma8(ev))?)?;
        roi_truth.push((id.clone(), r.evidence_fraction()));
        rois.push(ImageRow { line: 0, id, patient_id: pid.clone(), path });
    }
    // Slides.
    let mut slides = Vec::new();
    if p.slide_size > 0 && av.slides {
        let mut srng = stream(p.seed, S_SLIDE, i as u64);
        let n = srng.random_range(1..=p.slides_max);
        for k in 1..=n {
            let r = histology::render_slide(p.slide_size, &ph, &mut srng);
            let id = format!("{pid}_S{k}");
            let (ext, bytes) = match p.slide_format {
                SlideFormat::Tiff => ("tiff", crate::tiff::encode_pyramid(&r.rgb, SLIDE_TILE)),
                SlideFormat::Png => ("png", png_bytes(&image::DynamicImage::ImageRgb8(r.rgb))?),
            };
            let path = rel(&["slides", &format!("{id}.{ext}")]);
            write_atomic(&out.join(&path), &bytes)?;
            slides.push(ImageRow { line: 0, id, patient_id: pid.clone(), path });
        }
    }
    // RNA.
    let rna = match genes {
        Some(g) if av.rna => Some(g.sample(t, &mut stream(p.seed, S_RNA, i as u64))),
        _ => None,
    };
    // MRI.
    let mri = if p.mri_size != [0, 0, 0] && av.mri {
        let v = mri::render(t, p.mri_size, p.mri_spacing, p.mri_idh_effect, &mut stream(p.seed, S_MRI, i as u64));
        let mut paths: Vec<PathBuf> = Vec::new();
        for (name, img) in crate::tables::MODALITIES.iter().zip(v.modalities.iter()) {
            let path = rel(&["mri", pid, &format!("{name}.nii.gz")]);
            crate::volume::write_volume(&out.join(&path), img, crate::volume::VolumeKind::Intensity)?;
            paths.push(path);
        }
        let mpath = rel(&["mri", pid, "mask.nii.gz"]);
        crate::volume::write_volume(&out.join(&mpath), &v.mask, crate::volume::VolumeKind::Mask)?;
        let mut it = paths.into_iter().map(Some);
        Some(MriRow {
            line: 0,
            patient_id: pid.clone(),
            modalities: [it.next().flatten(), it.next().flatten(), it.next().flatten(), it.next().flatten()],
            mask: Some(mpath),
        })
    } else {
        None
    };
    Ok(PatientOut { rois, roi_truth, slides, rna, mri })
}

fn write_truth(out: &Path, truths: &[Truth], outs: &[PatientOut]) -> Result<()> {
    let path = out.join("truth.csv");
    let mut s = String::from("patient_id,grade,idh,codel_1p19q,cnv_PTEN,cnv_EGFR,cnv_CARD11,cnv_FGFR2,age,latent_risk,log_hazard,time,event\n");
    for t in truths {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{:.1},{:.4},{:.4},{:.2},{}\n",
            t.patient_id, t.grade, t.idh, t.codel, t.cnv[0], t.cnv[1], t.cnv[2], t.cnv[3], t.age, t.risk, t.eta, t.time, t.event
        ));
    }
    write_atomic(&path, s.as_bytes())?;
    let mut r = String::from("roi_id,evidence_fraction,evidence_mask\n");
    for o in outs {
        for (id, f) in &o.roi_truth {
            r.push_str(&format!("{id},{f:.4},truth/rois/{id}.png\n"));
        }
    }
    write_atomic(&out.join("truth").join("rois.csv"), r.as_bytes())
}

/// Draw the clinical truth of `n` patients exactly as [`generate`] does (cheap; no images).
pub fn clinical_truths(n: usize, seed: u64, p_missing: f64) -> Vec<(Truth, Patient)> {
    let mut crng = stream(seed, S_CLINICAL, 0);
    (0..n)
        .map(|i| {
            let t = clinical::draw_truth(&mut crng, patient_id(i));
            let o = clinical::observe(&t, &mut crng, p_missing);
            let _ = (crng.random::<f64>(), crng.random::<f64>(), crng.random::<f64>());
            (t, o)
        })
        .collect()
}
