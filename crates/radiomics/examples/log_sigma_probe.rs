//! Times the LoG of each σ (1..5 mm) at brain1's ROI box (47 x 70 x 7 at (162, 84, 11)), the
//! work the extractor does per LoG unit, with one shared `LogInput`: min and median of 21 runs
//! per σ, single thread. Used for A/B runs of `filters/log.rs` changes:
//!
//!     cargo run --release -p radiomics --example log_sigma_probe
use std::time::Instant;
use radiomics::filters::Region;
use radiomics::filters::log::{LogInput, laplacian_recursive_gaussian_in_region_with};
fn main() {
    let image = radiomics::io::read_image(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pyradiomics/brain1_image.nrrd")).unwrap();
    let region = Region { start: [162, 84, 11], size: [47, 70, 7] };
    let input = LogInput::new(&image);
    let mut tot = 0.0;
    for sigma in [1.0, 2.0, 3.0, 4.0, 5.0] {
        let mut t = vec![];
        for _ in 0..21 {
            let s = Instant::now();
            std::hint::black_box(laplacian_recursive_gaussian_in_region_with(&image, &input, sigma, &region).unwrap());
            t.push(s.elapsed().as_secs_f64() * 1e3);
        }
        t.sort_by(f64::total_cmp);
        tot += t[0];
        print!("σ{sigma}: {:.2}/{:.2}  ", t[0], t[10]);
    }
    println!(" sum of mins {tot:.2} ms");
}
