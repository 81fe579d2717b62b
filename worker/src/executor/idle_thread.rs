//! The executor threads (arbiters) and what one does when its tasks have nothing to do.
//!
//! An executor thread runs a current-thread tokio runtime. When none of its tasks is ready the
//! runtime blocks on its event queue: no CPU, and woken as soon as a message arrives or a
//! timer is due. Storm's executors poll their queues instead, so its wait strategies choose how
//! long to spin, park and sleep between polls. Here they choose what the thread does *before*
//! it blocks, in the runtime's `on_thread_park` hook, each wait ending as soon as work arrives:
//!
//! - **Spouts waiting a park** (the progressive spout strategy's second level, or the park
//!   strategy) register with [`poll_when_idle`] instead of holding the thread: the thread runs
//!   its other tasks, and only once it has nothing else to do waits out the park, in slices that
//!   end early when a message arrives, then polls the spouts again.
//! - **Spins before blocking**: `topology.bolt.wait.strategy` (or
//!   `topology.backpressure.wait.strategy` while a task of the thread waits for credit, see
//!   [`sender_blocked`]) spins `level1.count` checks for a message in the thread's mailboxes,
//!   then parks `level2.count` times, then blocks. A spin saves the wake-up of a blocked thread
//!   (tens of microseconds) on the next hop. The bolt strategy spins only when messages
//!   arrived since the thread last blocked, so a topology with nothing to do never spins.
//!
//! Each thread also lowers its timer slack to a microsecond, so a 50 µs park or a 1 ms sleep
//! lasts what it says rather than up to 50 µs more (Linux's default slack).

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::Arbiter;
use storm_core::{Config, WaitStrategy};

/// Messages delivered to one executor thread's tasks from other threads, counted by the
/// senders ([`crate::transport::LocalLink`]) so that a spinning thread sees them arrive.
#[derive(Debug, Default)]
#[repr(align(128))]
pub struct ThreadSignal {
    arrivals: AtomicU64,
}

impl ThreadSignal {
    /// A message was put in the mailbox of one of the thread's tasks.
    #[inline]
    pub fn arrived(&self) {
        self.arrivals.fetch_add(1, Ordering::Release);
    }

    fn count(&self) -> u64 {
        self.arrivals.load(Ordering::Acquire)
    }
}

/// One strategy's waits before the thread blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadWait {
    spins: u32,
    parks: u32,
    park: Duration,
}

impl ThreadWait {
    fn new(strategy: WaitStrategy, level1: u32, level2: u32, park_micros: u32) -> Self {
        let park = Duration::from_micros(u64::from(park_micros));
        match strategy {
            WaitStrategy::Progressive => Self {
                spins: level1,
                parks: level2,
                park,
            },
            // Validation refuses a sleep strategy here; a park is the nearest.
            WaitStrategy::Park | WaitStrategy::Sleep => Self {
                spins: 0,
                parks: 1,
                park,
            },
        }
    }

    /// `topology.bolt.wait.*`: an idle executor thread.
    pub fn for_idle_thread(config: &Config) -> Self {
        Self::new(
            config.bolt_wait_strategy,
            config.bolt_wait_level1_count,
            config.bolt_wait_level2_count,
            config.bolt_wait_park_micros,
        )
    }

    /// `topology.backpressure.wait.*`: a thread with a sender waiting for credit.
    pub fn for_backpressure(config: &Config) -> Self {
        Self::new(
            config.backpressure_wait_strategy,
            config.backpressure_wait_level1_count,
            config.backpressure_wait_level2_count,
            config.backpressure_wait_park_micros,
        )
    }

    /// Spins, then parks, until `arrived` says work came or the levels are spent.
    fn wait(&self, arrived: impl Fn() -> bool) {
        for _ in 0..self.spins {
            if arrived() {
                return;
            }
            std::hint::spin_loop();
        }
        for _ in 0..self.parks {
            if arrived() {
                return;
            }
            std::thread::sleep(self.park);
        }
    }
}

/// The timer slack of executor threads.
const TIMER_SLACK_NANOS: u64 = 1_000;

/// Per-thread state of the hook.
#[derive(Default)]
struct IdleState {
    /// Messages counted in the thread's [`ThreadSignal`] that its tasks have handled.
    handled: Cell<u64>,
    /// Tasks of this thread whose output waits for credit.
    blocked_senders: Cell<u32>,
    /// Spouts to poll once the thread has been idle for `poll_park`.
    pollers: RefCell<Vec<Box<dyn FnOnce()>>>,
    poll_park: Cell<Duration>,
    /// The arrivals count when the thread last blocked.
    arrivals_seen: Cell<u64>,
}

thread_local! {
    static IDLE: IdleState = IdleState::default();
}

/// A task of the current thread handled a message its sender counted with
/// [`ThreadSignal::arrived`]. With the count, the hook tells a message still waiting in a
/// mailbox from one already handled, so it never spins while one waits.
#[inline]
pub fn handled() {
    IDLE.with(|s| s.handled.set(s.handled.get().wrapping_add(1)));
}

/// A task of the current thread now has a batch waiting for credit.
pub fn sender_blocked() {
    IDLE.with(|s| {
        s.blocked_senders
            .set(s.blocked_senders.get().saturating_add(1))
    });
}

/// A task of the current thread no longer waits for credit.
pub fn sender_unblocked() {
    IDLE.with(|s| {
        s.blocked_senders
            .set(s.blocked_senders.get().saturating_sub(1))
    });
}

/// Calls `poll` once this thread has had nothing to do for `park` (sooner if a message
/// arrives). A thread its other tasks keep busy does not get there: the caller keeps a
/// fallback timer.
pub fn poll_when_idle(park: Duration, poll: Box<dyn FnOnce()>) {
    IDLE.with(|s| {
        let mut pollers = s.pollers.borrow_mut();
        if pollers.is_empty() || park < s.poll_park.get() {
            s.poll_park.set(park);
        }
        pollers.push(poll);
    });
}

/// The hook the runtime calls each time it is about to block.
fn before_park(signal: &ThreadSignal, idle: ThreadWait, backpressure: ThreadWait) {
    IDLE.with(|s| {
        let handled = s.handled.get();
        // Senders count before they send, so the count is never behind what was handled.
        let waiting = || signal.count() != handled;
        let hot = signal.count() != s.arrivals_seen.get();
        let pollers = std::mem::take(&mut *s.pollers.borrow_mut());
        if !pollers.is_empty() {
            if !waiting() {
                std::thread::sleep(s.poll_park.get());
            }
            for poll in pollers {
                poll();
            }
        } else if s.blocked_senders.get() > 0 {
            backpressure.wait(waiting);
        } else if hot {
            idle.wait(waiting);
        }
        s.arrivals_seen.set(signal.count());
    });
}

/// Starts an executor thread for a topology with `config`, whose tasks' senders count
/// arrivals in `signal`.
pub fn start_executor_thread(
    config: &Config,
    signal: Arc<ThreadSignal>,
) -> std::io::Result<Arbiter> {
    let idle = ThreadWait::for_idle_thread(config);
    let backpressure = ThreadWait::for_backpressure(config);
    Arbiter::try_with_tokio_rt(move || {
        if let Err(e) =
            rustix::thread::set_current_timer_slack(std::num::NonZeroU64::new(TIMER_SLACK_NANOS))
        {
            tracing::debug!(error = %e, "cannot lower the executor thread's timer slack");
        }
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .on_thread_park(move || before_park(&signal, idle, backpressure))
            .build()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn waits(spins: u32, parks: u32, park: Duration) -> ThreadWait {
        ThreadWait { spins, parks, park }
    }

    /// Waits that would last for ever if nothing ended them.
    fn forever() -> ThreadWait {
        waits(u32::MAX, u32::MAX, Duration::from_secs(1))
    }

    fn none() -> ThreadWait {
        waits(0, 0, Duration::ZERO)
    }

    #[test]
    fn strategies_map_to_spins_and_parks() {
        let config = Config {
            bolt_wait_level1_count: 7,
            bolt_wait_level2_count: 3,
            bolt_wait_park_micros: 10,
            backpressure_wait_strategy: WaitStrategy::Park,
            backpressure_wait_park_micros: 40,
            ..Config::default()
        };
        assert_eq!(
            ThreadWait::for_idle_thread(&config),
            waits(7, 3, Duration::from_micros(10))
        );
        assert_eq!(
            ThreadWait::for_backpressure(&config),
            waits(0, 1, Duration::from_micros(40))
        );
    }

    #[test]
    fn a_wait_ends_when_work_arrives() {
        let wait = forever();
        let checks = Cell::new(0);
        wait.wait(|| {
            checks.set(checks.get() + 1);
            checks.get() == 5
        });
        assert_eq!(checks.get(), 5);
    }

    #[test]
    fn no_spin_while_a_message_waits() {
        let signal = ThreadSignal::default();
        signal.arrived();
        // The message is counted and not handled: the hook returns at once, else this hangs.
        before_park(&signal, forever(), forever());
        handled();
        before_park(&signal, none(), none());
    }

    #[test]
    fn pollers_run_when_the_thread_goes_idle() {
        let signal = ThreadSignal::default();
        let polled = std::rc::Rc::new(Cell::new(0));
        for _ in 0..2 {
            let p = polled.clone();
            poll_when_idle(
                Duration::from_micros(1),
                Box::new(move || p.set(p.get() + 1)),
            );
        }
        before_park(&signal, none(), none());
        assert_eq!(polled.get(), 2);
        before_park(&signal, none(), none());
        assert_eq!(polled.get(), 2, "each registration polls once");
    }
}
