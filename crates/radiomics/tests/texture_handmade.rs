//! Texture matrices and features on a 3x3x1 image worked out by hand, plus degenerate inputs.
//!
//! The image (rows = y, columns = x, one slice, whole box in the ROI):
//!
//! ```text
//!   1 2 1
//!   2 2 3
//!   1 3 3
//! ```
//!
//! One slice, so the directions are the 4 in-plane ones, in pyradiomics' (z, y, x) order:
//! (0,1,1), (0,1,0), (0,1,-1), (0,0,1); neighbourhoods are the 8 in-plane neighbours.

use radiomics::features::{
    DiscretizedRoi, TextureSettings, angles, glcm, gldm, glrlm, glszm, ngtdm,
};

fn hand() -> DiscretizedRoi {
    DiscretizedRoi {
        bins: vec![1, 2, 1, 2, 2, 3, 1, 3, 3],
        mask: vec![true; 9],
        size: [3, 3, 1],
        spacing: [1.0, 1.0, 1.0],
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

fn value(f: &[(String, f64)], name: &str) -> f64 {
    f.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .expect(name)
}

#[test]
fn directions_of_a_single_slice() {
    assert_eq!(
        angles([1, 3, 3], &[1], None, false).unwrap(),
        vec![[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]]
    );
}

#[test]
fn glcm_counts_by_hand() {
    let (levels, offsets, counts) = glcm::raw_counts(&hand(), &TextureSettings::default()).unwrap();
    assert_eq!(levels, vec![1, 2, 3]);
    assert_eq!(offsets, vec![[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]]);
    // Row i = level of the voxel, column j = level of its neighbour at +offset.
    #[rustfmt::skip]
    let want: [[f64; 9]; 4] = [
        // (y+1, x+1): 1->2, 2->3, 2->3, 2->3
        [0., 1., 0.,  0., 0., 3.,  0., 0., 0.],
        // (y+1): columns 1 2 1 / 2 2 3 / 1 3 3 read downwards: 1->2, 2->1, 2->2, 2->3, 1->3, 3->3
        [0., 1., 1.,  1., 1., 1.,  0., 0., 1.],
        // (y+1, x-1): 2->2, 1->2, 2->1, 3->3
        [0., 1., 0.,  1., 1., 0.,  0., 0., 1.],
        // (x+1): 1->2, 2->1, 2->2, 2->3, 1->3, 3->3
        [0., 1., 1.,  1., 1., 1.,  0., 0., 1.],
    ];
    for (a, (c, w)) in counts.iter().zip(&want).enumerate() {
        assert_eq!(c, &w.to_vec(), "angle {a}");
    }
    let g = glcm::glcm(&hand(), &TextureSettings::default()).unwrap();
    assert_eq!(g.n_angles(), 4);
    // Symmetrised and normalised (x+1): (P + Pᵀ) / 12.
    let p = g.matrix(3).unwrap();
    let s: Vec<f64> = [0., 2., 1., 2., 2., 1., 1., 1., 2.]
        .iter()
        .map(|v| v / 12.0)
        .collect();
    for (x, y) in p.iter().zip(&s) {
        assert!(close(*x, *y));
    }
    // Contrast per angle: 14/12, 1, 0.5, 14/12 -> mean 23/24.
    assert!(close(glcm::contrast(&g), 23.0 / 24.0));
    // Joint energy Σ p²: (x+1) and (y+1): (0+4+1+4+4+1+1+1+4)/144 = 20/144;
    // (y+1, x+1): symmetric entries 1,1,3,3 over 8 -> 20/64; (y+1, x-1): 2,2,2,2 over 8 -> 16/64.
    let je = (20.0 / 144.0 * 2.0 + 20.0 / 64.0 + 16.0 / 64.0) / 4.0;
    assert!(close(glcm::joint_energy(&g), je));
    // Maximum probability: 2/12, 2/12, 3/8, 2/8.
    assert!(close(
        glcm::maximum_probability(&g),
        (2.0 / 12.0 * 2.0 + 3.0 / 8.0 + 2.0 / 8.0) / 4.0
    ));
    // Symmetric GLCM: Sum Average = 2 x Joint Average.
    assert!(close(glcm::sum_average(&g), 2.0 * glcm::joint_average(&g)));
}

#[test]
fn glrlm_runs_by_hand() {
    let g = glrlm::glrlm(&hand(), &TextureSettings::default()).unwrap();
    assert_eq!(g.n_angles(), 4);
    // No run of length 3: only lengths 1 and 2 are kept, as pyradiomics deletes empty columns.
    assert_eq!(g.run_lengths, vec![1.0, 2.0]);
    // Rows = levels 1, 2, 3; columns = run lengths 1, 2.
    #[rustfmt::skip]
    let want: [[f64; 6]; 4] = [
        // diagonals (y+1, x+1): 1 2 3 | 2 3 | 1 | 2 3 | 1: all runs of length 1
        [3., 0.,  3., 0.,  3., 0.],
        // columns: 1 2 1 | 2 2 3 | 1 3 3
        [3., 0.,  1., 1.,  1., 1.],
        // anti-diagonals (y+1, x-1): 1 | 2 2 | 1 2 1 | 3 3 | 3
        [3., 0.,  1., 1.,  1., 1.],
        // rows: 1 2 1 | 2 2 3 | 1 3 3
        [3., 0.,  1., 1.,  1., 1.],
    ];
    for (a, w) in want.iter().enumerate() {
        assert_eq!(g.matrix(a).unwrap(), &w[..], "angle {a}");
    }
    // Run percentage per angle: 9/9, 7/9, 7/9, 7/9.
    assert!(close(glrlm::run_percentage(&g), 30.0 / 36.0));
    // SRE per angle: 9/9 = 1, and (5 + 2/4)/7 three times.
    assert!(close(
        glrlm::short_run_emphasis(&g),
        (1.0 + 3.0 * 5.5 / 7.0) / 4.0
    ));
}

#[test]
fn glszm_zones_by_hand() {
    let g = glszm::glszm(&hand(), &TextureSettings::default()).unwrap();
    // Level 1: three single corners; level 2: one zone of 3; level 3: one zone of 3.
    assert_eq!(g.sizes, vec![1.0, 3.0]);
    assert_eq!(g.p, vec![3., 0., 0., 1., 0., 1.]);
    assert_eq!(g.n_zones(), 5.0);
    assert!(close(glszm::zone_percentage(&g), 5.0 / 9.0));
    assert!(close(
        glszm::small_area_emphasis(&g),
        (3.0 + 2.0 / 9.0) / 5.0
    ));
    assert!(close(
        glszm::large_area_emphasis(&g),
        (3.0 + 2.0 * 9.0) / 5.0
    ));
    // 8-connectivity: two level-2 voxels touching only at a corner form one zone.
    let diag = DiscretizedRoi {
        bins: vec![2, 1, 1, 2],
        mask: vec![true; 4],
        size: [2, 2, 1],
        spacing: [1.0; 3],
    };
    let g = glszm::glszm(&diag, &TextureSettings::default()).unwrap();
    assert_eq!(g.n_zones(), 2.0);
    // 26-connectivity in 3D: voxels touching only at a vertex, in different slices.
    let corner = DiscretizedRoi {
        bins: vec![5, 1, 1, 1, 1, 1, 1, 5],
        mask: vec![true; 8],
        size: [2, 2, 2],
        spacing: [1.0; 3],
    };
    let g = glszm::glszm(&corner, &TextureSettings::default()).unwrap();
    assert_eq!((g.n_zones(), g.sizes.clone()), (2.0, vec![2.0, 6.0]));
    // ... but not with force2D along z (8-connectivity within each slice): per slice one zone
    // of 5 and one zone of three 1s.
    let s2 = TextureSettings {
        force_2d: true,
        ..TextureSettings::default()
    };
    let g = glszm::glszm(&corner, &s2).unwrap();
    assert_eq!((g.n_zones(), g.sizes.clone()), (4.0, vec![1.0, 3.0]));
}

#[test]
fn gldm_dependences_by_hand() {
    let g = gldm::gldm(&hand(), &TextureSettings::default()).unwrap();
    // 8 neighbours -> 17 columns (j = 1..=17). Corners of level 1: no equal neighbour (j = 1);
    // every level-2 and level-3 voxel has exactly 2 equal neighbours (j = 3).
    assert_eq!(g.cols, 17);
    let mut want = vec![0.0; 3 * 17];
    want[0] = 3.0;
    want[17 + 2] = 3.0;
    want[34 + 2] = 3.0;
    assert_eq!(g.p, want);
    assert!(close(
        gldm::small_dependence_emphasis(&g),
        (3.0 + 6.0 / 9.0) / 9.0
    ));
    assert!(close(gldm::large_dependence_emphasis(&g), 57.0 / 9.0));
    // gldm_a = 1: |i - j| <= 1 counts as dependent.
    let s = TextureSettings {
        gldm_a: 1.0,
        ..TextureSettings::default()
    };
    let g1 = gldm::gldm(&hand(), &s).unwrap();
    // Centre voxel: all 8 neighbours (levels 1..3) are within 1 of level 2.
    assert_eq!(g1.p[17 + 8], 1.0);
    assert!(
        gldm::gldm(
            &hand(),
            &TextureSettings {
                gldm_a: 0.5,
                ..TextureSettings::default()
            }
        )
        .is_err()
    );
}

#[test]
fn ngtdm_by_hand() {
    let g = ngtdm::ngtdm(&hand(), &TextureSettings::default()).unwrap();
    assert_eq!(g.n, vec![3.0, 3.0, 3.0]);
    // Level 1: |1-2| + 2 |1-7/3|; level 2: 0.2 + 0.2 + 0; level 3: 0.8 + 0.8 + 1/3.
    let want = [11.0 / 3.0, 0.4, 29.0 / 15.0];
    for (s, w) in g.s.iter().zip(want) {
        assert!(close(*s, w));
    }
    // Coarseness = 1 / Σ p_i s_i = 1 / ((11/3 + 0.4 + 29/15) / 3) = 0.5.
    assert!(close(ngtdm::coarseness(&g), 0.5));
    // Strength = Σ_i Σ_j (p_i + p_j)(i - j)^2 / Σ s_i = (2/3)(2·1 + 2·4 + 2·1) / 6.
    assert!(close(ngtdm::strength(&g), (2.0 / 3.0) * 12.0 / 6.0));
}

#[test]
fn flat_region_gives_pyradiomics_fallbacks() {
    let flat = DiscretizedRoi {
        bins: vec![4; 12],
        mask: vec![true; 12],
        size: [3, 2, 2],
        spacing: [1.0; 3],
    };
    let s = TextureSettings::default();
    let g = glcm::features(&flat, &s).unwrap();
    for (name, want) in [
        ("Correlation", 1.0),
        ("Imc1", 0.0),
        ("Imc2", 0.0),
        ("MCC", 1.0),
        ("Contrast", 0.0),
        ("JointEnergy", 1.0),
        ("Idmn", 1.0),
        ("Autocorrelation", 16.0),
    ] {
        assert_eq!(value(&g, name), want, "{name}");
    }
    let n = ngtdm::features(&flat, &s).unwrap();
    assert_eq!(value(&n, "Coarseness"), 1e6);
    assert_eq!(value(&n, "Contrast"), 0.0);
    assert_eq!(value(&n, "Busyness"), 0.0);
    assert_eq!(value(&n, "Complexity"), 0.0);
    assert_eq!(value(&n, "Strength"), 0.0);
    for f in [
        glrlm::features(&flat, &s),
        glszm::features(&flat, &s),
        gldm::features(&flat, &s),
    ] {
        assert!(f.unwrap().iter().all(|(_, v)| v.is_finite()));
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let s = TextureSettings::default();
    let one = DiscretizedRoi {
        bins: vec![3],
        mask: vec![true],
        size: [1, 1, 1],
        spacing: [1.0; 3],
    };
    let empty = DiscretizedRoi {
        bins: vec![0; 4],
        mask: vec![false; 4],
        size: [2, 2, 1],
        spacing: [1.0; 3],
    };
    let wrong_len = DiscretizedRoi {
        bins: vec![1; 3],
        mask: vec![true; 4],
        size: [2, 2, 1],
        spacing: [1.0; 3],
    };
    let zero_level = DiscretizedRoi {
        bins: vec![0, 1],
        mask: vec![true; 2],
        size: [2, 1, 1],
        spacing: [1.0; 3],
    };
    for roi in [&one, &empty, &wrong_len, &zero_level] {
        assert!(glcm::features(roi, &s).is_err());
        assert!(glrlm::features(roi, &s).is_err());
        assert!(glszm::features(roi, &s).is_err());
        assert!(gldm::features(roi, &s).is_err());
        assert!(ngtdm::features(roi, &s).is_err());
    }
    let bad_norm = TextureSettings {
        weighting_norm: Some("chebyshev".into()),
        ..TextureSettings::default()
    };
    let err = glcm::features(&hand(), &bad_norm).unwrap_err().to_string();
    assert!(
        err.contains("weightingNorm") && err.contains("chebyshev"),
        "{err}"
    );
    let no_dist = TextureSettings {
        distances: vec![],
        ..TextureSettings::default()
    };
    assert!(glcm::features(&hand(), &no_dist).is_err());
    let bad_dim = TextureSettings {
        force_2d: true,
        force_2d_dimension: 3,
        ..TextureSettings::default()
    };
    assert!(ngtdm::features(&hand(), &bad_dim).is_err());
}
