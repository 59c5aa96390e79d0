//! cultivar-cli
#![forbid(unsafe_code)]
