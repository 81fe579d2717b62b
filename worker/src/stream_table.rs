//! `StreamTable`: numbers every (component, stream) of a topology, so tuples carry a `u32`
//! instead of two strings, and receivers find each stream's field names once.

use std::collections::HashMap;
use std::rc::Rc;

use storm_core::dataplane::TupleSource;
use storm_core::system::{SYSTEM_COMPONENT, TICK_FIELD, TICK_STREAM};
use storm_core::{ComponentId, Fields, GlobalStreamId, StormTopology, StreamId};

/// Every stream of a topology, numbered in sorted order (so every worker numbers them alike).
#[derive(Debug, Clone)]
pub struct StreamTable {
    sources: Vec<TupleSource>,
    index: HashMap<GlobalStreamId, u32>,
}

impl StreamTable {
    /// Numbers the streams of a topology (system streams included, tick first).
    pub fn new(topology: &StormTopology) -> Self {
        let mut sources = vec![TupleSource {
            component: ComponentId::new(SYSTEM_COMPONENT),
            stream: StreamId::new(TICK_STREAM),
            fields: Fields::from([TICK_FIELD]),
        }];
        for (component, def) in &topology.components {
            for (stream, info) in &def.streams {
                sources.push(TupleSource {
                    component: component.clone(),
                    stream: stream.clone(),
                    fields: info.fields.clone(),
                });
            }
        }
        let index = sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    GlobalStreamId::new(s.component.clone(), s.stream.clone()),
                    i as u32,
                )
            })
            .collect();
        Self { sources, index }
    }

    /// The index of the tick stream.
    pub const TICK: u32 = 0;

    /// The number of a stream.
    pub fn index_of(&self, stream: &GlobalStreamId) -> Option<u32> {
        self.index.get(stream).copied()
    }

    /// Every stream's id (without its component), by number: how stats name them.
    pub fn stream_ids(&self) -> std::sync::Arc<[String]> {
        self.sources.iter().map(|s| s.stream.to_string()).collect()
    }

    /// The stream with a number.
    pub fn source(&self, index: u32) -> Option<&TupleSource> {
        self.sources.get(index as usize)
    }

    /// A private copy of every stream's schema, for one task: its tuples share these `Rc`s.
    pub fn schemas(&self) -> Vec<Rc<TupleSource>> {
        self.sources.iter().cloned().map(Rc::new).collect()
    }
}
