//! `InputBatch`: the tuples of one received batch, built one at a time from its rows as a bolt
//! takes them (see the provided `Bolt::execute_batch`).

use std::fmt;
use std::rc::Rc;

use super::{BatchDrain, TupleSource};
use crate::ids::TaskId;
use crate::tuple::Tuple;

/// A row whose stream number the receiving task does not know (a wiring bug or a foreign
/// frame): the row is skipped and the error reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownStream {
    /// The task that sent it.
    pub source_task: TaskId,
    /// Its stream number.
    pub stream: u32,
}

impl fmt::Display for UnknownStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tuple from task {} on unknown stream #{}; dropped",
            self.source_task, self.stream
        )
    }
}

impl std::error::Error for UnknownStream {}

/// The tuples of one batch from one task, in the order they were emitted.
pub struct InputBatch<'a> {
    rows: BatchDrain<'a>,
    schemas: &'a [Rc<TupleSource>],
    source_task: TaskId,
}

impl<'a> InputBatch<'a> {
    /// The tuples of `rows`, sent by `source_task`; `schemas` maps stream numbers to their
    /// component, stream and fields.
    pub fn new(rows: BatchDrain<'a>, schemas: &'a [Rc<TupleSource>], source_task: TaskId) -> Self {
        Self {
            rows,
            schemas,
            source_task,
        }
    }

    /// The task that sent the batch.
    pub fn source_task(&self) -> TaskId {
        self.source_task
    }

    /// The next tuple, built in `slot`: a tuple already there from the same stream takes the
    /// row's values and ids in place, so a run of rows shares one tuple and one reference to
    /// the schema. For callers that only lend each tuple out (as [`crate::BasicBolt`] does);
    /// one that keeps tuples takes them from the iterator instead.
    #[inline(always)]
    pub fn next_reusing<'s>(
        &mut self,
        slot: &'s mut Option<Tuple>,
    ) -> Option<Result<&'s Tuple, UnknownStream>> {
        let (stream, message_id) = self.rows.next_record()?;
        let Some(schema) = self.schemas.get(stream as usize) else {
            return Some(Err(UnknownStream {
                source_task: self.source_task,
                stream,
            }));
        };
        match slot {
            Some(tuple) if tuple.has_source(schema) => {
                tuple.refill_from(&mut self.rows, message_id);
            }
            _ => {
                *slot = Some(Tuple::new(
                    self.rows.take_values(),
                    schema.clone(),
                    self.source_task,
                    message_id,
                ))
            }
        }
        slot.as_ref().map(Ok)
    }
}

impl Iterator for InputBatch<'_> {
    type Item = Result<Tuple, UnknownStream>;

    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        Some(match self.schemas.get(row.stream as usize) {
            Some(schema) => Ok(Tuple::new(
                row.values,
                schema.clone(),
                self.source_task,
                row.message_id,
            )),
            None => Err(UnknownStream {
                source_task: self.source_task,
                stream: row.stream,
            }),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataplane::BatchTuples;
    use crate::tuple::{Fields, MessageId};
    use crate::{values, ComponentId, StreamId};

    #[test]
    fn rows_become_tuples_with_their_schema_and_unknown_streams_are_errors() {
        let schema = Rc::new(TupleSource {
            component: ComponentId::new("split"),
            stream: StreamId::default_stream(),
            fields: Fields::from(["word"]),
        });
        let mut rows = BatchTuples::default();
        rows.push(0, values!["a"], MessageId::unanchored());
        rows.push(5, values!["lost"], MessageId::unanchored());
        rows.push(0, values!["b"], MessageId::root(1, 2));
        let schemas = [schema];
        let out: Vec<_> = InputBatch::new(rows.drain(), &schemas, TaskId(7)).collect();
        assert_eq!(out.len(), 3);
        let first = out[0].as_ref().expect("known stream");
        assert_eq!(first.get_str_by_field("word"), Some("a"));
        assert_eq!(first.source_task(), TaskId(7));
        assert_eq!(first.source_component().as_str(), "split");
        let lost = out[1].as_ref().expect_err("stream 5 is unknown");
        assert_eq!(
            lost.to_string(),
            "tuple from task 7 on unknown stream #5; dropped"
        );
        let third = out[2].as_ref().expect("known stream");
        assert!(!third.message_id().is_unanchored());
    }

    #[test]
    fn a_reused_tuple_is_each_row_in_turn_with_its_own_schema_and_a_fresh_anchor_value() {
        let source = |component: &str, field: &str| {
            Rc::new(TupleSource {
                component: ComponentId::new(component),
                stream: StreamId::default_stream(),
                fields: Fields::from([field]),
            })
        };
        let schemas = [source("split", "word"), source("other", "name")];
        let mut rows = BatchTuples::default();
        rows.push(0, values!["a"], MessageId::root(1, 2));
        rows.push(0, values!["b"], MessageId::unanchored());
        rows.push(9, values!["lost"], MessageId::unanchored());
        rows.push(1, values!["c"], MessageId::unanchored());
        let mut inputs = InputBatch::new(rows.drain(), &schemas, TaskId(7));
        let mut slot = None;
        let mut seen = Vec::new();
        while let Some(next) = inputs.next_reusing(&mut slot) {
            match next {
                Ok(t) => {
                    assert_eq!(t.out_ack_val(), 0, "no edge carried over from the last row");
                    t.xor_out_ack_val(5);
                    seen.push((
                        t.source_component().to_string(),
                        t.fields().get(0).map(str::to_owned),
                        t.get_str(0).map(str::to_owned),
                        t.message_id().is_unanchored(),
                    ));
                }
                Err(unknown) => seen.push(("?".into(), None, None, unknown.stream == 9)),
            }
        }
        let row = |c: &str, f: Option<&str>, v: Option<&str>, unanchored| {
            (
                c.to_owned(),
                f.map(str::to_owned),
                v.map(str::to_owned),
                unanchored,
            )
        };
        assert_eq!(
            seen,
            vec![
                row("split", Some("word"), Some("a"), false),
                row("split", Some("word"), Some("b"), true),
                row("?", None, None, true),
                row("other", Some("name"), Some("c"), true),
            ]
        );
    }

    #[test]
    fn a_reused_tuple_takes_heap_and_inline_values_in_turn() {
        let schema = Rc::new(TupleSource {
            component: ComponentId::new("split"),
            stream: StreamId::default_stream(),
            fields: Fields::from(["a", "b", "c"]),
        });
        let long = "a string too long to be stored inline in a value";
        let rows_in = [
            values![long],
            values!["short", 2],
            values![long, long, 3],
            values!["x"],
            values![long, 1],
        ];
        let mut rows = BatchTuples::default();
        for v in rows_in.clone() {
            rows.push(0, v, MessageId::unanchored());
        }
        let schemas = [schema];
        let mut inputs = InputBatch::new(rows.drain(), &schemas, TaskId(7));
        let mut slot = None;
        let mut seen = Vec::new();
        while let Some(next) = inputs.next_reusing(&mut slot) {
            seen.push(next.expect("known stream").values().clone());
        }
        assert_eq!(seen, rows_in);
    }
}
