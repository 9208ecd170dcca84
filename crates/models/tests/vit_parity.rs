//! Parity of the ViT import, forward, position-table resampling and Grad-CAM with a randomly
//! initialised HuggingFace `transformers` ViT (fixture made by
//! tools/reference/make_vit_fixture.py; see tests/fixtures/README.md).

mod common;

use burn::prelude::*;
use common::{Reference, fixture, max_abs_diff};
use models::{VitConfig, grad_cam, load_hf_vit};

const TOL: f32 = 1e-4;

fn config(image_size: usize) -> VitConfig {
    VitConfig {
        depth: 2,
        ..VitConfig::tiny(image_size, 3)
    }
}

fn tensor4(r: &Reference, key: &str, device: &Device) -> Tensor<4> {
    let (shape, data) = r.get(key);
    Tensor::<1>::from_floats(data.as_slice(), device)
        .reshape([shape[0], shape[1], shape[2], shape[3]])
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.try_into_vec_as::<f32>().expect("f32 values")
}

#[test]
fn logits_and_block_tokens_match_transformers() {
    let device = Device::flex();
    let r = Reference::open("vit_reference.safetensors");
    let (model, report) =
        load_hf_vit(&fixture("vit_hf_tiny.safetensors"), &config(64), &device, 0).expect("import");
    assert!(report.skipped.is_empty(), "{:?}", report.skipped);
    assert_eq!(report.position_resampled, None);
    // everything but the CLS token is used
    assert_eq!(report.unused, vec!["vit.embeddings.cls_token".to_string()]);
    assert_eq!(report.applied.len(), 3 + 2 * 16 + 2 + 2); // patch w/b + pos, 16 per layer, final LN, classifier

    let x = tensor4(&r, "input", &device);
    let (logits, tok0) = model.forward_with_tokens(x.clone(), 0).expect("forward");
    let (want_logits_shape, want_logits) = r.get("logits");
    assert_eq!(logits.dims().to_vec(), want_logits_shape);
    let got = values(logits);
    let err = max_abs_diff(&got, &want_logits);
    eprintln!("logits max abs diff {err:.2e}");
    assert!(
        err < TOL,
        "logits max abs diff {err}: {got:?} vs {want_logits:?}"
    );
    // the logits are not trivially small: the check has teeth
    assert!(
        want_logits.iter().any(|v| v.abs() > 0.05),
        "{want_logits:?}"
    );

    let (_, want0) = r.get("tokens_block0");
    let err0 = max_abs_diff(&values(tok0), &want0);
    assert!(err0 < TOL, "block-0 tokens max abs diff {err0}");
    let (_, tok1) = model.forward_with_tokens(x.clone(), 1).expect("forward");
    let (_, want1) = r.get("tokens_block1");
    let err1 = max_abs_diff(&values(tok1), &want1);
    assert!(err1 < TOL, "block-1 tokens max abs diff {err1}");
    eprintln!("tokens max abs diff: block 0 {err0:.2e}, block 1 {err1:.2e}");

    // forward == forward_with_tokens' logits
    let err_f = max_abs_diff(&values(model.forward(x)), &got);
    assert!(err_f < 1e-6, "{err_f}");
}

#[test]
fn position_table_is_resampled_bicubically_for_another_grid() {
    let device = Device::flex();
    let r = Reference::open("vit_reference.safetensors");
    let (model, report) =
        load_hf_vit(&fixture("vit_hf_tiny.safetensors"), &config(96), &device, 0).expect("import");
    assert_eq!(report.position_resampled, Some((4, 6)));
    let (_, want_pos) = r.get("pos96");
    let err_pos = max_abs_diff(&values(model.pos.val()), &want_pos);
    eprintln!("resampled position table max abs diff {err_pos:.2e}");
    assert!(
        err_pos < 1e-5,
        "resampled position table max abs diff {err_pos}"
    );
    let (_, want) = r.get("logits96");
    let got = values(model.forward(tensor4(&r, "input96", &device)));
    let err = max_abs_diff(&got, &want);
    eprintln!("96-px logits max abs diff {err:.2e}");
    assert!(
        err < TOL,
        "96-px logits max abs diff {err}: {got:?} vs {want:?}"
    );
}

#[test]
fn grad_cam_matches_pytorch_reference() {
    let device = Device::flex();
    let r = Reference::open("vit_reference.safetensors");
    let (model, _) =
        load_hf_vit(&fixture("vit_hf_tiny.safetensors"), &config(64), &device, 0).expect("import");
    let x = tensor4(&r, "input", &device);
    for (block, classes, key) in [
        (0usize, [2usize, 0], "cam_block0"),
        (1, [1, 1], "cam_block1"),
    ] {
        let cam = grad_cam(&model, x.clone(), &classes, block).expect("grad-cam");
        assert_eq!(cam.dims(), [2, 64, 64]);
        let got = values(cam);
        let (_, want) = r.get(key);
        let err = max_abs_diff(&got, &want);
        eprintln!("{key} max abs diff {err:.2e}");
        assert!(err < 1e-5, "{key}: max abs diff {err}");
        // min-max: each map spans [0, 1]
        for img in got.chunks_exact(64 * 64) {
            let (lo, hi) = img
                .iter()
                .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
            assert!(
                lo.abs() < 1e-6 && (hi - 1.0).abs() < 1e-5,
                "range {lo}..{hi}"
            );
        }
    }
}

#[test]
fn grad_cam_works_on_an_autodiff_device_and_rejects_bad_requests() {
    let device = Device::flex().autodiff();
    let r = Reference::open("vit_reference.safetensors");
    let (model, _) =
        load_hf_vit(&fixture("vit_hf_tiny.safetensors"), &config(64), &device, 0).expect("import");
    let x = tensor4(&r, "input", &device);
    let cam = grad_cam(&model, x.clone(), &[2, 0], 0).expect("grad-cam");
    let (_, want) = r.get("cam_block0");
    assert!(max_abs_diff(&values(cam), &want) < 1e-5);
    assert!(
        grad_cam(&model, x.clone(), &[3, 0], 0).is_err(),
        "class out of range"
    );
    assert!(
        grad_cam(&model, x.clone(), &[0], 0).is_err(),
        "one class per image"
    );
    let e = grad_cam(&model, x, &[0, 0], 2)
        .expect_err("block out of range")
        .to_string();
    assert!(e.contains("block 2"), "{e}");
}

#[test]
fn import_errors_name_the_problem() {
    let device = Device::flex();
    let wrong_depth = VitConfig {
        depth: 1,
        ..VitConfig::tiny(64, 3)
    };
    let e = load_hf_vit(
        &fixture("vit_hf_tiny.safetensors"),
        &wrong_depth,
        &device,
        0,
    )
    .expect_err("depth")
    .to_string();
    assert!(e.contains("depth"), "{e}");
    let wrong_dim = VitConfig {
        depth: 2,
        dim: 96,
        ..VitConfig::tiny(64, 3)
    };
    let e = load_hf_vit(&fixture("vit_hf_tiny.safetensors"), &wrong_dim, &device, 0)
        .expect_err("dim")
        .to_string();
    assert!(e.contains("shape"), "{e}");
    let e = load_hf_vit(&fixture("missing.safetensors"), &config(64), &device, 0)
        .expect_err("missing")
        .to_string();
    assert!(e.contains("missing.safetensors"), "{e}");
    // a classifier with another class count is skipped, not an error
    let five = VitConfig {
        depth: 2,
        ..VitConfig::tiny(64, 5)
    };
    let (_, report) =
        load_hf_vit(&fixture("vit_hf_tiny.safetensors"), &five, &device, 0).expect("import");
    assert_eq!(report.skipped.len(), 1);
    assert!(report.unused.contains(&"classifier.weight".to_string()));
}

#[test]
fn transformers_5_key_names_import_too() {
    // rewrite the fixture with transformers-5 layer names and import it
    let bytes = std::fs::read(fixture("vit_hf_tiny.safetensors")).expect("fixture");
    let st = safetensors::SafeTensors::deserialize(&bytes).expect("safetensors");
    let rename = |k: &str| {
        k.replace("vit.encoder.layer.", "vit.layers.")
            .replace("attention.attention.query", "attention.q_proj")
            .replace("attention.attention.key", "attention.k_proj")
            .replace("attention.attention.value", "attention.v_proj")
            .replace("attention.output.dense", "attention.o_proj")
            .replace("intermediate.dense", "mlp.fc1")
            .replace("output.dense", "mlp.fc2")
    };
    let renamed: Vec<(String, safetensors::tensor::TensorView)> = st
        .tensors()
        .into_iter()
        .map(|(k, v)| (rename(&k), v))
        .collect();
    let out = safetensors::serialize(renamed, None).expect("serialize");
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("v5.safetensors");
    std::fs::write(&path, out).expect("write");
    let device = Device::flex();
    let (model, report) = load_hf_vit(&path, &config(64), &device, 0).expect("import v5 names");
    assert!(report.applied.iter().any(|k| k.contains("q_proj")));
    let r = Reference::open("vit_reference.safetensors");
    let (_, want) = r.get("logits");
    let err = max_abs_diff(&values(model.forward(tensor4(&r, "input", &device))), &want);
    assert!(err < TOL, "{err}");
}
