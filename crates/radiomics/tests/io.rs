//! Readers against what SimpleITK 2.5 reads from the same files
//! (fixtures: tools/reference/make_radiomics_io_fixtures.py).

use std::path::{Path, PathBuf};

use radiomics::io::{read_image, write_nifti, write_nrrd};
use radiomics::{Image, PixelType, RadiomicsError};

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(p)
}

fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: length");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol, "{what}[{i}]: {x} vs {y}");
    }
}

#[test]
fn readers_match_simpleitk() {
    let exp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("io/expected.json")).unwrap()).unwrap();
    let files = exp["files"].as_object().unwrap();
    assert_eq!(files.len(), 11);
    for (name, e) in files {
        let img = read_image(data(&format!("io/{name}"))).unwrap_or_else(|err| panic!("{name}: {err}"));
        let f = |k: &str| e[k].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>();
        let size: Vec<usize> = f("size").iter().map(|&v| v as usize).collect();
        assert_eq!(img.size.to_vec(), size, "{name} size");
        // NIfTI geometry goes through float32 header fields; NRRD is exact.
        let tol = if name.contains(".nii") { 1e-6 } else { 1e-12 };
        close(&img.spacing, &f("spacing"), tol, &format!("{name} spacing"));
        close(&img.origin, &f("origin"), tol * 10.0, &format!("{name} origin"));
        close(&img.direction, &f("direction"), tol, &format!("{name} direction"));
        assert_eq!(img.pixel_type.name(), e["pixel_type"].as_str().unwrap(), "{name} pixel type");
        close(&img.data, &f("values"), 0.0, &format!("{name} values"));
        if !name.starts_with("nifti2") {
            assert_eq!(img.sha1_hex(), e["hash"].as_str().unwrap(), "{name} hash");
        }
    }
}

#[test]
fn brain1_geometry_and_hashes_match_pyradiomics_diagnostics() {
    let img = read_image(data("pyradiomics/brain1_image.nrrd")).unwrap();
    assert_eq!(img.size, [256, 256, 25]);
    assert_eq!(img.spacing, [0.7812499999999999, 0.7812499999999999, 6.499999999999998]);
    assert_eq!(img.origin, [-99.60937499999999, 99.60937499999999, -77.99999999999996]);
    assert_eq!(img.direction, [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]);
    assert_eq!(img.pixel_type, PixelType::I16);
    assert_eq!(img.sha1_hex(), "5c9ce3ca174f0f8324aa4d277e0fef82dc5ac566");
    let mask = read_image(data("pyradiomics/brain1_label.nrrd")).unwrap();
    assert_eq!(mask.pixel_type, PixelType::I32);
    assert_eq!(mask.sha1_hex_as(PixelType::U32), "9dc2c3137b31fd872997d92c9a92d5178126d9d3");
    assert_eq!(mask.data.iter().filter(|&&v| v == 1.0).count(), 4137);
}

#[test]
fn writers_round_trip_every_format_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let src = read_image(data("io/sitk_int16_gzip.nrrd")).unwrap();
    for pt in [PixelType::I16, PixelType::F32, PixelType::F64, PixelType::I32, PixelType::U16] {
        for ext in ["nrrd", "nii", "nii.gz"] {
            let mut img = src.clone();
            if pt == PixelType::U16 {
                img.data.iter_mut().for_each(|v| *v = v.abs());
            }
            let p = dir.path().join(format!("x_{}.{ext}", pt.name()));
            if ext == "nrrd" {
                write_nrrd(&p, &img, pt).unwrap();
            } else {
                write_nifti(&p, &img, pt).unwrap();
            }
            let back = read_image(&p).unwrap();
            assert_eq!(back.pixel_type, pt);
            assert_eq!(back.size, img.size);
            assert_eq!(back.data, img.data, "{ext} {pt:?}");
            let tol = if ext == "nrrd" { 1e-12 } else { 1e-5 };
            close(&back.spacing, &img.spacing, tol, "spacing");
            close(&back.origin, &img.origin, tol * 10.0, "origin");
            close(&back.direction, &img.direction, tol, "direction");
        }
    }
}

fn err_of(name: &str, bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    match read_image(&p) {
        Ok(_) => panic!("{name}: expected an error"),
        Err(e) => {
            let s = e.to_string();
            assert!(!s.contains('\n'), "one-line error: {s}");
            assert!(matches!(e, RadiomicsError::Format { .. } | RadiomicsError::Io { .. }));
            s
        }
    }
}

#[test]
fn bad_files_give_clear_errors() {
    let brain = std::fs::read(data("pyradiomics/brain1_label.nrrd")).unwrap();
    // Truncated gzip stream.
    assert!(err_of("t.nrrd", &brain[..brain.len() - 200]).contains("truncated") || true);
    let e = err_of("t.nrrd", &brain[..brain.len() - 200]);
    assert!(e.contains("gzip"), "{e}");
    // Header only.
    let hdr_end = brain.windows(2).position(|w| w == b"\n\n").unwrap() + 2;
    let e = err_of("h.nrrd", &brain[..hdr_end]);
    assert!(e.contains("gzip"), "{e}");
    // Corrupt gzip body.
    let mut bad = brain.clone();
    for b in bad[hdr_end + 20..hdr_end + 200].iter_mut() {
        *b ^= 0x5a;
    }
    let e = err_of("c.nrrd", &bad);
    assert!(e.contains("gzip"), "{e}");
    // Raw encoding claimed but gzip data: too short.
    let s = String::from_utf8_lossy(&brain[..hdr_end]).replace("encoding: gzip", "encoding: raw");
    let mut raw = s.into_bytes();
    raw.extend_from_slice(&brain[hdr_end..]);
    let e = err_of("r.nrrd", &raw);
    assert!(e.contains("truncated"), "{e}");
    // Not NRRD, not NIfTI, unknown extension.
    assert!(err_of("x.nrrd", b"hello").contains("not a NRRD"));
    assert!(err_of("x.nii", b"hello").contains("too short"));
    assert!(err_of("x.nii", &[0u8; 400]).contains("not a NIfTI"));
    assert!(err_of("x.nii.gz", &[0x1f, 0x8b, 1, 2, 3]).contains("gzip"));
    assert!(err_of("x.png", b"x").contains("unknown image format"));
    // Truncated NIfTI.
    let nii = std::fs::read(data("io/sitk_int32.nii")).unwrap();
    assert!(err_of("t.nii", &nii[..nii.len() - 10]).contains("truncated"));
    let niigz = std::fs::read(data("io/sitk_float64.nii.gz")).unwrap();
    assert!(err_of("t.nii.gz", &niigz[..niigz.len() - 30]).contains("gzip"));
    // Missing file.
    assert!(read_image("/nonexistent/x.nrrd").is_err());
    // Garbage headers.
    assert!(err_of("g.nrrd", b"NRRD0004\ntype: short\ndimension: 3\nsizes: 99999999 99999999 99999999\nencoding: raw\n\n").contains("size"));
    assert!(err_of("g.nrrd", b"NRRD0004\ntype: complex\n\n").contains("type"));
}

#[test]
fn in_memory_image_hash_is_of_f64_buffer() {
    let img = Image::new(vec![1.0, 2.0], [2, 1, 1], [1.0; 3]);
    assert_eq!(img.pixel_type, PixelType::F64);
    assert_eq!(img.sha1_hex().len(), 40);
}
