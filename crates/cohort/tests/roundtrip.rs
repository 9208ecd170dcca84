//! Manifest and tables survive a write -> read round trip unchanged.

mod common;

use cohort::manifest::{Manifest, RnaUnits};
use cohort::tables::{self, ImageRow, MriRow, Patient, RnaTable};

#[test]
fn manifest_round_trip() {
    let mut m = Manifest::standard("x");
    m.synthetic = Some(common::tiny(3));
    m.rna.units = RnaUnits::Tpm;
    m.tables.slides = None;
    let text = m.to_toml().unwrap();
    let back = Manifest::parse(&text, std::path::Path::new("cohort.toml")).unwrap();
    assert_eq!(back, m);
    let dir = tempfile::tempdir().unwrap();
    m.write(dir.path()).unwrap();
    assert_eq!(Manifest::read(dir.path()).unwrap(), m);
    // Unknown keys are an error naming the file.
    let e = Manifest::parse("[tables]\npatients = \"p.csv\"\nroi = \"r.csv\"\n", std::path::Path::new("c/cohort.toml")).unwrap_err().to_string();
    assert!(e.contains("c/cohort.toml") && e.contains("roi"), "{e}");
}

#[test]
fn tables_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let patients = vec![
        Patient { patient_id: "A".into(), grade: Some(4), idh: Some(0), codel_1p19q: Some(0), cnv: [Some(-1), Some(2), Some(1), Some(-2)], survival_months: Some(12.25), event: Some(1), age: Some(61.5) },
        Patient { patient_id: "B".into(), ..Default::default() },
    ];
    tables::write_patients(&d.join("patients.csv"), &patients).unwrap();
    assert_eq!(tables::read_patients(&d.join("patients.csv")).unwrap(), patients);

    let rois = vec![ImageRow { line: 2, id: "r1".into(), patient_id: "A".into(), path: "rois/r1.png".into() }, ImageRow { line: 3, id: "r2".into(), patient_id: "B".into(), path: "rois/r 2.png".into() }];
    tables::write_image_table(&d.join("rois.csv"), "roi_id", &rois).unwrap();
    assert_eq!(tables::read_image_table(&d.join("rois.csv"), "roi_id", None).unwrap(), rois);

    let rna = RnaTable { genes: vec!["EGFR".into(), "G2".into()], patient_ids: vec!["A".into(), "B".into()], values: vec![10.0, 0.0, f64::NAN, 3.0] };
    tables::write_rna(&d.join("rna.csv"), &rna).unwrap();
    let back = tables::read_rna(&d.join("rna.csv"), None, RnaUnits::Counts).unwrap();
    assert_eq!((back.genes.clone(), back.patient_ids.clone()), (rna.genes.clone(), rna.patient_ids.clone()));
    assert_eq!(back.values[..2], [10.0, 0.0]);
    assert!(back.values[2].is_nan() && back.values[3] == 3.0);

    let mri = vec![MriRow { line: 2, patient_id: "A".into(), modalities: [Some("t1.nii.gz".into()), None, Some("t2.nii".into()), Some("f.nrrd".into())], mask: Some("m.nii.gz".into()) }];
    tables::write_mri(&d.join("mri.csv"), &mri).unwrap();
    assert_eq!(tables::read_mri(&d.join("mri.csv"), None).unwrap(), mri);
}

#[test]
fn synthetic_cohort_opens_and_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::tiny(5);
    common::make(dir.path(), &p);
    let s = cohort::check::check(dir.path(), Default::default(), &|_| {}).unwrap();
    assert_eq!(s.patients, 4);
    assert_eq!(s.grades.iter().sum::<usize>(), 4);
    assert_eq!(s.rna_genes, 30);
    assert_eq!(s.mri_patients, 4);
    assert_eq!(s.modalities, [4; 5]);
    let c = cohort::Cohort::open(dir.path()).unwrap();
    assert_eq!(c.manifest.synthetic.as_ref(), Some(&p));
    // RNA counts are whole numbers, ROIs decode to the requested size.
    assert!(c.rna.as_ref().unwrap().values.iter().all(|v| v.fract() == 0.0));
    let img = cohort::image::load_rgb(&c.resolve(&c.rois[0].path)).unwrap();
    assert_eq!((img.width(), img.height()), (64, 64));
    let v = cohort::volume::read_volume(&c.resolve(c.mri[0].mask.as_ref().unwrap())).unwrap();
    assert_eq!(v.size, [20, 18, 16]);
    assert!(v.data.iter().any(|&x| x == 1.0));
}
