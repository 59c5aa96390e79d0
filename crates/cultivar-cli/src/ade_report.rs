//! `cultivar ade unassigned | explain | plan | apply`: what cultivar intends for each device,
//! why, and what it would send to ABM, printed for people (or as the API's JSON).

use cultivar_api_types::ade::{
    ApplySummaryView, ExplanationView, PlanActionView, PlanView, ProfileBrief, PushStateView,
    UnassignedList,
};
use cultivar_client::AdminClient;
use time::OffsetDateTime;

use crate::output::{table, Output};

/// `ade unassigned [--include-removed]`.
pub async fn unassigned(
    client: &AdminClient,
    include_removed: bool,
    out: &Output,
) -> anyhow::Result<()> {
    let list = client.ade_unassigned(include_removed).await?;
    out.print(&list, || unassigned_text(&list))
}

fn unassigned_text(list: &UnassignedList) -> String {
    if list.devices.is_empty() {
        return "no Unassigned devices: every device resolves to a profile".to_owned();
    }
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<Vec<String>> = list
        .devices
        .iter()
        .map(|d| {
            vec![
                d.serial.clone(),
                text(&d.model),
                text(&d.os),
                d.reason.code.clone(),
            ]
        })
        .collect();
    let mut out = table(&["SERIAL", "MODEL", "OS", "REASON"], &rows);
    out.push_str(&format!("\n\n{} Unassigned devices", list.devices.len()));
    for count in &list.by_reason {
        // One device's message per reason says how to fix the whole group.
        let hint = list
            .devices
            .iter()
            .find(|d| d.reason.code == count.code)
            .map(|d| format!(" — e.g. {}: {}", d.serial, d.reason.message))
            .unwrap_or_default();
        out.push_str(&format!("\n  {}: {}{hint}", count.code, count.count));
    }
    out
}

/// `ade explain SERIAL`.
pub async fn explain(client: &AdminClient, serial: &str, out: &Output) -> anyhow::Result<()> {
    let view = client.ade_explain(serial).await?;
    out.print(&view, || explain_text(&view))
}

fn explain_text(v: &ExplanationView) -> String {
    let os = v.device_os.as_deref().unwrap_or("unknown OS");
    let mut lines = vec![format!("{} ({os})", v.serial), "resolution:".to_owned()];
    for (i, step) in v.steps.iter().enumerate() {
        lines.push(format!(
            "  {}. {:<16} {:<22} {}",
            i + 1,
            step.rule,
            step.result,
            step.message
        ));
    }
    if let Some(c) = &v.group_conflict {
        lines.push(format!("group conflict: {}", c.message));
    }
    if let Some(r) = &v.unassigned_reason {
        lines.push(format!("unassigned ({}): {}", r.code, r.message));
    }
    lines.push(String::new());
    lines.extend(side_by_side(v));
    lines.push(String::new());
    lines.push(format!("last push:    {}", push_text(v.push.as_ref())));
    let next = v
        .next_action
        .as_ref()
        .map_or_else(|| "none (in sync)".to_owned(), |a| a.message.clone());
    lines.push(format!("next action:  {next}"));
    lines.push(format!("summary:      {}", v.summary));
    lines.join("\n")
}

/// cultivar's intent and Apple's record in two columns.
fn side_by_side(v: &ExplanationView) -> Vec<String> {
    let none = || "—".to_owned();
    let intended = v.intended_profile.as_ref().map_or_else(none, brief);
    let apple_profile = match (&v.apple.profile, &v.apple.profile_uuid) {
        (Some(p), _) => brief(p),
        (None, Some(uuid)) => format!("{uuid} (not one of cultivar's)"),
        (None, None) => none(),
    };
    let rows = vec![
        vec!["profile".to_owned(), intended, apple_profile],
        vec![
            "Apple profile UUID".to_owned(),
            v.next_action
                .as_ref()
                .and_then(|a| a.apple_profile_uuid.clone())
                .or_else(|| v.push.as_ref().and_then(|p| p.apple_profile_uuid.clone()))
                .unwrap_or_else(none),
            v.apple.profile_uuid.clone().unwrap_or_else(none),
        ],
        vec![
            "state".to_owned(),
            // cultivar's outcome in words, so it does not read like Apple's `assigned`.
            if v.outcome == "unassigned" {
                "Unassigned".to_owned()
            } else {
                "resolved to a profile".to_owned()
            },
            v.apple.profile_status.clone().unwrap_or_else(none),
        ],
        vec![
            "assigned / pushed".to_owned(),
            String::new(),
            format!(
                "{} / {}",
                v.apple.profile_assign_time.map_or_else(none, timestamp),
                v.apple.profile_push_time.map_or_else(none, timestamp)
            ),
        ],
        vec![
            "ABM server".to_owned(),
            String::new(),
            v.apple.abm_server_id.to_string(),
        ],
    ];
    table(&["", "CULTIVAR INTENDS", "APPLE HOLDS (last sync)"], &rows)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn push_text(push: Option<&PushStateView>) -> String {
    let Some(p) = push else {
        return "never pushed".to_owned();
    };
    let mut text = format!(
        "{} at {} ({} attempt(s) since the last success)",
        p.result,
        timestamp(p.last_attempt_at),
        p.attempts
    );
    if let Some(until) = p.retry_after {
        text.push_str(&format!("; cooling down until {}", timestamp(until)));
    }
    if let Some(e) = &p.last_error {
        text.push_str(&format!("; error: {e}"));
    }
    text
}

/// `ade plan`.
pub async fn plan(client: &AdminClient, out: &Output) -> anyhow::Result<()> {
    let plan = client.ade_plan().await?;
    out.print(&plan, || plan_text(&plan))
}

fn plan_text(plan: &PlanView) -> String {
    let totals = format!(
        "{} to assign, {} to remove, {} waiting (nothing was sent)",
        plan.assign, plan.remove, plan.wait
    );
    if plan.actions.is_empty() {
        return format!("in sync: Apple holds what cultivar intends\n{totals}");
    }
    let rows: Vec<Vec<String>> = plan.actions.iter().map(plan_row).collect();
    let headers = ["SERIAL", "ACTION", "PROFILE", "ABM SERVER", "NOTE"];
    format!("{}\n\n{totals}", table(&headers, &rows))
}

fn plan_row(a: &PlanActionView) -> Vec<String> {
    let profile = match (&a.profile, &a.apple_profile_uuid) {
        (Some(p), _) => brief(p),
        (None, Some(uuid)) => uuid.clone(),
        (None, None) => String::new(),
    };
    let note = match (a.action.as_str(), a.until) {
        ("wait", Some(until)) => format!(
            "{} until {}",
            a.wait_reason.as_deref().unwrap_or("cooling down"),
            timestamp(until)
        ),
        ("assign", _) if a.define_first => "profile defined first".to_owned(),
        _ => String::new(),
    };
    vec![
        a.serial.clone(),
        a.action.clone(),
        profile,
        a.abm_server_id.map(|id| id.to_string()).unwrap_or_default(),
        note,
    ]
}

/// `ade apply`.
pub async fn apply(client: &AdminClient, out: &Output) -> anyhow::Result<()> {
    let s: ApplySummaryView = client.ade_apply().await?;
    out.print(&s, || {
        format!(
            "pushed to ABM: {} profile definitions, {} assigned, {} removed; {} failed, \
             {} throttled, {} not accessible, {} still cooling down",
            s.defined, s.assigned, s.removed, s.failed, s.throttled, s.not_accessible, s.waiting
        )
    })
}

fn brief(p: &ProfileBrief) -> String {
    format!("{} ({})", p.name, p.os)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
pub fn timestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use cultivar_api_types::ade::{ReasonCount, UnassignedDeviceView, UnassignedReasonView};
    use uuid::Uuid;

    #[test]
    fn plan_lists_each_serial_and_the_totals() {
        let until = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let wait = PlanActionView {
            action: "wait".into(),
            serial: "C02AAA111".into(),
            abm_server_id: None,
            profile: None,
            apple_profile_uuid: None,
            define_first: false,
            until: Some(until),
            wait_reason: Some("failed".into()),
            message: "waits".into(),
        };
        let plan = PlanView {
            actions: vec![wait],
            assign: 0,
            remove: 0,
            wait: 1,
        };
        let text = plan_text(&plan);
        assert!(text.starts_with("SERIAL"), "{text}");
        assert!(text.contains("C02AAA111  wait"), "{text}");
        assert!(text.contains("failed until 2024-10-04 00:00:00"), "{text}");
        assert!(text.ends_with("0 to assign, 0 to remove, 1 waiting (nothing was sent)"));
        let empty = PlanView {
            actions: vec![],
            assign: 0,
            remove: 0,
            wait: 0,
        };
        assert!(plan_text(&empty).starts_with("in sync"));
    }

    #[test]
    fn unassigned_counts_reasons_with_a_fix() {
        let device = UnassignedDeviceView {
            serial: "C02AAA111".into(),
            model: Some("iPhone 15".into()),
            os: Some("iOS".into()),
            abm_server_id: Uuid::nil(),
            reason: UnassignedReasonView {
                code: "no_default_for_os".into(),
                message: "set an iOS default".into(),
            },
        };
        let list = UnassignedList {
            devices: vec![device],
            by_reason: vec![ReasonCount {
                code: "no_default_for_os".into(),
                count: 1,
            }],
        };
        let text = unassigned_text(&list);
        assert!(
            text.contains("C02AAA111  iPhone 15  iOS  no_default_for_os"),
            "{text}"
        );
        assert!(
            text.ends_with("no_default_for_os: 1 — e.g. C02AAA111: set an iOS default"),
            "{text}"
        );
    }
}
