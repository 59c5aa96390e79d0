//! Turning APNs answers and transport failures into [`PushError`]s.
//!
//! By status, as Apple documents it: 429 and 5xx are transient, every other
//! non-200 (400 `BadDeviceToken`, 403 `TopicDisallowed`/`BadCertificate`,
//! 410 `Unregistered`, …) is permanent.

use std::error::Error as _;
use std::time::SystemTime;

use crate::error::PushError;
use cultivar_retry::parse_retry_after;

/// Classifies a non-200 answer from its status, JSON body and `Retry-After`.
pub(crate) fn classify_status(status: u16, body: &[u8], retry_after: Option<&str>) -> PushError {
    let reason = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("reason")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status} without a reason"));
    if status == 429 || status >= 500 {
        let retry_after = retry_after.and_then(|v| parse_retry_after(v, SystemTime::now()));
        PushError::Transient {
            reason,
            status: Some(status),
            retry_after,
        }
    } else {
        PushError::Permanent {
            reason,
            status: Some(status),
        }
    }
}

/// Classifies a transport failure. A TLS alert about our certificate means
/// APNs (or the stand-in) refused the push certificate: permanent, retrying
/// would only repeat it. Everything else (connect, reset, timeout) is transient.
pub(crate) fn classify_transport(err: &reqwest::Error) -> PushError {
    if let Some(alert) = certificate_alert(err) {
        return PushError::Permanent {
            reason: format!("BadCertificate (TLS alert {alert:?} from the server)"),
            status: None,
        };
    }
    let mut reason = format!("transport: {err}");
    let mut source = err.source();
    while let Some(e) = source {
        reason.push_str(&format!(": {e}"));
        source = e.source();
    }
    PushError::Transient {
        reason,
        status: None,
        retry_after: None,
    }
}

/// TLS alerts that mean "your certificate is refused".
const CERTIFICATE_ALERTS: [rustls::AlertDescription; 9] = {
    use rustls::AlertDescription as A;
    [
        A::BadCertificate,
        A::UnknownCA,
        A::CertificateRequired,
        A::CertificateUnknown,
        A::CertificateExpired,
        A::CertificateRevoked,
        A::UnsupportedCertificate,
        A::AccessDenied,
        A::DecryptError,
    ]
};

/// The certificate alert in the error chain. Over HTTP/2 the rustls error
/// does not survive as a value (h2 keeps only an I/O kind and the message),
/// so besides downcasting we match rustls' own wording of the alert.
fn certificate_alert(err: &reqwest::Error) -> Option<rustls::AlertDescription> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let tls = e.downcast_ref::<rustls::Error>().or_else(|| {
            e.downcast_ref::<std::io::Error>()?
                .get_ref()?
                .downcast_ref()
        });
        if let Some(rustls::Error::AlertReceived(alert)) = tls {
            return CERTIFICATE_ALERTS.contains(alert).then_some(*alert);
        }
        let text = e.to_string();
        let named = CERTIFICATE_ALERTS
            .iter()
            .find(|a| text.contains(&rustls::Error::AlertReceived(**a).to_string()));
        if named.is_some() {
            return named.copied();
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn statuses_split_into_permanent_and_transient() {
        let e = classify_status(410, br#"{"reason":"Unregistered","timestamp":1}"#, None);
        assert_eq!(
            e,
            PushError::Permanent {
                reason: "Unregistered".into(),
                status: Some(410)
            }
        );
        for (status, reason) in [(400, "BadDeviceToken"), (403, "TopicDisallowed")] {
            let body = format!(r#"{{"reason":"{reason}"}}"#);
            let e = classify_status(status, body.as_bytes(), None);
            assert!(e.is_permanent(), "{e}");
            assert_eq!(e.reason(), Some(reason));
        }
        let e = classify_status(429, br#"{"reason":"TooManyRequests"}"#, Some("3"));
        assert_eq!(
            e,
            PushError::Transient {
                reason: "TooManyRequests".into(),
                status: Some(429),
                retry_after: Some(Duration::from_secs(3))
            }
        );
        for status in [500, 503] {
            let e = classify_status(status, b"<html>", None);
            assert!(!e.is_permanent());
            assert_eq!(
                e.reason(),
                Some(format!("HTTP {status} without a reason").as_str())
            );
        }
    }
}
