//! The extraction pipeline of pyradiomics' `RadiomicsFeatureExtractor.execute`: pre-processing
//! (normalize, resample or preCrop, resegment), mask checks, diagnostics, shape once on the cropped
//! mask, then for every enabled image type (filters in the ROI box) first-order and the
//! texture classes on the cropped, discretised ROI.

use std::borrow::Cow;
use std::path::Path;

use crate::error::RadiomicsError;
use crate::features::{firstorder, registry, shape, shape2d};
use crate::image::{Image, PixelType};
use crate::numeric::np_mean;
use crate::preprocess;
use crate::roi::{self, Roi};
use crate::filters::{DerivedImage, Region, point};
use crate::image_types::{self, ImageTypeSpec};
use rayon::prelude::*;
use crate::settings::{ParamValue, Params, Settings, python_float_repr};

/// The result of one extraction, in pyradiomics' order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    /// `diagnostics_*` entries as strings (empty when `additionalInfo` is false).
    pub diagnostics: Vec<(String, String)>,
    /// Feature values named `<imagetype>_<class>_<Feature>`, e.g. `original_firstorder_Mean`.
    pub features: Vec<(String, f64)>,
    /// Things the user should know that did not stop the extraction (one line each).
    pub warnings: Vec<String>,
}

impl Extraction {
    /// The value of a feature by its full name.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.features.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// What the feature classes need once the mask is checked: the ROI the texture classes use,
/// the mask shape is computed on (cropped to the ROI's bounding box), the image cropped to that
/// box, the whole (pre-processed) image when filters need it, and the diagnostics.
struct Prepared<'a> {
    roi: Roi,
    shape_mask: Vec<bool>,
    cropped: Image,
    full: Option<&'a Image>,
    diagnostics: Vec<(String, String)>,
}

/// Geometry, hashes and statistics of the image and mask as read, for `diagnostics_*-original_*`.
struct Original<'a> {
    header: &'a Image,
    mask: &'a Image,
    roi: &'a Roi,
    stats: [f64; 3],
    image_hash: String,
    mask_hash: String,
}

/// Whole-image mean (numpy's pairwise sum), minimum and maximum; NaN propagates as in numpy.
fn image_stats(data: &[f64]) -> [f64; 3] {
    let (mut mn, mut mx) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in data {
        mn = if v < mn { v } else { mn };
        mx = if v > mx { v } else { mx };
    }
    let mean = np_mean(data);
    if mean.is_nan() { [f64::NAN; 3] } else { [mean, mn, mx] }
}

/// A configured extractor (pyradiomics' `RadiomicsFeatureExtractor`).
#[derive(Debug, Clone)]
pub struct Extractor {
    params: Params,
}

/// `GeneralInfo.addImageElements` for a pre-processed image (`interpolated`).
fn image_elements(d: &mut Vec<(String, String)>, prefix: &str, image: &Image) {
    let [mean, mn, mx] = image_stats(&image.data);
    d.push((format!("diagnostics_Image-{prefix}_Spacing"), py_tuple_f(&image.spacing)));
    d.push((format!("diagnostics_Image-{prefix}_Size"), py_tuple_u(&image.size)));
    d.push((format!("diagnostics_Image-{prefix}_Mean"), python_float_repr(mean)));
    d.push((format!("diagnostics_Image-{prefix}_Minimum"), python_float_repr(mn)));
    d.push((format!("diagnostics_Image-{prefix}_Maximum"), python_float_repr(mx)));
}

/// `GeneralInfo.addMaskElements` (without the hash): geometry, bounding box, voxel count,
/// connected components, centre of mass, and with an image the ROI's mean, minimum, maximum.
fn mask_elements(d: &mut Vec<(String, String)>, prefix: &str, mask: &Image, roi: &Roi, image: Option<&Image>) {
    let mut put = |k: &str, v: String| d.push((format!("diagnostics_Mask-{prefix}_{k}"), v));
    put("Spacing", py_tuple_f(&mask.spacing));
    put("Size", py_tuple_u(&mask.size));
    put("BoundingBox", py_tuple_u(&roi.bbox.as_tuple()));
    put("VoxelNum", roi.voxel_count.to_string());
    // Connected components and centre of mass within the bounding box (same result, less work).
    let boxed = roi::crop_mask(roi);
    put("VolumeNum", connected_components(roi.bbox.size, &boxed).to_string());
    let (mut cx, mut cy, mut cz) = (Vec::new(), Vec::new(), Vec::new());
    let (b0, b1) = (roi.bbox.start, roi.bbox.size);
    let mut values = Vec::new();
    for z in b0[2]..b0[2] + b1[2] {
        for y in b0[1]..b0[1] + b1[1] {
            for x in b0[0]..b0[0] + b1[0] {
                let i = x + roi.full_size[0] * (y + roi.full_size[1] * z);
                if roi.mask[i] {
                    cx.push(x as f64);
                    cy.push(y as f64);
                    cz.push(z as f64);
                    if let Some(im) = image {
                        values.push(im.data[i]);
                    }
                }
            }
        }
    }
    let com = [np_mean(&cx), np_mean(&cy), np_mean(&cz)];
    put("CenterOfMassIndex", py_tuple_f(&com));
    put("CenterOfMass", py_tuple_f(&mask.index_to_physical(com)));
    if image.is_some() {
        let mn = values.iter().cloned().fold(f64::INFINITY, f64::min);
        let mx = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        put("Mean", python_float_repr(np_mean(&values)));
        put("Minimum", python_float_repr(mn));
        put("Maximum", python_float_repr(mx));
    }
}

/// The names of the enabled features of a class (`None`: its default features).
fn names_for(class: &str, list: &Option<Vec<String>>) -> Vec<String> {
    match list {
        None => crate::features::default_feature_names(class).iter().map(|s| s.to_string()).collect(),
        Some(l) => l.clone(),
    }
}

fn py_tuple_f(v: &[f64]) -> String {
    format!("({})", v.iter().map(|x| python_float_repr(*x)).collect::<Vec<_>>().join(", "))
}

fn py_tuple_u(v: &[usize]) -> String {
    format!("({})", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", "))
}

/// Number of 26-connected components of a boolean volume (x fastest).
fn connected_components(size: [usize; 3], mask: &[bool]) -> usize {
    let mut seen = vec![false; mask.len()];
    let mut stack = Vec::new();
    let mut count = 0;
    let [nx, ny, nz] = size;
    for start in 0..mask.len() {
        if !mask[start] || seen[start] {
            continue;
        }
        count += 1;
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny));
            for dz in -1i64..=1 {
                for dy in -1i64..=1 {
                    for dx in -1i64..=1 {
                        let (xx, yy, zz) = (x as i64 + dx, y as i64 + dy, z as i64 + dz);
                        if xx < 0 || yy < 0 || zz < 0 || xx >= nx as i64 || yy >= ny as i64 || zz >= nz as i64 {
                            continue;
                        }
                        let j = xx as usize + nx * (yy as usize + ny * zz as usize);
                        if mask[j] && !seen[j] {
                            seen[j] = true;
                            stack.push(j);
                        }
                    }
                }
            }
        }
    }
    count
}

/// One unit of work of the image-type loop: the Original image (already cropped), or one
/// filter run (a wavelet decomposition with all its bands, one LoG σ, one point filter, ...),
/// with the index of its image type in the parameter file.
enum Unit {
    Original,
    Filter(ImageTypeSpec),
}

/// Features of one unit (in pyradiomics' order) and its warnings.
type UnitResult = Result<(Vec<(String, f64)>, Vec<String>), RadiomicsError>;

impl Extractor {
    /// An extractor for these parameters; errors if they need features not implemented yet.
    pub fn new(params: Params) -> Result<Extractor, RadiomicsError> {
        params.check_supported()?;
        Ok(Extractor { params })
    }

    /// An extractor configured by a pyradiomics parameter file (YAML/JSON).
    pub fn from_param_file(path: impl AsRef<Path>) -> Result<Extractor, RadiomicsError> {
        let path = path.as_ref();
        let params = Params::from_file(path)?;
        params.check_supported().map_err(|e| RadiomicsError::Format { path: path.to_path_buf(), msg: e.to_string() })?;
        Ok(Extractor { params })
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Use `label` instead of the configured one (pyradiomics' `execute(..., label=N)`).
    pub fn set_label(&mut self, label: i64) {
        // Cannot fail for an integer.
        let _ = self.params.settings.apply("label", &ParamValue::Int(label));
    }

    /// Whether the extraction needs the whole image (filters, or pre-processing), rather than
    /// only the voxels of the ROI's bounding box.
    fn needs_whole_image(&self) -> bool {
        let s = &self.params.settings;
        self.params.image_types.iter().any(|(n, _)| n != "Original")
            || s.normalize
            || (s.resampled_pixel_spacing.is_some() && s.interpolator != "None")
            || s.pre_crop
            || s.resegment_range.is_some()
    }

    /// Read the image and mask files and extract. The mask is not converted to f64: labels
    /// are selected and hashed while its voxels are inflated ([`crate::io::read_mask_selection`]);
    /// the image's hash and whole-image statistics come from one pass over its stored voxels.
    pub fn execute_files(&self, image: impl AsRef<Path>, mask: impl AsRef<Path>) -> Result<Extraction, RadiomicsError> {
        let s = &self.params.settings;
        let img_raw = crate::io::read_image_raw(image.as_ref())?;
        let msk = crate::io::read_mask_selection(mask.as_ref(), s.label, s.additional_info)?;
        if msk.bbox.is_none() {
            return Err(roi::label_error(s.label, &msk.labels));
        }
        let (img_hash, stats) = if s.additional_info { img_raw.sha1_and_stats(true) } else { (None, [f64::NAN; 3]) };
        let mask_hash = msk.sha1.unwrap_or_default();
        if self.needs_whole_image() {
            let full = img_raw.decode();
            let image_hash = img_hash.unwrap_or_else(|| if s.additional_info { full.sha1_hex() } else { String::new() });
            return self.run_whole(&full, &msk.header, msk.selection, stats, image_hash, mask_hash);
        }
        let roi = roi::check_roi_with_box(&img_raw.header, &msk.header, msk.selection, msk.bbox, s)?;
        let cropped = img_raw.decode_box(roi.bbox.start, roi.bbox.size);
        let header = &img_raw.header;
        let image_hash = img_hash.unwrap_or_else(|| if s.additional_info { img_raw.clone().decode().sha1_hex() } else { String::new() });
        let diagnostics = if s.additional_info {
            let o = Original { header, mask: &msk.header, roi: &roi, stats, image_hash, mask_hash };
            self.diagnostics(&o)
        } else {
            Vec::new()
        };
        let shape_mask = roi::crop_mask(&roi);
        self.run(Prepared { roi, shape_mask, cropped, full: None, diagnostics })
    }

    /// Extract from images in memory (`mask` voxels equal to the label form the ROI).
    pub fn execute(&self, image: &Image, mask: &Image) -> Result<Extraction, RadiomicsError> {
        if image.data.len() != image.size.iter().product::<usize>() || mask.data.len() != mask.size.iter().product::<usize>() {
            return Err(RadiomicsError::InvalidInput("image or mask buffer does not match its size".into()));
        }
        let s = &self.params.settings;
        let (image_hash, mask_hash, stats) = if s.additional_info {
            (image.sha1_hex(), mask.sha1_hex_as(PixelType::U32), image_stats(&image.data))
        } else {
            (String::new(), String::new(), [f64::NAN; 3])
        };
        if self.needs_whole_image() {
            let sel = roi::label_mask(mask, s.label)?;
            return self.run_whole(image, mask, sel, stats, image_hash, mask_hash);
        }
        let roi = roi::check_mask(image, mask, s)?;
        let (cropped, _) = roi::crop(image, &roi, 0);
        let diagnostics = if s.additional_info {
            self.diagnostics(&Original { header: image, mask, roi: &roi, stats, image_hash, mask_hash })
        } else {
            Vec::new()
        };
        let shape_mask = roi::crop_mask(&roi);
        self.run(Prepared { roi, shape_mask, cropped, full: None, diagnostics })
    }

    /// The pipeline on the whole decoded image, with pyradiomics' pre-processing: `sel` is the
    /// label selection on the mask grid (`mask`'s voxels are not used, only its geometry).
    fn run_whole(
        &self,
        image: &Image,
        mask: &Image,
        sel: Vec<bool>,
        stats: [f64; 3],
        image_hash: String,
        mask_hash: String,
    ) -> Result<Extraction, RadiomicsError> {
        let s = &self.params.settings;
        let info = s.additional_info;
        let (obb, on) = roi::bounding_box(mask.size, &sel).ok_or_else(|| roi::label_error(s.label, &[]))?;
        let original_roi = Roi { mask: sel, bbox: obb, voxel_count: on, full_size: mask.size };
        let mut diagnostics = if info {
            self.diagnostics(&Original { header: image, mask, roi: &original_roi, stats, image_hash, mask_hash })
        } else {
            Vec::new()
        };
        // 1. normalize (whole image), 2. resample (or preCrop), as pyradiomics' loadImage.
        let normalized = if s.normalize { Some(preprocess::normalize(image, s.normalize_scale, s.remove_outliers)?) } else { None };
        let img = normalized.as_ref().unwrap_or(image);
        let interpolator = match &s.resampled_pixel_spacing {
            Some(_) => preprocess::Interpolator::from_setting(&s.interpolator)?,
            None => None,
        };
        let (work, work_mask, work_sel): (Cow<Image>, Cow<Image>, Vec<bool>) =
            match (&s.resampled_pixel_spacing, interpolator) {
                (Some(spacing), Some(kind)) => {
                    let r = preprocess::resample(img, mask, &original_roi.mask, spacing, kind, s.pad_distance)?;
                    if info {
                        image_elements(&mut diagnostics, "interpolated", &r.image);
                        if let Some((bb, n)) = roi::bounding_box(r.mask.size, &r.selection) {
                            let rr = Roi { mask: r.selection.clone(), bbox: bb, voxel_count: n, full_size: r.mask.size };
                            mask_elements(&mut diagnostics, "interpolated", &r.mask, &rr, Some(&r.image));
                        }
                    }
                    (Cow::Owned(r.image), Cow::Owned(r.mask), r.selection)
                }
                _ if s.pre_crop => {
                    let checked = roi::check_roi(img, mask, original_roi.mask.clone(), s)?;
                    let (c, csel) = roi::crop(img, &checked, s.pad_distance);
                    let cmask = Image { pixel_type: PixelType::U32, ..c.clone_geometry() };
                    (Cow::Owned(c), Cow::Owned(cmask), csel)
                }
                _ => (Cow::Borrowed(img), Cow::Borrowed(mask), original_roi.mask.clone()),
            };
        drop(original_roi);
        // 3. checkMask, 4. resegmentation (re-checked); shape keeps the unresegmented mask
        // unless resegmentShape, cropped to the final bounding box as pyradiomics does.
        let roi = roi::check_roi(&work, &work_mask, work_sel, s)?;
        let (roi, shape_sel) = if s.resegment_range.is_some() {
            let rsel = preprocess::resegment(&work, &roi, s)?;
            let rroi = roi::check_roi(&work, &work_mask, rsel, s)?;
            if info {
                mask_elements(&mut diagnostics, "resegmented", &work_mask, &rroi, Some(&work));
            }
            let shape_sel = if s.resegment_shape { rroi.mask.clone() } else { roi.mask };
            (rroi, shape_sel)
        } else {
            let sel = roi.mask.clone();
            (roi, sel)
        };
        let shape_mask = roi::crop_mask(&Roi { mask: shape_sel, ..roi.clone() });
        let (cropped, _) = roi::crop(&work, &roi, 0);
        self.run(Prepared { roi, shape_mask, cropped, full: Some(&work), diagnostics })
    }

    /// The settings of image type number `index` of the parameter file: the extractor's settings
    /// updated with the image type's own (pyradiomics' `inputKwargs`).
    fn type_settings(&self, index: usize) -> Result<Settings, RadiomicsError> {
        let mut s = self.params.settings.clone();
        if let Some((name, custom)) = self.params.image_types.get(index) {
            for (k, v) in custom {
                s.apply(k, v).map_err(|e| RadiomicsError::InvalidInput(format!("imageType '{name}': {e}")))?;
            }
        }
        Ok(s)
    }

    /// The pipeline after the mask checks: shape once, then every image type.
    fn run(&self, p: Prepared) -> Result<Extraction, RadiomicsError> {
        let s: &Settings = &self.params.settings;
        let roi = &p.roi;
        // The ROI cropped to its bounding box (no padding), as pyradiomics' cropToTumorMask.
        let cropped = &p.cropped;
        let cmask = roi::crop_mask(&p.roi);
        let mut out = Extraction { diagnostics: p.diagnostics, ..Extraction::default() };
        let enabled = &self.params.feature_classes;
        // Shape, once, on the mask cropped to the bounding box.
        if let Some((_, list)) = enabled.iter().find(|(c, _)| c == "shape") {
            let names = names_for("shape", list);
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            for (n, v) in shape::features(&p.shape_mask, cropped.size, cropped.spacing, &refs) {
                out.features.push((format!("original_shape_{n}"), v));
            }
        }
        if let Some((_, list)) = enabled.iter().find(|(c, _)| c == "shape2D") {
            // pyradiomics checks the bounding-box size at index force2Ddimension of its (x, y, z)
            // bounding box, then the cropped array's size along numpy axis force2Ddimension.
            if !s.force_2d {
                out.warnings.push("shape2D is enabled but force2D is false: shape2D features skipped".into());
            } else if roi.bbox.size[s.force_2d_dimension] <= 1 {
                out.warnings.push(format!(
                    "shape2D skipped: the ROI's bounding box has size 1 in dimension {}",
                    s.force_2d_dimension
                ));
            } else {
                let np_size = [cropped.size[2], cropped.size[1], cropped.size[0]];
                if np_size[s.force_2d_dimension] > 1 {
                    return Err(RadiomicsError::InvalidInput(format!(
                        "size of the mask in dimension {} is more than 1, cannot compute 2D shape (shape2D needs a ROI one slice thick along force2Ddimension)",
                        s.force_2d_dimension
                    )));
                }
                let sh = shape2d::Shape2D::new(&p.shape_mask, cropped.size, cropped.spacing, s.force_2d_dimension);
                for n in names_for("shape2D", list) {
                    if let Some(v) = sh.by_name(&n) {
                        out.features.push((format!("original_shape2D_{n}"), v));
                    }
                }
            }
        }
        if !enabled.iter().any(|(c, _)| !c.starts_with("shape")) {
            return Ok(out);
        }
        // Every enabled image type, in file order; a LoG σ per unit. Units run in parallel;
        // each computes its images in the ROI's bounding box only and drops them once its
        // features are computed, so at most one unit per thread holds filtered images.
        let specs = image_types::resolve(&self.params)?;
        let mut units: Vec<(usize, Unit)> = Vec::new();
        for (i, spec) in specs.into_iter().enumerate() {
            match spec {
                ImageTypeSpec::Original => units.push((i, Unit::Original)),
                ImageTypeSpec::LoG(sigmas) => {
                    for sg in sigmas {
                        units.push((i, Unit::Filter(ImageTypeSpec::LoG(vec![sg]))));
                    }
                }
                other => units.push((i, Unit::Filter(other))),
            }
        }
        let region = Region { start: roi.bbox.start, size: roi.bbox.size };
        let max_abs: std::sync::OnceLock<Result<f64, String>> = std::sync::OnceLock::new();
        // The LoG σ units share one compact copy of the image's voxels (filters::log::LogInput).
        let log_input: std::sync::OnceLock<crate::filters::log::LogInput> = std::sync::OnceLock::new();
        let results: Vec<UnitResult> = units
            .par_iter()
            .map(|(i, unit)| -> UnitResult {
                let st = self.type_settings(*i)?;
                let mut feats = Vec::new();
                let mut warns = Vec::new();
                match unit {
                    Unit::Original => self.class_features("original", cropped, &cmask, &st, &mut feats, &mut warns)?,
                    Unit::Filter(spec) => {
                        let full = p.full.ok_or_else(|| {
                            RadiomicsError::InvalidInput(format!("imageType '{}' needs the whole image", spec.key()))
                        })?;
                        let images = match spec {
                            // The point filters share one max |x| pass over the whole image.
                            ImageTypeSpec::Point(pf) => {
                                let m = max_abs.get_or_init(|| point::max_abs(full).map_err(|e| e.to_string()));
                                let m = m.clone().map_err(RadiomicsError::InvalidInput)?;
                                let image = point::point_filter_in_region_with_max(full, *pf, &region, m)?;
                                vec![DerivedImage { name: pf.name().into(), image }]
                            }
                            ImageTypeSpec::LoG(sigmas) => {
                                let input = log_input.get_or_init(|| crate::filters::log::LogInput::new(full));
                                image_types::log_images_in_region(full, sigmas, &region, Some(input))?
                            }
                            // LBP3D is computed at the ROI voxels only (pyradiomics leaves the rest unset).
                            ImageTypeSpec::Lbp3d(_) => image_types::derived_images_in_roi(full, &roi.mask, spec, &region)?,
                            _ => image_types::derived_images_in_region(full, spec, &region)?,
                        };
                        for d in images {
                            self.class_features(&d.name, &d.image, &cmask, &st, &mut feats, &mut warns)?;
                        }
                    }
                }
                Ok((feats, warns))
            })
            .collect();
        for r in results {
            let (f, w) = r?;
            out.features.extend(f);
            for w in w {
                if !out.warnings.contains(&w) {
                    out.warnings.push(w);
                }
            }
        }
        Ok(out)
    }

    /// First-order and texture features of one (filtered) image cropped to the ROI's bounding
    /// box, named `<prefix>_<class>_<Feature>`, classes in the parameter file's order.
    fn class_features(
        &self,
        prefix: &str,
        cropped: &Image,
        cmask: &[bool],
        s: &Settings,
        out: &mut Vec<(String, f64)>,
        warnings: &mut Vec<String>,
    ) -> Result<(), RadiomicsError> {
        let bad = cropped.data.iter().zip(cmask).filter(|(v, m)| **m && !v.is_finite()).count();
        if bad > 0 {
            return Err(RadiomicsError::InvalidInput(format!(
                "{} image has {bad} NaN or infinite voxel(s) inside the ROI; fix the image or exclude them from the mask",
                prefix
            )));
        }
        let mut disc = None;
        for (class, list) in &self.params.feature_classes {
            match class.as_str() {
                "shape" | "shape2D" => {}
                "firstorder" => {
                    let d = disc.get_or_insert_with(|| roi::discretize(cropped, cmask, s));
                    let values: Vec<f64> = cropped.data.iter().zip(cmask).filter(|(_, m)| **m).map(|(v, _)| *v).collect();
                    let bins: Vec<u32> = d.bins.iter().zip(cmask).filter(|(_, m)| **m).map(|(b, _)| *b).collect();
                    let names = names_for("firstorder", list);
                    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                    for (n, v) in firstorder::features(&values, &bins, cropped.spacing, s.voxel_array_shift, &refs) {
                        out.push((format!("{prefix}_firstorder_{n}"), v));
                    }
                }
                texture => match registry::texture_class(texture) {
                    Some(f) => {
                        let d = disc.get_or_insert_with(|| roi::discretize(cropped, cmask, s));
                        let values = f(d, &s.texture())?;
                        match list {
                            None => {
                                for (n, v) in values {
                                    out.push((format!("{prefix}_{texture}_{n}"), v));
                                }
                            }
                            Some(wanted) => {
                                for w in wanted {
                                    match values.iter().find(|(n, _)| n == w) {
                                        Some((n, v)) => out.push((format!("{prefix}_{texture}_{n}"), *v)),
                                        None => warnings.push(format!(
                                            "{texture} feature {w} is deprecated and has no value (as in pyradiomics)"
                                        )),
                                    }
                                }
                            }
                        }
                    }
                    None => warnings.push(format!(
                        "feature class {texture} is not available in this build: its features are left out"
                    )),
                },
            }
        }
        Ok(())
    }

    fn diagnostics(&self, p: &Original) -> Vec<(String, String)> {
        let (image, mask, roi) = (p.header, p.mask, p.roi);
        let s = &self.params.settings;
        let mut d: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: String| d.push((format!("diagnostics_{k}"), v));
        put("Versions_gliofuse", env!("CARGO_PKG_VERSION").to_string());
        put("Versions_PyRadiomicsCompatible", "v3.1.0".into());
        put("Configuration_Settings", s.python_repr());
        let types: Vec<String> = self
            .params
            .image_types
            .iter()
            .map(|(n, c)| {
                let inner: Vec<String> = c.iter().map(|(k, v)| format!("'{k}': {}", v.python_repr())).collect();
                format!("'{n}': {{{}}}", inner.join(", "))
            })
            .collect();
        put("Configuration_EnabledImageTypes", format!("{{{}}}", types.join(", ")));
        put("Image-original_Hash", p.image_hash.clone());
        put("Image-original_Dimensionality", "3D".into());
        put("Image-original_Spacing", py_tuple_f(&image.spacing));
        put("Image-original_Size", py_tuple_u(&image.size));
        let [mean, mn, mx] = p.stats;
        put("Image-original_Mean", python_float_repr(mean));
        put("Image-original_Minimum", python_float_repr(mn));
        put("Image-original_Maximum", python_float_repr(mx));
        put("Mask-original_Hash", p.mask_hash.clone());
        mask_elements(&mut d, "original", mask, roi, None);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_use_26_connectivity() {
        // 4 x 2 x 2 volume: (0,0,0) and (1,1,1) touch by a corner; (3,0,0) is separate.
        let mut m = vec![false; 16];
        m[0] = true;
        m[1 + 4 * (1 + 2)] = true;
        m[3] = true;
        assert_eq!(connected_components([4, 2, 2], &m), 2);
        m[3] = false;
        assert_eq!(connected_components([4, 2, 2], &m), 1);
    }
}
