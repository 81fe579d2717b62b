//! Component errors on their way out of a task (Storm's `Executor.reportError`): throttled per
//! task, then handed through a channel to whoever publishes them; a worker process writes them
//! to ZooKeeper off the tasks' threads.

use std::time::{SystemTime, UNIX_EPOCH};

use storm_core::{ComponentId, Config, TaskId};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

/// One error a task reported (a panic caught by the guard, or the author's `report_error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedError {
    /// The task.
    pub task: TaskId,
    /// Its component.
    pub component: ComponentId,
    /// The error text.
    pub message: String,
    /// When it was reported, in seconds since the epoch.
    pub time_secs: u64,
}

/// Where a worker's tasks send the errors they report. The channel is unbounded, but each
/// task sends at most `topology.max.error.report.per.interval` per window.
#[derive(Debug, Clone)]
pub struct ErrorSink(UnboundedSender<ReportedError>);

impl ErrorSink {
    /// A sink and the receiver its errors arrive at.
    pub fn channel() -> (Self, UnboundedReceiver<ReportedError>) {
        let (tx, rx) = unbounded_channel();
        (Self(tx), rx)
    }
}

/// Storm's error throttle: at most `max_per_interval` reports per window of
/// `topology.error.throttle.interval.secs`; a window starts with the first report more than
/// that many seconds after the previous window's start. Time is an input.
#[derive(Debug, Clone)]
pub struct ErrorThrottle {
    interval_secs: u64,
    max_per_interval: u32,
    window_start: Option<u64>,
    in_window: u32,
}

impl ErrorThrottle {
    /// A throttle with the topology's `topology.error.throttle.interval.secs` and
    /// `topology.max.error.report.per.interval`.
    pub fn new(config: &Config) -> Self {
        Self {
            interval_secs: u64::from(config.error_throttle_interval_secs),
            max_per_interval: config.max_error_report_per_interval,
            window_start: None,
            in_window: 0,
        }
    }

    /// Whether an error reported at `now_secs` may be published.
    pub fn admit(&mut self, now_secs: u64) -> bool {
        let expired = self
            .window_start
            .is_none_or(|start| now_secs.saturating_sub(start) > self.interval_secs);
        if expired {
            self.window_start = Some(now_secs);
            self.in_window = 0;
        }
        if self.in_window < self.max_per_interval {
            self.in_window += 1;
            true
        } else {
            false
        }
    }
}

/// A task's way out for its errors: its throttle and the worker's sink.
#[derive(Debug)]
pub struct TaskErrorReporter {
    task: TaskId,
    component: ComponentId,
    throttle: ErrorThrottle,
    sink: ErrorSink,
    dropped: u64,
}

impl TaskErrorReporter {
    /// The reporter of `task`, throttled by `config`.
    pub fn new(task: TaskId, component: ComponentId, config: &Config, sink: ErrorSink) -> Self {
        Self {
            task,
            component,
            throttle: ErrorThrottle::new(config),
            sink,
            dropped: 0,
        }
    }

    /// Publishes `message` unless the throttle holds it back (it is logged either way).
    pub fn report(&mut self, message: &str) {
        self.report_at(message, now_secs());
    }

    fn report_at(&mut self, message: &str, time_secs: u64) {
        if !self.throttle.admit(time_secs) {
            self.dropped += 1;
            return;
        }
        let error = ReportedError {
            task: self.task,
            component: self.component.clone(),
            message: message.to_owned(),
            time_secs,
        };
        if self.sink.0.send(error).is_err() {
            tracing::debug!(task = %self.task, "no one publishes errors any more (worker stopping)");
        }
    }

    /// Errors the throttle held back so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(interval: u32, max: u32) -> Config {
        Config {
            error_throttle_interval_secs: interval,
            max_error_report_per_interval: max,
            ..Config::default()
        }
    }

    #[test]
    fn admits_the_first_few_per_window_then_again_after_it() {
        let mut t = ErrorThrottle::new(&config(10, 3));
        let admitted: Vec<bool> = [100, 100, 101, 105, 110].map(|s| t.admit(s)).to_vec();
        assert_eq!(admitted, vec![true, true, true, false, false]);
        // Storm's window is over once more than the interval has passed since it began.
        assert!(t.admit(111));
        assert!(t.admit(111));
        assert!(t.admit(112));
        assert!(!t.admit(112));
    }

    #[test]
    fn storms_defaults_let_five_through_every_ten_seconds() {
        let mut t = ErrorThrottle::new(&Config::default());
        // One error a second for 21 s: windows start at 1000 and 1011.
        let admitted: Vec<u64> = (1000..=1020).filter(|s| t.admit(*s)).collect();
        assert_eq!(
            admitted,
            vec![1000, 1001, 1002, 1003, 1004, 1011, 1012, 1013, 1014, 1015]
        );
    }

    #[test]
    fn a_reporter_sends_what_the_throttle_admits_with_task_and_time() {
        let (sink, mut rx) = ErrorSink::channel();
        let mut r =
            TaskErrorReporter::new(TaskId(4), ComponentId::new("count"), &config(10, 2), sink);
        r.report_at("a", 50);
        r.report_at("b", 51);
        r.report_at("c", 52);
        let first = rx.try_recv().expect("first");
        assert_eq!(
            first,
            ReportedError {
                task: TaskId(4),
                component: ComponentId::new("count"),
                message: "a".into(),
                time_secs: 50,
            }
        );
        assert_eq!(rx.try_recv().expect("second").message, "b");
        assert!(rx.try_recv().is_err(), "the third is throttled");
        assert_eq!(r.dropped(), 1);
    }
}
