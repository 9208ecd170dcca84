//! NIfTI-1 and NIfTI-2 reader (single file `.nii`, optionally gzipped) and NIfTI-1 writer,
//! with the geometry rules of ITK's NiftiImageIO (as SimpleITK 2.x reads it):
//!
//! - spacing = |pixdim[1..3]|;
//! - the rotation comes from the sform when `sform_code > 0` and its columns, once normalised,
//!   are orthonormal; otherwise from the qform (quaternion, `qfac = pixdim[0]`); with both
//!   codes 0 the direction is the identity (in LPS) and the origin 0;
//! - RAS to LPS: the x and y rows of the direction and of the origin change sign;
//! - `scl_slope`/`scl_inter` (slope not 0, not the identity) are applied, giving float32 voxels.

use std::path::Path;

use super::{decode_voxels, gunzip_exact, gzip, read_file, voxel_count, write_atomic};
use crate::error::RadiomicsError;
use crate::image::{Image, PixelType};

fn datatype_to_pixel(code: i32) -> Option<PixelType> {
    Some(match code {
        2 => PixelType::U8,
        4 => PixelType::I16,
        8 => PixelType::I32,
        16 => PixelType::F32,
        64 => PixelType::F64,
        256 => PixelType::I8,
        512 => PixelType::U16,
        768 => PixelType::U32,
        1024 => PixelType::I64,
        1280 => PixelType::U64,
        _ => return None,
    })
}

fn pixel_to_datatype(pt: PixelType) -> (i16, i16) {
    match pt {
        PixelType::U8 => (2, 8),
        PixelType::I16 => (4, 16),
        PixelType::I32 => (8, 32),
        PixelType::F32 => (16, 32),
        PixelType::F64 => (64, 64),
        PixelType::I8 => (256, 8),
        PixelType::U16 => (512, 16),
        PixelType::U32 => (768, 32),
        PixelType::I64 => (1024, 64),
        PixelType::U64 => (1280, 64),
    }
}

/// Little helper reading header fields with the file's byte order.
struct Hdr<'a> {
    b: &'a [u8],
    be: bool,
}

impl Hdr<'_> {
    fn i16(&self, o: usize) -> i16 {
        let a = [self.b[o], self.b[o + 1]];
        if self.be { i16::from_be_bytes(a) } else { i16::from_le_bytes(a) }
    }
    fn i32(&self, o: usize) -> i32 {
        let mut a = [0u8; 4];
        a.copy_from_slice(&self.b[o..o + 4]);
        if self.be { i32::from_be_bytes(a) } else { i32::from_le_bytes(a) }
    }
    fn i64(&self, o: usize) -> i64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.b[o..o + 8]);
        if self.be { i64::from_be_bytes(a) } else { i64::from_le_bytes(a) }
    }
    fn f32(&self, o: usize) -> f64 {
        let mut a = [0u8; 4];
        a.copy_from_slice(&self.b[o..o + 4]);
        (if self.be { f32::from_be_bytes(a) } else { f32::from_le_bytes(a) }) as f64
    }
    fn f64(&self, o: usize) -> f64 {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.b[o..o + 8]);
        if self.be { f64::from_be_bytes(a) } else { f64::from_le_bytes(a) }
    }
}

/// Everything of the header the reader uses, in NIfTI-2 precision.
struct Header {
    dims: Vec<i64>,
    datatype: i32,
    pixdim: [f64; 8],
    vox_offset: i64,
    scl_slope: f64,
    scl_inter: f64,
    qform_code: i32,
    sform_code: i32,
    quatern: [f64; 3],
    qoffset: [f64; 3],
    srow: [[f64; 4]; 3],
    big_endian: bool,
}

fn parse_header(path: &Path, b: &[u8]) -> Result<Header, RadiomicsError> {
    let short = || RadiomicsError::format(path, "file too short for a NIfTI header; the file is truncated or not NIfTI");
    if b.len() < 348 {
        return Err(short());
    }
    let le = i32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let be = i32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let (version, big_endian) = match (le, be) {
        (348, _) => (1, false),
        (_, 348) => (1, true),
        (540, _) => (2, false),
        (_, 540) => (2, true),
        _ => return Err(RadiomicsError::format(path, "not a NIfTI-1/NIfTI-2 file (sizeof_hdr is neither 348 nor 540)")),
    };
    let h = Hdr { b, be: big_endian };
    if version == 1 {
        if &b[344..347] != b"n+1" {
            return Err(RadiomicsError::format(
                path,
                "not a single-file NIfTI-1 image (magic is not 'n+1'; .hdr/.img pairs and Analyze files are not supported)",
            ));
        }
        let ndim = h.i16(40) as i64;
        let dims = (1..=7).map(|i| h.i16(40 + 2 * i) as i64).take(ndim.clamp(0, 7) as usize).collect();
        let mut pixdim = [0.0; 8];
        for (i, p) in pixdim.iter_mut().enumerate() {
            *p = h.f32(76 + 4 * i);
        }
        let mut srow = [[0.0; 4]; 3];
        for (r, row) in srow.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = h.f32(280 + 16 * r + 4 * c);
            }
        }
        Ok(Header {
            dims,
            datatype: h.i16(70) as i32,
            pixdim,
            vox_offset: h.f32(108) as i64,
            scl_slope: h.f32(112),
            scl_inter: h.f32(116),
            qform_code: h.i16(252) as i32,
            sform_code: h.i16(254) as i32,
            quatern: [h.f32(256), h.f32(260), h.f32(264)],
            qoffset: [h.f32(268), h.f32(272), h.f32(276)],
            srow,
            big_endian,
        })
    } else {
        if b.len() < 540 {
            return Err(short());
        }
        if &b[4..7] != b"n+2" {
            return Err(RadiomicsError::format(path, "not a single-file NIfTI-2 image (magic is not 'n+2')"));
        }
        let ndim = h.i64(16);
        let dims = (1..=7).map(|i| h.i64(16 + 8 * i)).take(ndim.clamp(0, 7) as usize).collect();
        let mut pixdim = [0.0; 8];
        for (i, p) in pixdim.iter_mut().enumerate() {
            *p = h.f64(104 + 8 * i);
        }
        let mut srow = [[0.0; 4]; 3];
        for (r, row) in srow.iter_mut().enumerate() {
            for (c, v) in row.iter_mut().enumerate() {
                *v = h.f64(400 + 32 * r + 8 * c);
            }
        }
        Ok(Header {
            dims,
            datatype: h.i16(12) as i32,
            pixdim,
            vox_offset: h.i64(168),
            scl_slope: h.f64(176),
            scl_inter: h.f64(184),
            qform_code: h.i32(344),
            sform_code: h.i32(348),
            quatern: [h.f64(352), h.f64(360), h.f64(368)],
            qoffset: [h.f64(376), h.f64(384), h.f64(392)],
            srow,
            big_endian,
        })
    }
}

/// `nifti_quatern_to_mat44`: rotation (without spacing) and offset from the qform.
fn qform_rotation(q: [f64; 3], qfac: f64) -> [[f64; 3]; 3] {
    let (mut b, mut c, mut d) = (q[0], q[1], q[2]);
    let mut a = 1.0 - (b * b + c * c + d * d);
    if a < 1.0e-7 {
        a = 1.0 / (b * b + c * c + d * d).sqrt();
        b *= a;
        c *= a;
        d *= a;
        a = 0.0;
    } else {
        a = a.sqrt();
    }
    let zd = if qfac < 0.0 { -1.0 } else { 1.0 };
    [
        [a * a + b * b - c * c - d * d, 2.0 * (b * c - a * d), 2.0 * (b * d + a * c) * zd],
        [2.0 * (b * c + a * d), a * a + c * c - b * b - d * d, 2.0 * (c * d - a * b) * zd],
        [2.0 * (b * d - a * c), 2.0 * (c * d + a * b), (a * a + d * d - c * c - b * b) * zd],
    ]
}

/// Normalised sform columns, if they form an orthonormal basis (what ITK can represent).
fn sform_rotation(s: &[[f64; 4]; 3]) -> Option<[[f64; 3]; 3]> {
    let mut r = [[0.0; 3]; 3];
    for c in 0..3 {
        let n = (0..3).map(|i| s[i][c] * s[i][c]).sum::<f64>().sqrt();
        if !(n > 0.0) || !n.is_finite() {
            return None;
        }
        for i in 0..3 {
            r[i][c] = s[i][c] / n;
        }
    }
    for a in 0..3 {
        for b in (a + 1)..3 {
            let dot: f64 = (0..3).map(|i| r[i][a] * r[i][b]).sum();
            if dot.abs() > 1e-4 {
                return None;
            }
        }
    }
    Some(r)
}

/// Read a NIfTI-1 or NIfTI-2 image (`.nii` or `.nii.gz`).
pub fn read_nifti(path: impl AsRef<Path>) -> Result<Image, RadiomicsError> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    read_nifti_bytes(path, &bytes)
}

/// Parse NIfTI from bytes in memory (gzipped or not; detected from the gzip magic).
pub fn read_nifti_bytes(path: &Path, bytes: &[u8]) -> Result<Image, RadiomicsError> {
    let gz = bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
    if gz {
        // Header first (540 bytes covers both versions), then the exact amount of data.
        let head = gunzip_prefix(path, bytes, 540)?;
        let hdr = parse_header(path, &head)?;
        let (size, n, pt) = layout(path, &hdr)?;
        let off = data_offset(path, &hdr)?;
        let total = off.checked_add(n * pt.size()).ok_or_else(|| RadiomicsError::format(path, "implausible data size"))?;
        let all = gunzip_exact(path, bytes, total)?;
        finish(&hdr, size, n, pt, &all[off..])
    } else {
        let hdr = parse_header(path, bytes)?;
        let (size, n, pt) = layout(path, &hdr)?;
        let off = data_offset(path, &hdr)?;
        let need = n * pt.size();
        if bytes.len() < off + need {
            return Err(RadiomicsError::format(
                path,
                format!("voxel data too short: {} bytes, {need} needed; the file is truncated", bytes.len().saturating_sub(off)),
            ));
        }
        finish(&hdr, size, n, pt, &bytes[off..off + need])
    }
}

fn gunzip_prefix(path: &Path, bytes: &[u8], want: usize) -> Result<Vec<u8>, RadiomicsError> {
    use std::io::Read;
    let mut dec = flate2::read::MultiGzDecoder::new(bytes);
    let mut out = Vec::with_capacity(want);
    (&mut dec)
        .take(want as u64)
        .read_to_end(&mut out)
        .map_err(|e| RadiomicsError::format(path, format!("corrupt gzip data ({e}); the file is damaged")))?;
    Ok(out)
}

fn data_offset(path: &Path, hdr: &Header) -> Result<usize, RadiomicsError> {
    let min = if hdr.vox_offset == 0 { 352 } else { hdr.vox_offset };
    if !(0..=(1 << 30)).contains(&min) {
        return Err(RadiomicsError::format(path, format!("implausible vox_offset {}", hdr.vox_offset)));
    }
    Ok(min as usize)
}

fn layout(path: &Path, hdr: &Header) -> Result<([usize; 3], usize, PixelType), RadiomicsError> {
    let pt = datatype_to_pixel(hdr.datatype).ok_or_else(|| {
        RadiomicsError::format(path, format!("unsupported NIfTI datatype {} (scalar integer or float types only)", hdr.datatype))
    })?;
    let mut dims = hdr.dims.clone();
    while dims.len() > 3 && dims.last() == Some(&1) {
        dims.pop();
    }
    if dims.len() < 2 || dims.len() > 3 || dims.iter().any(|&d| d < 1) {
        return Err(RadiomicsError::format(
            path,
            format!("only 2-D and 3-D scalar images are supported, this one has dim {:?}", hdr.dims),
        ));
    }
    let size = [dims[0] as usize, dims[1] as usize, if dims.len() == 3 { dims[2] as usize } else { 1 }];
    let n = voxel_count(path, size)?;
    Ok((size, n, pt))
}

fn finish(hdr: &Header, size: [usize; 3], n: usize, pt: PixelType, raw: &[u8]) -> Result<Image, RadiomicsError> {
    let mut data = decode_voxels(raw, pt, hdr.big_endian, n);
    let mut pixel_type = pt;
    let slope = hdr.scl_slope;
    if slope != 0.0 && slope.is_finite() && !(slope == 1.0 && hdr.scl_inter == 0.0) {
        let inter = if hdr.scl_inter.is_finite() { hdr.scl_inter } else { 0.0 };
        for v in &mut data {
            *v = ((*v * slope + inter) as f32) as f64;
        }
        if pixel_type != PixelType::F64 {
            pixel_type = PixelType::F32;
        }
    }
    let mut spacing = [1.0; 3];
    for (j, s) in spacing.iter_mut().enumerate() {
        let p = hdr.pixdim[j + 1].abs();
        if p > 0.0 && p.is_finite() {
            *s = p;
        }
    }
    let (rot, off) = if hdr.sform_code > 0
        && let Some(r) = sform_rotation(&hdr.srow)
    {
        (r, [hdr.srow[0][3], hdr.srow[1][3], hdr.srow[2][3]])
    } else if hdr.qform_code > 0 {
        (qform_rotation(hdr.quatern, hdr.pixdim[0]), hdr.qoffset)
    } else {
        // Both codes 0 (Analyze-style): ITK gives the identity direction in LPS and origin 0,
        // i.e. RAS rows x and y negated before the flip below.
        ([[-1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, 1.0]], [0.0; 3])
    };
    let mut direction = [0.0; 9];
    for r in 0..3 {
        let sign = if r < 2 { -1.0 } else { 1.0 };
        for c in 0..3 {
            direction[3 * r + c] = sign * rot[r][c];
        }
    }
    let origin = [-off[0], -off[1], off[2]];
    Ok(Image { data, size, spacing, origin, direction, pixel_type })
}

/// Quaternion (b, c, d) and qfac of a proper/improper rotation `r` (`nifti_mat44_to_quatern`).
fn rotation_to_quatern(r: [[f64; 3]; 3]) -> ([f64; 3], f64) {
    let mut m = r;
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if det < 0.0 {
        for row in m.iter_mut() {
            row[2] = -row[2];
        }
    }
    let trace1 = m[0][0] + m[1][1] + m[2][2] + 1.0;
    let (a, b, c, d);
    if trace1 > 0.5 {
        let aa = 0.5 * (m[0][0] + m[1][1] + m[2][2] + 1.0).sqrt();
        a = aa;
        b = 0.25 * (m[2][1] - m[1][2]) / aa;
        c = 0.25 * (m[0][2] - m[2][0]) / aa;
        d = 0.25 * (m[1][0] - m[0][1]) / aa;
    } else {
        let xd = 1.0 + m[0][0] - (m[1][1] + m[2][2]);
        let yd = 1.0 + m[1][1] - (m[0][0] + m[2][2]);
        let zd = 1.0 + m[2][2] - (m[0][0] + m[1][1]);
        let (mut aa, mut bb, mut cc, mut dd): (f64, f64, f64, f64);
        if xd > 1.0 {
            bb = 0.5 * xd.sqrt();
            cc = 0.25 * (m[0][1] + m[1][0]) / bb;
            dd = 0.25 * (m[0][2] + m[2][0]) / bb;
            aa = 0.25 * (m[2][1] - m[1][2]) / bb;
        } else if yd > 1.0 {
            cc = 0.5 * yd.sqrt();
            bb = 0.25 * (m[0][1] + m[1][0]) / cc;
            dd = 0.25 * (m[1][2] + m[2][1]) / cc;
            aa = 0.25 * (m[0][2] - m[2][0]) / cc;
        } else {
            dd = 0.5 * zd.sqrt();
            bb = 0.25 * (m[0][2] + m[2][0]) / dd;
            cc = 0.25 * (m[1][2] + m[2][1]) / dd;
            aa = 0.25 * (m[1][0] - m[0][1]) / dd;
        }
        if aa < 0.0 {
            aa = -aa;
            bb = -bb;
            cc = -cc;
            dd = -dd;
        }
        a = aa;
        b = bb;
        c = cc;
        d = dd;
    }
    let _ = a;
    ([b, c, d], qfac)
}

/// Write `image` as NIfTI-1 (`.nii`, or gzipped when the name ends in `.gz`), voxels converted to
/// `pixel_type`. Both qform and sform are set (code 1, scanner), as ITK writes them.
pub fn write_nifti(path: impl AsRef<Path>, image: &Image, pixel_type: PixelType) -> Result<(), RadiomicsError> {
    let path = path.as_ref();
    let n = image.size.iter().product::<usize>();
    if n != image.data.len() {
        return Err(RadiomicsError::format(path, format!("image has {} voxels but size {:?}", image.data.len(), image.size)));
    }
    if image.size.iter().any(|&s| s > i16::MAX as usize) {
        return Err(RadiomicsError::format(path, "image too large for NIfTI-1 (a size exceeds 32767)"));
    }
    // LPS -> RAS rotation.
    let mut rot = [[0.0; 3]; 3];
    for r in 0..3 {
        let sign = if r < 2 { -1.0 } else { 1.0 };
        for c in 0..3 {
            rot[r][c] = sign * image.direction[3 * r + c];
        }
    }
    let off = [-image.origin[0], -image.origin[1], image.origin[2]];
    let (q, qfac) = rotation_to_quatern(rot);
    let (dt, bitpix) = pixel_to_datatype(pixel_type);
    let mut h = vec![0u8; 352];
    let put_i16 = |h: &mut Vec<u8>, o: usize, v: i16| h[o..o + 2].copy_from_slice(&v.to_le_bytes());
    let put_f32 = |h: &mut Vec<u8>, o: usize, v: f64| h[o..o + 4].copy_from_slice(&(v as f32).to_le_bytes());
    h[0..4].copy_from_slice(&348i32.to_le_bytes());
    h[38] = b'r';
    put_i16(&mut h, 40, 3);
    for i in 0..3 {
        put_i16(&mut h, 42 + 2 * i, image.size[i] as i16);
    }
    for i in 3..7 {
        put_i16(&mut h, 42 + 2 * i, 1);
    }
    put_i16(&mut h, 70, dt);
    put_i16(&mut h, 72, bitpix);
    put_f32(&mut h, 76, qfac);
    for i in 0..3 {
        put_f32(&mut h, 80 + 4 * i, image.spacing[i]);
    }
    put_f32(&mut h, 108, 352.0);
    put_f32(&mut h, 112, 1.0);
    h[123] = 2 | 8; // mm, sec
    put_i16(&mut h, 252, 1);
    put_i16(&mut h, 254, 1);
    for i in 0..3 {
        put_f32(&mut h, 256 + 4 * i, q[i]);
        put_f32(&mut h, 268 + 4 * i, off[i]);
    }
    for r in 0..3 {
        for c in 0..3 {
            put_f32(&mut h, 280 + 16 * r + 4 * c, rot[r][c] * image.spacing[c]);
        }
        put_f32(&mut h, 280 + 16 * r + 12, off[r]);
    }
    h[344..348].copy_from_slice(b"n+1\0");
    h.extend_from_slice(&image.buffer_le(pixel_type));
    let gz = path.to_string_lossy().to_ascii_lowercase().ends_with(".gz");
    let bytes = if gz { gzip(&h) } else { h };
    write_atomic(path, &bytes)
}
