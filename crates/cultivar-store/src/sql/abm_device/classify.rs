//! Pure page planning: validation and the added/modified/deleted rules, decided in Rust from
//! one read of the page's existing rows so the writes can be batched.

use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;
use uuid::Uuid;

use crate::{sql::non_empty, AbmDeviceData, DeviceChange, PageCommit, PageCounts, StoreError};

/// What the database holds for a serial, as far as the rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Existing {
    pub(super) abm_server_id: Uuid,
    pub(super) removed: bool,
    pub(super) last_op_date: Option<OffsetDateTime>,
    pub(super) device_assigned_date: Option<OffsetDateTime>,
}

/// An upsert that will be written.
#[derive(Debug)]
pub(super) struct Upsert<'a> {
    pub(super) data: &'a AbmDeviceData,
    pub(super) op_type: Option<&'a str>,
    pub(super) op_date: Option<OffsetDateTime>,
}

/// A removal that will be written.
#[derive(Debug)]
pub(super) struct Removal<'a> {
    pub(super) serial_number: &'a str,
    pub(super) op_date: Option<OffsetDateTime>,
}

/// The writes of one page and what they count as.
#[derive(Debug, Default)]
pub(super) struct Plan<'a> {
    pub(super) upserts: Vec<Upsert<'a>>,
    pub(super) removals: Vec<Removal<'a>>,
    pub(super) counts: PageCounts,
}

/// Refuses a page the batched statements cannot apply as one unit.
pub(super) fn validate(page: &PageCommit<'_>) -> Result<(), StoreError> {
    non_empty("cursor", page.cursor)?;
    let mut seen = HashSet::with_capacity(page.changes.len());
    for change in page.changes {
        let serial = change.serial_number();
        non_empty("serial_number", serial)?;
        // One batched upsert cannot touch a row twice (PostgreSQL refuses it outright).
        if !seen.insert(serial) {
            return Err(StoreError::invalid(
                "changes",
                format!("at most one change per serial number (got {serial:?} twice)"),
            ));
        }
        if let DeviceChange::Upsert { data, .. } = change {
            if !data.extra.is_object() {
                return Err(StoreError::invalid(
                    "extra",
                    format!("must be a JSON object ({serial:?})"),
                ));
            }
        }
    }
    Ok(())
}

/// Applies the rules of [`crate::AbmDeviceStore`] to every change of a page on `server`.
pub(super) fn plan<'a>(
    server: Uuid,
    changes: &'a [DeviceChange],
    existing: &HashMap<String, Existing>,
) -> Plan<'a> {
    let mut plan = Plan::default();
    for change in changes {
        let row = existing.get(change.serial_number());
        if row.is_some_and(|row| is_stale(server, row, change.op_date())) {
            continue;
        }
        match change {
            DeviceChange::Upsert {
                data,
                op_type,
                op_date,
            } => {
                match row {
                    Some(row) if row.abm_server_id == server && !row.removed => {
                        plan.counts.modified += 1;
                    }
                    // New, moved from another server, or back after a removal.
                    _ => plan.counts.added += 1,
                }
                plan.upserts.push(Upsert {
                    data,
                    op_type: op_type.as_deref(),
                    op_date: *op_date,
                });
            }
            DeviceChange::Removed {
                serial_number,
                op_date,
            } => {
                if row.is_some_and(|row| row.abm_server_id == server && !row.removed) {
                    plan.counts.deleted += 1;
                    plan.removals.push(Removal {
                        serial_number,
                        op_date: *op_date,
                    });
                }
            }
        }
    }
    plan
}

/// An older event must not undo a newer one already applied. On this server that is any
/// event older than the last op. For a device another server has (Apple orders its logs per
/// server only), a late `added`/`modified` of the old server would otherwise pull a moved
/// device back; a fetched row has no op, so its assignment date says since when it is there.
/// (Removals of another server's device are ignored anyway, stale or not.)
fn is_stale(server: Uuid, row: &Existing, op_date: Option<OffsetDateTime>) -> bool {
    let Some(change) = op_date else {
        return false;
    };
    let known = if row.abm_server_id == server {
        row.last_op_date
    } else {
        row.last_op_date.or(row.device_assigned_date)
    };
    known.is_some_and(|known| change < known)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(s).ok()
    }

    fn upsert(serial: &str, op_date: Option<OffsetDateTime>) -> DeviceChange {
        DeviceChange::Upsert {
            data: AbmDeviceData::new(serial),
            op_type: op_date.map(|_| "modified".to_owned()),
            op_date,
        }
    }

    fn removed(serial: &str, op_date: Option<OffsetDateTime>) -> DeviceChange {
        DeviceChange::Removed {
            serial_number: serial.to_owned(),
            op_date,
        }
    }

    fn row(server: Uuid, removed: bool, last: Option<OffsetDateTime>) -> Existing {
        Existing {
            abm_server_id: server,
            removed,
            last_op_date: last,
            device_assigned_date: None,
        }
    }

    fn fetched_row(server: Uuid, assigned: Option<OffsetDateTime>) -> Existing {
        Existing {
            device_assigned_date: assigned,
            ..row(server, false, None)
        }
    }

    #[test]
    fn every_rule_counts_as_specified() {
        let (s, other) = (Uuid::new_v4(), Uuid::new_v4());
        let existing: HashMap<String, Existing> = [
            ("MOD", row(s, false, t(100))),
            ("MOVED", row(other, false, t(50))),
            ("LATE", row(other, false, t(500))),
            ("LATE-FETCHED", fetched_row(other, t(500))),
            ("REASSIGNED", row(other, true, t(50))),
            ("TAKEN", fetched_row(other, t(500))),
            ("BACK", row(s, true, None)),
            ("STALE", row(s, false, t(300))),
            ("DEL", row(s, false, None)),
            ("DEL-OTHER", row(other, false, None)),
            ("DEL-AGAIN", row(s, true, None)),
            ("DEL-STALE", row(s, false, t(300))),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let changes = [
            upsert("NEW", None),
            upsert("MOD", t(200)),
            upsert("MOVED", t(100)),
            upsert("LATE", t(100)),
            upsert("LATE-FETCHED", t(100)),
            upsert("REASSIGNED", t(100)),
            upsert("TAKEN", None),
            upsert("BACK", None),
            upsert("STALE", t(200)),
            removed("DEL", t(1)),
            removed("DEL-OTHER", None),
            removed("DEL-AGAIN", None),
            removed("DEL-MISSING", None),
            removed("DEL-STALE", t(299)),
        ];
        let plan = plan(s, &changes, &existing);
        let written: Vec<&str> = plan
            .upserts
            .iter()
            .map(|u| u.data.serial_number.as_str())
            .collect();
        assert_eq!(
            written,
            ["NEW", "MOD", "MOVED", "REASSIGNED", "TAKEN", "BACK"]
        );
        let removed: Vec<&str> = plan.removals.iter().map(|r| r.serial_number).collect();
        assert_eq!(removed, ["DEL"]);
        let want = PageCounts {
            added: 5,
            modified: 1,
            deleted: 1,
        };
        assert_eq!(plan.counts, want);
    }

    #[test]
    fn staleness_compares_the_known_dates() {
        let s = Uuid::new_v4();
        assert!(!is_stale(s, &row(s, false, t(5)), t(5)));
        assert!(is_stale(s, &row(s, false, t(5)), t(4)));
        assert!(!is_stale(s, &row(s, false, None), t(4)));
        assert!(!is_stale(s, &row(s, false, t(5)), None));
        // This server's fetched rows have no op to compare with; another server's do.
        assert!(!is_stale(s, &fetched_row(s, t(5)), t(4)));
        let other = Uuid::new_v4();
        assert!(is_stale(s, &fetched_row(other, t(5)), t(4)));
        assert!(!is_stale(s, &fetched_row(other, t(5)), t(5)));
        // The last op wins over the assignment date when both are known.
        let both = Existing {
            last_op_date: t(3),
            ..fetched_row(other, t(5))
        };
        assert!(!is_stale(s, &both, t(4)));
        assert!(is_stale(s, &row(other, true, t(5)), t(4)));
    }

    fn page<'a>(changes: &'a [DeviceChange], cursor: &'a str) -> PageCommit<'a> {
        PageCommit {
            abm_server_id: Uuid::nil(),
            run_id: Uuid::nil(),
            phase: crate::SyncPhase::Fetch,
            changes,
            cursor,
            fetch_generation: 1,
            now: OffsetDateTime::UNIX_EPOCH,
        }
    }

    fn invalid_field(r: Result<(), StoreError>) -> String {
        match r {
            Err(StoreError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn validation_names_the_field() {
        assert_eq!(invalid_field(validate(&page(&[], " "))), "cursor");
        let dup = [upsert("A", None), removed("A", None)];
        assert_eq!(invalid_field(validate(&page(&dup, "c"))), "changes");
        let blank = [removed("", None)];
        assert_eq!(invalid_field(validate(&page(&blank, "c"))), "serial_number");
        let mut data = AbmDeviceData::new("X");
        data.extra = serde_json::json!([1]);
        let bad = [DeviceChange::Upsert {
            data,
            op_type: None,
            op_date: None,
        }];
        assert_eq!(invalid_field(validate(&page(&bad, "c"))), "extra");
        assert!(validate(&page(&dup[..1], "c")).is_ok());
    }
}
