//! Lazy bags: training and evaluation from `BagFile`s give bit-identical results to in-memory
//! bags for the same seed, and never hold more than one batch of sampled patches (training) or
//! one evaluation chunk (prediction) of the cohort's features at a time.
//!
//! One test in this file on purpose: the resident counter is process-wide.

use std::path::Path;
use std::sync::Arc;

use burn::prelude::*;
use cohort::slides::bags::{Bag, BagFile, write_bag};
use models::params::flat_parameters;
use models::survival::train::{
    SlideItem, SurvivalObjective, lazy_peak_values, predict, read_selection, reset_lazy_peak,
};
use models::survival::{ModelKind, SurvivalDims, SurvivalModelConfig, Ties};
use models::train::{OptimizerConfig, RunDir, ScheduleConfig, TrainOptions, VecDataset, train};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

const DIM: usize = 6;
const GENES: usize = 5;
const BAG: usize = 4;
const BATCH: usize = 16;
const EVAL_BUDGET: usize = 100;

/// In-memory slides (2 per patient) of 2..60 patches whose first feature and gene carry the
/// log-risk; exponential times.
fn items(n: usize, seed: u64) -> Vec<SlideItem> {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let eta: f64 = StandardNormal.sample(&mut r);
            let k = r.random_range(2..60);
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
                slide_id: format!("s{seed}-{i}"),
                patient_id: format!("p{seed}-{}", i / 2),
                features: Arc::new(f),
                bag: None,
                n_patches: k,
                rna: Arc::new(rna),
                time: (t.min(c) * 100.0).round() / 100.0,
                event: t < c,
            }
        })
        .collect()
}

/// The same items with their features written to `dir/<slide>.safetensors` and dropped.
fn lazy(items: &[SlideItem], dir: &Path) -> Vec<SlideItem> {
    items
        .iter()
        .map(|it| {
            let coords = (0..it.n_patches as i64).map(|i| [i * 224, 0]).collect();
            let bag = Bag::new(it.features.to_vec(), DIM, coords).unwrap();
            let p = dir.join(format!("{}.safetensors", it.slide_id));
            write_bag(&p, &bag).unwrap();
            SlideItem::lazy(
                it.slide_id.clone(),
                it.patient_id.clone(),
                Arc::new(BagFile::open(&p).unwrap()),
                it.rna.clone(),
                it.time,
                it.event,
            )
        })
        .collect()
}

struct Outcome {
    weights: Vec<f32>,
    losses: Vec<f64>,
    val_c: Vec<f64>,
    best: Option<usize>,
    test_risk: Vec<f64>,
    attention: Vec<Vec<f32>>,
}

fn run(root: &Path, tr: Vec<SlideItem>, va: Vec<SlideItem>, te: &[SlideItem]) -> Outcome {
    let mut cfg = SurvivalModelConfig::new(ModelKind::ScaledDot);
    cfg.rna_hidden = 8;
    cfg.rna_dim = 4;
    cfg.attention_dim = 8;
    cfg.heads = 2;
    cfg.rna_dropout = 0.2;
    cfg.head_dropout = Some(0.2);
    cfg.bag_size = BAG;
    let opts = TrainOptions {
        seed: 11,
        device: Device::flex(),
        optimizer: OptimizerConfig {
            lr: 1e-2,
            ..Default::default()
        },
        schedule: ScheduleConfig {
            epochs: 4,
            batch_size: BATCH,
            warmup_epochs: 0,
            min_lr: 0.0,
            keep_checkpoints: 1,
            micro_batches: 1,
        },
        progress: false,
        stop_after_epochs: None,
    };
    let rd = RunDir::new(root);
    let mut obj = SurvivalObjective::new(DIM, BAG, Ties::Breslow)
        .with_selection(&rd, false)
        .unwrap();
    obj.eval_patch_budget = EVAL_BUDGET;
    let dims = SurvivalDims {
        features: DIM,
        genes: GENES,
    };
    let c2 = cfg.clone();
    let init = move |d: &Device, s: u64| {
        c2.init(dims, d, s)
            .map_err(|e| models::train::TrainError::Data(e.to_string()))
    };
    let (tr, va) = (VecDataset::new(tr), VecDataset::new(va));
    let out = train(&opts, &obj, init, &tr, Some(&va), &rd, "cfg", false).unwrap();
    let preds = predict(&out.model, te, DIM, EVAL_BUDGET, true, &Device::flex()).unwrap();
    Outcome {
        weights: flat_parameters(&out.model),
        losses: out.metrics.iter().map(|m| m.train_loss).collect(),
        val_c: out
            .metrics
            .iter()
            .map(|m| {
                m.valid
                    .get("valid_c_index_case")
                    .copied()
                    .unwrap_or(f64::NAN)
            })
            .collect(),
        best: read_selection(root).and_then(|s| s.best_epoch),
        test_risk: preds.iter().map(|p| p.risk).collect(),
        attention: preds.into_iter().map(|p| p.attention.unwrap()).collect(),
    }
}

#[test]
fn lazy_bags_same_results_and_bounded_residency() {
    let tmp = tempfile::tempdir().unwrap();
    let bags = tmp.path().join("bags");
    std::fs::create_dir_all(&bags).unwrap();
    let (tr, va, te) = (items(80, 1), items(30, 2), items(20, 3));
    let total: usize = [&tr, &va, &te]
        .iter()
        .flat_map(|v| v.iter())
        .map(|i| i.features.len())
        .sum();
    let (ltr, lva, lte) = (lazy(&tr, &bags), lazy(&va, &bags), lazy(&te, &bags));
    assert!(
        [&ltr, &lva, &lte]
            .iter()
            .flat_map(|v| v.iter())
            .all(|i| i.features.is_empty() && i.bag.is_some()),
        "lazy items hold no features"
    );

    let mem = run(&tmp.path().join("mem"), tr, va, &te);
    assert_eq!(
        lazy_peak_values(),
        0,
        "in-memory items never read a bag file"
    );
    reset_lazy_peak();
    let lz = run(&tmp.path().join("lazy"), ltr, lva, &lte);
    let peak = lazy_peak_values();

    // Same seed, same results, bit for bit.
    assert!(mem.losses[3] < mem.losses[0], "it learns: {:?}", mem.losses);
    assert_eq!(lz.losses, mem.losses);
    assert_eq!(lz.val_c.len(), 4);
    assert_eq!(
        lz.val_c.iter().map(|c| c.to_bits()).collect::<Vec<_>>(),
        mem.val_c.iter().map(|c| c.to_bits()).collect::<Vec<_>>()
    );
    assert!(mem.best.is_some());
    assert_eq!(lz.best, mem.best);
    assert_eq!(lz.weights, mem.weights);
    assert_eq!(lz.test_risk, mem.test_risk);
    assert_eq!(lz.attention, mem.attention);

    // Residency: at most one batch of sampled patches or one evaluation chunk (a single slide
    // when it alone exceeds the budget; slides here have < 60 patches < budget).
    let bound = (BATCH * BAG).max(EVAL_BUDGET) * DIM;
    assert!(peak > 0, "the lazy run read bag files");
    assert!(
        peak <= bound,
        "peak {peak} feature values resident, bound {bound}"
    );
    assert!(
        peak * 20 < total,
        "peak {peak} should be a small part of the {total} values of the cohort"
    );
}
