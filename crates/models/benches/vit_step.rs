//! Benchmark: one ViT-Tiny/16 training step (forward, cross-entropy, backward, AdamW) at
//! 224x224 with batch 4, and one inference forward, on Burn's Flex CPU backend.
//! The same work in PyTorch: bench/vit_step_torch.py. Results: docs/benchmarks.md.
//!
//! Run: `cargo bench -p models --bench vit_step -- [--steps N] [--image 224] [--batch 4] [--device cpu]`
//! Prints one JSON line with the per-step times (seconds) and their medians.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use models::{VitConfig, parse_device};

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { 0.5 * (v[n / 2 - 1] + v[n / 2]) }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = arg(&args, "--steps", "10").parse().unwrap_or(10);
    let image: usize = arg(&args, "--image", "224").parse().unwrap_or(224);
    let batch: usize = arg(&args, "--batch", "4").parse().unwrap_or(4);
    let device_name = arg(&args, "--device", "cpu");
    let base = match parse_device(&device_name) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let device = base.clone().autodiff();
    device.seed(0);
    let cfg = VitConfig::tiny(image, 3);
    let mut model = match cfg.init(&device, 0) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let mut optim = AdamWConfig::new().with_weight_decay(0.01).with_epsilon(1e-8).init();
    let ce = CrossEntropyLossConfig::new().init(&device);
    let x = Tensor::<4>::random([batch, 3, image, image], Distribution::Normal(0.0, 1.0), &device);
    let labels: Vec<i64> = (0..batch as i64).map(|i| i % 3).collect();
    let y = Tensor::<1, Int>::from_ints(labels.as_slice(), &device);

    let mut train = Vec::new();
    let mut losses = Vec::new();
    for i in 0..=steps {
        let t = Instant::now();
        let loss = ce.forward(model.forward(x.clone()), y.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-4, model, grads);
        let l: f32 = loss.into_scalar();
        let dt = t.elapsed().as_secs_f64();
        if i > 0 {
            train.push(dt); // step 0 is warm-up
            losses.push(l);
        }
    }

    let eval = model.valid();
    let xe = x.clone().to_device(&base);
    let xe = Tensor::<4>::from_data(xe.into_data(), &base);
    let mut infer = Vec::new();
    for i in 0..=steps {
        let t = Instant::now();
        let logits = eval.forward(xe.clone());
        let _v: Vec<f32> = logits.try_into_vec_as::<f32>().unwrap_or_default();
        if i > 0 {
            infer.push(t.elapsed().as_secs_f64());
        }
    }
    let (mt, mi) = (median(&mut train.clone()), median(&mut infer.clone()));
    println!(
        "{{\"framework\":\"burn-flex\",\"device\":\"{device_name}\",\"image\":{image},\"batch\":{batch},\"params\":{},\"steps\":{steps},\"train_step_median_s\":{mt:.4},\"infer_median_s\":{mi:.4},\"train_steps_s\":{train:?},\"infer_s\":{infer:?},\"last_loss\":{:.4}}}",
        model.num_params(),
        losses.last().copied().unwrap_or(f32::NAN)
    );
}
