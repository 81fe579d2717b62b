//! `Nimbus`: the actix actor around [`NimbusCore`]. It runs requests, timers and monitor
//! rounds one at a time (each an [`AtomicResponse`]), arms the timers transitions ask for, and
//! follows leadership.

use std::sync::Arc;

use actix::prelude::*;
use storm_core::TopologyId;

use crate::core::{NimbusCore, Now, Timer};
use crate::status::TopologyAction;
use storm_client::protocol::{Request, Response};

/// The Nimbus actor.
pub struct Nimbus {
    core: Arc<NimbusCore>,
    monitor_pending: bool,
}

impl Nimbus {
    /// An actor over `core`.
    pub fn new(core: Arc<NimbusCore>) -> Self {
        Self {
            core,
            monitor_pending: false,
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
    }
}

/// A client request.
#[derive(Message)]
#[rtype(result = "Response")]
pub struct Handle(pub Request);

impl Handler<Handle> for Nimbus {
    type Result = AtomicResponse<Self, Response>;

    fn handle(&mut self, msg: Handle, _ctx: &mut Self::Context) -> Self::Result {
        let core = self.core.clone();
        let name = msg.0.name();
        AtomicResponse::new(Box::pin(
            async move { core.handle(msg.0, Now::current()).await }
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
                .map(|(), act, _| act.monitor_pending = false),
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
                if !act.monitor_pending {
                    act.monitor_pending = true;
                    ctx.notify(Monitor);
                }
            }),
        ))
    }
}
