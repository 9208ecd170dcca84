//! Random small ROIs and settings, valid and invalid: every texture class returns values or an
//! error, never panics; values are finite or NaN (pyradiomics' NaN cases), never infinite.

use radiomics::features::{DiscretizedRoi, TextureSettings, glcm, gldm, glrlm, glszm, ngtdm};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn random_inputs_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(20261121);
    let (mut ok, mut err) = (0usize, 0usize);
    for _ in 0..400 {
        let size = [
            rng.random_range(1..7),
            rng.random_range(1..7),
            rng.random_range(1..4),
        ];
        let n: usize = size.iter().product();
        let levels = rng.random_range(1..6u32);
        let fill = rng.random_range(0.0..1.0);
        let mask: Vec<bool> = (0..n).map(|_| rng.random_bool(fill)).collect();
        let bins: Vec<u32> = (0..n)
            .map(|_| {
                if rng.random_bool(0.02) {
                    0
                } else {
                    1 + rng.random_range(0..levels) * rng.random_range(1..3)
                }
            })
            .collect();
        let distances = match rng.random_range(0..6) {
            0 => vec![],
            1 => vec![0],
            2 => vec![1, 2],
            3 => vec![3],
            4 => vec![1, 1],
            _ => vec![1],
        };
        let norm = [
            None,
            Some("manhattan"),
            Some("euclidean"),
            Some("infinity"),
            Some("no_weighting"),
            Some("bad"),
        ][rng.random_range(0..6)]
        .map(String::from);
        let s = TextureSettings {
            distances,
            symmetrical_glcm: rng.random_bool(0.7),
            weighting_norm: norm,
            gldm_a: [0.0, 1.0, 2.0, 0.5][rng.random_range(0..4)],
            force_2d: rng.random_bool(0.3),
            force_2d_dimension: rng.random_range(0..4),
        };
        let roi = DiscretizedRoi {
            bins,
            mask,
            size,
            spacing: [0.8, 0.8, 3.0],
        };
        let results = [
            glcm::features(&roi, &s),
            glrlm::features(&roi, &s),
            glszm::features(&roi, &s),
            gldm::features(&roi, &s),
            ngtdm::features(&roi, &s),
        ];
        for r in results {
            match r {
                Ok(values) => {
                    ok += 1;
                    assert!(values.iter().all(|(_, v)| !v.is_infinite()), "{values:?}");
                }
                Err(e) => {
                    err += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
    // Both paths are exercised.
    assert!(ok > 300 && err > 300, "ok {ok}, err {err}");
}
