//! The cohort tables (CSV): patients, rois, slides, rna, mri. Readers check every cell and
//! report errors with the file, line and column; writers are atomic.
//!
//! Empty cells mean "missing" wherever a column is optional. Extra columns are ignored (except
//! in the RNA table, where every column other than `patient_id` is a gene).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{CohortError, Result};

/// Copy-number columns of the patients table, in order (GISTIC-like levels -2..2).
pub const CNV_GENES: [&str; 4] = ["PTEN", "EGFR", "CARD11", "FGFR2"];

/// One row of `patients.csv`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patient {
    pub patient_id: String,
    /// WHO grade 2, 3 or 4.
    pub grade: Option<u8>,
    /// 1 = IDH-mutant, 0 = IDH-wildtype.
    pub idh: Option<u8>,
    /// 1 = 1p/19q co-deleted.
    pub codel_1p19q: Option<u8>,
    /// Copy number of PTEN, EGFR, CARD11, FGFR2 (see [`CNV_GENES`]), -2..2.
    pub cnv: [Option<i8>; 4],
    pub survival_months: Option<f64>,
    /// 1 = death observed, 0 = censored.
    pub event: Option<u8>,
    /// Age at diagnosis in years (optional column `age`).
    pub age: Option<f64>,
}

/// One row of `rois.csv` (or `slides.csv`: `slide_id` in place of `roi_id`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImageRow {
    /// Line in the file (header = 1); 0 for rows built in memory.
    pub line: usize,
    pub id: String,
    pub patient_id: String,
    /// Relative to the cohort directory.
    pub path: PathBuf,
}

/// `rna.csv`: one row per patient, one column per gene.
#[derive(Debug, Clone, PartialEq)]
pub struct RnaTable {
    pub genes: Vec<String>,
    pub patient_ids: Vec<String>,
    /// Row-major, `patient_ids.len() x genes.len()`; NaN = missing.
    pub values: Vec<f64>,
}

impl RnaTable {
    pub fn row(&self, i: usize) -> &[f64] {
        let g = self.genes.len();
        &self.values[i * g..(i + 1) * g]
    }
}

/// MRI modality columns in order.
pub const MODALITIES: [&str; 4] = ["t1", "t1ce", "t2", "flair"];

/// One row of `mri.csv`: the four modalities and the tumour mask (each optional).
#[derive(Debug, Clone, PartialEq)]
pub struct MriRow {
    /// Line in the file (header = 1); 0 for rows built in memory.
    pub line: usize,
    pub patient_id: String,
    /// t1, t1ce, t2, flair (see [`MODALITIES`]).
    pub modalities: [Option<PathBuf>; 4],
    pub mask: Option<PathBuf>,
}

// ---------------------------------------------------------------------------------------------
// Reading

struct Table {
    path: PathBuf,
    headers: Vec<String>,
    index: HashMap<String, usize>,
    /// (line number, cells)
    rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    fn read(path: &Path) -> Result<Table> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_path(path)
            .map_err(|e| csv_err(path, e))?;
        let headers: Vec<String> =
            rdr.headers().map_err(|e| csv_err(path, e))?.iter().map(|h| h.trim().to_string()).collect();
        let mut index = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            if index.insert(h.clone(), i).is_some() {
                return Err(CohortError::Row { path: path.into(), row: 1, msg: format!("column `{h}` appears twice in the header; keep one") });
            }
        }
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_err(path, e))?;
            let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
            rows.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
        }
        Ok(Table { path: path.into(), headers, index, rows })
    }

    fn col(&self, name: &str) -> Result<usize> {
        self.index
            .get(name)
            .copied()
            .ok_or_else(|| CohortError::MissingColumn { path: self.path.clone(), column: name.into() })
    }

    fn err(&self, line: usize, column: &str, msg: impl Into<String>) -> CohortError {
        CohortError::cell(&self.path, line, column, msg)
    }

    /// A required, non-empty text cell.
    fn text(&self, line: usize, cells: &[String], col: usize) -> Result<String> {
        let v = &cells[col];
        if v.is_empty() {
            return Err(self.err(line, &self.headers[col], "empty; every row needs a value here"));
        }
        Ok(v.clone())
    }

    /// An optional integer cell in `lo..=hi`.
    fn int(&self, line: usize, cells: &[String], col: Option<usize>, lo: i64, hi: i64) -> Result<Option<i64>> {
        let Some(col) = col else { return Ok(None) };
        let v = &cells[col];
        if v.is_empty() || v.eq_ignore_ascii_case("na") || v.eq_ignore_ascii_case("nan") {
            return Ok(None);
        }
        // Accept "2.0" written by tools that store integers as floats.
        let x: f64 = v.parse().map_err(|_| self.err(line, &self.headers[col], format!("`{v}` is not a number")))?;
        if x.fract() != 0.0 || x < lo as f64 || x > hi as f64 {
            return Err(self.err(line, &self.headers[col], format!("`{v}` is out of range; expected an integer in {lo}..{hi} or an empty cell")));
        }
        Ok(Some(x as i64))
    }

    /// An optional finite float cell in `lo..=hi`.
    fn float(&self, line: usize, cells: &[String], col: Option<usize>, lo: f64, hi: f64) -> Result<Option<f64>> {
        let Some(col) = col else { return Ok(None) };
        let v = &cells[col];
        if v.is_empty() || v.eq_ignore_ascii_case("na") || v.eq_ignore_ascii_case("nan") {
            return Ok(None);
        }
        let x: f64 = v.parse().map_err(|_| self.err(line, &self.headers[col], format!("`{v}` is not a number")))?;
        if !x.is_finite() || x < lo || x > hi {
            return Err(self.err(line, &self.headers[col], format!("`{v}` is out of range; expected {lo}..{hi} or an empty cell")));
        }
        Ok(Some(x))
    }
}

fn csv_err(path: &Path, e: csv::Error) -> CohortError {
    let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
    match e.into_kind() {
        csv::ErrorKind::Io(io) => CohortError::io(path, io),
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => CohortError::Row {
            path: path.into(),
            row: line,
            msg: format!("{len} fields but the header has {expected_len}; fix the row's commas"),
        },
        other => CohortError::Row { path: path.into(), row: line, msg: format!("{other:?}") },
    }
}

fn check_unique<'a>(table: &Table, column: &str, ids: impl Iterator<Item = (usize, &'a str)>) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (line, id) in ids {
        if let Some(first) = seen.insert(id, line) {
            return Err(table.err(line, column, format!("duplicate id `{id}` (first on line {first}); ids must be unique")));
        }
    }
    Ok(())
}

/// Read and check `patients.csv`. Required column: `patient_id`; the others may be absent or empty.
pub fn read_patients(path: &Path) -> Result<Vec<Patient>> {
    let t = Table::read(path)?;
    let id = t.col("patient_id")?;
    let opt = |n: &str| t.index.get(n).copied();
    let (grade, idh, codel, surv, event, age) =
        (opt("grade"), opt("idh"), opt("codel_1p19q"), opt("survival_months"), opt("event"), opt("age"));
    let cnv_cols: Vec<Option<usize>> = CNV_GENES.iter().map(|g| opt(&format!("cnv_{g}"))).collect();
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, cells) in &t.rows {
        let line = *line;
        let g = t.int(line, cells, grade, 2, 4)?;
        let mut cnv = [None; 4];
        for (k, c) in cnv_cols.iter().enumerate() {
            cnv[k] = t.int(line, cells, *c, -2, 2)?.map(|v| v as i8);
        }
        out.push(Patient {
            patient_id: t.text(line, cells, id)?,
            grade: g.map(|v| v as u8),
            idh: t.int(line, cells, idh, 0, 1)?.map(|v| v as u8),
            codel_1p19q: t.int(line, cells, codel, 0, 1)?.map(|v| v as u8),
            cnv,
            survival_months: t.float(line, cells, surv, 0.0, 1.0e4)?,
            event: t.int(line, cells, event, 0, 1)?.map(|v| v as u8),
            age: t.float(line, cells, age, 0.0, 130.0)?,
        });
    }
    check_unique(&t, "patient_id", t.rows.iter().zip(&out).map(|((l, _), p)| (*l, p.patient_id.as_str())))?;
    Ok(out)
}

/// Read `rois.csv` (`id_column` = "roi_id") or `slides.csv` ("slide_id"): id, patient_id, path.
/// `patients` (if given) are the known patient ids.
pub fn read_image_table(path: &Path, id_column: &str, patients: Option<&HashMap<String, usize>>) -> Result<Vec<ImageRow>> {
    let t = Table::read(path)?;
    let (id, pid, p) = (t.col(id_column)?, t.col("patient_id")?, t.col("path")?);
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, cells) in &t.rows {
        let row = ImageRow { line: *line, id: t.text(*line, cells, id)?, patient_id: t.text(*line, cells, pid)?, path: t.text(*line, cells, p)?.into() };
        if let Some(known) = patients {
            if !known.contains_key(&row.patient_id) {
                return Err(t.err(*line, "patient_id", format!("unknown patient id `{}`; it is not in the patients table", row.patient_id)));
            }
        }
        out.push(row);
    }
    check_unique(&t, id_column, t.rows.iter().zip(&out).map(|((l, _), r)| (*l, r.id.as_str())))?;
    Ok(out)
}

/// Read `rna.csv`: `patient_id` then one numeric column per gene (non-negative; empty = missing).
/// With `units` = counts every value must be a whole number.
pub fn read_rna(path: &Path, patients: Option<&HashMap<String, usize>>, units: crate::manifest::RnaUnits) -> Result<RnaTable> {
    let t = Table::read(path)?;
    let pid = t.col("patient_id")?;
    let gene_cols: Vec<usize> = (0..t.headers.len()).filter(|&c| c != pid).collect();
    if gene_cols.is_empty() {
        return Err(t.err(1, "patient_id", "no gene columns; add one column per gene"));
    }
    let genes = gene_cols.iter().map(|&c| t.headers[c].clone()).collect();
    let mut ids = Vec::with_capacity(t.rows.len());
    let mut values = Vec::with_capacity(t.rows.len() * gene_cols.len());
    for (line, cells) in &t.rows {
        let id = t.text(*line, cells, pid)?;
        if let Some(known) = patients {
            if !known.contains_key(&id) {
                return Err(t.err(*line, "patient_id", format!("unknown patient id `{id}`; it is not in the patients table")));
            }
        }
        for &c in &gene_cols {
            let v = t.float(*line, cells, Some(c), 0.0, f64::MAX)?;
            if let Some(v) = v {
                if units == crate::manifest::RnaUnits::Counts && v.fract() != 0.0 {
                    return Err(t.err(*line, &t.headers[c], format!("`{v}` is not a whole read count; set `[rna] units = \"tpm\"` in cohort.toml for normalised values")));
                }
            }
            values.push(v.unwrap_or(f64::NAN));
        }
        ids.push(id);
    }
    check_unique(&t, "patient_id", t.rows.iter().zip(&ids).map(|((l, _), id)| (*l, id.as_str())))?;
    Ok(RnaTable { genes, patient_ids: ids, values })
}

/// Read `mri.csv`: patient_id, t1, t1ce, t2, flair, mask (paths; empty = modality absent).
pub fn read_mri(path: &Path, patients: Option<&HashMap<String, usize>>) -> Result<Vec<MriRow>> {
    let t = Table::read(path)?;
    let pid = t.col("patient_id")?;
    let mut cols = Vec::new();
    for m in MODALITIES.iter().chain(["mask"].iter()) {
        cols.push(t.col(m)?);
    }
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, cells) in &t.rows {
        let id = t.text(*line, cells, pid)?;
        if let Some(known) = patients {
            if !known.contains_key(&id) {
                return Err(t.err(*line, "patient_id", format!("unknown patient id `{id}`; it is not in the patients table")));
            }
        }
        let p = |k: usize| -> Option<PathBuf> { let v = &cells[cols[k]]; (!v.is_empty()).then(|| v.into()) };
        out.push(MriRow { line: *line, patient_id: id, modalities: [p(0), p(1), p(2), p(3)], mask: p(4) });
    }
    check_unique(&t, "patient_id", t.rows.iter().zip(&out).map(|((l, _), r)| (*l, r.patient_id.as_str())))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Writing

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn finish(path: &Path, w: csv::Writer<Vec<u8>>) -> Result<()> {
    let bytes = w.into_inner().map_err(|e| CohortError::InvalidInput(format!("{}: {e}", path.display())))?;
    crate::io::write_atomic(path, &bytes)
}

fn wr(path: &Path) -> impl Fn(csv::Error) -> CohortError + '_ {
    move |e| CohortError::InvalidInput(format!("{}: {e}", path.display()))
}

/// Format a float with up to 4 decimals and no trailing zeros (stable across platforms).
fn fmt_f(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

pub fn write_patients(path: &Path, patients: &[Patient]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["patient_id".to_string(), "grade".into(), "idh".into(), "codel_1p19q".into()];
    header.extend(CNV_GENES.iter().map(|g| format!("cnv_{g}")));
    header.extend(["survival_months".into(), "event".into(), "age".into()]);
    w.write_record(&header).map_err(wr(path))?;
    for p in patients {
        let mut r = vec![p.patient_id.clone(), opt(&p.grade), opt(&p.idh), opt(&p.codel_1p19q)];
        r.extend(p.cnv.iter().map(opt));
        r.extend([p.survival_months.map(fmt_f).unwrap_or_default(), opt(&p.event), p.age.map(fmt_f).unwrap_or_default()]);
        w.write_record(&r).map_err(wr(path))?;
    }
    finish(path, w)
}

pub fn write_image_table(path: &Path, id_column: &str, rows: &[ImageRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([id_column, "patient_id", "path"]).map_err(wr(path))?;
    for r in rows {
        w.write_record([r.id.as_str(), r.patient_id.as_str(), &r.path.to_string_lossy()]).map_err(wr(path))?;
    }
    finish(path, w)
}

pub fn write_rna(path: &Path, rna: &RnaTable) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["patient_id".to_string()];
    header.extend(rna.genes.iter().cloned());
    w.write_record(&header).map_err(wr(path))?;
    for (i, id) in rna.patient_ids.iter().enumerate() {
        let mut r = vec![id.clone()];
        r.extend(rna.row(i).iter().map(|&v| if v.is_nan() { String::new() } else { fmt_f(v) }));
        w.write_record(&r).map_err(wr(path))?;
    }
    finish(path, w)
}

pub fn write_mri(path: &Path, rows: &[MriRow]) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["patient_id", "t1", "t1ce", "t2", "flair", "mask"]).map_err(wr(path))?;
    for r in rows {
        let p = |v: &Option<PathBuf>| v.as_ref().map(|x| x.to_string_lossy().into_owned()).unwrap_or_default();
        w.write_record([r.patient_id.clone(), p(&r.modalities[0]), p(&r.modalities[1]), p(&r.modalities[2]), p(&r.modalities[3]), p(&r.mask)])
            .map_err(wr(path))?;
    }
    finish(path, w)
}
