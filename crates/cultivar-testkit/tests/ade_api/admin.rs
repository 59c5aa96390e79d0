//! Validation before anything is stored or sent: a profile with several bad fields, deleting
//! a profile in use (409, then with force its devices fall to the next rule), CSV imports
//! with bad rows, and the 404s of clearing what is not set.

use cultivar_client::ClientError;
use serde_json::json;

use crate::kit::{client, fleet, group, intended, profile, settled, sim_serials};
use crate::world::each_backend;

fn status(err: &ClientError) -> u16 {
    match err {
        ClientError::Api { status, .. } => *status,
        other => panic!("expected an API error, got {other}"),
    }
}

#[tokio::test]
async fn a_profile_with_several_bad_fields_lists_each_and_stores_nothing() {
    each_backend(|w| async move {
        let c = client(&w);
        let bad = json!({
            "os": "iOS",
            "profile_name": "Broken",
            "is_mdm_removable": false,
            "department": "d".repeat(126),
            "support_email_address": "not an address",
            "is_multi_user": true
        });
        let err = c.ade_profile_create(&bad).await.unwrap_err();
        let ClientError::Api {
            status,
            code,
            errors,
            ..
        } = err
        else {
            panic!("expected an API error, got {err}");
        };
        assert_eq!((status, code.as_str()), (422, "invalid"));
        let mut got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        got.sort_unstable();
        let want = [
            ("department", "DEPARTMENT_INVALID"),
            ("is_mdm_removable", "FLAGS_INVALID"),
            ("is_multi_user", "NOT_FOR_OS"),
            ("support_email_address", "SUPPORT_EMAIL_INVALID"),
        ];
        assert_eq!(got, want, "{errors:?}");
        assert!(errors.iter().all(|e| !e.message.is_empty()));
        assert!(c.ade_profiles().await.unwrap().profiles.is_empty());

        // An unknown OS names the field; an unknown skip key is kept with a warning.
        let err = c
            .ade_profile_create(&json!({"os": "watchOS", "profile_name": "W"}))
            .await;
        assert_eq!(status_of(err), 422);
        let mut ok =
            json!({"os": "iOS", "profile_name": "Fine", "skip_setup_items": ["NoSuchPane"]});
        ok["description"] = "for tests".into();
        let saved = c.ade_profile_create(&ok).await.unwrap();
        assert_eq!(saved.profile.description, "for tests");
        assert_eq!(saved.warnings.len(), 1, "{:?}", saved.warnings);
        assert!(saved.warnings[0].field.contains("skip_setup_items"));
        let names: Vec<String> = c
            .ade_profiles()
            .await
            .unwrap()
            .profiles
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, ["Fine"]);
        // A stale revision is refused.
        let err = c.ade_profile_update("Fine", Some(7), &ok).await;
        assert_eq!(status_of(err), 409);
    })
    .await;
}

fn status_of<T: std::fmt::Debug>(r: Result<T, ClientError>) -> u16 {
    status(&r.unwrap_err())
}

#[tokio::test]
async fn deleting_a_profile_in_use_needs_force_and_its_devices_fall_to_the_next_rule() {
    each_backend(|w| async move {
        let f = fleet(&w, "delete", 2, 0).await;
        let c = client(&w);
        profile(&c, "Default", "iOS").await;
        profile(&c, "Group", "iOS").await;
        c.ade_default_set("iOS", "Default").await.unwrap();
        group(&c, "Team", 1, Some("Group"), &f.ios[0..1]).await;
        settled(&w).await;

        let err = c.ade_profile_delete("Group", false).await.unwrap_err();
        assert_eq!(status(&err), 409);
        assert!(err.to_string().contains("1 group(s)"), "{err}");
        let view = c.ade_profile("Group").await.unwrap();
        assert_eq!((view.usage.groups, view.usage.devices), (1, 0));

        c.ade_profile_delete("Group", true).await.unwrap();
        assert_eq!(status_of(c.ade_profile("Group").await), 404);
        assert_eq!(c.group("Team").await.unwrap().profile, None);
        let x = c.ade_explain(&f.ios[0]).await.unwrap();
        assert_eq!(intended(&x), Some("Default"), "{x:?}");
        settled(&w).await;
        let both = f.ios.iter().cloned().collect();
        assert_eq!(sim_serials(&w, &f.e, "Default").await, both);

        // Deleting the default clears it: the devices become Unassigned.
        c.ade_profile_delete("Default", true).await.unwrap();
        let defaults = c.ade_defaults().await.unwrap();
        assert_eq!(defaults.defaults.len(), 5);
        assert!(defaults.defaults.iter().all(|d| d.default.is_none()));
        let list = c.ade_unassigned(false).await.unwrap();
        assert_eq!(list.devices.len(), 2, "{list:?}");
        assert_eq!(status_of(c.ade_default_clear("iOS").await), 404);
        assert_eq!(status_of(c.ade_default_clear("Windows").await), 422);
    })
    .await;
}

#[tokio::test]
async fn csv_import_reports_bad_rows_by_line_and_adds_the_good_ones() {
    each_backend(|w| async move {
        let f = fleet(&w, "csv", 2, 0).await;
        let c = client(&w);
        group(&c, "Imported / 2026", 0, None, &[]).await;
        let csv = format!(
            "serial_number,note\n{},a\nbad serial!\n\n{}\nAB\nNOTINABM0001\n",
            f.ios[0].to_lowercase(),
            f.ios[1]
        );
        let r = c.group_import_csv("Imported / 2026", csv).await.unwrap();
        assert_eq!((r.added, r.already), (3, 0), "{r:?}");
        let lines: Vec<(u64, &str)> = r
            .rejected
            .iter()
            .map(|x| (x.line, x.value.as_str()))
            .collect();
        assert_eq!(lines, [(3, "bad serial!"), (6, "AB")]);
        assert!(r.rejected.iter().all(|x| !x.reason.is_empty()));
        assert_eq!(r.unknown_to_abm, ["NOTINABM0001"]);

        let page = c
            .group_members("Imported / 2026", None, Some(2))
            .await
            .unwrap();
        let mut want = [
            f.ios[0].clone(),
            f.ios[1].clone(),
            "NOTINABM0001".to_owned(),
        ];
        want.sort();
        assert_eq!(page.serials, want[..2]);
        let next = page.next_after.clone().unwrap();
        let rest = c
            .group_members("Imported / 2026", Some(&next), Some(2))
            .await
            .unwrap();
        assert_eq!((rest.serials, rest.next_after), (want[2..].to_vec(), None));
        assert_eq!(c.group("Imported / 2026").await.unwrap().members, 3);

        // Nothing good at all is refused; a JSON add with one bad serial adds nothing.
        let err = c.group_import_csv("Imported / 2026", "??\n".into()).await;
        assert_eq!(status_of(err), 422);
        let err = c
            .group_add_members("Imported / 2026", &["GOODSERIAL01".into(), "x".into()])
            .await;
        assert_eq!(status_of(err), 422);
        assert_eq!(c.group("Imported / 2026").await.unwrap().members, 3);
        let removed = c
            .group_remove_members("Imported / 2026", &["notinabm0001".into()])
            .await
            .unwrap();
        assert_eq!(removed.removed, 1);
        c.group_delete("Imported / 2026").await.unwrap();
        assert_eq!(status_of(c.group("Imported / 2026").await), 404);
    })
    .await;
}

#[tokio::test]
async fn names_are_path_safe_and_serials_abm_has_not_reported_wait() {
    each_backend(|w| async move {
        let c = client(&w);
        let name = "Sales / EMEA #1?";
        profile(&c, name, "iOS").await;
        let p = c.ade_profile(name).await.unwrap();
        assert_eq!(p.name, name);
        assert_eq!(c.ade_profile(&p.id.to_string()).await.unwrap().id, p.id);
        let v = c.device_profile_set("notyetsynced1", name).await.unwrap();
        assert_eq!(
            (v.serial.as_str(), v.known_to_abm),
            ("NOTYETSYNCED1", false)
        );
        assert_eq!(v.profile.id, p.id);
        assert_eq!(c.ade_profile(name).await.unwrap().usage.devices, 1);
        // A read-only key reads but cannot change anything.
        let key = w.server.read_only_key().to_owned();
        let ro = cultivar_client::AdminClient::new(&w.server.url(), Some(key));
        assert_eq!(ro.ade_profiles().await.unwrap().profiles.len(), 1);
        assert_eq!(status_of(ro.ade_default_set("iOS", name).await), 403);
    })
    .await;
}
