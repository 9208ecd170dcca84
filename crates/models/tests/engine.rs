//! Training engine: exact resume, run directory contents, config errors, learning progress.

use std::collections::BTreeMap;

use burn::prelude::*;
use models::params::flat_parameters;
use models::train::{
    AugmentationConfig, ExperimentConfig, ImageClassification, ImageItem, Normalize,
    OptimizerConfig, RunDir, ScheduleConfig, TrainOptions, VecDataset, VitModelConfig, train,
};
use models::{Vit, VitConfig};

fn tiny() -> VitConfig {
    VitConfig {
        image_size: 16,
        patch_size: 8,
        channels: 3,
        dim: 16,
        depth: 2,
        heads: 2,
        mlp_ratio: 2.0,
        layer_norm_eps: 1e-6,
        num_classes: 3,
    }
}

/// Class c has mean intensity 0.2 + 0.3 c in one random quadrant-free layout: a seeded noise
/// texture of amplitude 0.2 on top of the class level.
fn dataset(n: usize, salt: u64) -> VecDataset<ImageItem> {
    let mut items = Vec::new();
    let mut state = 12345u64 ^ salt;
    let mut noise = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32 / (1u64 << 31) as f32) * 0.2
    };
    for i in 0..n {
        let label = i % 3;
        let level = 0.1 + 0.3 * label as f32;
        let pixels = (0..3 * 16 * 16).map(|_| level + noise()).collect();
        items.push(ImageItem {
            pixels,
            channels: 3,
            height: 16,
            width: 16,
            label,
            group: format!("p{}", i / 2),
        });
    }
    VecDataset::new(items)
}

fn options(epochs: usize, stop: Option<usize>) -> TrainOptions {
    TrainOptions {
        seed: 7,
        device: Device::flex(),
        optimizer: OptimizerConfig {
            lr: 1e-2,
            ..OptimizerConfig::default()
        },
        schedule: ScheduleConfig {
            epochs,
            batch_size: 5,
            warmup_epochs: 1,
            min_lr: 0.0,
            keep_checkpoints: 2,
            micro_batches: 2, // the default: the resume test covers the data-parallel step
        },
        progress: false,
        stop_after_epochs: stop,
    }
}

fn objective() -> ImageClassification {
    // flips, rotations and a mild brightness jitter keep the intensity classes apart
    let augmentation = AugmentationConfig {
        brightness: 0.1,
        crop: 0.8,
        contrast: 0.0,
        saturation: 0.0,
        ..AugmentationConfig::default()
    };
    ImageClassification {
        augmentation,
        normalize: Normalize::None,
    }
}

fn init(device: &Device, seed: u64) -> Result<Vit, models::train::TrainError> {
    Ok(tiny().init(device, seed)?)
}

#[test]
fn resumed_run_ends_with_bit_identical_weights() {
    let data = dataset(22, 1);
    let valid = dataset(9, 2);
    let tmp = tempfile::tempdir().expect("tempdir");
    let (a_dir, b_dir) = (
        RunDir::new(tmp.path().join("a")),
        RunDir::new(tmp.path().join("b")),
    );

    let full = train(
        &options(4, None),
        &objective(),
        init,
        &data,
        Some(&valid),
        &a_dir,
        "cfg",
        false,
    )
    .expect("run a");
    assert!(full.finished);
    assert_eq!(full.metrics.len(), 4);

    let part = train(
        &options(4, Some(2)),
        &objective(),
        init,
        &data,
        Some(&valid),
        &b_dir,
        "cfg",
        false,
    )
    .expect("run b1");
    assert!(!part.finished);
    assert_eq!(part.metrics.len(), 2);
    assert!(!b_dir.final_model().exists());
    // resuming in a fresh run without --resume is refused
    let e = train(
        &options(4, None),
        &objective(),
        init,
        &data,
        None,
        &b_dir,
        "cfg",
        false,
    )
    .expect_err("exists")
    .to_string();
    assert!(e.contains("--resume"), "{e}");
    // a different configuration is refused
    let e = train(
        &options(4, None),
        &objective(),
        init,
        &data,
        None,
        &b_dir,
        "other",
        true,
    )
    .expect_err("differs")
    .to_string();
    assert!(e.contains("differs"), "{e}");
    let resumed = train(
        &options(4, None),
        &objective(),
        init,
        &data,
        Some(&valid),
        &b_dir,
        "cfg",
        true,
    )
    .expect("run b2");
    assert!(resumed.finished);

    let (wa, wb) = (
        flat_parameters(&full.model),
        flat_parameters(&resumed.model),
    );
    assert_eq!(
        wa.len(),
        tiny()
            .init(&Device::flex(), 0)
            .map(|m| flat_parameters(&m).len())
            .unwrap_or(0)
    );
    assert!(
        wa.iter().zip(&wb).all(|(x, y)| x.to_bits() == y.to_bits()),
        "weights differ after resume"
    );
    // identical loss history (timings aside)
    let losses = |m: &[models::train::EpochMetrics]| {
        m.iter()
            .map(|e| {
                (
                    e.step,
                    e.lr.to_bits(),
                    e.train_loss.to_bits(),
                    e.valid.get("valid_loss").map(|v| v.to_bits()),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(losses(&full.metrics), losses(&resumed.metrics));

    // the final model file reloads to the same weights
    let reloaded = tiny()
        .init(&Device::flex(), 0)
        .expect("init")
        .load_file(b_dir.final_model());
    assert!(
        flat_parameters(&reloaded)
            .iter()
            .zip(&wa)
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );

    // a different seed gives different weights (the comparison above has teeth)
    let c_dir = RunDir::new(tmp.path().join("c"));
    let other = train(
        &TrainOptions {
            seed: 8,
            ..options(4, None)
        },
        &objective(),
        init,
        &data,
        None,
        &c_dir,
        "cfg",
        false,
    )
    .expect("run c");
    assert!(
        flat_parameters(&other.model)
            .iter()
            .zip(&wa)
            .any(|(x, y)| x != y)
    );
}

#[test]
fn run_directory_holds_config_metrics_checkpoints_and_model() {
    let data = dataset(30, 1);
    let valid = dataset(12, 2);
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = RunDir::new(tmp.path().join("run"));
    let out = train(
        &options(5, None),
        &objective(),
        init,
        &data,
        Some(&valid),
        &run,
        "seed = 7\n",
        false,
    )
    .expect("train");
    assert_eq!(
        std::fs::read_to_string(run.config_path()).expect("config"),
        "seed = 7\n"
    );
    assert!(run.final_model().exists());
    // checkpoints: every epoch written, the last two kept
    let kept: Vec<usize> = run
        .list_checkpoints()
        .expect("list")
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(kept, vec![4, 5]);
    for f in ["model.bpk", "optimizer.bpk", "state.json"] {
        assert!(run.checkpoint(5).join(f).exists(), "{f}");
    }
    // metrics: CSV header + 5 rows, JSON array of 5
    let csv = std::fs::read_to_string(run.root.join("metrics.csv")).expect("csv");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("epoch,step,lr,train_loss,samples_per_sec,seconds,valid_accuracy,valid_loss")
    );
    assert_eq!(lines.count(), 5);
    let json: Vec<BTreeMap<String, serde_json::Value>> = serde_json::from_str(
        &std::fs::read_to_string(run.root.join("metrics.json")).expect("json"),
    )
    .expect("parse");
    assert_eq!(json.len(), 5);
    assert_eq!(json[4]["step"], 5 * 6); // 30 items / batch 5
    // the schedule: warmup epoch 1 (steps 0..5), cosine to 0 over steps 6..30
    let lr_last_epoch1 = 1e-2 * 5.0 / 6.0;
    assert!(
        (out.metrics[0].lr - lr_last_epoch1).abs() < 1e-12,
        "{}",
        out.metrics[0].lr
    );
    let last = 1e-2 * 0.5 * (1.0 + (std::f64::consts::PI * 23.0 / 24.0).cos());
    assert!((out.metrics[4].lr - last).abs() < 1e-12);
    // it learns: loss falls and the easy task is mostly solved
    assert!(
        out.metrics[4].train_loss < out.metrics[0].train_loss * 0.8,
        "{:?}",
        out.metrics
    );
    assert!(
        out.metrics[4].valid["valid_accuracy"] > 0.6,
        "{:?}",
        out.metrics[4]
    );
}

#[test]
fn config_errors_name_the_key() {
    let parse = |text: &str| {
        ExperimentConfig::<VitModelConfig>::from_toml_str(text, std::path::Path::new("exp.toml"))
    };
    let ok = "seed = 1\n[model]\nnum_classes = 3\n[schedule]\nepochs = 2\nbatch_size = 4\n";
    let cfg = parse(ok).expect("minimal config");
    assert_eq!(cfg.optimizer, OptimizerConfig::default());
    assert_eq!(cfg.optimizer.weight_decay, 0.01);
    assert_eq!(cfg.model.vit(), VitConfig::tiny(224, 3));
    assert_eq!(cfg.device, "cpu");
    // the resolved config round-trips
    let resolved = cfg.to_toml().expect("toml");
    assert_eq!(parse(&resolved).expect("reparse"), cfg);
    // the distortion keys stay out of the resolved config while at their defaults (runs
    // started before the option existed resume), and round-trip when set
    assert!(!resolved.contains("distort"), "{resolved}");
    let d = parse(&format!(
        "{ok}[augmentation]\ndistort = 0.5\ndistort_steps = 7\n"
    ))
    .expect("distort");
    assert_eq!(
        (
            d.augmentation.distort,
            d.augmentation.distort_steps,
            d.augmentation.distort_limit
        ),
        (0.5, 7, 0.3)
    );
    assert_eq!(parse(&d.to_toml().expect("toml")).expect("reparse"), d);

    let cases = [
        (
            "seed = 1\n[model]\nnum_classes = 3\n[schedule]\nbatch_size = 4\n",
            "epochs",
        ),
        (
            "seed = 1\n[model]\n[schedule]\nepochs = 2\nbatch_size = 4\n",
            "num_classes",
        ),
        (
            "[model]\nnum_classes = 3\n[schedule]\nepochs = 2\nbatch_size = 4\n",
            "seed",
        ),
        (&format!("{ok}[optimizer]\nlr = \"fast\"\n"), "lr"),
        (
            &format!("{ok}[optimizer]\nlearning_rate = 0.1\n"),
            "learning_rate",
        ),
        (&format!("{ok}[optimizer]\nlr = -1.0\n"), "optimizer.lr"),
        (
            &format!("{ok}[augmentation]\nhflip = 1.5\n"),
            "augmentation.hflip",
        ),
        (
            &format!("{ok}[augmentation]\ncrop = 0.0\n"),
            "augmentation.crop",
        ),
        (
            &format!("{ok}[augmentation]\ndistort_limit = 1.5\n"),
            "augmentation.distort_limit",
        ),
        (
            &format!("{ok}[augmentation]\ndistort = 2.0\n"),
            "augmentation.distort",
        ),
        (
            &ok.replace("seed = 1", "seed = 1\ndevice = \"tpu\""),
            "device",
        ),
    ];
    for (text, key) in cases {
        let e = parse(text).expect_err(key).to_string();
        assert!(e.starts_with("exp.toml"), "{e}");
        assert!(e.contains(key), "error for `{key}` does not name it: {e}");
        assert!(!e.contains('\n'), "error on several lines: {e}");
    }
}

#[test]
fn shipped_grade_configs_parse() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/grade");
    let tiny =
        ExperimentConfig::<VitModelConfig>::from_file(&root.join("tiny.toml")).expect("tiny.toml");
    assert_eq!(tiny.model.vit().num_tokens(), 16);
    let real = ExperimentConfig::<VitModelConfig>::from_file(&root.join("vit-tiny.toml"))
        .expect("vit-tiny.toml");
    assert_eq!(real.model.vit(), VitConfig::tiny(224, 3));
    assert_eq!((real.schedule.epochs, real.schedule.batch_size), (70, 4));
    assert_eq!(real.optimizer, OptimizerConfig::default());
}

#[test]
fn train_vit_runs_from_a_config_with_a_pretrained_checkpoint() {
    // ViT-Tiny widths, 2 blocks, 64 px, initialised from the HF fixture checkpoint
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/vit_hf_tiny.safetensors");
    let text = format!(
        "seed = 3\n[model]\nimage_size = 64\ndepth = 2\nnum_classes = 3\npretrained = {:?}\n[data]\nnormalize = \"none\"\n[schedule]\nepochs = 1\nbatch_size = 3\n",
        fixture.display().to_string()
    );
    let cfg =
        ExperimentConfig::<VitModelConfig>::from_toml_str(&text, std::path::Path::new("exp.toml"))
            .expect("config");
    let items: Vec<ImageItem> = (0..6)
        .map(|i| ImageItem {
            pixels: (0..3 * 64 * 64)
                .map(|j| ((i * 31 + j) % 17) as f32 / 17.0)
                .collect(),
            channels: 3,
            height: 64,
            width: 64,
            label: i % 3,
            group: format!("p{i}"),
        })
        .collect();
    let data = VecDataset::new(items);
    let tmp = tempfile::tempdir().expect("tempdir");
    let run = RunDir::new(tmp.path().join("run"));
    let out = models::train::train_vit(&cfg, &data, None, &run, false, false).expect("train");
    assert!(out.finished);
    assert_eq!(out.metrics.len(), 1);
    assert!(out.metrics[0].train_loss.is_finite());
    // the resolved config in the run directory parses back to the same experiment
    let resolved =
        ExperimentConfig::<VitModelConfig>::from_file(&run.config_path()).expect("resolved");
    assert_eq!(resolved, cfg);
    // a wrong image size is a clear error, not a panic
    let bad: Vec<ImageItem> = vec![ImageItem {
        pixels: vec![0.5; 3 * 32 * 32],
        channels: 3,
        height: 32,
        width: 32,
        label: 0,
        group: "q".into(),
    }];
    let run2 = RunDir::new(tmp.path().join("run2"));
    let e = models::train::train_vit(&cfg, &VecDataset::new(bad), None, &run2, false, false)
        .expect_err("size")
        .to_string();
    assert!(e.contains("image_size"), "{e}");
}
