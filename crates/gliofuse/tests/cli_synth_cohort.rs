//! `gliofuse synth` then `gliofuse cohort check` pass; bad input exits 2 with one line.

use std::process::Command;

fn gliofuse(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_gliofuse"))
        .args(args)
        .output()
        .expect("run gliofuse");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn synth_then_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let o = out.to_str().unwrap();
    let (rc, _, err) = gliofuse(&[
        "synth", "--out", o, "--patients", "5", "--seed", "3", "--roi-size", "64", "--slide-size", "256", "--genes", "25",
        "--mri-size", "20,18,16", "--mri-idh-effect", "0.5", "--threads", "2",
    ]);
    assert_eq!(rc, 0, "{err}");
    let toml = std::fs::read_to_string(out.join("cohort.toml")).unwrap();
    assert!(toml.contains("mri_idh_effect = 0.5"), "{toml}");
    let (rc, stdout, err) = gliofuse(&["cohort", "check", o]);
    assert_eq!(rc, 0, "{err}");
    assert!(
        stdout.contains("patients: 5")
            && stdout.contains("rna: 5 patients x 25 genes")
            && stdout.contains("passes all checks"),
        "{stdout}"
    );

    // Corrupt a cell: exit 2, one line naming file, line and column.
    let p = out.join("patients.csv");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replacen("SYN-0002,", "SYN-0002,7", 1);
    std::fs::write(&p, text).unwrap();
    let (rc, _, err) = gliofuse(&["cohort", "check", o]);
    assert_eq!(rc, 2);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with("error: ")
            && lines[0].contains("patients.csv: line 3, column `grade`"),
        "{err}"
    );

    // Bad parameters: exit 2 and nothing written.
    let other = dir.path().join("d");
    let (rc, _, err) = gliofuse(&[
        "synth",
        "--out",
        other.to_str().unwrap(),
        "--roi-size",
        "5000",
    ]);
    assert_eq!(rc, 2);
    assert!(err.contains("--roi-size 5000 is out of range"), "{err}");
    assert!(!other.exists());
    let (rc, _, err) = gliofuse(&["synth", "--out", other.to_str().unwrap(), "--mri-idh-effect", "5"]);
    assert_eq!(rc, 2);
    assert!(err.contains("--mri-idh-effect 5 is out of range"), "{err}");
    assert!(!other.exists());
}
