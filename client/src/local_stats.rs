//! The stats file a worker writes to its directory next to its local heartbeat: its
//! executors' windows ([`WorkerStats`]), which its supervisor publishes in ZooKeeper
//! (`/stats/<supervisor-id>`). Like the heartbeat, the worker itself writes nothing to
//! ZooKeeper for them.

use std::path::Path;

use storm_zk::WorkerStats;

const STATS_FILE: &str = "stats";

/// Writes `stats` into `worker_dir` atomically.
pub fn write_local_stats(worker_dir: &Path, stats: &WorkerStats) -> std::io::Result<()> {
    let bytes = storm_zk::codec::encode("WorkerStats", stats).map_err(std::io::Error::other)?;
    let tmp = worker_dir.join("stats.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, worker_dir.join(STATS_FILE))
}

/// The newest stats in `worker_dir`, if any (an unreadable file counts as none).
pub fn read_local_stats(worker_dir: &Path) -> Option<WorkerStats> {
    let path = worker_dir.join(STATS_FILE);
    let bytes = std::fs::read(&path).ok()?;
    storm_zk::codec::decode(&path.to_string_lossy(), &bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use storm_core::stats::ExecutorWindows;

    #[test]
    fn stats_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read_local_stats(dir.path()), None);
        let stats = WorkerStats {
            topology_id: "wc-1-1".into(),
            port: 6700,
            time_secs: 5,
            executors: vec![ExecutorWindows {
                component: "count".into(),
                start_task: 2,
                end_task: 2,
                receive_queue_fill: 0.5,
                ..Default::default()
            }],
        };
        write_local_stats(dir.path(), &stats).expect("write");
        assert_eq!(read_local_stats(dir.path()), Some(stats));
    }
}
