//! `gliofuse slides tile` end to end on a tiny synthetic cohort: coordinates for every slide,
//! valid squares inside the slide, the cap, byte-identical output for any thread count, and
//! bad input exiting 2 with one line.

use std::path::Path;
use std::process::Command;

fn gliofuse(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_gliofuse")).args(args).output().expect("run gliofuse");
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn tile_synthetic_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let c = dir.path().join("c");
    let (rc, _, err) = gliofuse(&[
        "synth", "--out", c.to_str().unwrap(), "--patients", "3", "--seed", "11", "--roi-size", "64", "--slide-size", "1024",
        "--genes", "0", "--mri-size", "0,0,0", "--p-missing-modality", "0",
    ]);
    assert_eq!(rc, 0, "{err}");
    let out1 = dir.path().join("t1");
    let (rc, stdout, err) = gliofuse(&["slides", "tile", "--cohort", c.to_str().unwrap(), "--out", out1.to_str().unwrap(), "--max-patches", "6", "--threads", "1"]);
    assert_eq!(rc, 0, "{err}");
    assert!(stdout.contains("tiled "), "{stdout}");
    let slides: Vec<(String, String)> = read(&c.join("slides.csv"))
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[2].to_string())
        })
        .collect();
    assert!(slides.len() >= 3);
    let index = read(&out1.join("tiles.csv"));
    assert_eq!(index.lines().count(), slides.len() + 1);
    let mut total = 0;
    for (id, _) in &slides {
        let csv = read(&out1.join(format!("{id}.csv")));
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("patch,x,y,size,level,read_size,tissue"));
        let rows: Vec<Vec<f64>> = lines.map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
        assert!(!rows.is_empty() && rows.len() <= 6, "{id}: {} patches", rows.len());
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(r[0] as usize, i);
            // Whole 224-px squares on the 224 grid inside the 1024-px slide, read at level 0.
            assert!(r[1] as u64 % 224 == 0 && r[2] as u64 % 224 == 0 && r[1] + 224.0 <= 1024.0 && r[2] + 224.0 <= 1024.0, "{id}: {r:?}");
            assert_eq!((r[3], r[4], r[5]), (224.0, 0.0, 224.0));
            assert!(r[6] > 0.2 && r[6] <= 1.0);
        }
        let j: serde_json::Value = serde_json::from_str(&read(&out1.join(format!("{id}.json")))).unwrap();
        assert_eq!(j["accepted"].as_u64().unwrap() as usize, rows.len());
        assert_eq!(j["grid"], 16);
        assert_eq!(j["reader"], "native-tiff");
        assert_eq!(j["plan"]["magnification_source"], "assumed");
        assert!(index.contains(&format!("{id},")) && index.contains(&format!(",{},{id}.csv", rows.len())));
        total += rows.len();
    }
    let run: serde_json::Value = serde_json::from_str(&read(&out1.join("tiling.json"))).unwrap();
    assert_eq!(run["patches"].as_u64().unwrap() as usize, total);
    assert_eq!(run["config"]["max_patches"], 6);

    // Two threads: identical bytes (except the timing in tiling.json).
    let out2 = dir.path().join("t2");
    let (rc, _, err) = gliofuse(&["slides", "tile", "--cohort", c.to_str().unwrap(), "--out", out2.to_str().unwrap(), "--max-patches", "6", "--threads", "2"]);
    assert_eq!(rc, 0, "{err}");
    for (id, _) in &slides {
        for ext in ["csv", "json"] {
            assert_eq!(read(&out1.join(format!("{id}.{ext}"))), read(&out2.join(format!("{id}.{ext}"))), "{id}.{ext}");
        }
    }
    assert_eq!(read(&out1.join("tiles.csv")), read(&out2.join("tiles.csv")));

    // A larger cap keeps the first rows: the cap takes a prefix of the shuffled order.
    let out3 = dir.path().join("t3");
    let (rc, _, err) = gliofuse(&["slides", "tile", "--cohort", c.to_str().unwrap(), "--out", out3.to_str().unwrap(), "--max-patches", "2000"]);
    assert_eq!(rc, 0, "{err}");
    let (id, _) = &slides[0];
    let small = read(&out1.join(format!("{id}.csv")));
    let big = read(&out3.join(format!("{id}.csv")));
    assert!(big.starts_with(&small) && big.len() >= small.len());

    // Bad input: exit 2, one line, nothing already written lost.
    let (rc, _, err) = gliofuse(&["slides", "tile", "--cohort", dir.path().join("nope").to_str().unwrap(), "--out", out1.to_str().unwrap()]);
    assert_eq!(rc, 2);
    assert_eq!(err.lines().filter(|l| !l.trim().is_empty()).count(), 1, "{err}");
    let (rc, _, err) = gliofuse(&["slides", "tile", "--cohort", c.to_str().unwrap(), "--out", out1.to_str().unwrap(), "--max-patches", "0"]);
    assert_eq!(rc, 2);
    assert!(err.contains("--max-patches"), "{err}");
    // A corrupt slide: the error names slides.csv, the line and the slide.
    let (id0, rel0) = &slides[0];
    std::fs::write(c.join(rel0), b"II*\0not a tiff").unwrap();
    let (rc, _, err) = gliofuse(&["slides", "tile", "--cohort", c.to_str().unwrap(), "--out", out1.to_str().unwrap()]);
    assert_eq!(rc, 2);
    assert!(err.contains("slides.csv: line 2") && err.contains(id0.as_str()), "{err}");
    assert_eq!(err.lines().filter(|l| !l.trim().is_empty()).count(), 1, "{err}");
    assert_eq!(read(&out1.join(format!("{id}.csv"))), small);
}
