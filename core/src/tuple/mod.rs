//! The data a topology moves: values, their field names, tuples and their tree ids.

mod batch_rows;
mod fields;
mod input_batch;
mod message_id;
mod open_batches;
mod text;
#[allow(clippy::module_inception)]
mod tuple;
mod value;
mod values;

pub use batch_rows::{BatchDrain, BatchTuples, WireTuple};
pub use fields::Fields;
pub use input_batch::{InputBatch, UnknownStream};
pub use message_id::MessageId;
pub use open_batches::OpenBatches;
pub use text::{Text, INLINE_TEXT};
pub use tuple::{Tuple, TupleSource};
pub use value::Value;
pub use values::{Values, INLINE_VALUES};
