//! cultivar-abm-client
#![forbid(unsafe_code)]
