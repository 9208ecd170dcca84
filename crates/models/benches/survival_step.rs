//! Benchmark: training steps of the scaled-dot cross-attention survival model on precomputed
//! bags (issue 8): batch 128 slides, 32-patch bags of 2048-d features, RNA of 2000 genes, the
//! default `[model]` widths (RNA MLP 2000 → 4096 → 2048, dropout 0.5; attention_dim 256, 4 heads),
//! Breslow Cox loss, AdamW. One step = building the batch from the in-memory bags (what the
//! engine's objective does), forward, loss, backward, optimiser update.
//! The same work in PyTorch: bench/survival_step_torch.py. Results: docs/benchmarks.md.
//!
//! Run: `cargo bench -p models --bench survival_step -- [--steps N] [--batch 128] [--bag 32] [--dim 2048] [--genes 2000]`
//! Prints one JSON line with the per-step times (seconds) and their median.

use std::sync::Arc;
use std::time::Instant;

use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use models::survival::train::{SlideItem, SurvivalObjective};
use models::survival::{ModelKind, SurvivalDims, SurvivalModelConfig, Ties};
use models::train::objective::Objective;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// CPU time of this process, all threads, in seconds: the sum of the first field of
/// /proc/self/task/*/schedstat (nanoseconds on CPU; Linux). NaN where that is not available.
/// Steadier than wall time on a shared, loaded machine.
fn cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    let mut ns = 0u64;
    for e in dir.flatten() {
        if let Ok(s) = std::fs::read_to_string(e.path().join("schedstat")) {
            ns += s
                .split_whitespace()
                .next()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    ns as f64 * 1e-9
}

fn main() {
    // as the gliofuse binary does (models::alloc); BENCH_DEFAULT_MALLOC=1 measures without it
    let malloc_kept =
        std::env::var_os("BENCH_DEFAULT_MALLOC").is_none() && models::alloc::keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    let steps = arg(&args, "--steps", 10);
    let batch = arg(&args, "--batch", 128);
    let bag = arg(&args, "--bag", 32);
    let dim = arg(&args, "--dim", 2048);
    let genes = arg(&args, "--genes", 2000);
    let device = Device::flex().autodiff();
    device.seed(0);
    let cfg = SurvivalModelConfig::new(ModelKind::ScaledDot);
    let mut model = cfg
        .init(
            SurvivalDims {
                features: dim,
                genes,
            },
            &device,
            0,
        )
        .unwrap_or_else(|e| {
            eprintln!("error: {e}");
            std::process::exit(2)
        });
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let items: Vec<SlideItem> = (0..batch)
        .map(|i| SlideItem {
            bag: None,
            slide_id: format!("s{i}"),
            patient_id: format!("p{i}"),
            features: Arc::new(
                (0..bag * dim)
                    .map(|_| rng.random_range(-1.0f32..1.0))
                    .collect(),
            ),
            n_patches: bag,
            rna: Arc::new((0..genes).map(|_| rng.random_range(-1.0f32..1.0)).collect()),
            time: rng.random_range(1.0..100.0f64).round(),
            event: rng.random::<f64>() < 0.6,
        })
        .collect();
    let objective = SurvivalObjective::new(dim, bag, Ties::Breslow);
    let mut optim = AdamWConfig::new()
        .with_weight_decay(1e-5)
        .with_epsilon(1e-8)
        .init();
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut losses = Vec::new();
    let (mut fwd, mut bwd, mut opt) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..=steps {
        let t = Instant::now();
        let c = cpu_seconds();
        let loss = objective
            .batch_loss(&model, items.clone(), &mut rng, &device)
            .expect("loss");
        let l: f32 = loss.clone().into_scalar(); // Flex is eager: the forward is done here
        let t1 = Instant::now();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let t2 = Instant::now();
        model = optim.step(1e-4, model, grads);
        let dt = t.elapsed().as_secs_f64();
        if i > 0 {
            fwd.push((t1 - t).as_secs_f64());
            bwd.push((t2 - t1).as_secs_f64());
            opt.push(t2.elapsed().as_secs_f64());
            times.push(dt);
            cpu.push(cpu_seconds() - c);
            losses.push(l);
        }
    }
    let median_of = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        if s.len() % 2 == 1 {
            s[s.len() / 2]
        } else {
            0.5 * (s[s.len() / 2 - 1] + s[s.len() / 2])
        }
    };
    let median = median_of(&times);
    let median_cpu = median_of(&cpu);
    let (mf, mb, mo) = (median_of(&fwd), median_of(&bwd), median_of(&opt));
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    println!(
        "{{\"tool\":\"burn-flex\",\"batch\":{batch},\"bag\":{bag},\"dim\":{dim},\"genes\":{genes},\"steps\":{steps},\"step_s\":{times:?},\"median_step_s\":{median},\"median_step_cpu_s\":{median_cpu},\"forward_s\":{mf:.4},\"backward_s\":{mb:.4},\"optimizer_s\":{mo:.4},\"threads\":\"{threads}\",\"malloc_kept\":{malloc_kept},\"losses\":{losses:?}}}"
    );
}
