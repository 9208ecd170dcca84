//! Parity of the ResNet encoder and its torchvision weight import with torchvision itself
//! (fixtures made by tools/reference/make_resnet_fixture.py; see tests/fixtures/README.md).

mod common;

use std::path::Path;

use burn::prelude::*;
use common::{Reference, fixture, max_abs_diff};
use models::resnet::{ResNetConfig, load_torchvision_resnet, load_torchvision_resnet_bytes};
use safetensors::{Dtype, tensor::TensorView};

const TOL: f32 = 1e-4;

fn tensor4(r: &Reference, key: &str, device: &Device) -> Tensor<4> {
    let (s, data) = r.get(key);
    Tensor::<1>::from_floats(data.as_slice(), device).reshape([s[0], s[1], s[2], s[3]])
}

fn tiny_config() -> ResNetConfig {
    ResNetConfig::new().with_layers([2, 1, 2, 1]).with_stem_width(8).with_planes([4, 8, 8, 16])
}

#[test]
fn narrow_torchvision_resnet_features_match() {
    let device = Device::flex();
    let (model, report) =
        load_torchvision_resnet(&fixture("resnet_tiny_tv.safetensors"), &tiny_config(), &device).expect("import");
    // fc and the num_batches_tracked buffers are not used; everything else is.
    assert!(report.unused.iter().all(|k| k.starts_with("fc.") || k.ends_with("num_batches_tracked")), "{:?}", report.unused);
    assert_eq!(report.unused.iter().filter(|k| k.starts_with("fc.")).count(), 2);
    // conv1 + bn1 (4) + per block 3 convs + 3 bn (4 each) = 15, + downsample 5 per layer
    assert_eq!(report.applied.len(), 5 + 6 * 15 + 4 * 5);
    let r = Reference::open("resnet_tiny_reference.safetensors");
    let got = model.forward(tensor4(&r, "input", &device));
    assert_eq!(got.dims(), [2, 64]);
    let got = got.try_into_vec_as::<f32>().expect("f32");
    let (_, want) = r.get("features");
    let err = max_abs_diff(&got, &want);
    eprintln!("tiny resnet features max abs diff {err:.2e}");
    assert!(err < TOL, "max abs diff {err}");
    // the comparison has teeth: features vary and are not all zero
    assert!(want.iter().filter(|v| v.abs() > 0.05).count() > 32, "{want:?}");
}

/// `formula` of make_resnet_fixture.py, bit for bit.
fn formula(t: usize, name: &str, shape: &[usize]) -> Vec<f32> {
    let n: usize = shape.iter().product();
    let t = t as i64;
    (0..n as i64)
        .map(|k| {
            let u = ((31 * k * k + 7919 * k + 104_729 * t + 17) % 2003) as f64 / 1001.0 - 1.0;
            let v = if shape.len() == 4 {
                u * (6.0 / (shape[1] * shape[2] * shape[3]) as f64).sqrt()
            } else if name.starts_with("fc.") {
                u * 0.01
            } else if name.ends_with(".weight") {
                let parts: Vec<&str> = name.split('.').collect();
                let last = matches!(parts[parts.len() - 2], "bn3" | "1");
                if last { 0.2 + 0.1 * u } else { 0.5 + 0.25 * u }
            } else if name.ends_with(".bias") || name.ends_with("running_mean") {
                0.1 * u
            } else if name.ends_with("running_var") {
                1.0 + 0.5 * u
            } else {
                panic!("unexpected key {name}")
            };
            v as f32
        })
        .collect()
}

/// Builds torchvision resnet50's state_dict (names and shapes from the fixture, values by formula).
fn resnet50_state_dict(skip: Option<&str>, reshape: Option<&str>) -> Vec<u8> {
    let text = std::fs::read_to_string(fixture("resnet50_formula.json")).expect("keys");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let keys = json["keys"].as_array().expect("keys");
    let mut bufs: Vec<(String, Vec<usize>, Dtype, Vec<u8>)> = Vec::new();
    for (t, k) in keys.iter().enumerate() {
        let name = k["name"].as_str().expect("name").to_string();
        let mut shape: Vec<usize> = k["shape"].as_array().expect("shape").iter().map(|v| v.as_u64().expect("dim") as usize).collect();
        if Some(name.as_str()) == skip {
            continue;
        }
        if name.ends_with("num_batches_tracked") {
            bufs.push((name, shape, Dtype::I64, 0i64.to_le_bytes().to_vec()));
            continue;
        }
        let values = formula(t, &name, &shape);
        if Some(name.as_str()) == reshape {
            shape = vec![values.len()];
        }
        bufs.push((name, shape, Dtype::F32, values.iter().flat_map(|v| v.to_le_bytes()).collect()));
    }
    let views: Vec<(String, TensorView)> =
        bufs.iter().map(|(n, s, d, b)| (n.clone(), TensorView::new(*d, s.clone(), b).expect("view"))).collect();
    safetensors::serialize(views, None).expect("serialize")
}

#[test]
fn resnet50_with_formula_weights_matches_torchvision() {
    let device = Device::flex();
    let bytes = resnet50_state_dict(None, None);
    let (model, report) =
        load_torchvision_resnet_bytes(Path::new("resnet50.safetensors"), &bytes, &ResNetConfig::resnet50(), &device)
            .expect("import");
    // 320 state_dict entries: 53 BatchNorms x 5 (incl. num_batches_tracked), 53 convs, fc (2)
    assert_eq!(report.applied.len() + report.unused.len(), 320);
    assert_eq!(report.unused.len(), 53 + 2, "{:?}", report.unused);
    let r = Reference::open("resnet50_formula_reference.safetensors");
    let got = model.forward(tensor4(&r, "input", &device));
    assert_eq!(got.dims(), [1, 2048]);
    let got = got.try_into_vec_as::<f32>().expect("f32");
    let (_, want) = r.get("features");
    let err = max_abs_diff(&got, &want);
    eprintln!("resnet50 features max abs diff {err:.2e}");
    assert!(err < TOL, "max abs diff {err}");
    assert!(want.iter().filter(|v| v.abs() > 0.05).count() > 500);
}

#[test]
fn import_errors_name_the_key() {
    let device = Device::flex();
    let p = Path::new("w.safetensors");
    let cfg = ResNetConfig::resnet50();
    let e = load_torchvision_resnet_bytes(p, &resnet50_state_dict(Some("layer3.5.bn2.running_var"), None), &cfg, &device)
        .unwrap_err()
        .to_string();
    assert!(e.contains("w.safetensors") && e.contains("`layer3.5.bn2.running_var` is missing"), "{e}");
    let e = load_torchvision_resnet_bytes(p, &resnet50_state_dict(None, Some("layer2.0.downsample.0.weight")), &cfg, &device)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`layer2.0.downsample.0.weight` has shape [131072]") && e.contains("[512, 256, 1, 1]"), "{e}");
    // the tiny checkpoint is not a ResNet-50
    let e = load_torchvision_resnet(&fixture("resnet_tiny_tv.safetensors"), &cfg, &device).unwrap_err().to_string();
    assert!(e.contains("`conv1.weight` has shape [8, 3, 7, 7]"), "{e}");
    // a deeper checkpoint than configured is refused
    let shallow = ResNetConfig::new().with_layers([2, 1, 1, 1]).with_stem_width(8).with_planes([4, 8, 8, 16]);
    let e = load_torchvision_resnet(&fixture("resnet_tiny_tv.safetensors"), &shallow, &device).unwrap_err().to_string();
    assert!(e.contains("more blocks in layer3"), "{e}");
    let e = load_torchvision_resnet_bytes(p, b"not safetensors", &cfg, &device).unwrap_err().to_string();
    assert!(e.contains("not a SafeTensors file"), "{e}");
    let e = load_torchvision_resnet(Path::new("/nonexistent/r50.safetensors"), &cfg, &device).unwrap_err().to_string();
    assert!(e.contains("/nonexistent/r50.safetensors"), "{e}");
}

#[test]
fn block_counts_and_widths_are_read_from_the_checkpoint() {
    let tiny = std::fs::read(fixture("resnet_tiny_tv.safetensors")).expect("fixture");
    let cfg = models::resnet::infer_config(Path::new("t"), &tiny).expect("infer");
    assert_eq!(cfg, tiny_config());
    assert!(cfg.name().starts_with("resnet(blocks 2-1-2-1, stem 8, planes 4-8-8-16"), "{}", cfg.name());
    let r50 = models::resnet::infer_config(Path::new("r"), &resnet50_state_dict(None, None)).expect("infer");
    assert_eq!(r50, ResNetConfig::resnet50());
    assert_eq!(r50.name(), "resnet50");
    // a file that is not a ResNet state_dict
    let e = models::resnet::infer_config(Path::new("vit.safetensors"), &resnet50_state_dict(Some("conv1.weight"), None))
        .unwrap_err()
        .to_string();
    assert!(e.contains("vit.safetensors") && e.contains("`conv1.weight` is missing"), "{e}");
}
