//! The training loop.
//!
//! Determinism and exact resume: every random choice after initialisation (epoch order,
//! augmentation) comes from one `ChaCha8Rng` seeded with the config seed, whose exact position
//! is stored in each checkpoint with the model, the AdamW state (moments and step counts) and the
//! schedule step. Burn's own RNG (process-global on Flex, burn-0.22.md section 9) is used only
//! for the initial weights (after `device.seed(seed)`); the models have no dropout. A run
//! resumed from the checkpoint of epoch e therefore replays epochs e+1.. exactly, and ends with
//! the same weights, bit for bit, as an uninterrupted run (tested in `tests/resume.rs`).

use std::collections::BTreeMap;
use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::train::TrainError;
use crate::train::config::{ExperimentConfig, OptimizerConfig, ScheduleConfig, VitModelConfig};
use crate::train::data::{Dataset, ImageItem};
use crate::train::objective::{ImageClassification, Objective};
use crate::train::parallel::{data_parallel_grads, split_items};
use crate::train::run::{RngState, RunDir, TrainState, io_err, write_atomic};
use crate::train::schedule::CosineSchedule;
use crate::vit::Vit;

/// Engine settings (the non-model part of an experiment).
#[derive(Debug, Clone)]
pub struct TrainOptions {
    pub seed: u64,
    /// Device without autodiff; the engine trains on `device.autodiff()`.
    pub device: Device,
    pub optimizer: OptimizerConfig,
    pub schedule: ScheduleConfig,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Stop (as if interrupted) once this many epochs are complete; for tests and time-boxed
    /// runs. The run can be continued with `resume`.
    pub stop_after_epochs: Option<usize>,
}

/// One row of metrics.csv / metrics.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// 1-based epoch number.
    pub epoch: usize,
    /// Optimiser steps done at the end of the epoch.
    pub step: usize,
    /// Learning rate of the epoch's last step.
    pub lr: f64,
    /// Sample-weighted mean training loss of the epoch.
    pub train_loss: f64,
    pub samples_per_sec: f64,
    pub seconds: f64,
    /// Validation metrics (`valid_loss`, `valid_accuracy`, ...), if a validation set was given.
    #[serde(flatten)]
    pub valid: BTreeMap<String, f64>,
}

/// Result of [`train`].
#[derive(Debug)]
pub struct TrainOutcome<M> {
    /// The model after the last completed epoch (autodiff device).
    pub model: M,
    pub metrics: Vec<EpochMetrics>,
    /// False when stopped early by `stop_after_epochs`.
    pub finished: bool,
}

/// Train `init`'s model with `objective` on `train`, writing the run directory `run`.
///
/// `init` builds the initial model from the device and the seed (use the seed for every random
/// initial value, not Burn's global RNG). `config_toml` is the resolved configuration written to `RUN/config.toml` (and compared on
/// resume). With `resume`, the newest checkpoint in `run` is loaded and training continues from
/// the following epoch; without a checkpoint the run starts from scratch.
#[allow(clippy::too_many_arguments)]
pub fn train<O: Objective>(
    opts: &TrainOptions,
    objective: &O,
    init: impl FnOnce(&Device, u64) -> Result<O::Model, TrainError>,
    train: &dyn Dataset<Item = O::Item>,
    valid: Option<&dyn Dataset<Item = O::Item>>,
    run: &RunDir,
    config_toml: &str,
    resume: bool,
) -> Result<TrainOutcome<O::Model>, TrainError> {
    let n = train.len();
    if n == 0 {
        return Err(TrainError::Data("the training set is empty".into()));
    }
    run.prepare(config_toml, resume)?;
    let device = opts.device.clone().autodiff();
    let batch = opts.schedule.batch_size;
    let steps_per_epoch = n.div_ceil(batch);
    let sched = CosineSchedule {
        peak: opts.optimizer.lr,
        min: opts.schedule.min_lr,
        warmup_steps: opts.schedule.warmup_epochs * steps_per_epoch,
        total_steps: opts.schedule.epochs * steps_per_epoch,
    };
    let o = &opts.optimizer;
    let mut optim = AdamWConfig::new()
        .with_beta_1(o.beta1 as f32)
        .with_beta_2(o.beta2 as f32)
        .with_epsilon(o.epsilon as f32)
        .with_weight_decay(o.weight_decay as f32)
        .with_grad_clipping(
            o.grad_clip_norm
                .map(|c| GradientClippingConfig::Norm(c as f32)),
        )
        .init();

    // fresh start or resume
    device.seed(opts.seed);
    let mut model = init(&device, opts.seed)?;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let (mut epoch0, mut step, mut history) = (0usize, 0usize, Vec::new());
    if resume && let Some((_, dir)) = run.list_checkpoints()?.pop() {
        let state = RunDir::read_state(&dir)?;
        let mp = dir.join("model.bpk");
        model = model.try_load_file(&mp).map_err(|e| TrainError::Run {
            path: mp.clone(),
            reason: format!("cannot load the model checkpoint ({e:?})"),
        })?;
        let op = dir.join("optimizer.bpk");
        optim = optim.load(&op).map_err(|e| TrainError::Run {
            path: op.clone(),
            reason: format!("cannot load the optimiser checkpoint ({e:?})"),
        })?;
        rng = state.rng.restore().ok_or_else(|| TrainError::Run {
            path: dir.join("state.json"),
            reason: "bad RNG state".into(),
        })?;
        (epoch0, step, history) = (state.epoch, state.step, state.metrics);
    }

    let epochs = opts.schedule.epochs;
    for epoch in epoch0..epochs {
        let bar = if opts.progress {
            let b = ProgressBar::new(n as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "epoch {prefix} [{bar:30}] {pos}/{len} {msg} ({elapsed}<{eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(format!("{}/{epochs}", epoch + 1));
            b
        } else {
            ProgressBar::hidden()
        };
        let started = Instant::now();
        let mut order: Vec<usize> = (0..n).collect();
        order.shuffle(&mut rng);
        let (mut loss_sum, mut seen, mut lr) = (0.0f64, 0usize, 0.0f64);
        for chunk in order.chunks(batch) {
            let items = chunk
                .par_iter()
                .map(|&i| train.get(i))
                .collect::<Result<Vec<_>, _>>()?;
            lr = sched.lr(step);
            let parts = opts.schedule.micro_batches;
            let split = parts > 1 && items.len() > 1;
            let (l, grads) = if split && objective.separable() {
                let mut items = items;
                objective.prepare(&mut items, &mut rng);
                data_parallel_grads(&model, split_items(items, parts), &device, |m, part| {
                    objective.prepared_loss(m, part, &device)
                })?
            } else if split && objective.coupled_parallel() {
                let mut items = items;
                objective.prepare(&mut items, &mut rng);
                objective.coupled_parallel_grads(&model, items, parts, &device)?
            } else {
                let loss = objective.batch_loss(&model, items, &mut rng, &device)?;
                let grads = GradientsParams::from_grads(loss.backward(), &model);
                (loss.into_scalar::<f32>(), grads)
            };
            model = optim.step(lr, model, grads);
            if !l.is_finite() {
                return Err(TrainError::NonFinite {
                    value: l,
                    epoch: epoch + 1,
                    step,
                });
            }
            step += 1;
            loss_sum += l as f64 * chunk.len() as f64;
            seen += chunk.len();
            bar.inc(chunk.len() as u64);
            let rate = seen as f64 / started.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "loss {:.4} lr {lr:.2e} {rate:.2} samples/s",
                loss_sum / seen as f64
            ));
        }
        let seconds = started.elapsed().as_secs_f64();
        bar.finish_and_clear();

        let mut valid_metrics = BTreeMap::new();
        if let Some(v) = valid {
            let eval_model = model.valid();
            for (k, val) in objective.evaluate(&eval_model, v, batch, &opts.device)? {
                valid_metrics.insert(format!("valid_{k}"), val);
            }
        }
        history.push(EpochMetrics {
            epoch: epoch + 1,
            step,
            lr,
            train_loss: loss_sum / seen.max(1) as f64,
            samples_per_sec: seen as f64 / seconds.max(1e-9),
            seconds,
            valid: valid_metrics,
        });
        let state = TrainState {
            epoch: epoch + 1,
            step,
            rng: RngState::capture(&rng),
            metrics: history.clone(),
        };
        save_checkpoint(run, &model, &optim, &state, opts.schedule.keep_checkpoints)?;
        run.write_metrics(&history)?;
        if opts.progress {
            let last = &history[history.len() - 1];
            let extra: String = last
                .valid
                .iter()
                .map(|(k, v)| format!(" {k} {v:.4}"))
                .collect();
            eprintln!(
                "epoch {}/{epochs}: train_loss {:.4} lr {:.2e} {:.1}s{extra}",
                epoch + 1,
                last.train_loss,
                lr,
                seconds
            );
        }
        if opts.stop_after_epochs == Some(epoch + 1) && epoch + 1 < epochs {
            return Ok(TrainOutcome {
                model,
                metrics: history,
                finished: false,
            });
        }
    }
    save_module(&model, &run.final_model())?;
    Ok(TrainOutcome {
        model,
        metrics: history,
        finished: true,
    })
}

/// Save a module to `path` (burnpack) through a temporary file.
pub fn save_module<M: Module>(model: &M, path: &std::path::Path) -> Result<(), TrainError> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp.bpk",
        path.file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default()
    ));
    model.clone().save_file(&tmp).map_err(|e| TrainError::Run {
        path: tmp.clone(),
        reason: format!("cannot save the model ({e:?})"),
    })?;
    std::fs::rename(&tmp, path).map_err(io_err(path))
}

fn save_checkpoint<M: Module>(
    run: &RunDir,
    model: &M,
    optim: &burn::optim::ModuleOptimizer,
    state: &TrainState,
    keep: usize,
) -> Result<(), TrainError> {
    let dir = run.checkpoint(state.epoch);
    let partial = run
        .checkpoints()
        .join(format!(".epoch-{:04}.partial", state.epoch));
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(io_err(&partial))?;
    }
    std::fs::create_dir_all(&partial).map_err(io_err(&partial))?;
    save_module(model, &partial.join("model.bpk"))?;
    let op = partial.join("optimizer.bpk");
    optim.save(&op).map_err(|e| TrainError::Run {
        path: op.clone(),
        reason: format!("cannot save the optimiser ({e:?})"),
    })?;
    let json = serde_json::to_vec_pretty(state).map_err(|e| TrainError::Data(e.to_string()))?;
    write_atomic(&partial.join("state.json"), &json)?;
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
    }
    std::fs::rename(&partial, &dir).map_err(io_err(&dir))?;
    let all = run.list_checkpoints()?;
    for (_, old) in all.iter().take(all.len().saturating_sub(keep)) {
        std::fs::remove_dir_all(old).map_err(io_err(old))?;
    }
    Ok(())
}

/// Train a ViT image classifier from an experiment configuration (the baseline of `grade train`).
pub fn train_vit(
    config: &ExperimentConfig<VitModelConfig>,
    train_set: &dyn Dataset<Item = ImageItem>,
    valid: Option<&dyn Dataset<Item = ImageItem>>,
    run: &RunDir,
    resume: bool,
    progress: bool,
) -> Result<TrainOutcome<Vit>, TrainError> {
    let opts = TrainOptions {
        seed: config.seed,
        device: crate::device::parse_device(&config.device)?,
        optimizer: config.optimizer.clone(),
        schedule: config.schedule.clone(),
        progress,
        stop_after_epochs: None,
    };
    let objective = ImageClassification {
        augmentation: config.augmentation.clone(),
        normalize: config.data.normalize,
    };
    let vit_cfg = config.model.vit();
    let pretrained = config.model.pretrained.clone();
    let init = move |device: &Device, seed: u64| -> Result<Vit, TrainError> {
        Ok(match &pretrained {
            Some(path) => crate::hf_vit::load_hf_vit(path, &vit_cfg, device, seed)?.0,
            None => vit_cfg.init(device, seed)?,
        })
    };
    train(
        &opts,
        &objective,
        init,
        train_set,
        valid,
        run,
        &config.to_toml()?,
        resume,
    )
}

/// Load the final model of a finished ViT run (`RUN/model.bpk`) with the run's configuration
/// (`RUN/config.toml`), on `device` (no autodiff): what `grade predict` needs.
pub fn load_trained_vit(
    run: &RunDir,
    device: &Device,
) -> Result<(Vit, ExperimentConfig<VitModelConfig>), TrainError> {
    let config = ExperimentConfig::<VitModelConfig>::from_file(&run.config_path())?;
    let path = run.final_model();
    if !path.exists() {
        return Err(TrainError::Run {
            path,
            reason: "no final model: the run has not finished; continue it with --resume".into(),
        });
    }
    let load_err = |e| TrainError::Run {
        path: path.clone(),
        reason: format!("cannot load the model ({e:?})"),
    };
    let vit = config.model.vit().init(device, config.seed)?;
    let model = match &config.model.fof {
        // a FoF run saves the whole FoF model; inference needs its ViT only
        Some(f) => {
            crate::fof::wrap_vit(vit, f.projection_dim, f.heads(), device, config.seed)
                .try_load_file(&path)
                .map_err(load_err)?
                .vit
        }
        None => vit.try_load_file(&path).map_err(load_err)?,
    };
    Ok((model, config))
}
