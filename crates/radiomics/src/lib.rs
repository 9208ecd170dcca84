//! pyradiomics-compatible radiomics: readers (NRRD, NIfTI), settings from pyradiomics parameter
//! files, discretisation, and the feature classes, with pyradiomics' names and numbers.
//!
//! ```no_run
//! use radiomics::{extractor::Extractor, settings::Params};
//! let ex = Extractor::new(Params::default()).unwrap();
//! let result = ex.execute_files("image.nrrd", "mask.nrrd").unwrap();
//! for (name, value) in &result.features {
//!     println!("{name},{value}");
//! }
//! ```

pub mod error;
pub mod extractor;
pub mod features;
mod hugepage;
pub mod filters;
pub mod image;
pub mod image_types;
pub mod io;
pub mod numeric;
pub mod preprocess;
pub mod roi;
pub mod settings;
pub mod voxel;

pub use error::RadiomicsError;
pub use extractor::{Extraction, Extractor};
pub use image::{Image, PixelType};
pub use settings::{Params, Settings};
