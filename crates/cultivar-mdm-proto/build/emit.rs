//! Emits one `CommandSchema` Rust expression per command YAML file.

use yaml_rust2::Yaml;

use crate::yaml::{field, hash, kind, known_fields, opt_array, scalar_string, string};
use crate::{os, BuildResult};

/// Key fields the validator uses.
const KEY_HANDLED: &[&str] = &[
    "key",
    "type",
    "presence",
    "rangelist",
    "range",
    "subkeys",
    "supportedOS",
];
/// Key fields that are documentation or hints only (no rule a payload can break).
const KEY_IGNORED: &[&str] = &[
    "title",
    "content",
    "default",
    "subkeytype",
    "valuetype",
    "subtype",
    "assettypes",
    "combinetype",
];

/// (request type, `CommandSchema { … }` expression) for one command file.
pub fn command(doc: &Yaml, file: &str) -> BuildResult<(String, String)> {
    let top = hash(doc, file)?;
    known_fields(
        top,
        &["title", "payload", "payloadkeys", "responsekeys"],
        &["description", "notes"],
        file,
    )?;
    let title = string(top, "title", file)?;
    let payload_ctx = format!("{file}: payload");
    let payload = hash(field(top, "payload").unwrap_or(&Yaml::Null), &payload_ctx)?;
    known_fields(
        payload,
        &["requesttype", "supportedOS"],
        &["content"],
        &payload_ctx,
    )?;
    let request_type = string(payload, "requesttype", &payload_ctx)?;
    let supported_os = os::list(field(payload, "supportedOS"), &payload_ctx)?;
    let payload_keys = keys(
        opt_array(top, "payloadkeys", file)?,
        &format!("{file}: payloadkeys"),
    )?;
    let response_keys = keys(
        opt_array(top, "responsekeys", file)?,
        &format!("{file}: responsekeys"),
    )?;
    let code = format!(
        "CommandSchema {{ request_type: {request_type:?}, file: {file:?}, title: {title:?}, \
         supported_os: {supported_os}, payload_keys: {payload_keys}, \
         response_keys: {response_keys} }}"
    );
    Ok((request_type, code))
}

/// `&[KeySchema { … }, …]` for a list of payload keys.
fn keys(items: &[Yaml], ctx: &str) -> BuildResult<String> {
    let mut parts = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        parts.push(key(item, &format!("{ctx}[{i}]"))?);
    }
    Ok(format!("&[{}]", parts.join(", ")))
}

fn key(item: &Yaml, ctx: &str) -> BuildResult<String> {
    let map = hash(item, ctx)?;
    let name = string(map, "key", ctx)?;
    let ctx = format!("{ctx} ({name})");
    known_fields(map, KEY_HANDLED, KEY_IGNORED, &ctx)?;
    let value_type = value_type(&string(map, "type", &ctx)?, &ctx)?;
    let presence = match field(map, "presence") {
        // Array item placeholders carry no presence; an item is never "missing".
        None => "Presence::Optional",
        Some(v) => match scalar_string(v, &format!("{ctx}.presence"))?.as_str() {
            "required" => "Presence::Required",
            "optional" => "Presence::Optional",
            other => return Err(format!("{ctx}.presence: unknown value {other:?}")),
        },
    };
    let range_list = range_list(opt_array(map, "rangelist", &ctx)?, &ctx)?;
    let range = range(field(map, "range"), &format!("{ctx}.range"))?;
    let subkeys = keys(opt_array(map, "subkeys", &ctx)?, &format!("{ctx}.subkeys"))?;
    let supported_os = os::list(field(map, "supportedOS"), &ctx)?;
    Ok(format!(
        "KeySchema {{ key: {name:?}, value_type: {value_type}, presence: {presence}, \
         range_list: {range_list}, range: {range}, subkeys: {subkeys}, \
         supported_os: {supported_os} }}"
    ))
}

fn value_type(name: &str, ctx: &str) -> BuildResult<&'static str> {
    Ok(match name {
        "<string>" => "ValueType::String",
        "<integer>" => "ValueType::Integer",
        "<real>" => "ValueType::Real",
        "<boolean>" => "ValueType::Boolean",
        "<date>" => "ValueType::Date",
        "<data>" => "ValueType::Data",
        "<array>" => "ValueType::Array",
        "<dictionary>" => "ValueType::Dictionary",
        "<any>" => "ValueType::Any",
        other => return Err(format!("{ctx}.type: unknown type {other:?}")),
    })
}

fn range_list(values: &[Yaml], ctx: &str) -> BuildResult<String> {
    let mut parts = Vec::with_capacity(values.len());
    for value in values {
        parts.push(match value {
            Yaml::String(s) => format!("RangeValue::String({s:?})"),
            Yaml::Integer(i) => format!("RangeValue::Integer({i})"),
            Yaml::Boolean(b) => format!("RangeValue::Boolean({b})"),
            Yaml::Real(r) => {
                let parsed: f64 = r
                    .parse()
                    .map_err(|e| format!("{ctx}.rangelist: real {r:?}: {e}"))?;
                format!("RangeValue::Real({parsed:?})")
            }
            other => {
                return Err(format!(
                    "{ctx}.rangelist: unsupported value ({})",
                    kind(other)
                ))
            }
        });
    }
    Ok(format!("&[{}]", parts.join(", ")))
}

/// `range: {min, max}` → `Some(NumberRange { … })`.
fn range(value: Option<&Yaml>, ctx: &str) -> BuildResult<String> {
    let Some(value) = value else {
        return Ok("None".to_string());
    };
    let map = hash(value, ctx)?;
    known_fields(map, &["min", "max"], &[], ctx)?;
    let bound = |name: &str| -> BuildResult<String> {
        match field(map, name) {
            None => Ok("None".to_string()),
            Some(Yaml::Integer(i)) => Ok(format!("Some({:?})", *i as f64)),
            Some(Yaml::Real(r)) => r
                .parse::<f64>()
                .map(|v| format!("Some({v:?})"))
                .map_err(|e| format!("{ctx}.{name}: {e}")),
            Some(other) => Err(format!(
                "{ctx}.{name}: expected a number, found {}",
                kind(other)
            )),
        }
    };
    Ok(format!(
        "Some(NumberRange {{ min: {}, max: {} }})",
        bound("min")?,
        bound("max")?
    ))
}
