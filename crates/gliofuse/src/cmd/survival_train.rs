//! `gliofuse survival train` and `gliofuse survival predict` (issue 8).
//!
//! `train --config X.toml --cohort DIR [--bags DIR] --out OUT [--seeds N]`:
//! 1. patients with a survival time and event and every provided modality (RNA when the cohort
//!    has an RNA table, whatever the model; at least one bag `BAGS/<slide_id>.safetensors` when
//!    `--bags` is given) are kept, so that the models of a comparison see the same patients; the
//!    others are counted in `metrics.json`;
//! 2. for each seed s = seed, seed+1, ... (config `seed`, `--seeds N` of them): a patient-level
//!    70/10/20 split stratified by event (`stats::splits`, seed s), the RNA transform fitted on
//!    the training patients (`cohort::rna_transform`), training through the shared engine
//!    (`OUT/seed-s/`: config, checkpoints, epoch metrics, `best_model.bpk`), model selection on
//!    the validation case-level C-index, then evaluation of the selected model on every slide
//!    with all patches;
//! 3. `OUT/predictions.csv` (`seed,split,patient,slide,time,event,risk`), `OUT/metrics.json`
//!    (per seed and mean ± std over seeds: Harrell C per slide and per case, Uno's C per case
//!    with τ = the largest training event time, log-rank p of the median-risk split of the
//!    test cases), `OUT/km.csv` (Kaplan–Meier curves of those two groups), `OUT/run.json`.
//!
//! `predict --model OUT/seed-s --bags DIR [--rna FILE] --out FILE`: risks per slide and per
//! case (mean of the slide risks) for new bags, with the RNA transform saved at training; with
//! `--attention DIR`, one CSV per slide of patch coordinates and attention weights.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use clap::Args as ClapArgs;
use serde::{Deserialize, Serialize};

use cohort::rna_transform::{RnaTransform, RnaTransformConfig};
use cohort::slides::bags::{BagFile, read_bag};
use models::burn::prelude::Device;
use models::survival::train::{SlideItem, SurvivalObjective, case_level, predict, read_selection};
use models::survival::{SurvivalDims, SurvivalModelConfig, SurvivalNet};
use models::train::{ExperimentConfig, RunDir, TrainOptions, VecDataset, train};

use super::output::{write_atomic, write_json};

#[derive(ClapArgs, Debug)]
pub struct TrainArgs {
    /// Experiment TOML (see configs/survival/*.toml).
    #[arg(long)]
    pub config: PathBuf,
    /// Cohort directory (cohort.toml with patients, slides and rna tables).
    #[arg(long)]
    pub cohort: PathBuf,
    /// Directory of patch-feature bags, one `<slide_id>.safetensors` per slide.
    #[arg(long)]
    pub bags: Option<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of seeds (config seed, seed+1, ...): split, initialisation and sampling per seed.
    #[arg(long, default_value_t = 1)]
    pub seeds: usize,
    /// Continue interrupted runs in OUT.
    #[arg(long)]
    pub resume: bool,
    /// Hide the progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Hold every bag in memory (faster on small cohorts). By default only the bag headers are
    /// read up front; a training step reads just the sampled patches of its slides and an
    /// evaluation one chunk of slides at a time, so large cohorts fit in memory. Same results.
    #[arg(long)]
    pub bags_in_memory: bool,
}

#[derive(ClapArgs, Debug)]
pub struct PredictArgs {
    /// A trained run directory (`OUT/seed-S` of `survival train`).
    #[arg(long)]
    pub model: PathBuf,
    /// Directory of bags `<slide_id>.safetensors` (metadata `patient_id` names the patient).
    #[arg(long)]
    pub bags: Option<PathBuf>,
    /// RNA table (patient_id + gene columns) for models that use RNA.
    #[arg(long)]
    pub rna: Option<PathBuf>,
    /// Output CSV: level,patient,slide,risk (level = slide or case).
    #[arg(long)]
    pub out: PathBuf,
    /// Write one CSV of patch coordinates and attention weights per slide here.
    #[arg(long)]
    pub attention: Option<PathBuf>,
    /// Cohort directory (slides table): with --attention, also write `<slide_id>.png`, the
    /// attention heatmap over the slide thumbnail.
    #[arg(long)]
    pub cohort: Option<PathBuf>,
}

/// What `predict` needs besides the weights: `RUN/survival_model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedModel {
    dims: SurvivalDims,
    rna_transform: Option<RnaTransform>,
    /// Model file used for prediction (the selected epoch, or the final model).
    weights: String,
    selected_epoch: Option<usize>,
}

#[derive(Debug, Clone)]
struct PatientRow {
    id: String,
    time: f64,
    event: bool,
    rna: Option<Vec<f64>>,
    slides: Vec<(String, SlideBag)>,
}

/// A slide's features: in memory (`--bags-in-memory`) or read on demand from its file.
#[derive(Debug, Clone)]
enum SlideBag {
    Memory(Arc<Vec<f32>>, usize),
    Lazy(Arc<BagFile>),
}

struct CohortData {
    patients: Vec<PatientRow>,
    genes: Vec<String>,
    dim: usize,
    excluded: BTreeMap<String, usize>,
}

fn load_cohort(
    dir: &Path,
    bags: Option<&Path>,
    cfg: &SurvivalModelConfig,
    in_memory: bool,
) -> Result<CohortData> {
    let manifest = cohort::Manifest::read(dir)?;
    let base = if dir.is_dir() {
        dir.to_path_buf()
    } else {
        dir.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let patients = cohort::tables::read_patients(&base.join(&manifest.tables.patients))?;
    // The RNA table is read whenever the cohort has one (also for slide-only models), so that
    // every model of a comparison sees the same patients.
    let rna = match &manifest.tables.rna {
        Some(p) => Some(cohort::tables::read_rna(
            &base.join(p),
            None,
            manifest.rna.units,
        )?),
        None if cfg.kind.uses_rna() => {
            bail!(
                "{}: the cohort has no RNA table, which model `{}` needs; add [tables] rna",
                dir.display(),
                cfg.kind.name()
            )
        }
        None => None,
    };
    let need_bags = cfg.kind.uses_slides() || bags.is_some();
    let mut slides_of: HashMap<String, Vec<String>> = HashMap::new();
    if need_bags {
        let Some(bdir) = bags else {
            bail!(
                "model `{}` needs patch-feature bags; give --bags DIR (from `gliofuse slides embed`)",
                cfg.kind.name()
            );
        };
        if !bdir.is_dir() {
            bail!(
                "--bags {}: not a directory; give the directory of <slide_id>.safetensors bags",
                bdir.display()
            );
        }
        let Some(st) = &manifest.tables.slides else {
            bail!(
                "{}: the cohort has no slides table; add [tables] slides",
                dir.display()
            );
        };
        for row in cohort::tables::read_image_table(&base.join(st), "slide_id", None)? {
            slides_of.entry(row.patient_id).or_default().push(row.id);
        }
    }
    let rna_index: HashMap<&str, usize> = rna
        .as_ref()
        .map(|r| {
            r.patient_ids
                .iter()
                .enumerate()
                .map(|(i, p)| (p.as_str(), i))
                .collect()
        })
        .unwrap_or_default();
    let mut excluded: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    let mut dim = 0usize;
    let bar = indicatif::ProgressBar::new(patients.len() as u64);
    for p in &patients {
        bar.inc(1);
        let (Some(time), Some(event)) = (p.survival_months, p.event) else {
            *excluded
                .entry("no survival time or event".into())
                .or_default() += 1;
            continue;
        };
        let rna_row = match &rna {
            Some(r) => match rna_index.get(p.patient_id.as_str()) {
                Some(&i) => Some(r.row(i).to_vec()),
                None => {
                    *excluded.entry("no RNA".into()).or_default() += 1;
                    continue;
                }
            },
            None => None,
        };
        let mut slides = Vec::new();
        if let Some(bdir) = bags {
            for sid in slides_of
                .get(&p.patient_id)
                .map(Vec::as_slice)
                .unwrap_or(&[])
            {
                let path = bdir.join(format!("{sid}.safetensors"));
                if !path.exists() {
                    continue;
                }
                let (bag_dim, slide_bag) = if in_memory {
                    let bag = read_bag(&path)
                        .with_context(|| format!("reading bag {}", path.display()))?;
                    let n = bag.len();
                    (bag.dim, SlideBag::Memory(Arc::new(bag.features), n))
                } else {
                    let f = BagFile::open(&path)
                        .with_context(|| format!("reading bag {}", path.display()))?;
                    (f.dim, SlideBag::Lazy(Arc::new(f)))
                };
                let n = match &slide_bag {
                    SlideBag::Memory(_, n) => *n,
                    SlideBag::Lazy(f) => f.len(),
                };
                if n == 0 {
                    continue;
                }
                if dim != 0 && bag_dim != dim {
                    bail!(
                        "{}: features are {bag_dim}-d, earlier bags {dim}-d; embed every slide with the same encoder",
                        path.display(),
                    );
                }
                dim = bag_dim;
                slides.push((sid.clone(), slide_bag));
            }
            if slides.is_empty() {
                *excluded.entry("no bag".into()).or_default() += 1;
                continue;
            }
        }
        out.push(PatientRow {
            id: p.patient_id.clone(),
            time,
            event: event == 1,
            rna: rna_row,
            slides,
        });
    }
    bar.finish_and_clear();
    if let Some(bdir) = bags
        && out.is_empty()
        && excluded.contains_key("no bag")
    {
        bail!(
            "{}: no bag matches a slide of the cohort's slides table; expected files named <slide_id>.safetensors",
            bdir.display()
        );
    }
    if out.len() < 10 {
        bail!(
            "{}: only {} patients have survival and every modality; at least 10 are needed for a 70/10/20 split",
            dir.display(),
            out.len()
        );
    }
    Ok(CohortData {
        patients: out,
        genes: rna.map(|r| r.genes).unwrap_or_default(),
        dim,
        excluded,
    })
}

/// Items of the given patients: one per slide, or one per patient for RNA-only models.
fn items_of(
    rows: &[&PatientRow],
    transform: Option<&RnaTransform>,
    cols: &[usize],
    uses_slides: bool,
) -> Vec<SlideItem> {
    let mut items = Vec::new();
    for p in rows {
        let rna = Arc::new(match (transform, &p.rna) {
            (Some(t), Some(r)) => t.apply(r, cols),
            _ => Vec::new(),
        });
        if uses_slides {
            for (sid, bag) in &p.slides {
                items.push(match bag {
                    SlideBag::Memory(f, n) => SlideItem {
                        slide_id: sid.clone(),
                        patient_id: p.id.clone(),
                        features: f.clone(),
                        bag: None,
                        n_patches: *n,
                        rna: rna.clone(),
                        time: p.time,
                        event: p.event,
                    },
                    SlideBag::Lazy(f) => SlideItem::lazy(
                        sid.clone(),
                        p.id.clone(),
                        f.clone(),
                        rna.clone(),
                        p.time,
                        p.event,
                    ),
                });
            }
        } else {
            // RNA-only: one row per patient with a one-value dummy bag.
            items.push(SlideItem {
                slide_id: String::new(),
                patient_id: p.id.clone(),
                features: Arc::new(vec![0.0]),
                bag: None,
                n_patches: 1,
                rna,
                time: p.time,
                event: p.event,
            });
        }
    }
    items
}

#[derive(Debug, Clone, Serialize)]
struct SplitMetrics {
    patients: usize,
    slides: usize,
    events: usize,
    c_index_slide: Option<f64>,
    c_index_case: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
struct SeedMetrics {
    seed: u64,
    selected_epoch: Option<usize>,
    epochs: usize,
    train: SplitMetrics,
    val: SplitMetrics,
    test: SplitMetrics,
    /// Uno's C of the test cases (τ = largest training event time, censoring KM on training cases).
    uno_c_test_case: Option<f64>,
    tau: f64,
    /// Log-rank test between test cases above / at-or-below the median risk.
    logrank_test_case: Option<stats::logrank::LogRank>,
    train_seconds: f64,
}

fn opt_c(time: &[f64], event: &[bool], risk: &[f64]) -> Option<f64> {
    stats::concordance::harrell_c(time, event, risk)
        .ok()
        .map(|c| c.c_index)
}

fn mean_std(v: &[f64]) -> Option<(f64, f64)> {
    if v.is_empty() {
        return None;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let s = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64).sqrt();
    Some((m, s))
}

pub fn train_cmd(a: &TrainArgs) -> Result<()> {
    let base = ExperimentConfig::<SurvivalModelConfig>::from_file(&a.config)?;
    base.model.validate()?;
    if a.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let data = load_cohort(&a.cohort, a.bags.as_deref(), &base.model, a.bags_in_memory)?;
    eprintln!(
        "survival train: {} patients, {} slides, {} genes, features {}-d; model {}",
        data.patients.len(),
        data.patients.iter().map(|p| p.slides.len()).sum::<usize>(),
        data.genes.len(),
        data.dim,
        base.model.kind.name()
    );
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let mut pred_csv = String::from("seed,split,patient,slide,time,event,risk\n");
    let mut km_csv = String::from("seed,group,time,survival,at_risk\n");
    let mut per_seed = Vec::new();
    for s in 0..a.seeds {
        let mut cfg = base.clone();
        cfg.seed = base.seed + s as u64;
        let m = run_seed(&cfg, &data, a, &mut pred_csv, &mut km_csv)?;
        eprintln!(
            "seed {}: test C slide {:?} case {:?} Uno {:?} (epoch {:?})",
            m.seed, m.test.c_index_slide, m.test.c_index_case, m.uno_c_test_case, m.selected_epoch
        );
        per_seed.push(m);
    }
    let agg = |f: &dyn Fn(&SeedMetrics) -> Option<f64>| -> serde_json::Value {
        let v: Vec<f64> = per_seed.iter().filter_map(f).collect();
        match mean_std(&v) {
            Some((m, sd)) => serde_json::json!({"mean": m, "std": sd, "n": v.len()}),
            None => serde_json::Value::Null,
        }
    };
    let summary = serde_json::json!({
        "model": base.model.kind.name(),
        "seeds": per_seed.iter().map(|m| m.seed).collect::<Vec<_>>(),
        "c_index_test_slide": agg(&|m| m.test.c_index_slide),
        "c_index_test_case": agg(&|m| m.test.c_index_case),
        "c_index_val_case": agg(&|m| m.val.c_index_case),
        "uno_c_test_case": agg(&|m| m.uno_c_test_case),
        "logrank_p_test_case": agg(&|m| m.logrank_test_case.map(|l| l.p_value)),
        "std": "population standard deviation over seeds",
        "patients": data.patients.len(),
        "excluded_patients": data.excluded,
        "per_seed": per_seed,
    });
    write_atomic(&a.out.join("predictions.csv"), pred_csv.as_bytes())?;
    write_atomic(&a.out.join("km.csv"), km_csv.as_bytes())?;
    write_json(&a.out.join("metrics.json"), &summary)?;
    let run = serde_json::json!({
        "kind": "survival",
        "gliofuse_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "config": serde_json::to_value(&base)?,
    });
    write_json(&a.out.join("run.json"), &run)?;
    let show = |k: &str| match &summary[k] {
        serde_json::Value::Null => "n/a".to_string(),
        v => format!(
            "{:.4} ± {:.4}",
            v["mean"].as_f64().unwrap_or(f64::NAN),
            v["std"].as_f64().unwrap_or(f64::NAN)
        ),
    };
    println!(
        "{} over {} seed(s): test C slide {}  case {}  Uno {}",
        base.model.kind.name(),
        a.seeds,
        show("c_index_test_slide"),
        show("c_index_test_case"),
        show("uno_c_test_case")
    );
    println!("wrote {}", a.out.join("metrics.json").display());
    Ok(())
}

fn run_seed(
    cfg: &ExperimentConfig<SurvivalModelConfig>,
    data: &CohortData,
    a: &TrainArgs,
    pred_csv: &mut String,
    km_csv: &mut String,
) -> Result<SeedMetrics> {
    let seed = cfg.seed;
    let root = a.out.join(format!("seed-{seed}"));
    let run = RunDir::new(&root);
    let pids: Vec<&str> = data.patients.iter().map(|p| p.id.as_str()).collect();
    let labels: Vec<usize> = data.patients.iter().map(|p| usize::from(p.event)).collect();
    let tvt = stats::splits::train_val_test_by_patient(&pids, (0.7, 0.1, 0.2), Some(&labels), seed)
        .map_err(|e| anyhow!("cannot split the patients: {e}"))?;
    let pick =
        |idx: &[usize]| -> Vec<&PatientRow> { idx.iter().map(|&i| &data.patients[i]).collect() };
    let (tr, va, te) = (pick(&tvt.train), pick(&tvt.val), pick(&tvt.test));
    let transform = if cfg.model.kind.uses_rna() {
        let rows: Vec<&[f64]> = tr.iter().filter_map(|p| p.rna.as_deref()).collect();
        Some(RnaTransform::fit(
            &data.genes,
            &rows,
            RnaTransformConfig {
                log2: cfg.model.log2,
                top_variance: cfg.model.top_variance_genes,
            },
        )?)
    } else {
        None
    };
    let cols = match &transform {
        Some(t) => t.columns(&data.genes)?,
        None => Vec::new(),
    };
    let slides = cfg.model.kind.uses_slides();
    let dim = if slides { data.dim } else { 1 };
    let dims = SurvivalDims {
        features: dim,
        genes: transform.as_ref().map_or(0, |t| t.dim()),
    };
    let (itr, iva, ite) = (
        items_of(&tr, transform.as_ref(), &cols, slides),
        items_of(&va, transform.as_ref(), &cols, slides),
        items_of(&te, transform.as_ref(), &cols, slides),
    );

    let device = models::parse_device(&cfg.device)?;
    let opts = TrainOptions {
        seed,
        device: device.clone(),
        optimizer: cfg.optimizer.clone(),
        schedule: cfg.schedule.clone(),
        progress: !a.quiet,
        stop_after_epochs: None,
    };
    let objective = SurvivalObjective::new(dim, cfg.model.bag_size, cfg.model.ties)
        .with_selection(&run, a.resume)?;
    let model_cfg = cfg.model.clone();
    let init = move |d: &Device, s: u64| {
        model_cfg
            .init(dims, d, s)
            .map_err(|e| models::train::TrainError::Data(e.to_string()))
    };
    let started = std::time::Instant::now();
    let train_set = VecDataset::new(itr.clone());
    let valid_set = VecDataset::new(iva.clone());
    let outcome = train(
        &opts,
        &objective,
        init,
        &train_set,
        Some(&valid_set),
        &run,
        &cfg.to_toml()?,
        a.resume,
    )?;
    let train_seconds = started.elapsed().as_secs_f64();
    let sel = read_selection(&root);
    let selected_epoch = sel.as_ref().and_then(|s| s.best_epoch);
    let weights = if selected_epoch.is_some() {
        "best_model.bpk"
    } else {
        "model.bpk"
    };
    let model = load_model(&root, &cfg.model, dims, weights, &device)?;
    let saved = SavedModel {
        dims,
        rna_transform: transform.clone(),
        weights: weights.into(),
        selected_epoch,
    };
    write_json(&root.join("survival_model.json"), &saved)?;

    let mut split_csv = String::from("pid,split\n");
    let mut eval = |items: &[SlideItem], name: &str| -> Result<(SplitMetrics, Vec<f64>)> {
        let preds = predict(&model, items, dim, 32_768, false, &device)?;
        let risk: Vec<f64> = preds.iter().map(|p| p.risk).collect();
        let mut seen = BTreeSet::new();
        for (it, r) in items.iter().zip(&risk) {
            let _ = writeln!(
                pred_csv,
                "{seed},{name},{},{},{},{},{r}",
                it.patient_id,
                it.slide_id,
                it.time,
                u8::from(it.event)
            );
            if seen.insert(it.patient_id.clone()) {
                let _ = writeln!(split_csv, "{},{name}", it.patient_id);
            }
        }
        let time: Vec<f64> = items.iter().map(|i| i.time).collect();
        let event: Vec<bool> = items.iter().map(|i| i.event).collect();
        let c = case_level(items, &risk);
        Ok((
            SplitMetrics {
                patients: c.patient.len(),
                slides: if slides { items.len() } else { 0 },
                events: c.event.iter().filter(|&&e| e).count(),
                c_index_slide: if slides {
                    opt_c(&time, &event, &risk)
                } else {
                    None
                },
                c_index_case: opt_c(&c.time, &c.event, &c.risk),
            },
            risk,
        ))
    };
    let (m_tr, r_tr) = eval(&itr, "train")?;
    let (m_va, _) = eval(&iva, "val")?;
    let (m_te, r_te) = eval(&ite, "test")?;
    write_atomic(&root.join("split.csv"), split_csv.as_bytes())?;
    let ctr = case_level(&itr, &r_tr);
    let cte = case_level(&ite, &r_te);
    let tau = ctr
        .time
        .iter()
        .zip(&ctr.event)
        .filter(|(_, e)| **e)
        .map(|(t, _)| *t)
        .fold(f64::NEG_INFINITY, f64::max);
    let uno = stats::concordance::uno_c(
        &ctr.time,
        &ctr.event,
        &cte.time,
        &cte.event,
        &cte.risk,
        stats::concordance::UnoConfig {
            tau: Some(tau),
            ..Default::default()
        },
    )
    .ok();
    let logrank = stats::logrank::median_split_logrank(&cte.time, &cte.event, &cte.risk).ok();
    // KM curves of the median-risk split (test cases)
    if let Ok(med) = stats::logrank::median(&cte.risk) {
        for (group, high) in [("high", true), ("low", false)] {
            let (t, e): (Vec<f64>, Vec<bool>) = (0..cte.risk.len())
                .filter(|&i| (cte.risk[i] > med) == high)
                .map(|i| (cte.time[i], cte.event[i]))
                .unzip();
            if t.is_empty() {
                continue;
            }
            let mut times: Vec<f64> = t.clone();
            times.sort_by(f64::total_cmp);
            times.dedup();
            let km = stats::kaplan_meier::KaplanMeier::fit(&t, &e)?;
            let _ = writeln!(km_csv, "{seed},{group},0,1,{}", t.len());
            for &x in &times {
                let at_risk = t.iter().filter(|&&v| v >= x).count();
                let _ = writeln!(km_csv, "{seed},{group},{x},{},{at_risk}", km.predict(x));
            }
        }
    }
    Ok(SeedMetrics {
        seed,
        selected_epoch,
        epochs: outcome.metrics.len(),
        train: m_tr,
        val: m_va,
        test: m_te,
        uno_c_test_case: uno,
        tau,
        logrank_test_case: logrank,
        train_seconds,
    })
}

fn load_model(
    root: &Path,
    cfg: &SurvivalModelConfig,
    dims: SurvivalDims,
    weights: &str,
    device: &Device,
) -> Result<SurvivalNet> {
    use models::burn::module::Module;
    let path = root.join(weights);
    let model = cfg.init(dims, device, 0)?;
    model.try_load_file(&path).map_err(|e| {
        anyhow!(
            "{}: cannot load the model ({e:?}); was the run finished?",
            path.display()
        )
    })
}

pub fn predict_cmd(a: &PredictArgs) -> Result<()> {
    let saved_path = a.model.join("survival_model.json");
    if !saved_path.exists() {
        let seeds: Vec<String> = std::fs::read_dir(&a.model)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.starts_with("seed-"))
                    .collect()
            })
            .unwrap_or_default();
        bail!(
            "{}: not a trained survival model (no survival_model.json){}",
            a.model.display(),
            if seeds.is_empty() {
                String::new()
            } else {
                format!(
                    "; give one of its seed directories, e.g. --model {}",
                    a.model.join(&seeds[0]).display()
                )
            }
        );
    }
    let saved: SavedModel = serde_json::from_str(&std::fs::read_to_string(&saved_path)?)
        .with_context(|| format!("reading {}", saved_path.display()))?;
    let cfg = ExperimentConfig::<SurvivalModelConfig>::from_file(&a.model.join("config.toml"))?;
    let device = models::parse_device(&cfg.device)?;
    let model = load_model(&a.model, &cfg.model, saved.dims, &saved.weights, &device)?;
    // RNA by patient
    let mut rna: HashMap<String, Vec<f32>> = HashMap::new();
    if let Some(t) = &saved.rna_transform {
        let Some(path) = &a.rna else {
            bail!(
                "model `{}` uses RNA; give --rna FILE (patient_id + gene columns)",
                cfg.model.kind.name()
            );
        };
        let table = cohort::tables::read_rna(path, None, cohort::manifest::RnaUnits::Tpm)?;
        let cols = t
            .columns(&table.genes)
            .with_context(|| format!("{}", path.display()))?;
        for (i, p) in table.patient_ids.iter().enumerate() {
            rna.insert(p.clone(), t.apply(table.row(i), &cols));
        }
    }
    let slides = cfg.model.kind.uses_slides();
    let mut items = Vec::new();
    let mut coords: Vec<Vec<[i64; 2]>> = Vec::new();
    let mut bag_meta: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    if slides {
        let Some(bdir) = &a.bags else {
            bail!(
                "model `{}` uses slides; give --bags DIR",
                cfg.model.kind.name()
            )
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(bdir)
            .with_context(|| format!("reading {}", bdir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "safetensors"))
            .collect();
        files.sort();
        for f in files {
            let bag = read_bag(&f)?;
            if bag.dim != saved.dims.features {
                bail!(
                    "{}: features are {}-d, the model was trained on {}-d; embed with the same encoder",
                    f.display(),
                    bag.dim,
                    saved.dims.features
                );
            }
            let sid = bag.metadata.get("slide_id").cloned().unwrap_or_else(|| {
                f.file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default()
            });
            let Some(pid) = bag.metadata.get("patient_id").cloned() else {
                bail!(
                    "{}: the bag has no `patient_id` metadata; write it with `gliofuse slides embed`",
                    f.display()
                );
            };
            let r = if saved.rna_transform.is_some() {
                match rna.get(&pid) {
                    Some(r) => r.clone(),
                    None => {
                        eprintln!(
                            "warning: {}: patient `{pid}` has no row in the RNA table; slide skipped",
                            f.display()
                        );
                        continue;
                    }
                }
            } else {
                Vec::new()
            };
            // Only the coordinates and metadata stay in memory; the features are read again
            // chunk by chunk when predicting, so memory does not grow with the cohort.
            let file = BagFile::open(&f)?;
            if file.len() != bag.len() {
                bail!("{}: the bag changed while it was being read", f.display());
            }
            coords.push(bag.coords);
            bag_meta.insert(sid.clone(), bag.metadata);
            items.push(SlideItem::lazy(
                sid,
                pid,
                Arc::new(file),
                Arc::new(r),
                0.0,
                false,
            ));
        }
    } else {
        let mut ids: Vec<&String> = rna.keys().collect();
        ids.sort();
        for pid in ids {
            items.push(SlideItem {
                slide_id: String::new(),
                patient_id: pid.clone(),
                features: Arc::new(vec![0.0]),
                bag: None,
                n_patches: 1,
                rna: Arc::new(rna[pid].clone()),
                time: 0.0,
                event: false,
            });
        }
    }
    if items.is_empty() {
        bail!("nothing to predict: no bags or RNA rows found");
    }
    let preds = predict(
        &model,
        &items,
        saved.dims.features,
        32_768,
        a.attention.is_some(),
        &device,
    )?;
    let risk: Vec<f64> = preds.iter().map(|p| p.risk).collect();
    let mut csv = String::from("level,patient,slide,risk\n");
    if slides {
        for (it, r) in items.iter().zip(&risk) {
            let _ = writeln!(csv, "slide,{},{},{r}", it.patient_id, it.slide_id);
        }
    }
    let cases = case_level(&items, &risk);
    for (p, r) in cases.patient.iter().zip(&cases.risk) {
        let _ = writeln!(csv, "case,{p},,{r}");
    }
    write_atomic(&a.out, csv.as_bytes())?;
    if let Some(dir) = &a.attention {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut written = 0;
        for ((it, p), c) in items.iter().zip(&preds).zip(&coords) {
            if let Some(att) = &p.attention {
                let mut s = String::from("x,y,attention\n");
                for (xy, w) in c.iter().zip(att) {
                    let _ = writeln!(s, "{},{},{w}", xy[0], xy[1]);
                }
                write_atomic(&dir.join(format!("{}.csv", it.slide_id)), s.as_bytes())?;
                written += 1;
            }
        }
        if written == 0 {
            eprintln!(
                "note: model `{}` has no attention; no attention files written",
                cfg.model.kind.name()
            );
        } else if let Some(c) = &a.cohort {
            let paths = slide_paths(c)?;
            for ((it, p), xy) in items.iter().zip(&preds).zip(&coords) {
                let (Some(att), Some(path)) = (&p.attention, paths.get(&it.slide_id)) else {
                    continue;
                };
                let png = heatmap(path, xy, att, patch_side(&it.slide_id, &bag_meta))?;
                let out = dir.join(format!("{}.png", it.slide_id));
                let mut bytes = Vec::new();
                png.write_to(
                    &mut std::io::Cursor::new(&mut bytes),
                    image::ImageFormat::Png,
                )
                .with_context(|| format!("encoding {}", out.display()))?;
                write_atomic(&out, &bytes)?;
            }
        }
    }
    println!(
        "{} slides, {} cases; wrote {}",
        if slides { items.len() } else { 0 },
        cases.patient.len(),
        a.out.display()
    );
    Ok(())
}

/// Slide id -> slide file, from the cohort's slides table.
fn slide_paths(dir: &Path) -> Result<HashMap<String, PathBuf>> {
    let manifest = cohort::Manifest::read(dir)?;
    let Some(st) = &manifest.tables.slides else {
        bail!(
            "{}: the cohort has no slides table; add [tables] slides to draw heatmaps",
            dir.display()
        );
    };
    Ok(
        cohort::tables::read_image_table(&dir.join(st), "slide_id", None)?
            .into_iter()
            .map(|r| (r.id, dir.join(r.path)))
            .collect(),
    )
}

/// Side of a patch in level-0 pixels: bag metadata `patch_size` (or `read_size`), else 224.
fn patch_side(slide: &str, meta: &HashMap<String, BTreeMap<String, String>>) -> f64 {
    let m = meta.get(slide);
    m.and_then(|m| m.get("read_size").or_else(|| m.get("patch_size")))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| *v > 0.0)
        .unwrap_or(224.0)
}

/// The slide thumbnail (at most 1024 px) with each patch tinted by its attention weight
/// (relative to the slide's largest weight; blue = low, red = high, 50 % opacity).
fn heatmap(path: &Path, coords: &[[i64; 2]], att: &[f32], side: f64) -> Result<image::RgbImage> {
    let slide = cohort::slides::Slide::open(path, cohort::slides::Reader::Auto)?;
    let w0 = slide.info().levels[0].width as f64;
    let mut img = slide.thumbnail(1024)?;
    let s = img.width() as f64 / w0.max(1.0);
    let wmax = att.iter().copied().fold(0.0f32, f32::max).max(1e-12);
    for (xy, &w) in coords.iter().zip(att) {
        let v = (w / wmax).clamp(0.0, 1.0);
        let color = [
            255.0 * v,
            64.0 * (1.0 - (2.0 * v - 1.0).abs()),
            255.0 * (1.0 - v),
        ];
        let (x0, y0) = ((xy[0] as f64 * s) as u32, (xy[1] as f64 * s) as u32);
        let (x1, y1) = (
            ((xy[0] as f64 + side) * s).ceil() as u32,
            ((xy[1] as f64 + side) * s).ceil() as u32,
        );
        for y in y0..y1.min(img.height()) {
            for x in x0..x1.min(img.width()) {
                let p = img.get_pixel_mut(x, y);
                for (ch, col) in p.0.iter_mut().zip(color) {
                    *ch = (0.5 * *ch as f32 + 0.5 * col) as u8;
                }
            }
        }
    }
    Ok(img)
}
