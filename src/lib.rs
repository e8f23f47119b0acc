//! grokscope: train the paper's network on the GPU and watch synergy and
//! redundancy between its neurons announce grokking.
//!
//! Data flows one way: `config` -> `data` -> `engine` (with `model`) ->
//! checkpoint activations -> `analysis` -> history -> charts and page.

pub mod analysis;
pub mod config;
pub mod data;
pub mod engine;
pub mod model;
pub mod rng;
pub mod url;
