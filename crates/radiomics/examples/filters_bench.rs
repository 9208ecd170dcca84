//! Times each filter of `radiomics::filters` on the full brain1 image (256 x 256 x 25, int16),
//! as pyradiomics' all-filters configuration runs them: wavelet coif1 level 1 (8 bands), LoG
//! sigma 1..5 mm (5 images), gradient, square, squareroot, logarithm, exponential. Single thread;
//! prints the median of `--reps` runs per filter in ms. Used by bench/filters.sh, which times
//! pyradiomics 3.1.0's filter functions (PyWavelets, SimpleITK, numpy) in the same run.
//!
//! With `--box`, each filter computes only brain1's ROI bounding box (47 x 70 x 7 at (162, 84,
//! 11)), which is all the feature classes use (`image_types::derived_images_in_region`).
//!
//! `--only TEXT` runs only the filters whose name contains TEXT (e.g. `--only LoG`, for
//! `perf stat` CPU-time comparisons on a loaded machine).
//!
//!     cargo run --release -p radiomics --example filters_bench -- [--reps 11] [--box] [--image PATH] [--only TEXT]

use std::time::Instant;

use radiomics::filters::Region;
use radiomics::image_types::{ImageTypeSpec, derived_images_in_region};
use radiomics::filters::point::PointFilter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str, d: &str| {
        args.iter().position(|a| a == k).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| d.to_string())
    };
    let reps: usize = arg("--reps", "11").parse()?;
    let path = arg("--image", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pyradiomics/brain1_image.nrrd"));
    let image = radiomics::io::read_image(&path)?;
    let region = if args.iter().any(|a| a == "--box") {
        Region { start: [162, 84, 11], size: [47, 70, 7] }
    } else {
        Region::whole(&image)
    };
    let mode = if region == Region::whole(&image) { "rust" } else { "rust-box" };
    let sig = |v: f64| (v, format!("{v:?}"));
    let jobs: Vec<(&str, ImageTypeSpec)> = vec![
        ("wavelet coif1 (8 bands)", ImageTypeSpec::Wavelet(Default::default())),
        ("LoG sigma 1..5 (5 images)", ImageTypeSpec::LoG(vec![sig(1.0), sig(2.0), sig(3.0), sig(4.0), sig(5.0)])),
        ("gradient", ImageTypeSpec::Gradient { use_spacing: true }),
        ("square", ImageTypeSpec::Point(PointFilter::Square)),
        ("squareroot", ImageTypeSpec::Point(PointFilter::SquareRoot)),
        ("logarithm", ImageTypeSpec::Point(PointFilter::Logarithm)),
        ("exponential", ImageTypeSpec::Point(PointFilter::Exponential)),
    ];
    let only = arg("--only", "");
    let mut total = 0.0;
    for (name, job) in jobs.iter().filter(|(n, _)| n.contains(only.as_str())) {
        let mut t = Vec::with_capacity(reps);
        for _ in 0..reps {
            let s = Instant::now();
            std::hint::black_box(derived_images_in_region(&image, job, &region)?.len());
            t.push(s.elapsed().as_secs_f64() * 1e3);
        }
        t.sort_by(f64::total_cmp);
        let med = t[t.len() / 2];
        total += med;
        println!("{mode}\t{name}\t{med:.2}");
    }
    println!("{mode}\tall filters\t{total:.2}");
    Ok(())
}
