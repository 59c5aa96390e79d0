//! cultivar-server
#![forbid(unsafe_code)]
