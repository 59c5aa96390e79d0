//! cultivar-abm-proto
#![forbid(unsafe_code)]
