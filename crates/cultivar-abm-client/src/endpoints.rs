//! Typed calls, one per Device Assignment API endpoint.

use crate::client::AbmClient;
use crate::error::AbmError;
use crate::transport::ApiRequest;
use cultivar_abm_proto::{
    paths, AccountDetail, AssignProfileRequest, CursorRequest, DeviceDetailsResponse, DevicePage,
    DeviceResults, Profile, SerialsRequest, MAX_SERIALS_PER_REQUEST,
};
use reqwest::Method;
use serde::Serialize;

impl AbmClient {
    /// `GET /account`: the MDM server and organisation this token belongs to.
    pub async fn account(&self) -> Result<AccountDetail, AbmError> {
        self.inner.call(&get(paths::ACCOUNT, None)).await
    }

    /// `POST /server/devices`: one page of every device assigned to this server. Pass `None`
    /// (or an empty cursor) to start; the end is reported as [`AbmError::CursorExhausted`].
    pub async fn fetch_devices(
        &self,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<DevicePage, AbmError> {
        let body = CursorRequest {
            cursor: cursor.filter(|c| !c.is_empty()).map(str::to_string),
            limit,
        };
        let req = with_body(Method::POST, paths::FETCH_DEVICES, &body)?;
        self.inner.call(&req).await
    }

    /// `POST /devices/sync`: changes since `cursor`, which is required and must be less than
    /// 7 days old.
    pub async fn sync_devices(
        &self,
        cursor: &str,
        limit: Option<u32>,
    ) -> Result<DevicePage, AbmError> {
        if cursor.is_empty() {
            return Err(AbmError::CursorRequired);
        }
        let body = CursorRequest {
            cursor: Some(cursor.to_string()),
            limit,
        };
        let req = with_body(Method::POST, paths::SYNC_DEVICES, &body)?;
        self.inner.call(&req).await
    }

    /// `POST /devices`: details of up to 1000 serials.
    pub async fn device_details(
        &self,
        serials: &[String],
    ) -> Result<DeviceDetailsResponse, AbmError> {
        let req = with_body(
            Method::POST,
            paths::DEVICE_DETAILS,
            &serials_body(serials, None)?,
        )?;
        self.inner.call(&req).await
    }

    /// `POST /devices/disown`: **permanently** removes up to 1000 devices from the organisation.
    pub async fn disown_devices(&self, serials: &[String]) -> Result<DeviceResults, AbmError> {
        let req = with_body(Method::POST, paths::DISOWN, &serials_body(serials, None)?)?;
        self.inner.call(&req).await
    }

    /// `POST /profile`: defines a profile (optionally assigning it to `profile.devices`). The
    /// reply always carries the new `profile_uuid`.
    pub async fn define_profile(&self, profile: &Profile) -> Result<DeviceResults, AbmError> {
        check_serial_count("profile.devices", profile.devices.len())?;
        let req = with_body(Method::POST, paths::PROFILE, profile)?;
        let results: DeviceResults = self.inner.call(&req).await?;
        if results.profile_uuid.as_deref().is_none_or(str::is_empty) {
            return Err(AbmError::Malformed {
                endpoint: paths::PROFILE.to_string(),
                detail: "profile_uuid is missing from the reply".into(),
            });
        }
        Ok(results)
    }

    /// `GET /profile?profile_uuid=…`.
    pub async fn get_profile(&self, profile_uuid: &str) -> Result<Profile, AbmError> {
        check_uuid(profile_uuid)?;
        let req = get(paths::PROFILE, Some(("profile_uuid", profile_uuid)));
        self.inner.call(&req).await
    }

    /// `PUT /profile/devices`: assigns a profile to up to 1000 serials. Check the per-serial
    /// results: Apple answers 200 even when every device `FAILED`.
    pub async fn assign_profile(
        &self,
        profile_uuid: &str,
        serials: &[String],
    ) -> Result<DeviceResults, AbmError> {
        check_uuid(profile_uuid)?;
        check_serial_count("devices", serials.len())?;
        let body = AssignProfileRequest {
            profile_uuid: profile_uuid.to_string(),
            devices: serials.to_vec(),
        };
        // PUT rather than POST: depsim accepts only PUT, Apple both.
        let req = with_body(Method::PUT, paths::PROFILE_DEVICES, &body)?;
        self.inner.call(&req).await
    }

    /// `DELETE /profile/devices` (with a JSON body): removes the profile from up to 1000 serials,
    /// optionally only where `profile_uuid` is the one assigned.
    pub async fn remove_profile(
        &self,
        serials: &[String],
        profile_uuid: Option<&str>,
    ) -> Result<DeviceResults, AbmError> {
        let body = serials_body(serials, profile_uuid)?;
        let req = with_body(Method::DELETE, paths::PROFILE_DEVICES, &body)?;
        self.inner.call(&req).await
    }
}

fn get<'a>(path: &'static str, query: Option<(&'static str, &'a str)>) -> ApiRequest<'a> {
    ApiRequest {
        method: Method::GET,
        path,
        query,
        body: None,
    }
}

fn with_body<T: Serialize>(
    method: Method,
    path: &'static str,
    body: &T,
) -> Result<ApiRequest<'static>, AbmError> {
    let body = serde_json::to_vec(body).map_err(|e| AbmError::InvalidRequest {
        field: "body",
        rule: format!("cannot be encoded as JSON for {path}: {e}"),
    })?;
    Ok(ApiRequest {
        method,
        path,
        query: None,
        body: Some(body),
    })
}

fn serials_body(
    serials: &[String],
    profile_uuid: Option<&str>,
) -> Result<SerialsRequest, AbmError> {
    check_serial_count("devices", serials.len())?;
    Ok(SerialsRequest {
        devices: serials.to_vec(),
        profile_uuid: profile_uuid.map(str::to_string),
    })
}

/// Apple asks for at most 1000 serials per request; callers batch.
fn check_serial_count(field: &'static str, count: usize) -> Result<(), AbmError> {
    if count > MAX_SERIALS_PER_REQUEST {
        return Err(AbmError::InvalidRequest {
            field,
            rule: format!(
                "{count} serial numbers given, Apple accepts at most {MAX_SERIALS_PER_REQUEST} \
                 per request; send them in batches"
            ),
        });
    }
    Ok(())
}

fn check_uuid(profile_uuid: &str) -> Result<(), AbmError> {
    if profile_uuid.trim().is_empty() {
        return Err(AbmError::InvalidRequest {
            field: "profile_uuid",
            rule: "must not be empty".into(),
        });
    }
    Ok(())
}
