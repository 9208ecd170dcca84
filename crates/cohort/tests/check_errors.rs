//! Each bad input of `cohort check` gives an error naming the file, line and column.

mod common;

use std::path::Path;

use cohort::check::{CheckOptions, check};

fn cohort_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::make(dir.path(), &common::tiny(11));
    assert!(check(dir.path(), CheckOptions::default(), &|_| {}).is_ok());
    dir
}

fn err(dir: &Path) -> String {
    check(dir, CheckOptions::default(), &|_| {}).unwrap_err().to_string()
}

/// Replace line `line` (1-based) of a CSV file.
fn edit_line(path: &Path, line: usize, f: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let out: Vec<String> = text.lines().enumerate().map(|(i, l)| if i + 1 == line { f(l) } else { l.to_string() }).collect();
    std::fs::write(path, out.join("\n") + "\n").unwrap();
}

#[test]
fn unknown_patient_id() {
    let d = cohort_dir();
    edit_line(&d.path().join("rois.csv"), 3, |l| {
        let mut c: Vec<&str> = l.split(',').collect();
        c[1] = "NOBODY";
        c.join(",")
    });
    let e = err(d.path());
    assert!(e.contains("rois.csv: line 3, column `patient_id`") && e.contains("unknown patient id `NOBODY`"), "{e}");
}

#[test]
fn duplicate_ids() {
    let d = cohort_dir();
    let p = d.path().join("patients.csv");
    edit_line(&p, 3, |l| l.replacen("SYN-0002", "SYN-0001", 1));
    let e = err(d.path());
    assert!(e.contains("patients.csv: line 3, column `patient_id`") && e.contains("duplicate id `SYN-0001` (first on line 2)"), "{e}");
}

#[test]
fn out_of_range_values() {
    let d = cohort_dir();
    let p = d.path().join("patients.csv");
    let orig = std::fs::read_to_string(&p).unwrap();
    // grade is column 2.
    edit_line(&p, 4, |l| {
        let mut c: Vec<String> = l.split(',').map(String::from).collect();
        c[1] = "5".into();
        c.join(",")
    });
    let e = err(d.path());
    assert!(e.contains("patients.csv: line 4, column `grade`") && e.contains("`5` is out of range"), "{e}");
    std::fs::write(&p, &orig).unwrap();
    // idh = 2 and a non-number.
    edit_line(&p, 2, |l| {
        let mut c: Vec<String> = l.split(',').map(String::from).collect();
        c[2] = "2".into();
        c.join(",")
    });
    assert!(err(d.path()).contains("line 2, column `idh`"));
    std::fs::write(&p, &orig).unwrap();
    edit_line(&p, 5, |l| {
        let mut c: Vec<String> = l.split(',').map(String::from).collect();
        c[8] = "many".into();
        c.join(",")
    });
    let e = err(d.path());
    assert!(e.contains("line 5, column `survival_months`") && e.contains("`many` is not a number"), "{e}");
    // Non-integer RNA counts.
    std::fs::write(&p, &orig).unwrap();
    let r = d.path().join("rna.csv");
    edit_line(&r, 2, |l| {
        let mut c: Vec<String> = l.split(',').map(String::from).collect();
        c[3] = "2.5".into();
        c.join(",")
    });
    let e = err(d.path());
    assert!(e.contains("rna.csv: line 2, column `CARD11`") && e.contains("whole read count"), "{e}");
}

#[test]
fn unreadable_images() {
    let d = cohort_dir();
    let roi = d.path().join("rois").join("SYN-0003_1.png");
    std::fs::write(&roi, b"\x89PNG\r\n\x1a\n garbage").unwrap();
    let e = err(d.path());
    assert!(e.contains("rois.csv: line") && e.contains("column `path`") && e.contains("cannot read `rois/SYN-0003_1.png`"), "{e}");
    std::fs::remove_file(&roi).unwrap();
    let e = err(d.path());
    assert!(e.contains("cannot read `rois/SYN-0003_1.png`"), "{e}");
}

#[test]
fn unreadable_slide() {
    let d = cohort_dir();
    let slide = d.path().join("slides").join("SYN-0002_S1.tiff");
    assert!(slide.exists());
    std::fs::write(&slide, b"II*\0garbage").unwrap();
    let e = err(d.path());
    assert!(e.contains("slides.csv: line") && e.contains("column `path`") && e.contains("cannot read `slides/SYN-0002_S1.tiff`"), "{e}");
}

#[test]
fn unreadable_volume_and_empty_mask() {
    let d = cohort_dir();
    let t2 = d.path().join("mri").join("SYN-0002").join("t2.nii.gz");
    std::fs::write(&t2, b"nonsense").unwrap();
    let e = err(d.path());
    assert!(e.contains("mri.csv: line 3, column `t2`") && e.contains("cannot read `mri/SYN-0002/t2.nii.gz`"), "{e}");
    std::fs::remove_file(&t2).unwrap();
    // An all-zero mask.
    let m = d.path().join("mri").join("SYN-0001").join("mask.nii.gz");
    let mut mask = cohort::volume::read_volume(&m).unwrap();
    mask.data.iter_mut().for_each(|v| *v = 0.0);
    cohort::volume::write_volume(&m, &mask, cohort::volume::VolumeKind::Mask).unwrap();
    let e = err(d.path());
    assert!(e.contains("mri.csv: line 2, column `mask`") && e.contains("is empty"), "{e}");
}

#[test]
fn geometry_mismatch() {
    let d = cohort_dir();
    let p = d.path().join("mri").join("SYN-0004").join("t1ce.nii.gz");
    let mut img = cohort::volume::read_volume(&p).unwrap();
    img.spacing = [1.0, 1.0, 1.5];
    cohort::volume::write_volume(&p, &img, cohort::volume::VolumeKind::Intensity).unwrap();
    let e = err(d.path());
    assert!(e.contains("mri.csv: line 5, column `t1ce`") && e.contains("spacing [1.0, 1.0, 1.5] vs [1.0, 1.0, 1.0]"), "{e}");
    img.spacing = [1.0; 3];
    img.origin[0] += 2.0;
    cohort::volume::write_volume(&p, &img, cohort::volume::VolumeKind::Intensity).unwrap();
    assert!(err(d.path()).contains("origin"));
    img.origin[0] -= 2.0;
    img.direction = [0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, -1.0];
    cohort::volume::write_volume(&p, &img, cohort::volume::VolumeKind::Intensity).unwrap();
    assert!(err(d.path()).contains("direction"));
    // A different size.
    let small = radiomics::Image { data: vec![1.0; 8], size: [2, 2, 2], ..img.clone() };
    cohort::volume::write_volume(&p, &small, cohort::volume::VolumeKind::Intensity).unwrap();
    assert!(err(d.path()).contains("size [2, 2, 2] vs [20, 18, 16]"));
}

#[test]
fn missing_column_and_missing_manifest() {
    let d = cohort_dir();
    edit_line(&d.path().join("slides.csv"), 1, |_| "slide,patient_id,path".into());
    let e = err(d.path());
    assert!(e.contains("slides.csv: missing column `slide_id`"), "{e}");
    let empty = tempfile::tempdir().unwrap();
    let e = err(empty.path());
    assert!(e.contains("cohort.toml"), "{e}");
}
