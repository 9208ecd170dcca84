//! One module per subcommand.

pub mod cohort;
pub mod demo;
pub mod evaluate;
pub mod grade;

pub mod idh;
pub mod output;
pub mod radiomics;
pub mod radiomics_voxel;
pub mod report;
pub mod survival;
pub mod survival_mlp;
pub mod survival_train;

pub mod slides;
pub mod slides_embed;
pub mod synth;
pub mod table;
