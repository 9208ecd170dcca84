//! Same seed -> byte-identical files (whatever the thread count); another seed -> different.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_any_thread_count() {
    let p = common::tiny(7);
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| common::make(a.path(), &p));
    rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap().install(|| common::make(b.path(), &p));
    let (sa, sb) = (snapshot(a.path()), snapshot(b.path()));
    // Every kind of file is there: manifest, 5 tables, truth, ROIs, slides, MRI volumes.
    for name in ["cohort.toml", "patients.csv", "rois.csv", "slides.csv", "rna.csv", "mri.csv", "truth.csv", "mri/SYN-0001/flair.nii.gz"] {
        assert!(sa.contains_key(name), "missing {name}: {:?}", sa.keys().collect::<Vec<_>>());
    }
    assert!(sa.keys().any(|k| k.starts_with("rois/")) && sa.keys().any(|k| k.starts_with("slides/")));
    assert_eq!(sa.keys().collect::<Vec<_>>(), sb.keys().collect::<Vec<_>>());
    for (k, v) in &sa {
        assert!(v == &sb[k], "{k} differs between runs");
    }
    let mut q = p.clone();
    q.seed = 8;
    common::make(c.path(), &q);
    let sc = snapshot(c.path());
    assert_ne!(sa["patients.csv"], sc["patients.csv"]);
    assert_ne!(sa["rois/SYN-0001_1.png"], sc["rois/SYN-0001_1.png"]);
}
