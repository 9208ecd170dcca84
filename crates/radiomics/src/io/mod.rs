//! Image readers and writers: NRRD (`.nrrd`, `.nhdr`) and NIfTI-1/NIfTI-2 (`.nii`, `.nii.gz`).
//!
//! Written by hand because no maintained crate reads both formats with ITK's geometry rules
//! (the `nifti` crate pulls in ndarray and gives the raw header only; there is no NRRD crate
//! with space directions). Geometry is returned exactly as SimpleITK's `ReadImage` gives it:
//! LPS origin, spacing and direction cosines, voxels x fastest.

mod nifti;
mod nrrd;

use std::borrow::Cow;
use std::path::Path;

use crate::error::RadiomicsError;
use crate::image::{Image, PixelType};

pub use nifti::{read_nifti, read_nifti_bytes, write_nifti};
pub use nrrd::{read_nrrd, read_nrrd_bytes, write_nrrd};

/// The file formats [`read_image`] understands, chosen from the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Nrrd,
    Nifti,
}

/// Format from the file name: `.nrrd`/`.nhdr` or `.nii`/`.nii.gz` (case-insensitive).
pub fn format_of(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".nrrd") || name.ends_with(".nhdr") {
        Some(Format::Nrrd)
    } else if name.ends_with(".nii") || name.ends_with(".nii.gz") {
        Some(Format::Nifti)
    } else {
        None
    }
}

/// Read an image, choosing the reader from the extension (`.nrrd`, `.nhdr`, `.nii`, `.nii.gz`).
pub fn read_image(path: impl AsRef<Path>) -> Result<Image, RadiomicsError> {
    Ok(read_image_raw(path)?.decode())
}

/// Read an image as stored (voxel bytes not yet converted to f64), choosing the reader from
/// the extension. Lets the extractor hash and select labels without a f64 copy of the mask.
pub fn read_image_raw(path: impl AsRef<Path>) -> Result<RawImage, RadiomicsError> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    match format_of(path) {
        Some(Format::Nrrd) => nrrd::parse_nrrd(path, &bytes),
        Some(Format::Nifti) => nifti::parse_nifti(path, &bytes),
        None => Err(RadiomicsError::format(
            path,
            "unknown image format: use a .nrrd, .nhdr, .nii or .nii.gz file",
        )),
    }
}

/// Parse image bytes already in memory as stored (format from `path`'s extension; `path` also
/// names the file in errors and locates a detached NRRD data file).
pub fn parse_image_bytes(path: &Path, bytes: &[u8]) -> Result<RawImage, RadiomicsError> {
    match format_of(path) {
        Some(Format::Nrrd) => nrrd::parse_nrrd(path, bytes),
        Some(Format::Nifti) => nifti::parse_nifti(path, bytes),
        None => Err(RadiomicsError::format(path, "unknown image format: use a .nrrd, .nhdr, .nii or .nii.gz file")),
    }
}

/// An image as stored in its file: geometry, voxel type and the voxel bytes (little endian,
/// x fastest), before conversion to f64.
#[derive(Debug, Clone)]
pub struct RawImage {
    /// Geometry and stored pixel type; `data` is empty.
    pub header: Image,
    /// Voxels in `header.pixel_type`, little endian.
    pub bytes: Vec<u8>,
    /// NIfTI `scl_slope`, `scl_inter` applied when decoding (the result is float32).
    pub(crate) scale: Option<(f64, f64)>,
}

/// Where a parsed file's voxels are: already decoded (little endian), or still gzip-compressed
/// so that they can be streamed through [`stream_gunzip`] without a whole-volume buffer.
pub(crate) enum Stored<'a> {
    Ready(Vec<u8>),
    /// `nbytes` voxel bytes after `skip` bytes of the decompressed stream.
    Gzip { data: Cow<'a, [u8]>, skip: usize, nbytes: usize, big_endian: bool },
}

/// A mask read for extraction in one pass over its voxels: geometry, the voxels equal to the
/// label after pyradiomics' UInt32 cast, and `sitk.Hash(sitk.Cast(mask, sitkUInt32))` when asked.
#[derive(Debug, Clone)]
pub struct MaskSelection {
    /// Geometry and stored pixel type; `data` is empty.
    pub header: Image,
    /// True where the mask equals the label (x fastest).
    pub selection: Vec<bool>,
    /// Bounding box and number of the selected voxels (None when there are none).
    pub bbox: Option<(crate::roi::BoundingBox, usize)>,
    /// The distinct non-zero labels, filled only when no voxel has the label (for the error).
    pub labels: Vec<u32>,
    /// SHA-1 (hex) of the mask cast to UInt32, when requested.
    pub sha1: Option<String>,
}

/// Read a mask file and select `label` (pyradiomics' `getMask`), hashing it as pyradiomics'
/// `diagnostics_Mask-original_Hash` when `hash` is true. Gzip NRRD masks (the common case) are
/// inflated in small chunks that are hashed and compared while in cache: no whole-volume buffer
/// of the stored voxels is made, and only the pages of the selection that hold selected voxels
/// are written (the rest stay the kernel's shared zero page). Same results as [`read_image_raw`]
/// followed by [`RawImage::label_selection`] and [`RawImage::sha1_as_u32`].
pub fn read_mask_selection(path: impl AsRef<Path>, label: i64, hash: bool) -> Result<MaskSelection, RadiomicsError> {
    let path = path.as_ref();
    let bytes = read_file(path)?;
    mask_selection_from_bytes(path, &bytes, label, hash)
}

/// [`read_mask_selection`] of file bytes already in memory (format from `path`'s extension;
/// `path` also names the file in errors and locates a detached NRRD data file).
pub fn mask_selection_from_bytes(path: &Path, bytes: &[u8], label: i64, hash: bool) -> Result<MaskSelection, RadiomicsError> {
    use sha1::{Digest, Sha1};
    if format_of(path) == Some(Format::Nrrd)
        && let (header, Stored::Gzip { data, skip, nbytes, big_endian }) = nrrd::parse_nrrd_lazy(path, bytes)?
    {
        let pt = header.pixel_type;
        let lab = u32::try_from(label).ok();
        let n = nbytes / pt.size();
        let [nx, ny, _] = header.size;
        let mut selection = vec![false; n];
        let mut h = hash.then(Sha1::new);
        let mut u32s: Vec<u32> = Vec::new();
        let mut le: Vec<u8> = Vec::new();
        let (mut lo, mut hi, mut count) = ([usize::MAX; 3], [0usize; 3], 0usize);
        let mut pos = 0usize;
        // Mark the voxels of `vals` (starting at voxel `pos`) equal to the label, 16 at a time:
        // a block without the label costs one vectorised comparison.
        let mut mark = |vals: &[u32], pos: usize, selection: &mut [bool]| {
            let Some(l) = lab else { return };
            for (b, block) in vals.chunks(16).enumerate() {
                if !block.iter().fold(false, |a, &v| a | (v == l)) {
                    continue;
                }
                for (j, &v) in block.iter().enumerate() {
                    if v == l {
                        let i = pos + 16 * b + j;
                        selection[i] = true;
                        count += 1;
                        let p = [i % nx, (i / nx) % ny, i / (nx * ny)];
                        for d in 0..3 {
                            lo[d] = lo[d].min(p[d]);
                            hi[d] = hi[d].max(p[d]);
                        }
                    }
                }
            }
        };
        let streamed = stream_gunzip(path, &data, skip, nbytes, pt.size(), big_endian, |chunk| {
            let len = chunk.len() / pt.size();
            if pos + len > n {
                return;
            }
            u32_cast(chunk, pt, None, &mut u32s);
            if let Some(h) = h.as_mut() {
                if matches!(pt, PixelType::U32 | PixelType::I32) {
                    // Stored 32-bit integers are their own UInt32 cast: hash the bytes as they are.
                    h.update(chunk);
                } else {
                    le.clear();
                    le.extend(u32s.iter().flat_map(|v| v.to_le_bytes()));
                    h.update(&le);
                }
            }
            mark(&u32s, pos, &mut selection);
            pos += len;
        });
        // On a stream error the whole-buffer path below gives the error (or reads what libdeflate
        // accepts and zlib-rs does not), so both paths accept the same files.
        if streamed.is_ok() && count > 0 {
            let bbox = crate::roi::BoundingBox { start: lo, size: [hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1] };
            let sha1 = h.map(|h| hex(&h.finalize()));
            return Ok(MaskSelection { header, selection, bbox: Some((bbox, count)), labels: Vec::new(), sha1 });
        }
        // No voxel has the label: the slow path below lists the labels present.
    }
    let raw = parse_image_bytes(path, bytes)?;
    let (selection, labels) = raw.label_selection(label);
    let bbox = crate::roi::bounding_box(raw.header.size, &selection);
    let sha1 = hash.then(|| raw.sha1_as_u32());
    Ok(MaskSelection { header: raw.header, selection, bbox, labels, sha1 })
}

fn hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Stored voxels (little endian, whole voxels) as `sitk.Cast(image, sitkUInt32)` gives them
/// (integer sources wrap as C casts do; float sources truncate), into `out` (cleared first).
fn u32_cast(chunk: &[u8], pt: PixelType, scale: Option<(f64, f64)>, out: &mut Vec<u32>) {
    let s = pt.size();
    out.clear();
    macro_rules! ints {
        ($t:ty) => {
            out.extend(chunk.as_chunks::<{ std::mem::size_of::<$t>() }>().0.iter().map(|c| <$t>::from_le_bytes(*c) as u32))
        };
    }
    match (pt, scale) {
        (_, Some((slope, inter))) => {
            let vals = decode_voxels(chunk, pt, false, chunk.len() / s);
            out.extend(vals.iter().map(|&v| crate::roi::cast_u32(((v * slope + inter) as f32) as f64)));
        }
        (PixelType::U8, None) => out.extend(chunk.iter().map(|&b| b as u32)),
        (PixelType::I8, None) => out.extend(chunk.iter().map(|&b| b as i8 as u32)),
        (PixelType::U16, None) => ints!(u16),
        (PixelType::I16, None) => ints!(i16),
        (PixelType::U32, None) => ints!(u32),
        (PixelType::I32, None) => ints!(i32),
        (PixelType::U64, None) => ints!(u64),
        (PixelType::I64, None) => ints!(i64),
        (PixelType::F32 | PixelType::F64, None) => {
            let vals = decode_voxels(chunk, pt, false, chunk.len() / s);
            out.extend(vals.iter().map(|&v| crate::roi::cast_u32(v)));
        }
    }
}

impl RawImage {
    /// Number of voxels.
    pub fn len(&self) -> usize {
        self.bytes.len() / self.header.pixel_type.size()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The image with f64 voxels (NIfTI rescaling applied, as SimpleITK reads it).
    pub fn decode(self) -> Image {
        let n = self.len();
        let mut img = self.header;
        img.data = decode_voxels(&self.bytes, img.pixel_type, false, n);
        if let Some((slope, inter)) = self.scale {
            for v in &mut img.data {
                *v = ((*v * slope + inter) as f32) as f64;
            }
            if img.pixel_type != PixelType::F64 {
                img.pixel_type = PixelType::F32;
            }
        }
        img
    }

    /// The voxels of the box `start` + `size` (x, y, z), decoded to f64, as an image whose
    /// origin is moved to the box (the same as decoding and then cropping).
    pub fn decode_box(&self, start: [usize; 3], size: [usize; 3]) -> Image {
        let pt = self.header.pixel_type;
        let s = pt.size();
        let full = self.header.size;
        let mut data = Vec::with_capacity(size.iter().product());
        for z in start[2]..start[2] + size[2] {
            for y in start[1]..start[1] + size[1] {
                let row = (start[0] + full[0] * (y + full[1] * z)) * s;
                data.extend(decode_voxels(&self.bytes[row..row + size[0] * s], pt, false, size[0]));
            }
        }
        let mut pixel_type = pt;
        if let Some((slope, inter)) = self.scale {
            for v in &mut data {
                *v = ((*v * slope + inter) as f32) as f64;
            }
            if pixel_type != PixelType::F64 {
                pixel_type = PixelType::F32;
            }
        }
        let origin = self.header.index_to_physical([start[0] as f64, start[1] as f64, start[2] as f64]);
        Image { data, size, spacing: self.header.spacing, origin, direction: self.header.direction, pixel_type }
    }

    /// Whole-image mean, minimum and maximum as numpy computes them on the float64 array
    /// (pyradiomics' `diagnostics_Image-original_Mean/Minimum/Maximum`). Integer voxels are summed
    /// exactly, which is what numpy's pairwise float sum gives while all partial sums stay below
    /// 2^53; otherwise (and for floats) the f64 values are summed as numpy does.
    pub fn stats(&self) -> [f64; 3] {
        let pt = self.header.pixel_type;
        let n = self.len();
        // Accumulators: i64 for 8/16-bit voxels (no overflow below 2^47 voxels), i128 for 32-bit.
        macro_rules! exact {
            ($t:ty, $acc:ty, $uacc:ty) => {{
                let (mut sum, mut abs, mut mn, mut mx) = (0 as $acc, 0 as $uacc, <$t>::MAX, <$t>::MIN);
                for c in self.bytes.as_chunks::<{ std::mem::size_of::<$t>() }>().0 {
                    let v = <$t>::from_le_bytes(*c);
                    sum += v as $acc;
                    abs += (v as $acc).unsigned_abs();
                    mn = mn.min(v);
                    mx = mx.max(v);
                }
                if (abs as u128) < (1u128 << 53) && n > 0 {
                    return [sum as f64 / n as f64, mn as f64, mx as f64];
                }
            }};
        }
        if self.scale.is_none() {
            match pt {
                PixelType::U8 => exact!(u8, i64, u64),
                PixelType::I8 => exact!(i8, i64, u64),
                PixelType::U16 => exact!(u16, i64, u64),
                PixelType::I16 => exact!(i16, i64, u64),
                PixelType::U32 => exact!(u32, i128, u128),
                PixelType::I32 => exact!(i32, i128, u128),
                _ => {}
            }
        }
        let img = self.clone().decode();
        let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
        for &v in &img.data {
            mn = if v < mn { v } else { mn };
            mx = if v > mx { v } else { mx };
        }
        let mean = crate::numeric::np_mean(&img.data);
        if mean.is_nan() { [f64::NAN; 3] } else { [mean, mn, mx] }
    }

    /// [`RawImage::stored_sha1`] (when `hash`) and [`RawImage::stats`] in one pass over the voxel
    /// bytes, 64 KiB at a time, so that the statistics read what the hash just brought into
    /// cache. Same results as the two calls.
    pub fn sha1_and_stats(&self, hash: bool) -> (Option<String>, [f64; 3]) {
        use sha1::{Digest, Sha1};
        if self.scale.is_some() {
            return (if hash { self.stored_sha1() } else { None }, self.stats());
        }
        // Sum, minimum, maximum of one chunk of stored integers (sum exact in i64: 65536 bytes
        // of at most 16-bit values cannot overflow, 32-bit values use i128 below).
        fn small<const N: usize>(chunk: &[u8], conv: impl Fn([u8; N]) -> i64, acc: &mut (i128, i64, i64)) {
            let (mut sum, mut mn, mut mx) = (0i64, acc.1, acc.2);
            for c in chunk.as_chunks::<N>().0 {
                let v = conv(*c);
                sum += v;
                mn = mn.min(v);
                mx = mx.max(v);
            }
            acc.0 += sum as i128;
            acc.1 = mn;
            acc.2 = mx;
        }
        let pt = self.header.pixel_type;
        let conv: Option<fn(&[u8], &mut (i128, i64, i64), &mut u128)> = match pt {
            PixelType::U8 => Some(|c, a, _| small::<1>(c, |b| b[0] as i64, a)),
            PixelType::I8 => Some(|c, a, _| small::<1>(c, |b| b[0] as i8 as i64, a)),
            // 16-bit: a 64 KiB chunk (32,768 values) sums exactly in 32 bits, which vectorises.
            PixelType::U16 => Some(|c, a, _| {
                let (mut sum, mut mn, mut mx) = (0u32, u16::MAX, u16::MIN);
                for b in c.as_chunks::<2>().0 {
                    let v = u16::from_le_bytes(*b);
                    sum += v as u32;
                    mn = mn.min(v);
                    mx = mx.max(v);
                }
                if !c.is_empty() {
                    *a = (a.0 + sum as i128, a.1.min(mn as i64), a.2.max(mx as i64));
                }
            }),
            PixelType::I16 => Some(|c, a, _| {
                let (mut sum, mut mn, mut mx) = (0i32, i16::MAX, i16::MIN);
                for b in c.as_chunks::<2>().0 {
                    let v = i16::from_le_bytes(*b);
                    sum += v as i32;
                    mn = mn.min(v);
                    mx = mx.max(v);
                }
                if !c.is_empty() {
                    *a = (a.0 + sum as i128, a.1.min(mn as i64), a.2.max(mx as i64));
                }
            }),
            PixelType::U32 => Some(|c, a, abs| {
                for b in c.as_chunks::<4>().0 {
                    let v = u32::from_le_bytes(*b) as i64;
                    a.0 += v as i128;
                    *abs += v as u128;
                    a.1 = a.1.min(v);
                    a.2 = a.2.max(v);
                }
            }),
            PixelType::I32 => Some(|c, a, abs| {
                for b in c.as_chunks::<4>().0 {
                    let v = i32::from_le_bytes(*b) as i64;
                    a.0 += v as i128;
                    *abs += v.unsigned_abs() as u128;
                    a.1 = a.1.min(v);
                    a.2 = a.2.max(v);
                }
            }),
            _ => None,
        };
        let Some(conv) = conv else {
            return (if hash { self.stored_sha1() } else { None }, self.stats());
        };
        let mut h = hash.then(Sha1::new);
        let mut acc = (0i128, i64::MAX, i64::MIN);
        // Sum of |v| for 32-bit types (8/16-bit ones stay below 2^53 for any allowed size).
        let mut abs = 0u128;
        for chunk in self.bytes.chunks(1 << 16) {
            if let Some(h) = h.as_mut() {
                h.update(chunk);
            }
            conv(chunk, &mut acc, &mut abs);
        }
        let n = self.len();
        let stats = if abs < (1u128 << 53) && n > 0 {
            [acc.0 as f64 / n as f64, acc.1 as f64, acc.2 as f64]
        } else {
            self.stats()
        };
        (h.map(|h| hex(&h.finalize())), stats)
    }

    /// `sitk.Hash` of the image as read, from the stored bytes; None when NIfTI rescaling
    /// changes the values (hash the decoded image then).
    pub fn stored_sha1(&self) -> Option<String> {
        if self.scale.is_some() {
            return None;
        }
        use sha1::{Digest, Sha1};
        Some(Sha1::digest(&self.bytes).iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Each voxel as `sitk.Cast(image, sitkUInt32)` gives it (integer sources wrap as C casts
    /// do; float sources truncate), in chunks, without a full f64 copy.
    fn for_each_u32_chunk(&self, mut f: impl FnMut(&[u32])) {
        let pt = self.header.pixel_type;
        let mut buf: Vec<u32> = Vec::with_capacity(65536);
        for chunk in self.bytes.chunks(65536 * pt.size()) {
            u32_cast(chunk, pt, self.scale, &mut buf);
            f(&buf);
        }
    }

    /// `sitk.Hash(sitk.Cast(image, sitkUInt32))` (pyradiomics' mask hash).
    pub fn sha1_as_u32(&self) -> String {
        use sha1::{Digest, Sha1};
        let pt = self.header.pixel_type;
        if self.scale.is_none() && matches!(pt, PixelType::U32 | PixelType::I32) {
            // The UInt32 cast of 32-bit integers keeps the bytes.
            return Sha1::digest(&self.bytes).iter().map(|b| format!("{b:02x}")).collect();
        }
        let mut h = Sha1::new();
        let mut bytes = Vec::new();
        self.for_each_u32_chunk(|c| {
            bytes.clear();
            for v in c {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            h.update(&bytes);
        });
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Voxels equal to `label` after the UInt32 cast (pyradiomics' `getMask`), and the distinct
    /// non-zero labels when none is (for the error message).
    pub fn label_selection(&self, label: i64) -> (Vec<bool>, Vec<u32>) {
        let lab = u32::try_from(label).ok();
        let mut sel = Vec::with_capacity(self.len());
        self.for_each_u32_chunk(|c| match lab {
            Some(l) => sel.extend(c.iter().map(|&v| v == l)),
            None => sel.extend(std::iter::repeat_n(false, c.len())),
        });
        let mut labels = Vec::new();
        if !sel.iter().any(|&b| b) {
            self.for_each_u32_chunk(|c| labels.extend(c.iter().copied().filter(|&v| v != 0)));
            labels.sort_unstable();
            labels.dedup();
        }
        (sel, labels)
    }
}

/// Convert stored voxel bytes to little endian in place (big-endian files).
pub(crate) fn to_little_endian(bytes: &mut [u8], size: usize) {
    if size > 1 {
        for c in bytes.chunks_exact_mut(size) {
            c.reverse();
        }
    }
}

/// Write an image in the format chosen from the extension, voxels converted to `pixel_type`.
pub fn write_image(path: impl AsRef<Path>, image: &Image, pixel_type: PixelType) -> Result<(), RadiomicsError> {
    let path = path.as_ref();
    match format_of(path) {
        Some(Format::Nrrd) => write_nrrd(path, image, pixel_type),
        Some(Format::Nifti) => write_nifti(path, image, pixel_type),
        None => Err(RadiomicsError::format(
            path,
            "unknown image format: use a .nrrd, .nii or .nii.gz file name",
        )),
    }
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, RadiomicsError> {
    let io = |source| RadiomicsError::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(RadiomicsError::format(path, "not a regular file"));
    }
    std::fs::read(path).map_err(io)
}

/// Length of the gzip member header at the start of `d` (RFC 1952), or why it is not one.
fn gzip_header_len(d: &[u8]) -> Result<usize, &'static str> {
    if d.len() < 10 {
        return Err("truncated");
    }
    if d[0] != 0x1f || d[1] != 0x8b || d[2] != 8 {
        return Err("magic");
    }
    let flags = d[3];
    let mut p = 10;
    if flags & 4 != 0 {
        if d.len() < p + 2 {
            return Err("truncated");
        }
        p += 2 + u16::from_le_bytes([d[p], d[p + 1]]) as usize;
    }
    for bit in [8u8, 16] {
        if flags & bit != 0 {
            match d.get(p..).and_then(|r| r.iter().position(|&b| b == 0)) {
                Some(i) => p += i + 1,
                None => return Err("truncated"),
            }
        }
    }
    if flags & 2 != 0 {
        p += 2;
    }
    if p > d.len() {
        return Err("truncated");
    }
    Ok(p)
}

/// Decompress a gzip stream (several members allowed) and return exactly `expected` bytes, or
/// an error saying the stream is corrupt or too short. Each complete member's CRC-32 and size
/// are checked (libdeflate, or crc32fast after flate2's raw inflate into the output).
pub(crate) fn gunzip_exact(path: &Path, data: &[u8], expected: usize) -> Result<Vec<u8>, RadiomicsError> {
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(RadiomicsError::format(path, "voxel data is not a gzip stream (bad magic bytes); the file is corrupt or its encoding field is wrong"));
    }
    let truncated = |filled: usize| {
        RadiomicsError::format(path, format!("gzip voxel data ends early: {filled} of {expected} bytes; the file is truncated"))
    };
    let corrupt = |what: String| RadiomicsError::format(path, format!("corrupt gzip voxel data ({what}); the file is damaged"));
    // Deflate cannot expand more than ~1032:1: refuse before allocating for a lying header.
    if expected / 1032 > data.len() + 1024 {
        return Err(truncated(0));
    }
    let mut out = crate::hugepage::zeroed(expected);
    // Fast path: one gzip member of exactly the expected size, decoded by libdeflate (about twice
    // as fast as zlib on literal-heavy image data; it checks the CRC-32 and size). Anything else
    // (several members, trailing data, truncated or corrupt streams) goes through the
    // member-by-member loop below, which also gives the precise error.
    if let Ok(n) = libdeflater::Decompressor::new().gzip_decompress(data, &mut out)
        && n == expected
    {
        return Ok(out);
    }
    let mut filled = 0usize;
    let mut pos = 0usize;
    while filled < expected {
        if pos >= data.len() {
            return Err(truncated(filled));
        }
        let h = match gzip_header_len(&data[pos..]) {
            Ok(h) => h,
            Err("truncated") => return Err(truncated(filled)),
            Err(_) => return Err(corrupt("bad gzip member header".into())),
        };
        pos += h;
        let member_start = filled;
        let mut dec = flate2::Decompress::new(false);
        loop {
            let (in0, out0) = (dec.total_in(), dec.total_out());
            let status = dec
                .decompress(&data[pos..], &mut out[filled..], flate2::FlushDecompress::None)
                .map_err(|e| corrupt(e.to_string()))?;
            let consumed = (dec.total_in() - in0) as usize;
            let produced = (dec.total_out() - out0) as usize;
            pos += consumed;
            filled += produced;
            if status == flate2::Status::StreamEnd {
                break;
            }
            if filled == expected {
                // All the voxels needed; anything after them is not read.
                return Ok(out);
            }
            if consumed == 0 && produced == 0 {
                return Err(truncated(filled));
            }
        }
        if data.len() < pos + 8 {
            return Err(truncated(filled));
        }
        let crc = u32::from_le_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]);
        let isize = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]]);
        if crc32fast::hash(&out[member_start..filled]) != crc || isize != (filled - member_start) as u32 {
            return Err(corrupt("CRC-32 or size mismatch".into()));
        }
        pos += 8;
    }
    Ok(out)
}

/// [`gunzip_exact`] of `skip + nbytes` bytes, the first `skip` dropped and big-endian voxels of
/// `elem` bytes swapped, delivered to `f` in pieces of whole voxels (at most 128 KiB) instead of
/// one buffer: the caller works on each piece while it is in cache and no whole-volume buffer
/// is allocated (its page faults cost as much as inflating a mostly-empty mask). zlib-rs'
/// streaming inflate; the same checks (CRC-32 and size of each complete member) and the same
/// errors as [`gunzip_exact`]. `f` has seen only part of the voxels when an error is returned.
pub(crate) fn stream_gunzip(
    path: &Path,
    data: &[u8],
    skip: usize,
    nbytes: usize,
    elem: usize,
    big_endian: bool,
    mut f: impl FnMut(&[u8]),
) -> Result<(), RadiomicsError> {
    const CHUNK: usize = 1 << 17;
    let expected = nbytes.saturating_add(skip);
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(RadiomicsError::format(path, "voxel data is not a gzip stream (bad magic bytes); the file is corrupt or its encoding field is wrong"));
    }
    let truncated = |filled: usize| {
        RadiomicsError::format(path, format!("gzip voxel data ends early: {filled} of {expected} bytes; the file is truncated"))
    };
    let corrupt = |what: String| RadiomicsError::format(path, format!("corrupt gzip voxel data ({what}); the file is damaged"));
    if expected / 1032 > data.len() + 1024 {
        return Err(truncated(0));
    }
    let elem = elem.max(1);
    let mut buf = vec![0u8; CHUNK];
    // buf[..have] holds decompressed bytes at stream offsets filled - have .. filled.
    let mut have = 0usize;
    let mut filled = 0usize;
    let mut pos = 0usize;
    let mut deliver = |buf: &mut [u8], have: &mut usize, filled: usize| {
        let start_off = filled - *have;
        if start_off < skip {
            let drop = (skip - start_off).min(*have);
            buf.copy_within(drop..*have, 0);
            *have -= drop;
        }
        let whole = *have - *have % elem;
        if whole > 0 {
            if big_endian {
                to_little_endian(&mut buf[..whole], elem);
            }
            f(&buf[..whole]);
            buf.copy_within(whole..*have, 0);
            *have -= whole;
        }
    };
    while filled < expected {
        if pos >= data.len() {
            return Err(truncated(filled));
        }
        let h = match gzip_header_len(&data[pos..]) {
            Ok(h) => h,
            Err("truncated") => return Err(truncated(filled)),
            Err(_) => return Err(corrupt("bad gzip member header".into())),
        };
        pos += h;
        let mut crc = crc32fast::Hasher::new();
        let mut member_len = 0usize;
        let mut dec = flate2::Decompress::new(false);
        loop {
            let limit = (expected - filled).min(CHUNK - have);
            let (in0, out0) = (dec.total_in(), dec.total_out());
            let status = dec
                .decompress(&data[pos..], &mut buf[have..have + limit], flate2::FlushDecompress::None)
                .map_err(|e| corrupt(e.to_string()))?;
            let consumed = (dec.total_in() - in0) as usize;
            let produced = (dec.total_out() - out0) as usize;
            crc.update(&buf[have..have + produced]);
            pos += consumed;
            filled += produced;
            have += produced;
            member_len += produced;
            deliver(&mut buf, &mut have, filled);
            if status == flate2::Status::StreamEnd {
                break;
            }
            if filled == expected {
                // All the voxels needed; anything after them is not read.
                return Ok(());
            }
            if consumed == 0 && produced == 0 {
                return Err(truncated(filled));
            }
        }
        if data.len() < pos + 8 {
            return Err(truncated(filled));
        }
        let crc_stored = u32::from_le_bytes([data[pos], data[pos + 1], data[pos + 2], data[pos + 3]]);
        let isize = u32::from_le_bytes([data[pos + 4], data[pos + 5], data[pos + 6], data[pos + 7]]);
        if crc.finalize() != crc_stored || isize != member_len as u32 {
            return Err(corrupt("CRC-32 or size mismatch".into()));
        }
        pos += 8;
    }
    Ok(())
}

/// Decode `n` voxels of `pt` from `bytes` (at least `n * pt.size()` long) into f64.
pub(crate) fn decode_voxels(bytes: &[u8], pt: PixelType, big_endian: bool, n: usize) -> Vec<f64> {
    let s = pt.size();
    let src = &bytes[..n * s];
    let mut out = crate::hugepage::with_capacity(n);
    macro_rules! conv {
        ($t:ty) => {{
            if big_endian {
                out.extend(src.chunks_exact(s).map(|c| <$t>::from_be_bytes(c.try_into().unwrap_or_default()) as f64))
            } else {
                out.extend(src.chunks_exact(s).map(|c| <$t>::from_le_bytes(c.try_into().unwrap_or_default()) as f64))
            }
        }};
    }
    match pt {
        PixelType::U8 => out.extend(src.iter().map(|&b| b as f64)),
        PixelType::I8 => out.extend(src.iter().map(|&b| b as i8 as f64)),
        PixelType::U16 => conv!(u16),
        PixelType::I16 => conv!(i16),
        PixelType::U32 => conv!(u32),
        PixelType::I32 => conv!(i32),
        PixelType::U64 => conv!(u64),
        PixelType::I64 => conv!(i64),
        PixelType::F32 => conv!(f32),
        PixelType::F64 => conv!(f64),
    }
    out
}

/// Compress with gzip at a fast level (write side of both formats).
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 3), flate2::Compression::new(1));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Write bytes through a temporary file in the same directory and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RadiomicsError> {
    let io = |source| RadiomicsError::Io { path: path.to_path_buf(), source };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Check that every voxel count multiplies without overflow and is non-zero.
pub(crate) fn voxel_count(path: &Path, size: [usize; 3]) -> Result<usize, RadiomicsError> {
    let n = size[0]
        .checked_mul(size[1])
        .and_then(|v| v.checked_mul(size[2]))
        .filter(|&n| n > 0 && n <= (1usize << 34))
        .ok_or_else(|| RadiomicsError::format(path, format!("implausible image size {size:?}")))?;
    Ok(n)
}
