//! Benchmark: one ViT-Tiny/16 training step (forward, cross-entropy, backward, AdamW) at
//! 224x224 with batch 4, and one inference forward, on Burn's Flex CPU backend.
//! The same work in PyTorch: bench/vit_step_torch.py. Results: docs/benchmarks.md.
//!
//! Run: `cargo bench -p models --bench vit_step -- [--steps N] [--image 224] [--batch 4] [--device cpu] [--micro-batches 2]`
//! `--micro-batches` is the engine's `[schedule] micro_batches` (default 2: two halves of the
//! batch run in parallel, `models::train::parallel`); 1 = the whole batch in one pass.
//! Prints one JSON line with the per-step times (seconds) and their medians.

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::Distribution;
use models::{VitConfig, parse_device};

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
    if args.iter().any(|a| a == "--micro") {
        micro(&base, batch, image);
        return;
    }
    let micro_batches: usize = arg(&args, "--micro-batches", "2").parse().unwrap_or(2);
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
    let mut optim = AdamWConfig::new()
        .with_weight_decay(0.01)
        .with_epsilon(1e-8)
        .init();
    let ce = CrossEntropyLossConfig::new().init(&device);
    let x = Tensor::<4>::random(
        [batch, 3, image, image],
        Distribution::Normal(0.0, 1.0),
        &device,
    );
    let labels: Vec<i64> = (0..batch as i64).map(|i| i % 3).collect();
    let y = Tensor::<1, Int>::from_ints(labels.as_slice(), &device);

    let mut train = Vec::new();
    let mut train_cpu = Vec::new();
    let (mut fwd, mut bwd, mut opt) = (Vec::new(), Vec::new(), Vec::new());
    let mut losses = Vec::new();
    for i in 0..=steps {
        let t = Instant::now();
        let c = cpu_seconds();
        // the engine's step: `[schedule] micro_batches` parts run in parallel (default 2)
        let (l, grads, t1) = if micro_batches > 1 {
            let parts = models::train::parallel::split_items((0..batch).collect(), micro_batches);
            let (l, grads) = models::train::parallel::data_parallel_grads(
                &model,
                parts,
                &device,
                |m, idx: Vec<usize>| {
                    let r = idx[0]..idx[0] + idx.len();
                    Ok(ce.forward(
                        m.forward(x.clone().slice([r.clone()])),
                        y.clone().slice([r]),
                    ))
                },
            )
            .unwrap_or_else(|e| {
                eprintln!("error: {e}");
                std::process::exit(2)
            });
            (l, grads, Instant::now())
        } else {
            let loss = ce.forward(model.forward(x.clone()), y.clone());
            let l: f32 = loss.clone().into_scalar(); // forces the forward (Flex is eager anyway)
            let t1 = Instant::now();
            (l, GradientsParams::from_grads(loss.backward(), &model), t1)
        };
        let t2 = Instant::now();
        model = optim.step(1e-4, model, grads);
        let dt = t.elapsed().as_secs_f64();
        if i > 0 {
            train.push(dt); // step 0 is warm-up
            train_cpu.push(cpu_seconds() - c);
            fwd.push((t1 - t).as_secs_f64());
            bwd.push((t2 - t1).as_secs_f64());
            opt.push(t2.elapsed().as_secs_f64());
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
    // where the inference forward spends its time, per component (all 12 blocks summed)
    let z = eval.embed(xe.clone());
    let (mut t_attn, mut t_mlp, mut t_ln, mut t_embed) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..steps {
        let t = Instant::now();
        let _ = eval.embed(xe.clone()).try_into_vec_as::<f32>();
        t_embed.push(t.elapsed().as_secs_f64());
        let (mut a, mut m, mut l) = (0.0, 0.0, 0.0);
        for blk in &eval.blocks {
            let t = Instant::now();
            let h = blk.norm1.forward(z.clone());
            let _ = h.clone().slice([0..1, 0..1, 0..1]).into_scalar::<f32>();
            l += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let _ = blk
                .attn
                .forward(h.clone())
                .slice([0..1, 0..1, 0..1])
                .into_scalar::<f32>();
            a += t.elapsed().as_secs_f64();
            let t = Instant::now();
            let _ = blk
                .mlp
                .forward(h)
                .slice([0..1, 0..1, 0..1])
                .into_scalar::<f32>();
            m += t.elapsed().as_secs_f64();
        }
        t_attn.push(a);
        t_mlp.push(m);
        t_ln.push(l);
    }
    let (mt, mi) = (median(&mut train.clone()), median(&mut infer.clone()));
    let mtc = median(&mut train_cpu);
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    let (mf, mb, mo) = (median(&mut fwd), median(&mut bwd), median(&mut opt));
    let (ma, mm, ml, me) = (
        median(&mut t_attn),
        median(&mut t_mlp),
        median(&mut t_ln),
        median(&mut t_embed),
    );
    println!(
        "{{\"framework\":\"burn-flex\",\"device\":\"{device_name}\",\"image\":{image},\"batch\":{batch},\"params\":{},\"steps\":{steps},\"threads\":\"{threads}\",\"micro_batches\":{micro_batches},\"malloc_kept\":{malloc_kept},\"train_step_median_s\":{mt:.4},\"train_step_cpu_median_s\":{mtc:.4},\"infer_median_s\":{mi:.4},\"train_forward_s\":{mf:.4},\"train_backward_s\":{mb:.4},\"train_optimizer_s\":{mo:.4},\"infer_attention_s\":{ma:.4},\"infer_mlp_s\":{mm:.4},\"infer_layernorm1_s\":{ml:.4},\"infer_embed_s\":{me:.4},\"train_steps_s\":{train:?},\"infer_s\":{infer:?},\"last_loss\":{:.4}}}",
        model.num_params(),
        losses.last().copied().unwrap_or(f32::NAN)
    );
}

/// Per-op timings on one block's shapes (inference, no autodiff), to see what dominates.
fn micro(device: &Device, batch: usize, image: usize) {
    use burn::tensor::activation::{gelu, softmax};
    let n = (image / 16) * (image / 16);
    let time = |f: &dyn Fn() -> f32| {
        let _ = f();
        let mut v: Vec<f64> = (0..7)
            .map(|_| {
                let t = Instant::now();
                let _ = f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        median(&mut v)
    };
    let x = Tensor::<3>::random([batch, n, 192], Distribution::Normal(0.0, 1.0), device);
    let h = Tensor::<3>::random([batch, n, 768], Distribution::Normal(0.0, 1.0), device);
    let w1 = Tensor::<2>::random([192, 768], Distribution::Normal(0.0, 0.02), device);
    let s = Tensor::<4>::random([batch, 3, n, n], Distribution::Normal(0.0, 1.0), device);
    let ln = burn::nn::LayerNormConfig::new(192).init(device);
    let first = |t: Tensor<3>| t.slice([0..1, 0..1, 0..1]).into_scalar::<f32>();
    println!("per op, ms (median of 7), shapes of one ViT-Tiny block at {image}px, batch {batch}:");
    println!(
        "  linear 192->768 matmul : {:.3}",
        time(&|| first(x.clone().matmul(w1.clone().unsqueeze())))
    );
    println!(
        "  gelu (erf) [{batch},{n},768]: {:.3}",
        time(&|| first(gelu(h.clone())))
    );
    println!(
        "  gelu (models::gelu)     : {:.3}",
        time(&|| first(models::gelu::gelu(h.clone())))
    );
    // training: forward + backward of the activation alone
    let ad = device.clone().autodiff();
    let ha = Tensor::<3>::from_data(h.clone().into_data(), &ad);
    let fb = |f: &dyn Fn(Tensor<3>) -> Tensor<3>| {
        let x = ha.clone().require_grad();
        let g = f(x.clone()).sum().backward();
        x.grad(&g)
            .map(|t| t.slice([0..1, 0..1, 0..1]).into_scalar::<f32>())
            .unwrap_or(f32::NAN)
    };
    println!(
        "  gelu fwd+bwd, Burn      : {:.3}",
        time(&|| fb(&|x| gelu(x)))
    );
    println!(
        "  gelu fwd+bwd, models    : {:.3}",
        time(&|| fb(&|x| models::gelu::gelu(x)))
    );
    println!(
        "  gelu (tanh approx)      : {:.3}",
        time(&|| first(burn::tensor::activation::gelu_approximate(h.clone())))
    );
    println!(
        "  layernorm [{batch},{n},192] : {:.3}",
        time(&|| first(ln.forward(x.clone())))
    );
    println!(
        "  softmax [{batch},3,{n},{n}] : {:.3}",
        time(&|| softmax(s.clone(), 3)
            .slice([0..1, 0..1, 0..1, 0..1])
            .into_scalar::<f32>())
    );
    println!(
        "  add [{batch},{n},768]      : {:.3}",
        time(&|| first(h.clone() + h.clone()))
    );
}
