//! Image readers and writers: NRRD (`.nrrd`, `.nhdr`) and NIfTI-1/NIfTI-2 (`.nii`, `.nii.gz`).
//!
//! Written by hand because no maintained crate reads both formats with ITK's geometry rules
//! (the `nifti` crate pulls in ndarray and gives the raw header only; there is no NRRD crate
//! with space directions). Geometry is returned exactly as SimpleITK's `ReadImage` gives it:
//! LPS origin, spacing and direction cosines, voxels x fastest.

mod nifti;
mod nrrd;

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
    let path = path.as_ref();
    match format_of(path) {
        Some(Format::Nrrd) => read_nrrd(path),
        Some(Format::Nifti) => read_nifti(path),
        None => Err(RadiomicsError::format(
            path,
            "unknown image format: use a .nrrd, .nhdr, .nii or .nii.gz file",
        )),
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
/// are checked (crc32fast; the raw deflate stream is decoded straight into the output).
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
    let mut out = vec![0u8; expected];
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

/// Decode `n` voxels of `pt` from `bytes` (at least `n * pt.size()` long) into f64.
pub(crate) fn decode_voxels(bytes: &[u8], pt: PixelType, big_endian: bool, n: usize) -> Vec<f64> {
    let s = pt.size();
    let src = &bytes[..n * s];
    macro_rules! conv {
        ($t:ty) => {{
            if big_endian {
                src.chunks_exact(s).map(|c| <$t>::from_be_bytes(c.try_into().unwrap_or_default()) as f64).collect()
            } else {
                src.chunks_exact(s).map(|c| <$t>::from_le_bytes(c.try_into().unwrap_or_default()) as f64).collect()
            }
        }};
    }
    match pt {
        PixelType::U8 => src.iter().map(|&b| b as f64).collect(),
        PixelType::I8 => src.iter().map(|&b| b as i8 as f64).collect(),
        PixelType::U16 => conv!(u16),
        PixelType::I16 => conv!(i16),
        PixelType::U32 => conv!(u32),
        PixelType::I32 => conv!(i32),
        PixelType::U64 => conv!(u64),
        PixelType::I64 => conv!(i64),
        PixelType::F32 => conv!(f32),
        PixelType::F64 => conv!(f64),
    }
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
