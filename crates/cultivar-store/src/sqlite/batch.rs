//! Group commit on the single SQLite writer: scripts that arrive while the writer is busy run
//! together in one transaction, each inside its own savepoint named `script` (which the script
//! opens and releases itself), and every caller hears back once that transaction has committed.
//!
//! Why: per commit SQLite appends every page the transaction changed to the WAL, and a busy
//! command channel changes the same few pages (the queue's index, the report history's tail)
//! in every request; committed together they are written once. A loop that always holds the
//! next scripts also keeps the writer from idling while a caller's task waits to be scheduled.

use sqlx::{
    sqlite::{SqliteConnection, SqliteRow},
    SqlitePool,
};
use tokio::sync::{mpsc, oneshot};

use super::row;
use crate::sql::{Query, SqlError};
use crate::StoreError;

/// Most scripts one transaction takes (a bound on the work one failed COMMIT can undo).
const MAX_BATCH: usize = 64;

type Answer = Result<Vec<SqliteRow>, SqlError>;

struct Job {
    script: Query,
    done: oneshot::Sender<Answer>,
}

/// The sending side; the loop ends when it is dropped.
pub(super) struct Batcher {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Batcher {
    /// Starts the loop (on the current Tokio runtime) for `writer`.
    pub(super) fn start(writer: SqlitePool) -> Self {
        let (jobs, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(writer, rx));
        Batcher { jobs }
    }

    /// Runs `script` in the next transaction; its rows once that transaction committed.
    pub(super) async fn run(&self, script: Query) -> Answer {
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { script, done })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> SqlError {
    SqlError::Other(StoreError::Backend(
        "sqlite: the writer loop stopped".into(),
    ))
}

async fn run(writer: SqlitePool, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        while jobs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        run_batch(&writer, jobs).await;
    }
}

/// One transaction for `jobs`: a script that fails is rolled back to its savepoint alone; a
/// failed COMMIT fails them all.
async fn run_batch(writer: &SqlitePool, jobs: Vec<Job>) {
    let mut conn = match writer.acquire().await {
        Ok(conn) => conn,
        Err(e) => return fail_all(jobs, &e),
    };
    if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE").await {
        return fail_all(jobs, &e);
    }
    let mut answers = Vec::with_capacity(jobs.len());
    for job in jobs {
        let answer = run_job(&mut conn, job.script).await;
        answers.push((job.done, answer));
    }
    match exec(&mut conn, "COMMIT").await {
        Ok(()) => {
            for (done, answer) in answers {
                let _ = done.send(answer);
            }
        }
        Err(e) => {
            let _ = exec(&mut conn, "ROLLBACK").await;
            let message = format!("sqlite: commit failed: {e}");
            for (done, _) in answers {
                let _ = done.send(Err(SqlError::Other(StoreError::Backend(message.clone()))));
            }
        }
    }
}

/// One script inside the batch's transaction.
async fn run_job(conn: &mut SqliteConnection, script: Query) -> Answer {
    match row::build(script).fetch_all(&mut *conn).await {
        Ok(rows) => Ok(rows),
        Err(e) => {
            // The script's own savepoint is still open: undo what it did and drop it.
            let _ = exec(conn, "ROLLBACK TO SAVEPOINT script").await;
            let _ = exec(conn, "RELEASE SAVEPOINT script").await;
            Err(SqlError::from(e))
        }
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), sqlx::Error> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

fn fail_all(jobs: Vec<Job>, e: &sqlx::Error) {
    let message = format!("sqlite: {e}");
    for job in jobs {
        let _ = job
            .done
            .send(Err(SqlError::Other(StoreError::Backend(message.clone()))));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sql::q;

    #[tokio::test]
    async fn a_failing_script_is_undone_alone_and_the_others_commit() {
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        let batcher = Batcher::start(pool.clone());
        let good = |sql: &'static str| batcher.run(q(sql));
        // Sent together, so they usually share one transaction; the outcome must not depend
        // on whether they do.
        let (one, bad, three) = tokio::join!(
            good("SAVEPOINT script; INSERT INTO t VALUES (1); RELEASE SAVEPOINT script"),
            good(
                "SAVEPOINT script; INSERT INTO t VALUES (2); INSERT INTO missing VALUES (1); \
                 RELEASE SAVEPOINT script"
            ),
            good(
                "SAVEPOINT script; INSERT INTO t VALUES (3) RETURNING x; RELEASE SAVEPOINT script"
            ),
        );
        assert!(one.is_ok() && bad.is_err());
        assert_eq!(three.map(|rows| rows.len()).ok(), Some(1));
        let kept: Vec<i64> = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(kept, [1, 3], "the failed script's first insert is undone");
    }
}
