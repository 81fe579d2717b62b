//! `TopologyBuilder`: wires spouts and bolts into a topology with Storm's builder API.
//!
//! Each component is given as a factory, called once per task. The builder calls it once more
//! at build time to ask the component which streams it declares.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::component::{BasicBolt, Bolt, OutputFieldsDeclarer, Spout};
use crate::dataplane::BasicBoltAdapter;
use crate::error::TopologyError;
use crate::grouping::{CustomGroupingFactory, CustomStreamGrouping, Grouping};
use crate::ids::{ComponentId, GlobalStreamId, StreamId};
use crate::topology::{
    validate, BoltFactory, ComponentDef, ComponentKind, SpoutFactory, StormTopology, Subscription,
    Topology,
};
use crate::tuple::Fields;

/// Assembles a topology (Storm's `TopologyBuilder`).
///
/// ```
/// use storm_core::*;
///
/// struct Numbers(i64);
/// impl Spout for Numbers {
///     fn next_tuple(&mut self, c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
///         self.0 += 1;
///         c.emit(values![self.0])?;
///         Ok(())
///     }
///     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
///         d.declare(["n"]);
///     }
/// }
///
/// struct Double;
/// impl BasicBolt for Double {
///     fn execute(&mut self, t: &Tuple, c: &mut BasicOutputCollector<'_, '_>) -> ComponentResult {
///         c.emit(values![t.get_i64(0).unwrap_or(0) * 2])?;
///         Ok(())
///     }
///     fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
///         d.declare(["doubled"]);
///     }
/// }
///
/// let mut builder = TopologyBuilder::new();
/// builder.set_spout("numbers", || Numbers(0), 2);
/// builder.set_basic_bolt("double", || Double, 4).shuffle_grouping("numbers");
/// let topology = builder.create_topology().expect("valid");
/// assert_eq!(topology.definition.components.len(), 2);
/// ```
#[derive(Default)]
pub struct TopologyBuilder {
    topology: StormTopology,
    spouts: BTreeMap<ComponentId, SpoutFactory>,
    bolts: BTreeMap<ComponentId, BoltFactory>,
    custom_groupings: BTreeMap<String, CustomGroupingFactory>,
    errors: Vec<TopologyError>,
}

impl TopologyBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a spout run by `parallelism` executors (one task each unless `set_num_tasks`).
    pub fn set_spout<S, F>(
        &mut self,
        id: impl Into<ComponentId>,
        factory: F,
        parallelism: u32,
    ) -> SpoutDeclarer<'_>
    where
        S: Spout,
        F: Fn() -> S + Send + Sync + 'static,
    {
        let id = id.into();
        let mut declarer = OutputFieldsDeclarer::new();
        factory().declare_output_fields(&mut declarer);
        let factory: SpoutFactory = Arc::new(move || Box::new(factory()) as Box<dyn Spout>);
        self.add_component(id.clone(), ComponentKind::Spout, declarer, parallelism);
        self.spouts.insert(id.clone(), factory);
        SpoutDeclarer {
            common: ComponentConfigurer { builder: self, id },
        }
    }

    /// Adds a bolt run by `parallelism` executors (one task each unless `set_num_tasks`).
    pub fn set_bolt<B, F>(
        &mut self,
        id: impl Into<ComponentId>,
        factory: F,
        parallelism: u32,
    ) -> BoltDeclarer<'_>
    where
        B: Bolt,
        F: Fn() -> B + Send + Sync + 'static,
    {
        let id = id.into();
        let mut declarer = OutputFieldsDeclarer::new();
        factory().declare_output_fields(&mut declarer);
        let factory: BoltFactory = Arc::new(move || Box::new(factory()) as Box<dyn Bolt>);
        self.add_component(id.clone(), ComponentKind::Bolt, declarer, parallelism);
        self.bolts.insert(id.clone(), factory);
        BoltDeclarer {
            common: ComponentConfigurer { builder: self, id },
        }
    }

    /// Adds a [`BasicBolt`]: its emits are anchored and its inputs acked for it.
    pub fn set_basic_bolt<B, F>(
        &mut self,
        id: impl Into<ComponentId>,
        factory: F,
        parallelism: u32,
    ) -> BoltDeclarer<'_>
    where
        B: BasicBolt,
        F: Fn() -> B + Send + Sync + 'static,
    {
        self.set_bolt(id, move || BasicBoltAdapter(factory()), parallelism)
    }

    /// Validates the topology and returns it with its factories.
    pub fn create_topology(self) -> Result<Topology, TopologyError> {
        if let Some(e) = self.errors.into_iter().next() {
            return Err(e);
        }
        validate(&self.topology, &self.custom_groupings)?;
        Ok(Topology {
            definition: self.topology,
            spouts: self.spouts,
            bolts: self.bolts,
            custom_groupings: self.custom_groupings,
        })
    }

    fn add_component(
        &mut self,
        id: ComponentId,
        kind: ComponentKind,
        declarer: OutputFieldsDeclarer,
        parallelism: u32,
    ) {
        let (streams, duplicates) = declarer.into_parts();
        for stream in duplicates {
            self.errors.push(TopologyError::DuplicateStream {
                component: id.clone(),
                stream,
            });
        }
        if self.topology.components.contains_key(&id) {
            self.errors
                .push(TopologyError::DuplicateComponent(id.clone()));
            return;
        }
        self.topology.components.insert(
            id,
            ComponentDef {
                kind,
                inputs: Vec::new(),
                streams,
                parallelism_hint: parallelism,
                config: BTreeMap::new(),
            },
        );
    }
}

/// Settings shared by spouts and bolts (Storm's `ComponentConfigurationDeclarer`).
struct ComponentConfigurer<'a> {
    builder: &'a mut TopologyBuilder,
    id: ComponentId,
}

impl ComponentConfigurer<'_> {
    fn def(&mut self) -> Option<&mut ComponentDef> {
        self.builder.topology.components.get_mut(&self.id)
    }

    fn add_configuration(&mut self, key: &str, value: serde_json::Value) {
        if let Some(def) = self.def() {
            def.config.insert(key.to_owned(), value);
        }
    }
}

/// Returned by [`TopologyBuilder::set_spout`] to configure the spout.
pub struct SpoutDeclarer<'a> {
    common: ComponentConfigurer<'a>,
}

impl SpoutDeclarer<'_> {
    /// Runs the component as `n` tasks spread over its executors (`topology.tasks`).
    pub fn set_num_tasks(mut self, n: u32) -> Self {
        self.common
            .add_configuration("topology.tasks", serde_json::Value::from(n));
        self
    }

    /// Sets a configuration key for this component only.
    pub fn add_configuration(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.common.add_configuration(key, value.into());
        self
    }
}

/// Returned by [`TopologyBuilder::set_bolt`] to subscribe the bolt to streams.
///
/// Each grouping method takes a component id (its default stream) or a
/// `(component, stream)` pair.
pub struct BoltDeclarer<'a> {
    common: ComponentConfigurer<'a>,
}

impl BoltDeclarer<'_> {
    fn grouping(mut self, stream: GlobalStreamId, grouping: Grouping) -> Self {
        if let Some(def) = self.common.def() {
            def.inputs.push(Subscription { stream, grouping });
        }
        self
    }

    /// Tuples go round-robin over a random permutation of this bolt's tasks.
    pub fn shuffle_grouping(self, source: impl Into<GlobalStreamId>) -> Self {
        self.grouping(source.into(), Grouping::Shuffle)
    }

    /// Tuples with equal values in `fields` go to the same task.
    pub fn fields_grouping(
        self,
        source: impl Into<GlobalStreamId>,
        fields: impl Into<Fields>,
    ) -> Self {
        self.grouping(source.into(), Grouping::Fields(fields.into()))
    }

    /// Every tuple goes to the task with the lowest id.
    pub fn global_grouping(self, source: impl Into<GlobalStreamId>) -> Self {
        self.grouping(source.into(), Grouping::Global)
    }

    /// Every tuple goes to every task.
    pub fn all_grouping(self, source: impl Into<GlobalStreamId>) -> Self {
        self.grouping(source.into(), Grouping::All)
    }

    /// Each tuple goes to one random task.
    pub fn none_grouping(self, source: impl Into<GlobalStreamId>) -> Self {
        self.grouping(source.into(), Grouping::None)
    }

    /// The emitter picks the task with `emit_direct`; the stream must be declared direct.
    pub fn direct_grouping(self, source: impl Into<GlobalStreamId>) -> Self {
        self.grouping(source.into(), Grouping::Direct)
    }

    /// Shuffle over this bolt's tasks in the emitter's worker, if there are any.
    pub fn local_or_shuffle_grouping(self, source: impl Into<GlobalStreamId>) -> Self {
        self.grouping(source.into(), Grouping::LocalOrShuffle)
    }

    /// Each key goes to the less loaded of two tasks picked by its hash.
    pub fn partial_key_grouping(
        self,
        source: impl Into<GlobalStreamId>,
        fields: impl Into<Fields>,
    ) -> Self {
        self.grouping(source.into(), Grouping::PartialKey(fields.into()))
    }

    /// Tuples go where a user grouping says; `factory` builds one per emitting task.
    pub fn custom_grouping<G, F>(self, source: impl Into<GlobalStreamId>, factory: F) -> Self
    where
        G: CustomStreamGrouping + 'static,
        F: Fn() -> G + Send + Sync + 'static,
    {
        let source = source.into();
        let name = format!("{}<-{}", self.common.id, source);
        self.common.builder.custom_groupings.insert(
            name.clone(),
            Arc::new(move || Box::new(factory()) as Box<dyn CustomStreamGrouping>),
        );
        self.grouping(source, Grouping::Custom(name))
    }

    /// Runs the component as `n` tasks spread over its executors (`topology.tasks`).
    pub fn set_num_tasks(mut self, n: u32) -> Self {
        self.common
            .add_configuration("topology.tasks", serde_json::Value::from(n));
        self
    }

    /// Sets a configuration key for this component only, e.g. `topology.tick.tuple.freq.secs`.
    pub fn add_configuration(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.common.add_configuration(key, value.into());
        self
    }
}

impl From<(&str, &StreamId)> for GlobalStreamId {
    fn from((component, stream): (&str, &StreamId)) -> Self {
        GlobalStreamId::new(component, stream.clone())
    }
}
