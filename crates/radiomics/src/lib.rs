//! radiomics (see its issue).
