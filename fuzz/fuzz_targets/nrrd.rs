#![no_main]
//! Any bytes given to the NRRD reader give an image or an error, never a panic; the
//! stored-voxel helpers the extractor uses (labels, hashes, statistics, box decoding) run on
//! whatever parses.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A path in a missing directory: detached data files named by a header do not exist.
    let path = std::path::Path::new("/nonexistent-fuzz-dir/x.nrrd");
    if let Ok(raw) = radiomics::io::parse_image_bytes(path, data) {
        let (sel, _) = raw.label_selection(1);
        let _ = raw.sha1_as_u32();
        let _ = raw.stored_sha1();
        let _ = raw.stats();
        if let Some((bbox, _)) = radiomics::roi::bounding_box(raw.header.size, &sel) {
            let _ = raw.decode_box(bbox.start, bbox.size);
        }
        let _ = raw.decode();
    }
});
