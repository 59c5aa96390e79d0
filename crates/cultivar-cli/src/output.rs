//! How commands print: one JSON document under `--json`, plain text or a table otherwise, and
//! errors as one line (`{"error": "…"}` under `--json`) with a non-zero exit code.

use std::{io::Write, process::ExitCode};

use serde::Serialize;

/// The output mode chosen by `--json`.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
    /// Prints nothing: a step whose result is folded into a caller's one document.
    quiet: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Output { json, quiet: false }
    }

    /// An output that prints nothing (errors still reach the caller as `Err`).
    pub fn quiet() -> Self {
        Output {
            json: true,
            quiet: true,
        }
    }

    /// Whether `--json` was given.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Prints the command's result: `value` as JSON, or the text from `text`.
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let rendered = if self.json {
            serde_json::to_string_pretty(value)?
        } else {
            text()
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{}", rendered.trim_end_matches('\n'))?;
        stdout.flush()?;
        Ok(())
    }

    /// Reports a failure and returns the exit code to use.
    pub fn fail(&self, err: &anyhow::Error) -> ExitCode {
        let message = one_line(err);
        if self.json && err.downcast_ref::<Reported>().is_some() {
            // The command's one document (which tells the failure) is already out.
            return ExitCode::FAILURE;
        }
        if self.json {
            // Under --json the error is the one document on stdout, where scripts read.
            println!("{}", serde_json::json!({ "error": message }));
        } else {
            eprintln!("error: {message}");
        }
        ExitCode::FAILURE
    }
}

/// A failure the command has already printed its result for (e.g. the summary of a failed
/// sync run): the exit code is non-zero, and under `--json` nothing more is printed.
#[derive(Debug)]
pub struct Reported(pub String);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Reported {}

/// The error and its causes as one line: `outer: inner: root`.
pub fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace(['\n', '\r'], " ")
}

/// A left-aligned text table with a header row, for listings in text mode.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(headers.to_vec())];
    out.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let rows = vec![
            vec!["ci".to_owned(), "admin".to_owned()],
            vec!["deploy-bot".to_owned(), "read-only".to_owned()],
        ];
        assert_eq!(
            table(&["NAME", "ROLE"], &rows),
            "NAME        ROLE\nci          admin\ndeploy-bot  read-only"
        );
    }

    #[test]
    fn errors_become_one_line_with_causes() {
        let err = anyhow::anyhow!("root\ncause").context("creating the key");
        assert_eq!(one_line(&err), "creating the key: root cause");
    }
}
