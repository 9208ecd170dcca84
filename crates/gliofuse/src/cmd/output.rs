//! Writing result files atomically (temporary file in the destination directory, then a rename),
//! so an interrupted run never leaves half a file and never destroys the previous one.
//! The implementation is the cohort crate's; this adds the anyhow context the CLI reports.

use std::path::Path;

use anyhow::{Context, Result};

/// Write `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    cohort::io::write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// Serialise `value` as pretty JSON and write it atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut s = serde_json::to_string_pretty(value).context("serialising JSON")?;
    s.push('\n');
    write_atomic(path, s.as_bytes())
}
