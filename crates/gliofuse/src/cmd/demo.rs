//! `gliofuse demo`: the main job on the embedded default.

use clap::Args as ClapArgs;
use std::path::PathBuf;

#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Output directory.
    #[arg(long, default_value = "demo-out")]
    pub out: PathBuf,
    /// Smaller configurations (under 3 minutes).
    #[arg(long)]
    pub quick: bool,
}

pub fn run(_a: Args) -> anyhow::Result<()> {
    anyhow::bail!("demo is not implemented yet")
}
