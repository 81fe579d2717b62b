//! Panics in an author's component: caught at each call, reported as the component's error,
//! and answered by building a fresh instance, as Storm restarts a crashed worker. Only the
//! tuple being processed is lost, and with acking its tree is replayed.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a panic into its message.
pub fn call_guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
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
