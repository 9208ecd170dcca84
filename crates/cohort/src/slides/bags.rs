//! Patch-feature bags: one slide as N patch feature vectors of dimension D with their
//! coordinates, the unit the survival models train on.
//!
//! The on-disk format is SafeTensors (one file per slide, `<slide_id>.safetensors`):
//! - `features`: F32, shape `[N, D]`, row-major;
//! - `coords`: I64, shape `[N, 2]`, `(x, y)` of each patch's top-left corner in level-0 pixels
//!   (OpenSlide's convention, as in the tiling coordinates CSV);
//! - metadata (the SafeTensors header's `__metadata__` string map): `slide_id`, and optionally
//!   `patient_id`, `encoder`, `patch_size`, `level`, ... (free-form; kept on read).
//!
//! SafeTensors is what Hugging Face and most foundation-model pipelines emit, so a bag made
//! elsewhere only needs these two tensor names. CLAM/TRIDENT `.h5` bags (datasets `features`,
//! `coords`) are read by [`super::h5`] into the same [`Bag`]; [`read_bag`] picks the reader by
//! extension.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::tensor::Dtype;

use crate::error::{CohortError, Result};

/// One slide's patch features and coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Bag {
    /// Row-major `[n, dim]`.
    pub features: Vec<f32>,
    /// Feature dimension D.
    pub dim: usize,
    /// `(x, y)` per patch, level-0 pixels; same length as the number of rows.
    pub coords: Vec<[i64; 2]>,
    /// Free-form string metadata (`slide_id`, `patient_id`, `encoder`, ...).
    pub metadata: BTreeMap<String, String>,
}

impl Bag {
    /// Builds a bag, checking that `features.len() == coords.len() * dim`.
    pub fn new(features: Vec<f32>, dim: usize, coords: Vec<[i64; 2]>) -> Result<Bag> {
        if dim == 0 || features.len() != coords.len() * dim {
            return Err(CohortError::InvalidInput(format!(
                "bag: {} feature values do not make {} rows of dimension {dim}",
                features.len(),
                coords.len()
            )));
        }
        Ok(Bag { features, dim, coords, metadata: BTreeMap::new() })
    }

    /// Number of patches N.
    pub fn len(&self) -> usize {
        self.coords.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// Feature row of patch `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }
}

/// Serialises a bag to SafeTensors bytes (format in the module docs).
///
/// The header is written here rather than by `safetensors::serialize`, whose metadata is a
/// `HashMap` serialised in random order: the same bag must always give the same bytes.
pub fn to_safetensors(bag: &Bag) -> Result<Vec<u8>> {
    let n = bag.len();
    let coord_len = n * 2 * 8;
    let feat_len = bag.features.len() * 4;
    let mut header = serde_json::Map::new();
    if !bag.metadata.is_empty() {
        let meta: serde_json::Map<String, serde_json::Value> =
            bag.metadata.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        header.insert("__metadata__".into(), serde_json::Value::Object(meta));
    }
    header.insert(
        "coords".into(),
        serde_json::json!({"dtype": "I64", "shape": [n, 2], "data_offsets": [0, coord_len]}),
    );
    header.insert(
        "features".into(),
        serde_json::json!({"dtype": "F32", "shape": [n, bag.dim], "data_offsets": [coord_len, coord_len + feat_len]}),
    );
    let mut json = serde_json::to_vec(&serde_json::Value::Object(header))
        .map_err(|e| CohortError::InvalidInput(format!("bag header: {e}")))?;
    // The data section starts 8-byte aligned; the format pads the header with spaces.
    while (8 + json.len()) % 8 != 0 {
        json.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + json.len() + coord_len + feat_len);
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    for c in &bag.coords {
        out.extend_from_slice(&c[0].to_le_bytes());
        out.extend_from_slice(&c[1].to_le_bytes());
    }
    for v in &bag.features {
        out.extend_from_slice(&v.to_le_bytes());
    }
    Ok(out)
}

/// Writes a bag atomically (temporary file + rename).
pub fn write_bag(path: &Path, bag: &Bag) -> Result<()> {
    crate::io::write_atomic(path, &to_safetensors(bag)?)
}

/// Reads a SafeTensors bag; `path` is only used in error messages.
pub fn from_safetensors(path: &Path, bytes: &[u8]) -> Result<Bag> {
    let bad = |msg: String| CohortError::Slide { path: path.to_path_buf(), msg };
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| bad(format!("not a SafeTensors file ({e})")))?;
    let st = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| bad(format!("not a SafeTensors file ({e})")))?;
    let features = st
        .tensor("features")
        .map_err(|_| bad("no tensor `features`; a bag needs `features` [N, D] and `coords` [N, 2]".into()))?;
    let shape = features.shape();
    if shape.len() != 2 || shape[1] == 0 {
        return Err(bad(format!("`features` has shape {shape:?}; expected [N, D]")));
    }
    let (n, dim) = (shape[0], shape[1]);
    let data = features.data();
    let features: Vec<f32> = match features.dtype() {
        Dtype::F32 => data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32)
            .collect(),
        Dtype::F16 => data.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16))
            .collect(),
        other => return Err(bad(format!("`features` has dtype {other:?}; expected F32, F64, F16 or BF16"))),
    };
    if features.iter().any(|v| !v.is_finite()) {
        return Err(bad("`features` holds NaN or infinite values".into()));
    }
    let coords = match st.tensor("coords") {
        Ok(c) => {
            if c.shape() != [n, 2] {
                return Err(bad(format!("`coords` has shape {:?}; expected [{n}, 2]", c.shape())));
            }
            let d = c.data();
            let vals: Vec<i64> = match c.dtype() {
                Dtype::I64 => d.chunks_exact(8).map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8]))).collect(),
                Dtype::I32 => d.chunks_exact(4).map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64).collect(),
                Dtype::F32 => {
                    d.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64).collect()
                }
                other => return Err(bad(format!("`coords` has dtype {other:?}; expected I64, I32 or F32"))),
            };
            vals.chunks_exact(2).map(|p| [p[0], p[1]]).collect()
        }
        // Coordinates are optional for bags made elsewhere; heatmaps then cannot be drawn.
        Err(_) => vec![[-1, -1]; n],
    };
    let mut bag = Bag::new(features, dim, coords).map_err(|e| bad(e.to_string()))?;
    if let Some(meta) = header.metadata() {
        bag.metadata = meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    }
    Ok(bag)
}

/// Reads a bag file: `.h5` / `.hdf5` (CLAM/TRIDENT, [`super::h5`]) or SafeTensors (any other
/// extension).
pub fn read_bag(path: &Path) -> Result<Bag> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if ext == "h5" || ext == "hdf5" {
        return super::h5::read_h5_bag(path);
    }
    let bytes = std::fs::read(path).map_err(|e| CohortError::io(path, e))?;
    from_safetensors(path, &bytes)
}

/// A bag on disk whose feature rows are read on demand, for cohorts whose bags do not fit in
/// memory together: [`BagFile::open`] parses only the SafeTensors header (N, D, dtype, where the
/// `features` block starts); [`BagFile::read_rows`] seeks to and reads just the requested rows,
/// [`BagFile::read_all`] the whole block. The values are exactly those [`read_bag`] returns.
/// `.h5` bags have no such layout and are read whole (then the rows picked).
#[derive(Debug, Clone, PartialEq)]
pub struct BagFile {
    pub path: std::path::PathBuf,
    /// Number of patches N.
    pub n: usize,
    /// Feature dimension D.
    pub dim: usize,
    layout: Layout,
}

#[derive(Debug, Clone, PartialEq)]
enum Layout {
    /// Absolute byte offset of `features` row 0 and the element width / dtype.
    SafeTensors { start: u64, dtype: Dtype },
    /// Formats read whole by [`read_bag`].
    Whole,
}

impl BagFile {
    /// Reads the header of a bag file (SafeTensors: the JSON header only; `.h5`: the whole file).
    pub fn open(path: &Path) -> Result<BagFile> {
        use std::io::Read;
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if ext == "h5" || ext == "hdf5" {
            let bag = read_bag(path)?;
            return Ok(BagFile { path: path.to_path_buf(), n: bag.len(), dim: bag.dim, layout: Layout::Whole });
        }
        let bad = |msg: String| CohortError::Slide { path: path.to_path_buf(), msg };
        let mut f = std::fs::File::open(path).map_err(|e| CohortError::io(path, e))?;
        let file_len = f.metadata().map_err(|e| CohortError::io(path, e))?.len();
        let mut len8 = [0u8; 8];
        f.read_exact(&mut len8).map_err(|_| bad("not a SafeTensors file (shorter than 8 bytes)".into()))?;
        let hlen = u64::from_le_bytes(len8);
        if hlen > 100_000_000 || 8 + hlen > file_len {
            return Err(bad(format!("not a SafeTensors file (header length {hlen})")));
        }
        let mut header = vec![0u8; hlen as usize];
        f.read_exact(&mut header).map_err(|e| CohortError::io(path, e))?;
        let json: serde_json::Value = serde_json::from_slice(&header)
            .map_err(|e| bad(format!("not a SafeTensors file (header: {e})")))?;
        let Some(t) = json.get("features") else {
            return Err(bad("no tensor `features`; a bag needs `features` [N, D] and `coords` [N, 2]".into()));
        };
        let shape: Vec<usize> = t
            .get("shape")
            .and_then(|s| s.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_u64().map(|x| x as usize)).collect())
            .unwrap_or_default();
        if shape.len() != 2 || shape[1] == 0 {
            return Err(bad(format!("`features` has shape {shape:?}; expected [N, D]")));
        }
        let dtype = match t.get("dtype").and_then(|d| d.as_str()) {
            Some("F32") => Dtype::F32,
            Some("F64") => Dtype::F64,
            Some("F16") => Dtype::F16,
            Some("BF16") => Dtype::BF16,
            other => return Err(bad(format!("`features` has dtype {other:?}; expected F32, F64, F16 or BF16"))),
        };
        let offs: Vec<u64> = t
            .get("data_offsets")
            .and_then(|s| s.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_u64()).collect())
            .unwrap_or_default();
        let (n, dim) = (shape[0], shape[1]);
        let want = (n * dim * dtype_bytes(dtype)) as u64;
        if offs.len() != 2 || offs[1].checked_sub(offs[0]) != Some(want) || 8 + hlen + offs[1] > file_len {
            return Err(bad(format!(
                "`features` data offsets {offs:?} do not hold [{n}, {dim}] {dtype:?} values in a file of {file_len} bytes"
            )));
        }
        Ok(BagFile { path: path.to_path_buf(), n, dim, layout: Layout::SafeTensors { start: 8 + hlen + offs[0], dtype } })
    }

    /// Number of patches N.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Feature rows `rows` (in that order), row-major `[rows.len(), dim]`. Only these rows are
    /// read from disk.
    pub fn read_rows(&self, rows: &[usize]) -> Result<Vec<f32>> {
        use std::io::{Read, Seek, SeekFrom};
        let bad = |msg: String| CohortError::Slide { path: self.path.clone(), msg };
        if let Some(&r) = rows.iter().find(|&&r| r >= self.n) {
            return Err(bad(format!("row {r} requested from a bag of {} patches", self.n)));
        }
        let (start, dtype) = match &self.layout {
            Layout::Whole => {
                let bag = read_bag(&self.path)?;
                let mut out = Vec::with_capacity(rows.len() * self.dim);
                for &r in rows {
                    out.extend_from_slice(bag.row(r));
                }
                return Ok(out);
            }
            Layout::SafeTensors { start, dtype } => (*start, *dtype),
        };
        let row_bytes = self.dim * dtype_bytes(dtype);
        let mut f = std::fs::File::open(&self.path).map_err(|e| CohortError::io(&self.path, e))?;
        let mut buf = vec![0u8; row_bytes];
        let mut out = Vec::with_capacity(rows.len() * self.dim);
        for &r in rows {
            f.seek(SeekFrom::Start(start + (r * row_bytes) as u64)).map_err(|e| CohortError::io(&self.path, e))?;
            f.read_exact(&mut buf).map_err(|e| CohortError::io(&self.path, e))?;
            decode_into(&buf, dtype, &mut out);
        }
        if out.iter().any(|v| !v.is_finite()) {
            return Err(bad("`features` holds NaN or infinite values".into()));
        }
        Ok(out)
    }

    /// Every feature row, row-major `[n, dim]` (one read of the `features` block).
    pub fn read_all(&self) -> Result<Vec<f32>> {
        use std::io::{Read, Seek, SeekFrom};
        let (start, dtype) = match &self.layout {
            Layout::Whole => return Ok(read_bag(&self.path)?.features),
            Layout::SafeTensors { start, dtype } => (*start, *dtype),
        };
        let mut f = std::fs::File::open(&self.path).map_err(|e| CohortError::io(&self.path, e))?;
        f.seek(SeekFrom::Start(start)).map_err(|e| CohortError::io(&self.path, e))?;
        let mut buf = vec![0u8; self.n * self.dim * dtype_bytes(dtype)];
        f.read_exact(&mut buf).map_err(|e| CohortError::io(&self.path, e))?;
        let mut out = Vec::with_capacity(self.n * self.dim);
        decode_into(&buf, dtype, &mut out);
        if out.iter().any(|v| !v.is_finite()) {
            return Err(CohortError::Slide { path: self.path.clone(), msg: "`features` holds NaN or infinite values".into() });
        }
        Ok(out)
    }
}

/// Bytes per element of the float dtypes a bag may hold.
fn dtype_bytes(dtype: Dtype) -> usize {
    dtype.bitsize() / 8
}

/// Little-endian `dtype` bytes -> f32, appended to `out` (same conversions as [`from_safetensors`]).
fn decode_into(data: &[u8], dtype: Dtype, out: &mut Vec<f32>) {
    match dtype {
        Dtype::F64 => out.extend(
            data.chunks_exact(8)
                .map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) as f32),
        ),
        Dtype::F16 => out.extend(data.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))),
        Dtype::BF16 => out.extend(
            data.chunks_exact(2).map(|b| f32::from_bits((u16::from_le_bytes([b[0], b[1]]) as u32) << 16)),
        ),
        _ => out.extend(data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
    }
}

/// IEEE half to single precision (exact).
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: value = f * 2^-24.
            let v = f as f32 * (1.0 / 16_777_216.0);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use safetensors::tensor::TensorView;

    #[test]
    fn round_trip_is_exact_and_deterministic() {
        let mut bag = Bag::new(vec![0.5, -1.25, 3.0, 1e-7, 2.0, 7.5], 3, vec![[0, 224], [448, 672]]).unwrap();
        bag.metadata.insert("slide_id".into(), "S1".into());
        bag.metadata.insert("encoder".into(), "resnet50".into());
        let a = to_safetensors(&bag).unwrap();
        let b = to_safetensors(&bag.clone()).unwrap();
        assert_eq!(a, b);
        let back = from_safetensors(Path::new("x.safetensors"), &a).unwrap();
        assert_eq!(back, bag);
        assert_eq!(back.row(1), &[1e-7, 2.0, 7.5]);
    }

    #[test]
    fn half_precision_and_missing_coords() {
        // 1.0, -2.0, 0.5, 65504 (max half), smallest subnormal.
        let halves: [u16; 4] = [0x3c00, 0xc000, 0x3800, 0x7bff];
        let bytes: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
        let t = TensorView::new(Dtype::F16, vec![2, 2], &bytes).unwrap();
        let st = safetensors::serialize([("features", t)], None).unwrap();
        let bag = from_safetensors(Path::new("h.safetensors"), &st).unwrap();
        assert_eq!(bag.features, vec![1.0, -2.0, 0.5, 65504.0]);
        assert_eq!(bag.coords, vec![[-1, -1]; 2]);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
    }

    #[test]
    fn bag_file_reads_only_the_requested_rows_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let n = 7;
        let dim = 5;
        let feats: Vec<f32> = (0..n * dim).map(|i| i as f32 * 0.37 - 3.0).collect();
        let mut bag = Bag::new(feats, dim, (0..n as i64).map(|i| [i * 224, 0]).collect()).unwrap();
        bag.metadata.insert("slide_id".into(), "S9".into());
        let p = dir.path().join("S9.safetensors");
        write_bag(&p, &bag).unwrap();
        let f = BagFile::open(&p).unwrap();
        assert_eq!((f.len(), f.dim), (n, dim));
        assert_eq!(f.read_all().unwrap(), read_bag(&p).unwrap().features);
        let rows = [6usize, 0, 3, 3];
        let want: Vec<f32> = rows.iter().flat_map(|&r| bag.row(r).to_vec()).collect();
        assert_eq!(f.read_rows(&rows).unwrap(), want);
        let e = f.read_rows(&[7]).unwrap_err().to_string();
        assert!(e.contains("row 7") && e.contains("S9.safetensors"), "{e}");
        // Half precision: same conversion as the whole-file reader.
        let halves: [u16; 4] = [0x3c00, 0xc000, 0x3800, 0x7bff];
        let bytes: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
        let t = TensorView::new(Dtype::F16, vec![2, 2], &bytes).unwrap();
        let ph = dir.path().join("h.safetensors");
        std::fs::write(&ph, safetensors::serialize([("features", t)], None).unwrap()).unwrap();
        let fh = BagFile::open(&ph).unwrap();
        assert_eq!(fh.read_rows(&[1]).unwrap(), vec![0.5, 65504.0]);
        assert_eq!(fh.read_all().unwrap(), read_bag(&ph).unwrap().features);
        let pb = dir.path().join("bad.safetensors");
        std::fs::write(&pb, b"nonsense").unwrap();
        assert!(BagFile::open(&pb).unwrap_err().to_string().contains("bad.safetensors"));
    }

    #[test]
    fn errors_name_what_is_wrong() {
        let e = from_safetensors(Path::new("bad.safetensors"), b"nonsense").unwrap_err().to_string();
        assert!(e.contains("bad.safetensors") && e.contains("not a SafeTensors"), "{e}");
        let bytes: Vec<u8> = [1.0f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let t = TensorView::new(Dtype::F32, vec![1, 2], &bytes).unwrap();
        let st = safetensors::serialize([("feats", t)], None).unwrap();
        let e = from_safetensors(Path::new("b.safetensors"), &st).unwrap_err().to_string();
        assert!(e.contains("no tensor `features`"), "{e}");
        assert!(Bag::new(vec![1.0; 5], 2, vec![[0, 0]; 2]).is_err());
    }
}
