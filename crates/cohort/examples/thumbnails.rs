//! Regenerate the example images of docs/synthetic-cohort.md:
//! `cargo run --release -p cohort --example thumbnails -- docs/img`
use image::{imageops, GrayImage, Rgb, RgbImage};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use cohort::synth::clinical::Truth;
use cohort::synth::histology::{render_roi, render_slide, Pheno};

fn save(img: &RgbImage, path: &std::path::Path) {
    img.save(path).expect("write PNG");
    println!("{} {} bytes", path.display(), std::fs::metadata(path).map(|m| m.len()).unwrap_or(0));
}

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "docs/img".into()));
    std::fs::create_dir_all(&out).expect("create output dir");
    // ROIs: [ROI | ROI with grade evidence tinted green], 256 px rendered, 128 px shown.
    for (grade, idh, codel, seed) in [(2u8, 1u8, 1u8, 3u64), (3, 1, 0, 5), (4, 0, 0, 4)] {
        let ph = Pheno { grade, idh, codel, egfr_amp: grade == 4 };
        let r = render_roi(256, &ph, &mut ChaCha8Rng::seed_from_u64(seed));
        let mut tinted = r.rgb.clone();
        for (i, p) in tinted.pixels_mut().enumerate() {
            if r.evidence[i] == 1 {
                *p = Rgb([(p.0[0] as u16 * 6 / 10) as u8, ((p.0[1] as u16 * 6 / 10) + 90).min(255) as u8, (p.0[2] as u16 * 6 / 10) as u8]);
            }
        }
        let mut pair = RgbImage::from_pixel(2 * 128 + 4, 128, Rgb([255, 255, 255]));
        imageops::replace(&mut pair, &imageops::resize(&r.rgb, 128, 128, imageops::FilterType::Triangle), 0, 0);
        imageops::replace(&mut pair, &imageops::resize(&tinted, 128, 128, imageops::FilterType::Triangle), 132, 0);
        save(&pair, &out.join(format!("roi_grade{grade}.png")));
    }
    // A full-resolution 256 px crop of a grade IV ROI for detail.
    let r = render_roi(256, &Pheno { grade: 4, idh: 0, codel: 0, egfr_amp: false }, &mut ChaCha8Rng::seed_from_u64(4));
    save(&imageops::crop_imm(&r.rgb, 0, 64, 128, 128).to_image(), &out.join("roi_grade4_detail.png"));
    // Slide thumbnail.
    let s = render_slide(2048, &Pheno { grade: 4, idh: 0, codel: 0, egfr_amp: true }, &mut ChaCha8Rng::seed_from_u64(2));
    save(&imageops::resize(&s.rgb, 224, 224, imageops::FilterType::Triangle), &out.join("slide_grade4.png"));
    // MRI: axial slice through the tumour centre of mass, t1 | t1ce | t2 | flair | mask.
    for (idh, name) in [(0u8, "mri_idh_wildtype.png"), (1, "mri_idh_mutant.png")] {
        let t = Truth {
            patient_id: "X".into(),
            grade: if idh == 0 { 4 } else { 2 },
            idh,
            codel: 0,
            cnv: [0; 4],
            age: 50.0,
            risk: 0.0,
            eta: 0.0,
            time: 1.0,
            event: 0,
        };
        let v = cohort::synth::mri::render(&t, [96, 96, 48], 1.0, 1.0, &mut ChaCha8Rng::seed_from_u64(11 + idh as u64));
        let [nx, ny, nz] = v.mask.size;
        let z = (0..nz)
            .max_by_key(|&z| (0..nx * ny).filter(|&i| v.mask.data[z * nx * ny + i] > 0.0).count())
            .unwrap_or(nz / 2);
        let mut montage = GrayImage::from_pixel((5 * nx + 8) as u32, ny as u32, image::Luma([255]));
        for (k, img) in v.modalities.iter().chain([&v.mask]).enumerate() {
            let sl = &img.data[z * nx * ny..(z + 1) * nx * ny];
            let max = sl.iter().cloned().fold(1.0, f64::max);
            for y in 0..ny {
                for x in 0..nx {
                    // Radiological display: flip y so anterior is up.
                    let val = (sl[y * nx + x] / max * 255.0).clamp(0.0, 255.0) as u8;
                    montage.put_pixel((k * (nx + 2) + x) as u32, (ny - 1 - y) as u32, image::Luma([val]));
                }
            }
        }
        let rgb = image::DynamicImage::ImageLuma8(montage).into_rgb8();
        save(&imageops::resize(&rgb, rgb.width(), rgb.height(), imageops::FilterType::Triangle), &out.join(name));
    }
}
