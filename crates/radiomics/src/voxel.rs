//! Voxel-based extraction: one feature map per feature, as pyradiomics 3.1.0 computes them with
//! `RadiomicsFeatureExtractor.execute(image, mask, voxelBased=True)`
//! (AIM-Harvard/pyradiomics:radiomics/base.py `_calculateVoxels`, the kernels in
//! radiomics/src/_cmatrices.c `set_bb`, firstorder.py `_initVoxelBasedCalculation`).
//!
//! What pyradiomics does, and this module with it:
//! - Pre-processing as in segment mode (normalize, resample or preCrop, mask checks, resegment);
//!   shape and shape2D are not computed (pyradiomics skips them in voxel mode).
//! - Every enabled image type is computed once and cropped to the ROI's bounding box padded by
//!   `kernelRadius` on every side (clipped to the image): the maps have that geometry (size,
//!   origin moved with the crop, same spacing and direction) and are float64.
//! - The image is discretised once on the whole ROI (`maskedKernel: true`, default) or on the
//!   whole padded box (`maskedKernel: false`), never per kernel. The gray levels present there
//!   are the feature classes' gray levels for every kernel.
//! - For every ROI voxel, the kernel is the cube of radius `kernelRadius` around it, clipped to
//!   the padded box (with `force2D`, one voxel thick along `force2Ddimension`), and restricted
//!   to the ROI when `maskedKernel` is true (to the whole box otherwise). Neighbours, runs and
//!   zones never leave the kernel. Each class's features are the segment-based features of the
//!   kernel, with pyradiomics' differences in voxel mode:
//!   - glcm: `N_g` (Idmn, Idn) is the largest gray level of the whole ROI, not the kernel's; MCC
//!     is 0 (not 1) when the kernel holds one gray level but the ROI more. pyradiomics deletes
//!     an angle only when it has no pair in any kernel of the `voxelBatch` (default: all ROI
//!     voxels); in a kernel where it has none but another kernel of the batch has some, the
//!     angle's matrix is NaN: the features that average the angles with `nanmean` are not
//!     affected, JointAverage (a plain mean) is NaN for that voxel, and MCC's eigenvalue call
//!     fails on the NaN matrix, so the MCC map keeps `initValue` for the whole batch. All of
//!     this is reproduced here, with pyradiomics' batches.
//!   - the other classes' extra gray levels, run lengths and zone sizes are zeros that change
//!     no value, so the kernel's segment-based values are pyradiomics' values.
//! - Voxels outside the ROI hold `initValue` (default 0).
//!
//! Work is parallel over the ROI voxels (rayon); memory is bounded by the derived images of one
//! image type plus one value per ROI voxel and feature of one derived image: each map is handed
//! to the caller's sink and dropped before the next one is built.

use std::borrow::Cow;
use std::path::Path;

use rayon::prelude::*;

use crate::error::RadiomicsError;
use crate::extractor::Extractor;
use crate::features::{self, DiscretizedRoi, TextureSettings, firstorder, glcm, registry};
use crate::filters::{DerivedImage, Region};
use crate::image::{Image, PixelType};
use crate::image_types::{self, ImageTypeSpec};
use crate::preprocess;
use crate::roi::{self, Roi};
use crate::settings::Settings;

/// One feature map: `<imagetype>_<class>_<Feature>` (e.g. `original_glcm_Contrast`) and its image.
#[derive(Debug, Clone)]
pub struct FeatureMap {
    pub name: String,
    pub image: Image,
}

/// What a voxel-based extraction did (the maps themselves went to the sink).
#[derive(Debug, Clone, Default)]
pub struct VoxelSummary {
    /// Names of the maps, in the order they were handed to the sink.
    pub maps: Vec<String>,
    /// Number of ROI voxels (voxels with a value in every map).
    pub roi_voxels: usize,
    /// Size of the maps (x, y, z).
    pub size: [usize; 3],
    /// Things the user should know that did not stop the extraction.
    pub warnings: Vec<String>,
}

/// Progress of a voxel-based extraction (for a progress bar). Called from several threads.
pub trait Progress: Sync {
    /// A derived image (`original`, `wavelet-LLH`, ...) starts: `voxels` ROI voxels to compute.
    fn image_started(&self, _name: &str, _voxels: usize) {}
    /// `n` more voxels of the current image are done.
    fn voxels_done(&self, _n: usize) {}
}

/// No progress report.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Read the image and mask files and extract the feature maps (see [`execute`]).
pub fn execute_files(
    ex: &Extractor,
    image: impl AsRef<Path>,
    mask: impl AsRef<Path>,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(FeatureMap) -> Result<(), RadiomicsError>,
) -> Result<VoxelSummary, RadiomicsError> {
    let image = crate::io::read_image(image.as_ref())?;
    let mask = crate::io::read_image(mask.as_ref())?;
    execute(ex, &image, &mask, progress, sink)
}

/// Voxel-based extraction with the extractor's parameters (`voxelSetting`: `kernelRadius`,
/// `maskedKernel`, `initValue`, `voxelBatch`): every map is passed to `sink` as soon as it is
/// computed; an error from the sink stops the extraction.
pub fn execute(
    ex: &Extractor,
    image: &Image,
    mask: &Image,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(FeatureMap) -> Result<(), RadiomicsError>,
) -> Result<VoxelSummary, RadiomicsError> {
    if image.data.len() != image.size.iter().product::<usize>() || mask.data.len() != mask.size.iter().product::<usize>() {
        return Err(RadiomicsError::InvalidInput("image or mask buffer does not match its size".into()));
    }
    let params = ex.params();
    let s = &params.settings;
    let mut summary = VoxelSummary::default();
    let (work, roi) = prepare(image, mask, s)?;
    let r = s.kernel_radius;
    if r == 0 {
        return Err(RadiomicsError::InvalidInput("kernelRadius must be at least 1 in voxel-based extraction".into()));
    }
    // The ROI box padded by kernelRadius, clipped to the image (cropToTumorMask(padDistance=r)).
    let mut start = [0usize; 3];
    let mut size = [0usize; 3];
    for d in 0..3 {
        start[d] = roi.bbox.start[d].saturating_sub(r);
        let hi = (roi.bbox.start[d] + roi.bbox.size[d] - 1 + r).min(work.size[d] - 1);
        size[d] = hi - start[d] + 1;
    }
    let region = Region { start, size };
    let mut in_roi = Vec::with_capacity(size.iter().product());
    for z in start[2]..start[2] + size[2] {
        for y in start[1]..start[1] + size[1] {
            let row = start[0] + work.size[0] * (y + work.size[1] * z);
            in_roi.extend_from_slice(&roi.mask[row..row + size[0]]);
        }
    }
    let voxels: Vec<usize> = in_roi.iter().enumerate().filter(|(_, m)| **m).map(|(i, _)| i).collect();
    let kmask: Vec<bool> = if s.masked_kernel { in_roi.clone() } else { vec![true; in_roi.len()] };
    summary.roi_voxels = voxels.len();
    summary.size = size;

    let classes: Vec<(String, Option<Vec<String>>)> =
        params.feature_classes.iter().filter(|(c, _)| !c.starts_with("shape")).cloned().collect();
    if params.feature_classes.iter().any(|(c, _)| c.starts_with("shape")) {
        summary.warnings.push("shape features are not computed in voxel-based extraction (as in pyradiomics)".into());
    }
    if classes.is_empty() {
        return Ok(summary);
    }
    let specs = image_types::resolve(params)?;
    for (i, spec) in specs.iter().enumerate() {
        let st = type_settings(ex, i)?;
        let images: Vec<DerivedImage> = match spec {
            ImageTypeSpec::Lbp3d(_) => image_types::derived_images_in_roi(&work, &roi.mask, spec, &region)?,
            _ => image_types::derived_images_in_region(&work, spec, &region)?,
        };
        for d in images {
            let plan = Plan { classes: &classes, settings: &st, kmask: &kmask, voxels: &voxels };
            maps_of_image(&d, &plan, progress, &mut summary, sink)?;
        }
    }
    Ok(summary)
}

/// The settings of image type `index`: the extractor's, updated with the image type's own.
fn type_settings(ex: &Extractor, index: usize) -> Result<Settings, RadiomicsError> {
    let params = ex.params();
    let mut s = params.settings.clone();
    if let Some((name, custom)) = params.image_types.get(index) {
        for (k, v) in custom {
            s.apply(k, v).map_err(|e| RadiomicsError::InvalidInput(format!("imageType '{name}': {e}")))?;
        }
    }
    Ok(s)
}

/// pyradiomics' `loadImage` and mask checks for voxel mode: normalize, resample (or preCrop),
/// checkMask, resegment. Returns the image the filters run on and the final ROI.
/// (The same steps as the segment-based extractor; kept here so that the extractor's own
/// pipeline, which also computes shape and diagnostics, stays as it is.)
fn prepare<'a>(image: &'a Image, mask: &Image, s: &Settings) -> Result<(Cow<'a, Image>, Roi), RadiomicsError> {
    let sel = roi::label_mask(mask, s.label)?;
    let mut work: Cow<Image> = Cow::Borrowed(image);
    if s.normalize {
        work = Cow::Owned(preprocess::normalize(image, s.normalize_scale, s.remove_outliers)?);
    }
    let interpolator = match &s.resampled_pixel_spacing {
        Some(_) => preprocess::Interpolator::from_setting(&s.interpolator)?,
        None => None,
    };
    let (work, work_mask, work_sel): (Cow<Image>, Cow<Image>, Vec<bool>) = match (&s.resampled_pixel_spacing, interpolator) {
        (Some(spacing), Some(kind)) => {
            let r = preprocess::resample(&work, mask, &sel, spacing, kind, s.pad_distance)?;
            (Cow::Owned(r.image), Cow::Owned(r.mask), r.selection)
        }
        _ if s.pre_crop => {
            let checked = roi::check_roi(&work, mask, sel, s)?;
            let (c, csel) = roi::crop(&work, &checked, s.pad_distance);
            let cmask = Image { pixel_type: PixelType::U32, ..c.clone_geometry() };
            (Cow::Owned(c), Cow::Owned(cmask), csel)
        }
        _ => {
            let m = Cow::Owned(mask.clone_geometry());
            (work, m, sel)
        }
    };
    let roi = roi::check_roi(&work, &work_mask, work_sel, s)?;
    let roi = if s.resegment_range.is_some() {
        let rsel = preprocess::resegment(&work, &roi, s)?;
        roi::check_roi(&work, &work_mask, rsel, s)?
    } else {
        roi
    };
    Ok((work, roi))
}

/// What every derived image of one image type shares.
struct Plan<'a> {
    classes: &'a [(String, Option<Vec<String>>)],
    settings: &'a Settings,
    /// Voxels a kernel may use (the ROI, or the whole padded box), over the padded box.
    kmask: &'a [bool],
    /// ROI voxels (flat indices into the padded box, x fastest), pyradiomics' voxel order.
    voxels: &'a [usize],
}

/// One enabled class of one derived image: its feature names (map names) and how to compute it.
struct ClassPlan {
    class: String,
    names: Vec<String>,
}

/// Per-voxel GLCM bookkeeping for pyradiomics' batch failure of MCC.
#[derive(Clone, Copy, Default)]
struct GlcmAngles {
    /// Bit a set when angle a (of the padded box's angle list) has at least one pair.
    kept: u128,
    /// The voxel's MCC is NaN (a NaN matrix, on which numpy.linalg.eigvals raises).
    nan: bool,
}

fn maps_of_image(
    d: &DerivedImage,
    plan: &Plan,
    progress: &dyn Progress,
    summary: &mut VoxelSummary,
    sink: &mut dyn FnMut(FeatureMap) -> Result<(), RadiomicsError>,
) -> Result<(), RadiomicsError> {
    let img = &d.image;
    let s = plan.settings;
    let bad = img.data.iter().zip(plan.kmask).filter(|(v, m)| **m && !v.is_finite()).count();
    if bad > 0 {
        return Err(RadiomicsError::InvalidInput(format!(
            "{} image has {bad} NaN or infinite voxel(s) in the voxels the kernels use; fix the image or exclude them from the mask",
            d.name
        )));
    }
    let disc = roi::discretize(img, plan.kmask, s);
    let mut present = vec![false; 0];
    for (b, m) in disc.bins.iter().zip(plan.kmask) {
        if *m {
            let b = *b as usize;
            if b >= present.len() {
                present.resize(b + 1, false);
            }
            present[b] = true;
        }
    }
    let n_levels = present.iter().filter(|p| **p).count();
    let ng = present.len().saturating_sub(1);
    let tex = s.texture();

    // Feature names per class (map names), with pyradiomics' enabled lists.
    let mut classes: Vec<ClassPlan> = Vec::new();
    for (class, list) in plan.classes {
        let universe: Vec<String> = match class.as_str() {
            c if c == "firstorder" || registry::texture_class(c).is_some() => {
                features::default_feature_names(c).iter().map(|s| s.to_string()).collect()
            }
            other => {
                let w = format!("feature class {other} is not available in this build: its features are left out");
                if !summary.warnings.contains(&w) {
                    summary.warnings.push(w);
                }
                continue;
            }
        };
        let names: Vec<String> = match list {
            None => features::default_feature_names(class).iter().map(|s| s.to_string()).collect(),
            Some(l) => {
                let mut keep = Vec::new();
                for n in l {
                    if universe.contains(n) {
                        keep.push(n.clone());
                    } else {
                        let w = format!("{class} feature {n} is deprecated and has no value (as in pyradiomics)");
                        if !summary.warnings.contains(&w) {
                            summary.warnings.push(w);
                        }
                    }
                }
                keep
            }
        };
        classes.push(ClassPlan { class: class.clone(), names });
    }
    let n_feat: usize = classes.iter().map(|c| c.names.len()).sum();
    if n_feat == 0 {
        return Ok(());
    }
    let glcm_angles: Vec<[i32; 3]> = if classes.iter().any(|c| c.class == "glcm") {
        let size_zyx = [img.size[2], img.size[1], img.size[0]];
        features::angles(size_zyx, &tex.distances, tex.force_2d.then_some(tex.force_2d_dimension), false)?
    } else {
        Vec::new()
    };
    let ctx = Ctx { img, disc: &disc, kmask: plan.kmask, s, tex: &tex, r: s.kernel_radius, ng, n_levels, glcm_angles: &glcm_angles };
    progress.image_started(&d.name, plan.voxels.len());
    // Values, voxel-major: values[v * n_feat + k].
    let chunks: Vec<Result<(Vec<f64>, Vec<GlcmAngles>), RadiomicsError>> = plan
        .voxels
        .par_chunks(32)
        .map(|chunk| {
            let mut vals = Vec::with_capacity(chunk.len() * n_feat);
            let mut angles = Vec::with_capacity(chunk.len());
            for &v in chunk {
                let a = ctx.voxel(v, &classes, &mut vals)?;
                angles.push(a);
            }
            progress.voxels_done(chunk.len());
            Ok((vals, angles))
        })
        .collect();
    let mut values = Vec::with_capacity(plan.voxels.len() * n_feat);
    let mut angles = Vec::with_capacity(plan.voxels.len());
    for c in chunks {
        let (v, a) = c?;
        values.extend(v);
        angles.extend(a);
    }
    // pyradiomics' NaN angles per voxel batch (see the module documentation): an angle with
    // no pair in this voxel's kernel but a pair in another kernel of the batch is not deleted
    // but NaN. JointAverage (a plain mean over the angles) is then NaN, and MCC fails for the
    // whole batch.
    let mut k0 = 0;
    for c in &classes {
        if c.class == "glcm" && glcm_angles.len() <= 128 {
            let kmcc = c.names.iter().position(|n| n == "MCC");
            let kja = c.names.iter().position(|n| n == "JointAverage");
            let batch = if s.voxel_batch <= 0 { plan.voxels.len().max(1) } else { s.voxel_batch as usize };
            let mut mcc_failed = 0usize;
            for (b, group) in angles.chunks(batch).enumerate() {
                let union = group.iter().fold(0u128, |u, a| u | a.kept);
                for (j, a) in group.iter().enumerate() {
                    if let Some(k) = kja {
                        if a.kept != union {
                            values[(b * batch + j) * n_feat + k0 + k] = f64::NAN;
                        }
                    }
                }
                if let Some(k) = kmcc {
                    if group.iter().any(|a| a.nan || a.kept != union) {
                        for v in b * batch..b * batch + group.len() {
                            values[v * n_feat + k0 + k] = s.init_value;
                        }
                        mcc_failed += group.len();
                    }
                }
            }
            if mcc_failed > 0 {
                summary.warnings.push(format!(
                    "{}_glcm_MCC: {mcc_failed} of {} ROI voxels keep initValue, as in pyradiomics (a kernel without \
                     a neighbour pair along an angle that other kernels of its voxelBatch have makes pyradiomics' \
                     eigenvalue computation fail for the whole batch; voxelBatch 1 avoids it)",
                    d.name,
                    plan.voxels.len()
                ));
            }
        }
        k0 += c.names.len();
    }
    // One map at a time.
    let origin = img.origin;
    let mut k = 0;
    for c in &classes {
        for n in &c.names {
            let mut data = vec![s.init_value; img.data.len()];
            for (vi, &lin) in plan.voxels.iter().enumerate() {
                data[lin] = values[vi * n_feat + k];
            }
            let name = format!("{}_{}_{}", d.name, c.class, n);
            let image = Image { data, size: img.size, spacing: img.spacing, origin, direction: img.direction, pixel_type: PixelType::F64 };
            summary.maps.push(name.clone());
            sink(FeatureMap { name, image })?;
            k += 1;
        }
    }
    Ok(())
}

/// Everything a voxel's kernel needs.
struct Ctx<'a> {
    img: &'a Image,
    disc: &'a DiscretizedRoi,
    kmask: &'a [bool],
    s: &'a Settings,
    tex: &'a TextureSettings,
    r: usize,
    /// Largest gray level and number of gray levels over the voxels the kernels use.
    ng: usize,
    n_levels: usize,
    glcm_angles: &'a [[i32; 3]],
}

impl Ctx<'_> {
    /// Appends the voxel's values (classes in order, names in order) to `out`.
    fn voxel(&self, v: usize, classes: &[ClassPlan], out: &mut Vec<f64>) -> Result<GlcmAngles, RadiomicsError> {
        let size = self.img.size;
        let c = [v % size[0], (v / size[0]) % size[1], v / (size[0] * size[1])];
        // Kernel box (x, y, z), clipped to the padded box; flat along force2Ddimension (numpy axis).
        let flat_axis = self.tex.force_2d.then(|| 2 - self.tex.force_2d_dimension.min(2));
        let mut lo = [0usize; 3];
        let mut ks = [0usize; 3];
        for d in 0..3 {
            let r = if Some(d) == flat_axis { 0 } else { self.r };
            lo[d] = c[d].saturating_sub(r);
            let hi = (c[d] + r).min(size[d] - 1);
            ks[d] = hi - lo[d] + 1;
        }
        let n = ks[0] * ks[1] * ks[2];
        let mut bins = Vec::with_capacity(n);
        let mut mask = Vec::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        let mut vbins = Vec::with_capacity(n);
        for z in lo[2]..lo[2] + ks[2] {
            for y in lo[1]..lo[1] + ks[1] {
                let row = lo[0] + size[0] * (y + size[1] * z);
                for i in row..row + ks[0] {
                    let m = self.kmask[i];
                    bins.push(self.disc.bins[i]);
                    mask.push(m);
                    if m {
                        values.push(self.img.data[i]);
                        vbins.push(self.disc.bins[i]);
                    }
                }
            }
        }
        let kroi = DiscretizedRoi { bins, mask, size: ks, spacing: self.img.spacing };
        let mut angles = GlcmAngles::default();
        for cp in classes {
            let refs: Vec<&str> = cp.names.iter().map(String::as_str).collect();
            match cp.class.as_str() {
                "firstorder" => {
                    let got = firstorder::features(&values, &vbins, self.img.spacing, self.s.voxel_array_shift, &refs);
                    push_named(out, &cp.names, &got, "firstorder")?;
                }
                "glcm" => {
                    let (got, a) = self.glcm(&kroi)?;
                    angles = a;
                    push_named(out, &cp.names, &got, "glcm")?;
                }
                class => {
                    let f = registry::texture_class(class)
                        .ok_or_else(|| RadiomicsError::InvalidInput(format!("feature class {class} is not available")))?;
                    let got = f(&kroi, self.tex)?;
                    push_named(out, &cp.names, &got, class)?;
                }
            }
        }
        Ok(angles)
    }

    /// The kernel's GLCM features with the ROI's `N_g`, and its angle bookkeeping.
    fn glcm(&self, kroi: &DiscretizedRoi) -> Result<(Vec<(String, f64)>, GlcmAngles), RadiomicsError> {
        let mut g = glcm::glcm(kroi, self.tex)?;
        g.ng = self.ng as f64;
        let mut kept = 0u128;
        for off in &g.offsets {
            if let Some(a) = self.glcm_angles.iter().position(|x| x == off) {
                if a < 128 {
                    kept |= 1 << a;
                }
            }
        }
        let mut mcc = glcm::mcc(&g);
        if g.n_levels() < 2 && self.n_levels >= 2 && g.n_angles() > 0 {
            // The kernel's Q has one non-zero eigenvalue; the ROI's extra levels add zeros.
            mcc = 0.0;
        }
        let angles = GlcmAngles { kept, nan: mcc.is_nan() };
        let fs: [(&str, fn(&glcm::Glcm) -> f64); 24] = [
            ("Autocorrelation", glcm::autocorrelation),
            ("ClusterProminence", glcm::cluster_prominence),
            ("ClusterShade", glcm::cluster_shade),
            ("ClusterTendency", glcm::cluster_tendency),
            ("Contrast", glcm::contrast),
            ("Correlation", glcm::correlation),
            ("DifferenceAverage", glcm::difference_average),
            ("DifferenceEntropy", glcm::difference_entropy),
            ("DifferenceVariance", glcm::difference_variance),
            ("Id", glcm::id),
            ("Idm", glcm::idm),
            ("Idmn", glcm::idmn),
            ("Idn", glcm::idn),
            ("Imc1", glcm::imc1),
            ("Imc2", glcm::imc2),
            ("InverseVariance", glcm::inverse_variance),
            ("JointAverage", glcm::joint_average),
            ("JointEnergy", glcm::joint_energy),
            ("JointEntropy", glcm::joint_entropy),
            ("MCC", |_| f64::NAN),
            ("MaximumProbability", glcm::maximum_probability),
            ("SumAverage", glcm::sum_average),
            ("SumEntropy", glcm::sum_entropy),
            ("SumSquares", glcm::sum_squares),
        ];
        let out = fs.iter().map(|(n, f)| (n.to_string(), if *n == "MCC" { mcc } else { f(&g) })).collect();
        Ok((out, angles))
    }
}

/// Appends the values of `names` from a class's `(name, value)` output.
fn push_named(out: &mut Vec<f64>, names: &[String], got: &[(String, f64)], class: &str) -> Result<(), RadiomicsError> {
    for n in names {
        match got.iter().find(|(g, _)| g == n) {
            Some((_, v)) => out.push(*v),
            None => {
                return Err(RadiomicsError::InvalidInput(format!("{class} feature {n} has no value in voxel-based extraction")));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Params;

    fn cube(n: usize) -> (Image, Image) {
        let data: Vec<f64> = (0..n * n * n).map(|i| ((i * 37) % 11) as f64 * 10.0).collect();
        let mut m = vec![0.0; n * n * n];
        for z in 1..n - 1 {
            for y in 1..n - 1 {
                for x in 1..n - 1 {
                    m[x + n * (y + n * z)] = 1.0;
                }
            }
        }
        (Image::new(data, [n; 3], [1.0; 3]), Image::new(m, [n; 3], [1.0; 3]))
    }

    #[test]
    fn maps_have_the_padded_box_geometry_and_init_value_outside() {
        let (img, msk) = cube(7);
        let p = Params::from_yaml_str("featureClass: {firstorder: [Mean]}\nvoxelSetting: {kernelRadius: 2, initValue: -3}\n").unwrap();
        let ex = Extractor::new(p).unwrap();
        let mut maps = Vec::new();
        let sum = execute(&ex, &img, &msk, &NoProgress, &mut |m| {
            maps.push(m);
            Ok(())
        })
        .unwrap();
        assert_eq!(sum.maps, vec!["original_firstorder_Mean".to_string()]);
        // ROI box 1..=5, padded by 2 and clipped to 0..=6: the whole image.
        let m = &maps[0].image;
        assert_eq!(m.size, [7, 7, 7]);
        assert_eq!(m.data[0], -3.0);
        assert_eq!(sum.roi_voxels, 125);
        // Centre voxel: mean of the 5x5x5 ROI cube around it.
        let c = 3 + 7 * (3 + 7 * 3);
        let mut s = 0.0;
        for z in 1..6 {
            for y in 1..6 {
                for x in 1..6 {
                    s += img.data[x + 7 * (y + 7 * z)];
                }
            }
        }
        assert!((m.data[c] - s / 125.0).abs() < 1e-12);
    }

    #[test]
    fn sink_errors_stop_the_extraction() {
        let (img, msk) = cube(5);
        let ex = Extractor::new(Params::from_yaml_str("featureClass: {firstorder: []}\n").unwrap()).unwrap();
        let mut n = 0;
        let r = execute(&ex, &img, &msk, &NoProgress, &mut |_| {
            n += 1;
            Err(RadiomicsError::InvalidInput("disk full".into()))
        });
        assert!(r.is_err());
        assert_eq!(n, 1);
    }
}
