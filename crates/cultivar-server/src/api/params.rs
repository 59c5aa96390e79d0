//! Query parameters of the ABM sync and device routes, read as text and checked here so that
//! every refusal names the parameter and the rule (serde's own messages name neither reliably).
//! The console's filter forms go through the same functions.

use cultivar_api_types::abm_sync::{canonical, canonical_os, DEVICE_FAMILIES, PROFILE_STATUSES};
use cultivar_store::AbmDeviceQuery;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::ApiError;

/// Default and largest page of `GET /api/v1/abm/devices`.
pub const DEFAULT_DEVICE_LIMIT: u32 = 100;
pub const MAX_DEVICE_LIMIT: u32 = 1000;

/// The device filters as sent (`GET /api/v1/abm/devices`, its CSV twin and the console form).
/// An empty value means "any", so plain HTML forms can leave a filter unset.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeviceQuery {
    #[serde(default)]
    pub server: Option<String>,
    #[serde(default)]
    pub os: Option<String>,
    #[serde(default)]
    pub family: Option<String>,
    #[serde(default)]
    pub profile_status: Option<String>,
    #[serde(default)]
    pub removed: Option<String>,
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

/// `Some(trimmed)` unless absent or blank.
pub fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `true`/`false` (any case); absent or blank is `None`.
pub fn parse_bool(name: &str, value: Option<&str>) -> Result<Option<bool>, ApiError> {
    match given(value) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(ApiError::invalid(
            name,
            format!("must be true or false (got {v:?})"),
        )),
    }
}

/// A whole number in `min..=max`; absent or blank is `None`.
pub fn parse_number(
    name: &str,
    value: Option<&str>,
    min: u32,
    max: u32,
) -> Result<Option<u32>, ApiError> {
    let Some(v) = given(value) else {
        return Ok(None);
    };
    v.parse::<u32>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                name,
                format!("must be a whole number from {min} to {max} (got {v:?})"),
            )
        })
}

pub fn parse_uuid(name: &str, value: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    let Some(v) = given(value) else {
        return Ok(None);
    };
    Uuid::parse_str(v)
        .map(Some)
        .map_err(|_| ApiError::invalid(name, format!("must be a UUID (got {v:?})")))
}

fn one_of(
    name: &str,
    value: Option<&str>,
    parse: impl Fn(&str) -> Option<&'static str>,
    allowed: &[&str],
) -> Result<Option<String>, ApiError> {
    let Some(v) = given(value) else {
        return Ok(None);
    };
    parse(v).map(|c| Some(c.to_owned())).ok_or_else(|| {
        ApiError::invalid(
            name,
            format!("must be one of {} (got {v:?})", allowed.join(", ")),
        )
    })
}

impl RawDeviceQuery {
    /// The store query these filters describe; `limit` defaults to [`DEFAULT_DEVICE_LIMIT`].
    pub fn to_query(&self) -> Result<AbmDeviceQuery, ApiError> {
        let removed = match given(self.removed.as_deref()) {
            Some(v) if v.eq_ignore_ascii_case("all") => None,
            other => parse_bool("removed", other)?,
        };
        let limit = parse_number("limit", self.limit.as_deref(), 1, MAX_DEVICE_LIMIT)?;
        Ok(AbmDeviceQuery {
            abm_server_id: parse_uuid("server", self.server.as_deref())?,
            os: one_of(
                "os",
                self.os.as_deref(),
                canonical_os,
                &[
                    "iOS",
                    "iPadOS",
                    "macOS (OSX)",
                    "tvOS",
                    "visionOS",
                    "watchOS",
                ],
            )?,
            device_family: one_of(
                "family",
                self.family.as_deref(),
                |v| canonical(v, DEVICE_FAMILIES),
                DEVICE_FAMILIES,
            )?,
            profile_status: one_of(
                "profile_status",
                self.profile_status.as_deref(),
                |v| canonical(v, PROFILE_STATUSES),
                PROFILE_STATUSES,
            )?,
            removed,
            serial_contains: given(self.search.as_deref()).map(str::to_owned),
            after_serial: given(self.after.as_deref()).map(str::to_owned),
            limit: limit.unwrap_or(DEFAULT_DEVICE_LIMIT),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: ApiError) -> (String, String) {
        match err {
            ApiError::Invalid { field, rule } => (field, rule),
            other => panic!("not Invalid: {other:?}"),
        }
    }

    #[test]
    fn filters_parse_to_a_store_query() {
        let raw = RawDeviceQuery {
            server: Some("6f1c1e0e-8a39-4d1f-9a5e-3b1b2b4c5d6e".into()),
            os: Some("macos".into()),
            family: Some("mac".into()),
            profile_status: Some("EMPTY".into()),
            removed: Some("false".into()),
            search: Some(" c02 ".into()),
            after: Some("C02A".into()),
            limit: Some("25".into()),
        };
        let q = raw.to_query().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.os.as_deref(), Some("OSX"));
        assert_eq!(q.device_family.as_deref(), Some("Mac"));
        assert_eq!(q.profile_status.as_deref(), Some("empty"));
        assert_eq!(
            (q.removed, q.serial_contains.as_deref(), q.limit),
            (Some(false), Some("c02"), 25)
        );
        assert_eq!(q.after_serial.as_deref(), Some("C02A"));
        assert!(q.abm_server_id.is_some());
    }

    #[test]
    fn blank_and_all_mean_any() {
        let raw = RawDeviceQuery {
            os: Some(String::new()),
            removed: Some("all".into()),
            ..RawDeviceQuery::default()
        };
        let q = raw.to_query().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (q.os, q.removed, q.limit),
            (None, None, DEFAULT_DEVICE_LIMIT)
        );
    }

    #[test]
    fn bad_values_name_the_parameter() {
        let cases = [
            (
                RawDeviceQuery {
                    os: Some("Windows".into()),
                    ..RawDeviceQuery::default()
                },
                "os",
            ),
            (
                RawDeviceQuery {
                    removed: Some("maybe".into()),
                    ..RawDeviceQuery::default()
                },
                "removed",
            ),
            (
                RawDeviceQuery {
                    limit: Some("1001".into()),
                    ..RawDeviceQuery::default()
                },
                "limit",
            ),
            (
                RawDeviceQuery {
                    server: Some("nope".into()),
                    ..RawDeviceQuery::default()
                },
                "server",
            ),
            (
                RawDeviceQuery {
                    family: Some("Phone".into()),
                    ..RawDeviceQuery::default()
                },
                "family",
            ),
        ];
        for (raw, name) in cases {
            let Err(err) = raw.to_query() else {
                panic!("{name} must be refused");
            };
            let (f, rule) = field(err);
            assert_eq!(f, name, "{rule}");
            assert!(rule.contains("got"), "{rule}");
        }
        let (f, rule) = field(parse_bool("wait", Some("yes")).err().unwrap_or_else(|| {
            panic!("yes is no bool");
        }));
        assert_eq!(
            (f.as_str(), rule.as_str()),
            ("wait", "must be true or false (got \"yes\")")
        );
    }
}
