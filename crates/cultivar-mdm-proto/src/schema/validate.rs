//! Validates a command's payload against Apple's schema for its RequestType: unknown
//! RequestType, missing required keys, wrong plist types, unknown keys, values outside a
//! `rangelist`, and array items that match none of the item kinds Apple lists.

use std::fmt;

use plist::{Dictionary, Value};

use super::model::{KeySchema, Presence, RangeValue, ValueType};
use crate::command::Command;
use crate::fields::type_name;

/// The key name Apple uses for "any key" in an open dictionary.
const ANY_KEY: &str = "ANY";

/// One problem, at a key path such as `Command.Settings[0].Enabled`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaIssue {
    pub path: String,
    pub problem: Problem,
}

/// Which rule a payload breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    UnknownRequestType(String),
    MissingRequired,
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    UnknownKey,
    NotAllowedValue {
        value: String,
        allowed: String,
    },
    OutOfRange {
        value: String,
        min: Option<String>,
        max: Option<String>,
    },
    NoMatchingAlternative {
        alternatives: String,
    },
}

impl fmt::Display for SchemaIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.problem {
            Problem::UnknownRequestType(name) => write!(
                f,
                "{path}: unknown RequestType {name:?} (not in Apple's command schemas)"
            ),
            Problem::MissingRequired => write!(f, "{path}: required key missing"),
            Problem::WrongType { expected, found } => {
                write!(f, "{path}: wrong type: expected {expected}, found {found}")
            }
            Problem::UnknownKey => write!(
                f,
                "{path}: unknown key (not in Apple's schema for this command)"
            ),
            Problem::NotAllowedValue { value, allowed } => {
                write!(
                    f,
                    "{path}: value {value} not allowed (Apple lists: {allowed})"
                )
            }
            Problem::OutOfRange { value, min, max } => write!(
                f,
                "{path}: value {value} out of range (min {}, max {})",
                min.as_deref().unwrap_or("none"),
                max.as_deref().unwrap_or("none")
            ),
            Problem::NoMatchingAlternative { alternatives } => write!(
                f,
                "{path}: item matches none of the item kinds Apple lists ({alternatives})"
            ),
        }
    }
}

/// Checks `command` against Apple's schema for its RequestType. All issues are reported.
pub fn validate_command(command: &Command) -> Result<(), Vec<SchemaIssue>> {
    let mut issues = Vec::new();
    match super::command(&command.request_type) {
        None => issues.push(SchemaIssue {
            path: "Command.RequestType".to_string(),
            problem: Problem::UnknownRequestType(command.request_type.clone()),
        }),
        Some(schema) => dictionary(
            schema.payload_keys,
            &command.payload,
            "Command",
            &mut issues,
        ),
    }
    if issues.is_empty() {
        Ok(())
    } else {
        Err(issues)
    }
}

fn push(out: &mut Vec<SchemaIssue>, path: String, problem: Problem) {
    out.push(SchemaIssue { path, problem });
}

fn dictionary(keys: &[KeySchema], dict: &Dictionary, path: &str, out: &mut Vec<SchemaIssue>) {
    if let [any] = keys {
        if any.key == ANY_KEY {
            for (name, value) in dict {
                check_value(any, value, &format!("{path}.{name}"), out);
            }
            return;
        }
    }
    for key in keys {
        if key.presence == Presence::Required && !dict.contains_key(key.key) {
            push(out, format!("{path}.{}", key.key), Problem::MissingRequired);
        }
    }
    for (name, value) in dict {
        let key_path = format!("{path}.{name}");
        match keys.iter().find(|k| k.key == name) {
            Some(key) => check_value(key, value, &key_path, out),
            None => push(out, key_path, Problem::UnknownKey),
        }
    }
}

fn check_value(key: &KeySchema, value: &Value, path: &str, out: &mut Vec<SchemaIssue>) {
    if let Some(problem) = scalar_problem(key, value) {
        return push(out, path.to_string(), problem);
    }
    match value {
        Value::Array(items) => array(key.subkeys, items, path, out),
        Value::Dictionary(dict) if !key.subkeys.is_empty() => {
            dictionary(key.subkeys, dict, path, out)
        }
        _ => {}
    }
}

/// The first rule the value itself breaks: type, `rangelist`, `range`, or (for a string with
/// subkeys, as in DeviceInformation `Queries`) a value none of the subkeys names.
fn scalar_problem(key: &KeySchema, value: &Value) -> Option<Problem> {
    if key.value_type == ValueType::Any {
        return None;
    }
    if !type_matches(key.value_type, value) {
        return Some(Problem::WrongType {
            expected: key.value_type.name(),
            found: type_name(value),
        });
    }
    if !key.range_list.is_empty() && !key.range_list.iter().any(|r| range_eq(r, value)) {
        let allowed: Vec<String> = key.range_list.iter().map(range_text).collect();
        return Some(Problem::NotAllowedValue {
            value: value_text(value),
            allowed: allowed.join(", "),
        });
    }
    let number = match value {
        Value::Integer(i) => i.as_signed().map(|v| v as f64),
        Value::Real(r) => Some(*r),
        _ => None,
    };
    if let (Some(range), Some(n)) = (key.range, number) {
        if !range.contains(n) {
            return Some(Problem::OutOfRange {
                value: value_text(value),
                min: range.min.map(|m| m.to_string()),
                max: range.max.map(|m| m.to_string()),
            });
        }
    }
    match value {
        Value::String(s) if !key.subkeys.is_empty() && !key.subkeys.iter().any(|k| k.key == s) => {
            Some(Problem::NotAllowedValue {
                value: value_text(value),
                allowed: format!("{} names in the schema", key.subkeys.len()),
            })
        }
        _ => None,
    }
}

/// Integers are accepted for `<real>`: both decode to NSNumber on the device.
fn type_matches(expected: ValueType, value: &Value) -> bool {
    matches!(
        (expected, value),
        (ValueType::String, Value::String(_))
            | (ValueType::Integer, Value::Integer(_))
            | (ValueType::Real, Value::Real(_) | Value::Integer(_))
            | (ValueType::Boolean, Value::Boolean(_))
            | (ValueType::Date, Value::Date(_))
            | (ValueType::Data, Value::Data(_))
            | (ValueType::Array, Value::Array(_))
            | (ValueType::Dictionary, Value::Dictionary(_))
            | (ValueType::Any, _)
    )
}

fn array(items_schema: &[KeySchema], items: &[Value], path: &str, out: &mut Vec<SchemaIssue>) {
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match items_schema {
            [] => {}
            [one] => check_value(one, item, &item_path, out),
            alternatives => match pick_alternative(alternatives, item) {
                Some(alt) => check_value(alt, item, &item_path, out),
                None => {
                    let problem = Problem::NoMatchingAlternative {
                        alternatives: describe_alternatives(alternatives),
                    };
                    push(out, item_path, problem);
                }
            },
        }
    }
}

/// The discriminating keys of an alternative: required keys with exactly one allowed value
/// (`Item` = `Wallpaper` in `Settings`).
fn discriminators(alt: &KeySchema) -> impl Iterator<Item = (&'static str, &'static RangeValue)> {
    alt.subkeys.iter().filter_map(|k| match k.range_list {
        [only] if k.presence == Presence::Required => Some((k.key, only)),
        _ => None,
    })
}

/// For arrays whose items are one of several dictionaries (Apple lists more than one subkey).
fn pick_alternative<'s>(alternatives: &'s [KeySchema], item: &Value) -> Option<&'s KeySchema> {
    let dict = item.as_dictionary()?;
    alternatives.iter().find(|alt| {
        alt.value_type == ValueType::Dictionary
            && discriminators(alt)
                .all(|(key, want)| dict.get(key).is_some_and(|v| range_eq(want, v)))
    })
}

fn describe_alternatives(alternatives: &[KeySchema]) -> String {
    let names: Vec<String> = alternatives
        .iter()
        .map(|alt| match discriminators(alt).next() {
            Some((key, value)) => format!("{key} = {}", range_text(value)),
            None => alt.key.to_string(),
        })
        .collect();
    names.join(", ")
}

fn range_eq(range: &RangeValue, value: &Value) -> bool {
    match (range, value) {
        (RangeValue::String(r), Value::String(v)) => r == v,
        (RangeValue::Integer(r), Value::Integer(v)) => v.as_signed() == Some(*r),
        (RangeValue::Real(r), Value::Real(v)) => r == v,
        (RangeValue::Boolean(r), Value::Boolean(v)) => r == v,
        _ => false,
    }
}

fn range_text(range: &RangeValue) -> String {
    match range {
        RangeValue::String(s) => format!("{s:?}"),
        RangeValue::Integer(i) => i.to_string(),
        RangeValue::Real(r) => r.to_string(),
        RangeValue::Boolean(b) => b.to_string(),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Boolean(b) => b.to_string(),
        other => type_name(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::NumberRange;

    /// `range` occurs only in response keys of the iOS 18.1 schemas, so it is exercised here.
    #[test]
    fn numbers_outside_a_range_are_reported() {
        let key = KeySchema {
            key: "Progress",
            value_type: ValueType::Real,
            presence: Presence::Optional,
            range_list: &[],
            range: Some(NumberRange {
                min: Some(0.0),
                max: Some(1.0),
            }),
            subkeys: &[],
            supported_os: &[],
        };
        assert_eq!(scalar_problem(&key, &Value::Real(0.5)), None);
        assert_eq!(scalar_problem(&key, &Value::Integer(1.into())), None);
        let problem = scalar_problem(&key, &Value::Real(1.5));
        assert_eq!(
            problem,
            Some(Problem::OutOfRange {
                value: "1.5".into(),
                min: Some("0".into()),
                max: Some("1".into()),
            })
        );
        let issue = SchemaIssue {
            path: "Command.Progress".into(),
            problem: problem.unwrap_or(Problem::UnknownKey),
        };
        assert_eq!(
            issue.to_string(),
            "Command.Progress: value 1.5 out of range (min 0, max 1)"
        );
    }
}
