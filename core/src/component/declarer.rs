//! `OutputFieldsDeclarer`: how a component names the streams it emits and their fields.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::StreamId;
use crate::tuple::Fields;

/// A declared output stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamInfo {
    /// Its fields, in order.
    pub fields: Fields,
    /// Direct streams are sent with `emit_direct` to a task the emitter picks.
    pub direct: bool,
}

/// Collects the streams a component declares (Storm's `OutputFieldsDeclarer`).
#[derive(Debug, Default)]
pub struct OutputFieldsDeclarer {
    streams: BTreeMap<StreamId, StreamInfo>,
    duplicates: Vec<StreamId>,
}

impl OutputFieldsDeclarer {
    /// An empty declarer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares the default stream.
    pub fn declare(&mut self, fields: impl Into<Fields>) {
        self.declare_stream(crate::DEFAULT_STREAM, fields);
    }

    /// Declares the default stream, direct or not.
    pub fn declare_direct(&mut self, direct: bool, fields: impl Into<Fields>) {
        self.declare_stream_direct(crate::DEFAULT_STREAM, direct, fields);
    }

    /// Declares a named stream.
    pub fn declare_stream(&mut self, stream: impl Into<StreamId>, fields: impl Into<Fields>) {
        self.declare_stream_direct(stream, false, fields);
    }

    /// Declares a named stream, direct or not.
    pub fn declare_stream_direct(
        &mut self,
        stream: impl Into<StreamId>,
        direct: bool,
        fields: impl Into<Fields>,
    ) {
        let stream = stream.into();
        let info = StreamInfo {
            fields: fields.into(),
            direct,
        };
        if self.streams.insert(stream.clone(), info).is_some() {
            self.duplicates.push(stream);
        }
    }

    /// The streams declared so far, and any declared twice.
    pub fn into_parts(self) -> (BTreeMap<StreamId, StreamInfo>, Vec<StreamId>) {
        (self.streams, self.duplicates)
    }
}
