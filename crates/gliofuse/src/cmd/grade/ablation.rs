//! `gliofuse grade ablation --config fof.toml [--cohort DIR] --out OUT [--folds K]`: the FoF
//! paper's ablation (Table I: baseline ViT, FoF w/o FRL, FoF w/o MCA, FoF) as four
//! cross-validations on the same patient-grouped folds (the folds depend only on the cohort, K
//! and the config's seed, which the variants share).
//!
//! The variants are made from the config's `[model.fof]` section:
//!
//! * `baseline`: the section removed (a K-way ViT trained with cross entropy);
//! * `no_frl`: `frl = false` (no CAM pass, no masked views; MCA on the global views);
//! * `no_mca`: `mca = false` (FRL only);
//! * `fof`: `frl = true`, `mca = true`.
//!
//! Outputs: `OUT/configs/<variant>.toml` (the resolved config of each), `OUT/<variant>/` (a
//! complete `grade cv` run: `run.json`, `predictions.csv`, `cv.json`, `cams/*.png`, the folds),
//! `OUT/ablation.json` = `{"baseline": <cv.json>, "no_frl": ..., "no_mca": ..., "fof": ...}`
//! and `OUT/ablation.md`, the mean ± std table per ROI and per patient.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args as ClapArgs;
use serde_json::{Map, Value};

use super::cv::{CvArgs, SplitKind};
use super::data::load_config;
use crate::cmd::output::{write_atomic, write_json};

/// The variants, in table order.
pub const VARIANTS: [&str; 4] = ["baseline", "no_frl", "no_mca", "fof"];

#[derive(ClapArgs, Debug)]
pub struct AblationArgs {
    /// FoF experiment configuration with a [model.fof] section, e.g. configs/grade/fof.toml.
    #[arg(long)]
    pub config: PathBuf,
    /// Cohort directory (overrides [data] cohort of the config).
    #[arg(long)]
    pub cohort: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of folds.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Run only this variant (baseline, no_frl, no_mca or fof), e.g. in parallel processes;
    /// then run again with --resume and without --only to write ablation.json.
    #[arg(long)]
    pub only: Option<String>,
    /// Continue an interrupted ablation: variants with a cv.json are kept, the others resumed.
    #[arg(long)]
    pub resume: bool,
    /// cpu, gpu or gpu:N (overrides the config's device).
    #[arg(long)]
    pub device: Option<String>,
    /// Grad-CAM overlays per fold and variant (see `grade cv --cams`).
    #[arg(long, default_value_t = 3)]
    pub cams: usize,
}

pub fn run(a: &AblationArgs) -> Result<()> {
    let (cfg, _) = load_config(&a.config, a.cohort.as_deref(), a.device.as_deref())?;
    let Some(fof) = cfg.model.fof.clone() else {
        bail!(
            "{}: no [model.fof] section; the ablation compares FoF variants: add [model.fof] (see configs/grade/fof-tiny.toml)",
            a.config.display()
        );
    };
    if let Some(v) = &a.only
        && !VARIANTS.contains(&v.as_str())
    {
        bail!("--only {v}: choose one of {}", VARIANTS.join(", "));
    }
    let summary = a.out.join("ablation.json");
    if !a.resume
        && a.out.exists()
        && std::fs::read_dir(&a.out).is_ok_and(|mut d| d.next().is_some())
    {
        bail!(
            "{}: is not empty; pass --resume to continue an ablation there, or choose another --out",
            a.out.display()
        );
    }
    let configs = a.out.join("configs");
    std::fs::create_dir_all(&configs).with_context(|| format!("creating {}", configs.display()))?;
    for name in VARIANTS {
        if a.only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut v = cfg.clone();
        v.model.fof = match name {
            "baseline" => None,
            "no_frl" => Some(models::fof::FofConfig {
                frl: false,
                mca: true,
                ..fof.clone()
            }),
            "no_mca" => Some(models::fof::FofConfig {
                frl: true,
                mca: false,
                ..fof.clone()
            }),
            _ => Some(models::fof::FofConfig {
                frl: true,
                mca: true,
                ..fof.clone()
            }),
        };
        let out = a.out.join(name);
        if out.join("cv.json").exists() {
            eprintln!(
                "ablation: {name} already has {}; kept",
                out.join("cv.json").display()
            );
            continue;
        }
        let path = configs.join(format!("{name}.toml"));
        write_atomic(&path, v.to_toml()?.as_bytes())?;
        eprintln!("ablation: variant {name} -> {}", out.display());
        super::cv::run(&CvArgs {
            config: path,
            folds: a.folds,
            split: SplitKind::Patient,
            cohort: None,
            out: out.clone(),
            resume: a.resume && out.exists(),
            device: None,
            cams: a.cams,
            fold: None,
        })
        .with_context(|| format!("ablation variant {name}"))?;
    }

    let mut doc = Map::new();
    for name in VARIANTS {
        let p = a.out.join(name).join("cv.json");
        if !p.exists() {
            println!(
                "{} not written yet: {name} has no cv.json; when every variant has, run the same command with --resume and without --only",
                summary.display()
            );
            return Ok(());
        }
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
        let v: Value =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))?;
        doc.insert(name.to_string(), v);
    }
    write_json(&summary, &Value::Object(doc.clone()))?;
    let md = table(&doc, a.folds);
    write_atomic(&a.out.join("ablation.md"), md.as_bytes())?;
    print!("{md}");
    println!(
        "wrote {} and {}",
        summary.display(),
        a.out.join("ablation.md").display()
    );
    Ok(())
}

/// The markdown table of the FoF paper's Table I (AUC, AP, accuracy, kappa: micro AUC / AP,
/// unweighted kappa), mean ± std over folds in %, plus macro AUC and quadratic kappa, per ROI and
/// per patient.
pub fn table(doc: &Map<String, Value>, folds: usize) -> String {
    let keys = [
        ("auc_micro", "AUC"),
        ("ap_micro", "AP"),
        ("accuracy", "Acc"),
        ("kappa", "Kappa"),
        ("auc_macro", "AUC macro"),
        ("kappa_quadratic", "Kappa quadratic"),
    ];
    let label = |v: &str| match v {
        "baseline" => "Baseline (ViT)",
        "no_frl" => "FoF w/o FRL",
        "no_mca" => "FoF w/o MCA",
        _ => "FoF",
    };
    let mut s = String::new();
    for level in ["roi", "patient"] {
        let _ = writeln!(
            s,
            "\n{} level, {folds}-fold cross-validation grouped by patient, mean ± std over folds (%)\n",
            if level == "roi" { "ROI" } else { "Patient" }
        );
        let _ = write!(s, "| Method |");
        for (_, h) in keys {
            let _ = write!(s, " {h} |");
        }
        let _ = write!(s, "\n|---|");
        for _ in keys {
            s.push_str("---|");
        }
        s.push('\n');
        for name in VARIANTS {
            let _ = write!(s, "| {} |", label(name));
            for (k, _) in keys {
                let get = |part: &str| doc.get(name)?.get(part)?.get(level)?.get(k)?.as_f64();
                match (get("mean"), get("std")) {
                    (Some(m), Some(d)) => {
                        let _ = write!(s, " {:.2} ± {:.2} |", 100.0 * m, 100.0 * d);
                    }
                    _ => s.push_str(" – |"),
                }
            }
            s.push('\n');
        }
    }
    s
}
