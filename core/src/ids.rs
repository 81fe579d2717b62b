//! Identifiers: components, streams, tasks and topologies, as newtypes so they cannot be mixed up.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Name of the stream a component emits to when it names none (Storm's `Utils.DEFAULT_STREAM_ID`).
pub const DEFAULT_STREAM: &str = "default";

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Builds the id from any string.
            pub fn new(id: impl AsRef<str>) -> Self {
                Self(Arc::from(id.as_ref()))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Storm reserves ids that start with `__` for its own components and streams.
            pub fn is_system(&self) -> bool {
                self.0.starts_with("__")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{:?}", &*self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(Arc::from(s))
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                &*self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                &*self.0 == *other
            }
        }
    };
}

string_id!(
    /// The id of a spout or bolt in a topology, unique within it (`"split"`, `"__acker"`).
    ComponentId
);
string_id!(
    /// The id of a stream, unique within the component that declares it (`"default"`).
    StreamId
);
string_id!(
    /// The id a cluster gives a submitted topology: `<name>-<counter>-<launch secs>`, as in Storm.
    TopologyId
);

impl StreamId {
    /// The default stream, `"default"`.
    pub fn default_stream() -> Self {
        Self::new(DEFAULT_STREAM)
    }
}

/// A task: one instance of a component. Ids run from 1 over the sorted component ids, as in Storm.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub u32);

impl TaskId {
    /// The `__system` task that emits tick tuples (Storm's task `-1`).
    pub const SYSTEM: TaskId = TaskId(u32::MAX);

    /// The raw number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == TaskId::SYSTEM {
            f.write_str("-1")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Debug for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskId({self})")
    }
}

/// A stream named by the component that emits it: what a bolt subscribes to.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Debug)]
pub struct GlobalStreamId {
    /// The emitting component.
    pub component: ComponentId,
    /// The stream, within that component.
    pub stream: StreamId,
}

impl GlobalStreamId {
    /// A stream of a component.
    pub fn new(component: impl Into<ComponentId>, stream: impl Into<StreamId>) -> Self {
        Self {
            component: component.into(),
            stream: stream.into(),
        }
    }
}

impl fmt::Display for GlobalStreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.component, self.stream)
    }
}

impl From<&str> for GlobalStreamId {
    /// A component's default stream.
    fn from(component: &str) -> Self {
        Self::new(component, DEFAULT_STREAM)
    }
}

impl From<&String> for GlobalStreamId {
    fn from(component: &String) -> Self {
        Self::new(component, DEFAULT_STREAM)
    }
}

impl From<(&str, &str)> for GlobalStreamId {
    /// `(component, stream)`.
    fn from((component, stream): (&str, &str)) -> Self {
        Self::new(component, stream)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_ids_are_recognised_by_their_prefix() {
        assert!(ComponentId::new("__acker").is_system());
        assert!(!ComponentId::new("split").is_system());
    }

    #[test]
    fn a_bare_component_name_means_its_default_stream() {
        let id: GlobalStreamId = "spout".into();
        assert_eq!(id.stream.as_str(), DEFAULT_STREAM);
        assert_eq!(TaskId::SYSTEM.to_string(), "-1");
    }
}
