//! The `gliofuse` command line: one subcommand module per pipeline under `cmd/`.
//!
//! Every error reaches the user as one line (`error: ...`) with exit code 2; library crates
//! return typed errors and the command modules add the file, row and key with `anyhow::Context`.

mod cmd;
mod report;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "gliofuse",
    version,
    about = "Multimodal glioma learning: grading, survival, IDH from MRI"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run what exists of the three pipelines on the embedded synthetic cohort.
    Demo(cmd::demo::Args),
    /// Score predictions: classification (AUC, AP, kappa, ...) or survival (C-index, log-rank).
    #[command(subcommand)]
    Evaluate(cmd::evaluate::Command),
    /// Generate the synthetic multimodal glioma cohort (ROIs, slides, RNA, MRI, survival).
    Synth(cmd::synth::Args),
    /// Inspect a cohort directory.
    #[command(subcommand)]
    Cohort(cmd::cohort::Command),
    /// pyradiomics-compatible radiomics features: IMAGE MASK, or `batch cases.csv`, or `merge`.
    Radiomics(cmd::radiomics::Args),
    /// One self-contained HTML report from pipeline run directories.
    Report(cmd::report::Args),
    /// Survival models: `table` (feature table: coxnet, cox-mlp), `train` / `predict` (slide bags + RNA).
    #[command(subcommand)]
    Survival(cmd::survival::Command),
    /// Glioma grading from pathology ROIs (FoF baseline ViT): `train`, `cv`, `predict`.
    #[command(subcommand)]
    Grade(cmd::grade::Command),
    /// IDH status from MRI: `run` (radiomics + SA-Net, selection, Models 1-4, CV) and `predict`.
    #[command(subcommand)]
    Idh(cmd::idh::Command),
    /// Whole-slide images: `tile` (tissue mask, patch grid, coordinates), `embed` (patch-feature bags).
    #[command(subcommand)]
    Slides(cmd::slides::Command),
}

fn main() -> ExitCode {
    // keep freed tensor buffers instead of unmapping them after every op (models::alloc)
    models::alloc::keep_freed_memory();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(args),
        Command::Evaluate(c) => cmd::evaluate::run(c),
        Command::Synth(a) => cmd::synth::run(a),
        Command::Cohort(c) => cmd::cohort::run(c),
        Command::Radiomics(a) => cmd::radiomics::run(a),
        Command::Report(a) => cmd::report::run(a),
        Command::Survival(c) => cmd::survival::run(c),
        Command::Grade(c) => cmd::grade::run(c),
        Command::Idh(c) => cmd::idh::run(c),
        Command::Slides(c) => cmd::slides::run(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` joins the context chain on one line: "reading preds.csv: line 3, column score: ..."
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
