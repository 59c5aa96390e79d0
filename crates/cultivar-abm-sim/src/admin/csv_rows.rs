//! Serial lists uploaded as CSV, as in ABM's "assign by CSV": one serial a row (first column),
//! an optional header row, blank rows ignored. Rows that are not serials are reported, not fatal.

use super::types::RowError;
use crate::ids::is_serial_shape;

/// The first column of a CSV line, unquoted and trimmed.
fn first_column(line: &str) -> String {
    let cell = line.split(',').next().unwrap_or_default().trim();
    cell.trim_matches('"').trim().to_string()
}

/// Good rows as `(row, serial)` (1-based line numbers, serials upper-cased) and the malformed ones.
///
/// Read line by line rather than with the `csv` crate: a one-column serial list needs no quoting
/// rules beyond stripping quotes, and reported rows must be the file's line numbers, which the
/// crate obscures by skipping blank lines.
pub(super) fn parse(text: &str) -> (Vec<(usize, String)>, Vec<RowError>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    let mut seen_data = false;
    for (i, line) in text.lines().enumerate() {
        let row = i + 1;
        let value = first_column(line.trim_start_matches('\u{feff}'));
        if value.is_empty() {
            continue;
        }
        let first = !seen_data;
        seen_data = true;
        if first && value.to_ascii_lowercase().starts_with("serial") {
            continue;
        }
        let serial = value.to_ascii_uppercase();
        if is_serial_shape(&serial) {
            good.push((row, serial));
        } else {
            bad.push(RowError {
                row: Some(row),
                value,
                error: "not a serial number (8 to 14 letters and digits)".into(),
            });
        }
    }
    (good, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_blank_and_bad_rows() {
        let text =
            "\u{feff}Serial Number,Note\n\"c02abc123def\",first\n\nNOT A SERIAL\nF9FXQ1ABCD12\n";
        let (good, bad) = parse(text);
        assert_eq!(
            good,
            vec![
                (2, "C02ABC123DEF".to_string()),
                (5, "F9FXQ1ABCD12".to_string())
            ]
        );
        assert_eq!(bad.len(), 1);
        assert_eq!(
            (bad[0].row, bad[0].value.as_str()),
            (Some(4), "NOT A SERIAL")
        );
    }

    #[test]
    fn header_is_optional() {
        let (good, bad) = parse("C02ABC123DEF\r\nC02ABC123DEG");
        assert_eq!(good.len(), 2);
        assert!(bad.is_empty());
    }
}
