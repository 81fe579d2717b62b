//! Integration harness: starts a real ZooKeeper server (Debian's package, as a plain process on
//! a free loopback port with its own data directory), Nimbus and supervisors as real processes,
//! and tears every process down by its id even when a test fails. Cluster tests live in this
//! crate's `tests/`; the harness grows with the cluster work (issue 5).
