//! Example topologies in the spirit of Storm's `storm-starter`: the exclamation topology and
//! the word count that the benchmark runs. The examples in `examples/` and the benchmark in
//! `benches/` build their topologies from here, so tests can check them too.

pub mod exclamation;
pub mod reliable;
pub mod word_count;
