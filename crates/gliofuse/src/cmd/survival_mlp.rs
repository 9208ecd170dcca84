//! `gliofuse survival table --model cox-mlp`: the RNA branch of the fusion models
//! (`models::survival::rna_only`: MLP features → hidden → embedding, then a linear risk) trained
//! with the event-averaged Breslow Cox loss through the shared engine, full batch (one AdamW step
//! per epoch). The split, the one-hot encoding, the imputation and the standardisation are those
//! of `coxnet` (`survival.rs`); the epoch is chosen on the validation Harrell C (earliest on
//! ties) and the test C of that epoch's model is reported. The engine's run directory (config,
//! checkpoints, epoch metrics, best model) is `OUT/cox-mlp-run/`, replaced on every call.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use serde::Serialize;

use models::burn::module::Module;
use models::survival::train::{SlideItem, SurvivalObjective, predict, read_selection};
use models::survival::{ModelKind, SurvivalDims, SurvivalModelConfig};
use models::train::{
    ExperimentConfig, OptimizerConfig, RunDir, ScheduleConfig, TrainOptions, VecDataset, train,
};

use super::output::{write_atomic, write_json};
use super::survival::{SplitRows, TableArgs, csv_field, features, read_data, split_rows};
use super::table::Table;

#[derive(Serialize)]
struct MlpMetrics {
    model: &'static str,
    data: String,
    split_file: String,
    split_seed: Option<u64>,
    c_index_test: f64,
    c_index_val: f64,
    c_index_train: f64,
    hyperparameters: serde_json::Value,
    n_features: usize,
    n_patients: BTreeMap<&'static str, usize>,
    fit_seconds: f64,
}

pub fn table(a: &TableArgs) -> Result<()> {
    let t = Table::read(&a.data)?;
    let d = read_data(&t)?;
    let SplitRows { sides, train: tr, val: va, test: te, split_file } = split_rows(a, &d, &t)?;
    let n = d.pids.len();
    let (x, names, _prep) = features(&t, &d, &sides)?;
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let item = |r: usize| SlideItem {
        bag: None,
        slide_id: String::new(),
        patient_id: d.pids[r].clone(),
        features: Arc::new(vec![0.0]),
        n_patches: 1,
        rna: Arc::new(x.row(r).iter().map(|&v| v as f32).collect()),
        time: d.time[r],
        event: d.event[r],
    };
    let items = |idx: &[usize]| -> Vec<SlideItem> { idx.iter().map(|&r| item(r)).collect() };
    let (itr, iva, ite) = (items(&tr), items(&va), items(&te));

    let mut model = SurvivalModelConfig::new(ModelKind::RnaOnly);
    model.rna_hidden = a.hidden;
    model.rna_dim = a.embedding;
    model.rna_dropout = a.dropout;
    model.head_dropout = Some(0.0);
    model.log2 = false;
    let cfg = ExperimentConfig {
        seed: a.seed,
        device: "cpu".into(),
        model,
        data: Default::default(),
        optimizer: OptimizerConfig {
            lr: a.lr,
            weight_decay: a.weight_decay,
            ..Default::default()
        },
        schedule: ScheduleConfig {
            epochs: a.epochs,
            batch_size: itr.len(),
            warmup_epochs: 0,
            min_lr: 0.0,
            keep_checkpoints: 1,
            micro_batches: 1,
        },
        augmentation: Default::default(),
    };
    cfg.model.validate()?;
    let root = a.out.join("cox-mlp-run");
    if root.join("config.toml").exists() {
        std::fs::remove_dir_all(&root)
            .with_context(|| format!("removing the previous run {}", root.display()))?;
    }
    let run = RunDir::new(&root);
    let device = models::parse_device(&cfg.device)?;
    let opts = TrainOptions {
        seed: cfg.seed,
        device: device.clone(),
        optimizer: cfg.optimizer.clone(),
        schedule: cfg.schedule.clone(),
        progress: false,
        stop_after_epochs: None,
    };
    let dims = SurvivalDims {
        features: 1,
        genes: names.len(),
    };
    let objective = SurvivalObjective::new(1, 1, cfg.model.ties).with_selection(&run, false)?;
    let mc = cfg.model.clone();
    let init = move |dev: &models::burn::prelude::Device, s: u64| {
        mc.init(dims, dev, s)
            .map_err(|e| models::train::TrainError::Data(e.to_string()))
    };
    eprintln!(
        "cox-mlp: {} training patients, {} features, {} epochs",
        tr.len(),
        names.len(),
        a.epochs
    );
    let start = std::time::Instant::now();
    train(
        &opts,
        &objective,
        init,
        &VecDataset::new(itr.clone()),
        Some(&VecDataset::new(iva.clone())),
        &run,
        &cfg.to_toml()?,
        false,
    )?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let sel = read_selection(&root);
    let weights = if sel.as_ref().and_then(|s| s.best_epoch).is_some() {
        "best_model.bpk"
    } else {
        "model.bpk"
    };
    let path = root.join(weights);
    let net = cfg
        .model
        .init(dims, &device, 0)?
        .try_load_file(&path)
        .map_err(|e| anyhow!("{}: cannot load ({e:?})", path.display()))?;
    let c_of = |it: &[SlideItem], what: &str| -> Result<(f64, Vec<f64>)> {
        let r: Vec<f64> = predict(&net, it, 1, 1 << 20, false, &device)?
            .iter()
            .map(|p| p.risk)
            .collect();
        let time: Vec<f64> = it.iter().map(|i| i.time).collect();
        let ev: Vec<bool> = it.iter().map(|i| i.event).collect();
        let c = stats::concordance::harrell_c(&time, &ev, &r)
            .map_err(|e| anyhow!("{split_file}: {what} split: {e}"))?
            .c_index;
        Ok((c, r))
    };
    let (c_train, _) = c_of(&itr, "training")?;
    let (c_val, _) = c_of(&iva, "validation")?;
    let (c_test, _) = c_of(&ite, "test")?;
    let all: Vec<SlideItem> = (0..n).map(item).collect();
    let risk: Vec<f64> = predict(&net, &all, 1, 1 << 20, false, &device)?
        .iter()
        .map(|p| p.risk)
        .collect();
    let mut pred_csv = String::from("id,split,time,event,risk\n");
    for r in 0..n {
        let _ = writeln!(
            pred_csv,
            "{},{},{},{},{}",
            csv_field(&d.pids[r]),
            sides[r].name(),
            d.time[r],
            u8::from(d.event[r]),
            risk[r]
        );
    }
    let metrics = MlpMetrics {
        model: "cox-mlp",
        data: a.data.display().to_string(),
        split_file: split_file.clone(),
        split_seed: a.split.is_none().then_some(a.seed),
        c_index_test: c_test,
        c_index_val: c_val,
        c_index_train: c_train,
        hyperparameters: serde_json::json!({
            "hidden": a.hidden, "embedding": a.embedding, "dropout": a.dropout, "lr": a.lr,
            "weight_decay": a.weight_decay, "epochs": a.epochs,
            "selected_epoch": sel.as_ref().and_then(|s| s.best_epoch),
            "selection": "highest validation Harrell C over the epochs (earliest on ties)",
            "loss": "Cox partial likelihood, Breslow ties, averaged over events; full batch; AdamW",
        }),
        n_features: names.len(),
        n_patients: BTreeMap::from([("train", tr.len()), ("val", va.len()), ("test", te.len())]),
        fit_seconds,
    };
    write_atomic(&a.out.join("predictions.csv"), pred_csv.as_bytes())?;
    write_json(&a.out.join("metrics.json"), &metrics).context("writing metrics.json")?;
    println!(
        "cox-mlp epoch {:?} of {}: C-index  train {c_train:.4}  val {c_val:.4}  test {c_test:.4}",
        sel.and_then(|s| s.best_epoch),
        a.epochs
    );
    println!("wrote {}", a.out.join("metrics.json").display());
    Ok(())
}
