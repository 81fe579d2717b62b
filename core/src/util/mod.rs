//! Small self-contained algorithms the model needs: Java's hash codes and `Random`, and
//! SplitMix64; and the error-chain message the command-line entry points print.

pub mod error_chain;
pub mod fast_mod;
pub mod java_hash;
pub mod java_random;
pub mod split_mix;

pub use error_chain::ErrorChain;
pub use fast_mod::FloorMod;
pub use java_random::JavaRandom;
pub use split_mix::SplitMix64;
