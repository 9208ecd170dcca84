//! `gliofuse cohort check DIR`: validate a cohort directory and print its summary.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args as ClapArgs, Subcommand};
use cohort::check::{CheckOptions, check, files_to_check};

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check cohort.toml, every table cell, every image and every MRI volume's geometry.
    Check(CheckArgs),
}

#[derive(ClapArgs, Debug)]
pub struct CheckArgs {
    /// Cohort directory (holding cohort.toml) or the manifest file itself.
    pub dir: PathBuf,
    /// Decode every slide fully instead of reading its header only.
    #[arg(long)]
    pub decode_slides: bool,
}

pub fn run(c: Command) -> Result<()> {
    match c {
        Command::Check(a) => {
            // Open once to size the progress bar (cheap: tables only), then check everything.
            let total = files_to_check(&cohort::Cohort::open(&a.dir)?);
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("check {bar:40} {pos}/{len} files")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let res = check(
                &a.dir,
                CheckOptions {
                    decode_slides: a.decode_slides,
                },
                &|n| bar.inc(n as u64),
            );
            bar.finish_and_clear();
            let summary = res?;
            println!("{summary}");
            println!("ok: {} passes all checks", a.dir.display());
            Ok(())
        }
    }
}
