//! The Supervisor daemon: it registers its worker slots (`supervisor.slots.ports`) in
//! ZooKeeper, watches the assignments for its node, fetches artifacts from Nimbus, and starts,
//! restarts and stops worker processes to match. It runs as an actix actor; it is built by the
//! cluster work (issue 5).
