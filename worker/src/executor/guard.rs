//! Panics in an author's component: caught at each call, reported as the component's error,
//! and answered by building a fresh instance, as Storm restarts a crashed worker. Only the
//! tuple being processed is lost, and with acking its tree is replayed.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use storm_core::topology::{BoltFactory, SpoutFactory};
use storm_core::{Bolt, Spout};

use crate::executor::TaskEnv;

/// Runs `f`, turning a panic into its message.
pub fn call_guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

/// A task's factory, which builds the instance that replaces a component after a panic.
pub trait Rebuild {
    /// The component built.
    type Component: ?Sized;
    /// What it is called in the report: "bolt" or "spout".
    const KIND: &'static str;
    /// A fresh instance, ready as the one it replaces: a bolt prepared; a spout opened, and
    /// activated if `active`.
    fn fresh(&self, env: &TaskEnv, active: bool) -> Box<Self::Component>;
}

impl Rebuild for BoltFactory {
    type Component = dyn Bolt;
    const KIND: &'static str = "bolt";

    fn fresh(&self, env: &TaskEnv, _active: bool) -> Box<dyn Bolt> {
        let mut bolt = self();
        bolt.prepare(&env.config, &env.context);
        bolt
    }
}

impl Rebuild for SpoutFactory {
    type Component = dyn Spout;
    const KIND: &'static str = "spout";

    fn fresh(&self, env: &TaskEnv, active: bool) -> Box<dyn Spout> {
        let mut spout = self();
        spout.open(&env.config, &env.context);
        if active {
            spout.activate();
        }
        spout
    }
}

/// Answers a panic caught in a task's component: reports it with `report` (as the component's
/// error, saying `during` what, e.g. " on a tick") and replaces `component` with a fresh
/// instance from `factory`.
pub fn rebuild_after_panic<F: Rebuild>(
    component: &mut Box<F::Component>,
    factory: &F,
    env: &TaskEnv,
    active: bool,
    during: &str,
    panic: &str,
    report: impl FnOnce(&str),
) {
    let kind = F::KIND;
    env.stats.add_restart();
    report(&format!(
        "{kind} panicked{during}: {panic}; the task's {kind} is rebuilt"
    ));
    *component = factory.fresh(env, active);
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        assert_eq!(call_guarded(|| 7), Ok(7));
        let e = call_guarded(|| -> u32 { panic!("boom {}", 1) });
        assert_eq!(e, Err("boom 1".to_owned()));
    }
}
