//! Example topologies in the spirit of Storm's `storm-starter`: the exclamation topology and
//! the word count that the benchmark runs. The examples in `examples/` and the benchmark in
//! `benches/` build their topologies from here, so tests can check them too.
//!
//! The binaries of this package (the examples and the benchmark) each choose mimalloc as
//! their global allocator, as a topology author's binary should (see the README); a library
//! leaves that choice to the binaries that link it. A topology's steady allocations are the
//! long values of its tuples: allocated in batches of a thousand by one task and freed a batch
//! later by another, a pattern glibc's `malloc` serves from its slow paths. Word count at
//! parallelism 2, side by side: 22.7–23.7 M words/s with glibc, 24.4–25.0 M with mimalloc;
//! parallelism 1 unchanged. `no_thp` keeps it from backing its arenas with huge pages: peak RSS
//! 18–21 MB instead of 28–45 MB, at the same speed.

pub mod exclamation;
pub mod latency;
pub mod paced;
pub mod reliable;
pub mod word_count;
