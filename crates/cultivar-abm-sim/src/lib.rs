//! cultivar-abm-sim
#![forbid(unsafe_code)]
