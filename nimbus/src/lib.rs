//! Nimbus, the master daemon: it accepts topology submissions, stores their artifacts,
//! schedules their executors over the supervisors' free slots with Storm's even scheduler,
//! writes the assignments to ZooKeeper and handles kill, activate, deactivate and rebalance.
//! It runs as an actix actor watching ZooKeeper; it is built by the cluster work (issue 5).
