//! A minimal NIfTI-1 writer and reader for the synthetic MRI and the geometry checks.
//!
//! To be replaced by `radiomics::io` (the radiomics crate owns volume I/O); it exists only
//! because that module was not available when the cohort crate was written. It handles what
//! `gliofuse synth` writes: single-file `.nii` / `.nii.gz`, uint8/int16/int32/float32/float64
//! voxels, geometry in the sform (RAS), converted to and from ITK's LPS convention like
//! SimpleITK (negate the first two rows of the affine).

use std::io::{Read, Write};
use std::path::Path;

use radiomics::Image;

use crate::error::{CohortError, Result};

/// Voxel type on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoxelType {
    U8,
    I16,
    F32,
}

impl VoxelType {
    fn code(self) -> (i16, i16) {
        match self {
            VoxelType::U8 => (2, 8),
            VoxelType::I16 => (4, 16),
            VoxelType::F32 => (16, 32),
        }
    }
}

/// Encode `img` as a NIfTI-1 single file (gzip-compressed when `gz`). Values are rounded and
/// clamped for the integer types.
pub fn encode(img: &Image, ty: VoxelType, gz: bool) -> Vec<u8> {
    let mut h = vec![0u8; 352];
    let put_i16 = |h: &mut [u8], o: usize, v: i16| h[o..o + 2].copy_from_slice(&v.to_le_bytes());
    let put_f32 = |h: &mut [u8], o: usize, v: f32| h[o..o + 4].copy_from_slice(&v.to_le_bytes());
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    h[38] = b'r';
    let dims = [3i16, img.size[0] as i16, img.size[1] as i16, img.size[2] as i16, 1, 1, 1, 1];
    for (k, d) in dims.iter().enumerate() {
        put_i16(&mut h, 40 + 2 * k, *d);
    }
    let (code, bitpix) = ty.code();
    put_i16(&mut h, 70, code);
    put_i16(&mut h, 72, bitpix);
    let pixdim = [1.0f32, img.spacing[0] as f32, img.spacing[1] as f32, img.spacing[2] as f32, 0.0, 0.0, 0.0, 0.0];
    for (k, d) in pixdim.iter().enumerate() {
        put_f32(&mut h, 76 + 4 * k, *d);
    }
    put_f32(&mut h, 108, 352.0);
    put_f32(&mut h, 112, 1.0);
    h[123] = 2; // mm
    let desc = b"gliofuse synthetic";
    h[148..148 + desc.len()].copy_from_slice(desc);
    put_i16(&mut h, 252, 0); // qform_code: geometry lives in the sform
    put_i16(&mut h, 254, 2); // sform_code: aligned
    // RAS affine = diag(-1,-1,1) * [D diag(s) | o]
    for r in 0..3 {
        let sign = if r < 2 { -1.0 } else { 1.0 };
        for c in 0..3 {
            put_f32(&mut h, 280 + 16 * r + 4 * c, (sign * img.direction[3 * r + c] * img.spacing[c]) as f32);
        }
        put_f32(&mut h, 280 + 16 * r + 12, (sign * img.origin[r]) as f32);
    }
    h[344..348].copy_from_slice(b"n+1\0");
    let mut out = h;
    out.reserve(img.data.len() * (bitpix as usize / 8));
    for &v in &img.data {
        match ty {
            VoxelType::U8 => out.push(v.round().clamp(0.0, 255.0) as u8),
            VoxelType::I16 => out.extend_from_slice(&(v.round().clamp(-32768.0, 32767.0) as i16).to_le_bytes()),
            VoxelType::F32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
        }
    }
    if !gz {
        return out;
    }
    // mtime 0 and no file name: the gzip stream depends only on the data.
    let mut enc = flate2::GzBuilder::new().mtime(0).write(Vec::new(), flate2::Compression::new(3));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(&out);
    enc.finish().unwrap_or_default()
}

/// Read a `.nii` or `.nii.gz` file written by [`encode`] or any little-endian NIfTI-1 single file
/// with an sform (or only pixdim).
pub fn read(path: &Path) -> Result<Image> {
    let raw = std::fs::read(path).map_err(|e| CohortError::io(path, e))?;
    let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
        let mut d = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut d)
            .map_err(|e| CohortError::Image { path: path.into(), msg: format!("gzip: {e}") })?;
        d
    } else {
        raw
    };
    decode(&bytes).map_err(|msg| CohortError::Image { path: path.into(), msg })
}

fn decode(b: &[u8]) -> std::result::Result<Image, String> {
    if b.len() < 352 || i32::from_le_bytes([b[0], b[1], b[2], b[3]]) != 348 {
        return Err("not a little-endian NIfTI-1 file (sizeof_hdr != 348)".into());
    }
    if &b[344..347] != b"n+1" {
        return Err("not a single-file NIfTI-1 (.nii) image".into());
    }
    let i16at = |o: usize| i16::from_le_bytes([b[o], b[o + 1]]);
    let f32at = |o: usize| f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]) as f64;
    let ndim = i16at(40);
    if !(1..=7).contains(&ndim) {
        return Err(format!("dim[0] = {ndim}"));
    }
    let mut size = [1usize; 3];
    for k in 0..3.min(ndim as usize) {
        let d = i16at(42 + 2 * k);
        if d < 1 {
            return Err(format!("dim[{}] = {d}", k + 1));
        }
        size[k] = d as usize;
    }
    for k in 3..ndim as usize {
        if i16at(42 + 2 * k) > 1 {
            return Err("more than 3 dimensions".into());
        }
    }
    let n = size[0] * size[1] * size[2];
    let code = i16at(70);
    let off = f32at(108).max(352.0) as usize;
    let (slope, inter) = (f32at(112), f32at(116));
    let (slope, inter) = if slope == 0.0 || !slope.is_finite() { (1.0, 0.0) } else { (slope, inter) };
    let width = match code {
        2 => 1,
        4 => 2,
        8 | 16 => 4,
        64 => 8,
        _ => return Err(format!("unsupported datatype {code}")),
    };
    if b.len() < off + n * width {
        return Err(format!("truncated: {} voxel bytes expected, {} present", n * width, b.len().saturating_sub(off)));
    }
    let d = &b[off..off + n * width];
    let data: Vec<f64> = (0..n)
        .map(|i| {
            let s = &d[i * width..(i + 1) * width];
            let v = match code {
                2 => s[0] as f64,
                4 => i16::from_le_bytes([s[0], s[1]]) as f64,
                8 => i32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f64,
                16 => f32::from_le_bytes([s[0], s[1], s[2], s[3]]) as f64,
                _ => f64::from_le_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]),
            };
            v * slope + inter
        })
        .collect();
    let mut spacing = [f32at(80).abs(), f32at(84).abs(), f32at(88).abs()];
    let mut origin = [0.0; 3];
    let mut direction = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    if i16at(254) > 0 {
        let mut m = [[0.0f64; 4]; 3];
        for (r, row) in m.iter_mut().enumerate() {
            let sign = if r < 2 { -1.0 } else { 1.0 };
            for (c, v) in row.iter_mut().enumerate() {
                *v = sign * f32at(280 + 16 * r + 4 * c);
            }
        }
        for c in 0..3 {
            let norm = (m[0][c].powi(2) + m[1][c].powi(2) + m[2][c].powi(2)).sqrt();
            spacing[c] = norm;
            for r in 0..3 {
                direction[3 * r + c] = if norm > 0.0 { m[r][c] / norm } else { 0.0 };
            }
        }
        origin = [m[0][3], m[1][3], m[2][3]];
    } else {
        // Analyze-style: RAS axes, i.e. LPS direction diag(-1,-1,1).
        direction = [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0];
    }
    for s in spacing.iter_mut() {
        if *s == 0.0 {
            *s = 1.0;
        }
    }
    Ok(Image { data, size, spacing, origin, direction })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_geometry_and_values() {
        let img = Image {
            data: (0..24).map(|v| v as f64 - 5.0).collect(),
            size: [2, 3, 4],
            spacing: [1.0, 0.5, 2.0],
            origin: [10.0, -20.0, 30.0],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        };
        for gz in [false, true] {
            let bytes = encode(&img, VoxelType::I16, gz);
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join(if gz { "a.nii.gz" } else { "a.nii" });
            std::fs::write(&p, &bytes).unwrap();
            let back = read(&p).unwrap();
            assert_eq!(back, img);
        }
        // LPS origin (10, -20, 30) is RAS (-10, 20, 30) in srow_x/y/z[3].
        let b = encode(&img, VoxelType::U8, false);
        let f = |o: usize| f32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        assert_eq!((f(292), f(308), f(324)), (-10.0, 20.0, 30.0));
        assert_eq!((f(280), f(300), f(320)), (-1.0, -0.5, 2.0));
    }
}
