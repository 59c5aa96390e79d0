//! Small typed accessors over `yaml_rust2::Yaml` whose errors name the file and key path.

use yaml_rust2::yaml::Hash;
use yaml_rust2::Yaml;

use crate::BuildResult;

/// The mapping at `ctx`, or an error naming it.
pub fn hash<'a>(value: &'a Yaml, ctx: &str) -> BuildResult<&'a Hash> {
    match value {
        Yaml::Hash(h) => Ok(h),
        other => Err(format!("{ctx}: expected a mapping, found {}", kind(other))),
    }
}

/// The field `key` of a mapping, if present.
pub fn field<'a>(map: &'a Hash, key: &str) -> Option<&'a Yaml> {
    map.get(&Yaml::String(key.to_string()))
}

/// A required string field.
pub fn string(map: &Hash, key: &str, ctx: &str) -> BuildResult<String> {
    match field(map, key) {
        Some(v) => scalar_string(v, &format!("{ctx}.{key}")),
        None => Err(format!("{ctx}.{key}: required field missing")),
    }
}

/// A scalar read as text: versions such as `10.7` may be unquoted and so parse as reals.
pub fn scalar_string(value: &Yaml, ctx: &str) -> BuildResult<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Ok(s.clone()),
        Yaml::Integer(i) => Ok(i.to_string()),
        other => Err(format!("{ctx}: expected a string, found {}", kind(other))),
    }
}

/// An optional boolean field.
pub fn opt_bool(map: &Hash, key: &str, ctx: &str) -> BuildResult<Option<bool>> {
    match field(map, key) {
        None => Ok(None),
        Some(Yaml::Boolean(b)) => Ok(Some(*b)),
        Some(other) => Err(format!(
            "{ctx}.{key}: expected a boolean, found {}",
            kind(other)
        )),
    }
}

/// An optional sequence field (absent → empty).
pub fn opt_array<'a>(map: &'a Hash, key: &str, ctx: &str) -> BuildResult<&'a [Yaml]> {
    match field(map, key) {
        None | Some(Yaml::Null) => Ok(&[]),
        Some(Yaml::Array(items)) => Ok(items),
        Some(other) => Err(format!(
            "{ctx}.{key}: expected a sequence, found {}",
            kind(other)
        )),
    }
}

/// Fails on any field outside `handled` and `ignored`, so a new schema rule (say `range` on a
/// command key) is noticed when the vendored schemas are upgraded instead of silently skipped.
pub fn known_fields(map: &Hash, handled: &[&str], ignored: &[&str], ctx: &str) -> BuildResult<()> {
    for key in map.keys() {
        let name = scalar_string(key, ctx)?;
        if !handled.contains(&name.as_str()) && !ignored.contains(&name.as_str()) {
            return Err(format!(
                "{ctx}.{name}: schema field not understood by the generator (build/); \
                 teach it (and the validator) this field before upgrading the schemas"
            ));
        }
    }
    Ok(())
}

/// A short name of the YAML node kind for error messages.
pub fn kind(value: &Yaml) -> &'static str {
    match value {
        Yaml::Real(_) => "a real",
        Yaml::Integer(_) => "an integer",
        Yaml::String(_) => "a string",
        Yaml::Boolean(_) => "a boolean",
        Yaml::Array(_) => "a sequence",
        Yaml::Hash(_) => "a mapping",
        Yaml::Alias(_) => "an alias",
        Yaml::Null => "null",
        Yaml::BadValue => "a bad value",
    }
}
