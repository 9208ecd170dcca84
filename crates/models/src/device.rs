//! Device selection from a `cpu | gpu[:N]` string (config key `device`, CLI `--device`).
//!
//! `cpu` is Burn's Flex backend. `gpu` / `gpu:N` is Burn's Vulkan (wgpu, SPIR-V) backend and
//! exists only when the crate is built with the `gpu` feature; `gpu` takes wgpu's preferred
//! adapter, `gpu:N` the N-th discrete GPU.

use burn::prelude::Device;

use crate::error::ModelError;

/// Parsed device choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceSpec {
    Cpu,
    /// `None`: the default adapter; `Some(n)`: the n-th discrete GPU.
    Gpu(Option<usize>),
}

impl DeviceSpec {
    /// Parse `cpu`, `gpu` or `gpu:N`.
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        let t = text.trim().to_ascii_lowercase();
        match t.as_str() {
            "cpu" => Ok(Self::Cpu),
            "gpu" => Ok(Self::Gpu(None)),
            _ => match t.strip_prefix("gpu:").map(str::parse::<usize>) {
                Some(Ok(n)) => Ok(Self::Gpu(Some(n))),
                _ => Err(ModelError::Device(
                    text.to_string(),
                    "expected `cpu`, `gpu` or `gpu:N` (N a GPU index)".into(),
                )),
            },
        }
    }

    /// The Burn device (without autodiff; call `.autodiff()` for training).
    pub fn device(self) -> Result<Device, ModelError> {
        match self {
            Self::Cpu => Ok(Device::flex()),
            Self::Gpu(index) => gpu_device(index),
        }
    }
}

impl std::fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Gpu(None) => write!(f, "gpu"),
            Self::Gpu(Some(n)) => write!(f, "gpu:{n}"),
        }
    }
}

#[cfg(feature = "gpu")]
fn gpu_device(index: Option<usize>) -> Result<Device, ModelError> {
    use burn::tensor::DeviceKind;
    let kind = match index {
        None => DeviceKind::DefaultDevice,
        Some(n) => DeviceKind::DiscreteGpu(n),
    };
    Ok(Device::vulkan(kind))
}

#[cfg(not(feature = "gpu"))]
fn gpu_device(index: Option<usize>) -> Result<Device, ModelError> {
    let name = index.map_or("gpu".to_string(), |n| format!("gpu:{n}"));
    Err(ModelError::Device(
        name,
        "this build has no GPU support; rebuild with `cargo build --release --features gpu` (Vulkan) or use `cpu`".into(),
    ))
}

/// Parse and create in one go.
pub fn parse_device(text: &str) -> Result<Device, ModelError> {
    DeviceSpec::parse(text)?.device()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_and_gpu_forms() {
        assert_eq!(DeviceSpec::parse("cpu").ok(), Some(DeviceSpec::Cpu));
        assert_eq!(DeviceSpec::parse(" GPU ").ok(), Some(DeviceSpec::Gpu(None)));
        assert_eq!(
            DeviceSpec::parse("gpu:1").ok(),
            Some(DeviceSpec::Gpu(Some(1)))
        );
        for bad in ["cuda", "gpu:", "gpu:x", "gpu:-1", ""] {
            let e = DeviceSpec::parse(bad).expect_err(bad).to_string();
            assert!(e.contains("`cpu`, `gpu` or `gpu:N`"), "{e}");
        }
    }

    #[cfg(not(feature = "gpu"))]
    #[test]
    fn gpu_without_feature_is_a_clear_error() {
        let e = parse_device("gpu:0")
            .expect_err("no gpu feature")
            .to_string();
        assert!(e.contains("--features gpu"), "{e}");
    }
}
