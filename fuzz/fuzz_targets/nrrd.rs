#![no_main]
//! Any bytes given to the NRRD reader give an image or an error, never a panic.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A path in an empty directory: detached data files named by the header do not exist.
    let _ = radiomics::io::read_nrrd_bytes(std::path::Path::new("/nonexistent-fuzz-dir/x.nrrd"), data);
});
