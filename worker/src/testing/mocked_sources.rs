//! `MockedSources`: the fixed tuples each spout should emit in a test (Storm's `MockedSources`).

use std::collections::BTreeMap;

use storm_core::{ComponentId, StreamId, Values};

/// Fixed tuples per spout, each with its stream.
#[derive(Debug, Clone, Default)]
pub struct MockedSources {
    data: BTreeMap<ComponentId, Vec<(StreamId, Values)>>,
}

impl MockedSources {
    /// No mocked data.
    pub fn new() -> Self {
        Self::default()
    }

    /// Tuples that `spout` emits on its default stream.
    pub fn add_mock_data(
        &mut self,
        spout: impl Into<ComponentId>,
        tuples: impl IntoIterator<Item = Values>,
    ) -> &mut Self {
        self.add_mock_data_on(spout, storm_core::DEFAULT_STREAM, tuples)
    }

    /// Tuples that `spout` emits on `stream`.
    pub fn add_mock_data_on(
        &mut self,
        spout: impl Into<ComponentId>,
        stream: impl Into<StreamId>,
        tuples: impl IntoIterator<Item = Values>,
    ) -> &mut Self {
        let stream = stream.into();
        self.data
            .entry(spout.into())
            .or_default()
            .extend(tuples.into_iter().map(|v| (stream.clone(), v)));
        self
    }

    /// The mocked spouts and their tuples.
    pub fn iter(&self) -> impl Iterator<Item = (&ComponentId, &Vec<(StreamId, Values)>)> {
        self.data.iter()
    }
}
