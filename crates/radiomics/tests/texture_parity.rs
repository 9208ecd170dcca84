//! Parity of the five texture classes with pyradiomics 3.1.0 on brain1 and brain2, for the
//! default settings and the variants in tests/fixtures/texture_pyradiomics.json (binCount 64,
//! binWidth 10, force2D along each axis, every weightingNorm, distances [1,2] and [2], gldm_a 1,
//! symmetricalGLCM false, and the settings of pyradiomics' baseline columns), and on small
//! synthetic arrays including degenerate ones (flat regions, ROIs without neighbour pairs, gaps
//! between gray levels, a single voxel, which pyradiomics refuses). Every value must
//! agree within 1e-6 relative (1e-9 absolute where pyradiomics gives 0, 1e-12 absolute where it
//! gives a rounding residue below 1e-12); NaN must be NaN.
//! Run with `--nocapture` to see the largest difference per class.

mod common;

use std::collections::BTreeMap;

use common::{CLASSES, load, rel_diff, run_class};

#[test]
fn texture_features_equal_pyradiomics_3_1_0() {
    let fx = load();
    assert_eq!(fx.versions["pyradiomics"], "v3.1.0");
    let mut worst: BTreeMap<&str, (f64, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut checked = 0usize;
    let mut refused = 0usize;
    for case in &fx.cases {
        let roi = fx.rois[&case.roi].to_discretized();
        let settings = case.settings.to_texture();
        if let Some(err) = &case.error {
            // pyradiomics refuses the input: so must we, with an error rather than a panic.
            for class in CLASSES {
                let r = run_class(class, &roi, &settings);
                assert!(
                    r.is_err(),
                    "{} {class}: pyradiomics raised {err}, we gave {r:?}",
                    case.name
                );
            }
            refused += 1;
            continue;
        }
        for class in CLASSES {
            let want = &case.features[class];
            let got = run_class(class, &roi, &settings)
                .unwrap_or_else(|e| panic!("{} {class}: {e}", case.name));
            // Same names, in pyradiomics' order (sorted by name, as inspect.getmembers lists them).
            let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            assert_eq!(names, sorted, "{class}: pyradiomics' order");
            assert_eq!(
                names,
                want.keys().map(|k| k.as_str()).collect::<Vec<_>>(),
                "{class} names"
            );
            for (name, v) in &got {
                checked += 1;
                let w = want[name];
                let ok = match w {
                    None => v.is_nan(),
                    Some(0.0) => v.abs() <= 1e-9,
                    // A value that is 0 up to rounding (e.g. ClusterShade of a checkerboard,
                    // -1.4e-17 in pyradiomics) is compared absolutely.
                    // MCC of a GLCM whose second eigenvalue is exactly 0 (independent i and j,
                    // e.g. a uniform 2x2 matrix): pyradiomics returns sqrt of LAPACK's rounding
                    // residue (7.45e-9 = sqrt(5.55e-17)), we return ~0; both are 0 up to rounding.
                    Some(w) if name == "MCC" && w.abs() < 1e-7 => v.abs() < 1e-7,
                    Some(w) => rel_diff(*v, w) <= 1e-6 || (v - w).abs() <= 1e-12,
                };
                if let Some(w) = w.filter(|w| w.abs() > 1e-12 && !(name == "MCC" && w.abs() < 1e-7))
                {
                    let d = rel_diff(*v, w);
                    let e = worst.entry(class).or_insert((0.0, String::new()));
                    if d > e.0 || d.is_nan() {
                        *e = (d, format!("{} {name}: {v} vs {w}", case.name));
                    }
                }
                if !ok {
                    failures.push(format!(
                        "{} {class} {name}: got {v}, pyradiomics {w:?}",
                        case.name
                    ));
                }
            }
        }
    }
    for (class, (d, at)) in &worst {
        println!("{class:6} max relative difference {d:.3e} ({at})");
    }
    println!("{checked} values checked in {} cases", fx.cases.len());
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(checked, (fx.cases.len() - refused) * 75);
    assert!(fx.cases.len() >= 65 && refused == 1);
}
