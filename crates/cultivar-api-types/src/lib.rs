//! cultivar-api-types
#![forbid(unsafe_code)]
