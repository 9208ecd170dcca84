//! ResNet-50 patch encoder in torchvision's layout, with weight import from a torchvision
//! `state_dict` saved as SafeTensors (survival.md section 3.1: the Steyaert patch encoder).
//!
//! Architecture (torchvision `resnet50`, "v1.5": the stride of a downsampling block sits on its
//! 3x3 convolution, not on the first 1x1):
//!
//! ```text
//! conv1 7x7/2 (no bias) -> bn1 -> relu -> maxpool 3x3/2 (pad 1)
//! layer1..layer4: Bottleneck blocks [3, 4, 6, 3], planes 64, 128, 256, 512, expansion 4,
//!   stride 1, 2, 2, 2 on the first block of each layer
//! Bottleneck(x) = relu( bn3(conv3_1x1( relu(bn2(conv2_3x3/s( relu(bn1(conv1_1x1(x))) ))) )) + id(x) )
//!   id = downsample (conv 1x1/s, no bias -> bn) on the first block of a layer, else identity
//! features = global average pool of layer4 -> 2048 values (the `fc` layer is not used)
//! ```
//!
//! BatchNorm runs in eval mode: `y = (x - running_mean) / sqrt(running_var + 1e-5) * weight + bias`
//! (Burn's `BatchNorm` takes that path whenever the input tensor is not on an autodiff device).
//!
//! [`ResNetConfig`] carries the block counts, the stem width and the per-layer planes, so a
//! narrow, shallow network with the same key names can be tested against torchvision
//! (`tests/resnet_parity.rs`, fixture by `tools/reference/make_resnet_fixture.py`).
//!
//! Key mapping (torchvision names, used as they are; an optional `module.` or `model.` prefix
//! from DataParallel / wrapper checkpoints is stripped):
//!
//! | torchvision                                                    | [`ResNet`]                     |
//! | -------------------------------------------------------------- | ------------------------------ |
//! | `conv1.weight`                                                 | `conv1`                        |
//! | `bn1.{weight,bias,running_mean,running_var}`                   | `bn1`                          |
//! | `layerL.B.conv{1,2,3}.weight`, `layerL.B.bn{1,2,3}.*`          | `layers[L-1][B].conv*`, `bn*`  |
//! | `layerL.0.downsample.0.weight`, `layerL.0.downsample.1.*`      | `layers[L-1][0].downsample`    |
//! | `fc.*`, `*.num_batches_tracked`                                | not used                       |
//!
//! Conv2d weights have the same `[out, in, kh, kw]` layout in Burn and PyTorch, so nothing is
//! transposed. Every expected key must be present with the expected shape; the error names the
//! first key that is missing or mis-shaped.

use std::collections::BTreeSet;
use std::path::Path;

use burn::module::{Param, RunningState};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use safetensors::{Dtype, SafeTensors};

use crate::error::ModelError;

/// Block counts and widths of a Bottleneck ResNet (torchvision layout).
#[derive(Config, Debug, PartialEq)]
pub struct ResNetConfig {
    /// Bottleneck blocks per layer (ResNet-50: `[3, 4, 6, 3]`).
    #[config(default = "[3, 4, 6, 3]")]
    pub layers: [usize; 4],
    /// Output channels of the stem convolution (64).
    #[config(default = 64)]
    pub stem_width: usize,
    /// Inner width of the blocks of each layer; a block outputs `4 * planes` (64, 128, 256, 512).
    #[config(default = "[64, 128, 256, 512]")]
    pub planes: [usize; 4],
}

impl ResNetConfig {
    /// torchvision's `resnet50`.
    pub fn resnet50() -> Self {
        Self::new()
    }

    /// Length of the pooled feature vector (`4 * planes[3]`, 2048 for ResNet-50).
    pub fn feature_dim(&self) -> usize {
        EXPANSION * self.planes[3]
    }

    fn validate(&self) -> Result<(), ModelError> {
        if self.layers.contains(&0) || self.planes.contains(&0) || self.stem_width == 0 {
            return Err(ModelError::InvalidConfig {
                field: "resnet".into(),
                reason: format!(
                    "layers {:?}, stem_width {}, planes {:?}: every count and width must be at least 1",
                    self.layers, self.stem_width, self.planes
                ),
            });
        }
        Ok(())
    }

    /// A network with freshly initialised weights (BatchNorm at weight 1, bias 0, running mean
    /// 0 and variance 1); use [`load_torchvision_resnet`] for trained weights.
    pub fn init(&self, device: &Device) -> Result<ResNet, ModelError> {
        self.validate()?;
        let conv1 = Conv2dConfig::new([3, self.stem_width], [7, 7])
            .with_stride([2, 2])
            .with_padding(PaddingConfig2d::Explicit(3, 3, 3, 3))
            .with_bias(false)
            .init(device);
        let bn1 = BatchNormConfig::new(self.stem_width).init(device);
        let maxpool = MaxPool2dConfig::new([3, 3])
            .with_strides([2, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init();
        let mut inplanes = self.stem_width;
        let mut layers = Vec::with_capacity(4);
        for (l, (&blocks, &planes)) in self.layers.iter().zip(&self.planes).enumerate() {
            let stride = if l == 0 { 1 } else { 2 };
            let mut layer = Vec::with_capacity(blocks);
            for b in 0..blocks {
                let s = if b == 0 { stride } else { 1 };
                layer.push(Bottleneck::new(inplanes, planes, s, device));
                inplanes = planes * EXPANSION;
            }
            layers.push(layer);
        }
        Ok(ResNet { conv1, bn1, maxpool, layers, feature_dim: self.feature_dim() })
    }
}

const EXPANSION: usize = 4;

fn conv(inp: usize, out: usize, k: usize, stride: usize, device: &Device) -> Conv2d {
    let p = k / 2;
    Conv2dConfig::new([inp, out], [k, k])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
        .with_bias(false)
        .init(device)
}

/// The 1x1 convolution + BatchNorm on the shortcut of a layer's first block.
#[derive(Module, Debug)]
pub struct Downsample {
    pub conv: Conv2d,
    pub bn: BatchNorm,
}

/// torchvision's `Bottleneck` (expansion 4, stride on the 3x3 convolution).
#[derive(Module, Debug)]
pub struct Bottleneck {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub conv2: Conv2d,
    pub bn2: BatchNorm,
    pub conv3: Conv2d,
    pub bn3: BatchNorm,
    pub downsample: Option<Downsample>,
}

impl Bottleneck {
    fn new(inplanes: usize, planes: usize, stride: usize, device: &Device) -> Self {
        let out = planes * EXPANSION;
        let downsample = (stride != 1 || inplanes != out).then(|| Downsample {
            conv: conv(inplanes, out, 1, stride, device),
            bn: BatchNormConfig::new(out).init(device),
        });
        Bottleneck {
            conv1: conv(inplanes, planes, 1, 1, device),
            bn1: BatchNormConfig::new(planes).init(device),
            conv2: conv(planes, planes, 3, stride, device),
            bn2: BatchNormConfig::new(planes).init(device),
            conv3: conv(planes, out, 1, 1, device),
            bn3: BatchNormConfig::new(out).init(device),
            downsample,
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let identity = match &self.downsample {
            Some(d) => d.bn.forward(d.conv.forward(x.clone())),
            None => x.clone(),
        };
        let h = relu(self.bn1.forward(self.conv1.forward(x)));
        let h = relu(self.bn2.forward(self.conv2.forward(h)));
        let h = self.bn3.forward(self.conv3.forward(h));
        relu(h + identity)
    }
}

/// A Bottleneck ResNet without its classifier: images `[B, 3, H, W]` (ImageNet-normalised) to
/// pooled features `[B, feature_dim]`.
#[derive(Module, Debug)]
pub struct ResNet {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub maxpool: MaxPool2d,
    /// `layers[L]` = torchvision's `layer{L+1}`.
    pub layers: Vec<Vec<Bottleneck>>,
    pub feature_dim: usize,
}

impl ResNet {
    /// Feature map after `layer4`: `[B, 4 * planes[3], H/32, W/32]`.
    pub fn feature_map(&self, x: Tensor<4>) -> Tensor<4> {
        let mut h = self.maxpool.forward(relu(self.bn1.forward(self.conv1.forward(x))));
        for layer in &self.layers {
            for block in layer {
                h = block.forward(h);
            }
        }
        h
    }

    /// Global-average-pooled features `[B, feature_dim]` (torchvision's `avgpool` + `flatten`).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let h = self.feature_map(x);
        let [b, c, _, _] = h.dims();
        h.mean_dim(3).mean_dim(2).reshape([b, c])
    }

    /// [`forward`](Self::forward) with a check of the input shape (`[B, 3, H, W]`, H and W at
    /// least 32) that returns an error instead of panicking inside Burn.
    pub fn try_forward(&self, x: Tensor<4>) -> Result<Tensor<2>, ModelError> {
        let [b, c, h, w] = x.dims();
        if b == 0 || c != 3 || h < 32 || w < 32 {
            return Err(ModelError::InputShape {
                expected: "[B >= 1, 3, H >= 32, W >= 32]".into(),
                found: format!("{:?}", [b, c, h, w]),
            });
        }
        Ok(self.forward(x))
    }
}

/// What an import used and left out.
#[derive(Debug, Clone, Default)]
pub struct ResNetImportReport {
    /// Checkpoint keys that were loaded.
    pub applied: Vec<String>,
    /// Checkpoint keys that were present but not used (`fc.*`, `num_batches_tracked`, ...).
    pub unused: Vec<String>,
}

struct Checkpoint<'a> {
    st: SafeTensors<'a>,
    prefix: &'static str,
    path: &'a Path,
    used: BTreeSet<String>,
}

impl Checkpoint<'_> {
    fn err(&self, reason: String) -> ModelError {
        ModelError::Checkpoint { path: self.path.to_path_buf(), reason }
    }

    fn get<const D: usize>(
        &mut self,
        key: &str,
        shape: [usize; D],
        device: &Device,
    ) -> Result<Tensor<D>, ModelError> {
        let full = format!("{}{key}", self.prefix);
        let view = self.st.tensor(&full).map_err(|_| {
            self.err(format!(
                "key `{full}` is missing; expected a torchvision ResNet state_dict (see tools/export_torchvision_resnet50.py) matching layers/planes of the configured network"
            ))
        })?;
        if view.shape() != shape.as_slice() {
            return Err(self.err(format!(
                "key `{full}` has shape {:?}, the configured network needs {shape:?}; is this a ResNet-50 (Bottleneck [3, 4, 6, 3]) checkpoint?",
                view.shape()
            )));
        }
        let b = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect(),
            Dtype::F64 => b
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) as f32)
                .collect(),
            Dtype::F16 => b.chunks_exact(2).map(|c| crate::hf_vit::f16_to_f32(u16::from_le_bytes([c[0], c[1]]))).collect(),
            Dtype::BF16 => b
                .chunks_exact(2)
                .map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16))
                .collect(),
            other => {
                return Err(self.err(format!(
                    "key `{full}` has dtype {other:?}; only F32/F64/F16/BF16 are supported"
                )));
            }
        };
        if values.iter().any(|v| !v.is_finite()) {
            return Err(self.err(format!("key `{full}` holds NaN or infinite values")));
        }
        if key.ends_with("running_var") && values.iter().any(|&v| v < 0.0) {
            return Err(self.err(format!("key `{full}` has negative variances")));
        }
        self.used.insert(full);
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    fn conv(&mut self, key: &str, c: &mut Conv2d, device: &Device) -> Result<(), ModelError> {
        let shape = c.weight.dims();
        c.weight = Param::from_tensor(self.get(&format!("{key}.weight"), shape, device)?);
        Ok(())
    }

    fn bn(&mut self, key: &str, bn: &mut BatchNorm, device: &Device) -> Result<(), ModelError> {
        let shape = bn.gamma.dims();
        bn.gamma = Param::from_tensor(self.get(&format!("{key}.weight"), shape, device)?);
        bn.beta = Param::from_tensor(self.get(&format!("{key}.bias"), shape, device)?);
        let mean = self.get(&format!("{key}.running_mean"), shape, device)?;
        let var = self.get(&format!("{key}.running_var"), shape, device)?;
        bn.running_mean = RunningState::new(mean);
        bn.running_var = RunningState::new(var);
        Ok(())
    }
}

/// Build a [`ResNet`] with `config` and load the torchvision `state_dict` (SafeTensors) at
/// `path` into it. Extra keys (`fc.*`, `num_batches_tracked`) are reported as unused.
pub fn load_torchvision_resnet(
    path: &Path,
    config: &ResNetConfig,
    device: &Device,
) -> Result<(ResNet, ResNetImportReport), ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io { path: path.to_path_buf(), source })?;
    load_torchvision_resnet_bytes(path, &bytes, config, device)
}

/// Like [`load_torchvision_resnet`], with the block counts and widths read from the
/// checkpoint itself (conv1's output channels, the number of `layerL.B` blocks and each
/// layer's `layerL.0.conv1` width), so ResNet-50, -101, -152 and narrow variants all load.
pub fn load_torchvision_resnet_inferred(
    path: &Path,
    device: &Device,
) -> Result<(ResNet, ResNetConfig, ResNetImportReport), ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io { path: path.to_path_buf(), source })?;
    let config = infer_config(path, &bytes)?;
    let (model, report) = load_torchvision_resnet_bytes(path, &bytes, &config, device)?;
    Ok((model, config, report))
}

/// The [`ResNetConfig`] of a torchvision ResNet `state_dict` in SafeTensors bytes.
pub fn infer_config(path: &Path, bytes: &[u8]) -> Result<ResNetConfig, ModelError> {
    let err = |reason: String| ModelError::Checkpoint { path: path.to_path_buf(), reason };
    let st = SafeTensors::deserialize(bytes).map_err(|e| err(format!("not a SafeTensors file ({e})")))?;
    let prefix = ["", "module.", "model."]
        .into_iter()
        .find(|p| st.tensor(&format!("{p}conv1.weight")).is_ok())
        .ok_or_else(|| {
            err("key `conv1.weight` is missing: not a torchvision ResNet state_dict (make one with tools/export_torchvision_resnet50.py)".into())
        })?;
    let dim0 = |key: &str| -> Result<usize, ModelError> {
        let full = format!("{prefix}{key}");
        let v = st.tensor(&full).map_err(|_| err(format!("key `{full}` is missing: not a torchvision Bottleneck ResNet state_dict")))?;
        match v.shape() {
            [c, ..] if v.shape().len() == 4 => Ok(*c),
            s => Err(err(format!("key `{full}` has shape {s:?}; expected a 4-d convolution weight"))),
        }
    };
    let stem_width = dim0("conv1.weight")?;
    let mut layers = [0; 4];
    let mut planes = [0; 4];
    for l in 0..4 {
        planes[l] = dim0(&format!("layer{}.0.conv1.weight", l + 1))?;
        // torchvision's BasicBlock (ResNet-18/34) has no conv3.
        dim0(&format!("layer{}.0.conv3.weight", l + 1))?;
        while st.tensor(&format!("{prefix}layer{}.{}.conv1.weight", l + 1, layers[l])).is_ok() {
            layers[l] += 1;
        }
    }
    Ok(ResNetConfig { layers, stem_width, planes })
}

impl ResNetConfig {
    /// `resnet50` for torchvision's ResNet-50, else a description of the blocks and widths.
    pub fn name(&self) -> String {
        if *self == Self::resnet50() {
            "resnet50".into()
        } else if self.stem_width == 64 && self.planes == [64, 128, 256, 512] && self.layers == [3, 4, 23, 3] {
            "resnet101".into()
        } else if self.stem_width == 64 && self.planes == [64, 128, 256, 512] && self.layers == [3, 8, 36, 3] {
            "resnet152".into()
        } else {
            let j = |v: &[usize; 4]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("-");
            format!("resnet(blocks {}, stem {}, planes {})", j(&self.layers), self.stem_width, j(&self.planes))
        }
    }
}

/// [`load_torchvision_resnet`] from bytes in memory; `path` is only used in error messages.
pub fn load_torchvision_resnet_bytes(
    path: &Path,
    bytes: &[u8],
    config: &ResNetConfig,
    device: &Device,
) -> Result<(ResNet, ResNetImportReport), ModelError> {
    let st = SafeTensors::deserialize(bytes).map_err(|e| ModelError::Checkpoint {
        path: path.to_path_buf(),
        reason: format!("not a SafeTensors file ({e})"),
    })?;
    let prefix = ["", "module.", "model."]
        .into_iter()
        .find(|p| st.tensor(&format!("{p}conv1.weight")).is_ok())
        .unwrap_or("");
    let mut ck = Checkpoint { st, prefix, path, used: BTreeSet::new() };
    let mut model = config.init(device)?;
    ck.conv("conv1", &mut model.conv1, device)?;
    ck.bn("bn1", &mut model.bn1, device)?;
    for (l, layer) in model.layers.iter_mut().enumerate() {
        for (b, block) in layer.iter_mut().enumerate() {
            let base = format!("layer{}.{b}", l + 1);
            ck.conv(&format!("{base}.conv1"), &mut block.conv1, device)?;
            ck.bn(&format!("{base}.bn1"), &mut block.bn1, device)?;
            ck.conv(&format!("{base}.conv2"), &mut block.conv2, device)?;
            ck.bn(&format!("{base}.bn2"), &mut block.bn2, device)?;
            ck.conv(&format!("{base}.conv3"), &mut block.conv3, device)?;
            ck.bn(&format!("{base}.bn3"), &mut block.bn3, device)?;
            if let Some(d) = block.downsample.as_mut() {
                ck.conv(&format!("{base}.downsample.0"), &mut d.conv, device)?;
                ck.bn(&format!("{base}.downsample.1"), &mut d.bn, device)?;
            }
        }
        // A deeper checkpoint than the configuration would load silently and give other features.
        let extra = format!("{}layer{}.{}.conv1.weight", ck.prefix, l + 1, layer.len());
        if ck.st.tensor(&extra).is_ok() {
            return Err(ck.err(format!(
                "the checkpoint has more blocks in layer{} than the configured {} (found `{extra}`); is it a ResNet-101/152?",
                l + 1,
                layer.len()
            )));
        }
    }
    let mut names: Vec<String> = ck.st.names().into_iter().map(|s| s.to_string()).collect();
    names.sort();
    let mut report = ResNetImportReport::default();
    for n in names {
        if ck.used.contains(&n) {
            report.applied.push(n);
        } else {
            report.unused.push(n);
        }
    }
    Ok((model, report))
}

/// ImageNet mean and standard deviation (RGB), as torchvision's `Normalize`.
pub const IMAGENET_MEAN: [f32; 3] = [0.485, 0.456, 0.406];
pub const IMAGENET_STD: [f32; 3] = [0.229, 0.224, 0.225];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resnet50_has_torchvision_parameter_count() {
        // torchvision resnet50: 25,557,032 parameters, of which fc has 2048*1000 + 1000.
        let m = ResNetConfig::resnet50().init(&Device::flex()).unwrap();
        // Burn's num_params also counts the BatchNorm running mean and variance (buffers in
        // torch): 2 x 26,560 BatchNorm channels.
        assert_eq!(m.num_params(), 25_557_032 - 2_049_000 + 2 * 26_560);
        assert_eq!(m.feature_dim, 2048);
        assert_eq!(m.layers.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 4, 6, 3]);
    }

    #[test]
    fn tiny_forward_shape_and_bad_input() {
        let cfg = ResNetConfig::new().with_layers([1, 1, 1, 1]).with_stem_width(4).with_planes([2, 2, 4, 4]);
        let m = cfg.init(&Device::flex()).unwrap();
        let x = Tensor::<4>::ones([2, 3, 64, 64], &Device::flex());
        assert_eq!(m.try_forward(x).unwrap().dims(), [2, 16]);
        let e = m.try_forward(Tensor::<4>::ones([1, 1, 64, 64], &Device::flex())).unwrap_err();
        assert!(e.to_string().contains("[1, 1, 64, 64]"), "{e}");
        assert!(ResNetConfig::new().with_layers([1, 0, 1, 1]).init(&Device::flex()).is_err());
    }
}
