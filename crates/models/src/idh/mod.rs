//! The neural networks of the IDH pipeline (IIMF, shared reference idh.md):
//!
//! * [`mlp`]: Model 3's per-modality classifier, an L2-regularised MLP standing in for the BRNN;
//! * [`sanet`]: SA-Net (pairwise self-attention, small variant for 72x72 ROIs), 128-d features;
//! * [`fusion`]: Model 4, invariant/specific-constraint fusion, with its losses in [`losses`].
//!
//! Tabular inputs are [`stats::Matrix`] (f64, samples x features); labels are `&[u8]` with
//! 1 = IDH mutant. Every config is a serde section of idh.toml (`[mlp]`, `[sanet]`, `[fusion]`)
//! with defaults; every fit is seeded and deterministic; every fitted model has `save(dir)` /
//! `load(dir)` (SafeTensors weights + JSON description).
//!
//! ```text
//! let mlp = MlpConfig::default().fit(&x_train, &y_train)?;        // x: stats::Matrix, y: &[u8]
//! let p: Vec<f64> = mlp.predict_proba(&x_test)?;                  // P(IDH mutant)
//! let net = SaNetConfig::default().fit(&rois_train, &y_train)?;   // rois: &[Vec<f32>], 72*72 each
//! let deep: stats::Matrix = net.features(&rois_test)?;            // n x 128
//! let fusion = FusionConfig::default().fit(&[s1, s2], &y_train)?; // method 3: two streams
//! let p4 = fusion.predict_proba(&[t1, t2])?;
//! mlp.save(dir)?; let back = FittedMlp::load(dir)?;              // likewise for the others
//! ```
//!
//! Prediction returns `Result` too: a wrong column count, wrong image size or a NaN is an
//! [`IdhError`], never a panic. Models train on Burn's Flex CPU backend; parameters are drawn
//! from a `ChaCha8Rng` seeded by the config (not Burn's global RNG), so training in parallel
//! threads stays deterministic.

mod common;
pub mod error;
pub mod fusion;
pub mod losses;
pub mod mlp;
pub mod sanet;

pub use error::{IdhError, Result};
pub use fusion::{EncoderActivation, FittedFusion, FusionConfig, FusionEpoch};
pub use losses::DiffScale;
pub use mlp::{Activation, FittedMlp, MlpConfig};
pub use sanet::{FittedSaNet, SaNetConfig, SaNetEpoch};
