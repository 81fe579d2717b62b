//! The data plane: how tuples travel between tasks (batches, their rows, the collectors'
//! inline emit lane, the executor hooks behind the collectors) and how the runtime builds and
//! tracks the tuples it hands out. Public but hidden, and not part of the API.
//!
//! These types live in the model crate rather than in `storm-worker` because they must be
//! compiled into the author's own code: a collector's emit appends through the inline
//! [`EmitLane`] into [`OpenBatches`], and [`crate::Bolt`]'s provided batch loop turns
//! [`BatchTuples`] rows into tuples, both monomorphised and inlined in the author's crate with
//! no call through a `dyn`. Only the runtime (`storm-worker`) should name them; topology
//! authors use [`crate::Spout`], [`crate::Bolt`] and the collectors.

mod basic_bolt_adapter;
mod batch_rows;
mod emit_lane;
mod emitter;
mod input_batch;
mod open_batches;
mod received;
mod tuple_source;

pub use basic_bolt_adapter::BasicBoltAdapter;
pub use batch_rows::{BatchDrain, BatchTuples, WireTuple};
pub use emit_lane::{EmitLane, LaneChoice, LanePlan};
pub use emitter::{EmitTarget, Emitter};
pub use input_batch::{InputBatch, UnknownStream};
pub use open_batches::OpenBatches;
pub use received::{received_tuple, TupleAcking};
pub use tuple_source::TupleSource;
