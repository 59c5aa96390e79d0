//! ADE profiles, per-OS defaults, device groups and explicit device profiles:
//! `/api/v1/ade/…`, `/api/v1/groups/…` and `/api/v1/devices/{serial}/ade-profile`.
//!
//! Profile and group keys are UUIDs or names; names may hold any character, so every path
//! segment is percent-encoded.

use crate::{AdminClient, ClientError};
use cultivar_api_types::ade::{
    AdeProfileList, AdeProfileSaved, AdeProfileView, ApplySummaryView, CreateGroup,
    DeviceProfileView, ExplanationView, GroupList, GroupMembersView, GroupSerials, GroupView,
    MembersAddedView, MembersRemovedView, OsDefaultView, OsDefaultsView, PlanView, ProfileChoice,
    UnassignedList, UpdateGroup,
};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::Method;

/// Everything but RFC 3986's unreserved characters is encoded, so `/`, `?`, `#`, `%` and
/// spaces in a name stay inside one segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn seg(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT).to_string()
}

impl AdminClient {
    async fn empty(&self, path: &str, req: reqwest::RequestBuilder) -> Result<(), ClientError> {
        self.send(path, req).await.map(|_| ())
    }

    /// Every ADE profile, ordered by name.
    pub async fn ade_profiles(&self) -> Result<AdeProfileList, ClientError> {
        let path = "/ade/profiles";
        self.json(path, self.request(Method::GET, path)).await
    }

    /// One profile by UUID or name.
    pub async fn ade_profile(&self, key: &str) -> Result<AdeProfileView, ClientError> {
        let path = format!("/ade/profiles/{}", seg(key));
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// Creates a profile from Apple's profile JSON plus `"os"` (and optionally `"description"`).
    pub async fn ade_profile_create(
        &self,
        json: &serde_json::Value,
    ) -> Result<AdeProfileSaved, ClientError> {
        let path = "/ade/profiles";
        self.json(path, self.request(Method::POST, path).json(json))
            .await
    }

    /// Replaces a profile's body; with `revision`, a newer stored revision is a 409.
    pub async fn ade_profile_update(
        &self,
        key: &str,
        revision: Option<i64>,
        json: &serde_json::Value,
    ) -> Result<AdeProfileSaved, ClientError> {
        let path = format!("/ade/profiles/{}", seg(key));
        let mut req = self.request(Method::PUT, &path).json(json);
        if let Some(rev) = revision {
            req = req.query(&[("revision", rev)]);
        }
        self.json(&path, req).await
    }

    /// Deletes a profile; a profile in use needs `force` (its devices fall to the next rule).
    pub async fn ade_profile_delete(&self, key: &str, force: bool) -> Result<(), ClientError> {
        let path = format!("/ade/profiles/{}", seg(key));
        let req = self
            .request(Method::DELETE, &path)
            .query(&[("force", force)]);
        self.empty(&path, req).await
    }

    /// The default profile of every OS (`null` where none is set).
    pub async fn ade_defaults(&self) -> Result<OsDefaultsView, ClientError> {
        let path = "/ade/defaults";
        self.json(path, self.request(Method::GET, path)).await
    }

    /// Sets the default profile of `os` (`iOS`, `iPadOS`, `macOS`, `tvOS`, `visionOS`).
    pub async fn ade_default_set(
        &self,
        os: &str,
        profile: &str,
    ) -> Result<OsDefaultView, ClientError> {
        let path = format!("/ade/defaults/{}", seg(os));
        let body = ProfileChoice {
            profile: Some(profile.to_string()),
        };
        self.json(&path, self.request(Method::PUT, &path).json(&body))
            .await
    }

    /// Clears the default profile of `os` (404 when it had none).
    pub async fn ade_default_clear(&self, os: &str) -> Result<(), ClientError> {
        let path = format!("/ade/defaults/{}", seg(os));
        self.empty(&path, self.request(Method::DELETE, &path)).await
    }

    /// Every device group, ordered by name.
    pub async fn groups(&self) -> Result<GroupList, ClientError> {
        let path = "/groups";
        self.json(path, self.request(Method::GET, path)).await
    }

    /// One group by UUID or name.
    pub async fn group(&self, key: &str) -> Result<GroupView, ClientError> {
        let path = format!("/groups/{}", seg(key));
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// Creates a static group, or an OS-based one when `req.os` is set.
    pub async fn group_create(&self, req: &CreateGroup) -> Result<GroupView, ClientError> {
        let path = "/groups";
        self.json(path, self.request(Method::POST, path).json(req))
            .await
    }

    /// Renames a group or changes its priority.
    pub async fn group_update(
        &self,
        key: &str,
        req: &UpdateGroup,
    ) -> Result<GroupView, ClientError> {
        let path = format!("/groups/{}", seg(key));
        self.json(&path, self.request(Method::PATCH, &path).json(req))
            .await
    }

    pub async fn group_delete(&self, key: &str) -> Result<(), ClientError> {
        let path = format!("/groups/{}", seg(key));
        self.empty(&path, self.request(Method::DELETE, &path)).await
    }

    /// Sets the group's profile; `None` clears it.
    pub async fn group_set_profile(
        &self,
        key: &str,
        profile: Option<&str>,
    ) -> Result<GroupView, ClientError> {
        let path = format!("/groups/{}/profile", seg(key));
        let body = ProfileChoice {
            profile: profile.map(str::to_string),
        };
        self.json(&path, self.request(Method::PUT, &path).json(&body))
            .await
    }

    /// One page of a static group's serials (`after`: the previous page's `next_after`).
    pub async fn group_members(
        &self,
        key: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<GroupMembersView, ClientError> {
        let path = format!("/groups/{}/members", seg(key));
        let mut query: Vec<(&str, String)> = Vec::new();
        query.extend(after.map(|a| ("after", a.to_string())));
        query.extend(limit.map(|l| ("limit", l.to_string())));
        let req = self.request(Method::GET, &path).query(&query);
        self.json(&path, req).await
    }

    /// Adds serials to a static group.
    pub async fn group_add_members(
        &self,
        key: &str,
        serials: &[String],
    ) -> Result<MembersAddedView, ClientError> {
        let path = format!("/groups/{}/members", seg(key));
        let body = GroupSerials {
            serials: serials.to_vec(),
        };
        self.json(&path, self.request(Method::POST, &path).json(&body))
            .await
    }

    /// Imports a CSV of serials (one a row); bad rows come back in `rejected`.
    pub async fn group_import_csv(
        &self,
        key: &str,
        csv: String,
    ) -> Result<MembersAddedView, ClientError> {
        let path = format!("/groups/{}/members.csv", seg(key));
        let req = self
            .request(Method::POST, &path)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(csv);
        self.json(&path, req).await
    }

    /// Removes serials from a static group.
    pub async fn group_remove_members(
        &self,
        key: &str,
        serials: &[String],
    ) -> Result<MembersRemovedView, ClientError> {
        let path = format!("/groups/{}/members", seg(key));
        let body = GroupSerials {
            serials: serials.to_vec(),
        };
        self.json(&path, self.request(Method::DELETE, &path).json(&body))
            .await
    }

    /// Assigns a profile to one device explicitly (wins over groups and defaults).
    pub async fn device_profile_set(
        &self,
        serial: &str,
        profile: &str,
    ) -> Result<DeviceProfileView, ClientError> {
        let path = format!("/devices/{}/ade-profile", seg(serial));
        let body = ProfileChoice {
            profile: Some(profile.to_string()),
        };
        self.json(&path, self.request(Method::PUT, &path).json(&body))
            .await
    }

    /// Clears a device's explicit profile (404 when it had none).
    pub async fn device_profile_clear(&self, serial: &str) -> Result<(), ClientError> {
        let path = format!("/devices/{}/ade-profile", seg(serial));
        self.empty(&path, self.request(Method::DELETE, &path)).await
    }

    /// Devices without a profile and why; with `include_removed`, devices removed from ABM too.
    pub async fn ade_unassigned(
        &self,
        include_removed: bool,
    ) -> Result<UnassignedList, ClientError> {
        let path = "/ade/unassigned";
        let req = self
            .request(Method::GET, path)
            .query(&[("include_removed", include_removed)]);
        self.json(path, req).await
    }

    /// The resolution chain of one serial next to Apple's record.
    pub async fn ade_explain(&self, serial: &str) -> Result<ExplanationView, ClientError> {
        let path = format!("/ade/explain/{}", seg(serial));
        self.json(&path, self.request(Method::GET, &path)).await
    }

    /// What the next push would do, without sending anything.
    pub async fn ade_plan(&self) -> Result<PlanView, ClientError> {
        let path = "/ade/plan";
        self.json(path, self.request(Method::GET, path)).await
    }

    /// Pushes now instead of waiting for the automatic run.
    pub async fn ade_apply(&self) -> Result<ApplySummaryView, ClientError> {
        let path = "/ade/apply";
        self.json(path, self.request(Method::POST, path)).await
    }
}

#[cfg(test)]
mod tests {
    use super::seg;

    #[test]
    fn names_stay_in_one_segment() {
        assert_eq!(
            seg("Sales iPads/2026 #1?%"),
            "Sales%20iPads%2F2026%20%231%3F%25"
        );
        assert_eq!(seg("a-b.c_d~e"), "a-b.c_d~e");
        assert_eq!(seg("Büro"), "B%C3%BCro");
    }
}
