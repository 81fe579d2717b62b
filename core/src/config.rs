//! `Config`: a topology's configuration, with Storm's key names and defaults (`conf/defaults.yaml`).
//!
//! Known keys are typed fields; any other key is kept in [`Config::extra`] for the author's own
//! components to read. Keys under `topology.` that this implementation does not know are
//! reported by [`Config::validate`] rather than silently ignored.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::wait_strategy::WaitStrategy;

/// Keys under `topology.` that Storm defines and that this implementation accepts but does not
/// act on (they have no meaning here, or their behaviour is always on).
const ACCEPTED_STORM_KEYS: &[&str] = &[
    // Read by Nimbus's authorizer from the submitted config: who may act on the topology.
    "topology.users",
    "topology.name",
    "topology.eventlogger.executors",
    // An executor thread with nothing to do blocks on its event queue (no CPU, woken at once)
    // where Storm's executors sleep and poll: the last level has no meaning here.
    "topology.bolt.wait.progressive.level3.sleep.millis",
    "topology.backpressure.wait.progressive.level3.sleep.millis",
    "topology.backpressure.enable",
    "topology.backpressure.check.millis",
    "topology.worker.childopts",
    "topology.fall.back.on.java.serialization",
    "topology.skip.missing.kryo.registrations",
    "topology.kryo.register",
    "topology.testing.always.try.serialize",
    "topology.builtin.metrics.bucket.size.secs",
    "topology.environment",
    "topology.component.resources.onheap.memory.mb",
    "topology.worker.max.heap.size.mb",
    "topology.min.replication.count",
    "topology.max.replication.wait.time.sec",
    "topology.spout.recvq.skips",
    "topology.executor.overflow.limit",
];

/// A topology's configuration (Storm's `Config`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// `topology.workers` (1): worker processes the topology asks for.
    #[serde(rename = "topology.workers")]
    pub workers: u32,
    /// `topology.acker.executors` (null = one per worker; 0 turns tuple tracking off).
    #[serde(rename = "topology.acker.executors")]
    pub acker_executors: Option<u32>,
    /// `topology.max.spout.pending` (null = no cap): un-acked tuple trees per spout task.
    #[serde(rename = "topology.max.spout.pending")]
    pub max_spout_pending: Option<u32>,
    /// `topology.message.timeout.secs` (30): a tuple tree not completed in time is failed.
    #[serde(rename = "topology.message.timeout.secs")]
    pub message_timeout_secs: u32,
    /// `topology.enable.message.timeouts` (true).
    #[serde(rename = "topology.enable.message.timeouts")]
    pub enable_message_timeouts: bool,
    /// `topology.tick.tuple.freq.secs` (null): send tick tuples to every bolt task this often.
    #[serde(rename = "topology.tick.tuple.freq.secs")]
    pub tick_tuple_freq_secs: Option<u32>,
    /// `topology.debug` (false): log every emit, ack and fail.
    #[serde(rename = "topology.debug")]
    pub debug: bool,
    /// `topology.stats.sample.rate` (0.05): the share of input tuples whose execute and process
    /// latencies are measured; here whole batches are sampled, about this share of tuples.
    #[serde(rename = "topology.stats.sample.rate")]
    pub stats_sample_rate: f64,
    /// `topology.executor.receive.buffer.size` (32768): tuples a task may have queued.
    #[serde(rename = "topology.executor.receive.buffer.size")]
    pub executor_receive_buffer_size: u32,
    /// `topology.transfer.buffer.size` (1000): tuples a worker may have queued for other workers.
    #[serde(rename = "topology.transfer.buffer.size")]
    pub transfer_buffer_size: u32,
    /// `topology.producer.batch.size`: tuples per message between tasks. Storm's default is 1;
    /// here a batch is the unit of actor messaging and 1000 is the default (see ARCHITECTURE.md).
    #[serde(rename = "topology.producer.batch.size")]
    pub producer_batch_size: u32,
    /// `topology.batch.flush.interval.millis` (1): the longest a part-full batch waits.
    #[serde(rename = "topology.batch.flush.interval.millis")]
    pub batch_flush_interval_millis: u32,
    /// `topology.tasks` (null = the parallelism hint); usually set per component.
    #[serde(rename = "topology.tasks")]
    pub tasks: Option<u32>,
    /// `topology.max.task.parallelism` (null): caps every component's task count.
    #[serde(rename = "topology.max.task.parallelism")]
    pub max_task_parallelism: Option<u32>,
    /// `topology.disable.loadaware.messaging` (false): true makes shuffle Storm's plain
    /// round-robin `ShuffleGrouping`; otherwise shuffle and local-or-shuffle are load-aware and
    /// prefer the targets nearest the emitter (same thread, then same worker) while they keep up.
    #[serde(rename = "topology.disable.loadaware.messaging")]
    pub disable_loadaware_messaging: bool,
    /// `topology.localityaware.higher.bound` (0.8): a load-aware shuffle widens its locality
    /// scope when the targets in scope are loaded above this (and wider ones are not).
    #[serde(rename = "topology.localityaware.higher.bound")]
    pub localityaware_higher_bound: f64,
    /// `topology.localityaware.lower.bound` (0.2): it narrows its scope again when the
    /// narrower targets are loaded below this.
    #[serde(rename = "topology.localityaware.lower.bound")]
    pub localityaware_lower_bound: f64,
    /// `topology.spout.wait.strategy` (progressive): what a spout whose `next_tuple` emitted
    /// nothing does before it is polled again.
    #[serde(rename = "topology.spout.wait.strategy")]
    pub spout_wait_strategy: WaitStrategy,
    /// `topology.sleep.spout.wait.strategy.time.ms` (1): the sleep of the sleep strategy.
    #[serde(rename = "topology.sleep.spout.wait.strategy.time.ms")]
    pub sleep_spout_wait_millis: u32,
    /// `topology.spout.wait.progressive.level1.count` (16 here; Storm 0): idle turns after
    /// which a spout that emitted nothing is polled again at once, once the other tasks of its
    /// thread have run.
    #[serde(rename = "topology.spout.wait.progressive.level1.count")]
    pub spout_wait_level1_count: u32,
    /// `topology.spout.wait.progressive.level2.count` (20 here; Storm 0): further idle turns
    /// after which it is polled again after parking its thread `topology.spout.wait.park.microsec`.
    #[serde(rename = "topology.spout.wait.progressive.level2.count")]
    pub spout_wait_level2_count: u32,
    /// `topology.spout.wait.park.microsec` (50 here; Storm 100): one park of level 2, and of
    /// the park strategy. A park lets the spout's thread run its other tasks meanwhile.
    #[serde(rename = "topology.spout.wait.park.microsec")]
    pub spout_wait_park_micros: u32,
    /// `topology.spout.wait.progressive.level3.sleep.millis` (1): the sleep between later idle
    /// turns, until the spout emits again.
    #[serde(rename = "topology.spout.wait.progressive.level3.sleep.millis")]
    pub spout_wait_level3_sleep_millis: u32,
    /// `topology.bolt.wait.strategy` (progressive): what an executor thread whose tasks have
    /// nothing to do does before it blocks on its event queue (progressive: spin, then park;
    /// park: park once). Anything arriving meanwhile ends the wait.
    #[serde(rename = "topology.bolt.wait.strategy")]
    pub bolt_wait_strategy: WaitStrategy,
    /// `topology.bolt.wait.progressive.level1.count` (1): spins, each one check of the
    /// thread's mailboxes, before an idle executor thread parks or blocks. More bought no
    /// latency in the latency benchmark and cost CPU at every hop (docs/performance.md).
    #[serde(rename = "topology.bolt.wait.progressive.level1.count")]
    pub bolt_wait_level1_count: u32,
    /// `topology.bolt.wait.progressive.level2.count` (0 here; Storm 1000): parks of
    /// `topology.bolt.wait.park.microsec` after the spins (they delay the thread's timers).
    #[serde(rename = "topology.bolt.wait.progressive.level2.count")]
    pub bolt_wait_level2_count: u32,
    /// `topology.bolt.wait.park.microsec` (100): one park of an idle executor thread.
    #[serde(rename = "topology.bolt.wait.park.microsec")]
    pub bolt_wait_park_micros: u32,
    /// `topology.backpressure.wait.strategy` (progressive): as the bolt strategy, used instead
    /// while a task of the thread waits for credit from a slower consumer (its credit is
    /// likely to come back soon).
    #[serde(rename = "topology.backpressure.wait.strategy")]
    pub backpressure_wait_strategy: WaitStrategy,
    /// `topology.backpressure.wait.progressive.level1.count` (1): spins of a thread whose
    /// sender waits for credit.
    #[serde(rename = "topology.backpressure.wait.progressive.level1.count")]
    pub backpressure_wait_level1_count: u32,
    /// `topology.backpressure.wait.progressive.level2.count` (0 here; Storm 1000): its parks.
    #[serde(rename = "topology.backpressure.wait.progressive.level2.count")]
    pub backpressure_wait_level2_count: u32,
    /// `topology.backpressure.wait.park.microsec` (100): one of its parks.
    #[serde(rename = "topology.backpressure.wait.park.microsec")]
    pub backpressure_wait_park_micros: u32,
    /// `topology.spout.wait.progressive.level4.after.millis` (not a Storm key; 1000): how long
    /// a spout stays idle before its progressive wait sleeps
    /// `topology.spout.wait.progressive.level4.sleep.millis` instead of level 3's. A topology
    /// with nothing to do then wakes ten times less often.
    #[serde(rename = "topology.spout.wait.progressive.level4.after.millis")]
    pub spout_wait_level4_after_millis: u32,
    /// `topology.spout.wait.progressive.level4.sleep.millis` (not a Storm key; 10; at most
    /// level 3's sleep turns it off): the sleep of a spout idle that long.
    #[serde(rename = "topology.spout.wait.progressive.level4.sleep.millis")]
    pub spout_wait_level4_sleep_millis: u32,
    /// `topology.worker.threads` (not a Storm key; null = one per CPU): the actor threads
    /// (arbiters) a worker spreads its executors over.
    #[serde(rename = "topology.worker.threads")]
    pub worker_threads: Option<u32>,
    /// `topology.error.throttle.interval.secs` (10): the window in which a task reports at most
    /// `topology.max.error.report.per.interval` errors to ZooKeeper; later ones are only logged.
    #[serde(rename = "topology.error.throttle.interval.secs")]
    pub error_throttle_interval_secs: u32,
    /// `topology.max.error.report.per.interval` (5): errors a task reports per window.
    #[serde(rename = "topology.max.error.report.per.interval")]
    pub max_error_report_per_interval: u32,
    /// Every other key, for the author's components.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            workers: 1,
            acker_executors: None,
            max_spout_pending: None,
            message_timeout_secs: 30,
            enable_message_timeouts: true,
            tick_tuple_freq_secs: None,
            debug: false,
            stats_sample_rate: 0.05,
            executor_receive_buffer_size: 32_768,
            transfer_buffer_size: 1000,
            producer_batch_size: 1000,
            batch_flush_interval_millis: 1,
            spout_wait_strategy: WaitStrategy::Progressive,
            sleep_spout_wait_millis: 1,
            spout_wait_level1_count: 16,
            spout_wait_level2_count: 20,
            spout_wait_park_micros: 50,
            spout_wait_level3_sleep_millis: 1,
            spout_wait_level4_after_millis: 1000,
            spout_wait_level4_sleep_millis: 10,
            bolt_wait_strategy: WaitStrategy::Progressive,
            bolt_wait_level1_count: 1,
            bolt_wait_level2_count: 0,
            bolt_wait_park_micros: 100,
            backpressure_wait_strategy: WaitStrategy::Progressive,
            backpressure_wait_level1_count: 1,
            backpressure_wait_level2_count: 0,
            backpressure_wait_park_micros: 100,
            tasks: None,
            max_task_parallelism: None,
            disable_loadaware_messaging: false,
            localityaware_higher_bound: 0.8,
            localityaware_lower_bound: 0.2,
            worker_threads: None,
            error_throttle_interval_secs: 10,
            max_error_report_per_interval: 5,
            extra: BTreeMap::new(),
        }
    }
}

impl Config {
    /// Storm's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// `topology.message.timeout.secs` as a duration.
    pub fn message_timeout(&self) -> Duration {
        Duration::from_secs(u64::from(self.message_timeout_secs))
    }

    /// Sets a key by its Storm name, typed keys included: `conf.set("topology.workers", 4)`.
    pub fn set(
        &mut self,
        key: &str,
        value: impl Into<serde_json::Value>,
    ) -> Result<&mut Self, ConfigError> {
        let mut map = self.to_map()?;
        map.insert(key.to_owned(), value.into());
        *self = Self::from_map(map)?;
        Ok(self)
    }

    /// A user key, if set.
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.extra.get(key)
    }

    /// Builds a config from Storm key names; values of the wrong type are errors.
    pub fn from_map(map: BTreeMap<String, serde_json::Value>) -> Result<Self, ConfigError> {
        let object: serde_json::Map<String, serde_json::Value> = map.into_iter().collect();
        serde_json::from_value(serde_json::Value::Object(object))
            .map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// The config as Storm key names.
    pub fn to_map(&self) -> Result<BTreeMap<String, serde_json::Value>, ConfigError> {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => Ok(m.into_iter().collect()),
            Ok(_) => Err(ConfigError::Invalid("config is not a map".into())),
            Err(e) => Err(ConfigError::Invalid(e.to_string())),
        }
    }

    /// The config as JSON, the form Storm ships topology configs in.
    pub fn to_json(&self) -> Result<String, ConfigError> {
        serde_json::to_string(self).map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// Parses the JSON form.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        serde_json::from_str(json).map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// Layers `overrides` (component configuration) over this config.
    pub fn merged_with(
        &self,
        overrides: &BTreeMap<String, serde_json::Value>,
    ) -> Result<Self, ConfigError> {
        if overrides.is_empty() {
            return Ok(self.clone());
        }
        let mut map = self.to_map()?;
        map.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        Self::from_map(map)
    }

    /// Checks values and reports unknown `topology.*` keys (usually a misspelling).
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.workers == 0 {
            return Err(ConfigError::OutOfRange {
                key: "topology.workers",
                reason: "must be at least 1".into(),
            });
        }
        if self.message_timeout_secs == 0 {
            return Err(ConfigError::OutOfRange {
                key: "topology.message.timeout.secs",
                reason: "must be at least 1".into(),
            });
        }
        if !(self.stats_sample_rate > 0.0 && self.stats_sample_rate <= 1.0) {
            return Err(ConfigError::OutOfRange {
                key: "topology.stats.sample.rate",
                reason: "must be above 0 and at most 1".into(),
            });
        }
        if self.executor_receive_buffer_size == 0 {
            return Err(ConfigError::OutOfRange {
                key: "topology.executor.receive.buffer.size",
                reason: "must be at least 1".into(),
            });
        }
        if self.producer_batch_size == 0 {
            return Err(ConfigError::OutOfRange {
                key: "topology.producer.batch.size",
                reason: "must be at least 1".into(),
            });
        }
        if self.spout_wait_level3_sleep_millis == 0 {
            return Err(ConfigError::OutOfRange {
                key: "topology.spout.wait.progressive.level3.sleep.millis",
                reason: "must be at least 1: an idle spout must sleep at last".into(),
            });
        }
        if self.sleep_spout_wait_millis == 0 {
            return Err(ConfigError::OutOfRange {
                key: "topology.sleep.spout.wait.strategy.time.ms",
                reason: "must be at least 1".into(),
            });
        }
        for (key, strategy) in [
            ("topology.bolt.wait.strategy", self.bolt_wait_strategy),
            (
                "topology.backpressure.wait.strategy",
                self.backpressure_wait_strategy,
            ),
        ] {
            if strategy == WaitStrategy::Sleep {
                return Err(ConfigError::OutOfRange {
                    key,
                    reason: format!("cannot be {strategy}, a spout's strategy"),
                });
            }
        }
        if self.tick_tuple_freq_secs == Some(0) {
            return Err(ConfigError::OutOfRange {
                key: "topology.tick.tuple.freq.secs",
                reason: "must be at least 1 (leave it unset for no ticks)".into(),
            });
        }
        let (lower, higher) = (
            self.localityaware_lower_bound,
            self.localityaware_higher_bound,
        );
        if !(0.0..=1.0).contains(&lower) || !(0.0..=1.0).contains(&higher) || lower > higher {
            return Err(ConfigError::OutOfRange {
                key: "topology.localityaware.lower.bound",
                reason: format!(
                    "bounds must satisfy 0 <= lower ({lower}) <= higher ({higher}) <= 1"
                ),
            });
        }
        if self.worker_threads == Some(0) {
            return Err(ConfigError::OutOfRange {
                key: "topology.worker.threads",
                reason: "must be at least 1".into(),
            });
        }
        if let Some(key) = self
            .extra
            .keys()
            .find(|k| k.starts_with("topology.") && !ACCEPTED_STORM_KEYS.contains(&k.as_str()))
        {
            return Err(ConfigError::UnknownKey(key.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_storms() {
        let c = Config::default();
        assert_eq!(c.workers, 1);
        assert_eq!(c.message_timeout_secs, 30);
        assert_eq!(c.executor_receive_buffer_size, 32_768);
        assert_eq!(c.acker_executors, None);
        assert_eq!(c.error_throttle_interval_secs, 10);
        assert_eq!(c.max_error_report_per_interval, 5);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn keys_are_set_by_storm_name_and_user_keys_are_kept() {
        let mut c = Config::new();
        c.set("topology.max.spout.pending", 100).expect("set");
        c.set("wordcount.sentences", 5).expect("set");
        assert_eq!(c.max_spout_pending, Some(100));
        assert_eq!(c.get("wordcount.sentences"), Some(&serde_json::json!(5)));
        let back = Config::from_json(&c.to_json().expect("json")).expect("parse");
        assert_eq!(back, c);
    }

    #[test]
    fn a_misspelt_topology_key_is_reported() {
        let mut c = Config::new();
        c.set("topology.max.spout.pendng", 10).expect("set");
        assert_eq!(
            c.validate(),
            Err(ConfigError::UnknownKey("topology.max.spout.pendng".into()))
        );
    }

    #[test]
    fn a_value_of_the_wrong_type_is_an_error() {
        let mut c = Config::new();
        assert!(matches!(
            c.set("topology.workers", "two"),
            Err(ConfigError::Invalid(_))
        ));
    }

    #[test]
    fn zero_workers_is_out_of_range() {
        let c = Config {
            workers: 0,
            ..Config::default()
        };
        assert!(matches!(
            c.validate(),
            Err(ConfigError::OutOfRange {
                key: "topology.workers",
                ..
            })
        ));
    }

    #[test]
    fn wait_strategies_are_set_by_storms_class_names() {
        let mut c = Config::new();
        c.set(
            "topology.spout.wait.strategy",
            "org.apache.storm.policy.WaitStrategyPark",
        )
        .expect("set");
        assert_eq!(c.spout_wait_strategy, WaitStrategy::Park);
        let err = c
            .set("topology.bolt.wait.strategy", "org.example.Spin")
            .expect_err("unknown class");
        assert!(err.to_string().contains("org.example.Spin"), "{err}");
        let c = Config {
            bolt_wait_strategy: WaitStrategy::Sleep,
            ..Config::default()
        };
        assert!(matches!(
            c.validate(),
            Err(ConfigError::OutOfRange {
                key: "topology.bolt.wait.strategy",
                ..
            })
        ));
    }
}
