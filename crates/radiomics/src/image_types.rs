//! pyradiomics' image types (`imageType` in a parameter file) mapped onto `filters`, with
//! pyradiomics' names, which are also the feature-name prefixes (`original_firstorder_Mean`,
//! `wavelet-LLH_glcm_Idmn`, `log-sigma-3-0-mm-3D_firstorder_Mean`, `square_...`).
//!
//! As in `RadiomicsFeatureExtractor.execute` (pyradiomics 3.1.0, `radiomics/featureextractor.py`),
//! each image type's keyword arguments are the extractor's settings updated with that image
//! type's own settings (`inputKwargs = settings.copy(); inputKwargs.update(customKwargs)`), and
//! image types run in the order they were enabled. Every filter gets the whole (uncropped)
//! image after normalisation/resampling; cropping to the ROI happens afterwards.
//!
//! The extractor uses these: [`resolve`] turns `Params` into [`ImageTypeSpec`]s and
//! [`derived_images_in_region`] runs one of them in the ROI box; the extractor calls these per image type and drops
//! each unit's images once its features are computed (at most one unit per thread holds images).

use crate::error::RadiomicsError;
use crate::filters::{
    DerivedImage, Region, gradient,
    lbp2d::{self, Lbp2dMethod, Lbp2dSettings},
    lbp3d::{self, Lbp3dSettings},
    log,
    point::{self, PointFilter},
    wavelet::{self, WaveletSettings},
};
use crate::image::Image;
use crate::settings::{ParamValue, Params, python_float_repr};

/// One enabled image type with its resolved settings.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageTypeSpec {
    Original,
    Wavelet(WaveletSettings),
    /// σ values (mm) with the text pyradiomics puts in the name (`str(sigma)`: `1.0`, or `1` when
    /// the parameter file wrote an integer).
    LoG(Vec<(f64, String)>),
    Point(PointFilter),
    Gradient { use_spacing: bool },
    /// `lbp-2D` (settings lbp2DRadius, lbp2DSamples, lbp2DMethod, force2Ddimension).
    Lbp2d(Lbp2dSettings),
    /// `lbp-3D-m1`.. `lbp-3D-m<levels>` and `lbp-3D-k` (lbp3DLevels, lbp3DIcosphereRadius,
    /// lbp3DIcosphereSubdivision); needs the ROI ([`derived_images_in_roi`]).
    Lbp3d(Lbp3dSettings),
}

impl ImageTypeSpec {
    /// pyradiomics' `imageType` key.
    pub fn key(&self) -> &'static str {
        match self {
            ImageTypeSpec::Original => "Original",
            ImageTypeSpec::Wavelet(_) => "Wavelet",
            ImageTypeSpec::LoG(_) => "LoG",
            ImageTypeSpec::Point(PointFilter::Square) => "Square",
            ImageTypeSpec::Point(PointFilter::SquareRoot) => "SquareRoot",
            ImageTypeSpec::Point(PointFilter::Logarithm) => "Logarithm",
            ImageTypeSpec::Point(PointFilter::Exponential) => "Exponential",
            ImageTypeSpec::Gradient { .. } => "Gradient",
            ImageTypeSpec::Lbp2d(_) => "LBP2D",
            ImageTypeSpec::Lbp3d(_) => "LBP3D",
        }
    }
}

fn region_check(image: &Image, region: &Region) -> Result<(), RadiomicsError> {
    if image.data.len() != image.size.iter().product::<usize>()
        || (0..3).any(|a| region.size[a] == 0 || region.start[a] + region.size[a] > image.size[a])
    {
        return Err(RadiomicsError::InvalidInput(format!(
            "region start {:?} size {:?} is not inside the image of size {:?}",
            region.start, region.size, image.size
        )));
    }
    Ok(())
}

fn bad(ty: &str, msg: String) -> RadiomicsError {
    RadiomicsError::InvalidInput(format!("imageType '{ty}': {msg}"))
}

/// The value of `key` for an image type: its own setting, else the extractor-level setting.
fn lookup<'a>(params: &'a Params, custom: &'a [(String, ParamValue)], key: &str) -> Option<&'a ParamValue> {
    custom
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .or_else(|| params.settings.repr_entries.iter().rev().find(|(k, _)| k == key))
        .map(|(_, v)| v)
}

fn as_uint(ty: &str, key: &str, v: &ParamValue) -> Result<usize, RadiomicsError> {
    match v {
        ParamValue::Int(i) if *i >= 0 => Ok(*i as usize),
        ParamValue::Float(f) if *f >= 0.0 && f.fract() == 0.0 => Ok(*f as usize),
        _ => Err(bad(ty, format!("setting '{key}' must be a non-negative integer, got {}", v.python_repr()))),
    }
}

fn as_number(ty: &str, key: &str, v: &ParamValue) -> Result<f64, RadiomicsError> {
    match v {
        ParamValue::Int(i) => Ok(*i as f64),
        ParamValue::Float(f) if f.is_finite() => Ok(*f),
        _ => Err(bad(ty, format!("setting '{key}' must be a number, got {}", v.python_repr()))),
    }
}

fn as_bool(ty: &str, key: &str, v: &ParamValue) -> Result<bool, RadiomicsError> {
    match v {
        ParamValue::Bool(b) => Ok(*b),
        _ => Err(bad(ty, format!("setting '{key}' must be true or false, got {}", v.python_repr()))),
    }
}

/// Resolve the enabled image types of a parameter file, in file order.
pub fn resolve(params: &Params) -> Result<Vec<ImageTypeSpec>, RadiomicsError> {
    let mut out = Vec::new();
    for (ty, custom) in &params.image_types {
        let get = |k: &str| lookup(params, custom, k);
        let spec = match ty.as_str() {
            "Original" => ImageTypeSpec::Original,
            "Wavelet" => {
                let mut ws = WaveletSettings::default();
                if let Some(v) = get("wavelet") {
                    match v {
                        ParamValue::Str(s) => ws.wavelet = s.clone(),
                        _ => return Err(bad(ty, "setting 'wavelet' must be a wavelet name such as coif1".into())),
                    }
                    wavelet::Wavelet::from_name(&ws.wavelet).map_err(|e| bad(ty, e.to_string()))?;
                }
                if let Some(v) = get("level") {
                    ws.level = as_uint(ty, "level", v)?;
                    if ws.level == 0 {
                        return Err(bad(ty, "setting 'level' must be at least 1".into()));
                    }
                }
                if let Some(v) = get("start_level") {
                    ws.start_level = as_uint(ty, "start_level", v)?;
                }
                let force2d = match get("force2D") {
                    Some(v) => as_bool(ty, "force2D", v)?,
                    None => false,
                };
                if force2d {
                    let d = match get("force2Ddimension") {
                        Some(v) => as_uint(ty, "force2Ddimension", v)?,
                        None => 0,
                    };
                    if d > 2 {
                        return Err(bad(ty, format!("force2Ddimension must be 0, 1 or 2, got {d}")));
                    }
                    ws.force2d_dimension = Some(d);
                }
                ImageTypeSpec::Wavelet(ws)
            }
            "LoG" => {
                let mut sig = Vec::new();
                match get("sigma") {
                    None | Some(ParamValue::None) => {}
                    Some(ParamValue::List(v)) => {
                        for s in v {
                            match s {
                                ParamValue::Int(i) => sig.push((*i as f64, i.to_string())),
                                ParamValue::Float(f) => sig.push((*f, python_float_repr(*f))),
                                _ => return Err(bad(ty, "setting 'sigma' must be a list of numbers".into())),
                            }
                        }
                    }
                    Some(_) => return Err(bad(ty, "setting 'sigma' must be a list of numbers such as [1.0, 3.0]".into())),
                }
                ImageTypeSpec::LoG(sig)
            }
            "Square" => ImageTypeSpec::Point(PointFilter::Square),
            "SquareRoot" => ImageTypeSpec::Point(PointFilter::SquareRoot),
            "Logarithm" => ImageTypeSpec::Point(PointFilter::Logarithm),
            "Exponential" => ImageTypeSpec::Point(PointFilter::Exponential),
            "Gradient" => ImageTypeSpec::Gradient {
                use_spacing: match get("gradientUseSpacing") {
                    Some(v) => as_bool(ty, "gradientUseSpacing", v)?,
                    None => true,
                },
            },
            "LBP2D" => {
                let mut ls = Lbp2dSettings::default();
                if let Some(v) = get("lbp2DRadius") {
                    ls.radius = as_number(ty, "lbp2DRadius", v)?;
                }
                if let Some(v) = get("lbp2DSamples") {
                    ls.samples = as_uint(ty, "lbp2DSamples", v)?;
                    if !(1..=31).contains(&ls.samples) {
                        return Err(bad(ty, format!("setting 'lbp2DSamples' must be between 1 and 31, got {}", ls.samples)));
                    }
                }
                if let Some(v) = get("lbp2DMethod") {
                    ls.method = match v {
                        ParamValue::Str(m) => Lbp2dMethod::from_name(m),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        bad(ty, format!("setting 'lbp2DMethod' must be default, ror, uniform, nri_uniform or var, got {}", v.python_repr()))
                    })?;
                }
                if let Some(v) = get("force2Ddimension") {
                    ls.axis = as_uint(ty, "force2Ddimension", v)?;
                    if ls.axis > 2 {
                        return Err(bad(ty, format!("force2Ddimension must be 0, 1 or 2, got {}", ls.axis)));
                    }
                }
                ImageTypeSpec::Lbp2d(ls)
            }
            "LBP3D" => {
                let mut ls = Lbp3dSettings::default();
                if let Some(v) = get("lbp3DLevels") {
                    ls.levels = as_uint(ty, "lbp3DLevels", v)?;
                    if !(1..=20).contains(&ls.levels) {
                        return Err(bad(ty, format!("setting 'lbp3DLevels' must be between 1 and 20, got {}", ls.levels)));
                    }
                }
                if let Some(v) = get("lbp3DIcosphereRadius") {
                    ls.radius = as_number(ty, "lbp3DIcosphereRadius", v)?;
                    if !(ls.radius > 0.0) {
                        return Err(bad(ty, format!("setting 'lbp3DIcosphereRadius' must be positive, got {}", ls.radius)));
                    }
                }
                if let Some(v) = get("lbp3DIcosphereSubdivision") {
                    ls.subdivisions = as_uint(ty, "lbp3DIcosphereSubdivision", v)?;
                    if ls.subdivisions > 5 {
                        return Err(bad(ty, format!("setting 'lbp3DIcosphereSubdivision' must be at most 5, got {}", ls.subdivisions)));
                    }
                }
                ImageTypeSpec::Lbp3d(ls)
            }
            other => return Err(bad(other, "unknown image type".into())),
        };
        out.push(spec);
    }
    Ok(out)
}

/// pyradiomics' name of the LoG image for σ written as `sigma_text` (`str(sigma)` in Python).
pub fn log_name(sigma_text: &str) -> String {
    format!("log-sigma-{}-mm-3D", sigma_text.replace('.', "-"))
}

/// The images one image type yields, named as pyradiomics names them (the feature prefix).
/// A LoG σ that pyradiomics would skip (too large for the image, or <= 0) yields nothing, as in
/// pyradiomics, which only logs a warning.
pub fn derived_images(image: &Image, spec: &ImageTypeSpec) -> Result<Vec<DerivedImage>, RadiomicsError> {
    derived_images_in_region(image, spec, &Region::whole(image))
}

/// [`derived_images`] at the voxels of `region` only (typically the ROI bounding box, plus
/// `kernelRadius` in voxel-based extraction): each image has the region's size and its origin
/// at the region's first voxel, and equals the crop of the whole-image result, but only what
/// the region needs is computed. The LoG size rules still look at the whole image.
pub fn derived_images_in_region(
    image: &Image,
    spec: &ImageTypeSpec,
    region: &Region,
) -> Result<Vec<DerivedImage>, RadiomicsError> {
    region_check(image, region)?;
    match spec {
        ImageTypeSpec::Original => {
            let mut data = Vec::with_capacity(region.size.iter().product());
            for z in region.start[2]..region.start[2] + region.size[2] {
                for y in region.start[1]..region.start[1] + region.size[1] {
                    let s = image.index(region.start[0], y, z);
                    data.extend_from_slice(&image.data[s..s + region.size[0]]);
                }
            }
            let s = region.start.map(|v| v as f64);
            let img = Image { data, size: region.size, origin: image.index_to_physical(s), ..image.clone() };
            Ok(vec![DerivedImage { name: "original".into(), image: img }])
        }
        ImageTypeSpec::Wavelet(ws) => wavelet::wavelet_images_in_region(image, ws, region),
        ImageTypeSpec::LoG(sigmas) => log_images_in_region(image, sigmas, region, None),
        ImageTypeSpec::Point(p) => Ok(vec![DerivedImage {
            name: p.name().into(),
            image: point::point_filter_in_region(image, *p, region)?,
        }]),
        ImageTypeSpec::Gradient { use_spacing } => Ok(vec![DerivedImage {
            name: "gradient".into(),
            image: gradient::gradient_magnitude_in_region(image, *use_spacing, region)?,
        }]),
        ImageTypeSpec::Lbp2d(ls) => {
            Ok(vec![DerivedImage { name: "lbp-2D".into(), image: lbp2d::lbp2d_in_region(image, ls, region)? }])
        }
        ImageTypeSpec::Lbp3d(_) => Err(RadiomicsError::InvalidInput(
            "imageType 'LBP3D' is computed at the ROI voxels only: use derived_images_in_roi with the ROI".into(),
        )),
    }
}

/// The LoG images of `sigmas` (σ and its text as written in the parameter file) in `region`;
/// `input` is the first passes' input ([`log::LogInput::new`] of `image`) when the caller shares
/// one across σ, else it is made here.
pub fn log_images_in_region(
    image: &Image,
    sigmas: &[(f64, String)],
    region: &Region,
    input: Option<&log::LogInput>,
) -> Result<Vec<DerivedImage>, RadiomicsError> {
    region_check(image, region)?;
    let mut out = Vec::new();
    let mut own = None;
    for (sigma, text) in sigmas {
        if log::sigma_applies(image, *sigma) {
            let input = match input {
                Some(i) => i,
                None => own.get_or_insert_with(|| log::LogInput::new(image)),
            };
            out.push(DerivedImage {
                name: log_name(text),
                image: log::laplacian_recursive_gaussian_in_region_with(image, input, *sigma, region)?,
            });
        }
    }
    Ok(out)
}

/// [`derived_images_in_region`] for every image type, LBP3D included, which needs the ROI:
/// `roi` is the label selection over the whole image (x fastest, as [`crate::roi::Roi::mask`]).
pub fn derived_images_in_roi(
    image: &Image,
    roi: &[bool],
    spec: &ImageTypeSpec,
    region: &Region,
) -> Result<Vec<DerivedImage>, RadiomicsError> {
    match spec {
        ImageTypeSpec::Lbp3d(ls) => {
            region_check(image, region)?;
            lbp3d::lbp3d_images(image, roi, ls, region)
        }
        other => derived_images_in_region(image, other, region),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const ALL: &str = "
imageType:
  Original: {}
  Wavelet: {}
  LoG:
    sigma: [1.0, 2.0, 3.0, 4.0, 5.0]
  Square: {}
  SquareRoot: {}
  Logarithm: {}
  Exponential: {}
  Gradient: {}
setting:
  binWidth: 25
featureClass:
  firstorder:
";

    #[test]
    fn all_filters_names_as_pyradiomics() {
        let p = Params::from_yaml_str(ALL).unwrap();
        let specs = resolve(&p).unwrap();
        assert_eq!(specs.len(), 8);
        // 6 x 6 x 6 image with unit spacing: sigma 5 needs ceil(5/1)+1 = 6 voxels, fits.
        let img = Image::new((0..216).map(|i| (i % 17) as f64).collect(), [6, 6, 6], [1.0; 3]);
        let names: Vec<String> =
            specs.iter().flat_map(|s| derived_images(&img, s).unwrap().into_iter().map(|d| d.name)).collect();
        assert_eq!(
            names,
            [
                "original", "wavelet-LLH", "wavelet-LHL", "wavelet-LHH", "wavelet-HLL", "wavelet-HLH",
                "wavelet-HHL", "wavelet-HHH", "wavelet-LLL", "log-sigma-1-0-mm-3D", "log-sigma-2-0-mm-3D",
                "log-sigma-3-0-mm-3D", "log-sigma-4-0-mm-3D", "log-sigma-5-0-mm-3D", "square", "squareroot",
                "logarithm", "exponential", "gradient"
            ]
        );
    }

    #[test]
    fn region_results_equal_crops_of_whole_results() {
        let p = Params::from_yaml_str(ALL).unwrap();
        let specs = resolve(&p).unwrap();
        let (nx, ny, nz) = (11, 9, 8);
        let data: Vec<f64> = (0..nx * ny * nz).map(|i| ((i * 7919) % 1009) as f64 - 200.0).collect();
        let img = Image::new(data, [nx, ny, nz], [0.8, 0.8, 1.5]);
        let region = Region { start: [4, 1, 2], size: [3, 6, 4] };
        let mut n = 0;
        for spec in &specs {
            let whole = derived_images(&img, spec).unwrap();
            let part = derived_images_in_region(&img, spec, &region).unwrap();
            assert_eq!(whole.len(), part.len());
            for (a, b) in whole.iter().zip(&part) {
                assert_eq!(a.name, b.name);
                assert_eq!(b.image.origin, img.index_to_physical([4.0, 1.0, 2.0]));
                for z in 0..4 {
                    for y in 0..6 {
                        for x in 0..3 {
                            let va = a.image.data[a.image.index(x + 4, y + 1, z + 2)];
                            let vb = b.image.data[b.image.index(x, y, z)];
                            assert!((va - vb).abs() <= 1e-12 * va.abs().max(1.0), "{}: {va} vs {vb}", a.name);
                            n += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(n, 19 * 72);
        assert!(derived_images_in_region(&img, &specs[0], &Region { start: [9, 0, 0], size: [3, 1, 1] }).is_err());
    }

    #[test]
    fn lbp_image_types_resolve_with_pyradiomics_settings() {
        let p = Params::from_yaml_str(
            "imageType:\n  LBP2D: {lbp2DRadius: 2, lbp2DMethod: ror}\n  LBP3D: {lbp3DLevels: 3}\nsetting:\n  lbp2DSamples: 12\n  force2Ddimension: 1\n  lbp3DIcosphereRadius: 1.5\n",
        )
        .unwrap();
        let specs = resolve(&p).unwrap();
        assert_eq!(
            specs[0],
            ImageTypeSpec::Lbp2d(Lbp2dSettings { radius: 2.0, samples: 12, method: Lbp2dMethod::Ror, axis: 1 })
        );
        assert_eq!(specs[1], ImageTypeSpec::Lbp3d(Lbp3dSettings { levels: 3, radius: 1.5, subdivisions: 1 }));
        assert_eq!(specs[0].key(), "LBP2D");
        let img = Image::new((0..5 * 5 * 5).map(|i| ((i * 7) % 13) as f64).collect(), [5, 5, 5], [1.0; 3]);
        let region = Region { start: [1, 1, 1], size: [3, 3, 3] };
        let names: Vec<String> = derived_images_in_region(&img, &specs[0], &region).unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["lbp-2D"]);
        assert!(derived_images_in_region(&img, &specs[1], &region).is_err());
        let mut roi = vec![false; 125];
        roi[img.index(2, 2, 2)] = true;
        let names: Vec<String> =
            derived_images_in_roi(&img, &roi, &specs[1], &region).unwrap().into_iter().map(|d| d.name).collect();
        assert_eq!(names, ["lbp-3D-m1", "lbp-3D-m2", "lbp-3D-m3", "lbp-3D-k"]);
        for bad in ["LBP2D: {lbp2DMethod: foo}", "LBP2D: {lbp2DSamples: 0}", "LBP3D: {lbp3DIcosphereRadius: -1}", "LBP2D: {force2Ddimension: 3}"] {
            let p = Params::from_yaml_str(&format!("imageType:\n  {bad}\n"));
            if let Ok(p) = p {
                assert!(resolve(&p).is_err(), "{bad}");
            }
        }
    }

    #[test]
    fn settings_merge_and_errors() {
        let p = Params::from_yaml_str(
            "imageType:\n  Wavelet: {wavelet: db2, level: 2}\n  LoG: {sigma: [1, 2.5]}\nsetting:\n  start_level: 1\n  wavelet: haar\n",
        )
        .unwrap();
        let specs = resolve(&p).unwrap();
        assert_eq!(
            specs[0],
            ImageTypeSpec::Wavelet(WaveletSettings {
                wavelet: "db2".into(),
                level: 2,
                start_level: 1,
                force2d_dimension: None
            })
        );
        assert_eq!(specs[1], ImageTypeSpec::LoG(vec![(1.0, "1".into()), (2.5, "2.5".into())]));
        assert_eq!(log_name("1"), "log-sigma-1-mm-3D");
        let p = Params::from_yaml_str("imageType:\n  Wavelet: {wavelet: db99}\n");
        if let Ok(p) = p {
            let e = resolve(&p).unwrap_err().to_string();
            assert!(e.contains("db99"), "{e}");
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use crate::filters::{gradient, log, point, wavelet};

    /// Tiny, degenerate and non-finite images give values or a clear error, never a panic.
    #[test]
    fn degenerate_images_do_not_panic() {
        let specs = resolve(&Params::from_yaml_str(super::tests::ALL).unwrap()).unwrap();
        let cases = [
            Image::new(vec![5.0], [1, 1, 1], [1.0; 3]),
            Image::new(vec![0.0; 6], [3, 2, 1], [0.5, 0.5, 2.0]),
            Image::new(vec![f64::NAN, 1.0, f64::INFINITY, -3.0, 0.0, 2.0, 7.0, 1.0], [2, 2, 2], [1.0; 3]),
            Image::new(vec![1.0; 5 * 5 * 5], [5, 5, 5], [0.0, 1.0, 1.0]),
            Image::new(vec![1.0; 7], [2, 2, 2], [1.0; 3]), // wrong voxel count
        ];
        for img in &cases {
            for spec in &specs {
                let _ = derived_images(img, spec);
            }
            for w in ["haar", "dmey", "coif17", "bior6.8"] {
                let ws = wavelet::WaveletSettings { wavelet: w.into(), level: 2, start_level: 1, ..Default::default() };
                let _ = wavelet::wavelet_images(img, &ws);
            }
            let _ = log::laplacian_recursive_gaussian(img, 1.0);
            let _ = log::laplacian_recursive_gaussian(img, f64::NAN);
            let _ = gradient::gradient_magnitude(img, true);
            let _ = point::point_filter(img, point::PointFilter::Logarithm);
        }
        let img = Image::new(vec![1.0; 8], [2, 2, 2], [1.0; 3]);
        assert!(log::laplacian_recursive_gaussian(&img, 1.0).is_err());
        assert!(wavelet::wavelet_images(&cases[4], &Default::default()).is_err());
        assert!(gradient::gradient_magnitude(&cases[3], true).is_err());
        assert!(point::point_filter(&cases[2], point::PointFilter::Square).is_err());
    }
}
