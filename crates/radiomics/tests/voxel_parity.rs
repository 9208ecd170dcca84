//! Voxel-based extraction against pyradiomics 3.1.0 (`execute(..., voxelBased=True)`): every map
//! voxel of tests/fixtures/voxel/voxel_reference.json.gz (made by tools/reference/pyradiomics_voxel.py
//! on a crop of brain1 and a synthetic volume) within 1e-6 relative, the maps' geometry, and initValue outside the ROI.

use std::collections::BTreeMap;
use std::path::PathBuf;

use radiomics::settings::Params;
use radiomics::voxel::{self, FeatureMap, NoProgress};
use radiomics::{Extractor, io};
use serde::Deserialize;

#[derive(Deserialize)]
struct Fixture {
    versions: BTreeMap<String, String>,
    configs: BTreeMap<String, Config>,
}

#[derive(Deserialize)]
struct Geometry {
    size: [usize; 3],
    origin: [f64; 3],
    spacing: [f64; 3],
}

#[derive(Deserialize)]
struct Config {
    image: String,
    mask: String,
    roi_voxels: usize,
    params: String,
    geometry: Geometry,
    outside_voxels: usize,
    roi_index: Vec<usize>,
    maps: BTreeMap<String, Vec<Option<f64>>>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/voxel")
}

fn fixture() -> Fixture {
    use std::io::Read;
    let raw = std::fs::read(dir().join("voxel_reference.json.gz")).expect("fixture");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&raw[..]).read_to_string(&mut text).expect("gzip");
    serde_json::from_str(&text).expect("fixture JSON")
}

/// Relative difference, with a floor of 1e-9 times the map's largest |value| for values that are
/// 0 up to rounding (e.g. ClusterShade of a symmetric kernel: 2e-14 against 0 in a map reaching
/// 1e4); both NaN counts as equal.
fn rel(a: f64, b: f64, scale: f64) -> f64 {
    if a.is_nan() && b.is_nan() {
        return 0.0;
    }
    (a - b).abs() / b.abs().max(1e-9 * scale).max(f64::MIN_POSITIVE)
}

fn run(cfg: &Config) -> BTreeMap<String, FeatureMap> {
    let ex = Extractor::new(Params::from_yaml_str(&cfg.params).expect("params")).expect("extractor");
    let mut maps = BTreeMap::new();
    voxel::execute_files(&ex, dir().join(&cfg.image), dir().join(&cfg.mask), &NoProgress, &mut |m| {
        maps.insert(m.name.clone(), m);
        Ok(())
    })
    .expect("voxel extraction");
    maps
}

#[test]
fn every_map_voxel_matches_pyradiomics() {
    let f = fixture();
    assert_eq!(f.versions["pyradiomics"], "v3.1.0");
    // Largest relative difference per class, over every configuration.
    let mut worst: BTreeMap<String, (f64, String)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (name, cfg) in &f.configs {
        let maps = run(cfg);
        let want: Vec<&String> = cfg.maps.keys().collect();
        let got: Vec<&String> = maps.keys().collect();
        assert_eq!(got, want, "{name}: map names");
        assert_eq!(cfg.roi_index.len(), cfg.roi_voxels);
        let init = Params::from_yaml_str(&cfg.params).unwrap().settings.init_value;
        for (k, reference) in &cfg.maps {
            let m = &maps[k].image;
            assert_eq!(m.size, cfg.geometry.size, "{name} {k}: size");
            for d in 0..3 {
                assert!((m.origin[d] - cfg.geometry.origin[d]).abs() < 1e-9, "{name} {k}: origin {:?}", m.origin);
                assert!((m.spacing[d] - cfg.geometry.spacing[d]).abs() < 1e-12, "{name} {k}: spacing");
            }
            let outside = m.data.len() - cfg.roi_index.len();
            assert_eq!(outside, cfg.outside_voxels, "{name} {k}: voxels outside the ROI");
            let mut in_roi = vec![false; m.data.len()];
            for &i in &cfg.roi_index {
                in_roi[i] = true;
            }
            assert!(
                m.data.iter().zip(&in_roi).all(|(v, r)| *r || *v == init),
                "{name} {k}: a voxel outside the ROI is not initValue {init}"
            );
            let class = k.split('_').nth(1).unwrap_or("?").to_string();
            let scale = reference.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            for (j, (&i, r)) in cfg.roi_index.iter().zip(reference).enumerate() {
                let r = r.unwrap_or(f64::NAN);
                let d = rel(m.data[i], r, scale);
                let e = worst.entry(class.clone()).or_insert((0.0, String::new()));
                if d > e.0 || d.is_nan() {
                    *e = (d, format!("{name} {k} voxel {j}: {} vs {r}", m.data[i]));
                }
                if !(d <= 1e-6) {
                    failures.push(format!("{name} {k} ROI voxel {j} (index {i}): gliofuse {} pyradiomics {r}", m.data[i]));
                }
            }
        }
    }
    for (c, (d, at)) in &worst {
        eprintln!("max relative difference {c}: {d:.3e} ({at})");
    }
    assert!(failures.is_empty(), "{} voxel(s) differ, e.g.:\n{}", failures.len(), failures.iter().take(30).cloned().collect::<Vec<_>>().join("\n"));
}

#[test]
fn maps_are_written_and_read_back_as_float64() {
    let f = fixture();
    let cfg = &f.configs["r2_masked"];
    let maps = run(cfg);
    let tmp = tempfile::tempdir().unwrap();
    let m = &maps["original_glcm_Contrast"];
    for ext in ["nrrd", "nii.gz"] {
        let p = tmp.path().join(format!("Case-1_{}.{ext}", m.name));
        io::write_image(&p, &m.image, radiomics::PixelType::F64).unwrap();
        let back = io::read_image(&p).unwrap();
        assert_eq!(back.size, m.image.size);
        assert_eq!(back.data, m.image.data, "{ext}");
        for d in 0..3 {
            assert!((back.origin[d] - m.image.origin[d]).abs() < 1e-6, "{ext} origin");
        }
    }
}
