//! Burn models for gliofuse (Burn 0.22, Flex CPU backend by default, Vulkan with `--features gpu`).
//!
//! * [`vit`]: the ViT of FoF's grading (no CLS token, mean pooling), split into
//!   embed / blocks / head so tokens can be replaced (FoF) or explained (Grad-CAM).
//! * [`hf_vit`]: import of HuggingFace `transformers` ViT checkpoints (SafeTensors), with
//!   bicubic resampling of the position table.
//! * [`idh`]: the IDH networks (IIMF): the L2 MLP of Model 3, SA-Net deep features (Model 1),
//!   and the invariant/specific fusion of Model 4 with its losses.
//! * [`fof`]: FoF's FRL and MCA losses, the FoF model and its training objective.
//! * [`grad_cam`]: Grad-CAM on the tokens of a chosen block (FoF Eq. 1).
//! * [`resnet`]: ResNet-50 patch encoder in torchvision's layout, import of torchvision
//!   `state_dict`s saved as SafeTensors.
//! * [`train`]: the training engine shared by every model (config, AdamW + cosine schedule,
//!   checkpoints, exact resume, metrics, progress).
//! * [`survival`]: Cox loss and the slide + RNA survival models (Steyaert joint fusion,
//!   cross-attention, unimodal controls).
//! * [`device`]: `cpu | gpu[:N]` selection.

pub mod alloc;
pub mod device;
pub mod error;
pub mod fof;
pub mod gelu;
pub mod grad_cam;
pub mod hf_vit;
pub mod idh;
pub mod linear;
pub mod params;
pub mod survival;

pub mod resnet;
pub mod train;
pub mod vit;

pub use device::{DeviceSpec, parse_device};
pub use error::ModelError;
pub use grad_cam::{grad_cam, grad_cam_tokens};
pub use hf_vit::{ImportReport, load_hf_vit};
pub use resnet::{ResNet, ResNetConfig, load_torchvision_resnet};
pub use vit::{Vit, VitConfig};

/// Re-export of Burn so dependants use the exact same version and feature set.
pub use burn;
