//! Times each filter of `radiomics::filters` on the full brain1 image (256 x 256 x 25, int16),
//! as pyradiomics' all-filters configuration runs them: wavelet coif1 level 1 (8 bands), LoG
//! sigma 1..5 mm (5 images), gradient, square, squareroot, logarithm, exponential. Single thread;
//! prints the median of `--reps` runs per filter in ms. Used by bench/filters.sh, which times
//! pyradiomics 3.1.0's filter functions (PyWavelets, SimpleITK, numpy) in the same run.
//!
//!     cargo run --release -p radiomics --example filters_bench -- [--reps 11] [--image PATH]

use std::time::Instant;

use radiomics::filters::{gradient, log, point, wavelet};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |k: &str, d: &str| {
        args.iter().position(|a| a == k).and_then(|i| args.get(i + 1).cloned()).unwrap_or_else(|| d.to_string())
    };
    let reps: usize = arg("--reps", "11").parse()?;
    let path = arg("--image", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/pyradiomics/brain1_image.nrrd"));
    let image = radiomics::io::read_image(&path)?;
    type Job<'a> = Box<dyn Fn() -> Result<usize, radiomics::RadiomicsError> + 'a>;
    let jobs: Vec<(&str, Job)> = vec![
        ("wavelet coif1 (8 bands)", Box::new(|| Ok(wavelet::wavelet_images(&image, &Default::default())?.len()))),
        ("LoG sigma 1..5 (5 images)", Box::new(|| Ok(log::log_images(&image, &[1.0, 2.0, 3.0, 4.0, 5.0])?.len()))),
        ("gradient", Box::new(|| Ok(gradient::gradient_images(&image, true)?.len()))),
        ("square", Box::new(|| Ok(point::point_images(&image, point::PointFilter::Square)?.len()))),
        ("squareroot", Box::new(|| Ok(point::point_images(&image, point::PointFilter::SquareRoot)?.len()))),
        ("logarithm", Box::new(|| Ok(point::point_images(&image, point::PointFilter::Logarithm)?.len()))),
        ("exponential", Box::new(|| Ok(point::point_images(&image, point::PointFilter::Exponential)?.len()))),
    ];
    let mut total = 0.0;
    for (name, job) in &jobs {
        let mut t = Vec::with_capacity(reps);
        for _ in 0..reps {
            let s = Instant::now();
            std::hint::black_box(job()?);
            t.push(s.elapsed().as_secs_f64() * 1e3);
        }
        t.sort_by(f64::total_cmp);
        let med = t[t.len() / 2];
        total += med;
        println!("rust\t{name}\t{med:.2}");
    }
    println!("rust\tall filters\t{total:.2}");
    Ok(())
}
