//! `gliofuse radiomics IMAGE MASK --voxel --out DIR`: feature maps, as `pyradiomics IMAGE MASK
//! --mode voxel --out-dir DIR` writes them (AIM-Harvard/pyradiomics:radiomics/scripts/voxel.py):
//! one image per feature, `DIR/Case-1_<imagetype>_<class>_<Feature>.nrrd` (float64; the ROI's
//! bounding box padded by kernelRadius), each written atomically as soon as it is computed.
//!
//! Voxel settings come from the parameter file's `voxelSetting` (kernelRadius, maskedKernel,
//! initValue, voxelBatch), as in pyradiomics; the flags below override them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use indicatif::{ProgressBar, ProgressStyle};
use radiomics::settings::{ParamValue, Params};
use radiomics::voxel::{self, FeatureMap, Progress};
use radiomics::{Extractor, PixelType};

use super::radiomics::{Common, Format};

#[derive(ClapArgs, Debug, Clone, Default)]
pub struct VoxelArgs {
    /// Voxel-based extraction: write one feature map per feature to the --out folder.
    #[arg(long)]
    pub voxel: bool,
    /// Kernel radius in voxels (overrides voxelSetting kernelRadius; default 1).
    #[arg(long, requires = "voxel")]
    pub kernel_radius: Option<i64>,
    /// Restrict kernels to the ROI (true, pyradiomics' default) or use every voxel of the
    /// padded box (false). Overrides voxelSetting maskedKernel.
    #[arg(long, requires = "voxel")]
    pub masked_kernel: Option<bool>,
    /// Value of the map voxels outside the ROI (overrides voxelSetting initValue; default 0).
    #[arg(long, requires = "voxel", allow_hyphen_values = true)]
    pub init_value: Option<f64>,
}

/// The pyradiomics CLI's name for map `feature` of its single case.
pub fn map_file_name(feature: &str, format: Format) -> String {
    let ext = if format == Format::Nifti { "nii.gz" } else { "nrrd" };
    format!("Case-1_{feature}.{ext}")
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn image_started(&self, name: &str, voxels: usize) {
        self.0.set_length(voxels as u64);
        self.0.set_position(0);
        self.0.set_message(name.to_string());
    }
    fn voxels_done(&self, n: usize) {
        self.0.inc(n as u64);
    }
}

fn params(common: &Common, v: &VoxelArgs) -> Result<Params> {
    let mut p = match &common.param {
        Some(path) => Params::from_file(path)?,
        None => Params::default(),
    };
    let mut set = |key: &str, value: ParamValue| -> Result<()> {
        p.settings.apply(key, &value).map_err(|e| anyhow::anyhow!("{e} (command-line flag)"))
    };
    if let Some(l) = common.label {
        set("label", ParamValue::Int(l))?;
    }
    if let Some(r) = v.kernel_radius {
        if r < 1 {
            bail!("--kernel-radius must be at least 1 (got {r})");
        }
        set("kernelRadius", ParamValue::Int(r))?;
    }
    if let Some(m) = v.masked_kernel {
        set("maskedKernel", ParamValue::Bool(m))?;
    }
    if let Some(i) = v.init_value {
        if !i.is_finite() {
            bail!("--init-value must be a finite number (got {i})");
        }
        set("initValue", ParamValue::Float(i))?;
    }
    Ok(p)
}

pub fn run(image: &Path, mask: &Path, common: &Common, v: &VoxelArgs) -> Result<()> {
    let format = match common.format {
        None | Some(Format::Nrrd) => Format::Nrrd,
        Some(Format::Nifti) => Format::Nifti,
        Some(f) => bail!("--voxel writes feature maps: use --format nrrd (default) or nifti, not {f:?}"),
    };
    let Some(dir) = common.out.clone() else {
        bail!("--voxel needs --out DIR (the folder the feature maps are written to)");
    };
    if dir.exists() && !dir.is_dir() {
        bail!("{}: --out must be a folder with --voxel (it is a file)", dir.display());
    }
    let p = params(common, v)?;
    let ex = Extractor::new(p).map_err(|e| match &common.param {
        Some(path) => anyhow::anyhow!("{}: {e}", path.display()),
        None => anyhow::Error::new(e),
    })?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("voxel {msg} {bar:40} {pos}/{len} ROI voxels")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = Bar(bar);
    let mut written: Vec<PathBuf> = Vec::new();
    let res = voxel::execute_files(&ex, image, mask, &progress, &mut |m: FeatureMap| {
        let path = dir.join(map_file_name(&m.name, format));
        radiomics::io::write_image(&path, &m.image, PixelType::F64)?;
        written.push(path);
        Ok(())
    });
    progress.0.finish_and_clear();
    let summary = res.map_err(|e| match e {
        radiomics::RadiomicsError::Io { .. } | radiomics::RadiomicsError::Format { .. } => anyhow::Error::new(e),
        other => anyhow::Error::new(other).context(format!("{} + {}", image.display(), mask.display())),
    })?;
    for w in &summary.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "wrote {} feature maps ({} ROI voxels, maps {}x{}x{}) to {}",
        written.len(),
        summary.roi_voxels,
        summary.size[0],
        summary.size[1],
        summary.size[2],
        dir.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_pyradiomics_voxel_script() {
        assert_eq!(map_file_name("original_glcm_Contrast", Format::Nrrd), "Case-1_original_glcm_Contrast.nrrd");
        assert_eq!(map_file_name("log-sigma-1-0-mm-3D_firstorder_Mean", Format::Nifti), "Case-1_log-sigma-1-0-mm-3D_firstorder_Mean.nii.gz");
    }
}
