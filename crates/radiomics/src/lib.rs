//! pyradiomics-compatible radiomics: readers (NRRD, NIfTI), settings from pyradiomics parameter
//! files, discretisation, and the feature classes, with pyradiomics' names and numbers.

pub mod error;
pub mod features;
pub mod image;
pub mod io;

pub use error::RadiomicsError;
pub use image::{Image, PixelType};
