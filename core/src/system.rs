//! Storm's reserved component and stream names (`__system`, `__tick`, `__acker`, ...).

/// The component that emits tick tuples; its task is [`crate::TaskId::SYSTEM`].
pub const SYSTEM_COMPONENT: &str = "__system";
/// Tick tuples: `["rate_secs"]`, sent every `topology.tick.tuple.freq.secs`.
pub const TICK_STREAM: &str = "__tick";
/// The field of a tick tuple.
pub const TICK_FIELD: &str = "rate_secs";
/// The acker bolt.
pub const ACKER_COMPONENT: &str = "__acker";
/// Spout → acker: `["id", "init-val"]` (Storm adds `"spout-task"`, which is the source task).
pub const ACKER_INIT_STREAM: &str = "__ack_init";
/// Bolt → acker and acker → spout: `["id", "ack-val"]` / `["id", "time-delta-ms"]`.
pub const ACKER_ACK_STREAM: &str = "__ack_ack";
/// Bolt → acker and acker → spout: `["id", "reason"]` / `["id", "time-delta-ms", "reason"]`
/// (Storm has no reason: `["id"]` / `["id", "time-delta-ms"]`), the reason one of
/// [`FAIL_BY_BOLT`] and [`FAIL_LOST`].
pub const ACKER_FAIL_STREAM: &str = "__ack_fail";
/// The reason of a `__ack_fail` tuple: a bolt failed a tuple of the tree.
pub const FAIL_BY_BOLT: i64 = 0;
/// The reason of a `__ack_fail` tuple: a tracked tuple of the tree was lost with a worker or a
/// connection (its sender saw it dropped).
pub const FAIL_LOST: i64 = 1;
/// Bolt → acker and acker → spout: keep a tree alive.
pub const ACKER_RESET_TIMEOUT_STREAM: &str = "__ack_reset_timeout";
