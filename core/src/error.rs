//! The errors of the topology model: invalid topologies and configs, bad emits, failed tuples.

use thiserror::Error;

use crate::ids::{ComponentId, StreamId, TaskId};

/// A topology that cannot run, found before anything starts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TopologyError {
    /// Two components share an id.
    #[error("component id {0:?} is used more than once")]
    DuplicateComponent(ComponentId),
    /// Ids must be non-empty and may not start with `__`, which Storm reserves.
    #[error("invalid id {id:?}: {reason}")]
    InvalidId {
        /// The offending id.
        id: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A bolt subscribes to a component that does not exist.
    #[error("component {referenced_by:?} subscribes to unknown component {component:?}")]
    UnknownComponent {
        /// The missing component.
        component: ComponentId,
        /// The bolt that names it.
        referenced_by: ComponentId,
    },
    /// A bolt subscribes to a stream its source does not declare.
    #[error("component {referenced_by:?} subscribes to stream {stream:?} that {component:?} does not declare")]
    UndeclaredStream {
        /// The source component.
        component: ComponentId,
        /// The missing stream.
        stream: StreamId,
        /// The subscribing bolt.
        referenced_by: ComponentId,
    },
    /// A fields or partial-key grouping names a field the stream does not declare.
    #[error("component {referenced_by:?} groups {component:?}:{stream:?} by field {field:?}, which the stream does not declare")]
    UnknownField {
        /// The missing field.
        field: String,
        /// The source component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
        /// The subscribing bolt.
        referenced_by: ComponentId,
    },
    /// Parallelism hints and task counts must be at least 1.
    #[error("component {component:?} has a {what} of 0; it must be at least 1")]
    ZeroParallelism {
        /// The component.
        component: ComponentId,
        /// "parallelism hint" or "task count".
        what: &'static str,
    },
    /// A direct grouping on a stream not declared direct, or the reverse.
    #[error("component {referenced_by:?} subscribes to {component:?}:{stream:?} with {grouping} but the stream is {declared}")]
    DirectMismatch {
        /// The source component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
        /// The subscribing bolt.
        referenced_by: ComponentId,
        /// The grouping used.
        grouping: &'static str,
        /// How the stream is declared.
        declared: &'static str,
    },
    /// A custom grouping whose factory is missing.
    #[error("component {referenced_by:?} uses custom grouping {name:?}, which has no factory")]
    UnknownCustomGrouping {
        /// The grouping's name.
        name: String,
        /// The subscribing bolt.
        referenced_by: ComponentId,
    },
    /// A topology needs at least one spout.
    #[error("a topology needs at least one spout")]
    NoSpouts,
    /// A stream declared twice by one component.
    #[error("component {component:?} declares stream {stream:?} twice")]
    DuplicateStream {
        /// The component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
    },
    /// The topology or component configuration is invalid.
    #[error("invalid configuration of {component:?}: {source}")]
    Config {
        /// The component, or `"topology"`.
        component: String,
        /// What is wrong.
        source: ConfigError,
    },
}

/// An invalid configuration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A value has the wrong type or does not parse.
    #[error("invalid config: {0}")]
    Invalid(String),
    /// A value outside its range.
    #[error("{key} {reason}")]
    OutOfRange {
        /// The key.
        key: &'static str,
        /// The rule it breaks.
        reason: String,
    },
    /// A `topology.*` key this implementation does not know (a misspelling?).
    #[error("unknown config key {0:?}")]
    UnknownKey(String),
}

/// An emit that cannot be routed. Nothing is sent when an emit fails.
///
/// One pointer wide (the reason is boxed), so that an emit's `Result` comes back in a register.
/// An inline `Result` of the reason's size is returned through memory: its first word written
/// with a narrow store, then copied with wide loads that cannot take their bytes from that store
/// and wait for the store buffer to drain, and on the word count's hot path that buffer is full
/// of batch rows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(transparent)]
pub struct EmitError(Box<EmitErrorKind>);

impl EmitError {
    /// Why the emit was refused.
    pub fn kind(&self) -> &EmitErrorKind {
        &self.0
    }
}

impl From<EmitErrorKind> for EmitError {
    #[cold]
    fn from(kind: EmitErrorKind) -> Self {
        Self(Box::new(kind))
    }
}

/// Why an emit was refused (see [`EmitError`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmitErrorKind {
    /// The component did not declare this stream.
    #[error("component {component:?} emitted to undeclared stream {stream:?}")]
    UnknownStream {
        /// The emitting component.
        component: ComponentId,
        /// The stream.
        stream: String,
    },
    /// `emit_direct` on a stream not declared direct (Storm: "Cannot emitDirect to a task expecting a regular grouping").
    #[error(
        "cannot emit_direct on {stream:?} of {component:?}: the stream is not declared direct"
    )]
    NotDirect {
        /// The emitting component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
    },
    /// A regular emit on a direct stream (Storm: "Cannot do regular emit to direct stream").
    #[error(
        "cannot do a regular emit on direct stream {stream:?} of {component:?}; use emit_direct"
    )]
    DirectStream {
        /// The emitting component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
    },
    /// `emit_direct` to a task that does not subscribe to the stream.
    #[error("emit_direct to task {task} which does not subscribe to {stream:?} of {component:?}")]
    NotSubscribed {
        /// The emitting component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
        /// The target.
        task: TaskId,
    },
    /// The number of values does not match the stream's fields.
    #[error("component {component:?} emitted {got} values on {stream:?}, which declares {expected} fields")]
    WrongArity {
        /// The emitting component.
        component: ComponentId,
        /// The stream.
        stream: StreamId,
        /// Values given.
        got: usize,
        /// Fields declared.
        expected: usize,
    },
}

/// A bolt's way to say "this input failed; replay it" (Storm's `FailedException`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct FailedException(pub String);

impl FailedException {
    /// A failure with a message.
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

impl From<EmitError> for FailedException {
    fn from(e: EmitError) -> Self {
        Self(e.to_string())
    }
}

impl From<String> for FailedException {
    fn from(s: String) -> Self {
        Self(s)
    }
}

impl From<&str> for FailedException {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// What a component's `execute` or `next_tuple` may return.
pub type ComponentResult = std::result::Result<(), FailedException>;
