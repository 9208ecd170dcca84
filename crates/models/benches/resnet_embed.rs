//! Benchmark: ResNet-50 patch-embedding throughput (patches/s) at 224x224 on Burn's Flex CPU
//! backend: the forward that `gliofuse slides embed` runs per batch (eval-mode BatchNorm,
//! global-average-pooled 2048-d features). The same work in PyTorch: bench/embed_torch.py.
//! Results: docs/benchmarks.md.
//!
//! Run: `cargo bench -p models --bench resnet_embed -- [--batch 16] [--iters 5] [--image 224]
//!       [--weights resnet50.safetensors] [--dump features.bin]`
//!
//! Both sides build the same input: pixel values `((31 i + 17) mod 256) / 255` for flat index i
//! of a `[batch, 3, image, image]` uint8 image, ImageNet-normalised. With `--weights`, both load
//! the same torchvision state_dict, and `--dump` writes the features of the first batch
//! (little-endian f32) so the two outputs can be compared. Prints one JSON line: per-iteration
//! seconds (iteration 0 is a warm-up and not counted), the median, and patches/s at the median.

use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use models::parse_device;
use models::resnet::{IMAGENET_MEAN, IMAGENET_STD, ResNetConfig, load_torchvision_resnet};

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn fail(msg: String) -> ! {
    eprintln!("error: {msg}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let batch: usize = arg(&args, "--batch", "16").parse().unwrap_or(16);
    let iters: usize = arg(&args, "--iters", "5").parse().unwrap_or(5);
    let image: usize = arg(&args, "--image", "224").parse().unwrap_or(224);
    let device =
        parse_device(&arg(&args, "--device", "cpu")).unwrap_or_else(|e| fail(e.to_string()));
    let weights = arg(&args, "--weights", "");
    let model = if weights.is_empty() {
        device.seed(0);
        ResNetConfig::resnet50()
            .init(&device)
            .unwrap_or_else(|e| fail(e.to_string()))
    } else {
        load_torchvision_resnet(Path::new(&weights), &ResNetConfig::resnet50(), &device)
            .unwrap_or_else(|e| fail(e.to_string()))
            .0
    };
    let plane = image * image;
    let mut pixels = Vec::with_capacity(batch * 3 * plane);
    for i in 0..batch * 3 * plane {
        let c = (i / plane) % 3;
        let v = ((31 * i + 17) % 256) as f32 / 255.0;
        pixels.push((v - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);
    }
    let mut times = Vec::new();
    for it in 0..=iters {
        let t0 = Instant::now();
        let x =
            Tensor::<1>::from_floats(pixels.as_slice(), &device).reshape([batch, 3, image, image]);
        let f = model
            .forward(x)
            .try_into_vec_as::<f32>()
            .unwrap_or_else(|e| fail(format!("{e:?}")));
        let dt = t0.elapsed().as_secs_f64();
        if it == 0 {
            let dump = arg(&args, "--dump", "");
            if !dump.is_empty() {
                let bytes: Vec<u8> = f.iter().flat_map(|v| v.to_le_bytes()).collect();
                std::fs::write(&dump, bytes).unwrap_or_else(|e| fail(format!("{dump}: {e}")));
            }
        } else {
            times.push(dt);
        }
    }
    let mut sorted = times.clone();
    let med = median(&mut sorted);
    println!(
        "{{\"impl\": \"burn-flex\", \"batch\": {batch}, \"image\": {image}, \"threads\": {}, \"iters\": {iters}, \"seconds\": {:?}, \"median_s\": {med:.4}, \"patches_per_s\": {:.2}}}",
        rayon::current_num_threads(),
        times
            .iter()
            .map(|t| (t * 1e4).round() / 1e4)
            .collect::<Vec<_>>(),
        batch as f64 / med
    );
}
