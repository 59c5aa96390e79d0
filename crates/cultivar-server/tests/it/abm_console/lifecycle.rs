//! Creating, connecting, renewing and deleting entries.

use reqwest::StatusCode;

use super::{by_id, connected, escape, signed_in, TestSim};

#[tokio::test]
async fn generate_upload_and_see_the_account() {
    let sim = TestSim::start(0).await;
    let console = signed_in().await;
    let (entry, server_uuid) = connected(&console, &sim, "Main <ABM>").await;
    let org = sim.admin().org().await.unwrap();
    let (status, html) = console.get(&format!("{entry}?done=uploaded")).await;
    assert_eq!(status, StatusCode::OK);
    let view = &console.server.state().abm.list().await.unwrap()[0];
    let expires = view.token.as_ref().unwrap().expires_at.date().to_string();
    let flash = format!("Token uploaded: {}, expires {expires}", escape(&org.name));
    assert!(html.contains(&flash), "{flash} in {html}");
    assert_eq!(by_id(&html, "abm-status"), "Active");
    assert_eq!(by_id(&html, "abm-org"), escape(&org.name));
    assert_eq!(by_id(&html, "abm-server-name"), "Main &#60;ABM&#62;");
    assert!(by_id(&html, "abm-expiry").starts_with(&expires));
    assert!(!html.contains("<ABM>"), "names are escaped");
    assert!(html.contains(&server_uuid));
    let (_, list) = console.get("/settings/abm").await;
    assert!(
        list.contains("Main &#60;ABM&#62;") && list.contains("Active"),
        "{list}"
    );
}

#[tokio::test]
async fn refused_creation_keeps_the_form_and_names_the_rule() {
    let console = signed_in().await;
    let cases = [
        ("", "", "name: must be 1 to 100 characters"),
        (
            "Lab",
            "ftp://abm.example.com",
            "base_url: must start with https://",
        ),
    ];
    for (name, base_url, rule) in cases {
        let response = console
            .post(
                "/settings/abm",
                &[
                    ("csrf_token", &console.csrf),
                    ("name", name),
                    ("base_url", base_url),
                ],
            )
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(rule), "{rule} in {html}");
        assert!(
            html.contains(&format!("name=\"base_url\" value=\"{base_url}\"")),
            "{html}"
        );
    }
    assert!(console.server.state().abm.list().await.unwrap().is_empty());
    let (status, _) = console.get("/settings/abm/not-a-uuid").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = console
        .get("/settings/abm/00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn check_now_and_a_renewal_that_keeps_the_token_until_the_new_one_arrives() {
    let sim = TestSim::start(0).await;
    let console = signed_in().await;
    let (entry, server_uuid) = connected(&console, &sim, "Renewing").await;
    let first_key = console.public_key(&entry).await;

    let response = console
        .post(
            &format!("{entry}/refresh"),
            &[("csrf_token", &console.csrf)],
        )
        .await;
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{entry}?done=refreshed")
    );
    let html = console.get(&format!("{entry}?done=refreshed")).await.1;
    assert!(html.contains("Checked with Apple: Active."), "{html}");

    let response = console
        .post(&format!("{entry}/renew"), &[("csrf_token", &console.csrf)])
        .await;
    assert_eq!(
        response.headers()["location"].to_str().unwrap(),
        format!("{entry}?done=renewal")
    );
    let html = console.get(&format!("{entry}?done=renewal")).await.1;
    assert!(html.contains("Renewal in progress"), "{html}");
    assert!(html.contains("keeps working until"), "{html}");
    assert_eq!(
        by_id(&html, "abm-status"),
        "Active",
        "the current token still works"
    );
    let new_key = console.public_key(&entry).await;
    assert_ne!(new_key, first_key, "step 1 now offers the new key");

    sim.admin()
        .update_certificate(&server_uuid, &new_key)
        .await
        .unwrap();
    let token = sim
        .admin()
        .download_token(&server_uuid, None, None)
        .await
        .unwrap();
    let response = console
        .upload(&entry, &console.csrf, token.bytes, false)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = console.get(&entry).await.1;
    assert!(!html.contains("Renewal in progress"), "{html}");
    assert_eq!(by_id(&html, "abm-status"), "Active");
    assert_eq!(
        console.public_key(&entry).await,
        new_key,
        "the new key is now the current one"
    );
}

#[tokio::test]
async fn delete_asks_first_then_removes_the_entry() {
    let sim = TestSim::start(0).await;
    let console = signed_in().await;
    let (entry, _) = connected(&console, &sim, "Doomed").await;
    let (status, html) = console.get(&format!("{entry}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Delete “Doomed”?"), "{html}");
    assert!(
        html.contains("Devices that are already enrolled stay enrolled."),
        "{html}"
    );
    assert!(
        console.server.state().abm.list().await.unwrap().len() == 1,
        "showing the confirmation deletes nothing"
    );
    let response = console
        .post(&format!("{entry}/delete"), &[("csrf_token", &console.csrf)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/settings/abm?done=deleted");
    let (_, list) = console.get("/settings/abm?done=deleted").await;
    assert!(list.contains("The ABM server entry was deleted."), "{list}");
    assert!(!list.contains("Doomed"), "{list}");
    assert_eq!(console.get(&entry).await.0, StatusCode::NOT_FOUND);
    let actions: Vec<String> = console
        .server
        .store()
        .list_audit(20, None)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("abm."))
        .collect();
    assert_eq!(
        actions,
        ["abm.server.delete", "abm.token.upload", "abm.server.create"]
    );
}
