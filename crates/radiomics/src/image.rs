//! A 3-D scalar image with ITK/SimpleITK geometry (LPS physical space).

use sha1::{Digest, Sha1};

/// The voxel type an image was stored with (as SimpleITK's pixel ID). Values are always held as
/// f64 in memory; the type is kept so that writers and `sitk.Hash`-compatible hashes can
/// reproduce the original buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PixelType {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    #[default]
    F64,
}

impl PixelType {
    /// Bytes per voxel.
    pub fn size(self) -> usize {
        match self {
            PixelType::U8 | PixelType::I8 => 1,
            PixelType::U16 | PixelType::I16 => 2,
            PixelType::U32 | PixelType::I32 | PixelType::F32 => 4,
            PixelType::U64 | PixelType::I64 | PixelType::F64 => 8,
        }
    }

    /// SimpleITK's name of the pixel type (`sitk.GetPixelIDTypeAsString` style, short form).
    pub fn name(self) -> &'static str {
        match self {
            PixelType::U8 => "uint8",
            PixelType::I8 => "int8",
            PixelType::U16 => "uint16",
            PixelType::I16 => "int16",
            PixelType::U32 => "uint32",
            PixelType::I32 => "int32",
            PixelType::U64 => "uint64",
            PixelType::I64 => "int64",
            PixelType::F32 => "float32",
            PixelType::F64 => "float64",
        }
    }

    /// Parse a name as `name()` prints it (also accepts `float`/`double`).
    pub fn from_name(s: &str) -> Option<PixelType> {
        Some(match s {
            "uint8" | "uchar" => PixelType::U8,
            "int8" | "char" => PixelType::I8,
            "uint16" | "ushort" => PixelType::U16,
            "int16" | "short" => PixelType::I16,
            "uint32" | "uint" => PixelType::U32,
            "int32" | "int" => PixelType::I32,
            "uint64" => PixelType::U64,
            "int64" => PixelType::I64,
            "float32" | "float" => PixelType::F32,
            "float64" | "double" => PixelType::F64,
            _ => return None,
        })
    }

    /// Append `v` converted to this type (saturating for integers, as a C cast of an in-range
    /// value) in little-endian byte order.
    pub fn push_le(self, v: f64, out: &mut Vec<u8>) {
        match self {
            PixelType::U8 => out.push(v as u8),
            PixelType::I8 => out.push((v as i8) as u8),
            PixelType::U16 => out.extend_from_slice(&(v as u16).to_le_bytes()),
            PixelType::I16 => out.extend_from_slice(&(v as i16).to_le_bytes()),
            PixelType::U32 => out.extend_from_slice(&(v as u32).to_le_bytes()),
            PixelType::I32 => out.extend_from_slice(&(v as i32).to_le_bytes()),
            PixelType::U64 => out.extend_from_slice(&(v as u64).to_le_bytes()),
            PixelType::I64 => out.extend_from_slice(&(v as i64).to_le_bytes()),
            PixelType::F32 => out.extend_from_slice(&(v as f32).to_le_bytes()),
            PixelType::F64 => out.extend_from_slice(&v.to_le_bytes()),
        }
    }
}

/// Append `values` converted to `pt` (as C casts of in-range values), little endian.
fn encode_le(values: &[f64], pt: PixelType, out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + values.len() * pt.size(), 0);
    let dst = &mut out[start..];
    macro_rules! enc {
        ($t:ty, $n:literal) => {{
            let (chunks, _) = dst.as_chunks_mut::<$n>();
            for (d, &v) in chunks.iter_mut().zip(values) {
                *d = (v as $t).to_le_bytes();
            }
        }};
    }
    match pt {
        PixelType::U8 => enc!(u8, 1),
        PixelType::I8 => enc!(i8, 1),
        PixelType::U16 => enc!(u16, 2),
        PixelType::I16 => enc!(i16, 2),
        PixelType::U32 => enc!(u32, 4),
        PixelType::I32 => enc!(i32, 4),
        PixelType::U64 => enc!(u64, 8),
        PixelType::I64 => enc!(i64, 8),
        PixelType::F32 => enc!(f32, 4),
        PixelType::F64 => enc!(f64, 8),
    }
}

/// A 3-D image as SimpleITK holds it.
///
/// Voxels are stored x fastest, then y, then z (NRRD/ITK order); `data[x + nx*(y + ny*z)]`.
/// A numpy array from `sitk.GetArrayFromImage` is the same buffer viewed as (z, y, x).
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    pub data: Vec<f64>,
    /// Number of voxels along x, y, z.
    pub size: [usize; 3],
    /// Voxel spacing in mm along x, y, z.
    pub spacing: [f64; 3],
    /// Physical position of voxel (0,0,0), LPS.
    pub origin: [f64; 3],
    /// Direction cosines, row-major 3x3; column j is the direction of axis j (as ITK).
    pub direction: [f64; 9],
    /// The voxel type of the file the image was read from (F64 for images built in memory).
    pub pixel_type: PixelType,
}

impl Image {
    /// An image with identity direction, zero origin and pixel type f64.
    pub fn new(data: Vec<f64>, size: [usize; 3], spacing: [f64; 3]) -> Image {
        Image {
            data,
            size,
            spacing,
            origin: [0.0; 3],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            pixel_type: PixelType::F64,
        }
    }

    /// Linear index of voxel (x, y, z).
    #[inline]
    pub fn index(&self, x: usize, y: usize, z: usize) -> usize {
        x + self.size[0] * (y + self.size[1] * z)
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The voxel buffer in `pixel_type`, little endian (what SimpleITK holds in memory on x86).
    pub fn buffer_le(&self, pixel_type: PixelType) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() * pixel_type.size());
        encode_le(&self.data, pixel_type, &mut out);
        out
    }

    /// `sitk.Hash(image)`: SHA-1 (hex) of the voxel buffer in the image's pixel type.
    pub fn sha1_hex(&self) -> String {
        self.sha1_hex_as(self.pixel_type)
    }

    /// SHA-1 of the buffer cast to `pixel_type` (pyradiomics hashes the mask read as UInt32).
    pub fn sha1_hex_as(&self, pixel_type: PixelType) -> String {
        let mut h = Sha1::new();
        let mut buf = Vec::with_capacity(65536 * pixel_type.size());
        for chunk in self.data.chunks(65536) {
            buf.clear();
            encode_le(chunk, pixel_type, &mut buf);
            h.update(&buf);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Physical (LPS) position of a continuous index, as ITK's TransformContinuousIndexToPhysicalPoint.
    pub fn index_to_physical(&self, idx: [f64; 3]) -> [f64; 3] {
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            for c in 0..3 {
                *pr += self.direction[3 * r + c] * self.spacing[c] * idx[c];
            }
        }
        p
    }
}
