//! Topology status transitions: Storm's `TopologyActions` table as a pure function.
//!
//! A user action (activate, deactivate, rebalance, kill) that the table does not allow is an
//! error; a system event (a timer's `REMOVE` or `DO_REBALANCE`, `GAIN_LEADERSHIP`) that it does
//! not allow is a no-op, because it may fire after the topology moved on. The function returns
//! the new status and the effects for Nimbus to carry out; it does no I/O.
//!
//! | state       | ACTIVATE | INACTIVATE | REBALANCE | KILL | DO_REBALANCE | REMOVE | GAIN_LEADERSHIP |
//! |-------------|----------|------------|-----------|------|--------------|--------|-----------------|
//! | ACTIVE      | no-op    | INACTIVE   | rebalance | kill | –            | –      | –               |
//! | INACTIVE    | ACTIVE   | no-op      | rebalance | kill | –            | –      | –               |
//! | KILLED      | –        | –          | –         | kill | –            | remove | delay REMOVE    |
//! | REBALANCING | –        | –          | –         | kill | do-rebalance | –      | delay DO_REBALANCE |

use std::time::Duration;

use storm_zk::{RebalanceOptions, TopologyStatus};

/// What happens to a topology (Storm's `TopologyActions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyAction {
    /// `storm activate`.
    Activate,
    /// `storm deactivate`.
    Inactivate,
    /// `storm rebalance`, with its wait already resolved.
    Rebalance(RebalanceOptions),
    /// `storm kill`, with its wait already resolved.
    Kill {
        /// Seconds to wait, spouts deactivated, before removing.
        wait_secs: u32,
    },
    /// The rebalance's wait is over: apply it.
    DoRebalance,
    /// The kill's wait is over: remove the topology.
    Remove,
    /// This Nimbus became leader: re-arm the timers of killed and rebalancing topologies.
    GainLeadership,
}

impl TopologyAction {
    /// Storm's name for the action.
    pub fn name(&self) -> &'static str {
        match self {
            TopologyAction::Activate => "activate",
            TopologyAction::Inactivate => "deactivate",
            TopologyAction::Rebalance(_) => "rebalance",
            TopologyAction::Kill { .. } => "kill",
            TopologyAction::DoRebalance => "do-rebalance",
            TopologyAction::Remove => "remove",
            TopologyAction::GainLeadership => "gain-leadership",
        }
    }

    /// Timer and leadership events, as opposed to user requests.
    pub fn is_system(&self) -> bool {
        matches!(
            self,
            TopologyAction::DoRebalance | TopologyAction::Remove | TopologyAction::GainLeadership
        )
    }
}

/// Something Nimbus must do as part of a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Run `action` on the topology after `delay`.
    Schedule {
        /// How long to wait.
        delay: Duration,
        /// What to run then.
        action: TopologyAction,
    },
    /// Delete the topology's assignment and `StormBase`.
    Remove,
    /// Apply these options and schedule the topology from scratch.
    DoRebalance(RebalanceOptions),
}

/// The result of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The status to write, or `None` to leave the `StormBase` as it is.
    pub status: Option<TopologyStatus>,
    /// The `prev_status` to write along with `status`.
    pub prev_status: Option<TopologyStatus>,
    /// What to carry out.
    pub effects: Vec<Effect>,
}

impl Transition {
    fn none() -> Self {
        Self {
            status: None,
            prev_status: None,
            effects: Vec::new(),
        }
    }

    fn to(status: TopologyStatus, prev_status: Option<TopologyStatus>) -> Self {
        Self {
            status: Some(status),
            prev_status,
            effects: Vec::new(),
        }
    }

    fn with(mut self, effect: Effect) -> Self {
        self.effects.push(effect);
        self
    }
}

/// A user action the table does not allow in the current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    /// The current status's name.
    pub status: &'static str,
    /// The refused action's name.
    pub action: &'static str,
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// Applies `action` to a topology in `status` (whose `StormBase.prev_status` is `prev`).
pub fn transition(
    status: &TopologyStatus,
    prev: Option<&TopologyStatus>,
    action: &TopologyAction,
) -> Result<Transition, IllegalTransition> {
    use TopologyAction as A;
    use TopologyStatus as S;
    let kill = |wait_secs: u32| {
        Transition::to(S::Killed { wait_secs }, Some(status.clone())).with(Effect::Schedule {
            delay: secs(wait_secs),
            action: A::Remove,
        })
    };
    let rebalance = |options: &RebalanceOptions| {
        Transition::to(S::Rebalancing(options.clone()), Some(status.clone())).with(
            Effect::Schedule {
                delay: secs(options.wait_secs),
                action: A::DoRebalance,
            },
        )
    };
    let allowed = match (status, action) {
        (S::Active, A::Activate) | (S::Inactive, A::Inactivate) => Some(Transition::none()),
        (S::Active, A::Inactivate) => Some(Transition::to(S::Inactive, None)),
        (S::Inactive, A::Activate) => Some(Transition::to(S::Active, None)),
        (S::Active | S::Inactive, A::Rebalance(options)) => Some(rebalance(options)),
        (_, A::Kill { wait_secs }) => Some(kill(*wait_secs)),
        (S::Killed { .. }, A::Remove) => Some(Transition::none().with(Effect::Remove)),
        (S::Killed { wait_secs }, A::GainLeadership) => {
            Some(Transition::none().with(Effect::Schedule {
                delay: secs(*wait_secs),
                action: A::Remove,
            }))
        }
        (S::Rebalancing(options), A::DoRebalance) => {
            let back = prev.cloned().unwrap_or(S::Active);
            Some(Transition::to(back, None).with(Effect::DoRebalance(options.clone())))
        }
        (S::Rebalancing(options), A::GainLeadership) => {
            Some(Transition::none().with(Effect::Schedule {
                delay: secs(options.wait_secs),
                action: A::DoRebalance,
            }))
        }
        _ => None,
    };
    match allowed {
        Some(t) => Ok(t),
        None if action.is_system() => Ok(Transition::none()),
        None => Err(IllegalTransition {
            status: status.name(),
            action: action.name(),
        }),
    }
}

#[cfg(test)]
mod tests {
    // Reference: storm-server `daemon/nimbus/TopologyActions.java` and the transition maps in
    // `Nimbus.java` (`mkTopologyStateTransitions`); the table in this module's doc.
    use super::*;
    use std::collections::BTreeMap;

    fn options(wait_secs: u32) -> RebalanceOptions {
        RebalanceOptions {
            wait_secs,
            num_workers: Some(2),
            num_executors: BTreeMap::new(),
        }
    }

    fn all_actions() -> Vec<TopologyAction> {
        vec![
            TopologyAction::Activate,
            TopologyAction::Inactivate,
            TopologyAction::Rebalance(options(5)),
            TopologyAction::Kill { wait_secs: 7 },
            TopologyAction::DoRebalance,
            TopologyAction::Remove,
            TopologyAction::GainLeadership,
        ]
    }

    #[test]
    fn active_and_inactive_toggle_and_ignore_repeats() {
        let t = transition(&TopologyStatus::Active, None, &TopologyAction::Inactivate).expect("ok");
        assert_eq!(t.status, Some(TopologyStatus::Inactive));
        assert!(t.effects.is_empty());
        let t = transition(&TopologyStatus::Inactive, None, &TopologyAction::Activate).expect("ok");
        assert_eq!(t.status, Some(TopologyStatus::Active));
        for (s, a) in [
            (TopologyStatus::Active, TopologyAction::Activate),
            (TopologyStatus::Inactive, TopologyAction::Inactivate),
        ] {
            assert_eq!(transition(&s, None, &a), Ok(Transition::none()));
        }
    }

    #[test]
    fn kill_from_any_status_schedules_remove_after_the_wait() {
        for status in [
            TopologyStatus::Active,
            TopologyStatus::Inactive,
            TopologyStatus::Killed { wait_secs: 30 },
            TopologyStatus::Rebalancing(options(5)),
        ] {
            let t = transition(&status, None, &TopologyAction::Kill { wait_secs: 7 })
                .expect("kill is always allowed");
            assert_eq!(t.status, Some(TopologyStatus::Killed { wait_secs: 7 }));
            assert_eq!(t.prev_status, Some(status.clone()));
            assert_eq!(
                t.effects,
                vec![Effect::Schedule {
                    delay: Duration::from_secs(7),
                    action: TopologyAction::Remove
                }]
            );
        }
    }

    #[test]
    fn rebalance_waits_then_returns_to_the_previous_status() {
        let t = transition(
            &TopologyStatus::Inactive,
            None,
            &TopologyAction::Rebalance(options(5)),
        )
        .expect("ok");
        assert_eq!(t.status, Some(TopologyStatus::Rebalancing(options(5))));
        assert_eq!(t.prev_status, Some(TopologyStatus::Inactive));
        assert_eq!(
            t.effects,
            vec![Effect::Schedule {
                delay: Duration::from_secs(5),
                action: TopologyAction::DoRebalance
            }]
        );
        let done = transition(
            &TopologyStatus::Rebalancing(options(5)),
            Some(&TopologyStatus::Inactive),
            &TopologyAction::DoRebalance,
        )
        .expect("ok");
        assert_eq!(done.status, Some(TopologyStatus::Inactive));
        assert_eq!(done.prev_status, None);
        assert_eq!(done.effects, vec![Effect::DoRebalance(options(5))]);
    }

    #[test]
    fn removal_happens_only_to_killed_topologies() {
        let t = transition(
            &TopologyStatus::Killed { wait_secs: 3 },
            None,
            &TopologyAction::Remove,
        )
        .expect("ok");
        assert_eq!(t.effects, vec![Effect::Remove]);
        // A stale timer after a re-activation cannot happen, but a stale REMOVE on a live
        // topology must never remove it.
        let t = transition(&TopologyStatus::Active, None, &TopologyAction::Remove).expect("ok");
        assert_eq!(t, Transition::none());
    }

    #[test]
    fn gaining_leadership_re_arms_pending_timers() {
        let t = transition(
            &TopologyStatus::Killed { wait_secs: 3 },
            None,
            &TopologyAction::GainLeadership,
        )
        .expect("ok");
        assert_eq!(
            t.effects,
            vec![Effect::Schedule {
                delay: Duration::from_secs(3),
                action: TopologyAction::Remove
            }]
        );
        let t = transition(
            &TopologyStatus::Rebalancing(options(4)),
            None,
            &TopologyAction::GainLeadership,
        )
        .expect("ok");
        assert_eq!(
            t.effects,
            vec![Effect::Schedule {
                delay: Duration::from_secs(4),
                action: TopologyAction::DoRebalance
            }]
        );
        assert_eq!(
            transition(
                &TopologyStatus::Active,
                None,
                &TopologyAction::GainLeadership
            ),
            Ok(Transition::none())
        );
    }

    #[test]
    fn user_actions_missing_from_the_table_are_refused_and_system_events_ignored() {
        let refused = [
            (TopologyStatus::Killed { wait_secs: 1 }, "activate"),
            (TopologyStatus::Killed { wait_secs: 1 }, "deactivate"),
            (TopologyStatus::Killed { wait_secs: 1 }, "rebalance"),
            (TopologyStatus::Rebalancing(options(1)), "activate"),
            (TopologyStatus::Rebalancing(options(1)), "deactivate"),
            (TopologyStatus::Rebalancing(options(1)), "rebalance"),
        ];
        for status in [
            TopologyStatus::Active,
            TopologyStatus::Inactive,
            TopologyStatus::Killed { wait_secs: 1 },
            TopologyStatus::Rebalancing(options(1)),
        ] {
            for action in all_actions() {
                let result = transition(&status, None, &action);
                let expect_refusal = refused.contains(&(status.clone(), action.name()));
                match result {
                    Err(e) => {
                        assert!(expect_refusal, "{status} {} refused", action.name());
                        assert_eq!(e.status, status.name());
                        assert!(!action.is_system());
                    }
                    Ok(_) => assert!(!expect_refusal, "{status} {} allowed", action.name()),
                }
            }
        }
        assert_eq!(
            transition(&TopologyStatus::Active, None, &TopologyAction::DoRebalance),
            Ok(Transition::none())
        );
    }
}
