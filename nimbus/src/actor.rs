//! `Nimbus`: the actix actor around [`NimbusCore`]. It runs requests, timers and monitor
//! rounds one at a time (each an [`AtomicResponse`]), arms the timers transitions ask for, and
//! follows leadership. A monitor round runs every `nimbus.monitor.freq.secs`, and at once when
//! a supervisor registers or its ephemeral znode vanishes (so a dead supervisor's executors
//! move without waiting for the next round).

use std::sync::Arc;

use actix::prelude::*;
use storm_core::TopologyId;
use storm_zk::Change;

use crate::core::{NimbusCore, Now, Timer};
use crate::status::TopologyAction;
use storm_client::protocol::{Request, Response};

/// The Nimbus actor.
pub struct Nimbus {
    core: Arc<NimbusCore>,
    monitor_pending: bool,
    /// A round was asked for while one ran: run another when it ends.
    monitor_again: bool,
}

impl Nimbus {
    /// An actor over `core`.
    pub fn new(core: Arc<NimbusCore>) -> Self {
        Self {
            core,
            monitor_pending: false,
            monitor_again: false,
        }
    }

    /// Runs a monitor round now, or right after the one running.
    fn request_monitor(&mut self, ctx: &mut Context<Self>) {
        if self.monitor_pending {
            self.monitor_again = true;
        } else {
            self.monitor_pending = true;
            ctx.notify(Monitor);
        }
    }

    fn arm(&mut self, timers: Vec<Timer>, ctx: &mut Context<Self>) {
        for t in timers {
            tracing::debug!(topology = %t.topology_id, action = t.action.name(), delay = ?t.delay, "timer armed");
            let fire = Fire {
                topology_id: t.topology_id,
                action: t.action,
            };
            ctx.run_later(t.delay, move |_, ctx| ctx.notify(fire));
        }
    }
}

impl Actor for Nimbus {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let freq = self.core.config().nimbus_monitor_freq;
        ctx.run_interval(freq, |act, ctx| {
            if !act.monitor_pending {
                act.monitor_pending = true;
                ctx.notify(Monitor);
            }
        });
        let mut watch = self.core.watch_supervisors();
        let me = ctx.address();
        ctx.spawn(
            async move {
                while let Ok(change) = watch.changed().await {
                    // A rewrite is a heartbeat: the periodic round judges those.
                    if !matches!(change, Change::Updated(_)) {
                        tracing::info!(?change, "supervisors changed; scheduling now");
                        me.do_send(SupervisorsChanged);
                    }
                }
            }
            .into_actor(self),
        );
    }
}

/// A supervisor registered or vanished (or the watch resynced).
#[derive(Message)]
#[rtype(result = "()")]
struct SupervisorsChanged;

impl Handler<SupervisorsChanged> for Nimbus {
    type Result = ();

    fn handle(&mut self, _msg: SupervisorsChanged, ctx: &mut Self::Context) {
        self.request_monitor(ctx);
    }
}

/// A client request, with the user its connection authenticated as (`None`: authentication
/// is off).
#[derive(Message)]
#[rtype(result = "Response")]
pub struct Handle(pub Request, pub Option<String>);

impl Handler<Handle> for Nimbus {
    type Result = AtomicResponse<Self, Response>;

    fn handle(&mut self, msg: Handle, _ctx: &mut Self::Context) -> Self::Result {
        let core = self.core.clone();
        let name = msg.0.name();
        AtomicResponse::new(Box::pin(
            async move {
                core.handle_as(msg.1.as_deref(), msg.0, Now::current())
                    .await
            }
            .into_actor(self)
            .map(move |(response, timers), act, ctx| {
                if let Response::Error(e) = &response {
                    tracing::info!(request = name, error = %e, "request refused");
                }
                act.arm(timers, ctx);
                response
            }),
        ))
    }
}

/// A timer went off.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct Fire {
    /// The topology.
    pub topology_id: TopologyId,
    /// What to run.
    pub action: TopologyAction,
}

impl Handler<Fire> for Nimbus {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: Fire, _ctx: &mut Self::Context) -> Self::Result {
        let core = self.core.clone();
        AtomicResponse::new(Box::pin(
            async move {
                core.fire(&msg.topology_id, msg.action.clone(), Now::current())
                    .await
                    .unwrap_or_else(|e| {
                        tracing::warn!(topology = %msg.topology_id, action = msg.action.name(), error = %e, "timer failed");
                        Vec::new()
                    })
            }
            .into_actor(self)
            .map(|timers, act, ctx| act.arm(timers, ctx)),
        ))
    }
}

/// Time for a monitor round.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Monitor;

impl Handler<Monitor> for Nimbus {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, _msg: Monitor, _ctx: &mut Self::Context) -> Self::Result {
        let core = self.core.clone();
        AtomicResponse::new(Box::pin(
            async move { core.monitor(Now::current()).await }
                .into_actor(self)
                .map(|(), act, ctx| {
                    act.monitor_pending = false;
                    if std::mem::take(&mut act.monitor_again) {
                        act.request_monitor(ctx);
                    }
                }),
        ))
    }
}

/// Leadership was gained (`true`) or lost.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Leadership(pub bool);

impl Handler<Leadership> for Nimbus {
    type Result = AtomicResponse<Self, ()>;

    fn handle(&mut self, msg: Leadership, _ctx: &mut Self::Context) -> Self::Result {
        let core = self.core.clone();
        AtomicResponse::new(Box::pin(
            async move {
                if msg.0 {
                    tracing::info!("gained leadership");
                    core.gain_leadership(Now::current()).await
                } else {
                    tracing::warn!("lost leadership");
                    core.lose_leadership();
                    Vec::new()
                }
            }
            .into_actor(self)
            .map(|timers, act, ctx| {
                act.arm(timers, ctx);
                act.request_monitor(ctx);
            }),
        ))
    }
}
