//! Typed errors of the statistics crate. The messages say what is wrong and, where it helps,
//! what to do; the CLI adds the file, line and column.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    #[error("{0} is empty")]
    Empty(&'static str),
    #[error("{what} has {got} values, expected {expected}")]
    LengthMismatch {
        what: &'static str,
        got: usize,
        expected: usize,
    },
    #[error("{what} has a NaN or infinite value at index {index}")]
    NonFinite { what: &'static str, index: usize },
    #[error(
        "only one class is present ({present}); {metric} is undefined: both positive and negative samples are needed"
    )]
    SingleClass {
        metric: &'static str,
        present: String,
    },
    #[error("class {class} never occurs in the labels; {metric} is undefined for it")]
    MissingClass { metric: &'static str, class: usize },
    #[error("label {label} at index {index} is outside 0..{n_classes}")]
    LabelOutOfRange {
        label: usize,
        index: usize,
        n_classes: usize,
    },
    #[error(
        "row {index} of the class probabilities sums to {sum}, not 1: multiclass AUC needs probabilities"
    )]
    NotProbabilities { index: usize, sum: f64 },
    #[error("no events: the C-index is undefined when every sample is censored")]
    NoEvents,
    #[error(
        "no comparable pairs: the C-index is undefined (every event is tied with or after all other times)"
    )]
    NoComparablePairs,
    #[error(
        "the censoring survival function is zero at time {0}: Uno's C is undefined there; lower tau below the last censoring time"
    )]
    CensoringZero(f64),
    #[error(
        "time {time} is beyond the last training time {last}, where the censoring distribution is unknown"
    )]
    BeyondCensoringSupport { time: f64, last: f64 },
    #[error("{0} is constant; the correlation is undefined")]
    Constant(&'static str),
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    #[error("not enough data: {0}")]
    TooFew(String),
}
