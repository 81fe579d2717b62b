//! The data a topology moves: values, their field names, tuples and their tree ids.

mod fields;
mod message_id;
mod text;
#[allow(clippy::module_inception)]
mod tuple;
mod value;
mod values;

pub use fields::Fields;
pub use message_id::MessageId;
pub use text::{Text, INLINE_TEXT};
pub use tuple::Tuple;
pub use value::Value;
pub(crate) use values::VALUE_WORDS;
pub use values::{Values, INLINE_VALUES};
