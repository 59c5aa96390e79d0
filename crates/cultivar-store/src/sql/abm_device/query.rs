//! Device listings: every filter is a `($n IS NULL OR …)` term, so one static statement
//! serves every combination.

use super::abm_device;
use crate::{
    sql::{count, q, Query, SqlStore},
    AbmDevice, AbmDeviceQuery, StoreError,
};

/// The filter terms `$1`..`$6`, a macro so `concat!` can splice them into static text.
macro_rules! filters {
    () => {
        "($1 IS NULL OR abm_server_id = $1) AND ($2 IS NULL OR os = $2) \
         AND ($3 IS NULL OR device_family = $3) AND ($4 IS NULL OR profile_status = $4) \
         AND ($5 IS NULL OR ($5 = 1) = (removed_at IS NOT NULL)) \
         AND ($6 IS NULL OR upper(serial_number) LIKE $6 ESCAPE '\\')"
    };
}

/// Binds `$1`..`$6` of `filters!`.
fn bind_filters(query: Query, f: &AbmDeviceQuery) -> Query {
    query
        .bind(f.abm_server_id)
        .bind(f.os.as_deref())
        .bind(f.device_family.as_deref())
        .bind(f.profile_status.as_deref())
        .bind(f.removed.map(i64::from))
        .bind(f.serial_contains.as_deref().map(contains_pattern))
}

/// A case-insensitive LIKE pattern matching `needle` anywhere, its wildcards escaped.
/// ASCII-only case folding, as SQLite's `upper()` does, so both backends match alike.
fn contains_pattern(needle: &str) -> String {
    let mut pattern = String::with_capacity(needle.len() + 2);
    pattern.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c.to_ascii_uppercase());
    }
    pattern.push('%');
    pattern
}

impl SqlStore {
    pub(super) async fn list_devices(
        &self,
        f: &AbmDeviceQuery,
    ) -> Result<Vec<AbmDevice>, StoreError> {
        let query = q(concat!(
            "SELECT * FROM abm_devices WHERE ",
            filters!(),
            " AND ($7 IS NULL OR serial_number > $7) ORDER BY serial_number LIMIT $8"
        ));
        let query = bind_filters(query, f)
            .bind(f.after_serial.as_deref())
            .bind(i64::from(f.limit));
        let rows = self.db.fetch_all(query).await?;
        rows.iter().map(|row| abm_device(row.as_ref())).collect()
    }

    pub(super) async fn count_devices(&self, f: &AbmDeviceQuery) -> Result<u64, StoreError> {
        let query = q(concat!(
            "SELECT COUNT(*) AS n FROM abm_devices WHERE ",
            filters!()
        ));
        let row = self
            .db
            .fetch_optional(bind_filters(query, f))
            .await?
            .ok_or_else(|| StoreError::Backend("abm_devices: COUNT returned no row".into()))?;
        count(row.as_ref(), "n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_pattern_escapes_wildcards_and_folds_ascii_case() {
        assert_eq!(contains_pattern("c02x"), "%C02X%");
        assert_eq!(contains_pattern("a%b_c\\"), "%A\\%B\\_C\\\\%");
    }
}
