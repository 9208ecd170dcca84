//! `gliofuse survival table` (issue 8, "Tabular mode and real data").
//!
//! A survival model on any feature table `pid,time,event,features...`:
//! 1. patients are split train/val/test by `--split split.csv` (columns pid,split) or, without
//!    it, by a seeded patient-level 70/10/20 split stratified by event (`stats::splits`),
//!    written to `OUT/split.csv`;
//! 2. text-valued feature columns are one-hot encoded (categories seen in training; others and
//!    missing cells give all zeros), missing numeric cells are imputed with the training median,
//!    and every column is z-scored with training statistics (population std; constant columns
//!    are left at 0). All of this is reported in `metrics.json`;
//! 3. the model is fitted on the training patients; for `coxnet` the elastic-net penalty is the
//!    α of the path with the highest validation Harrell C (the largest such α on ties);
//! 4. `OUT/metrics.json` (C-indices, chosen hyper-parameters, preprocessing, non-zero
//!    coefficients), `OUT/coefficients.csv`, `OUT/path.csv` (α, validation C, support size) and
//!    `OUT/predictions.csv` (id, split, time, event, risk: readable by `gliofuse evaluate
//!    survival`) are written atomically.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args as ClapArgs, Subcommand, ValueEnum};
use serde::Serialize;

use stats::Matrix;
use stats::concordance::harrell_c;
use stats::coxnet::CoxnetConfig;
use stats::splits::train_val_test_by_patient;

use super::output::{write_atomic, write_json};
use super::table::Table;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Fit a survival model on a feature table (columns pid,time,event,features...).
    Table(TableArgs),
    /// Train a slide + RNA survival model (joint, tanh, scaled-dot, rna-only, slide-only).
    Train(super::survival_train::TrainArgs),
    /// Risks of new slides / cases from a trained model.
    Predict(super::survival_train::PredictArgs),
}

/// Models of `survival table`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TableModel {
    /// Elastic-net penalised Cox model (glmnet-style path, penalty chosen on validation C).
    Coxnet,
    /// The RNA branch of the fusion models (MLP + linear risk), Cox loss, epoch chosen on validation C.
    CoxMlp,
}

#[derive(ClapArgs, Debug)]
pub struct TableArgs {
    /// CSV with columns pid, time, event (1 = event, 0 = censored) and feature columns.
    #[arg(long)]
    pub data: PathBuf,
    /// CSV with columns pid, split (train/val/test). Without it a seeded 70/10/20 patient split
    /// is made and written to OUT/split.csv.
    #[arg(long)]
    pub split: Option<PathBuf>,
    /// The model.
    #[arg(long, value_enum)]
    pub model: TableModel,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of the split made when --split is absent.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// coxnet: mix of L1 and L2 penalties, in (0, 1] (1 = lasso).
    #[arg(long, default_value_t = 0.5)]
    pub l1_ratio: f64,
    /// coxnet: number of penalties on the path.
    #[arg(long, default_value_t = 100)]
    pub n_alphas: usize,
    /// coxnet: smallest / largest penalty (default 1e-4 when patients > features, else 1e-2).
    #[arg(long)]
    pub alpha_min_ratio: Option<f64>,
    /// cox-mlp: hidden width of the MLP (features -> hidden -> embedding -> risk).
    #[arg(long, default_value_t = 256)]
    pub hidden: usize,
    /// cox-mlp: embedding width.
    #[arg(long, default_value_t = 64)]
    pub embedding: usize,
    /// cox-mlp: dropout on the input and hidden layer.
    #[arg(long, default_value_t = 0.5)]
    pub dropout: f64,
    /// cox-mlp: AdamW learning rate.
    #[arg(long, default_value_t = 1e-4)]
    pub lr: f64,
    /// cox-mlp: AdamW weight decay.
    #[arg(long, default_value_t = 0.01)]
    pub weight_decay: f64,
    /// cox-mlp: epochs (full-batch: one step per epoch); the epoch is chosen on validation C.
    #[arg(long, default_value_t = 60)]
    pub epochs: usize,
}

pub fn run(c: Command) -> Result<()> {
    match c {
        Command::Table(a) if a.model == TableModel::CoxMlp => super::survival_mlp::table(&a),
        Command::Table(a) => table(&a),
        Command::Train(a) => super::survival_train::train_cmd(&a),
        Command::Predict(a) => super::survival_train::predict_cmd(&a),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Side {
    Train,
    Val,
    Test,
}

impl Side {
    pub(super) fn name(self) -> &'static str {
        match self {
            Side::Train => "train",
            Side::Val => "val",
            Side::Test => "test",
        }
    }
}

fn is_missing(s: &str) -> bool {
    matches!(
        s,
        "" | "NA" | "na" | "N/A" | "NaN" | "nan" | "NAN" | "null" | "NULL" | "None"
    )
}

/// The survival columns and the raw feature cells of a data table.
pub(super) struct Data {
    pub(super) pids: Vec<String>,
    pub(super) time: Vec<f64>,
    pub(super) event: Vec<bool>,
    /// Indices (into the table's columns) of the features.
    feature_cols: Vec<usize>,
}

pub(super) fn read_data(t: &Table) -> Result<Data> {
    let (pid_c, time_c, event_c) = (t.col("pid")?, t.col("time")?, t.col("event")?);
    let feature_cols: Vec<usize> = (0..t.headers.len())
        .filter(|&c| c != pid_c && c != time_c && c != event_c)
        .collect();
    if feature_cols.is_empty() {
        bail!(
            "{}: line 1: no feature columns besides pid, time and event; add at least one",
            t.path
        );
    }
    let mut seen = BTreeSet::new();
    for &c in &feature_cols {
        if !seen.insert(t.headers[c].as_str()) {
            bail!(
                "{}: line 1, column {}: the column name occurs twice; names must be unique",
                t.path,
                t.headers[c]
            );
        }
    }
    let n = t.rows.len();
    let (mut pids, mut time, mut event) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for r in 0..n {
        let pid = t.cell(r, pid_c);
        if pid.is_empty() {
            bail!("{}: empty cell; every row needs a pid", t.at(r, pid_c));
        }
        pids.push(pid.to_string());
        let tv = t.number(r, time_c)?;
        if tv < 0.0 {
            bail!(
                "{}: time {tv} is negative; times must be >= 0",
                t.at(r, time_c)
            );
        }
        time.push(tv);
        event.push(t.flag(r, event_c)?);
    }
    Ok(Data {
        pids,
        time,
        event,
        feature_cols,
    })
}

/// Side of every row: from the split file, or a seeded split (returned as CSV text to write).
pub(super) fn assign_sides(a: &TableArgs, d: &Data, data: &Table) -> Result<(Vec<Side>, Option<String>)> {
    let n = d.pids.len();
    match &a.split {
        Some(path) => {
            let s = Table::read(path)?;
            let (pc, sc) = (s.col("pid")?, s.col("split")?);
            let mut map: HashMap<&str, (Side, usize)> = HashMap::new();
            for r in 0..s.rows.len() {
                let side = match s.cell(r, sc).to_ascii_lowercase().as_str() {
                    "train" => Side::Train,
                    "val" | "valid" | "validation" => Side::Val,
                    "test" => Side::Test,
                    v => bail!("{}: '{v}' must be train, val or test", s.at(r, sc)),
                };
                let pid = s.cell(r, pc);
                if pid.is_empty() {
                    bail!("{}: empty cell; every row needs a pid", s.at(r, pc));
                }
                if let Some(&(prev, line)) = map.get(pid)
                    && prev != side
                {
                    bail!(
                        "{}: patient '{pid}' is {} here but {} on line {line}; a patient is on one side",
                        s.at(r, sc),
                        side.name(),
                        prev.name()
                    );
                }
                map.insert(pid, (side, s.rows[r].0 as usize));
            }
            let pid_c = data.col("pid")?;
            let mut sides = Vec::with_capacity(n);
            for r in 0..n {
                match map.get(d.pids[r].as_str()) {
                    Some(&(side, _)) => sides.push(side),
                    None => bail!(
                        "{}: patient '{}' is not in {}; add it to the split file",
                        data.at(r, pid_c),
                        d.pids[r],
                        s.path
                    ),
                }
            }
            Ok((sides, None))
        }
        None => {
            let labels: Vec<usize> = d.event.iter().map(|&e| usize::from(e)).collect();
            let tvt = train_val_test_by_patient(&d.pids, (0.7, 0.1, 0.2), Some(&labels), a.seed)
                .map_err(|e| anyhow!("{}: cannot split the patients: {e}", data.path))?;
            let mut sides = vec![Side::Train; n];
            for &i in &tvt.val {
                sides[i] = Side::Val;
            }
            for &i in &tvt.test {
                sides[i] = Side::Test;
            }
            let mut csv = String::from("pid,split\n");
            let mut done = BTreeSet::new();
            for r in 0..n {
                if done.insert(d.pids[r].as_str()) {
                    let _ = writeln!(csv, "{},{}", d.pids[r], sides[r].name());
                }
            }
            Ok((sides, Some(csv)))
        }
    }
}

#[derive(Serialize, Debug)]
struct Imputed {
    column: String,
    median: f64,
    missing_cells: usize,
}

#[derive(Serialize, Debug)]
struct OneHot {
    column: String,
    categories: Vec<String>,
    /// Cells outside the training categories (or missing): encoded as all zeros.
    unseen_or_missing_cells: usize,
}

#[derive(Serialize, Debug, Default)]
pub(super) struct Preprocessing {
    one_hot: Vec<OneHot>,
    imputed: Vec<Imputed>,
    /// Columns constant on the training split (left at 0 after standardisation).
    constant_columns: Vec<String>,
    standardised: &'static str,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// Encoded, imputed and standardised features (all rows), their names and the report.
pub(super) fn features(t: &Table, d: &Data, sides: &[Side]) -> Result<(Matrix, Vec<String>, Preprocessing)> {
    let n = t.rows.len();
    let mut names = Vec::new();
    let mut cols: Vec<Vec<f64>> = Vec::new();
    let mut rep = Preprocessing {
        standardised: "z-score with the training mean and population standard deviation",
        ..Default::default()
    };
    for &c in &d.feature_cols {
        let name = &t.headers[c];
        // Numeric unless some non-missing cell is not a number.
        let mut vals: Vec<Option<f64>> = Vec::with_capacity(n);
        let mut text = false;
        for r in 0..n {
            let s = t.cell(r, c);
            if is_missing(s) {
                vals.push(None);
                continue;
            }
            match s.parse::<f64>() {
                Ok(v) if v.is_finite() => vals.push(Some(v)),
                Ok(_) => bail!(
                    "{}: '{s}' is infinite; use a finite number or leave the cell empty",
                    t.at(r, c)
                ),
                Err(_) => {
                    text = true;
                    break;
                }
            }
        }
        if text {
            let cats: BTreeSet<&str> = (0..n)
                .filter(|&r| sides[r] == Side::Train && !is_missing(t.cell(r, c)))
                .map(|r| t.cell(r, c))
                .collect();
            if cats.is_empty() {
                bail!(
                    "{}: column {name} has no value on the training split; fill it or drop the column",
                    t.all_lines(c)
                );
            }
            let unseen = (0..n).filter(|&r| !cats.contains(t.cell(r, c))).count();
            for cat in &cats {
                names.push(format!("{name}={cat}"));
                cols.push(
                    (0..n)
                        .map(|r| f64::from(u8::from(t.cell(r, c) == *cat)))
                        .collect(),
                );
            }
            rep.one_hot.push(OneHot {
                column: name.clone(),
                categories: cats.iter().map(|s| s.to_string()).collect(),
                unseen_or_missing_cells: unseen,
            });
        } else {
            let missing = vals.iter().filter(|v| v.is_none()).count();
            let mut train: Vec<f64> = (0..n)
                .filter(|&r| sides[r] == Side::Train)
                .filter_map(|r| vals[r])
                .collect();
            let fill = if missing > 0 {
                if train.is_empty() {
                    bail!(
                        "{}: column {name} has no value on the training split, so the median cannot be imputed; fill it or drop the column",
                        t.all_lines(c)
                    );
                }
                let m = median(&mut train);
                rep.imputed.push(Imputed {
                    column: name.clone(),
                    median: m,
                    missing_cells: missing,
                });
                m
            } else {
                0.0
            };
            names.push(name.clone());
            cols.push(vals.iter().map(|v| v.unwrap_or(fill)).collect());
        }
    }
    // Standardise with training statistics.
    let train: Vec<usize> = (0..n).filter(|&r| sides[r] == Side::Train).collect();
    let nt = train.len() as f64;
    for (j, col) in cols.iter_mut().enumerate() {
        let mean = train.iter().map(|&r| col[r]).sum::<f64>() / nt;
        let sd = (train.iter().map(|&r| (col[r] - mean).powi(2)).sum::<f64>() / nt).sqrt();
        let sd = if sd > 1e-12 * mean.abs().max(1.0) {
            sd
        } else {
            rep.constant_columns.push(names[j].clone());
            f64::INFINITY
        };
        for v in col.iter_mut() {
            *v = if sd.is_finite() {
                (*v - mean) / sd
            } else {
                0.0
            };
        }
    }
    let p = cols.len();
    let mut data = Vec::with_capacity(n * p);
    for r in 0..n {
        for col in &cols {
            data.push(col[r]);
        }
    }
    Ok((Matrix::new(n, p, data)?, names, rep))
}

#[derive(Serialize, Debug)]
struct SplitCounts {
    patients: usize,
    rows: usize,
    events: usize,
}

#[derive(Serialize, Debug)]
struct CoxnetHyper {
    l1_ratio: f64,
    alpha: f64,
    alpha_index: usize,
    alphas_fitted: usize,
    alpha_max: f64,
    alpha_min_ratio: f64,
    selection: &'static str,
}

#[derive(Serialize, Debug)]
struct Metrics {
    model: TableModel,
    data: String,
    split_file: String,
    split_seed: Option<u64>,
    c_index_test: f64,
    c_index_val: f64,
    c_index_train: f64,
    hyperparameters: CoxnetHyper,
    splits: BTreeMap<&'static str, SplitCounts>,
    n_features: usize,
    n_nonzero: usize,
    preprocessing: Preprocessing,
    /// Non-zero coefficients per standardised feature (log-hazard per training SD).
    coefficients: BTreeMap<String, f64>,
    fit_seconds: f64,
}

/// The rows of a table on each side of its patient split (`--split` file, or made with the seed
/// and then written to `OUT/split.csv`), each side checked non-empty.
pub(super) struct SplitRows {
    pub sides: Vec<Side>,
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
    /// The split file used or written.
    pub split_file: String,
}

pub(super) fn split_rows(a: &TableArgs, d: &Data, t: &Table) -> Result<SplitRows> {
    let (sides, split_csv) = assign_sides(a, d, t)?;
    let n = d.pids.len();
    let idx = |s: Side| -> Vec<usize> { (0..n).filter(|&r| sides[r] == s).collect() };
    let (train, val, test) = (idx(Side::Train), idx(Side::Val), idx(Side::Test));
    for (s, rows) in [(Side::Train, &train), (Side::Val, &val), (Side::Test, &test)] {
        if rows.is_empty() {
            bail!(
                "{}: no {} patients; every split needs patients",
                a.split
                    .as_ref()
                    .map_or(t.path.clone(), |p| p.display().to_string()),
                s.name()
            );
        }
    }
    let split_file = match (&a.split, &split_csv) {
        (Some(p), _) => p.display().to_string(),
        (None, Some(csv)) => {
            let p = a.out.join("split.csv");
            write_atomic(&p, csv.as_bytes())?;
            p.display().to_string()
        }
        (None, None) => bail!("internal error: no split was read or made"),
    };
    Ok(SplitRows { sides, train, val, test, split_file })
}

fn table(a: &TableArgs) -> Result<()> {
    let t = Table::read(&a.data)?;
    let d = read_data(&t)?;
    let SplitRows { sides, train: tr, val: va, test: te, split_file } = split_rows(a, &d, &t)?;
    let n = d.pids.len();
    let (x, names, prep) = features(&t, &d, &sides)?;
    let pick = |rows: &[usize]| {
        (
            x.select_rows(rows),
            rows.iter().map(|&r| d.time[r]).collect::<Vec<_>>(),
            rows.iter().map(|&r| d.event[r]).collect::<Vec<_>>(),
        )
    };
    let (xtr, ttr, etr) = pick(&tr);
    let (xva, tva, eva) = pick(&va);
    let (xte, tte, ete) = pick(&te);

    let cfg = CoxnetConfig {
        l1_ratio: a.l1_ratio,
        n_alphas: a.n_alphas,
        alpha_min_ratio: a.alpha_min_ratio,
        standardize: false, // done above with training statistics
        ..Default::default()
    };
    eprintln!(
        "coxnet: {} training patients, {} features, l1_ratio {}",
        tr.len(),
        names.len(),
        a.l1_ratio
    );
    let start = std::time::Instant::now();
    let fit = cfg
        .fit(&xtr, &ttr, &etr)
        .map_err(|e| anyhow!("{}: training split: {e}", t.path))?;
    let fit_seconds = start.elapsed().as_secs_f64();
    if !fit.converged {
        eprintln!("warning: coxnet reached max_iter before converging; the path was cut short");
    }
    let c_of = |xm: &Matrix, tt: &[f64], ee: &[bool], k: usize, what: &str| -> Result<f64> {
        let risk = fit.predict(xm, k)?;
        Ok(harrell_c(tt, ee, &risk)
            .map_err(|e| anyhow!("{}: {what} split: {e}", split_file))?
            .c_index)
    };
    let mut path_csv = String::from("alpha,c_index_val,n_nonzero,deviance_ratio\n");
    let mut best = (0usize, f64::NEG_INFINITY);
    for k in 0..fit.alphas.len() {
        let c = c_of(&xva, &tva, &eva, k, "validation")?;
        let _ = writeln!(
            path_csv,
            "{},{},{},{}",
            fit.alphas[k],
            c,
            fit.support(k).len(),
            fit.deviance_ratio[k]
        );
        if c > best.1 {
            best = (k, c);
        }
    }
    let k = best.0;
    let c_test = c_of(&xte, &tte, &ete, k, "test")?;
    let c_train = c_of(&xtr, &ttr, &etr, k, "training")?;
    let coef = &fit.coefs[k];

    let counts = |rows: &[usize]| SplitCounts {
        patients: rows
            .iter()
            .map(|&r| d.pids[r].as_str())
            .collect::<BTreeSet<_>>()
            .len(),
        rows: rows.len(),
        events: rows.iter().filter(|&&r| d.event[r]).count(),
    };
    let metrics = Metrics {
        model: a.model,
        data: a.data.display().to_string(),
        split_file: split_file.clone(),
        split_seed: a.split.is_none().then_some(a.seed),
        c_index_test: c_test,
        c_index_val: best.1,
        c_index_train: c_train,
        hyperparameters: CoxnetHyper {
            l1_ratio: a.l1_ratio,
            alpha: fit.alphas[k],
            alpha_index: k,
            alphas_fitted: fit.alphas.len(),
            alpha_max: fit.alphas[0],
            alpha_min_ratio: fit.alpha_min_ratio,
            selection: "highest validation Harrell C over the path (largest alpha on ties)",
        },
        splits: BTreeMap::from([
            ("train", counts(&tr)),
            ("val", counts(&va)),
            ("test", counts(&te)),
        ]),
        n_features: names.len(),
        n_nonzero: fit.support(k).len(),
        preprocessing: prep,
        coefficients: fit
            .support(k)
            .into_iter()
            .map(|j| (names[j].clone(), coef[j]))
            .collect(),
        fit_seconds,
    };
    let mut coef_csv = String::from("feature,coefficient\n");
    for (j, name) in names.iter().enumerate() {
        let _ = writeln!(coef_csv, "{},{}", csv_field(name), coef[j]);
    }
    let risk = fit.predict(&x, k)?;
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
    write_atomic(&a.out.join("path.csv"), path_csv.as_bytes())?;
    write_atomic(&a.out.join("coefficients.csv"), coef_csv.as_bytes())?;
    write_atomic(&a.out.join("predictions.csv"), pred_csv.as_bytes())?;
    write_json(&a.out.join("metrics.json"), &metrics).context("writing metrics.json")?;
    println!(
        "coxnet l1_ratio {} alpha {:.6} ({} of {}), {} non-zero of {} features",
        a.l1_ratio,
        fit.alphas[k],
        k + 1,
        fit.alphas.len(),
        metrics.n_nonzero,
        names.len()
    );
    println!(
        "C-index  train {:.4}  val {:.4}  test {:.4}",
        c_train, best.1, c_test
    );
    for i in &metrics.preprocessing.imputed {
        println!(
            "imputed {} missing cells of {} with the training median {}",
            i.missing_cells, i.column, i.median
        );
    }
    for o in &metrics.preprocessing.one_hot {
        println!(
            "one-hot {}: {} categories ({})",
            o.column,
            o.categories.len(),
            o.categories.join(", ")
        );
    }
    println!("wrote {}", a.out.join("metrics.json").display());
    Ok(())
}

/// Quote a CSV field when needed.
pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
