//! Inventory from `DeviceInformation` answers, and plist → JSON for what is stored as JSON
//! (`QueryResponses`, `ErrorChain`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use cultivar_store::MdmInventoryUpdate;
use plist::{Dictionary, Value};
use time::OffsetDateTime;

/// A plist value as JSON: data as base64 text, dates as their ISO 8601 text.
pub fn plist_to_json(value: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        Value::Array(items) => J::Array(items.iter().map(plist_to_json).collect()),
        Value::Dictionary(d) => dictionary_to_json(d),
        Value::Boolean(b) => J::Bool(*b),
        Value::Data(bytes) => J::String(STANDARD.encode(bytes)),
        Value::Date(d) => J::String(d.to_xml_format()),
        Value::Real(r) => serde_json::Number::from_f64(*r).map_or(J::Null, J::Number),
        Value::Integer(i) => match (i.as_signed(), i.as_unsigned()) {
            (Some(s), _) => J::from(s),
            (None, Some(u)) => J::from(u),
            (None, None) => J::Null,
        },
        Value::String(s) => J::String(s.clone()),
        Value::Uid(u) => J::from(u.get()),
        _ => J::Null,
    }
}

/// A plist dictionary as a JSON object.
pub fn dictionary_to_json(d: &Dictionary) -> serde_json::Value {
    serde_json::Value::Object(
        d.iter()
            .map(|(k, v)| (k.clone(), plist_to_json(v)))
            .collect(),
    )
}

/// The inventory in an acknowledged `DeviceInformation` report; `None` without a
/// `QueryResponses` dictionary.
pub(crate) fn inventory_update(
    enrollment_id: &str,
    report: &Dictionary,
    at: OffsetDateTime,
) -> Option<MdmInventoryUpdate> {
    let responses = report.get("QueryResponses")?.as_dictionary()?;
    let text = |key: &str| {
        responses
            .get(key)
            .and_then(Value::as_string)
            .map(str::to_owned)
    };
    Some(MdmInventoryUpdate {
        enrollment_id: enrollment_id.to_owned(),
        inventory: dictionary_to_json(responses),
        device_name: text("DeviceName"),
        os_version: text("OSVersion"),
        build_version: text("BuildVersion"),
        product_name: text("ProductName"),
        model: text("Model"),
        at,
    })
}
