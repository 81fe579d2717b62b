//! Small self-contained algorithms the model needs: Java's hash codes and `Random`, and SplitMix64.

pub mod fast_mod;
pub mod java_hash;
pub mod java_random;
pub mod split_mix;

pub use fast_mod::FloorMod;
pub use java_random::JavaRandom;
pub use split_mix::SplitMix64;
