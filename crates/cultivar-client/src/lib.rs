//! cultivar-client
#![forbid(unsafe_code)]
