//! Command payloads arrive as JSON (the admin API) and are sent as plists. JSON has no data
//! or date type, so the conversion follows Apple's schema: a string where the schema wants
//! `<data>` is base64, where it wants `<date>` RFC 3339; a whole number where it wants
//! `<real>` becomes a real. Everything else maps one to one, and validation runs afterwards.

use base64::Engine;
use cultivar_mdm_proto::schema::{KeySchema, ValueType};
use plist::{Dictionary, Value};
use serde_json::Value as Json;

use crate::error::CoreError;

/// Converts a JSON object into the payload dictionary of `request_type` (unknown request
/// types convert without schema help; validation refuses them).
pub fn payload_from_json(request_type: &str, json: &Json) -> Result<Dictionary, CoreError> {
    let keys = cultivar_mdm_proto::schema::command(request_type)
        .map_or(&[][..], |schema| schema.payload_keys);
    match json {
        Json::Null => Ok(Dictionary::new()),
        Json::Object(_) => match value(json, keys, ValueType::Dictionary, "payload")? {
            Value::Dictionary(d) => Ok(d),
            _ => Ok(Dictionary::new()),
        },
        _ => Err(CoreError::invalid(
            "payload",
            "must be a JSON object of the command's keys",
        )),
    }
}

fn find<'a>(keys: &'a [KeySchema], name: &str) -> Option<&'a KeySchema> {
    keys.iter()
        .find(|k| k.key == name)
        .or_else(|| keys.iter().find(|k| k.key == "ANY"))
}

fn value(json: &Json, keys: &[KeySchema], want: ValueType, path: &str) -> Result<Value, CoreError> {
    Ok(match json {
        Json::Null => {
            return Err(CoreError::invalid(
                path,
                "null is not a plist value (leave the key out)",
            ))
        }
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => number(n, want, path)?,
        Json::String(s) => string(s, want, path)?,
        Json::Array(items) => {
            // Apple lists the item kinds of an array as its subkeys.
            let item = keys.first();
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let (sub, t) =
                    item.map_or((&[][..], ValueType::Any), |k| (k.subkeys, k.value_type));
                out.push(value(v, sub, t, &format!("{path}[{i}]"))?);
            }
            Value::Array(out)
        }
        Json::Object(map) => {
            let mut d = Dictionary::new();
            for (k, v) in map {
                let (sub, t) =
                    find(keys, k).map_or((&[][..], ValueType::Any), |s| (s.subkeys, s.value_type));
                d.insert(k.clone(), value(v, sub, t, &format!("{path}.{k}"))?);
            }
            Value::Dictionary(d)
        }
    })
}

fn number(n: &serde_json::Number, want: ValueType, path: &str) -> Result<Value, CoreError> {
    if want != ValueType::Real {
        if let Some(i) = n.as_i64() {
            return Ok(Value::Integer(i.into()));
        }
        if let Some(u) = n.as_u64() {
            return Ok(Value::Integer(u.into()));
        }
    }
    n.as_f64()
        .map(Value::Real)
        .ok_or_else(|| CoreError::invalid(path, "number out of range"))
}

fn string(s: &str, want: ValueType, path: &str) -> Result<Value, CoreError> {
    match want {
        ValueType::Data => base64::engine::general_purpose::STANDARD
            .decode(s)
            .map(Value::Data)
            .map_err(|_| CoreError::invalid(path, "a data value must be base64 in JSON")),
        ValueType::Date => {
            let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| CoreError::invalid(path, "a date value must be RFC 3339 in JSON"))?;
            Ok(Value::Date(std::time::SystemTime::from(t).into()))
        }
        _ => Ok(Value::String(s.to_owned())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_become_data_where_the_schema_wants_data() {
        let p = payload_from_json("InstallProfile", &json!({"Payload": "AAEC"})).unwrap();
        assert_eq!(p.get("Payload"), Some(&Value::Data(vec![0, 1, 2])));
        let queries = json!({"Queries": ["UDID", "OSVersion"]});
        let p = payload_from_json("DeviceInformation", &queries).unwrap();
        let want = Value::Array(vec!["UDID".into(), "OSVersion".into()]);
        assert_eq!(p.get("Queries"), Some(&want));
    }

    #[test]
    fn bad_values_name_their_path() {
        let bad = payload_from_json("InstallProfile", &json!({"Payload": "not base64!"}));
        match bad {
            Err(CoreError::Invalid { field, .. }) => assert_eq!(field, "payload.Payload"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        let list = payload_from_json("DeviceInformation", &json!(["UDID"]));
        assert!(matches!(list, Err(CoreError::Invalid { field, .. }) if field == "payload"));
        let null = payload_from_json("DeviceLock", &json!({"Message": null}));
        assert!(
            matches!(null, Err(CoreError::Invalid { field, .. }) if field == "payload.Message")
        );
    }
}
