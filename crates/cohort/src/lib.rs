//! cohort (see its issue).
