//! Steyaert-style whole-slide tiling (survival.md §2.1, "Decisions for this project").
//!
//! Upstream (read, not copied): `gevaertlab/MultiModalBrainSurvival:1_HistoPathology/1_WSI2Patches.py`.
//!
//! 1. **Tissue mask** on the thumbnail ([`Slide::thumbnail`]: the lowest pyramid level) with
//!    Steyaert's rule ([`super::tissue`]), then binary dilation x3 and erosion x3.
//! 2. **Magnification.** Base magnification `M` = the slide's objective power, else `10 / mpp`
//!    (0.25 µm/px = 40x), else the assumed `--magnification` (default 20, as upstream's
//!    `aperio.AppMag` default; synthetic slides carry no metadata and are read as 20x).
//!    A patch covers `E = round(patch_size · M / target)` level-0 pixels (448 at 40x). It is read
//!    from the lowest-resolution level whose downsample does not exceed `M / target`, at
//!    `round(E / downsample)` pixels, so a 40x slide with a 2x level is read there at 224 px
//!    and a 40x slide without one at 448 px from level 0 ([`read_patch`] resizes to
//!    `patch_size`).
//! 3. **Grid**: non-overlapping `E x E` squares at level 0 that lie wholly inside the slide
//!    (upstream also visits the partial squares at the right and bottom edges, padded black by
//!    OpenSlide; we skip them), in row-major order, then shuffled with
//!    `ChaCha8Rng::seed_from_u64(seed)` (the same seed for every slide, as upstream's
//!    `np.random.seed(5)`), so the accepted patches are a fixed random subset and the first K
//!    rows of the CSV are a random sample too.
//! 4. **Accept** a square, in shuffled order, when (a) the thumbnail mask is tissue at its
//!    top-left corner `(x / ratio_x, y / ratio_y)` (upstream's test), (b) the patch's own
//!    tissue mask (same rule, Otsu on the patch, dilated x3) covers more than `min_tissue`
//!    (20 %) of it, and (c) it is not low-contrast in scikit-image's sense
//!    ([`super::tissue::is_low_contrast`]). Stop after `max_patches` (2,000).
//!
//! The checks in 4(b)-(c) run on the patch as read (before any resize), as upstream.
//! Candidates are examined in parallel batches (rayon) and accepted strictly in shuffled
//! order, so the output does not depend on the thread count.

use std::path::Path;

use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::Slide;
use super::tissue::{self, Thresholds};
use crate::error::{CohortError, Result};

/// Hyper-parameters of the tiling (defaults = the project's decisions).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TilingConfig {
    /// Output patch side in pixels at the target magnification (224).
    pub patch_size: u32,
    /// Magnification of the output patches (20).
    pub target_magnification: f64,
    /// Base magnification assumed when the slide has neither objective power nor mpp (20).
    pub assumed_magnification: f64,
    /// At most this many patches per slide (2,000).
    pub max_patches: usize,
    /// Seed of the grid shuffle (5, as upstream's `np.random.seed(5)`).
    pub seed: u64,
    /// A patch needs more than this fraction of (dilated) tissue pixels (0.2).
    pub min_tissue: f64,
    /// `is_low_contrast` fraction threshold (0.05, scikit-image's default).
    pub low_contrast: f64,
    /// Pixels with any channel at or below this are never tissue (50).
    pub rgb_min: u8,
    /// Longest thumbnail side (the lowest level is halved until it fits) (2048).
    pub thumbnail_max_side: u32,
}

impl Default for TilingConfig {
    fn default() -> Self {
        TilingConfig {
            patch_size: 224,
            target_magnification: 20.0,
            assumed_magnification: 20.0,
            max_patches: 2000,
            seed: 5,
            min_tissue: 0.2,
            low_contrast: 0.05,
            rgb_min: 50,
            thumbnail_max_side: 2048,
        }
    }
}

impl TilingConfig {
    pub fn validate(&self) -> Result<()> {
        let bad = |m: &str| Err(CohortError::InvalidInput(m.to_string()));
        if !(8..=4096).contains(&self.patch_size) {
            return bad("patch size must be 8..=4096 pixels");
        }
        if !(self.target_magnification > 0.0 && self.target_magnification.is_finite()) {
            return bad("target magnification must be a positive number");
        }
        if !(self.assumed_magnification > 0.0 && self.assumed_magnification.is_finite()) {
            return bad("--magnification must be a positive number (the base magnification of slides without metadata)");
        }
        if self.max_patches == 0 {
            return bad("--max-patches must be at least 1");
        }
        if !(0.0..1.0).contains(&self.min_tissue) {
            return bad("minimum tissue fraction must be in [0, 1)");
        }
        Ok(())
    }
}

/// Where the base magnification came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MagnificationSource {
    ObjectivePower,
    Mpp,
    Assumed,
}

/// How patches are read from one slide.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReadPlan {
    pub base_magnification: f64,
    pub magnification_source: MagnificationSource,
    /// Side of a patch in level-0 pixels (also the grid step).
    pub extent: u64,
    /// Pyramid level read.
    pub level: usize,
    /// Side read at that level (resized to `patch_size` by [`read_patch`] when different).
    pub read_size: u32,
}

/// Decide magnification, level and read size for `slide` (module comment, step 2).
pub fn read_plan(slide: &Slide, cfg: &TilingConfig) -> ReadPlan {
    plan_for(slide.info(), cfg)
}

/// [`read_plan`] from the slide's metadata alone.
pub fn plan_for(info: &super::SlideInfo, cfg: &TilingConfig) -> ReadPlan {
    let (base, source) = match (info.objective_power, info.mpp_x) {
        (Some(m), _) => (m, MagnificationSource::ObjectivePower),
        (None, Some(mpp)) => (10.0 / mpp, MagnificationSource::Mpp),
        _ => (cfg.assumed_magnification, MagnificationSource::Assumed),
    };
    let factor = base / cfg.target_magnification;
    let extent = ((cfg.patch_size as f64 * factor).round() as u64).max(1);
    let level = info.levels.iter().rposition(|l| l.downsample <= factor * (1.0 + 1e-3)).unwrap_or(0);
    let read_size = ((extent as f64 / info.levels[level].downsample).round() as u32).max(1);
    ReadPlan { base_magnification: base, magnification_source: source, extent, level, read_size }
}

/// One accepted patch.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PatchCoord {
    /// Rank among the accepted patches (shuffled order).
    pub patch: usize,
    /// Top-left corner, level-0 pixels.
    pub x: u64,
    pub y: u64,
    /// Side in level-0 pixels.
    pub size: u64,
    /// Level the patch is read from, and the side read there.
    pub level: usize,
    pub read_size: u32,
    /// Fraction of the patch covered by the dilated tissue mask.
    pub tissue: f64,
}

/// Counts and settings of one slide's tiling (the JSON summary).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TilingSummary {
    pub levels: Vec<super::LevelInfo>,
    pub reader: &'static str,
    pub vendor: String,
    pub plan: ReadPlan,
    pub thumbnail: [u32; 2],
    pub thumbnail_thresholds: Thresholds,
    pub thumbnail_tissue_fraction: f64,
    /// Whole squares in the grid.
    pub grid: usize,
    /// Squares examined before the cap was reached (all of them when it was not).
    pub examined: usize,
    pub rejected_mask: usize,
    pub rejected_tissue: usize,
    pub rejected_contrast: usize,
    pub accepted: usize,
}

/// The tiling of one slide.
#[derive(Debug, Clone, PartialEq)]
pub struct Tiling {
    pub patches: Vec<PatchCoord>,
    pub summary: TilingSummary,
}

/// Row-major grid of whole `extent`-sized squares, shuffled with `seed`.
pub fn shuffled_grid(width: u64, height: u64, extent: u64, seed: u64) -> Vec<(u64, u64)> {
    let mut grid = Vec::new();
    if extent > 0 {
        let mut y = 0;
        while y + extent <= height {
            let mut x = 0;
            while x + extent <= width {
                grid.push((x, y));
                x += extent;
            }
            y += extent;
        }
    }
    grid.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    grid
}

/// Outcome of the per-patch checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PatchVerdict {
    Accept { tissue: f64 },
    LowTissue { tissue: f64 },
    LowContrast { tissue: f64 },
}

/// Checks 4(b) and 4(c) on a patch as read.
pub fn judge_patch(patch: &RgbImage, cfg: &TilingConfig) -> PatchVerdict {
    let (mask, _) = tissue::tissue_mask(patch, cfg.rgb_min);
    let tissue = tissue::dilate(&mask, 3).fraction();
    if tissue <= cfg.min_tissue {
        PatchVerdict::LowTissue { tissue }
    } else if tissue::is_low_contrast(patch, cfg.low_contrast) {
        PatchVerdict::LowContrast { tissue }
    } else {
        PatchVerdict::Accept { tissue }
    }
}

/// Tile one slide (module comment).
pub fn tile_slide(slide: &Slide, cfg: &TilingConfig) -> Result<Tiling> {
    cfg.validate()?;
    let info = slide.info().clone();
    let plan = read_plan(slide, cfg);
    let thumb = slide.thumbnail(cfg.thumbnail_max_side)?;
    let (mask, thresholds) = tissue::tissue_mask(&thumb, cfg.rgb_min);
    let mask = tissue::erode(&tissue::dilate(&mask, 3), 3);
    let (w0, h0) = (info.levels[0].width, info.levels[0].height);
    let ratio_x = w0 as f64 / thumb.width() as f64;
    let ratio_y = h0 as f64 / thumb.height() as f64;
    let grid = shuffled_grid(w0, h0, plan.extent, cfg.seed);
    let mut summary = TilingSummary {
        levels: info.levels.clone(),
        reader: info.reader,
        vendor: info.vendor.clone(),
        plan: plan.clone(),
        thumbnail: [thumb.width(), thumb.height()],
        thumbnail_thresholds: thresholds,
        thumbnail_tissue_fraction: mask.fraction(),
        grid: grid.len(),
        examined: 0,
        rejected_mask: 0,
        rejected_tissue: 0,
        rejected_contrast: 0,
        accepted: 0,
    };
    let mut patches = Vec::new();
    // Batches keep both cores busy on one slide while accepting strictly in shuffled order.
    let batch = 4 * rayon::current_num_threads().max(1);
    let mut i = 0;
    'outer: while i < grid.len() {
        let end = (i + batch).min(grid.len());
        let verdicts: Vec<Result<Option<PatchVerdict>>> = grid[i..end]
            .par_iter()
            .map(|&(x, y)| {
                let mx = ((x as f64 / ratio_x) as usize).min(mask.width - 1);
                let my = ((y as f64 / ratio_y) as usize).min(mask.height - 1);
                if !mask.get(mx, my) {
                    return Ok(None);
                }
                let p = slide.read_region(x as i64, y as i64, plan.level, plan.read_size, plan.read_size)?;
                Ok(Some(judge_patch(&p, cfg)))
            })
            .collect();
        for (k, v) in verdicts.into_iter().enumerate() {
            let (x, y) = grid[i + k];
            summary.examined += 1;
            match v? {
                None => summary.rejected_mask += 1,
                Some(PatchVerdict::LowTissue { .. }) => summary.rejected_tissue += 1,
                Some(PatchVerdict::LowContrast { .. }) => summary.rejected_contrast += 1,
                Some(PatchVerdict::Accept { tissue }) => {
                    patches.push(PatchCoord { patch: patches.len(), x, y, size: plan.extent, level: plan.level, read_size: plan.read_size, tissue });
                    if patches.len() >= cfg.max_patches {
                        break 'outer;
                    }
                }
            }
        }
        i = end;
    }
    summary.accepted = patches.len();
    Ok(Tiling { patches, summary })
}

/// Read one tiled patch and resize it to `patch_size` (Catmull-Rom, like PIL's bicubic) when
/// it was read at another size (40x slides without a 2x level).
pub fn read_patch(slide: &Slide, p: &PatchCoord, patch_size: u32) -> Result<RgbImage> {
    let img = slide.read_region(p.x as i64, p.y as i64, p.level, p.read_size, p.read_size)?;
    if p.read_size == patch_size {
        Ok(img)
    } else {
        Ok(image::imageops::resize(&img, patch_size, patch_size, image::imageops::FilterType::CatmullRom))
    }
}

/// The coordinates CSV: `patch,x,y,size,level,read_size,tissue` (tissue with 4 decimals).
pub fn coords_csv(patches: &[PatchCoord]) -> String {
    let mut s = String::from("patch,x,y,size,level,read_size,tissue\n");
    for p in patches {
        s.push_str(&format!("{},{},{},{},{},{},{:.4}\n", p.patch, p.x, p.y, p.size, p.level, p.read_size, p.tissue));
    }
    s
}

/// Read a coordinates CSV written by [`coords_csv`].
pub fn read_coords(path: &Path) -> Result<Vec<PatchCoord>> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| CohortError::slide(path, e.to_string()))?;
    let mut out = Vec::new();
    for (i, r) in rdr.deserialize::<PatchCoord>().enumerate() {
        out.push(r.map_err(|e| CohortError::Row { path: path.into(), row: i + 2, msg: e.to_string() })?);
    }
    Ok(out)
}
