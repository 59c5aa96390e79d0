//! cultivar-testkit
#![forbid(unsafe_code)]
