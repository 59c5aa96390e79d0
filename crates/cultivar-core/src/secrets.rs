//! The key that encrypts secrets at rest, and the [`Secrets`] service that uses it.
//!
//! Resolution order: the configured value, else the configured key file, else
//! `DATA_DIR/secret.key`, which is generated on first start. Generation writes a temporary file
//! and hard-links it into place, so two processes starting at once agree on one key and a reader
//! never sees a half-written file. The key is never logged.

use std::{
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
};

use cultivar_crypto::SecretKey;

/// File name of the generated key inside the data directory.
pub const SECRET_KEY_FILE_NAME: &str = "secret.key";

/// Why the secret key could not be resolved or a secret could not be sealed/opened.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("secret_key: not a valid key ({0})")]
    BadConfiguredKey(#[source] cultivar_crypto::CryptoError),
    #[error("secret_key_file {path}: not a valid key ({source})")]
    BadKeyFile {
        path: PathBuf,
        #[source]
        source: cultivar_crypto::CryptoError,
    },
    #[error("secret_key_file {path}: {action} failed ({source})")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("secret ({aad}): {source}")]
    Crypto {
        aad: String,
        #[source]
        source: cultivar_crypto::CryptoError,
    },
}

/// Where the key came from (for a log line that never contains the key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Configured,
    File(PathBuf),
    Generated(PathBuf),
}

/// Inputs of [`resolve_secret_key`], taken from the server configuration.
#[derive(Debug, Clone, Copy)]
pub struct KeySettings<'a> {
    /// Base64 key given directly (e.g. `CULTIVAR_SECRET_KEY`).
    pub value: Option<&'a str>,
    /// A file holding the base64 key; must exist.
    pub file: Option<&'a Path>,
    pub data_dir: &'a Path,
}

/// Finds or creates the key, warning about a key file readable by group or others.
pub fn resolve_secret_key(
    settings: KeySettings<'_>,
) -> Result<(SecretKey, KeySource), SecretsError> {
    if let Some(value) = settings.value {
        let key = SecretKey::from_base64(value.trim()).map_err(SecretsError::BadConfiguredKey)?;
        return Ok((key, KeySource::Configured));
    }
    if let Some(path) = settings.file {
        return Ok((read_key_file(path)?, KeySource::File(path.to_owned())));
    }
    let path = settings.data_dir.join(SECRET_KEY_FILE_NAME);
    match read_key_file(&path) {
        Ok(key) => Ok((key, KeySource::File(path))),
        Err(SecretsError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
            generate_key_file(&path)
        }
        Err(e) => Err(e),
    }
}

fn read_key_file(path: &Path) -> Result<SecretKey, SecretsError> {
    let text = fs::read_to_string(path).map_err(|source| SecretsError::Io {
        path: path.to_owned(),
        action: "reading",
        source,
    })?;
    warn_if_shared(path);
    SecretKey::from_base64(text.trim()).map_err(|source| SecretsError::BadKeyFile {
        path: path.to_owned(),
        source,
    })
}

fn warn_if_shared(path: &Path) {
    if let Some(mode) = shared_mode(path) {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{mode:o}"),
            "secret key file is readable by group or others; run chmod 600 on it"
        );
    }
}

/// The file's permission bits when group or others have any access to it.
#[cfg(unix)]
fn shared_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn shared_mode(_path: &Path) -> Option<u32> {
    None
}

/// Writes a fresh key to a private temporary file, then links it to `path`. If another process
/// won the race, its key is used instead.
fn generate_key_file(path: &Path) -> Result<(SecretKey, KeySource), SecretsError> {
    let io_err = |action: &'static str| {
        move |source| SecretsError::Io {
            path: path.to_owned(),
            action,
            source,
        }
    };
    let key = SecretKey::generate();
    let tmp = path.with_extension(format!("tmp-{}", cultivar_crypto::random_token(8)));
    let mut file = create_private(&tmp).map_err(io_err("creating"))?;
    let written = file
        .write_all(format!("{}\n", key.to_base64()).as_bytes())
        .and_then(|()| file.sync_all());
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    // The temporary name is removed whatever happened; a failure here only leaves litter.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "generated a new secret key (back it up: secrets stored in the database cannot be read without it)");
            Ok((key, KeySource::Generated(path.to_owned())))
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            Ok((read_key_file(path)?, KeySource::File(path.to_owned())))
        }
        Err(e) => Err(io_err("writing")(e)),
    }
}

fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Seals and opens secrets stored in the database.
///
/// `aad` binds a ciphertext to where it is stored (e.g. `abm_server:<id>:private_key`) so a
/// sealed value copied into another row does not open.
pub struct Secrets {
    key: SecretKey,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(<redacted>)")
    }
}

impl Secrets {
    pub fn new(key: SecretKey) -> Self {
        Secrets { key }
    }

    /// Resolves the key (see [`resolve_secret_key`]) and logs where it came from.
    pub fn load(settings: KeySettings<'_>) -> Result<Self, SecretsError> {
        let (key, source) = resolve_secret_key(settings)?;
        match &source {
            KeySource::Configured => tracing::info!("using the configured secret key"),
            KeySource::File(path) => {
                tracing::info!(path = %path.display(), "using secret key file")
            }
            // Generation already logged where the new key lives.
            KeySource::Generated(_) => {}
        }
        Ok(Secrets::new(key))
    }

    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> Result<Vec<u8>, SecretsError> {
        cultivar_crypto::seal(&self.key, plaintext, aad.as_bytes()).map_err(|source| {
            SecretsError::Crypto {
                aad: aad.to_owned(),
                source,
            }
        })
    }

    pub fn open(&self, aad: &str, sealed: &[u8]) -> Result<Vec<u8>, SecretsError> {
        cultivar_crypto::open(&self.key, sealed, aad.as_bytes()).map_err(|source| {
            SecretsError::Crypto {
                aad: aad.to_owned(),
                source,
            }
        })
    }
}

#[cfg(test)]
#[path = "secrets_tests.rs"]
mod tests;
