//! Decoding pathology images to float tensors with ImageNet normalisation.
//!
//! Tensors are channel-first (C, H, W) `f32`, `x = (pixel / 255 - mean_c) / std_c` with the
//! ImageNet statistics used by torchvision and timm.

use std::path::Path;

use image::RgbImage;

use crate::error::{CohortError, Result};

pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

/// A channel-first float image.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor3 {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// `data[c * H * W + y * W + x]`
    pub data: Vec<f32>,
}

/// Decode a PNG/JPEG/TIFF file to 8-bit RGB (grey and alpha are converted; alpha is dropped).
pub fn load_rgb(path: &Path) -> Result<RgbImage> {
    let reader = image::ImageReader::open(path).map_err(|e| CohortError::io(path, e))?;
    let reader = reader.with_guessed_format().map_err(|e| CohortError::io(path, e))?;
    let img = reader.decode().map_err(|e| CohortError::Image { path: path.into(), msg: e.to_string() })?;
    Ok(img.into_rgb8())
}

/// Width and height from the file header only (no pixel decode).
pub fn image_dimensions(path: &Path) -> Result<(u32, u32)> {
    let reader = image::ImageReader::open(path).map_err(|e| CohortError::io(path, e))?;
    let reader = reader.with_guessed_format().map_err(|e| CohortError::io(path, e))?;
    reader.into_dimensions().map_err(|e| CohortError::Image { path: path.into(), msg: e.to_string() })
}

/// RGB image to a (3, H, W) tensor with ImageNet normalisation.
pub fn to_tensor(img: &RgbImage) -> Tensor3 {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut data = vec![0f32; 3 * w * h];
    for (i, p) in img.pixels().enumerate() {
        for c in 0..3 {
            data[c * w * h + i] = (p.0[c] as f32 / 255.0 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
        }
    }
    Tensor3 { channels: 3, height: h, width: w, data }
}

/// RGB image to channel-major floats in [0, 1] (`pixel / 255`, no normalisation: the
/// grading models normalise inside), `data[c * H * W + y * W + x]`.
pub fn to_unit_planes(img: &RgbImage) -> Vec<f32> {
    let plane = img.width() as usize * img.height() as usize;
    let mut out = vec![0f32; 3 * plane];
    for (i, p) in img.pixels().enumerate() {
        for c in 0..3 {
            out[c * plane + i] = f32::from(p.0[c]) / 255.0;
        }
    }
    out
}

/// Decode and normalise in one step.
pub fn load_tensor(path: &Path) -> Result<Tensor3> {
    Ok(to_tensor(&load_rgb(path)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_planes_are_channel_major() {
        // 2 x 1 image: pixel 0 = (255, 0, 51), pixel 1 = (0, 102, 255).
        let img = RgbImage::from_raw(2, 1, vec![255, 0, 51, 0, 102, 255]).unwrap();
        assert_eq!(to_unit_planes(&img), vec![1.0, 0.0, 0.0, 0.4, 0.2, 1.0]);
    }

    #[test]
    fn imagenet_normalisation_known_values() {
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(0, 0, image::Rgb([0, 128, 255]));
        img.put_pixel(1, 0, image::Rgb([255, 255, 255]));
        let t = to_tensor(&img);
        assert_eq!((t.channels, t.height, t.width), (3, 1, 2));
        let expect = [
            (0.0 - 0.485) / 0.229,
            (1.0 - 0.485) / 0.229,
            (128.0 / 255.0 - 0.456) / 0.224,
            (1.0 - 0.456) / 0.224,
            (1.0 - 0.406) / 0.225,
            (1.0 - 0.406) / 0.225,
        ];
        for (a, b) in t.data.iter().zip(expect) {
            assert!((a - b as f32).abs() < 1e-6, "{a} vs {b}");
        }
        // -2.1179 is the familiar value of a black pixel in the red channel.
        assert!((t.data[0] + 2.117_904).abs() < 1e-5);
    }

    #[test]
    fn png_round_trip_and_bad_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.png");
        let mut img = RgbImage::new(3, 2);
        img.put_pixel(2, 1, image::Rgb([1, 2, 3]));
        img.save(&p).unwrap();
        assert_eq!(load_rgb(&p).unwrap(), img);
        assert_eq!(image_dimensions(&p).unwrap(), (3, 2));
        let bad = dir.path().join("b.png");
        std::fs::write(&bad, b"not an image").unwrap();
        let e = load_rgb(&bad).unwrap_err().to_string();
        assert!(e.contains("b.png"), "{e}");
    }
}
