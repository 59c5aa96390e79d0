//! Enrollment > ADE in a real browser (headless Chromium over WebDriver, see `common`): the
//! profile wizard (a refused field first, shown next to its input with Apple's code), the new
//! profile made the iOS default, a static group fed a CSV with bad rows, and the Unassigned
//! list and Explain for devices synced from the ABM simulator.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::{
    chromium, open_menu, screenshot, sign_in, text_of, wait_for, Browser, EMAIL, PASSWORD,
};
use cultivar_core::sync::Trigger;
use cultivar_testkit::{Backend, TestServer, TestSim};
use fantoccini::{Client, Locator};

const PROFILE: &str = "Staff iPhones";

/// An ABM entry with a token for a new simulator server, two iPhones and a Mac assigned to it
/// and synced; returns (iPhone serials, Mac serial).
async fn synced_fleet(server: &TestServer, sim: &TestSim) -> (Vec<String>, String) {
    let abm = &server.state().abm;
    let created = abm
        .create_server("Fleet ABM", Some(sim.url()), "test")
        .await
        .unwrap();
    let admin = sim.admin();
    let info = admin
        .register_server("Fleet ABM", &created.certificate_pem)
        .await
        .unwrap();
    let token = admin
        .download_token(&info.server_uuid, None, None)
        .await
        .unwrap();
    abm.upload_token(created.server.id, &token.bytes, false, "test")
        .await
        .unwrap();
    let phones = admin.add_devices(2, Some("iOS")).await.unwrap().serials;
    let mac = admin.add_devices(1, Some("macOS")).await.unwrap().serials;
    let all: Vec<String> = phones.iter().chain(&mac).cloned().collect();
    admin.assign(&info.server_uuid, &all).await.unwrap();
    let run = server
        .state()
        .sync
        .sync_now(created.server.id, Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.outcome, "success", "{run:?}");
    (phones, mac[0].clone())
}

async fn click(client: &Client, css: &str) {
    let element = client.find(Locator::Css(css)).await;
    element
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The text of the error shown next to `field`, once it is there.
async fn field_error(client: &Client, field: &str) -> String {
    let css = format!(".field-error[data-field='{field}']");
    wait_for(client, Locator::Css(&css))
        .await
        .text()
        .await
        .unwrap()
}

/// Waits until the wizard shows step `n`.
async fn on_step(client: &Client, n: u8) {
    wait_for(
        client,
        Locator::Css(&format!("fieldset#step-{n}:not([hidden])")),
    )
    .await;
}

/// The wizard's step 1: a bad email stops it, with Apple's code next to the field and what
/// was typed kept.
async fn create_profile_with_the_wizard(client: &Client, dir: &Path) {
    click(client, "#new-profile").await;
    on_step(client, 1).await;
    fill(client, "input[name=profile_name]", PROFILE).await;
    let os = client.find(Locator::Css("select[name=os]")).await.unwrap();
    os.select_by_value("iOS").await.unwrap();
    fill(
        client,
        "input[name=support_email_address]",
        "helpdesk at example",
    )
    .await;
    fill(client, "input[name=language]", "en").await;
    click(client, "#wizard-next").await;
    let error = field_error(client, "support_email_address").await;
    assert!(error.contains("SUPPORT_EMAIL_INVALID"), "{error}");
    assert!(error.contains("not an email address"), "{error}");
    screenshot(client, dir, "ade-wizard-step1-error.png").await;
    // What was typed is still there.
    let name = client.find(Locator::Css("input[name=profile_name]")).await;
    assert_eq!(
        name.unwrap().prop("value").await.unwrap().as_deref(),
        Some(PROFILE)
    );
}

/// Steps 2 and 3 after the fixed step 1: a skip key from the list and one newer than it,
/// then MDM locked without supervision (refused with FLAGS_INVALID), then saved.
async fn finish_the_wizard(client: &Client, dir: &Path) {
    fill(
        client,
        "input[name=support_email_address]",
        "helpdesk@example.com",
    )
    .await;
    click(client, "#wizard-next").await;
    on_step(client, 2).await;
    assert!(text_of(client, "#step-2 legend").await.contains("iOS"));
    click(client, "input[name=skip][value=Siri]").await;
    fill(client, "input[name=skip_other]", "BrandNewPane").await;
    click(client, "#wizard-next").await;
    on_step(client, 3).await;

    click(client, "input[type=checkbox][name=is_supervised]").await;
    click(client, "input[type=checkbox][name=is_mdm_removable]").await;
    click(client, "#wizard-save").await;
    let error = field_error(client, "is_mdm_removable").await;
    assert!(error.contains("FLAGS_INVALID"), "{error}");
    assert!(text_of(client, "#wizard-errors")
        .await
        .contains("is_mdm_removable"));
    screenshot(client, dir, "ade-wizard-step3-error.png").await;

    click(client, "input[type=checkbox][name=is_supervised]").await;
    click(client, "#wizard-save").await;
    let notice = wait_for(client, Locator::Css("#ade-notice")).await;
    let notice = notice.text().await.unwrap();
    assert!(
        notice.starts_with(&format!("Profile “{PROFILE}” created")),
        "{notice}"
    );
    let warnings = text_of(client, "#ade-warnings").await;
    assert!(warnings.contains("BrandNewPane"), "{warnings}");
    let row = format!("#ade-profiles tr[data-profile='{PROFILE}']");
    assert_eq!(text_of(client, &format!("{row} td.os")).await, "iOS");
    assert_eq!(
        text_of(client, &format!("{row} td.usage")).await,
        "not in use"
    );
    screenshot(client, dir, "ade-profiles.png").await;
}

async fn make_it_the_ios_default(client: &Client) {
    click(client, "nav.tabs a[href='/enrollment/ade/defaults']").await;
    wait_for(
        client,
        Locator::XPath("//h1[text()='Default profile per OS']"),
    )
    .await;
    assert_eq!(text_of(client, "#default-iOS td.current").await, "none");
    let select = client
        .find(Locator::Css("#default-iOS select"))
        .await
        .unwrap();
    select.select_by_label(PROFILE).await.unwrap();
    click(client, "#default-iOS button.set-default").await;
    let notice = wait_for(client, Locator::Css("#ade-notice")).await;
    assert!(notice
        .text()
        .await
        .unwrap()
        .starts_with("The iOS default is set"));
    assert_eq!(text_of(client, "#default-iOS td.current").await, PROFILE);
    assert_eq!(text_of(client, "#default-macOS td.current").await, "none");
}

/// A static group, then a CSV with a header, the Mac's serial and two bad rows.
async fn group_with_a_csv(client: &Client, dir: &Path, mac: &str) {
    click(client, "nav.tabs a[href='/enrollment/ade/groups']").await;
    wait_for(client, Locator::Css("form#new-group")).await;
    fill(client, "#new-group input[name=name]", "Lab Macs").await;
    fill(client, "#new-group input[name=priority]", "5").await;
    click(client, "#new-group button").await;
    let notice = wait_for(client, Locator::Css("#ade-notice")).await;
    assert_eq!(notice.text().await.unwrap(), "Group created.");
    assert_eq!(text_of(client, "#group-kind").await, "Static");

    let csv = dir.join("lab.csv");
    std::fs::write(&csv, format!("serial_number\n{mac}\nbad serial!\nAB\n")).unwrap();
    let input = client
        .find(Locator::Css("#upload-csv input[type=file]"))
        .await;
    input
        .unwrap()
        .send_keys(csv.to_str().unwrap())
        .await
        .unwrap();
    click(client, "#upload-csv button").await;
    let result = wait_for(client, Locator::Css("#csv-result")).await;
    let result = result.text().await.unwrap();
    assert!(
        result.contains("1 added, 0 already in the group, 2 rows rejected"),
        "{result}"
    );
    let lines = client
        .find_all(Locator::Css("#csv-rejected td.line"))
        .await
        .unwrap();
    let mut numbers = Vec::new();
    for cell in lines {
        numbers.push(cell.text().await.unwrap());
    }
    assert_eq!(numbers, ["3", "4"]);
    assert!(text_of(client, "#csv-rejected")
        .await
        .contains("letters and digits"));
    assert_eq!(text_of(client, "#member-list").await, mac);
    assert_eq!(text_of(client, "#group-members").await, "1");
    screenshot(client, dir, "ade-group-csv.png").await;
}

/// The Mac has no profile (no macOS default; its group has none): Unassigned, with the
/// reason; its serial opens Explain.
async fn unassigned_mac_explained(client: &Client, dir: &Path, mac: &str) {
    click(client, "nav.tabs a[href='/enrollment/ade/unassigned']").await;
    wait_for(client, Locator::XPath("//h1[text()='Unassigned devices']")).await;
    assert_eq!(text_of(client, "#unassigned-total").await, "1");
    let counts = text_of(client, "#unassigned-counts").await;
    assert!(
        counts.contains("No default profile for the device's OS"),
        "{counts}"
    );
    let row = text_of(
        client,
        "#unassigned tbody tr[data-reason='no_default_for_os']",
    )
    .await;
    assert!(row.contains(mac) && row.contains("macOS"), "{row}");
    screenshot(client, dir, "ade-unassigned.png").await;

    click(
        client,
        &format!("#unassigned a[href='/enrollment/ade/explain/{mac}']"),
    )
    .await;
    let outcome = wait_for(client, Locator::Css("#explain-outcome")).await;
    assert_eq!(outcome.text().await.unwrap(), "Unassigned");
    let summary = text_of(client, "#explain-summary").await;
    assert!(summary.starts_with("Unassigned"), "{summary}");
    assert!(summary.contains("macOS"), "{summary}");
    assert_eq!(
        text_of(client, "#intended-profile").await,
        "none (Unassigned)"
    );
}

/// The Mac given the iOS profile as its own: still Unassigned, now because the profile is for
/// another OS; then cleared again.
async fn mac_given_an_ios_profile(client: &Client, mac: &str) {
    let select = client.find(Locator::Css("#device-profile select")).await;
    select
        .unwrap()
        .select_by_label(&format!("{PROFILE} (iOS)"))
        .await
        .unwrap();
    click(client, "#device-profile button").await;
    let notice = wait_for(client, Locator::Css("#ade-notice")).await;
    assert!(notice
        .text()
        .await
        .unwrap()
        .starts_with("This device now has its own profile"));
    assert_eq!(text_of(client, "#explain-outcome").await, "Unassigned");
    let steps = text_of(client, "#explain-steps").await;
    assert!(steps.contains("profile for another os"), "{steps}");
    let reason = text_of(client, "#explain-reason").await;
    assert!(
        reason.contains(PROFILE) && reason.contains("iOS"),
        "{reason}"
    );
    click(client, "#device-profile-clear").await;
    let cleared = "//p[@id='ade-notice'][starts-with(., 'The device')]";
    wait_for(client, Locator::XPath(cleared)).await;
    assert!(client
        .find(Locator::Css("#device-profile-clear"))
        .await
        .is_err());
    let serial = text_of(client, "h2 code").await;
    assert_eq!(serial, mac);
}

/// An iPhone, found through the search box of the Mac's page: the iOS default is its
/// profile.
async fn iphone_explained(client: &Client, dir: &Path, phone: &str) {
    fill(
        client,
        "#explain-search input[name=serial]",
        &phone.to_lowercase(),
    )
    .await;
    click(client, "#explain-search button").await;
    // The Mac's page has an outcome too: wait for the iPhone's.
    let serial = format!("//h2[code[text()='{phone}']]/span[@id='explain-outcome']");
    let outcome = wait_for(client, Locator::XPath(&serial)).await;
    assert_eq!(outcome.text().await.unwrap(), "Assigned");
    assert_eq!(
        text_of(client, "#intended-profile").await,
        format!("{PROFILE} (iOS)")
    );
    let steps = text_of(client, "#explain-steps").await;
    assert!(
        steps.contains("iOS default") && steps.contains(PROFILE),
        "{steps}"
    );
    assert!(steps.contains("chosen"), "{steps}");
    screenshot(client, dir, "ade-explain.png").await;

    fill(
        client,
        "#explain-search input[name=serial]",
        "NOSUCHSERIAL1",
    )
    .await;
    click(client, "#explain-search button").await;
    let error = wait_for(client, Locator::Css("#explain-error")).await;
    assert!(error.text().await.unwrap().contains("not found"));
}

/// Edit the profile while "someone else" saves it: the save is refused as a conflict with
/// what was typed kept; saving again replaces their version.
async fn edit_after_someone_else(client: &Client, server: &TestServer) {
    click(client, "nav.tabs a[href='/enrollment/ade/profiles']").await;
    let row = format!("#ade-profiles tr[data-profile='{PROFILE}']");
    click(client, &format!("{row} td.name a")).await;
    on_step(client, 1).await;
    let ade = &server.state().ade;
    let id = ade.profile(PROFILE).await.unwrap().id;
    let theirs = serde_json::json!({
        "os": "iOS", "profile_name": PROFILE, "is_supervised": true, "department": "Theirs",
    });
    let saved = ade.update_profile(id, None, &theirs.to_string()).await;
    assert_eq!(saved.unwrap().profile.revision, 2);

    fill(client, "input[name=department]", "Sales").await;
    click(client, "#wizard-next").await;
    on_step(client, 2).await;
    click(client, "#wizard-next").await;
    on_step(client, 3).await;
    click(client, "#wizard-save").await;
    let error = wait_for(client, Locator::Css("#wizard-error")).await;
    let error = error.text().await.unwrap();
    assert!(error.contains("changed by someone else"), "{error}");
    assert!(error.contains("revision 2"), "{error}");
    click(client, "#wizard-save").await;
    let notice = wait_for(client, Locator::Css("#ade-notice")).await;
    let notice = notice.text().await.unwrap();
    assert!(notice.contains("saved (revision 3)"), "{notice}");
    let stored = ade.profile(PROFILE).await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&stored.body).unwrap();
    assert_eq!(body["department"], "Sales");
    assert_eq!(
        body["skip_setup_items"],
        serde_json::json!(["Siri", "BrandNewPane"])
    );
}

/// The profile is the iOS default: deleting it is explained, then forced.
async fn delete_in_use(client: &Client) {
    click(client, "nav.tabs a[href='/enrollment/ade/profiles']").await;
    let row = format!("#ade-profiles tr[data-profile='{PROFILE}']");
    let usage = wait_for(client, Locator::Css(&format!("{row} td.usage"))).await;
    assert_eq!(
        usage.text().await.unwrap(),
        "0 devices, 0 groups, 1 OS default"
    );
    click(client, &format!("{row} td.row-actions a[href$='/delete']")).await;
    let in_use = wait_for(client, Locator::Css("#in-use")).await;
    assert!(in_use.text().await.unwrap().contains("1 OS default"));
    click(client, "#delete-force").await;
    let notice = wait_for(client, Locator::Css("#ade-notice")).await;
    assert_eq!(notice.text().await.unwrap(), "The profile was deleted.");
    client.find(Locator::Css("#no-profiles")).await.unwrap();
}

#[tokio::test]
async fn ade_console_in_a_browser() {
    let Some((chromium, chromedriver)) = chromium() else {
        return;
    };
    let sim = TestSim::start(0).await;
    let server = TestServer::start(Backend::Sqlite).await.unwrap();
    cultivar_core::auth::create_admin_user(&**server.store(), EMAIL, PASSWORD)
        .await
        .unwrap();
    let (phones, mac) = synced_fleet(&server, &sim).await;
    let files = tempfile::tempdir().unwrap();
    let browser = Browser::start(&chromium, &chromedriver).await;
    let client = &browser.client;
    client.set_window_size(1400, 1800).await.unwrap();

    sign_in(client, &server).await;
    open_menu(client, "/enrollment", "/enrollment/ade").await;
    wait_for(client, Locator::XPath("//h1[text()='ADE profiles']")).await;
    create_profile_with_the_wizard(client, files.path()).await;
    finish_the_wizard(client, files.path()).await;
    edit_after_someone_else(client, &server).await;
    make_it_the_ios_default(client).await;
    group_with_a_csv(client, files.path(), &mac).await;
    unassigned_mac_explained(client, files.path(), &mac).await;
    mac_given_an_ios_profile(client, &mac).await;
    iphone_explained(client, files.path(), &phones[0]).await;
    delete_in_use(client).await;

    browser.stop().await;
}
