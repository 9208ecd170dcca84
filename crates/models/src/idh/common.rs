//! Shared plumbing of the IDH networks: input checks, standardisation, seeded initialisation,
//! mini-batch order, and SafeTensors + JSON persistence.
//!
//! Parameters are drawn from a `ChaCha8Rng` seeded from the config, never from Burn's
//! process-global RNG, so the same seed gives the same bytes even when several models train in
//! parallel threads.

use std::path::Path;

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::prelude::*;
use burn::store::{ModuleSnapshot, ModuleStore, SafetensorsStore};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use stats::Matrix;

use super::error::{IdhError, Result};

/// Labels: non-empty, the expected length, only 0/1, both classes present.
pub(crate) fn check_labels(what: &'static str, y: &[u8], n: usize) -> Result<()> {
    if n == 0 || y.is_empty() {
        return Err(IdhError::Empty { what });
    }
    if y.len() != n {
        return Err(IdhError::Shape {
            what,
            expected: format!("{n} labels (one per sample)"),
            found: format!("{} labels", y.len()),
        });
    }
    if let Some(row) = y.iter().position(|&v| v > 1) {
        return Err(IdhError::BadLabel {
            what,
            row,
            value: y[row],
        });
    }
    let pos = y.iter().filter(|&&v| v == 1).count();
    if pos == 0 || pos == n {
        return Err(IdhError::OneClass { what, class: y[0] });
    }
    Ok(())
}

/// Every value of `x` finite.
pub(crate) fn check_finite(what: &'static str, x: &Matrix) -> Result<()> {
    let c = x.n_cols().max(1);
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        Some(i) => Err(IdhError::NonFinite {
            what,
            row: i / c,
            col: i % c,
            value: x.as_slice()[i],
        }),
        None => Ok(()),
    }
}

/// Per-column standardisation with the training mean and population standard deviation
/// (scikit-learn's `StandardScaler`); a constant column is centred and left unscaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Standardizer {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Standardizer {
    pub fn fit(x: &Matrix) -> Self {
        let (n, d) = (x.n_rows(), x.n_cols());
        let mut mean = vec![0.0; d];
        for i in 0..n {
            for (m, v) in mean.iter_mut().zip(x.row(i)) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut var = vec![0.0; d];
        for i in 0..n {
            for ((s, v), m) in var.iter_mut().zip(x.row(i)).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        let scale = var
            .iter()
            .map(|s| {
                let sd = (s / n as f64).sqrt();
                if sd > 1e-12 { sd } else { 1.0 }
            })
            .collect();
        Standardizer { mean, scale }
    }

    /// Standardised rows `idx` as row-major f32.
    pub fn transform_rows(&self, x: &Matrix, idx: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(idx.len() * x.n_cols());
        for &i in idx {
            for ((v, m), s) in x.row(i).iter().zip(&self.mean).zip(&self.scale) {
                out.push(((v - m) / s) as f32);
            }
        }
        out
    }
}

/// `n` values from U(-bound, bound).
pub(crate) fn uniform(rng: &mut ChaCha8Rng, n: usize, bound: f64) -> Vec<f32> {
    (0..n)
        .map(|_| rng.random_range(-bound..bound) as f32)
        .collect()
}

/// A float tensor of `shape` from row-major values.
pub(crate) fn tensor<const D: usize>(
    values: Vec<f32>,
    shape: [usize; D],
    device: &Device,
) -> Tensor<D> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// A `Linear(d_in, d_out)` with PyTorch's default initialisation: weight and bias from
/// U(-1/sqrt(d_in), 1/sqrt(d_in)).
pub(crate) fn linear(
    rng: &mut ChaCha8Rng,
    d_in: usize,
    d_out: usize,
    bias: bool,
    device: &Device,
) -> Linear {
    let bound = 1.0 / (d_in.max(1) as f64).sqrt();
    let weight = Param::from_tensor(tensor(
        uniform(rng, d_in * d_out, bound),
        [d_in, d_out],
        device,
    ));
    let bias =
        bias.then(|| Param::from_tensor(tensor(uniform(rng, d_out, bound), [d_out], device)));
    Linear { weight, bias }
}

/// The mini-batches of one epoch: indices 0..n shuffled by `rng` (unless `shuffle` is false),
/// cut into batches of `batch_size` (0 or >= n: one full batch; the last batch may be short).
pub(crate) fn batches(
    rng: &mut ChaCha8Rng,
    n: usize,
    batch_size: usize,
    shuffle: bool,
) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..n).collect();
    if shuffle {
        order.shuffle(rng);
    }
    let b = if batch_size == 0 {
        n
    } else {
        batch_size.min(n)
    };
    order.chunks(b).map(<[usize]>::to_vec).collect()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IdhError + '_ {
    move |source| IdhError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Write `bytes` to `path` through a temporary file in the same directory and a rename
/// (`cohort::io::write_atomic`).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    cohort::io::write_atomic(path, bytes).map_err(|e| match e {
        cohort::CohortError::Io { path, err } => IdhError::Io { path, source: err },
        other => IdhError::Format {
            path: path.to_path_buf(),
            reason: other.to_string(),
        },
    })
}

/// Create `dir` (and parents).
pub(crate) fn create_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(io(dir))
}

/// Save `value` as pretty JSON.
pub(crate) fn save_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| IdhError::Format {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    write_atomic(path, text.as_bytes())
}

/// Read JSON written by [`save_json`].
pub(crate) fn load_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|e| IdhError::Format {
        path: path.to_path_buf(),
        reason: format!("{e}; the file is not a model saved by this version of gliofuse"),
    })
}

/// Save every tensor of `module` (parameters and running statistics) as SafeTensors, without
/// metadata so the bytes depend on the values only.
pub(crate) fn save_module<M: Module + ModuleSnapshot>(module: &M, path: &Path) -> Result<()> {
    let fail = |e: String| IdhError::Format {
        path: path.to_path_buf(),
        reason: e,
    };
    let mut store = SafetensorsStore::from_bytes(None).clear_metadata();
    store
        .collect_from(module)
        .map_err(|e| fail(e.to_string()))?;
    let bytes = store.get_bytes().map_err(|e| fail(e.to_string()))?;
    write_atomic(path, &bytes)
}

/// Load tensors saved by [`save_module`] into `module` (built with the same shapes); every tensor
/// of the module must be present.
pub(crate) fn load_module<M: Module + ModuleSnapshot>(mut module: M, path: &Path) -> Result<M> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let fail = |e: String| IdhError::Format {
        path: path.to_path_buf(),
        reason: e,
    };
    let mut store = SafetensorsStore::from_bytes(Some(bytes));
    let res = module
        .load_from(&mut store)
        .map_err(|e| fail(e.to_string()))?;
    if !res.errors.is_empty() || !res.missing.is_empty() {
        return Err(fail(format!(
            "weights do not fit the saved configuration (missing {:?}, errors {:?}); save the model again",
            res.missing, res.errors
        )));
    }
    Ok(module)
}

/// Values of a tensor as f64.
pub(crate) fn to_f64<const D: usize>(t: Tensor<D>) -> Result<Vec<f64>> {
    t.try_into_vec_as::<f32>()
        .map(|v| v.into_iter().map(f64::from).collect())
        .map_err(|e| IdhError::Shape {
            what: "model output",
            expected: "float values".into(),
            found: format!("{e:?}"),
        })
}
