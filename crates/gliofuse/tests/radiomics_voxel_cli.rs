//! `gliofuse radiomics IMAGE MASK --voxel --out DIR` end to end: pyradiomics' file names, NRRD and
//! NIfTI maps equal to the library's, voxel settings from the parameter file and the flags, and
//! bad inputs (exit code 2, one line, maps already written kept).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use radiomics::voxel::{self, NoProgress};
use radiomics::{Extractor, Params, io};

fn fixture(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../radiomics/tests/fixtures/voxel").join(p).display().to_string()
}

fn gliofuse(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gliofuse")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn library_maps(params: &str) -> BTreeMap<String, radiomics::Image> {
    let ex = Extractor::new(Params::from_yaml_str(params).unwrap()).unwrap();
    let mut maps = BTreeMap::new();
    voxel::execute_files(&ex, fixture("brain1_crop_image.nrrd"), fixture("brain1_crop_label.nrrd"), &NoProgress, &mut |m| {
        maps.insert(m.name, m.image);
        Ok(())
    })
    .unwrap();
    maps
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn maps_are_named_as_pyradiomics_and_equal_the_library() {
    let (img, msk) = (fixture("brain1_crop_image.nrrd"), fixture("brain1_crop_label.nrrd"));
    let tmp = tempfile::tempdir().unwrap();
    let params = tmp.path().join("p.yaml");
    std::fs::write(&params, "featureClass: {firstorder: [Mean, Entropy], glcm: [Contrast]}\nvoxelSetting: {kernelRadius: 2, initValue: 3}\n").unwrap();
    let out: PathBuf = tmp.path().join("maps");
    let (rc, _, err) = gliofuse(&["radiomics", &img, &msk, "--voxel", "--param", params.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(
        files(&out),
        ["Case-1_original_firstorder_Entropy.nrrd", "Case-1_original_firstorder_Mean.nrrd", "Case-1_original_glcm_Contrast.nrrd"]
    );
    let lib = library_maps("featureClass: {firstorder: [Mean, Entropy], glcm: [Contrast]}\nvoxelSetting: {kernelRadius: 2, initValue: 3}\n");
    let m = io::read_image(out.join("Case-1_original_glcm_Contrast.nrrd")).unwrap();
    assert_eq!(m.pixel_type, radiomics::PixelType::F64);
    assert_eq!(m.size, [14, 10, 7]); // ROI box 10 x 8 x 3 padded by 2
    assert_eq!(m.data, lib["original_glcm_Contrast"].data);
    assert!(m.data.contains(&3.0));

    // The flags override voxelSetting; NIfTI with --format nifti.
    let out2 = tmp.path().join("nii");
    let (rc, _, err) = gliofuse(&[
        "radiomics", &img, &msk, "--voxel", "--param", params.to_str().unwrap(), "--out", out2.to_str().unwrap(),
        "--format", "nifti", "--kernel-radius", "1", "--masked-kernel", "false", "--init-value", "-2",
    ]);
    assert_eq!(rc, 0, "{err}");
    let lib = library_maps(
        "featureClass: {firstorder: [Mean, Entropy], glcm: [Contrast]}\nvoxelSetting: {kernelRadius: 1, maskedKernel: false, initValue: -2}\n",
    );
    let m = io::read_image(out2.join("Case-1_original_firstorder_Mean.nii.gz")).unwrap();
    assert_eq!(m.size, [12, 8, 5]);
    assert_eq!(m.data, lib["original_firstorder_Mean"].data);
    assert!(m.data.contains(&-2.0));
}

#[test]
fn bad_inputs_exit_2_with_one_line_and_keep_maps() {
    let (img, msk) = (fixture("brain1_crop_image.nrrd"), fixture("brain1_crop_label.nrrd"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("maps");
    let o = out.to_str().unwrap();
    let (rc, _, err) = gliofuse(&["radiomics", &img, &msk, "--voxel", "--out", o]);
    assert_eq!(rc, 0, "{err}");
    let before = files(&out);
    assert_eq!(before.len(), 93);
    let keep = std::fs::read(out.join("Case-1_original_glcm_MCC.nrrd")).unwrap();
    for (args, expect) in [
        (vec!["radiomics", &img, &msk, "--voxel"], "--voxel needs --out"),
        (vec!["radiomics", &img, &msk, "--voxel", "--out", o, "--format", "json"], "nrrd (default) or nifti"),
        (vec!["radiomics", &img, &msk, "--format", "nifti"], "add --voxel"),
        (vec!["radiomics", &img, &msk, "--voxel", "--out", o, "--kernel-radius", "0"], "at least 1"),
        (vec!["radiomics", &img, &msk, "--voxel", "--out", o, "--label", "2"], "label 2"),
        (vec!["radiomics", &img, "missing.nrrd", "--voxel", "--out", o], "missing.nrrd"),
    ] {
        let (rc, _, err) = gliofuse(&args);
        assert_eq!(rc, 2, "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"));
    }
    assert_eq!(files(&out), before);
    assert_eq!(std::fs::read(out.join("Case-1_original_glcm_MCC.nrrd")).unwrap(), keep);
}
