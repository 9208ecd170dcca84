//! The processed texture matrices equal pyradiomics 3.1.0's (`P_glcm`, `P_glrlm`, `P_glszm`,
//! `P_gldm`, `P_ngtdm` after its deletions of empty levels, angles and sizes), for the synthetic
//! cases of tests/fixtures/texture_pyradiomics.json that carry them: a 3x3 image, gray levels with
//! gaps, and a random 6x5x4 volume (default, manhattan weighting, asymmetric GLCM, force2D along
//! y). pyradiomics' own matrix test allows 1e-3 absolute; this one 1e-12.

mod common;

use common::{flatten, load};
use radiomics::features::{glcm, gldm, glrlm, glszm, ngtdm};

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: size");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}[{k}]: {g} vs {w}"
        );
    }
}

#[test]
fn processed_matrices_equal_pyradiomics() {
    let fx = load();
    let mut cases = 0;
    for case in &fx.cases {
        let Some(m) = &case.matrices else { continue };
        cases += 1;
        let name = &case.name;
        let roi = fx.rois[&case.roi].to_discretized();
        let s = case.settings.to_texture();

        let g = glcm::glcm(&roi, &s).unwrap();
        let want = flatten(&m["glcm"].p);
        let got: Vec<f64> = (0..g.n_angles())
            .flat_map(|a| g.matrix(a).unwrap().to_vec())
            .collect();
        assert_close(&got, &want, &format!("{name} glcm"));

        let r = glrlm::glrlm(&roi, &s).unwrap();
        assert_eq!(
            Some(&r.run_lengths),
            m["glrlm"].j.as_ref(),
            "{name} glrlm run lengths"
        );
        let got: Vec<f64> = (0..r.n_angles())
            .flat_map(|a| r.matrix(a).unwrap().to_vec())
            .collect();
        assert_close(&got, &flatten(&m["glrlm"].p), &format!("{name} glrlm"));

        let z = glszm::glszm(&roi, &s).unwrap();
        assert_eq!(Some(&z.sizes), m["glszm"].j.as_ref(), "{name} glszm sizes");
        assert_close(&z.p, &flatten(&m["glszm"].p), &format!("{name} glszm"));

        // GLDM: pyradiomics drops the empty dependence columns; ours keeps all 2·Na + 1.
        let d = gldm::gldm(&roi, &s).unwrap();
        let j = m["gldm"].j.as_ref().expect("gldm j");
        let kept: Vec<usize> = j.iter().map(|&v| v as usize - 1).collect();
        let n = d.levels.len();
        let mut got = Vec::new();
        for i in 0..n {
            for (c, v) in d.p[i * d.cols..(i + 1) * d.cols].iter().enumerate() {
                if kept.contains(&c) {
                    got.push(*v);
                } else {
                    assert_eq!(*v, 0.0, "{name} gldm: column j={} should be empty", c + 1);
                }
            }
        }
        assert_close(&got, &flatten(&m["gldm"].p), &format!("{name} gldm"));

        let t = ngtdm::ngtdm(&roi, &s).unwrap();
        let got: Vec<f64> = (0..t.levels.len())
            .flat_map(|i| [t.n[i], t.s[i], t.levels[i]])
            .collect();
        assert_close(&got, &flatten(&m["ngtdm"].p), &format!("{name} ngtdm"));
    }
    assert_eq!(cases, 7, "synthetic cases with matrices");
}
