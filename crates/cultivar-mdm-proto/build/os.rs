//! Emits `supportedOS` blocks as `&[OsSupport { … }]` expressions.

use yaml_rust2::Yaml;

use crate::yaml::{field, hash, known_fields, opt_bool, scalar_string};
use crate::BuildResult;

const OS_HANDLED: &[&str] = &[
    "introduced",
    "deprecated",
    "removed",
    "accessrights",
    "devicechannel",
    "userchannel",
    "supervised",
    "requiresdep",
    "userapprovedmdm",
    "sharedipad",
    "userenrollment",
];
/// Profile-only or declarative-only fields; they never decide whether a command may be sent.
const OS_IGNORED: &[&str] = &[
    "multiple",
    "allowmanualinstall",
    "allowed-enrollments",
    "allowed-scopes",
];

/// `&[OsSupport { … }, …]` for an optional `supportedOS` mapping.
pub fn list(value: Option<&Yaml>, ctx: &str) -> BuildResult<String> {
    let Some(value) = value else {
        return Ok("&[]".to_string());
    };
    let ctx = format!("{ctx}.supportedOS");
    let map = hash(value, &ctx)?;
    let mut parts = Vec::with_capacity(map.len());
    for (name, body) in map {
        let name = scalar_string(name, &ctx)?;
        parts.push(one(&name, body, &format!("{ctx}.{name}"))?);
    }
    Ok(format!("&[{}]", parts.join(", ")))
}

fn one(platform: &str, body: &Yaml, ctx: &str) -> BuildResult<String> {
    let platform = match platform {
        "iOS" => "Platform::IOs",
        "macOS" => "Platform::MacOs",
        "tvOS" => "Platform::TvOs",
        "visionOS" => "Platform::VisionOs",
        "watchOS" => "Platform::WatchOs",
        other => return Err(format!("{ctx}: unknown platform {other:?}")),
    };
    let map = hash(body, ctx)?;
    known_fields(map, OS_HANDLED, OS_IGNORED, ctx)?;
    let introduced = match field(map, "introduced") {
        None => "None".to_string(),
        Some(v) => match scalar_string(v, &format!("{ctx}.introduced"))?.as_str() {
            "n/a" => "Some(Availability::NotAvailable)".to_string(),
            text => format!("Some(Availability::Since({}))", version(text, ctx)?),
        },
    };
    let access_rights = match field(map, "accessrights") {
        None => "None".to_string(),
        Some(v) => format!("Some({:?})", scalar_string(v, ctx)?),
    };
    Ok(format!(
        "OsSupport {{ platform: {platform}, introduced: {introduced}, deprecated: {}, \
         removed: {}, access_rights: {access_rights}, device_channel: {}, user_channel: {}, \
         supervised: {}, requires_dep: {}, user_approved_mdm: {}, shared_ipad: {}, \
         user_enrollment: {} }}",
        opt_version(field(map, "deprecated"), &format!("{ctx}.deprecated"))?,
        opt_version(field(map, "removed"), &format!("{ctx}.removed"))?,
        opt(opt_bool(map, "devicechannel", ctx)?),
        opt(opt_bool(map, "userchannel", ctx)?),
        opt(opt_bool(map, "supervised", ctx)?),
        opt(opt_bool(map, "requiresdep", ctx)?),
        opt(opt_bool(map, "userapprovedmdm", ctx)?),
        shared_ipad(field(map, "sharedipad"), &format!("{ctx}.sharedipad"))?,
        user_enrollment(
            field(map, "userenrollment"),
            &format!("{ctx}.userenrollment")
        )?,
    ))
}

fn shared_ipad(value: Option<&Yaml>, ctx: &str) -> BuildResult<String> {
    let Some(value) = value else {
        return Ok("None".to_string());
    };
    let map = hash(value, ctx)?;
    known_fields(
        map,
        &["mode", "devicechannel", "userchannel"],
        &["allowed-scopes"],
        ctx,
    )?;
    Ok(format!(
        "Some(SharedIpad {{ mode: {}, device_channel: {}, user_channel: {} }})",
        mode(field(map, "mode"), &format!("{ctx}.mode"))?,
        opt(opt_bool(map, "devicechannel", ctx)?),
        opt(opt_bool(map, "userchannel", ctx)?),
    ))
}

fn user_enrollment(value: Option<&Yaml>, ctx: &str) -> BuildResult<String> {
    let Some(value) = value else {
        return Ok("None".to_string());
    };
    let map = hash(value, ctx)?;
    // `behavior` is prose about what the device does, not a rule.
    known_fields(map, &["mode"], &["behavior"], ctx)?;
    mode(field(map, "mode"), &format!("{ctx}.mode"))
}

fn mode(value: Option<&Yaml>, ctx: &str) -> BuildResult<String> {
    let Some(value) = value else {
        return Ok("None".to_string());
    };
    Ok(match scalar_string(value, ctx)?.as_str() {
        "allowed" => "Some(Mode::Allowed)",
        "required" => "Some(Mode::Required)",
        "forbidden" => "Some(Mode::Forbidden)",
        "ignored" => "Some(Mode::Ignored)",
        other => return Err(format!("{ctx}: unknown mode {other:?}")),
    }
    .to_string())
}

/// `deprecated`/`removed`: a version, or `n/a` (never), or absent.
fn opt_version(value: Option<&Yaml>, ctx: &str) -> BuildResult<String> {
    let Some(value) = value else {
        return Ok("None".to_string());
    };
    match scalar_string(value, ctx)?.as_str() {
        "n/a" => Ok("None".to_string()),
        text => Ok(format!("Some({})", version(text, ctx)?)),
    }
}

/// `OsVersion::new(major, minor, patch)` for "X", "X.Y" or "X.Y.Z".
fn version(text: &str, ctx: &str) -> BuildResult<String> {
    let mut parts = [0u32; 3];
    for (i, part) in text.split('.').enumerate() {
        let slot = parts
            .get_mut(i)
            .ok_or_else(|| format!("{ctx}: version {text:?} has more than three parts"))?;
        *slot = part
            .parse()
            .map_err(|e| format!("{ctx}: version {text:?}: {e}"))?;
    }
    Ok(format!(
        "OsVersion::new({}, {}, {})",
        parts[0], parts[1], parts[2]
    ))
}

fn opt(value: Option<bool>) -> String {
    match value {
        Some(b) => format!("Some({b})"),
        None => "None".to_string(),
    }
}
