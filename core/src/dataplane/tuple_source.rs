//! `TupleSource`: the schema of the stream a received tuple arrived on, shared by the tuples
//! of that stream.

use crate::ids::{ComponentId, StreamId};
use crate::tuple::Fields;

/// The schema of the stream a tuple arrived on. Each task keeps its own copy per stream and
/// shares it between the tuples of that stream, so reference counts stay on one core.
#[derive(Debug, Clone, PartialEq)]
pub struct TupleSource {
    /// The emitting component.
    pub component: ComponentId,
    /// The stream it emitted on.
    pub stream: StreamId,
    /// The stream's declared fields.
    pub fields: Fields,
}
