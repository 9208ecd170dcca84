//! The engine's optimiser and schedule against PyTorch: Burn's AdamW configured as the engine
//! configures it, stepped with `CosineSchedule`'s rates, equals `torch.optim.AdamW` driven by
//! `transformers.get_cosine_schedule_with_warmup` (fixture: tools/reference/make_adamw_fixture.py).

use burn::module::Param;
use burn::nn::Linear;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use models::train::CosineSchedule;
use serde::Deserialize;

#[derive(Deserialize)]
struct Step {
    lr: f64,
    loss: f64,
    weight: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

#[derive(Deserialize)]
struct Fixture {
    x: Vec<Vec<f32>>,
    y: Vec<Vec<f32>>,
    weight0: Vec<Vec<f32>>,
    bias0: Vec<f32>,
    peak_lr: f64,
    warmup_steps: usize,
    total_steps: usize,
    steps: Vec<Step>,
}

fn matrix(rows: &[Vec<f32>], device: &Device) -> Tensor<2> {
    let (r, c) = (rows.len(), rows[0].len());
    let flat: Vec<f32> = rows.iter().flatten().copied().collect();
    Tensor::<1>::from_floats(flat.as_slice(), device).reshape([r, c])
}

#[test]
fn adamw_with_warmup_cosine_matches_pytorch() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/adamw_reference.json");
    let f: Fixture =
        serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
    let device = Device::flex().autodiff();
    // PyTorch weight is [out, in]; Burn's Linear weight is [in, out]
    let mut model = Linear {
        weight: Param::from_tensor(matrix(&f.weight0, &device).transpose()),
        bias: Some(Param::from_tensor(Tensor::<1>::from_floats(
            f.bias0.as_slice(),
            &device,
        ))),
    };
    let (x, y) = (matrix(&f.x, &device), matrix(&f.y, &device));
    let sched = CosineSchedule {
        peak: f.peak_lr,
        min: 0.0,
        warmup_steps: f.warmup_steps,
        total_steps: f.total_steps,
    };
    // the engine's AdamW settings (train::engine): betas 0.9/0.999, eps 1e-8, weight decay 0.01
    let mut optim = AdamWConfig::new()
        .with_beta_1(0.9)
        .with_beta_2(0.999)
        .with_epsilon(1e-8)
        .with_weight_decay(0.01)
        .init();
    for (s, want) in f.steps.iter().enumerate() {
        let lr = sched.lr(s);
        assert!(
            (lr - want.lr).abs() < 1e-15,
            "step {s}: lr {lr} vs transformers {}",
            want.lr
        );
        let loss = (model.forward(x.clone()) - y.clone())
            .powf_scalar(2.0)
            .mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
        let l: f32 = loss.into_scalar();
        assert!(
            (l as f64 - want.loss).abs() < 1e-5,
            "step {s}: loss {l} vs {}",
            want.loss
        );
        let w: Vec<f32> = model
            .weight
            .val()
            .transpose()
            .try_into_vec_as::<f32>()
            .expect("w");
        let b: Vec<f32> = model
            .bias
            .as_ref()
            .map(|b| b.val().try_into_vec_as::<f32>().expect("b"))
            .unwrap_or_default();
        let want_w: Vec<f32> = want.weight.iter().flatten().copied().collect();
        let err_w = w
            .iter()
            .zip(&want_w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let err_b = b
            .iter()
            .zip(&want.bias)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            err_w < 1e-6 && err_b < 1e-6,
            "step {s}: max abs diff weight {err_w}, bias {err_b}"
        );
    }
    // the parameters moved (the comparison has teeth)
    let moved = model
        .weight
        .val()
        .transpose()
        .try_into_vec_as::<f32>()
        .expect("w");
    let start: Vec<f32> = f.weight0.iter().flatten().copied().collect();
    assert!(moved.iter().zip(&start).any(|(a, b)| (a - b).abs() > 1e-3));
}
