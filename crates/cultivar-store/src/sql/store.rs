use async_trait::async_trait;

use super::Db;
use crate::{Backend, Store, StoreError};

/// The one [`Store`] implementation; all capability traits are implemented on it in the
/// sibling modules, against whichever backend [`Db`] it wraps.
pub(crate) struct SqlStore {
    pub(crate) db: Box<dyn Db>,
}

impl SqlStore {
    pub(crate) fn new(db: Box<dyn Db>) -> Self {
        Self { db }
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.db.backend()
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }

    async fn close(&self) {
        self.db.close().await;
    }
}

#[cfg(test)]
mod tests {
    //! The rollback guarantee `install_abm_token` relies on, checked on the raw [`super::Tx`]
    //! layer because no public method can fail after a partial write.
    use super::*;
    use crate::{AbmServerStore, NewAbmServer};

    async fn tx_rolls_back_unless_committed(store: &SqlStore) {
        let new = NewAbmServer {
            name: format!("tx-{}", uuid::Uuid::new_v4().simple()),
            base_url: "https://example.invalid".into(),
            private_key_enc: vec![1],
            certificate_pem: "cert".into(),
            status: "new".into(),
        };
        let server = store.insert_abm_server(&new).await.expect("insert");
        let rename = |name: &'static str| {
            crate::sql::q("UPDATE abm_servers SET status = $2 WHERE id = $1")
                .bind(server.id)
                .bind(name)
        };
        let status = || async {
            let row = store.abm_server(server.id).await.expect("read");
            row.expect("row").status
        };

        let mut tx = store.db.begin().await.expect("begin");
        assert_eq!(tx.execute(rename("dropped")).await.expect("update"), 1);
        drop(tx);
        assert_eq!(
            status().await,
            "new",
            "a dropped transaction must roll back"
        );

        let mut tx = store.db.begin().await.expect("begin");
        tx.execute(rename("committed")).await.expect("update");
        tx.commit().await.expect("commit");
        assert_eq!(
            status().await,
            "committed",
            "a committed transaction must persist"
        );
    }

    #[tokio::test]
    async fn sqlite_transactions_roll_back_unless_committed() {
        let store = crate::sqlite::open(":memory:").await.expect("open");
        tx_rolls_back_unless_committed(&store).await;
    }

    #[tokio::test]
    async fn postgres_transactions_roll_back_unless_committed() {
        let Some(db) = crate::testing::postgres_test_database().await else {
            return;
        };
        let store = crate::postgres::open(&db.url).await.expect("open");
        tx_rolls_back_unless_committed(&store).await;
        store.close().await;
        db.cleanup().await;
    }
}
