//! Time one slide render and its PNG/JPEG encodings (developer tool).
use rand::SeedableRng;
use std::time::Instant;
fn main() {
    let ph = cohort::synth::histology::Pheno { grade: 4, idh: 0, codel: 0, egfr_amp: false };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let t = Instant::now();
    let r = cohort::synth::histology::render_slide(2048, &ph, &mut rng);
    println!("render {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut buf = Vec::new();
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new_with_quality(&mut buf, image::codecs::png::CompressionType::Fast, image::codecs::png::FilterType::Adaptive)
        .write_image(r.rgb.as_raw(), 2048, 2048, image::ExtendedColorType::Rgb8).unwrap();
    println!("png fast {:.3}s {} bytes", t.elapsed().as_secs_f64(), buf.len());
    let t = Instant::now();
    let mut jb = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jb, 85).write_image(r.rgb.as_raw(), 2048, 2048, image::ExtendedColorType::Rgb8).unwrap();
    println!("jpeg85 {:.3}s {} bytes", t.elapsed().as_secs_f64(), jb.len());
    let t = Instant::now();
    let tb = cohort::tiff::encode_pyramid(&r.rgb, 256);
    println!("tiff pyramid {:.3}s {} bytes", t.elapsed().as_secs_f64(), tb.len());
    std::fs::write("/tmp/slide.tiff", &tb).unwrap();
    r.rgb.save("/tmp/slide.png").unwrap();
}
