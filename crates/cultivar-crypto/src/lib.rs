//! cultivar-crypto
#![forbid(unsafe_code)]
