//! The wire spellings other programs depend on.
#![allow(clippy::unwrap_used)] // tests may panic on unexpected shapes

use cultivar_api_types::{ApiKeyView, ApiRole, CreateApiKey, ErrorBody, ErrorDetail};

#[test]
fn roles_are_kebab_case_and_parse_back() {
    assert_eq!(
        serde_json::to_string(&ApiRole::ReadOnly).unwrap(),
        "\"read-only\""
    );
    assert_eq!(serde_json::to_string(&ApiRole::Admin).unwrap(), "\"admin\"");
    assert_eq!("read-only".parse::<ApiRole>().unwrap(), ApiRole::ReadOnly);
    let err = "root".parse::<ApiRole>().unwrap_err();
    assert!(err.starts_with("role:"), "{err}");
}

#[test]
fn error_body_omits_absent_field() {
    let body = ErrorBody {
        error: ErrorDetail {
            code: "not_found".into(),
            message: "no such key".into(),
            field: None,
            errors: Vec::new(),
        },
    };
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        serde_json::json!({"error": {"code": "not_found", "message": "no such key"}})
    );
}

#[test]
fn create_api_key_rejects_unknown_fields() {
    let err = serde_json::from_str::<CreateApiKey>(r#"{"name":"a","role":"admin","x":1}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `x`"), "{err}");
}

#[test]
fn timestamps_are_rfc3339() {
    let view: ApiKeyView = serde_json::from_value(serde_json::json!({
        "id": "6f1c1e0e-8a39-4d1f-9a5e-3b1b2b4c5d6e",
        "name": "ci",
        "role": "admin",
        "prefix": "cvk_abcdefgh",
        "created_at": "2025-01-02T03:04:05Z",
        "last_used_at": null,
        "revoked_at": null
    }))
    .unwrap();
    let back = serde_json::to_value(&view).unwrap();
    assert_eq!(back["created_at"], "2025-01-02T03:04:05Z");
    assert_eq!(back["last_used_at"], serde_json::Value::Null);
}
