#![no_main]
//! Any bytes given to the NIfTI reader (plain or gzipped) give an image or an error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = radiomics::io::read_nifti_bytes(std::path::Path::new("x.nii"), data);
});
