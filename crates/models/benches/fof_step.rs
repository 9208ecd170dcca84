//! Benchmark: one FoF training step against one baseline ViT training step at the same size
//! (issue 7's target: FoF <= 3.5x the baseline), on the same model widths, in the same process,
//! alternating the two so that both see the same machine load.
//!
//! * baseline: [`ImageClassification`] (CE on the global view), backward, AdamW;
//! * FoF: [`FofObjective`] with FRL and MCA (Grad-CAM pass on the second-to-last block without
//!   weight gradients, token mask, three views as one batch of 3B, Eq. 3 + 0.2 Eq. 4 + 0.2 sum of
//!   six Eq. 5 terms), one backward, AdamW.
//!
//! * baseline on 3B images: the cost of the three views without the CAM pass and the heads.
//!
//! Run: `cargo bench -p models --bench fof_step -- [--steps N] [--image 224] [--batch 4] [--depth 12] [--views auto|joint|separate] [--micro-batches 2]`
//! `--micro-batches` as the engine's `[schedule] micro_batches` (default 2: both steps split the
//! batch into parallel parts, `models::train::parallel` and `FofObjective::parallel_grads`);
//! 1 = one pass each.
//! Prints one JSON line: per-step times (s), their medians, and the ratio FoF / baseline (median
//! of the per-pair ratios and ratio of the medians). Results: docs/benchmarks.md.

use std::time::Instant;

use burn::optim::{AdamWConfig, GradientsParams};
use models::fof::{FofConfig, FofItem, FofObjective, ViewBatching, init_fof};
use models::train::parallel::{data_parallel_grads, split_items};
use models::train::{AugmentationConfig, ImageClassification, ImageItem, Normalize, Objective};
use models::{VitConfig, parse_device};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| default.to_string())
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn fail(e: impl std::fmt::Display) -> ! {
    eprintln!("error: {e}");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = arg(&args, "--steps", "10").parse().unwrap_or(10);
    let image: usize = arg(&args, "--image", "224").parse().unwrap_or(224);
    let batch: usize = arg(&args, "--batch", "4").parse().unwrap_or(4);
    let depth: usize = arg(&args, "--depth", "12").parse().unwrap_or(12);
    let device_name = arg(&args, "--device", "cpu");
    let micro_batches: usize = arg(&args, "--micro-batches", "2").parse().unwrap_or(2);
    let base = parse_device(&device_name).unwrap_or_else(|e| fail(e));
    let device = base.autodiff();
    device.seed(0);

    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let items: Vec<FofItem> = (0..batch)
        .map(|i| FofItem {
            image: ImageItem {
                pixels: (0..3 * image * image)
                    .map(|_| rng.random_range(0.0..1.0))
                    .collect(),
                channels: 3,
                height: image,
                width: image,
                label: i % 3,
                group: format!("p{i}"),
            },
            biomarkers: vec![
                Some((i % 2) as i64),
                Some(0),
                Some(i as i64 % 3 - 1),
                Some(1),
                None,
                Some(0),
            ],
        })
        .collect();
    let images: Vec<ImageItem> = items.iter().map(|i| i.image.clone()).collect();

    let vit = VitConfig {
        depth,
        ..VitConfig::tiny(image, 3)
    };
    let mut baseline = vit.init(&device, 0).unwrap_or_else(|e| fail(e));
    let fof_vit = VitConfig {
        num_classes: 4,
        ..vit.clone()
    };
    let mut fof = init_fof(&fof_vit, 64, 6, &device, 0).unwrap_or_else(|e| fail(e));
    let base_obj = ImageClassification {
        augmentation: AugmentationConfig::none(),
        normalize: Normalize::Imagenet,
    };
    let fof_obj = FofObjective {
        augmentation: AugmentationConfig::none(),
        normalize: Normalize::Imagenet,
        fof: FofConfig::default(),
        num_grades: 3,
        view_batching: match arg(&args, "--views", "auto").as_str() {
            "joint" => ViewBatching::Joint,
            "separate" => ViewBatching::Separate,
            _ => ViewBatching::Auto,
        },
    };
    let mut opt_b = AdamWConfig::new().with_weight_decay(0.01).init();
    let mut opt_f = AdamWConfig::new().with_weight_decay(0.01).init();
    let mut step_rng = ChaCha8Rng::seed_from_u64(2);

    // the baseline step on 3B images: what the three views alone cost
    let images3: Vec<ImageItem> = (0..3).flat_map(|_| images.clone()).collect();
    let mut baseline3 = vit.init(&device, 0).unwrap_or_else(|e| fail(e));
    let mut opt_b3 = AdamWConfig::new().with_weight_decay(0.01).init();
    let mut t3 = Vec::new();

    let (mut tb, mut tf, mut ratio, mut tcam) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut mask_fraction = Vec::new();
    for i in 0..=steps {
        // both steps as the engine runs them: `micro_batches` parallel parts (default 2)
        let t = Instant::now();
        let g = if micro_batches > 1 {
            data_parallel_grads(
                &baseline,
                split_items(images.clone(), micro_batches),
                &device,
                |m, part| base_obj.prepared_loss(m, part, &device),
            )
            .unwrap_or_else(|e| fail(e))
            .1
        } else {
            let loss = base_obj
                .batch_loss(&baseline, images.clone(), &mut step_rng, &device)
                .unwrap_or_else(|e| fail(e));
            let _l: f32 = loss.clone().into_scalar();
            GradientsParams::from_grads(loss.backward(), &baseline)
        };
        baseline = opt_b.step(1e-4, baseline, g);
        let db = t.elapsed().as_secs_f64();

        let t = Instant::now();
        let (g, frac) = if micro_batches > 1 {
            let (_l, g) = fof_obj
                .parallel_grads(&fof, items.clone(), micro_batches, &device)
                .unwrap_or_else(|e| fail(e));
            (g, f64::NAN)
        } else {
            let l = fof_obj
                .losses(&fof, &items, &device)
                .unwrap_or_else(|e| fail(e));
            let _l: f32 = l.total.clone().into_scalar();
            let frac = l.mask_fraction.unwrap_or(f64::NAN);
            (GradientsParams::from_grads(l.total.backward(), &fof), frac)
        };
        fof = opt_f.step(1e-4, fof, g);
        let df = t.elapsed().as_secs_f64();

        // the CAM pass alone (part of the FoF step)
        let t = Instant::now();
        let x = base_obj
            .batch(&images, &device)
            .unwrap_or_else(|e| fail(e))
            .0;
        let classes: Vec<usize> = (0..batch).map(|i| i % 3).collect();
        let cam = models::grad_cam(&fof.vit, x, &classes, depth.saturating_sub(2))
            .unwrap_or_else(|e| fail(e));
        let _ = cam.try_into_vec_as::<f32>();
        let dc = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let loss = base_obj
            .batch_loss(&baseline3, images3.clone(), &mut step_rng, &device)
            .unwrap_or_else(|e| fail(e));
        let _l: f32 = loss.clone().into_scalar();
        let g = GradientsParams::from_grads(loss.backward(), &baseline3);
        baseline3 = opt_b3.step(1e-4, baseline3, g);
        let d3 = t.elapsed().as_secs_f64();
        if i > 0 {
            t3.push(d3);
            tb.push(db);
            tf.push(df);
            tcam.push(dc);
            ratio.push(df / db);
            mask_fraction.push(frac);
        }
    }
    let (mb, mf) = (median(&tb), median(&tf));
    println!(
        "{{\"framework\":\"burn-flex\",\"device\":\"{device_name}\",\"image\":{image},\"batch\":{batch},\"depth\":{depth},\"steps\":{steps},\"views\":\"{}\",\"micro_batches\":{micro_batches},\"baseline_step_median_s\":{mb:.4},\"fof_step_median_s\":{mf:.4},\"cam_pass_median_s\":{:.4},\"baseline_3b_step_median_s\":{:.4},\"ratio_median_of_pairs\":{:.3},\"ratio_of_medians\":{:.3},\"baseline_steps_s\":{tb:?},\"fof_steps_s\":{tf:?},\"mask_fraction\":{:.3}}}",
        arg(&args, "--views", "auto"),
        median(&tcam),
        median(&t3),
        median(&ratio),
        mf / mb,
        median(&mask_fraction)
    );
}
