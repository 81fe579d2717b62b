//! `ArtifactStore`: Nimbus's files under `storm.local.dir/nimbus` (Storm's inbox and
//! `LocalFsBlobStore`).
//!
//! * `inbox/<location>.part`: an upload in progress, hashed as it arrives;
//! * `inbox/<location>.bin`: an upload whose SHA-256 matched what the client announced;
//! * `stormdist/<topology-id>/storm.bin` and `dist.json`: a submitted topology's artifact and
//!   its [`TopologyDist`] (config, topology, program arguments, size and checksum).
//!
//! An upload that is too large, incomplete or whose checksum does not match is deleted at
//! once: nothing of it is kept.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use storm_client::protocol::{hex, RemoteError, TopologyDist};

const ARTIFACT_FILE: &str = "storm.bin";
const DIST_FILE: &str = "dist.json";

/// A file operation failed.
#[derive(Debug, thiserror::Error)]
#[error("{what} {path}: {source}")]
pub struct StoreError {
    /// What was being done.
    pub what: &'static str,
    /// The file.
    pub path: PathBuf,
    /// The error.
    #[source]
    pub source: std::io::Error,
}

impl From<StoreError> for RemoteError {
    fn from(e: StoreError) -> Self {
        RemoteError::Unavailable {
            reason: e.to_string(),
        }
    }
}

fn io<T>(what: &'static str, path: &Path, r: std::io::Result<T>) -> Result<T, StoreError> {
    r.map_err(|source| StoreError {
        what,
        path: path.to_owned(),
        source,
    })
}

struct Upload {
    file: File,
    path: PathBuf,
    hasher: Sha256,
    declared: u64,
    received: u64,
    touched: Instant,
}

/// A verified upload waiting for its submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedUpload {
    /// Its file in the inbox.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its hex SHA-256.
    pub sha256: String,
    finished: Instant,
}

/// The inbox and the submitted topologies' files.
pub struct ArtifactStore {
    root: PathBuf,
    max_bytes: u64,
    expiration: Duration,
    uploads: BTreeMap<String, Upload>,
    finished: BTreeMap<String, FinishedUpload>,
    next: u64,
}

impl std::fmt::Debug for ArtifactStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArtifactStore")
            .field("root", &self.root)
            .field("uploads", &self.uploads.len())
            .field("finished", &self.finished.len())
            .finish()
    }
}

impl ArtifactStore {
    /// A store under `root` (created if missing). Leftovers in the inbox from an earlier run
    /// are deleted: their clients are gone.
    pub fn open(root: &Path, max_bytes: u64, expiration: Duration) -> Result<Self, StoreError> {
        let inbox = root.join("inbox");
        if inbox.exists() {
            io("clearing", &inbox, fs::remove_dir_all(&inbox))?;
        }
        io("creating", &inbox, fs::create_dir_all(&inbox))?;
        let dist = root.join("stormdist");
        io("creating", &dist, fs::create_dir_all(&dist))?;
        Ok(Self {
            root: root.to_owned(),
            max_bytes,
            expiration,
            uploads: BTreeMap::new(),
            finished: BTreeMap::new(),
            next: 0,
        })
    }

    /// The inbox directory.
    pub fn inbox(&self) -> PathBuf {
        self.root.join("inbox")
    }

    fn dist_dir(&self, topology_id: &str) -> PathBuf {
        self.root.join("stormdist").join(topology_id)
    }

    /// Starts an upload of `size` bytes.
    pub fn begin(&mut self, size: u64, now: Instant) -> Result<String, RemoteError> {
        if size > self.max_bytes {
            return Err(RemoteError::ArtifactTooLarge {
                size,
                max: self.max_bytes,
            });
        }
        self.next += 1;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let location = format!("upload-{}-{nanos:09}", self.next);
        let path = self.inbox().join(format!("{location}.part"));
        let file = io("creating", &path, File::create(&path))?;
        self.uploads.insert(
            location.clone(),
            Upload {
                file,
                path,
                hasher: Sha256::new(),
                declared: size,
                received: 0,
                touched: now,
            },
        );
        Ok(location)
    }

    /// Appends a chunk to an upload.
    pub fn chunk(&mut self, location: &str, data: &[u8], now: Instant) -> Result<(), RemoteError> {
        let upload = self
            .uploads
            .get_mut(location)
            .ok_or_else(|| RemoteError::UnknownUpload {
                location: location.to_owned(),
            })?;
        let received = upload.received + data.len() as u64;
        if received > upload.declared {
            let declared = upload.declared;
            self.discard(location);
            return Err(if received > self.max_bytes {
                RemoteError::ArtifactTooLarge {
                    size: received,
                    max: self.max_bytes,
                }
            } else {
                RemoteError::BadRequest {
                    reason: format!(
                        "upload {location} received {received} bytes, more than the {declared} announced; nothing was stored"
                    ),
                }
            });
        }
        if let Err(e) = io("writing", &upload.path, upload.file.write_all(data)) {
            self.discard(location);
            return Err(e.into());
        }
        upload.hasher.update(data);
        upload.received = received;
        upload.touched = now;
        Ok(())
    }

    /// Ends an upload: keeps it if it is complete and its SHA-256 is `sha256`, deletes it
    /// otherwise.
    pub fn finish(
        &mut self,
        location: &str,
        sha256: &str,
        now: Instant,
    ) -> Result<(), RemoteError> {
        let upload = self
            .uploads
            .remove(location)
            .ok_or_else(|| RemoteError::UnknownUpload {
                location: location.to_owned(),
            })?;
        let Upload {
            mut file,
            path,
            hasher,
            declared,
            received,
            ..
        } = upload;
        let actual = hex(&hasher.finalize());
        let refusal = if received != declared {
            Some(RemoteError::BadRequest {
                reason: format!(
                    "upload {location} ended after {received} of the {declared} bytes announced; nothing was stored"
                ),
            })
        } else if !actual.eq_ignore_ascii_case(sha256) {
            Some(RemoteError::ChecksumMismatch {
                expected: sha256.to_owned(),
                actual: actual.clone(),
            })
        } else {
            None
        };
        let flushed = io("writing", &path, file.flush().and_then(|_| file.sync_all()));
        drop(file);
        if let Some(e) = refusal {
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        if let Err(e) = flushed {
            let _ = fs::remove_file(&path);
            return Err(e.into());
        }
        let done = path.with_extension("bin");
        if let Err(e) = io("renaming", &path, fs::rename(&path, &done)) {
            let _ = fs::remove_file(&path);
            return Err(e.into());
        }
        self.finished.insert(
            location.to_owned(),
            FinishedUpload {
                path: done,
                size: received,
                sha256: actual,
                finished: now,
            },
        );
        Ok(())
    }

    /// A verified upload, if `location` names one.
    pub fn finished(&self, location: &str) -> Option<&FinishedUpload> {
        self.finished.get(location)
    }

    /// Moves a verified upload into a topology's directory with its [`TopologyDist`].
    pub fn install(&mut self, location: &str, dist: &TopologyDist) -> Result<(), RemoteError> {
        let upload = self
            .finished
            .remove(location)
            .ok_or_else(|| RemoteError::UnknownUpload {
                location: location.to_owned(),
            })?;
        Ok(self.install_file(&upload.path, dist)?)
    }

    /// Where a copy of a topology's artifact is downloaded before [`Self::install_file`].
    pub fn replica_path(&self, topology_id: &str) -> PathBuf {
        self.inbox().join(format!("replica-{topology_id}.part"))
    }

    /// Whether a topology's files are complete here (`dist.json` is written last).
    pub fn holds(&self, topology_id: &str) -> bool {
        self.dist_dir(topology_id).join(DIST_FILE).is_file()
    }

    /// Moves a verified artifact file (an upload, or a copy from the leader) into a topology's
    /// directory with its [`TopologyDist`]; on failure neither is left behind.
    pub fn install_file(&mut self, file: &Path, dist: &TopologyDist) -> Result<(), StoreError> {
        let upload_path = file.to_owned();
        let dir = self.dist_dir(&dist.topology_id);
        let result = (|| {
            io("creating", &dir, fs::create_dir_all(&dir))?;
            let artifact = dir.join(ARTIFACT_FILE);
            io("moving", &upload_path, fs::rename(&upload_path, &artifact))?;
            let json = serde_json::to_vec_pretty(dist).map_err(|e| StoreError {
                what: "encoding",
                path: dir.join(DIST_FILE),
                source: std::io::Error::other(e),
            })?;
            let tmp = dir.join("dist.json.tmp");
            io("writing", &tmp, fs::write(&tmp, json))?;
            io("renaming", &tmp, fs::rename(&tmp, dir.join(DIST_FILE)))
        })();
        if let Err(e) = result {
            let _ = fs::remove_file(&upload_path);
            let _ = fs::remove_dir_all(&dir);
            return Err(e);
        }
        Ok(())
    }

    /// A topology's [`TopologyDist`], if it was installed here.
    pub fn dist(&self, topology_id: &str) -> Result<Option<TopologyDist>, StoreError> {
        let path = self.dist_dir(topology_id).join(DIST_FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| StoreError {
                    what: "decoding",
                    path,
                    source: std::io::Error::other(e),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError {
                what: "reading",
                path,
                source: e,
            }),
        }
    }

    /// Up to `max_len` bytes of a topology's artifact from `offset`; empty at the end.
    pub fn read_chunk(
        &self,
        topology_id: &str,
        offset: u64,
        max_len: usize,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.dist_dir(topology_id).join(ARTIFACT_FILE);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StoreError {
                    what: "opening",
                    path,
                    source,
                })
            }
        };
        io("seeking", &path, file.seek(SeekFrom::Start(offset)))?;
        let mut data = Vec::with_capacity(max_len.min(1 << 20));
        io(
            "reading",
            &path,
            file.take(max_len as u64).read_to_end(&mut data),
        )?;
        Ok(Some(data))
    }

    /// The topologies with files here.
    pub fn topology_ids(&self) -> Vec<String> {
        let Ok(entries) = fs::read_dir(self.root.join("stormdist")) else {
            return Vec::new();
        };
        let mut ids: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        ids.sort();
        ids
    }

    /// Deletes a topology's files.
    pub fn remove(&mut self, topology_id: &str) {
        let dir = self.dist_dir(topology_id);
        if let Err(e) = fs::remove_dir_all(&dir) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(dir = %dir.display(), error = %e, "could not delete a topology's files");
            }
        }
    }

    /// Drops uploads idle, and verified uploads unsubmitted, for longer than
    /// `nimbus.file.copy.expiration.secs`.
    pub fn expire(&mut self, now: Instant) {
        let expiration = self.expiration;
        let stale: Vec<String> = self
            .uploads
            .iter()
            .filter(|(_, u)| now.saturating_duration_since(u.touched) >= expiration)
            .map(|(l, _)| l.clone())
            .collect();
        for location in stale {
            tracing::info!(%location, "dropping an idle upload");
            self.discard(&location);
        }
        let stale: Vec<String> = self
            .finished
            .iter()
            .filter(|(_, u)| now.saturating_duration_since(u.finished) >= expiration)
            .map(|(l, _)| l.clone())
            .collect();
        for location in stale {
            if let Some(u) = self.finished.remove(&location) {
                let _ = fs::remove_file(&u.path);
            }
        }
    }

    fn discard(&mut self, location: &str) {
        if let Some(u) = self.uploads.remove(location) {
            drop(u.file);
            let _ = fs::remove_file(&u.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(data: &[u8]) -> String {
        hex(&Sha256::digest(data))
    }

    fn inbox_files(store: &ArtifactStore) -> usize {
        fs::read_dir(store.inbox()).expect("inbox").count()
    }

    fn dist(id: &str, data: &[u8]) -> TopologyDist {
        TopologyDist {
            topology_id: id.into(),
            name: "t".into(),
            config_json: "{}".into(),
            topology_json: "{}".into(),
            args: vec!["--x".into()],
            artifact_size: data.len() as u64,
            artifact_sha256: sha(data),
        }
    }

    #[test]
    fn a_verified_upload_is_installed_and_served_in_chunks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store =
            ArtifactStore::open(dir.path(), 1000, Duration::from_secs(60)).expect("open");
        let now = Instant::now();
        let data: Vec<u8> = (0..=255).collect();
        let loc = store.begin(256, now).expect("begin");
        store.chunk(&loc, &data[..100], now).expect("chunk");
        store.chunk(&loc, &data[100..], now).expect("chunk");
        store.finish(&loc, &sha(&data), now).expect("verified");
        assert_eq!(store.finished(&loc).map(|f| f.size), Some(256));
        store.install(&loc, &dist("t-1-1", &data)).expect("install");
        assert_eq!(inbox_files(&store), 0);
        assert_eq!(
            store.dist("t-1-1").expect("read"),
            Some(dist("t-1-1", &data))
        );
        let mut all = Vec::new();
        loop {
            let chunk = store
                .read_chunk("t-1-1", all.len() as u64, 100)
                .expect("read")
                .expect("exists");
            if chunk.is_empty() {
                break;
            }
            all.extend(chunk);
        }
        assert_eq!(all, data);
        assert_eq!(store.topology_ids(), vec!["t-1-1"]);
        store.remove("t-1-1");
        assert_eq!(store.dist("t-1-1").expect("read"), None);
        assert_eq!(store.read_chunk("t-1-1", 0, 10).expect("read"), None);
    }

    #[test]
    fn a_corrupted_upload_is_refused_and_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store =
            ArtifactStore::open(dir.path(), 1000, Duration::from_secs(60)).expect("open");
        let now = Instant::now();
        let loc = store.begin(4, now).expect("begin");
        store.chunk(&loc, b"abcd", now).expect("chunk");
        let err = store
            .finish(&loc, &sha(b"abce"), now)
            .expect_err("mismatch");
        assert!(
            matches!(err, RemoteError::ChecksumMismatch { ref actual, .. } if *actual == sha(b"abcd"))
        );
        assert_eq!(inbox_files(&store), 0, "nothing stored");
        assert!(store.finished(&loc).is_none());
        assert!(matches!(
            store.chunk(&loc, b"x", now),
            Err(RemoteError::UnknownUpload { .. })
        ));
    }

    #[test]
    fn too_large_or_short_uploads_are_refused_and_deleted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = ArtifactStore::open(dir.path(), 10, Duration::from_secs(60)).expect("open");
        let now = Instant::now();
        assert_eq!(
            store.begin(11, now),
            Err(RemoteError::ArtifactTooLarge { size: 11, max: 10 })
        );
        let loc = store.begin(10, now).expect("begin");
        assert_eq!(
            store.chunk(&loc, &[0; 11], now),
            Err(RemoteError::ArtifactTooLarge { size: 11, max: 10 })
        );
        assert_eq!(inbox_files(&store), 0);
        let loc = store.begin(5, now).expect("begin");
        store.chunk(&loc, b"abc", now).expect("chunk");
        assert!(matches!(
            store.finish(&loc, &sha(b"abc"), now),
            Err(RemoteError::BadRequest { .. })
        ));
        assert_eq!(inbox_files(&store), 0);
    }

    #[test]
    fn idle_uploads_expire() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store =
            ArtifactStore::open(dir.path(), 100, Duration::from_secs(60)).expect("open");
        let t0 = Instant::now();
        let idle = store.begin(3, t0).expect("begin");
        let done = store.begin(1, t0).expect("begin");
        store.chunk(&done, b"x", t0).expect("chunk");
        store.finish(&done, &sha(b"x"), t0).expect("finish");
        store.expire(t0 + Duration::from_secs(59));
        assert_eq!(inbox_files(&store), 2);
        store.expire(t0 + Duration::from_secs(60));
        assert_eq!(inbox_files(&store), 0);
        assert!(matches!(
            store.chunk(&idle, b"x", t0),
            Err(RemoteError::UnknownUpload { .. })
        ));
        assert!(store.finished(&done).is_none());
    }
}
