//! Opening and validating a cohort directory (`gliofuse cohort check`).
//!
//! [`Cohort::open`] reads `cohort.toml` and every table, checking each cell (ranges, duplicate
//! ids, ids unknown to the patients table). [`check`] also opens every image and volume:
//! ROIs are fully decoded, slides by header (or fully with `decode_slides`), and each MRI
//! modality's geometry (size, spacing, origin, direction) is compared with its mask's.
//! The first problem is returned as an error naming the file, line and column.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{CohortError, Result};
use crate::manifest::{Manifest, RnaUnits, manifest_path};
use crate::tables::{self, ImageRow, MriRow, Patient, RnaTable, MODALITIES};

/// A loaded cohort: the manifest and its tables (paths still relative to `root`).
#[derive(Debug, Clone)]
pub struct Cohort {
    pub root: PathBuf,
    pub manifest: Manifest,
    pub patients: Vec<Patient>,
    pub rois: Vec<ImageRow>,
    pub slides: Vec<ImageRow>,
    pub rna: Option<RnaTable>,
    pub mri: Vec<MriRow>,
}

impl Cohort {
    /// Read `DIR/cohort.toml` and every table it names, checking cells and patient ids.
    pub fn open(dir: &Path) -> Result<Cohort> {
        let mpath = manifest_path(dir);
        let manifest = Manifest::read(&mpath)?;
        let root = mpath.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        let patients = tables::read_patients(&root.join(&manifest.tables.patients))?;
        let index: HashMap<String, usize> = patients.iter().enumerate().map(|(i, p)| (p.patient_id.clone(), i)).collect();
        let t = &manifest.tables;
        let rois = match &t.rois {
            Some(p) => tables::read_image_table(&root.join(p), "roi_id", Some(&index))?,
            None => Vec::new(),
        };
        let slides = match &t.slides {
            Some(p) => tables::read_image_table(&root.join(p), "slide_id", Some(&index))?,
            None => Vec::new(),
        };
        let rna = match &t.rna {
            Some(p) => Some(tables::read_rna(&root.join(p), Some(&index), manifest.rna.units)?),
            None => None,
        };
        let mri = match &t.mri {
            Some(p) => tables::read_mri(&root.join(p), Some(&index))?,
            None => Vec::new(),
        };
        Ok(Cohort { root, manifest, patients, rois, slides, rna, mri })
    }

    /// Absolute path of a table-relative path.
    pub fn resolve(&self, rel: &Path) -> PathBuf {
        self.root.join(rel)
    }

    fn table_path(&self, p: &Option<PathBuf>) -> PathBuf {
        self.root.join(p.clone().unwrap_or_default())
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions {
    /// Decode every slide fully (slow for large cohorts); by default only headers are read.
    pub decode_slides: bool,
}

/// What `cohort check` prints.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub patients: usize,
    /// Patients with grade 2, 3, 4, missing.
    pub grades: [usize; 4],
    /// Missing values: idh, codel_1p19q, cnv_PTEN, cnv_EGFR, cnv_CARD11, cnv_FGFR2, survival.
    pub missing: [usize; 7],
    pub idh_mutant: usize,
    pub codeleted: usize,
    pub events: usize,
    pub censored: usize,
    pub rois: usize,
    pub patients_with_rois: usize,
    pub slides: usize,
    pub rna_patients: usize,
    pub rna_genes: usize,
    pub rna_units: Option<RnaUnits>,
    pub mri_patients: usize,
    /// Patients with t1, t1ce, t2, flair, mask present.
    pub modalities: [usize; 5],
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [g2, g3, g4, gm] = self.grades;
        writeln!(f, "patients: {} (grade II {g2}, III {g3}, IV {g4}, missing {gm})", self.patients)?;
        writeln!(f, "IDH-mutant: {}, 1p/19q-codeleted: {}", self.idh_mutant, self.codeleted)?;
        let names = ["idh", "codel_1p19q", "cnv_PTEN", "cnv_EGFR", "cnv_CARD11", "cnv_FGFR2", "survival"];
        let miss: Vec<String> = names.iter().zip(self.missing).map(|(n, m)| format!("{n} {m}")).collect();
        writeln!(f, "missing: {}", miss.join(", "))?;
        let n_surv = self.events + self.censored;
        let pc = if n_surv > 0 { 100.0 * self.censored as f64 / n_surv as f64 } else { 0.0 };
        writeln!(f, "survival: {} events, {} censored ({pc:.0} %)", self.events, self.censored)?;
        writeln!(f, "rois: {} from {} patients", self.rois, self.patients_with_rois)?;
        writeln!(f, "slides: {}", self.slides)?;
        match self.rna_units {
            Some(u) => writeln!(f, "rna: {} patients x {} genes ({:?})", self.rna_patients, self.rna_genes, u)?,
            None => writeln!(f, "rna: none")?,
        }
        let m = self.modalities;
        write!(f, "mri: {} patients (t1 {}, t1ce {}, t2 {}, flair {}, mask {})", self.mri_patients, m[0], m[1], m[2], m[3], m[4])
    }
}

impl Cohort {
    pub fn summary(&self) -> Summary {
        let mut s = Summary { patients: self.patients.len(), ..Default::default() };
        for p in &self.patients {
            match p.grade {
                Some(g) => s.grades[(g - 2) as usize] += 1,
                None => s.grades[3] += 1,
            }
            let opts = [p.idh.is_none(), p.codel_1p19q.is_none(), p.cnv[0].is_none(), p.cnv[1].is_none(), p.cnv[2].is_none(), p.cnv[3].is_none(), p.survival_months.is_none() || p.event.is_none()];
            for (k, m) in opts.iter().enumerate() {
                s.missing[k] += usize::from(*m);
            }
            s.idh_mutant += usize::from(p.idh == Some(1));
            s.codeleted += usize::from(p.codel_1p19q == Some(1));
            if p.survival_months.is_some() {
                match p.event {
                    Some(1) => s.events += 1,
                    Some(_) => s.censored += 1,
                    None => {}
                }
            }
        }
        s.rois = self.rois.len();
        let mut with: Vec<&str> = self.rois.iter().map(|r| r.patient_id.as_str()).collect();
        with.sort_unstable();
        with.dedup();
        s.patients_with_rois = with.len();
        s.slides = self.slides.len();
        if let Some(r) = &self.rna {
            s.rna_patients = r.patient_ids.len();
            s.rna_genes = r.genes.len();
            s.rna_units = Some(self.manifest.rna.units);
        }
        s.mri_patients = self.mri.len();
        for m in &self.mri {
            for k in 0..4 {
                s.modalities[k] += usize::from(m.modalities[k].is_some());
            }
            s.modalities[4] += usize::from(m.mask.is_some());
        }
        s
    }
}

/// Tolerance (mm, or unitless for direction cosines) of the geometry comparison.
pub const GEOMETRY_TOL: f64 = 1e-4;

/// Open the cohort and check every file it names. `progress(done, total)` is called as files
/// are checked.
pub fn check(dir: &Path, opts: CheckOptions, progress: &(dyn Fn(usize) + Sync)) -> Result<Summary> {
    let c = Cohort::open(dir)?;
    let rois_csv = c.table_path(&c.manifest.tables.rois);
    let slides_csv = c.table_path(&c.manifest.tables.slides);
    let mri_csv = c.table_path(&c.manifest.tables.mri);
    let first_err = |v: Vec<Result<()>>| v.into_iter().collect::<Result<Vec<()>>>().map(|_| ());

    first_err(
        c.rois
            .par_iter()
            .map(|r| {
                let res = crate::image::load_rgb(&c.resolve(&r.path)).map(|_| ());
                progress(1);
                res.map_err(|e| unreadable(&rois_csv, r.line, "path", &r.path, e))
            })
            .collect(),
    )?;
    first_err(
        c.slides
            .par_iter()
            .map(|r| {
                let p = c.resolve(&r.path);
                let res = if opts.decode_slides { crate::image::load_rgb(&p).map(|_| ()) } else { crate::image::image_dimensions(&p).map(|_| ()) };
                progress(1);
                res.map_err(|e| unreadable(&slides_csv, r.line, "path", &r.path, e))
            })
            .collect(),
    )?;
    first_err(
        c.mri
            .par_iter()
            .map(|m| {
                let r = check_mri(&c, &mri_csv, m);
                progress(1);
                r
            })
            .collect(),
    )?;
    Ok(c.summary())
}

/// Number of files [`check`] opens (for a progress bar).
pub fn files_to_check(c: &Cohort) -> usize {
    c.rois.len() + c.slides.len() + c.mri.len()
}

fn unreadable(table: &Path, line: usize, column: &str, rel: &Path, e: CohortError) -> CohortError {
    let why = match e {
        CohortError::Io { err, .. } => err.to_string(),
        CohortError::Image { msg, .. } => msg,
        other => other.to_string(),
    };
    CohortError::cell(table, line, column, format!("cannot read `{}`: {why}; fix the file or the path", rel.display()))
}

fn check_mri(c: &Cohort, table: &Path, m: &MriRow) -> Result<()> {
    let any = m.modalities.iter().any(Option::is_some);
    let Some(mask_rel) = &m.mask else {
        if any {
            return Err(CohortError::cell(table, m.line, "mask", "empty, but modalities are given; every MRI row needs a tumour mask"));
        }
        return Ok(());
    };
    let mask = crate::volume::read_volume(&c.resolve(mask_rel)).map_err(|e| unreadable(table, m.line, "mask", mask_rel, e))?;
    if let Some(v) = mask.data.iter().find(|v| !v.is_finite() || **v < 0.0 || v.fract() != 0.0) {
        return Err(CohortError::cell(table, m.line, "mask", format!("`{}` holds the value {v}; a mask holds non-negative integer labels", mask_rel.display())));
    }
    if mask.data.iter().all(|&v| v == 0.0) {
        return Err(CohortError::cell(table, m.line, "mask", format!("`{}` is empty (no labelled voxel); check the segmentation", mask_rel.display())));
    }
    for (k, rel) in m.modalities.iter().enumerate() {
        let Some(rel) = rel else { continue };
        let col = MODALITIES[k];
        let img = crate::volume::read_volume(&c.resolve(rel)).map_err(|e| unreadable(table, m.line, col, rel, e))?;
        if let Some(msg) = geometry_mismatch(&img, &mask) {
            return Err(CohortError::cell(
                table,
                m.line,
                col,
                format!("`{}` does not match the mask `{}`: {msg}; resample it onto the mask's grid", rel.display(), mask_rel.display()),
            ));
        }
    }
    Ok(())
}

/// Describe the first geometry difference between `img` and `mask`, if any.
pub fn geometry_mismatch(img: &radiomics::Image, mask: &radiomics::Image) -> Option<String> {
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= GEOMETRY_TOL);
    if img.size != mask.size {
        return Some(format!("size {:?} vs {:?}", img.size, mask.size));
    }
    if !close(&img.spacing, &mask.spacing) {
        return Some(format!("spacing {:?} vs {:?}", img.spacing, mask.spacing));
    }
    if !close(&img.origin, &mask.origin) {
        return Some(format!("origin {:?} vs {:?}", img.origin, mask.origin));
    }
    if !close(&img.direction, &mask.direction) {
        return Some(format!("direction {:?} vs {:?}", img.direction, mask.direction));
    }
    None
}
