//! Cluster state: where Nimbus, supervisors and workers meet.
//!
//! Storm keeps its cluster state in ZooKeeper under `storm.zookeeper.root`: the supervisors
//! (ephemeral), the topologies and their status, the assignments of tasks to worker slots,
//! worker heartbeats, component errors and the Nimbus leader lock. This crate will hold that
//! state behind one trait with two backends, a ZooKeeper one (`zookeeper-client`) for clusters
//! and an in-memory one for local mode and unit tests. It is filled in by the cluster work
//! (issue 5); local mode does not need it.
