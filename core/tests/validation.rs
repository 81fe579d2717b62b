//! Every validation error the builder reports before anything runs.

// Tests fail by panicking: unwrap and expect are how they assert.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use storm_core::*;

struct S;
impl Spout for S {
    fn next_tuple(&mut self, _c: &mut SpoutOutputCollector<'_>) -> ComponentResult {
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["word"]);
        d.declare_stream_direct("direct", true, ["word"]);
    }
}

struct B;
impl Bolt for B {
    fn execute(&mut self, t: Tuple, c: &mut OutputCollector<'_>) -> ComponentResult {
        c.ack(&t);
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["out"]);
    }
}

struct TwiceDeclared;
impl Bolt for TwiceDeclared {
    fn execute(&mut self, _t: Tuple, _c: &mut OutputCollector<'_>) -> ComponentResult {
        Ok(())
    }
    fn declare_output_fields(&self, d: &mut OutputFieldsDeclarer) {
        d.declare(["a"]);
        d.declare(["b"]);
    }
}

fn err(build: impl FnOnce(&mut TopologyBuilder)) -> TopologyError {
    let mut b = TopologyBuilder::new();
    build(&mut b);
    b.create_topology().expect_err("should be refused")
}

#[test]
fn a_valid_topology_is_accepted() {
    let mut b = TopologyBuilder::new();
    b.set_spout("spout", || S, 2);
    b.set_bolt("bolt", || B, 3)
        .fields_grouping("spout", ["word"])
        .direct_grouping(("spout", "direct"));
    let t = b.create_topology().expect("valid");
    assert_eq!(t.definition.components.len(), 2);
}

#[test]
fn unknown_component() {
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1).shuffle_grouping("spuot");
    });
    assert_eq!(
        e,
        TopologyError::UnknownComponent {
            component: "spuot".into(),
            referenced_by: "bolt".into()
        }
    );
    assert!(e.to_string().contains("unknown component \"spuot\""));
}

#[test]
fn undeclared_stream() {
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1)
            .shuffle_grouping(("spout", "missing"));
    });
    assert_eq!(
        e,
        TopologyError::UndeclaredStream {
            component: "spout".into(),
            stream: "missing".into(),
            referenced_by: "bolt".into()
        }
    );
}

#[test]
fn fields_grouping_on_an_undeclared_field() {
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1)
            .fields_grouping("spout", ["wrod"]);
    });
    assert_eq!(
        e,
        TopologyError::UnknownField {
            field: "wrod".into(),
            component: "spout".into(),
            stream: "default".into(),
            referenced_by: "bolt".into()
        }
    );
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1)
            .partial_key_grouping("spout", ["nope"]);
    });
    assert!(matches!(e, TopologyError::UnknownField { field, .. } if field == "nope"));
}

#[test]
fn zero_parallelism_and_zero_tasks() {
    let e = err(|b| {
        b.set_spout("spout", || S, 0);
    });
    assert_eq!(
        e,
        TopologyError::ZeroParallelism {
            component: "spout".into(),
            what: "parallelism hint"
        }
    );
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1)
            .set_num_tasks(0)
            .shuffle_grouping("spout");
    });
    assert_eq!(
        e,
        TopologyError::ZeroParallelism {
            component: "bolt".into(),
            what: "task count"
        }
    );
}

#[test]
fn duplicate_ids() {
    let e = err(|b| {
        b.set_spout("x", || S, 1);
        b.set_bolt("x", || B, 1);
    });
    assert_eq!(e, TopologyError::DuplicateComponent("x".into()));
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("twice", || TwiceDeclared, 1)
            .shuffle_grouping("spout");
    });
    assert_eq!(
        e,
        TopologyError::DuplicateStream {
            component: "twice".into(),
            stream: "default".into()
        }
    );
}

#[test]
fn reserved_and_empty_ids() {
    let e = err(|b| {
        b.set_spout("__acker", || S, 1);
    });
    assert!(matches!(e, TopologyError::InvalidId { id, .. } if id == "__acker"));
    let e = err(|b| {
        b.set_spout("", || S, 1);
    });
    assert!(matches!(e, TopologyError::InvalidId { id, .. } if id.is_empty()));
}

#[test]
fn no_spouts() {
    let e = err(|b| {
        b.set_bolt("bolt", || B, 1);
    });
    assert_eq!(e, TopologyError::NoSpouts);
}

#[test]
fn direct_grouping_must_match_a_direct_stream() {
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1).direct_grouping("spout");
    });
    assert!(matches!(
        e,
        TopologyError::DirectMismatch {
            declared: "not direct",
            ..
        }
    ));
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1)
            .shuffle_grouping(("spout", "direct"));
    });
    assert!(matches!(
        e,
        TopologyError::DirectMismatch {
            declared: "direct",
            ..
        }
    ));
}

#[test]
fn bad_component_configuration() {
    let e = err(|b| {
        b.set_spout("spout", || S, 1);
        b.set_bolt("bolt", || B, 1)
            .add_configuration("topology.tick.tuple.freq.secs", "often")
            .shuffle_grouping("spout");
    });
    assert!(matches!(e, TopologyError::Config { component, .. } if component == "bolt"));
}
