//! The point filters Square, SquareRoot, Logarithm and Exponential, with pyradiomics'
//! rescaling to the original range (`radiomics/imageoperations.py`, `getSquareImage`,
//! `getSquareRootImage`, `getLogarithmImage`, `getExponentialImage`). With `M = max |x|` over the
//! whole image, in float64:
//!
//! - square: `(x / sqrt(M))²`, computed as `(c·x)²` with `c = 1 / sqrt(M)`;
//! - squareroot: `sqrt(x·M)` for `x > 0`, `−sqrt(−x·M)` for `x < 0`, 0 stays 0;
//! - logarithm: `log(x + 1)` for `x > 0`, `−log(−(x − 1))` for `x < 0`, then multiplied by
//!   `M / max|result|`;
//! - exponential: `exp(c·x)` with `c = log(M) / M`.
//!
//! As in numpy, an all-zero image gives NaN (square, logarithm, exponential), which the
//! feature code then sees; pyradiomics does the same.

use super::DerivedImage;
use crate::error::RadiomicsError;
use crate::image::{Image, PixelType};

/// Which point filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointFilter {
    Square,
    SquareRoot,
    Logarithm,
    Exponential,
}

impl PointFilter {
    /// pyradiomics' image type name (`square`, `squareroot`, `logarithm`, `exponential`).
    pub fn name(self) -> &'static str {
        match self {
            PointFilter::Square => "square",
            PointFilter::SquareRoot => "squareroot",
            PointFilter::Logarithm => "logarithm",
            PointFilter::Exponential => "exponential",
        }
    }
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(f64::NEG_INFINITY, |m, x| m.max(x.abs()))
}

/// Apply one point filter to the whole image; output float64.
pub fn point_filter(image: &Image, filter: PointFilter) -> Result<Image, RadiomicsError> {
    super::check_image(image, filter.name())?;
    if image.data.iter().any(|v| v.is_nan()) {
        return Err(RadiomicsError::InvalidInput(format!("{} filter: the image holds NaN voxels", filter.name())));
    }
    let m = max_abs(&image.data);
    let data: Vec<f64> = match filter {
        PointFilter::Square => {
            let c = 1.0 / m.sqrt();
            image.data.iter().map(|&x| (c * x).powi(2)).collect()
        }
        PointFilter::SquareRoot => image
            .data
            .iter()
            .map(|&x| {
                if x > 0.0 {
                    (x * m).sqrt()
                } else if x < 0.0 {
                    -(-x * m).sqrt()
                } else {
                    x
                }
            })
            .collect(),
        PointFilter::Logarithm => {
            let l: Vec<f64> = image
                .data
                .iter()
                .map(|&x| {
                    if x > 0.0 {
                        (x + 1.0).ln()
                    } else if x < 0.0 {
                        -(-(x - 1.0)).ln()
                    } else {
                        x
                    }
                })
                .collect();
            let s = m / max_abs(&l);
            l.into_iter().map(|v| v * s).collect()
        }
        PointFilter::Exponential => {
            let c = m.ln() / m;
            image.data.iter().map(|&x| (c * x).exp()).collect()
        }
    };
    Ok(Image { data, pixel_type: PixelType::F64, ..image.clone_geometry() })
}

/// pyradiomics' generator for one point filter: the single image named [`PointFilter::name`].
pub fn point_images(image: &Image, filter: PointFilter) -> Result<Vec<DerivedImage>, RadiomicsError> {
    Ok(vec![DerivedImage { name: filter.name().into(), image: point_filter(image, filter)? }])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_values() {
        let img = Image::new(vec![-4.0, 0.0, 1.0, 16.0], [4, 1, 1], [1.0; 3]);
        let sq = point_filter(&img, PointFilter::Square).unwrap().data;
        assert_eq!(sq, [1.0, 0.0, 1.0 / 16.0, 16.0]);
        let sr = point_filter(&img, PointFilter::SquareRoot).unwrap().data;
        assert_eq!(sr, [-8.0, 0.0, 4.0, 16.0]);
        let lg = point_filter(&img, PointFilter::Logarithm).unwrap().data;
        let s = 16.0 / 17f64.ln();
        let want = [-(5f64.ln()) * s, 0.0, 2f64.ln() * s, 16.0];
        for (a, b) in lg.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{a} {b}");
        }
        let ex = point_filter(&img, PointFilter::Exponential).unwrap().data;
        // exp(log(M)/M * M) = M at the maximum; 1 at 0.
        assert!((ex[3] - 16.0).abs() < 1e-12 && ex[1] == 1.0);
        assert!((ex[0] - 16f64.powf(-0.25)).abs() < 1e-12);
    }
}
