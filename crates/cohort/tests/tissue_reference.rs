//! The slide tissue rules against scikit-image / SciPy on small fixed images
//! (fixture from tools/reference/make_tissue_fixtures.py; library versions in the file).

use cohort::slides::tissue::{Mask, contrast_ratio, dilate, erode, is_low_contrast, otsu_f64, otsu_u8, saturation, tissue_mask};
use image::RgbImage;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("fixtures/tissue_reference.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array().unwrap().iter().map(|b| b.as_u64().unwrap() == 1).collect()
}

#[test]
fn otsu_mask_morphology_and_contrast_match_skimage() {
    let cases = cases();
    assert_eq!(cases.len(), 5);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let (w, h) = (c["width"].as_u64().unwrap() as u32, c["height"].as_u64().unwrap() as u32);
        let px: Vec<u8> = c["pixels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u8).collect();
        let img = RgbImage::from_raw(w, h, px).unwrap();
        // Otsu per channel (uint8) and on the saturation (float, 256 bins).
        for ch in 0..3 {
            let vals: Vec<u8> = img.pixels().map(|p| p.0[ch]).collect();
            assert_eq!(otsu_u8(&vals) as u64, c["otsu_rgb"][ch].as_u64().unwrap(), "{name} channel {ch}");
        }
        let sat: Vec<f64> = img.pixels().map(|p| saturation(p.0)).collect();
        let s_ref = c["otsu_s"].as_f64().unwrap();
        assert!((otsu_f64(&sat, 256) - s_ref).abs() < 1e-12, "{name}: otsu(S) {} vs {s_ref}", otsu_f64(&sat, 256));
        // Steyaert's tissue mask, then scipy's morphology.
        let (mask, t) = tissue_mask(&img, 50);
        assert_eq!([t.r, t.g, t.b].map(|v| v as u64).to_vec(), c["otsu_rgb"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect::<Vec<_>>());
        assert_eq!(mask.data, bools(&c["mask"]), "{name}: tissue mask");
        let m = Mask { width: w as usize, height: h as usize, data: bools(&c["mask"]) };
        assert_eq!(dilate(&m, 3).data, bools(&c["mask_dilated"]), "{name}: dilation");
        assert_eq!(erode(&dilate(&m, 3), 3).data, bools(&c["mask_closed"]), "{name}: dilation + erosion");
        // is_low_contrast's ratio.
        let r_ref = c["contrast_ratio"].as_f64().unwrap();
        assert!((contrast_ratio(&img) - r_ref).abs() < 1e-12, "{name}: contrast {} vs {r_ref}", contrast_ratio(&img));
        assert_eq!(is_low_contrast(&img, 0.05), c["is_low_contrast"].as_bool().unwrap(), "{name}");
    }
}
