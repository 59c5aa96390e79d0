//! `cultivar serve` on a fresh SQLite data dir with an API key made offline, and the store
//! opened beside it (tests put device-side state there that no API creates).

use std::sync::Arc;

use cultivar_store::{MdmPushActive, Store};
use time::{Duration, OffsetDateTime};
use tokio::process::Child;

use super::{dir_arg, run, serve, Run};

/// The push topic of [`Served::install_test_push_cert`].
pub const TEST_TOPIC: &str = "com.apple.mgmt.External.11111111-2222-3333-4444-555555555555";

pub struct Served {
    /// Holds the data dir (`dir/data`); tests may write their files beside it.
    pub dir: tempfile::TempDir,
    pub url: String,
    pub key: String,
    pub store: Arc<dyn Store>,
    _server: Child,
}

impl Served {
    /// Makes an API key named `key_name` offline, then starts `serve` on that data dir.
    pub async fn start(key_name: &str) -> Served {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let data_arg = dir_arg(&data);
        let args = [
            "admin",
            "create-api-key",
            "--data-dir",
            &data_arg,
            "--name",
            key_name,
        ];
        let key = run(&args, "").await;
        assert!(key.ok, "{}", key.stderr);
        let (server, url) = serve(&data_arg).await;
        let store = cultivar_store::open(&cultivar_store::sqlite_url_for_data_dir(&data))
            .await
            .unwrap();
        Served {
            dir,
            url,
            key: key.stdout.trim().to_owned(),
            store,
            _server: server,
        }
    }

    /// Runs the CLI against this server with its API key.
    pub async fn cli(&self, args: &[&str]) -> Run {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--url", &self.url, "--api-key", &self.key]);
        run(&all, "").await
    }

    /// Stores a push certificate record (enrollment profiles need its topic); its key is not
    /// a real one, so nothing can be pushed with it.
    pub async fn install_test_push_cert(&self) {
        let now = OffsetDateTime::now_utc();
        let active = MdmPushActive {
            topic: TEST_TOPIC.into(),
            certificate_pem: "-----BEGIN CERTIFICATE-----\ntest\n".into(),
            private_key_sealed: vec![1],
            not_before: now - Duration::days(1),
            not_after: now + Duration::days(300),
            uploaded_at: now,
        };
        self.store
            .install_mdm_push_cert(&active, None)
            .await
            .unwrap();
    }
}
