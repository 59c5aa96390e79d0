//! Hiding the password of a database URL before it is shown or logged.

/// `postgres://user:secret@host/db` → `postgres://user:<redacted>@host/db`; URLs without a
/// password are returned unchanged.
pub fn redact_database_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest_start = scheme_end + 3;
    let rest = &url[rest_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    // The last '@' ends the userinfo: passwords may themselves contain '@' when not escaped.
    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let Some(colon) = userinfo.find(':') else {
        return url.to_owned();
    };
    format!(
        "{}{}:<redacted>{}",
        &url[..rest_start],
        &userinfo[..colon],
        &rest[at..]
    )
}
