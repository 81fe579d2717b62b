//! Validation of a topology before it runs: every error a user can make in the builder is
//! reported here with the ids involved, so nothing starts half-wired.

use std::collections::BTreeMap;

use crate::config::Config;
use crate::error::TopologyError;
use crate::grouping::{CustomGroupingFactory, Grouping};
use crate::topology::{ComponentKind, StormTopology};

/// Checks ids, parallelism, subscriptions, grouping fields and component configs.
pub fn validate(
    topology: &StormTopology,
    custom_groupings: &BTreeMap<String, CustomGroupingFactory>,
) -> Result<(), TopologyError> {
    if !topology
        .components
        .values()
        .any(|c| c.kind == ComponentKind::Spout)
    {
        return Err(TopologyError::NoSpouts);
    }
    for (id, def) in &topology.components {
        check_id(id.as_str())?;
        for stream in def.streams.keys() {
            check_id(stream.as_str())?;
        }
        if def.parallelism_hint == 0 {
            return Err(TopologyError::ZeroParallelism {
                component: id.clone(),
                what: "parallelism hint",
            });
        }
        if def.configured_tasks() == Some(0) {
            return Err(TopologyError::ZeroParallelism {
                component: id.clone(),
                what: "task count",
            });
        }
        Config::default()
            .merged_with(&def.config)
            .and_then(|c| c.validate())
            .map_err(|source| TopologyError::Config {
                component: id.to_string(),
                source,
            })?;
        for sub in &def.inputs {
            let source = topology
                .component(sub.stream.component.as_str())
                .ok_or_else(|| TopologyError::UnknownComponent {
                    component: sub.stream.component.clone(),
                    referenced_by: id.clone(),
                })?;
            let info = source.streams.get(&sub.stream.stream).ok_or_else(|| {
                TopologyError::UndeclaredStream {
                    component: sub.stream.component.clone(),
                    stream: sub.stream.stream.clone(),
                    referenced_by: id.clone(),
                }
            })?;
            if let Some(fields) = sub.grouping.key_fields() {
                if let Some(missing) = fields.names().iter().find(|f| !info.fields.contains(f)) {
                    return Err(TopologyError::UnknownField {
                        field: missing.clone(),
                        component: sub.stream.component.clone(),
                        stream: sub.stream.stream.clone(),
                        referenced_by: id.clone(),
                    });
                }
            }
            let is_direct_grouping = sub.grouping == Grouping::Direct;
            if is_direct_grouping != info.direct {
                return Err(TopologyError::DirectMismatch {
                    component: sub.stream.component.clone(),
                    stream: sub.stream.stream.clone(),
                    referenced_by: id.clone(),
                    grouping: sub.grouping.name(),
                    declared: if info.direct { "direct" } else { "not direct" },
                });
            }
            if let Grouping::Custom(name) = &sub.grouping {
                if !custom_groupings.contains_key(name) {
                    return Err(TopologyError::UnknownCustomGrouping {
                        name: name.clone(),
                        referenced_by: id.clone(),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Storm reserves `__` ids; empty ids and path separators cannot name znodes or files.
fn check_id(id: &str) -> Result<(), TopologyError> {
    let reason = if id.is_empty() {
        Some("ids may not be empty")
    } else if id.starts_with("__") {
        Some("ids starting with \"__\" are reserved for Storm's system components and streams")
    } else if id.contains(['/', '\\', '\0']) {
        Some("ids may not contain '/', '\\' or NUL")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(TopologyError::InvalidId {
            id: id.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}
