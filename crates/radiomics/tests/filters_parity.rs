//! Filter outputs (voxel arrays) against pyradiomics 3.1.0's filter functions, i.e. PyWavelets
//! 1.8.0 and SimpleITK 2.5.7 (fixtures made by tools/reference/make_filter_fixtures.py; see
//! tests/fixtures/README.md).
//!
//! Every stored voxel must satisfy |rust − ref| <= 1e-6 · max(|ref|, 1e-3 · max|ref of the
//! array|): 1e-6 relative, with a floor for voxels near zero (LoG and detail bands cross zero).
//! LoG is also computed at brain1's ROI from the ROI's bounding box grown by the filter's reach
//! (as the extractor does) and held to the same tolerance ("log (ROI box)").
//! The largest differences are printed (`cargo test --release -p radiomics --test filters_parity
//! -- --nocapture`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use radiomics::Image;
use radiomics::filters::{
    DerivedImage, Region, gradient::gradient_images, log::laplacian_recursive_gaussian_in_region,
    log::log_image_name, log::log_images, point::PointFilter, point::point_images, wavelet::WaveletSettings,
    wavelet::wavelet_images,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
struct Fixture {
    versions: BTreeMap<String, String>,
    cases: Vec<Case>,
}

#[derive(Deserialize, Clone)]
struct ArrayRec {
    dtype: String,
    offset: usize,
    len: usize,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct Case {
    case: String,
    input: Value,
    #[serde(default)]
    voxels: Option<ArrayRec>,
    #[serde(default)]
    size_xyz: Option<[usize; 3]>,
    #[serde(default)]
    spacing: Option<[f64; 3]>,
    filter: String,
    settings: BTreeMap<String, Value>,
    outputs: Vec<ArrayRec>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/filters")
}

fn read_array(blob: &[u8], r: &ArrayRec) -> Vec<f64> {
    let b = &blob[r.offset..];
    match r.dtype.as_str() {
        "float64" => (0..r.len).map(|i| f64::from_le_bytes(b[8 * i..8 * i + 8].try_into().unwrap())).collect(),
        "float32" => (0..r.len).map(|i| f32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()) as f64).collect(),
        "uint32" => (0..r.len).map(|i| u32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap()) as f64).collect(),
        d => panic!("dtype {d}"),
    }
}

fn run(case: &Case, image: &Image) -> Vec<DerivedImage> {
    let s = &case.settings;
    match case.filter.as_str() {
        "wavelet" => {
            let mut ws = WaveletSettings::default();
            if let Some(w) = s.get("wavelet") {
                ws.wavelet = w.as_str().unwrap().to_string();
            }
            if let Some(v) = s.get("level") {
                ws.level = v.as_u64().unwrap() as usize;
            }
            if let Some(v) = s.get("start_level") {
                ws.start_level = v.as_u64().unwrap() as usize;
            }
            if s.get("force2D").and_then(Value::as_bool) == Some(true) {
                ws.force2d_dimension = Some(s.get("force2Ddimension").and_then(Value::as_u64).unwrap_or(0) as usize);
            }
            wavelet_images(image, &ws).unwrap()
        }
        "log" => {
            let sig: Vec<f64> = s["sigma"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            log_images(image, &sig).unwrap()
        }
        "gradient" => {
            gradient_images(image, s.get("gradientUseSpacing").and_then(Value::as_bool).unwrap_or(true)).unwrap()
        }
        "square" => point_images(image, PointFilter::Square).unwrap(),
        "squareroot" => point_images(image, PointFilter::SquareRoot).unwrap(),
        "logarithm" => point_images(image, PointFilter::Logarithm).unwrap(),
        "exponential" => point_images(image, PointFilter::Exponential).unwrap(),
        f => panic!("filter {f}"),
    }
}

/// Record the largest differences of `ours` against `reference` under `fam`, and a failure per
/// voxel over the tolerance (see the module comment).
fn compare(
    ours: &[f64],
    reference: &[f64],
    fam: &str,
    what: &str,
    worst: &mut BTreeMap<String, (f64, f64, usize)>,
    failures: &mut Vec<String>,
) {
    let scale = reference.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let e = worst.entry(fam.to_string()).or_insert((0.0, 0.0, 0));
    for (k, (&a, &b)) in ours.iter().zip(reference).enumerate() {
        let diff = (a - b).abs();
        let denom = b.abs().max(1e-3 * scale);
        e.0 = e.0.max(diff);
        e.1 = e.1.max(if denom > 0.0 { diff / denom } else { diff });
        e.2 += 1;
        if (diff.is_nan() || diff > 1e-6 * denom) && failures.len() < 20 {
            failures.push(format!("{what} voxel {k}: {a} vs {b}"));
        }
    }
}

#[test]
fn filters_match_pywavelets_and_simpleitk() {
    let fx: Fixture = serde_json::from_slice(&std::fs::read(fixtures().join("filters.json")).unwrap()).unwrap();
    assert_eq!(fx.versions["pyradiomics"], "v3.1.0");
    let blob = std::fs::read(fixtures().join("filters.bin")).unwrap();
    let brain1 = radiomics::io::read_image(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pyradiomics/brain1_image.nrrd"),
    )
    .unwrap();
    // filter family -> (max abs diff, max rel diff, voxels compared)
    let mut worst: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &fx.cases {
        let image = match &case.input {
            Value::String(_) => brain1.clone(),
            v => {
                let rec: ArrayRec = serde_json::from_value(v.clone()).unwrap();
                Image::new(read_array(&blob, &rec), case.size_xyz.unwrap(), case.spacing.unwrap())
            }
        };
        let sel: Option<Vec<usize>> =
            case.voxels.as_ref().map(|r| read_array(&blob, r).into_iter().map(|v| v as usize).collect());
        let got = run(case, &image);
        let names: Vec<&str> = got.iter().map(|d| d.name.as_str()).collect();
        let want: Vec<&str> = case.outputs.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, want, "{} {} {:?}", case.case, case.filter, case.settings);
        // LoG at the selected voxels only (the ROI of brain1): computed from their bounding box
        // grown by the filter's reach, as the extractor does, instead of the whole image.
        let roi_box = sel.as_ref().filter(|_| case.filter == "log").map(|s| {
            let xyz = |i: usize| [i % image.size[0], (i / image.size[0]) % image.size[1], i / (image.size[0] * image.size[1])];
            let lo: [usize; 3] = std::array::from_fn(|a| s.iter().map(|&i| xyz(i)[a]).min().unwrap());
            let hi: [usize; 3] = std::array::from_fn(|a| s.iter().map(|&i| xyz(i)[a]).max().unwrap());
            let region = Region { start: lo, size: std::array::from_fn(|a| hi[a] - lo[a] + 1) };
            let inside: Vec<usize> = s
                .iter()
                .map(|&i| {
                    let p = xyz(i);
                    (p[0] - lo[0]) + region.size[0] * ((p[1] - lo[1]) + region.size[1] * (p[2] - lo[2]))
                })
                .collect();
            (region, inside)
        });
        for (d, rec) in got.iter().zip(&case.outputs) {
            let reference = read_array(&blob, rec);
            let ours: Vec<f64> = match &sel {
                Some(s) => s.iter().map(|&i| d.image.data[i]).collect(),
                None => d.image.data.clone(),
            };
            if let Some((region, inside)) = &roi_box {
                let sigma: f64 = case.settings["sigma"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_f64().unwrap())
                    .find(|&s| log_image_name(s) == d.name)
                    .unwrap();
                let part = laplacian_recursive_gaussian_in_region(&image, sigma, region).unwrap();
                let boxed: Vec<f64> = inside.iter().map(|&i| part.data[i]).collect();
                compare(&boxed, &reference, "log (ROI box)", &format!("{} {} ROI box", case.case, rec.name), &mut worst, &mut failures);
            }
            assert_eq!(ours.len(), reference.len());
            let fam = format!("{}{}", case.filter, if case.filter == "wavelet" {
                format!(" {}", case.settings.get("wavelet").and_then(Value::as_str).unwrap_or("coif1"))
            } else {
                String::new()
            });
            compare(&ours, &reference, &fam, &format!("{} {:?} {}", case.case, case.settings, rec.name), &mut worst, &mut failures);
        }
    }
    for (fam, (abs, rel, n)) in &worst {
        println!("{fam:<16} voxels {n:>7}  max |diff| {abs:.3e}  max rel {rel:.3e}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
