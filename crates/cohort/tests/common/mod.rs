//! Shared helpers: a tiny synthetic cohort that generates in well under a second.

use std::path::Path;

use cohort::synth::{SynthParams, generate};

pub fn tiny(seed: u64) -> SynthParams {
    SynthParams {
        patients: 4,
        seed,
        roi_size: 64,
        rois_min: 1,
        rois_max: 2,
        slide_size: 256,
        slides_max: 2,
        genes: 30,
        mri_size: [20, 18, 16],
        p_missing: 0.2,
        p_missing_modality: 0.0,
        ..SynthParams::default()
    }
}

pub fn make(dir: &Path, p: &SynthParams) {
    generate(dir, p, &|| {}).expect("generate");
}
