//! The survival objective in the shared engine: the loss falls, model selection writes the best
//! epoch, and an interrupted + resumed run (dropout and patch sampling included) ends with the
//! same weights and the same selection as an uninterrupted one.

use std::sync::Arc;

use burn::prelude::*;
use models::params::flat_parameters;
use models::survival::train::{SlideItem, SurvivalObjective, read_selection};
use models::survival::{ModelKind, SurvivalDims, SurvivalModelConfig, Ties};
use models::train::{OptimizerConfig, RunDir, ScheduleConfig, TrainOptions, VecDataset, train};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const DIM: usize = 6;
const GENES: usize = 5;

/// Slides whose first feature and first gene carry the log-risk; exponential times.
fn items(n: usize, seed: u64) -> Vec<SlideItem> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let eta: f64 = StandardNormal.sample(&mut r);
            let k = r.random_range(3..12);
            let mut f = Vec::with_capacity(k * DIM);
            for _ in 0..k {
                for j in 0..DIM {
                    let e: f64 = StandardNormal.sample(&mut r);
                    f.push((e + if j == 0 { eta } else { 0.0 }) as f32);
                }
            }
            let rna: Vec<f32> = (0..GENES)
                .map(|g| r.random_range(-1.0f32..1.0) + if g == 0 { eta as f32 } else { 0.0 })
                .collect();
            let t = -r.random::<f64>().ln() / eta.exp();
            let c = -r.random::<f64>().ln() * 2.0;
            SlideItem {
                bag: None,
                slide_id: format!("s{i}"),
                patient_id: format!("p{}", i / 2),
                features: Arc::new(f),
                n_patches: k,
                rna: Arc::new(rna),
                time: (t.min(c) * 100.0).round() / 100.0,
                event: t < c,
            }
        })
        .collect()
}

fn run(
    root: &std::path::Path,
    stop: Option<usize>,
    resume: bool,
) -> (Vec<f32>, Option<usize>, Vec<f64>) {
    let mut cfg = SurvivalModelConfig::new(ModelKind::Joint);
    cfg.rna_hidden = 8;
    cfg.rna_dim = 4;
    cfg.bag_size = 4;
    let opts = TrainOptions {
        seed: 3,
        device: Device::flex(),
        optimizer: OptimizerConfig {
            lr: 1e-2,
            ..Default::default()
        },
        schedule: ScheduleConfig {
            epochs: 6,
            batch_size: 16,
            warmup_epochs: 0,
            min_lr: 0.0,
            keep_checkpoints: 1,
            micro_batches: 1,
        },
        progress: false,
        stop_after_epochs: stop,
    };
    let rd = RunDir::new(root);
    let obj = SurvivalObjective::new(DIM, cfg.bag_size, Ties::Efron)
        .with_selection(&rd, resume)
        .unwrap();
    let dims = SurvivalDims {
        features: DIM,
        genes: GENES,
    };
    let c2 = cfg.clone();
    let init = move |d: &Device, s: u64| {
        c2.init(dims, d, s)
            .map_err(|e| models::train::TrainError::Data(e.to_string()))
    };
    let tr = VecDataset::new(items(80, 1));
    let va = VecDataset::new(items(30, 2));
    let out = train(&opts, &obj, init, &tr, Some(&va), &rd, "cfg", resume).unwrap();
    let best = read_selection(root).and_then(|s| s.best_epoch);
    (
        flat_parameters(&out.model),
        best,
        out.metrics.iter().map(|m| m.train_loss).collect(),
    )
}

#[test]
fn learns_selects_and_resumes_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let (w_full, best_full, losses) = run(&tmp.path().join("full"), None, false);
    assert!(
        losses[losses.len() - 1] < losses[0],
        "training loss should fall: {losses:?}"
    );
    assert!(best_full.is_some());
    assert!(tmp.path().join("full/best_model.bpk").exists());
    let part = tmp.path().join("part");
    let _ = run(&part, Some(3), false);
    let (w_res, best_res, losses_res) = run(&part, None, true);
    assert_eq!(losses_res, losses, "resumed epochs replay exactly");
    assert_eq!(best_res, best_full);
    assert_eq!(w_res, w_full, "same final weights bit for bit");
}
