//! `gliofuse evaluate classification|survival` (issue: foundation).

use clap::{Args as ClapArgs, Subcommand};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Columns id, label, and `score` (binary) or `prob_<class>` per class.
    Classification(ClassificationArgs),
    /// Columns id, time, event, risk, optional case.
    Survival(SurvivalArgs),
}

#[derive(ClapArgs, Debug)]
pub struct ClassificationArgs {
    #[arg(long)]
    pub predictions: PathBuf,
    #[arg(long)]
    pub patient_column: Option<String>,
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(ClapArgs, Debug)]
pub struct SurvivalArgs {
    #[arg(long)]
    pub predictions: PathBuf,
    #[arg(long)]
    pub json: Option<PathBuf>,
}

pub fn run(_c: Command) -> anyhow::Result<()> {
    anyhow::bail!("evaluate is not implemented yet")
}
