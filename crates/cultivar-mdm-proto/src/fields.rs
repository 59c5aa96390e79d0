//! Typed reads from a plist dictionary (errors name the message and the key) and the matching
//! writes used when a typed view is encoded back over its raw dictionary.

use plist::{Dictionary, Value};

use crate::error::ProtoError;

/// Reads keys of one dictionary; `prefix` places nested dictionaries in error paths
/// (`ErrorChain[0].ErrorCode`).
pub(crate) struct Fields<'a> {
    dict: &'a Dictionary,
    context: &'static str,
    prefix: String,
}

impl<'a> Fields<'a> {
    pub(crate) fn new(dict: &'a Dictionary, context: &'static str) -> Self {
        Self {
            dict,
            context,
            prefix: String::new(),
        }
    }

    pub(crate) fn nested(dict: &'a Dictionary, context: &'static str, prefix: String) -> Self {
        Self {
            dict,
            context,
            prefix,
        }
    }

    fn path(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn wrong(&self, key: &str, expected: &'static str, found: &Value) -> ProtoError {
        ProtoError::WrongType {
            context: self.context,
            key: self.path(key),
            expected,
            found: type_name(found),
        }
    }

    /// The error for a required key that is absent.
    pub(crate) fn missing(&self, key: &str) -> ProtoError {
        ProtoError::MissingKey {
            context: self.context,
            key: self.path(key),
        }
    }

    pub(crate) fn string(&self, key: &str) -> Result<Option<String>, ProtoError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong(key, "string", other)),
        }
    }

    pub(crate) fn req_string(&self, key: &str) -> Result<String, ProtoError> {
        self.string(key)?.ok_or_else(|| self.missing(key))
    }

    pub(crate) fn data(&self, key: &str) -> Result<Option<Vec<u8>>, ProtoError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::Data(d)) => Ok(Some(d.clone())),
            Some(other) => Err(self.wrong(key, "data", other)),
        }
    }

    pub(crate) fn req_data(&self, key: &str) -> Result<Vec<u8>, ProtoError> {
        self.data(key)?.ok_or_else(|| self.missing(key))
    }

    pub(crate) fn boolean(&self, key: &str) -> Result<Option<bool>, ProtoError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong(key, "boolean", other)),
        }
    }

    pub(crate) fn integer(&self, key: &str) -> Result<Option<i64>, ProtoError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(v @ Value::Integer(i)) => i
                .as_signed()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "integer in the signed 64-bit range", v)),
            Some(other) => Err(self.wrong(key, "integer", other)),
        }
    }

    pub(crate) fn dictionary(&self, key: &str) -> Result<Option<Dictionary>, ProtoError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::Dictionary(d)) => Ok(Some(d.clone())),
            Some(other) => Err(self.wrong(key, "dictionary", other)),
        }
    }

    pub(crate) fn array(&self, key: &str) -> Result<Option<&'a [Value]>, ProtoError> {
        match self.dict.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(self.wrong(key, "array", other)),
        }
    }
}

/// Sets `key` to `value`, or removes it when `value` is `None`.
pub(crate) fn put(dict: &mut Dictionary, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            dict.insert(key.to_string(), v);
        }
        None => {
            dict.remove(key);
        }
    }
}

pub(crate) fn put_str(dict: &mut Dictionary, key: &str, value: Option<&str>) {
    put(dict, key, value.map(|s| Value::String(s.to_string())));
}

pub(crate) fn put_data(dict: &mut Dictionary, key: &str, value: Option<&[u8]>) {
    put(dict, key, value.map(|d| Value::Data(d.to_vec())));
}

pub(crate) fn put_bool(dict: &mut Dictionary, key: &str, value: Option<bool>) {
    put(dict, key, value.map(Value::Boolean));
}

/// The plist type of a value, as named in Apple's schemas.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "array",
        Value::Dictionary(_) => "dictionary",
        Value::Boolean(_) => "boolean",
        Value::Data(_) => "data",
        Value::Date(_) => "date",
        Value::Real(_) => "real",
        Value::Integer(_) => "integer",
        Value::String(_) => "string",
        Value::Uid(_) => "uid",
        _ => "unknown value",
    }
}

/// Parses a plist body whose top level must be a dictionary.
pub(crate) fn parse_dictionary(
    bytes: &[u8],
    context: &'static str,
) -> Result<Dictionary, ProtoError> {
    let value = Value::from_reader(std::io::Cursor::new(bytes))
        .map_err(|source| ProtoError::Plist { context, source })?;
    value
        .into_dictionary()
        .ok_or_else(|| ProtoError::NotADictionary {
            context,
            key: "(top level)".to_string(),
        })
}

/// Encodes a dictionary as an XML plist, the form Apple's clients send and accept.
pub(crate) fn to_xml(dict: &Dictionary, context: &'static str) -> Result<Vec<u8>, ProtoError> {
    let mut out = Vec::new();
    Value::Dictionary(dict.clone())
        .to_writer_xml(&mut out)
        .map_err(|source| ProtoError::Encode { context, source })?;
    Ok(out)
}
