//! `gliofuse synth --out DIR --patients N --seed S`: write the synthetic cohort
//! (see docs/synthetic-cohort.md for the generative model and every parameter).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args as ClapArgs;
use cohort::synth::{SlideFormat, SynthParams, generate};

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Output directory (created; existing files of the same names are replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of patients.
    #[arg(long, default_value_t = 120)]
    pub patients: usize,
    /// Master seed: the same seed gives byte-identical files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Side of the square pathology ROIs in pixels (64..=1024).
    #[arg(long, default_value_t = 256)]
    pub roi_size: usize,
    /// Most ROIs per patient (each patient gets 1..=this many).
    #[arg(long, default_value_t = 4)]
    pub max_rois: usize,
    /// Side of the square whole-slide images in pixels; 0 writes no slides.
    #[arg(long, default_value_t = 2048)]
    pub slide_size: usize,
    /// Most slides per patient (each patient gets 1..=this many).
    #[arg(long, default_value_t = 2)]
    pub max_slides: usize,
    /// Slide file format: tiled pyramidal TIFF (OpenSlide generic-tiff) or single-level PNG.
    #[arg(long, value_enum, default_value_t = SlideFormatArg::Tiff)]
    pub slide_format: SlideFormatArg,
    /// Genes in rna.csv; 0 writes no RNA.
    #[arg(long, default_value_t = 2000)]
    pub genes: usize,
    /// MRI volume size X,Y,Z in voxels; 0,0,0 writes no MRI.
    #[arg(long, value_delimiter = ',', default_values_t = [96usize, 96, 48])]
    pub mri_size: Vec<usize>,
    /// Strength of the IDH dependence of the MRI (0 = none, 1 = calibrated default, up to 3).
    #[arg(long, default_value_t = 1.0)]
    pub mri_idh_effect: f64,
    /// Probability that a biomarker or the survival pair is missing in patients.csv.
    #[arg(long, default_value_t = 0.03)]
    pub p_missing: f64,
    /// Probability that a patient lacks RNA, MRI or slides (each independently).
    #[arg(long, default_value_t = 0.03)]
    pub p_missing_modality: f64,
    /// Worker threads (default: all cores). The output does not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SlideFormatArg {
    Tiff,
    Png,
}

pub fn run(a: Args) -> Result<()> {
    let &[mx, my, mz] = a.mri_size.as_slice() else {
        anyhow::bail!(
            "--mri-size needs three numbers X,Y,Z (e.g. 96,96,48), got {:?}",
            a.mri_size
        );
    };
    let mri_size = [mx, my, mz];
    let params = SynthParams {
        patients: a.patients,
        seed: a.seed,
        roi_size: a.roi_size,
        rois_min: 1,
        rois_max: a.max_rois,
        slide_size: a.slide_size,
        slides_max: a.max_slides,
        slide_format: match a.slide_format {
            SlideFormatArg::Tiff => SlideFormat::Tiff,
            SlideFormatArg::Png => SlideFormat::Png,
        },
        genes: a.genes,
        mri_size,
        mri_idh_effect: a.mri_idh_effect,
        p_missing: a.p_missing,
        p_missing_modality: a.p_missing_modality,
        ..SynthParams::default()
    };
    params.validate()?;
    let pool = {
        let mut b = rayon::ThreadPoolBuilder::new();
        if let Some(t) = a.threads {
            b = b.num_threads(t.max(1));
        }
        b.build().context("starting worker threads")?
    };
    let bar = indicatif::ProgressBar::new(a.patients as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "synth {bar:40} {pos}/{len} patients [{elapsed_precise} < {eta_precise}]",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let t0 = Instant::now();
    let summary = pool
        .install(|| generate(&a.out, &params, &|| bar.inc(1)))
        .with_context(|| format!("writing the synthetic cohort to {}", a.out.display()))?;
    bar.finish_and_clear();
    eprintln!(
        "wrote {}: {} patients, {} ROIs, {} slides, RNA for {}, MRI for {}, {} censored, in {:.1} s",
        a.out.display(),
        summary.patients,
        summary.rois,
        summary.slides,
        summary.rna_patients,
        summary.mri_patients,
        summary.censored,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
