//! cultivar-core
#![forbid(unsafe_code)]
