//! Apple's MDM command schemas as data: for each RequestType its payload keys, response keys and
//! `supportedOS`, generated at build time from `vendor/apple-device-management/mdm/commands`
//! (see `build/main.rs`). On it: [`validate_command`] and [`command_allowed`].

mod allowed;
mod model;
mod platform;
mod validate;

pub use allowed::{
    command_allowed, command_allowed_for, Channel, EnrollmentKind, NotAllowed, Reason, Target,
};
pub use model::{
    Availability, CommandSchema, KeySchema, Mode, NumberRange, OsSupport, Presence, RangeValue,
    SharedIpad, ValueType,
};
pub use platform::{OsVersion, ParseError, Platform};
pub use validate::{validate_command, Problem, SchemaIssue};

mod data {
    use super::model::{
        Availability, CommandSchema, KeySchema, Mode, NumberRange, OsSupport, Presence, RangeValue,
        SharedIpad, ValueType,
    };
    use super::platform::{OsVersion, Platform};

    include!(concat!(env!("OUT_DIR"), "/commands.rs"));
}

/// The Apple schema release the data was generated from (`vendor/apple-device-management/VERSION`).
pub const SCHEMA_VERSION: &str = data::SCHEMA_VERSION;

/// Every command schema, sorted by RequestType.
pub fn commands() -> &'static [CommandSchema] {
    data::COMMANDS
}

/// The schema of one RequestType.
pub fn command(request_type: &str) -> Option<&'static CommandSchema> {
    data::COMMANDS
        .binary_search_by(|c| c.request_type.cmp(request_type))
        .ok()
        .and_then(|i| data::COMMANDS.get(i))
}
