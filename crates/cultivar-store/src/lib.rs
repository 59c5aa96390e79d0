//! cultivar-store
#![forbid(unsafe_code)]
