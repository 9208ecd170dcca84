//! Image readers and writers: NRRD (`.nrrd`, `.nhdr`) and NIfTI-1/NIfTI-2 (`.nii`, `.nii.gz`).
//!
//! Written by hand because no maintained crate reads both formats with ITK's geometry rules
//! (the `nifti` crate pulls in ndarray and gives the raw header only; there is no NRRD crate
//! with space directions). Geometry is returned exactly as SimpleITK's `ReadImage` gives it:
//! LPS origin, spacing and direction cosines, voxels x fastest.

mod nifti;
mod nrrd;

use std::io::Read;
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
    std::fs::read(path).map_err(|source| RadiomicsError::Io { path: path.to_path_buf(), source })
}

/// Decompress a gzip stream (several members allowed) and return exactly `expected` bytes, or
/// an error saying the stream is corrupt or too short.
pub(crate) fn gunzip_exact(path: &Path, data: &[u8], expected: usize) -> Result<Vec<u8>, RadiomicsError> {
    if data.len() < 2 || data[0] != 0x1f || data[1] != 0x8b {
        return Err(RadiomicsError::format(path, "voxel data is not a gzip stream (bad magic bytes); the file is corrupt or its encoding field is wrong"));
    }
    let mut out = vec![0u8; expected];
    let mut dec = flate2::read::MultiGzDecoder::new(data);
    let mut filled = 0;
    while filled < expected {
        match dec.read(&mut out[filled..]) {
            Ok(0) => {
                return Err(RadiomicsError::format(
                    path,
                    format!("gzip voxel data ends early: {filled} of {expected} bytes; the file is truncated"),
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(RadiomicsError::format(path, format!("corrupt gzip voxel data ({e}); the file is damaged")));
            }
        }
    }
    Ok(out)
}

/// Decode `n` voxels of `pt` from `bytes` (at least `n * pt.size()` long) into f64.
pub(crate) fn decode_voxels(bytes: &[u8], pt: PixelType, big_endian: bool, n: usize) -> Vec<f64> {
    let s = pt.size();
    let mut out = Vec::with_capacity(n);
    macro_rules! conv {
        ($t:ty) => {{
            for c in bytes[..n * s].chunks_exact(s) {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(c);
                let v = if big_endian { <$t>::from_be_bytes(a) } else { <$t>::from_le_bytes(a) };
                out.push(v as f64);
            }
        }};
    }
    match pt {
        PixelType::U8 => out.extend(bytes[..n].iter().map(|&b| b as f64)),
        PixelType::I8 => out.extend(bytes[..n].iter().map(|&b| b as i8 as f64)),
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
