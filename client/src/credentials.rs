//! Secrets on disk: Nimbus's users file (`nimbus.credentials.file`, YAML `user: secret`) and a
//! client's own secret (`storm.client.secret.file`, or `storm.client.secret` inline). A file
//! other users may read is refused, as ssh refuses a private key with loose permissions: a
//! secret others can read proves nothing. Secrets never appear in `Debug` output or errors.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use storm_codec::handshake::SharedSecret;

use crate::config::DaemonConfig;

/// Why secrets could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Users other than the owner may read the file.
    #[error("{path} is accessible by other users (mode {mode:04o}); refusing to use it: run chmod 600 {path}")]
    LoosePermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a YAML map of user names to secrets.
    #[error("{path} is not a YAML map of user names to secrets")]
    Malformed {
        /// The file.
        path: PathBuf,
    },
    /// The configuration names a user but no secret, or a secret but no user.
    #[error("{0}")]
    Incomplete(String),
}

/// Reads `path` after checking that only its owner may read it.
fn read_private(path: &Path) -> Result<String, CredentialsError> {
    let read_err = |source| CredentialsError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(CredentialsError::LoosePermissions {
                path: path.to_owned(),
                mode,
            });
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    std::fs::read_to_string(path).map_err(read_err)
}

/// Nimbus's users and their secrets.
#[derive(Clone, Default)]
pub struct UserSecrets(BTreeMap<String, SharedSecret>);

impl fmt::Debug for UserSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl UserSecrets {
    /// Reads a credentials file (YAML `user: secret`), refusing one others may read.
    pub fn load(path: &Path) -> Result<Self, CredentialsError> {
        let text = read_private(path)?;
        let malformed = || CredentialsError::Malformed {
            path: path.to_owned(),
        };
        let map: BTreeMap<String, String> = yaml_serde::from_str(&text).map_err(|_| malformed())?;
        Ok(Self(
            map.into_iter()
                .map(|(user, secret)| (user, SharedSecret::new(secret.into_bytes())))
                .collect(),
        ))
    }

    /// The users and secrets given (tests).
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(u, s)| (u.to_owned(), SharedSecret::new(s.as_bytes().to_vec())))
                .collect(),
        )
    }

    /// The secret of `user`, if it is known.
    pub fn secret(&self, user: &str) -> Option<&SharedSecret> {
        self.0.get(user)
    }

    /// How many users there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The user a client authenticates to Nimbus as, with its secret.
#[derive(Debug, Clone)]
pub struct ClientCredentials {
    /// The user.
    pub user: String,
    /// The secret.
    pub secret: SharedSecret,
}

impl ClientCredentials {
    /// The credentials `storm.client.user` and `storm.client.secret.file` (or
    /// `storm.client.secret`) name; `None` when no user is configured.
    pub fn from_config(config: &DaemonConfig) -> Result<Option<Self>, CredentialsError> {
        let security = &config.security;
        let Some(user) = security.client_user.clone() else {
            if security.client_secret_file.is_some() || security.client_secret.is_some() {
                return Err(CredentialsError::Incomplete(
                    "a client secret is configured but no storm.client.user".into(),
                ));
            }
            return Ok(None);
        };
        let secret = match (&security.client_secret_file, &security.client_secret) {
            (Some(path), _) => read_private(path)?.trim().to_owned(),
            (None, Some(inline)) => inline.0.clone(),
            (None, None) => {
                return Err(CredentialsError::Incomplete(format!(
                    "storm.client.user is {user} but neither storm.client.secret.file nor \
                     storm.client.secret is set"
                )))
            }
        };
        Ok(Some(Self {
            user,
            secret: SharedSecret::new(secret.into_bytes()),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str, mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        path
    }

    #[test]
    #[cfg(unix)]
    fn a_file_others_may_read_is_refused_like_ssh_does() {
        let dir = tempfile::tempdir().expect("dir");
        for mode in [0o644, 0o640, 0o604, 0o660] {
            let path = write(dir.path(), "users.yaml", "alice: pw-alice\n", mode);
            let e = UserSecrets::load(&path).expect_err("loose file");
            assert!(
                matches!(e, CredentialsError::LoosePermissions { .. }),
                "{e}"
            );
            assert!(e.to_string().contains("chmod 600"), "{e}");
            assert!(!e.to_string().contains("pw-alice"), "{e}");
        }
        let path = write(
            dir.path(),
            "users.yaml",
            "alice: pw-alice\nbob: pw-bob\n",
            0o600,
        );
        let users = UserSecrets::load(&path).expect("private file");
        assert_eq!(users.len(), 2);
        assert!(users.secret("alice").is_some());
        assert!(users.secret("carol").is_none());
        assert!(!format!("{users:?}").contains("pw-"));
    }

    #[test]
    #[cfg(unix)]
    fn a_client_secret_file_is_checked_too() {
        let dir = tempfile::tempdir().expect("dir");
        let loose = write(dir.path(), "secret", "pw-alice\n", 0o644);
        let yaml = format!(
            "storm.client.user: alice\nstorm.client.secret.file: {}\n",
            loose.display()
        );
        let config = DaemonConfig::from_yaml(&yaml).expect("config");
        let e = ClientCredentials::from_config(&config).expect_err("loose");
        assert!(
            matches!(e, CredentialsError::LoosePermissions { .. }),
            "{e}"
        );
        std::fs::remove_file(&loose).expect("rm");
        write(dir.path(), "secret", "pw-alice\n", 0o400);
        let creds = ClientCredentials::from_config(&config)
            .expect("private")
            .expect("configured");
        assert_eq!(creds.user, "alice");
    }

    #[test]
    fn no_user_means_no_credentials_and_half_a_setting_is_an_error() {
        let none = DaemonConfig::from_yaml("").expect("config");
        assert!(ClientCredentials::from_config(&none).expect("ok").is_none());
        let half = DaemonConfig::from_yaml("storm.client.user: alice\n").expect("config");
        assert!(ClientCredentials::from_config(&half).is_err());
    }
}
