//! The FoF model and objective on a tiny ViT: the views are what Eq. 2 says, the step's loss is
//! Eq. 6, gradients reach the mask token and the heads, the switches remove their terms, and
//! bad `[model.fof]` values are reported by key.

use models::burn::prelude::*;
use models::fof::{FofConfig, FofItem, FofObjective, ViewBatching, init_fof};
use models::train::{AugmentationConfig, ExperimentConfig, ImageItem, Normalize, VitModelConfig};
use models::vit::VitConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn tiny() -> VitConfig {
    VitConfig {
        image_size: 16,
        patch_size: 4,
        channels: 3,
        dim: 8,
        depth: 2,
        heads: 2,
        mlp_ratio: 2.0,
        layer_norm_eps: 1e-6,
        num_classes: 4,
    }
}

fn images(b: usize, seed: u64, device: &Device) -> Tensor<4> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<f32> = (0..b * 3 * 16 * 16)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    Tensor::<1>::from_floats(v.as_slice(), device).reshape([b, 3, 16, 16])
}

fn rows(t: Tensor<2>) -> Vec<Vec<f32>> {
    let [_, k] = t.dims();
    t.try_into_vec_as::<f32>()
        .unwrap()
        .chunks(k)
        .map(<[f32]>::to_vec)
        .collect()
}

fn close(a: &[f32], b: &[f32]) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5)
}

#[test]
fn views_replace_the_right_tokens() {
    let device = Device::flex();
    let mut model = init_fof(&tiny(), 6, 2, &device, 3).unwrap();
    // a non-zero mask token, so replaced tokens differ from the originals
    model.mask_token =
        models::burn::module::Param::from_tensor(Tensor::<3>::ones([1, 1, 8], &device));
    let x = images(2, 1, &device);
    let (plain, _) = model.forward_views(x.clone(), None, ViewBatching::Auto);
    let plain = rows(plain);
    // M = 1 everywhere: the positive view is the image, the negative view is all mask tokens
    let (l, f) = model.forward_views(
        x.clone(),
        Some(Tensor::<2>::ones([2, 16], &device)),
        ViewBatching::Joint,
    );
    assert_eq!(l.dims(), [6, 4]);
    assert_eq!(f.dims(), [6, 8]);
    let l = rows(l);
    for i in 0..2 {
        assert!(close(&l[i], &plain[i]), "global view");
        assert!(
            close(&l[2 + i], &plain[i]),
            "positive view keeps every token"
        );
    }
    assert!(
        close(&l[4], &l[5]),
        "negative views carry no image information"
    );
    assert!(!close(&l[4], &l[0]));
    // M = 0 everywhere: the roles swap
    let (l, _) = model.forward_views(
        x.clone(),
        Some(Tensor::<2>::zeros([2, 16], &device)),
        ViewBatching::Separate,
    );
    let l = rows(l);
    assert!(close(&l[2], &l[3]));
    assert!(close(&l[4], &plain[0]) && close(&l[5], &plain[1]));
    // a partial mask changes both masked views
    let m: Vec<f32> = (0..32).map(|i| f32::from(u8::from(i % 3 == 0))).collect();
    let (l, _) = model.forward_views(
        x.clone(),
        Some(Tensor::<1>::from_floats(m.as_slice(), &device).reshape([2, 16])),
        ViewBatching::Auto,
    );
    let l = rows(l);
    // one batch of 3B or three batches of B: the same numbers
    let (js, _) = model.forward_views(
        x.clone(),
        Some(Tensor::<1>::from_floats(m.as_slice(), &device).reshape([2, 16])),
        ViewBatching::Separate,
    );
    for (a, b) in rows(js).iter().zip(&l) {
        assert!(close(a, b));
    }
    assert!(!close(&l[2], &plain[0]) && !close(&l[4], &plain[0]) && !close(&l[2], &l[4]));
}

fn items(b: usize) -> Vec<FofItem> {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    (0..b)
        .map(|i| FofItem {
            image: ImageItem {
                pixels: (0..3 * 16 * 16)
                    .map(|_| rng.random_range(0.0..1.0))
                    .collect(),
                channels: 3,
                height: 16,
                width: 16,
                label: i % 3,
                group: format!("p{i}"),
            },
            biomarkers: vec![
                Some((i % 2) as i64),
                if i == 0 { None } else { Some(i as i64 - 2) },
            ],
        })
        .collect()
}

fn objective(frl: bool, mca: bool) -> FofObjective {
    FofObjective {
        augmentation: AugmentationConfig::none(),
        normalize: Normalize::Imagenet,
        fof: FofConfig {
            frl,
            mca,
            biomarkers: vec!["idh".into(), "PTEN".into()],
            ..FofConfig::default()
        },
        num_grades: 3,
        view_batching: ViewBatching::Auto,
    }
}

#[test]
fn step_is_eq6_and_reaches_every_trained_part() {
    let device = Device::flex().autodiff();
    let model = init_fof(&tiny(), 6, 2, &device, 5).unwrap();
    let obj = objective(true, true);
    let l = obj.losses(&model, &items(4), &device).unwrap();
    let v = |t: &Tensor<1>| f64::from(t.clone().into_scalar::<f32>());
    let (cls, frl, mca) = (
        v(&l.cls),
        v(l.frl.as_ref().unwrap()),
        v(l.mca.as_ref().unwrap()),
    );
    let total = v(&l.total);
    assert!(
        (total - (cls + 0.2 * frl + 0.2 * mca)).abs() < 1e-4,
        "{total} vs {cls} {frl} {mca}"
    );
    // three CE terms of a 4-way head at random init: about 3 ln 4
    assert!(cls > 2.0 && cls < 6.0, "{cls}");
    assert!(frl > 0.0 && mca > 0.0);
    let frac = l.mask_fraction.unwrap();
    assert!((0.0..=1.0).contains(&frac));
    let grads = l.total.backward();
    let g = |t: Tensor<2>| {
        t.try_into_vec_as::<f32>()
            .unwrap()
            .iter()
            .map(|x| x.abs())
            .sum::<f32>()
    };
    let gp = model.projector.fc2.weight.val().grad(&grads).unwrap();
    assert!(g(gp) > 0.0, "the FRL projector is trained");
    for h in &model.mca_heads {
        assert!(
            g(h.fc2.weight.val().grad(&grads).unwrap()) > 0.0,
            "every MCA head is trained"
        );
    }
    let gc = model.vit.classifier.weight.val().grad(&grads).unwrap();
    assert!(g(gc) > 0.0);
    if frac > 0.0 && frac < 1.0 {
        let gm = model.mask_token.val().grad(&grads).unwrap();
        let s: f32 = gm
            .try_into_vec_as::<f32>()
            .unwrap()
            .iter()
            .map(|x| x.abs())
            .sum();
        assert!(s > 0.0, "the mask token is trained");
    }
}

#[test]
fn switches_remove_their_terms() {
    let device = Device::flex().autodiff();
    let model = init_fof(&tiny(), 6, 2, &device, 5).unwrap();
    let it = items(4);
    let no_frl = objective(false, true).losses(&model, &it, &device).unwrap();
    assert!(no_frl.frl.is_none() && no_frl.mask_fraction.is_none() && no_frl.mca.is_some());
    let no_mca = objective(true, false).losses(&model, &it, &device).unwrap();
    assert!(no_mca.mca.is_none() && no_mca.frl.is_some());
    let v = |t: &Tensor<1>| f64::from(t.clone().into_scalar::<f32>());
    assert!(
        (v(&no_mca.total) - v(&no_mca.cls) - 0.2 * v(no_mca.frl.as_ref().unwrap())).abs() < 1e-4
    );
    let full = objective(true, true).losses(&model, &it, &device).unwrap();
    // the CAM pass has no randomness: same model, same batch, same classification loss
    assert!((v(&full.cls) - v(&no_mca.cls)).abs() < 1e-5);
    // a global-view-only CE is one of the three terms
    assert!(v(&no_frl.cls) < v(&full.cls));
}

#[test]
fn bad_fof_keys_are_named() {
    let base =
        "seed = 1\n[model]\nnum_classes = 3\ndepth = 2\n[schedule]\nepochs = 1\nbatch_size = 2\n";
    let parse = |extra: &str| {
        let cfg = ExperimentConfig::<VitModelConfig>::from_toml_str(
            &format!("{base}[model.fof]\n{extra}\n"),
            std::path::Path::new("x.toml"),
        );
        cfg.map(|c| c.model.validate_fof())
    };
    assert!(parse("").unwrap().is_ok());
    let e = parse("theta = 1.5").unwrap().unwrap_err();
    assert_eq!(e.0, "model.fof.theta");
    let e = parse("biomarkers = [\"idh\", \"TP53\"]")
        .unwrap()
        .unwrap_err();
    assert!(
        e.0 == "model.fof.biomarkers" && e.1.contains("TP53"),
        "{e:?}"
    );
    let e = parse("cam_block = 2").unwrap().unwrap_err();
    assert_eq!(e.0, "model.fof.cam_block");
    let e = parse("tua = 0.1").unwrap_err().to_string();
    assert!(e.contains("tua"), "{e}");
    // the head gets the background class
    let c = ExperimentConfig::<VitModelConfig>::from_toml_str(
        &format!("{base}[model.fof]\n"),
        std::path::Path::new("x.toml"),
    )
    .unwrap();
    assert_eq!(c.model.vit().num_classes, 4);
    assert_eq!(c.model.fof.unwrap().block(2), 0);
}

/// The parallel step (parts run at the same time, MCA on the gathered features with its
/// gradient sent back through each part) gives the one-pass loss and gradients, for every
/// switch setting and uneven parts, and the same bytes on one thread as on the pool.
#[test]
fn parallel_parts_give_the_one_pass_gradients() {
    use models::burn::optim::GradientsParams;
    let device = Device::flex().autodiff();
    let mut model = init_fof(&tiny(), 6, 2, &device, 5).unwrap();
    model.mask_token = models::burn::module::Param::from_tensor(
        Tensor::<3>::ones([1, 1, 8], &device)
            .mul_scalar(0.3)
            .require_grad(),
    );
    let it = items(5);
    let flat = |t: Option<Tensor<2>>| -> Vec<f32> { t.unwrap().try_into_vec_as::<f32>().unwrap() };
    let flat3 = |t: Option<Tensor<3>>| -> Vec<f32> { t.unwrap().try_into_vec_as::<f32>().unwrap() };
    for (frl, mca) in [(true, true), (false, true), (true, false)] {
        let obj = objective(frl, mca);
        let whole = obj.losses(&model, &it, &device).unwrap().total;
        let want_loss: f32 = whole.clone().into_scalar();
        let want = GradientsParams::from_grads(whole.backward(), &model);
        for parts in [2, 3] {
            let (loss, got) = obj
                .parallel_grads(&model, it.clone(), parts, &device)
                .unwrap();
            assert!(
                (loss - want_loss).abs() < 1e-5 * want_loss.abs().max(1.0),
                "frl {frl} mca {mca} parts {parts}: loss {loss} vs {want_loss}"
            );
            let mut checked = vec![
                (
                    flat(want.get::<2>(model.vit.classifier.weight.id)),
                    flat(got.get::<2>(model.vit.classifier.weight.id)),
                ),
                (
                    flat(want.get::<2>(model.vit.blocks[0].attn.query.weight.id)),
                    flat(got.get::<2>(model.vit.blocks[0].attn.query.weight.id)),
                ),
            ];
            if mca {
                for h in &model.mca_heads {
                    checked.push((
                        flat(want.get::<2>(h.fc2.weight.id)),
                        flat(got.get::<2>(h.fc2.weight.id)),
                    ));
                }
            }
            if frl {
                checked.push((
                    flat(want.get::<2>(model.projector.fc2.weight.id)),
                    flat(got.get::<2>(model.projector.fc2.weight.id)),
                ));
                let (a, b) = (
                    want.get::<3>(model.mask_token.id),
                    got.get::<3>(model.mask_token.id),
                );
                assert_eq!(
                    a.is_some(),
                    b.is_some(),
                    "mask token gradient present in both"
                );
                if a.is_some() {
                    checked.push((flat3(a), flat3(b)));
                }
            }
            for (w, g) in &checked {
                assert_eq!(w.len(), g.len());
                let scale = w.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-6);
                for (x, y) in w.iter().zip(g) {
                    assert!(
                        (x - y).abs() <= 1e-4 * scale,
                        "frl {frl} mca {mca} parts {parts}: {x} vs {y} (scale {scale})"
                    );
                }
            }
        }
    }
    // same bytes whatever the thread count
    let obj = objective(true, true);
    let run = || {
        let (l, g) = obj.parallel_grads(&model, it.clone(), 2, &device).unwrap();
        (l, flat(g.get::<2>(model.vit.classifier.weight.id)))
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(one.install(run), run());
}
