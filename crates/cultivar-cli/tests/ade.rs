//! ADE profiles, defaults, groups and the diagnostic verbs through the built binary:
//! `cultivar serve` and the ABM simulator as child processes, driven as an administrator would.
#![allow(clippy::unwrap_used)]

mod ade_setup;
mod common;

use ade_setup::{parse, serials, sorted, Setup};
use serde_json::Value;

/// The devices of the scenario: what ABM reported, by role.
struct Fleet {
    /// iPhones: [0] gets an explicit profile, [1] is in the Lab group, [2]'s push FAILS,
    /// [3] takes the iOS default.
    phones: Vec<String>,
    macs: Vec<String>,
    pad: String,
}

/// Devices synced with nothing configured: every one is Unassigned for want of a default, and
/// there is nothing to push.
async fn synced_fleet(s: &Setup, id: &str) -> Fleet {
    let phones = s.add_devices(4, "iOS").await;
    let macs = s.add_devices(2, "macOS").await;
    let pad = s.add_devices(1, "iPadOS").await.remove(0);
    let sync = s.cli(&["abm", "sync", id, "--wait"]).await;
    assert_eq!(sync["outcome"], "success", "{sync}");

    let unassigned = s.cli(&["ade", "unassigned"]).await;
    assert_eq!(
        serials(&unassigned["devices"], "serial").len(),
        7,
        "{unassigned}"
    );
    let by_reason = &unassigned["by_reason"];
    assert_eq!(
        by_reason,
        &serde_json::json!([{"code": "no_default_for_os", "count": 7}])
    );
    let plan = s.cli(&["ade", "plan"]).await;
    assert_eq!(
        (&plan["assign"], &plan["wait"]),
        (&0.into(), &0.into()),
        "{plan}"
    );
    Fleet { phones, macs, pad }
}

/// A profile breaking several rules is refused naming each field, in text and in JSON, and
/// nothing is stored.
async fn invalid_profile_names_every_field(s: &Setup) {
    let bad = r#"{"os":"iOS","profile_name":"","is_mdm_removable":false,
                  "support_email_address":"not-an-email"}"#;
    let file = s.file("bad.json", bad);
    let text = s.raw(&["ade", "profiles", "create", "--file", &file]).await;
    assert!(!text.ok, "an invalid profile fails the command");
    for field in ["profile_name", "is_mdm_removable", "support_email_address"] {
        assert!(text.stderr.contains(field), "{field}: {}", text.stderr);
    }
    assert!(
        text.stderr.contains("CONFIG_NAME_REQUIRED"),
        "{}",
        text.stderr
    );

    let doc = s
        .raw(&["ade", "profiles", "create", "--file", &file, "--json"])
        .await;
    assert!(!doc.ok);
    let doc = parse(&doc.stdout);
    let fields: Vec<&str> = doc["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for field in ["profile_name", "is_mdm_removable", "support_email_address"] {
        assert!(fields.contains(&field), "{field}: {doc}");
    }
    assert!(doc["errors"][0]["code"].is_string() && doc["errors"][0]["message"].is_string());

    // Not JSON at all: the file is named, and nothing is sent.
    let junk = s.file("junk.json", "{ not json");
    let junk = s.raw(&["ade", "profiles", "create", "--file", &junk]).await;
    assert!(
        !junk.ok && junk.stderr.contains("junk.json"),
        "{}",
        junk.stderr
    );
    let list = s.cli(&["ade", "profiles", "list"]).await;
    assert_eq!(list["profiles"], serde_json::json!([]), "nothing stored");
}

/// Profiles, the iOS default, the Lab group (by CSV, with a bad row) and an explicit device
/// profile; phones[2]'s first assign FAILS in ABM.
async fn configure(s: &Setup, f: &Fleet) {
    create_profiles(s).await;
    default_and_group(s, f).await;
    let explicit = s
        .cli(&["devices", "set-profile", &f.phones[0], "Exec"])
        .await;
    assert_eq!(explicit["profile"]["name"], "Exec", "{explicit}");
    assert_eq!(explicit["known_to_abm"], true, "{explicit}");
}

/// Phones (with an unknown skip key: kept, with a warning), Staff and Exec, all for iOS.
async fn create_profiles(s: &Setup) {
    let skip = r#","is_supervised":true,"skip_setup_items":["Location","NotAKey"]"#;
    let phones = s.profile("Phones", "iOS", skip).await;
    let warnings = phones["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{phones}");
    assert_eq!(warnings[0]["field"], "skip_setup_items[1]", "{phones}");
    assert_eq!(phones["profile"]["os"], "iOS");
    s.profile("Staff", "iOS", "").await;
    s.profile("Exec", "iOS", "").await;
}

/// phones[2]'s first assign will FAIL; the iOS default; the Lab group, filled from a CSV.
async fn default_and_group(s: &Setup, f: &Fleet) {
    let bad = f.phones[2].as_str();
    s.sim(&[
        "sim",
        "abm",
        "assign-result",
        "--serials",
        bad,
        "--result",
        "FAILED",
    ])
    .await;
    let set = s
        .cli(&["ade", "defaults", "set", "--os", "ios", "Phones"])
        .await;
    assert_eq!(
        (&set["os"], &set["profile"]["name"]),
        (&"iOS".into(), &"Phones".into())
    );

    let group = s
        .cli(&[
            "groups",
            "create",
            "Lab",
            "--priority",
            "5",
            "--profile",
            "Staff",
        ])
        .await;
    assert_eq!(
        (&group["kind"], &group["priority"]),
        (&"static".into(), &5.into())
    );
    // Line 3 is not a serial; the good rows are added all the same.
    let csv = format!("serial\n{}\nbad serial!\n{}\n", f.phones[1], f.pad);
    let csv = s.file("lab.csv", &csv);
    let added = s
        .cli(&["groups", "add-devices", "Lab", "--csv", &csv])
        .await;
    assert_eq!(added["added"], 2, "{added}");
    let rejected = added["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{added}");
    assert_eq!(
        (&rejected[0]["line"], &rejected[0]["value"]),
        (&3.into(), &"bad serial!".into())
    );
    let text = s
        .raw(&["groups", "add-devices", "Lab", "--csv", &csv])
        .await;
    assert!(text.ok, "{}", text.stderr);
    assert!(text.stdout.contains("rejected line 3"), "{}", text.stdout);
}

/// Before anything is applied, whatever the plan would assign names the right profile (the
/// automatic push may already have sent some of it).
async fn plan_names_the_resolved_profiles(s: &Setup, f: &Fleet) {
    let want = |serial: &str| {
        let name = if serial == f.phones[0] {
            "Exec"
        } else if serial == f.phones[1] {
            "Staff"
        } else {
            "Phones"
        };
        Value::from(name)
    };
    let plan = s.cli(&["ade", "plan"]).await;
    for a in plan["actions"].as_array().unwrap() {
        let serial = a["serial"].as_str().unwrap();
        assert!(
            f.phones.iter().any(|p| p == serial),
            "only iPhones resolve: {plan}"
        );
        if a["action"] == "assign" {
            assert_eq!(a["profile"]["name"], want(serial), "{plan}");
        }
    }
}

/// After `apply`, everything is in sync but the FAILED phone, which cools down for 24 h.
async fn applied(s: &Setup, f: &Fleet) {
    let applied = s.cli(&["ade", "apply"]).await;
    assert!(
        applied["assigned"].is_u64() && applied["waiting"].is_u64(),
        "{applied}"
    );
    let plan = s.cli(&["ade", "plan"]).await;
    let actions = plan["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1, "{plan}");
    assert_eq!(
        (&actions[0]["serial"], &actions[0]["action"]),
        (&Value::from(f.phones[2].as_str()), &"wait".into()),
        "{plan}"
    );
    assert_eq!(actions[0]["wait_reason"], "failed", "{plan}");
    assert!(actions[0]["until"].is_string(), "{plan}");
    assert_eq!(
        (&plan["assign"], &plan["wait"]),
        (&0.into(), &1.into()),
        "{plan}"
    );
    let text = s.raw(&["ade", "plan"]).await;
    assert!(
        text.ok && text.stdout.contains("1 waiting"),
        "{}",
        text.stdout
    );
}

/// `explain` of each kind of device: group, explicit, FAILED with cooldown, wrong-OS profile.
async fn explanations(s: &Setup, f: &Fleet) {
    let lab = s.cli(&["ade", "explain", &f.phones[1]]).await;
    assert_eq!(lab["outcome"], "assigned", "{lab}");
    assert_eq!(lab["intended_profile"]["name"], "Staff", "{lab}");
    let chosen: Vec<&Value> = lab["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|st| st["result"] == "chosen")
        .collect();
    assert_eq!(chosen.len(), 1, "{lab}");
    assert_eq!(
        (&chosen[0]["rule"], &chosen[0]["group"]["name"]),
        (&"group".into(), &"Lab".into())
    );
    assert_eq!(lab["push"]["result"], "SUCCESS", "{lab}");
    assert!(lab["next_action"].is_null(), "in sync: {lab}");
    assert!(lab["summary"].as_str().unwrap().contains("Staff"), "{lab}");

    let exec = s.cli(&["ade", "explain", &f.phones[0]]).await;
    assert_eq!(exec["intended_profile"]["name"], "Exec", "{exec}");
    assert_eq!(exec["steps"][0]["rule"], "device", "{exec}");
    assert_eq!(exec["steps"][0]["result"], "chosen", "{exec}");

    let failed = s.cli(&["ade", "explain", &f.phones[2]]).await;
    assert_eq!(failed["intended_profile"]["name"], "Phones", "{failed}");
    assert_eq!(failed["push"]["result"], "FAILED", "{failed}");
    assert!(failed["push"]["retry_after"].is_string(), "{failed}");
    assert_eq!(failed["next_action"]["action"], "wait", "{failed}");

    let pad = s.cli(&["ade", "explain", &f.pad]).await;
    assert_eq!(pad["outcome"], "unassigned", "{pad}");
    assert_eq!(
        pad["unassigned_reason"]["code"], "profile_for_another_os",
        "{pad}"
    );
    assert!(pad["intended_profile"].is_null(), "{pad}");

    // Text mode: the chain, both sides, the cooldown, one summary line.
    let text = s.raw(&["ade", "explain", &f.phones[2]]).await;
    assert!(text.ok, "{}", text.stderr);
    for part in [
        "resolution:",
        "CULTIVAR INTENDS",
        "APPLE HOLDS",
        "FAILED",
        "cooling down until",
        "summary:",
    ] {
        assert!(text.stdout.contains(part), "{part}: {}", text.stdout);
    }
    let unknown = s.raw(&["ade", "explain", "NOSUCHSERIAL1"]).await;
    assert!(!unknown.ok, "a serial ABM never reported is an error");
}

/// Unassigned: the Macs (no macOS default) and the iPad (its group's profile is for iOS).
async fn unassigned_with_reasons(s: &Setup, f: &Fleet) {
    let list = s.cli(&["ade", "unassigned"]).await;
    let mut want = f.macs.iter().chain([&f.pad]).collect::<Vec<_>>();
    want.sort();
    assert_eq!(serials(&list["devices"], "serial"), sorted(&want), "{list}");
    for d in list["devices"].as_array().unwrap() {
        let code = if d["serial"] == f.pad.as_str() {
            "profile_for_another_os"
        } else {
            "no_default_for_os"
        };
        assert_eq!(d["reason"]["code"], code, "{d}");
        assert!(d["reason"]["message"].as_str().unwrap().len() > 20, "{d}");
    }
    let mut counts: Vec<(String, u64)> = list["by_reason"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["code"].as_str().unwrap().to_owned(),
                r["count"].as_u64().unwrap(),
            )
        })
        .collect();
    counts.sort();
    let want = [
        ("no_default_for_os".to_owned(), 2),
        ("profile_for_another_os".to_owned(), 1),
    ];
    assert_eq!(counts, want, "{list}");
    let text = s.raw(&["ade", "unassigned"]).await;
    assert!(text.stdout.starts_with("SERIAL"), "{}", text.stdout);
    assert!(
        text.stdout.contains("no_default_for_os: 2"),
        "{}",
        text.stdout
    );
}

/// Editing with a revision, and deleting a profile in use: its devices fall to the next rule.
async fn edits_and_deletes(s: &Setup, f: &Fleet) {
    let staff = s.cli(&["ade", "profiles", "show", "Staff"]).await;
    assert_eq!(staff["usage"]["groups"], 1, "{staff}");
    let text = r#"{"os":"iOS","profile_name":"Staff","org_magic":"1","department":"Lab"}"#;
    let file = s.file("staff2.json", text);
    let update = [
        "ade",
        "profiles",
        "update",
        "Staff",
        "--file",
        &file,
        "--revision",
        "1",
    ];
    let saved = s.cli(&update).await;
    assert_eq!(saved["profile"]["revision"], 2, "{saved}");
    let stale = s.raw(&update).await;
    assert!(!stale.ok, "an edit based on revision 1 is refused now");
    assert!(
        stale.stderr.contains("current revision"),
        "{}",
        stale.stderr
    );

    let in_use = s.raw(&["ade", "profiles", "delete", "Staff"]).await;
    assert!(!in_use.ok, "a profile in use needs --force");
    assert!(in_use.stderr.contains("pass --force"), "{}", in_use.stderr);
    assert!(s.cli(&["ade", "profiles", "show", "Staff"]).await["id"].is_string());
    s.cli(&["ade", "profiles", "delete", "Staff", "--force"])
        .await;
    let lab = s.cli(&["ade", "explain", &f.phones[1]]).await;
    assert_eq!(lab["intended_profile"]["name"], "Phones", "{lab}");
    rules_taken_away(s, f).await;
}

/// Group edits, the explicit profile and the iOS default cleared: the iPhones fall to the
/// next rule, down to Unassigned.
async fn rules_taken_away(s: &Setup, f: &Fleet) {
    let members = s.cli(&["groups", "members", "Lab"]).await;
    let mut got: Vec<&str> = members["serials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, sorted(&[&f.phones[1], &f.pad]), "{members}");
    let group = s.cli(&["groups", "update", "Lab", "--priority", "9"]).await;
    assert_eq!(
        (&group["priority"], &group["profile"]),
        (&9.into(), &Value::Null),
        "{group}"
    );
    let removed = s
        .cli(&["groups", "remove-devices", "Lab", "--serials", &f.pad])
        .await;
    assert_eq!(removed["removed"], 1);
    let list = s.cli(&["groups", "list"]).await;
    assert_eq!(list["groups"][0]["members"], 1, "{list}");

    s.cli(&["devices", "set-profile", &f.phones[0], "--clear"])
        .await;
    let exec = s.cli(&["ade", "explain", &f.phones[0]]).await;
    assert_eq!(exec["intended_profile"]["name"], "Phones", "{exec}");

    let defaults = s.cli(&["ade", "defaults", "show"]).await;
    assert_eq!(
        defaults["defaults"].as_array().unwrap().len(),
        5,
        "{defaults}"
    );
    s.cli(&["ade", "defaults", "clear", "--os", "iOS"]).await;
    let none = s.raw(&["ade", "defaults", "clear", "--os", "iOS"]).await;
    assert!(!none.ok, "iOS has no default any more");
    let list = s.cli(&["ade", "unassigned"]).await;
    assert_eq!(list["devices"].as_array().unwrap().len(), 7, "{list}");
}

async fn scenario(s: Setup) {
    let id = s.connect().await;
    let fleet = synced_fleet(&s, &id).await;
    invalid_profile_names_every_field(&s).await;
    configure(&s, &fleet).await;
    plan_names_the_resolved_profiles(&s, &fleet).await;
    applied(&s, &fleet).await;
    explanations(&s, &fleet).await;
    unassigned_with_reasons(&s, &fleet).await;
    edits_and_deletes(&s, &fleet).await;
}

#[tokio::test]
async fn profiles_groups_and_diagnosis_through_the_cli_on_sqlite() {
    scenario(Setup::start(None).await).await;
}

#[tokio::test]
async fn profiles_groups_and_diagnosis_through_the_cli_on_postgres() {
    // None only outside CI when PostgreSQL is unreachable (CI fails instead).
    let Some(db) = cultivar_store::testing::postgres_test_database().await else {
        return;
    };
    scenario(Setup::start(Some(db)).await).await;
}
