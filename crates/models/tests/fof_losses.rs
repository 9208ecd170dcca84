//! FoF's losses against the PyTorch float64 reference (tools/reference/fof_losses.py ->
//! tests/fixtures/fof_losses.json), to 1e-5, including the degenerate cases: all tokens above
//! the threshold, none above, a batch where no two samples share a biomarker state, missing
//! biomarkers.

use models::burn::prelude::*;
use models::fof::{classification_loss, frl_consistency, mca_view_labels, supcon_loss, token_mask};
use serde_json::Value;

mod common;

fn fixture() -> Value {
    let p = common::fixture("fof_losses.json");
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

fn dev() -> Device {
    Device::flex()
}

fn flat(v: &Value) -> (Vec<usize>, Vec<f32>) {
    fn walk(v: &Value, depth: usize, shape: &mut Vec<usize>, out: &mut Vec<f32>) {
        match v {
            Value::Array(a) => {
                if shape.len() == depth {
                    shape.push(a.len());
                }
                for x in a {
                    walk(x, depth + 1, shape, out);
                }
            }
            Value::Number(n) => out.push(n.as_f64().unwrap() as f32),
            _ => panic!("not a number"),
        }
    }
    let (mut shape, mut out) = (Vec::new(), Vec::new());
    walk(v, 0, &mut shape, &mut out);
    (shape, out)
}

fn t2(v: &Value, device: &Device) -> Tensor<2> {
    let (s, d) = flat(v);
    Tensor::<1>::from_floats(d.as_slice(), device).reshape([s[0], s[1]])
}

fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_scalar::<f32>())
}

fn labels(v: &Value) -> Vec<Option<i64>> {
    v.as_array().unwrap().iter().map(Value::as_i64).collect()
}

#[test]
fn fixture_records_versions() {
    let f = fixture();
    assert!(f["versions"]["torch"].as_str().unwrap().starts_with('2'));
}

#[test]
fn token_masks_match_torch() {
    let f = fixture();
    let device = dev();
    let cases = f["token_mask"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for c in cases {
        let (s, d) = flat(&c["cam"]);
        let cam = Tensor::<1>::from_floats(d.as_slice(), &device).reshape([s[0], s[1], s[2]]);
        let m = token_mask(
            cam,
            c["patch"].as_u64().unwrap() as usize,
            c["theta"].as_f64().unwrap(),
        );
        let got: Vec<f32> = m.try_into_vec_as::<f32>().unwrap();
        let (_, want) = flat(&c["mask"]);
        assert_eq!(got, want, "case {}", c["name"]);
        match c["name"].as_str().unwrap() {
            "all_above" => assert!(got.iter().all(|&v| v == 1.0)),
            "none_above" | "constant_zero" => assert!(got.iter().all(|&v| v == 0.0)),
            _ => {
                assert!(got.contains(&1.0) && got.contains(&0.0));
            }
        }
    }
}

#[test]
fn classification_matches_torch() {
    let f = &fixture()["classification"];
    let device = dev();
    let y: Vec<i64> = f["y"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    let y = Tensor::<1, Int>::from_ints(y.as_slice(), &device);
    let l = classification_loss(
        t2(&f["glb"], &device),
        t2(&f["pos"], &device),
        t2(&f["neg"], &device),
        y,
        f["background"].as_u64().unwrap() as usize,
    );
    let want = f["loss"].as_f64().unwrap();
    let got = scalar(l);
    assert!((got - want).abs() < 1e-5, "got {got}, torch {want}");
}

#[test]
fn frl_consistency_matches_torch() {
    let f = fixture();
    let device = dev();
    for c in f["frl"].as_array().unwrap() {
        let l = frl_consistency(
            t2(&c["glb"], &device),
            t2(&c["pos"], &device),
            t2(&c["neg"], &device),
            c["tau"].as_f64().unwrap(),
        );
        let want = c["loss"].as_f64().unwrap();
        let got = scalar(l);
        assert!(
            (got - want).abs() < 1e-5,
            "case {}: got {got}, torch {want}",
            c["name"]
        );
    }
}

#[test]
fn supcon_matches_torch_including_degenerate_batches() {
    let f = fixture();
    let device = dev();
    let mut names = Vec::new();
    for c in f["supcon"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        names.push(name.to_string());
        let lab = labels(&c["labels"]);
        if !c["sample_labels"].is_null() {
            // the view labels are built the same way
            assert_eq!(mca_view_labels(&labels(&c["sample_labels"])), lab, "{name}");
        }
        let l = supcon_loss(
            t2(&c["features"], &device),
            &lab,
            c["tau"].as_f64().unwrap(),
        );
        let want = c["loss"].as_f64().unwrap();
        let got = scalar(l);
        assert!(
            (got - want).abs() < 1e-5,
            "case {name}: got {got}, torch {want}"
        );
        match name {
            "no_shared_label" | "all_missing" => assert_eq!(got, 0.0, "{name}"),
            _ => assert!(got > 0.1, "{name}: {got}"),
        }
    }
    assert_eq!(names.len(), 5);
}

#[test]
fn supcon_gradient_flows_and_zero_term_keeps_the_graph() {
    let device = Device::flex().autodiff();
    let x = Tensor::<1>::from_floats(
        [0.3f32, -0.2, 0.5, 0.1, 0.9, -0.4, 0.2, 0.2].as_slice(),
        &device,
    )
    .reshape([4, 2])
    .require_grad();
    let l = supcon_loss(x.clone(), &[Some(1), Some(1), Some(0), Some(0)], 0.07);
    let g = x.grad(&l.backward()).unwrap();
    let g: Vec<f32> = g.try_into_vec_as::<f32>().unwrap();
    assert!(g.iter().any(|v| v.abs() > 1e-4));
    // no positive anywhere: 0, with a (zero) gradient rather than a detached constant
    let x2 = x.clone().detach().require_grad();
    let l = supcon_loss(x2.clone(), &[Some(1), Some(2), None, Some(3)], 0.07);
    assert_eq!(f64::from(l.clone().into_scalar::<f32>()), 0.0);
    let g = x2.grad(&l.backward()).unwrap();
    assert!(
        g.try_into_vec_as::<f32>()
            .unwrap()
            .iter()
            .all(|v| *v == 0.0)
    );
}
