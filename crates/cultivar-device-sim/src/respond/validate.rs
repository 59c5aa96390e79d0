//! Checks a report against the `responsekeys` of Apple's schema for its RequestType: every
//! key besides the envelope must be one Apple lists, with the type Apple gives. Used by the
//! tests of every responder so the simulator never teaches a server a key devices do not send.

use cultivar_mdm_proto::schema::{self, KeySchema, ValueType};
use cultivar_mdm_proto::{type_name, CommandResult};
use plist::{Dictionary, Value};

/// Keys of the report envelope (identifiers, status), not in Apple's per-command YAML.
const ENVELOPE: [&str; 10] = [
    "UDID",
    "EnrollmentID",
    "EnrollmentUserID",
    "UserID",
    "UserShortName",
    "UserLongName",
    "Status",
    "CommandUUID",
    "ErrorChain",
    "RejectionReason",
];

/// Problems of `report` (a response to `request_type`) as "path: problem" lines.
pub fn validate_response(request_type: &str, report: &CommandResult) -> Result<(), Vec<String>> {
    let Some(command) = schema::command(request_type) else {
        return Err(vec![format!(
            "RequestType: {request_type:?} is not in Apple's schemas"
        )]);
    };
    let mut problems = Vec::new();
    let body = report.to_dictionary();
    let mut rest = Dictionary::new();
    for (key, value) in &body {
        if !ENVELOPE.contains(&key.as_str()) {
            rest.insert(key.clone(), value.clone());
        }
    }
    dictionary(command.response_keys, &rest, "", &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn is_any(key: &KeySchema) -> bool {
    key.key == "ANY" || key.key.starts_with("ANY ")
}

fn dictionary(keys: &[KeySchema], dict: &Dictionary, path: &str, out: &mut Vec<String>) {
    if let [any] = keys {
        if is_any(any) {
            for (name, value) in dict {
                check(any, value, &format!("{path}{name}"), out);
            }
            return;
        }
    }
    for (name, value) in dict {
        let at = format!("{path}{name}");
        match keys.iter().find(|k| k.key == name) {
            Some(key) => check(key, value, &at, out),
            None => out.push(format!("{at}: not a response key in Apple's schema")),
        }
    }
}

fn type_matches(expected: ValueType, value: &Value) -> bool {
    matches!(
        (expected, value),
        (ValueType::Any, _)
            | (ValueType::String, Value::String(_))
            | (ValueType::Integer, Value::Integer(_))
            | (ValueType::Real, Value::Real(_) | Value::Integer(_))
            | (ValueType::Boolean, Value::Boolean(_))
            | (ValueType::Date, Value::Date(_))
            | (ValueType::Data, Value::Data(_))
            | (ValueType::Array, Value::Array(_))
            | (ValueType::Dictionary, Value::Dictionary(_))
    )
}

fn check(key: &KeySchema, value: &Value, path: &str, out: &mut Vec<String>) {
    // Apple's Settings response is documented as one dictionary but sent as an array of them.
    let settings_array = key.key == "Settings" && matches!(value, Value::Array(_));
    if !settings_array && !type_matches(key.value_type, value) {
        out.push(format!(
            "{path}: expected {}, found {}",
            key.value_type.name(),
            type_name(value)
        ));
        return;
    }
    match value {
        Value::Dictionary(d) if !key.subkeys.is_empty() => {
            dictionary(key.subkeys, d, &format!("{path}."), out)
        }
        Value::Array(items) => array(key, items, path, out),
        _ => {}
    }
}

fn array(key: &KeySchema, items: &[Value], path: &str, out: &mut Vec<String>) {
    for (i, item) in items.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if key.key == "Settings" && key.value_type == ValueType::Dictionary {
            if let Value::Dictionary(d) = item {
                dictionary(key.subkeys, d, &format!("{at}."), out);
            }
            continue;
        }
        if let Some(item_schema) = key.subkeys.first() {
            check(item_schema, item, &at, out);
        }
    }
}
