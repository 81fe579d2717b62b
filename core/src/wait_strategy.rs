//! `WaitStrategy`: which of Storm's idle strategies a spout, an idle executor thread or a
//! blocked sender uses (`topology.spout.wait.strategy`, `topology.bolt.wait.strategy`,
//! `topology.backpressure.wait.strategy`), named by Storm's class names or short names.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One of Storm's wait strategies. Each key's levels and park time are keys of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum WaitStrategy {
    /// `org.apache.storm.policy.WaitStrategyProgressive`: spin, then park, then sleep.
    #[default]
    Progressive,
    /// `org.apache.storm.policy.WaitStrategyPark`: park a fixed time each idle turn.
    Park,
    /// `org.apache.storm.spout.SleepSpoutWaitStrategy`: sleep
    /// `topology.sleep.spout.wait.strategy.time.ms` each idle turn (spouts only).
    Sleep,
}

impl WaitStrategy {
    const NAMES: [(&'static str, &'static str, WaitStrategy); 3] = [
        (
            "org.apache.storm.policy.WaitStrategyProgressive",
            "progressive",
            WaitStrategy::Progressive,
        ),
        (
            "org.apache.storm.policy.WaitStrategyPark",
            "park",
            WaitStrategy::Park,
        ),
        (
            "org.apache.storm.spout.SleepSpoutWaitStrategy",
            "sleep",
            WaitStrategy::Sleep,
        ),
    ];

    /// Storm's class name of this strategy.
    pub fn class_name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, _, s)| *s == self)
            .map_or("", |(class, _, _)| class)
    }
}

impl TryFrom<String> for WaitStrategy {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::NAMES
            .iter()
            .find(|(class, short, _)| name == *class || name.eq_ignore_ascii_case(short))
            .map(|(_, _, s)| *s)
            .ok_or_else(|| {
                let known: Vec<&str> = Self::NAMES.iter().map(|(class, _, _)| *class).collect();
                format!(
                    "unknown wait strategy {name:?}: expected one of {} (or progressive, park, sleep)",
                    known.join(", ")
                )
            })
    }
}

impl From<WaitStrategy> for String {
    fn from(s: WaitStrategy) -> Self {
        s.class_name().to_owned()
    }
}

impl fmt::Display for WaitStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.class_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storms_class_names_and_short_names_parse() {
        let parse = |n: &str| WaitStrategy::try_from(n.to_owned());
        assert_eq!(
            parse("org.apache.storm.policy.WaitStrategyPark"),
            Ok(WaitStrategy::Park)
        );
        assert_eq!(parse("Progressive"), Ok(WaitStrategy::Progressive));
        assert_eq!(parse("sleep"), Ok(WaitStrategy::Sleep));
        let err = parse("org.apache.storm.policy.WaitStrategySpin").unwrap_err();
        assert!(err.contains("WaitStrategySpin") && err.contains("WaitStrategyProgressive"));
        assert_eq!(
            String::from(WaitStrategy::Sleep),
            "org.apache.storm.spout.SleepSpoutWaitStrategy"
        );
    }
}
