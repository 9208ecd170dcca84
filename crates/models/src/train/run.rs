//! Run directory layout:
//!
//! ```text
//! RUN/config.toml                    the resolved experiment configuration
//! RUN/metrics.csv, RUN/metrics.json  one row per finished epoch (rewritten atomically)
//! RUN/checkpoints/epoch-NNNN/        model.bpk, optimizer.bpk (Burn burnpack), state.json
//!                                    (epoch, step, RNG state, metrics so far)
//! RUN/model.bpk                      the final model (Burn burnpack)
//! ```
//!
//! Every file is written to a temporary name and renamed, and a checkpoint directory is
//! complete once it has its final name, so an interrupted run never leaves a half checkpoint
//! that `--resume` would pick up.

use std::path::{Path, PathBuf};

use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::train::TrainError;
use crate::train::engine::EpochMetrics;

/// A run directory.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub root: PathBuf,
}

/// What a checkpoint's `state.json` holds besides the model and optimiser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainState {
    /// Completed epochs.
    pub epoch: usize,
    /// Completed optimiser steps (the learning-rate schedule's position).
    pub step: usize,
    pub rng: RngState,
    /// Metrics of the finished epochs, with every float stored exactly (see [`ExactF64`]).
    #[serde(with = "exact_metrics")]
    pub metrics: Vec<EpochMetrics>,
}

/// A float written as its shortest round-trip decimal string and read back with
/// `str::parse`, which rounds correctly: serde_json's default float parser may be one ulp off,
/// and a resumed run must report exactly the metrics of the epochs it did not redo.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExactF64(pub String);

impl ExactF64 {
    fn new(x: f64) -> Self {
        Self(format!("{x:?}"))
    }
    fn get(&self) -> Option<f64> {
        self.0.parse().ok()
    }
}

mod exact_metrics {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::ExactF64;
    use crate::train::engine::EpochMetrics;

    #[derive(Serialize, Deserialize)]
    struct Stored {
        epoch: usize,
        step: usize,
        values: BTreeMap<String, ExactF64>,
    }

    const FIXED: [&str; 4] = ["lr", "train_loss", "samples_per_sec", "seconds"];

    pub fn serialize<S: Serializer>(metrics: &[EpochMetrics], s: S) -> Result<S::Ok, S::Error> {
        let stored: Vec<Stored> = metrics
            .iter()
            .map(|m| {
                let mut values: BTreeMap<String, ExactF64> = m
                    .valid
                    .iter()
                    .map(|(k, v)| (k.clone(), ExactF64::new(*v)))
                    .collect();
                for (k, v) in FIXED
                    .iter()
                    .zip([m.lr, m.train_loss, m.samples_per_sec, m.seconds])
                {
                    values.insert(k.to_string(), ExactF64::new(v));
                }
                Stored {
                    epoch: m.epoch,
                    step: m.step,
                    values,
                }
            })
            .collect();
        stored.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<EpochMetrics>, D::Error> {
        let stored = Vec::<Stored>::deserialize(d)?;
        let mut out = Vec::with_capacity(stored.len());
        for mut st in stored {
            let mut take = |k: &str| -> Result<f64, D::Error> {
                st.values.remove(k).and_then(|v| v.get()).ok_or_else(|| {
                    serde::de::Error::custom(format!("metric `{k}` missing or not a number"))
                })
            };
            let (lr, train_loss, samples_per_sec, seconds) = (
                take("lr")?,
                take("train_loss")?,
                take("samples_per_sec")?,
                take("seconds")?,
            );
            let mut valid = BTreeMap::new();
            for (k, v) in st.values {
                let x = v.get().ok_or_else(|| {
                    serde::de::Error::custom(format!("metric `{k}` is not a number"))
                })?;
                valid.insert(k, x);
            }
            out.push(EpochMetrics {
                epoch: st.epoch,
                step: st.step,
                lr,
                train_loss,
                samples_per_sec,
                seconds,
                valid,
            });
        }
        Ok(out)
    }
}

/// The exact position of a ChaCha8 stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    /// 32-byte key, hex.
    pub seed: String,
    pub stream: u64,
    /// Word position (u128, decimal string: JSON numbers are not exact beyond 2^53).
    pub word_pos: String,
}

impl RngState {
    pub fn capture(rng: &ChaCha8Rng) -> Self {
        Self {
            seed: rng.get_seed().iter().map(|b| format!("{b:02x}")).collect(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos().to_string(),
        }
    }

    pub fn restore(&self) -> Option<ChaCha8Rng> {
        use rand::SeedableRng;
        if self.seed.len() != 64 {
            return None;
        }
        let mut seed = [0u8; 32];
        for (i, b) in seed.iter_mut().enumerate() {
            *b = u8::from_str_radix(self.seed.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(self.word_pos.parse().ok()?);
        Some(rng)
    }
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
    move |source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename
/// (`cohort::io::write_atomic`: a unique temporary name, the permissions of the file replaced).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    cohort::io::write_atomic(path, bytes).map_err(|e| match e {
        cohort::CohortError::Io { path, err } => TrainError::Io { path, source: err },
        other => TrainError::Run {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    })
}

impl RunDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }
    pub fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    pub fn checkpoints(&self) -> PathBuf {
        self.root.join("checkpoints")
    }
    pub fn checkpoint(&self, epoch: usize) -> PathBuf {
        self.checkpoints().join(format!("epoch-{epoch:04}"))
    }
    pub fn final_model(&self) -> PathBuf {
        self.root.join("model.bpk")
    }

    /// Prepare the directory. A fresh run refuses a directory that already holds a run; a
    /// resumed run requires the same resolved configuration.
    pub fn prepare(&self, config_toml: &str, resume: bool) -> Result<(), TrainError> {
        let cfg = self.config_path();
        if cfg.exists() {
            if !resume {
                return Err(TrainError::Run {
                    path: self.root.clone(),
                    reason:
                        "already holds a run; pass --resume to continue it, or choose another --out"
                            .into(),
                });
            }
            let old = std::fs::read_to_string(&cfg).map_err(io_err(&cfg))?;
            if old != config_toml {
                return Err(TrainError::Run {
                    path: cfg,
                    reason: "differs from this experiment's configuration; resume with the configuration the run started with, or choose another --out".into(),
                });
            }
            return Ok(());
        }
        std::fs::create_dir_all(self.checkpoints()).map_err(io_err(&self.root))?;
        write_atomic(&cfg, config_toml.as_bytes())
    }

    /// Completed checkpoints, oldest first.
    pub fn list_checkpoints(&self) -> Result<Vec<(usize, PathBuf)>, TrainError> {
        let dir = self.checkpoints();
        if !dir.exists() {
            return Ok(Vec::new());
        }
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let name = entry.file_name().to_string_lossy().to_string();
            if let Some(n) = name
                .strip_prefix("epoch-")
                .and_then(|n| n.parse::<usize>().ok())
                && entry.path().join("state.json").exists()
            {
                found.push((n, entry.path()));
            }
        }
        found.sort();
        Ok(found)
    }

    /// Read the state of checkpoint directory `dir`.
    pub fn read_state(dir: &Path) -> Result<TrainState, TrainError> {
        let p = dir.join("state.json");
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        serde_json::from_str(&text).map_err(|e| TrainError::Run {
            path: p,
            reason: format!("unreadable checkpoint state ({e})"),
        })
    }

    /// Rewrite metrics.csv and metrics.json from the full history.
    pub fn write_metrics(&self, metrics: &[EpochMetrics]) -> Result<(), TrainError> {
        let json =
            serde_json::to_vec_pretty(metrics).map_err(|e| TrainError::Data(e.to_string()))?;
        write_atomic(&self.root.join("metrics.json"), &json)?;
        let mut valid_keys: Vec<&String> = metrics.iter().flat_map(|m| m.valid.keys()).collect();
        valid_keys.sort();
        valid_keys.dedup();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec![
            "epoch",
            "step",
            "lr",
            "train_loss",
            "samples_per_sec",
            "seconds",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        header.extend(valid_keys.iter().map(|k| k.to_string()));
        let csv_err = |e: csv::Error| TrainError::Data(e.to_string());
        w.write_record(&header).map_err(csv_err)?;
        for m in metrics {
            let mut row = vec![
                m.epoch.to_string(),
                m.step.to_string(),
                format!("{:e}", m.lr),
                m.train_loss.to_string(),
                format!("{:.3}", m.samples_per_sec),
                format!("{:.3}", m.seconds),
            ];
            row.extend(
                valid_keys
                    .iter()
                    .map(|k| m.valid.get(*k).map_or(String::new(), |v| v.to_string())),
            );
            w.write_record(&row).map_err(csv_err)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| TrainError::Data(e.to_string()))?;
        write_atomic(&self.root.join("metrics.csv"), &bytes)
    }
}
