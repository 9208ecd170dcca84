//! Atomic file writing: a temporary file in the destination directory renamed over the target
//! once complete, so an interrupted run never leaves half a file or destroys the previous one.

use std::io::Write;
use std::path::Path;

use crate::error::{CohortError, Result};

/// Write `bytes` to `path` through a temporary file in the same directory and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| CohortError::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| CohortError::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| CohortError::io(path, e))?;
    tmp.persist(path).map_err(|e| CohortError::io(path, e.error))?;
    Ok(())
}
