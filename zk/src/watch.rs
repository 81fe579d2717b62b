//! Change notifications: which node under a watched directory changed, or "re-read everything".
//!
//! Backends publish raw [`StorageEvent`]s on a broadcast channel; a [`ChangeWatch`] filters them
//! for one directory and names the child that changed. Whenever a backend may have missed events
//! (a reconnect, a new session, a slow receiver) it says [`Change::Resync`], so a consumer that
//! re-reads on `Resync` never misses a change.

use tokio::sync::broadcast;

use crate::error::{Error, Result};
use crate::paths;

/// How many raw events a slow receiver may fall behind before it is told to resync.
pub(crate) const EVENT_BUFFER: usize = 1024;

/// A directory whose children can be watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WatchedDir {
    /// `/supervisors`: supervisors coming and going, and their heartbeats.
    Supervisors,
    /// `/assignments`: assignments made, changed or removed.
    Assignments,
    /// `/storms`: topologies submitted, changing status, or removed.
    Storms,
}

impl WatchedDir {
    /// Every watched directory.
    pub const ALL: [WatchedDir; 3] = [
        WatchedDir::Supervisors,
        WatchedDir::Assignments,
        WatchedDir::Storms,
    ];

    /// The directory's path.
    pub fn path(self) -> &'static str {
        match self {
            WatchedDir::Supervisors => paths::SUPERVISORS,
            WatchedDir::Assignments => paths::ASSIGNMENTS,
            WatchedDir::Storms => paths::STORMS,
        }
    }
}

/// What happened to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// It was created.
    Created,
    /// Its data was written.
    Updated,
    /// It was deleted.
    Deleted,
}

/// A raw event from a backend, with a full path (relative to the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageEvent {
    /// A node changed.
    Node {
        /// What happened.
        kind: ChangeKind,
        /// The node.
        path: String,
    },
    /// Events may have been missed: re-read.
    Resync,
}

/// A change to one child of a watched directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The child with this name appeared.
    Created(String),
    /// The child with this name was rewritten.
    Updated(String),
    /// The child with this name went away.
    Deleted(String),
    /// Changes may have been missed (reconnect, new session, or this receiver fell behind):
    /// re-read the whole directory.
    Resync,
}

impl Change {
    /// The child's name (a topology or supervisor id), unless this is a resync.
    pub fn key(&self) -> Option<&str> {
        match self {
            Change::Created(k) | Change::Updated(k) | Change::Deleted(k) => Some(k),
            Change::Resync => None,
        }
    }
}

/// A stream of changes under one directory. It stays armed for as long as it lives: backends
/// re-arm their watches after every fire, reconnect and session expiry.
#[derive(Debug)]
pub struct ChangeWatch {
    dir: WatchedDir,
    rx: broadcast::Receiver<StorageEvent>,
}

impl ChangeWatch {
    /// A watch on `dir` fed by a backend's event channel.
    pub fn new(dir: WatchedDir, rx: broadcast::Receiver<StorageEvent>) -> Self {
        Self { dir, rx }
    }

    /// The directory watched.
    pub fn dir(&self) -> WatchedDir {
        self.dir
    }

    /// Waits for the next change; [`Error::Closed`] once the state is gone.
    pub async fn changed(&mut self) -> Result<Change> {
        loop {
            let event = match self.rx.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(_)) => return Ok(Change::Resync),
                Err(broadcast::error::RecvError::Closed) => return Err(Error::Closed),
            };
            if let Some(change) = self.filter(&event) {
                return Ok(change);
            }
        }
    }

    /// The next change if one is already queued, without waiting.
    pub fn try_changed(&mut self) -> Option<Result<Change>> {
        loop {
            let event = match self.rx.try_recv() {
                Ok(event) => event,
                Err(broadcast::error::TryRecvError::Empty) => return None,
                Err(broadcast::error::TryRecvError::Lagged(_)) => return Some(Ok(Change::Resync)),
                Err(broadcast::error::TryRecvError::Closed) => return Some(Err(Error::Closed)),
            };
            if let Some(change) = self.filter(&event) {
                return Some(Ok(change));
            }
        }
    }

    fn filter(&self, event: &StorageEvent) -> Option<Change> {
        let (kind, path) = match event {
            StorageEvent::Resync => return Some(Change::Resync),
            StorageEvent::Node { kind, path } => (*kind, path),
        };
        let dir = self.dir.path();
        if path == dir {
            // The directory itself went away (say, a wiped root): everything below is gone.
            return (kind == ChangeKind::Deleted).then_some(Change::Resync);
        }
        let rest = path.strip_prefix(dir)?.strip_prefix('/')?;
        Some(match rest.split_once('/') {
            // A grandchild changed: the child's content changed.
            Some((key, _)) => Change::Updated(key.to_owned()),
            None => match kind {
                ChangeKind::Created => Change::Created(rest.to_owned()),
                ChangeKind::Updated => Change::Updated(rest.to_owned()),
                ChangeKind::Deleted => Change::Deleted(rest.to_owned()),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: ChangeKind, path: &str) -> StorageEvent {
        StorageEvent::Node {
            kind,
            path: path.into(),
        }
    }

    #[tokio::test]
    async fn filters_one_directory_and_names_the_child() {
        let (tx, rx) = broadcast::channel(16);
        let mut w = ChangeWatch::new(WatchedDir::Assignments, rx);
        tx.send(node(ChangeKind::Created, "/storms/t1"))
            .expect("open");
        tx.send(node(ChangeKind::Created, "/assignmentsX/t1"))
            .expect("open");
        tx.send(node(ChangeKind::Created, "/assignments/t1"))
            .expect("open");
        tx.send(node(ChangeKind::Updated, "/assignments/t1"))
            .expect("open");
        tx.send(node(ChangeKind::Deleted, "/assignments/t1"))
            .expect("open");
        tx.send(StorageEvent::Resync).expect("open");
        assert_eq!(
            w.changed().await.expect("open"),
            Change::Created("t1".into())
        );
        assert_eq!(
            w.changed().await.expect("open"),
            Change::Updated("t1".into())
        );
        assert_eq!(
            w.changed().await.expect("open"),
            Change::Deleted("t1".into())
        );
        assert_eq!(w.changed().await.expect("open"), Change::Resync);
        assert!(w.try_changed().is_none());
        drop(tx);
        assert!(matches!(w.changed().await, Err(Error::Closed)));
    }

    #[tokio::test]
    async fn a_lagging_receiver_is_told_to_resync() {
        let (tx, rx) = broadcast::channel(2);
        let mut w = ChangeWatch::new(WatchedDir::Storms, rx);
        for i in 0..5 {
            tx.send(node(ChangeKind::Updated, &format!("/storms/t{i}")))
                .expect("open");
        }
        assert_eq!(w.changed().await.expect("open"), Change::Resync);
    }
}
