//! Apple's validation of `POST /profile` bodies, with Apple's error codes and limits.

use cultivar_abm_proto::error::codes;
use cultivar_abm_proto::Profile;

const MAX_NAME: usize = 125;
const MAX_URL: usize = 2000;
const MAX_DEPARTMENT: usize = 125;
const MAX_MAGIC: usize = 256;
const MAX_EMAIL: usize = 250;
const MAX_PHONE: usize = 50;

fn too_long(value: Option<&str>, max: usize) -> bool {
    value.is_some_and(|v| v.chars().count() > max)
}

/// An absolute http(s) URL with a host, at most 2000 characters.
fn url_ok(value: &str) -> bool {
    value.len() <= MAX_URL
        && url::Url::parse(value)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn email_ok(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    value.chars().count() <= MAX_EMAIL
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
        && !domain.contains('@')
}

/// ISO 639-1/2 language code: 2 or 3 letters.
fn language_ok(value: &str) -> bool {
    (2..=3).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphabetic())
}

/// ISO 3166-1 alpha-2 region: 2 capital letters.
fn region_ok(value: &str) -> bool {
    value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase())
}

/// The first rule the profile breaks, as Apple's error code.
pub(super) fn check(p: &Profile) -> Result<(), &'static str> {
    if p.profile_name.trim().is_empty() {
        return Err(codes::CONFIG_NAME_REQUIRED);
    }
    if too_long(Some(&p.profile_name), MAX_NAME) {
        return Err(codes::CONFIG_NAME_INVALID);
    }
    let url = p.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let Some(url) = url else {
        return Err(codes::CONFIG_URL_REQUIRED);
    };
    if !url_ok(url)
        || p.configuration_web_url
            .as_deref()
            .is_some_and(|u| !url_ok(u))
    {
        return Err(codes::CONFIG_URL_INVALID);
    }
    if !p.is_mdm_removable && p.is_supervised != Some(true) {
        return Err(codes::FLAGS_INVALID);
    }
    if too_long(p.department.as_deref(), MAX_DEPARTMENT) {
        return Err(codes::DEPARTMENT_INVALID);
    }
    if p.org_magic.chars().count() > MAX_MAGIC {
        return Err(codes::MAGIC_INVALID);
    }
    if p.support_email_address
        .as_deref()
        .is_some_and(|e| !email_ok(e))
    {
        return Err(codes::SUPPORT_EMAIL_INVALID);
    }
    if too_long(p.support_phone_number.as_deref(), MAX_PHONE) {
        return Err(codes::SUPPORT_PHONE_INVALID);
    }
    if p.language.as_deref().is_some_and(|l| !language_ok(l))
        || p.region.as_deref().is_some_and(|r| !region_ok(r))
    {
        return Err(codes::LOCALE_INVALID);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Profile {
        Profile {
            profile_name: "Staff".into(),
            url: Some("https://mdm.example.com/enroll".into()),
            is_mdm_removable: true,
            org_magic: "1".into(),
            ..Profile::default()
        }
    }

    fn with(f: impl FnOnce(&mut Profile)) -> Result<(), &'static str> {
        let mut p = good();
        f(&mut p);
        check(&p)
    }

    #[test]
    fn each_rule_has_its_code() {
        assert_eq!(check(&good()), Ok(()));
        assert_eq!(
            with(|p| p.profile_name = " ".into()),
            Err(codes::CONFIG_NAME_REQUIRED)
        );
        assert_eq!(
            with(|p| p.profile_name = "n".repeat(126)),
            Err(codes::CONFIG_NAME_INVALID)
        );
        assert_eq!(
            with(|p| p.profile_name = "é".repeat(125)),
            Ok(()),
            "counts characters"
        );
        assert_eq!(with(|p| p.url = None), Err(codes::CONFIG_URL_REQUIRED));
        assert_eq!(
            with(|p| p.url = Some("mdm.example.com".into())),
            Err(codes::CONFIG_URL_INVALID)
        );
        let long = format!("https://x.example/{}", "a".repeat(2000));
        assert_eq!(with(|p| p.url = Some(long)), Err(codes::CONFIG_URL_INVALID));
        assert_eq!(
            with(|p| p.is_mdm_removable = false),
            Err(codes::FLAGS_INVALID)
        );
        assert_eq!(
            with(|p| {
                p.is_mdm_removable = false;
                p.is_supervised = Some(true);
            }),
            Ok(())
        );
        assert_eq!(
            with(|p| p.department = Some("d".repeat(126))),
            Err(codes::DEPARTMENT_INVALID)
        );
        assert_eq!(
            with(|p| p.org_magic = "m".repeat(257)),
            Err(codes::MAGIC_INVALID)
        );
        assert_eq!(
            with(|p| p.support_email_address = Some("nope".into())),
            Err(codes::SUPPORT_EMAIL_INVALID)
        );
        let long_mail = format!("{}@example.com", "a".repeat(240));
        assert_eq!(
            with(|p| p.support_email_address = Some(long_mail)),
            Err(codes::SUPPORT_EMAIL_INVALID)
        );
        assert_eq!(
            with(|p| p.support_phone_number = Some("1".repeat(51))),
            Err(codes::SUPPORT_PHONE_INVALID)
        );
        assert_eq!(
            with(|p| p.region = Some("usa".into())),
            Err(codes::LOCALE_INVALID)
        );
        assert_eq!(with(|p| p.language = Some("en".into())), Ok(()));
    }
}
