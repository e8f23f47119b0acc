//! grokscope: train the paper's network on the GPU and watch synergy and
//! redundancy between its neurons announce grokking.
//!
//! Data flows one way: `config` -> `data` -> `engine` (with `model`) ->
//! `run` (the driver: checkpoint activations -> `analysis` -> history) ->
//! `charts` -> the front ends (`bin/grokscope`, `report`, `web`). `sweep`
//! names a grid of runs and what its phase diagram reads off them.

pub mod analysis;
pub mod charts;
pub mod claims;
pub mod config;
pub mod data;
pub mod engine;
pub mod model;
pub mod npy;
pub mod par;
pub mod references;
#[cfg(not(target_arch = "wasm32"))]
pub mod report;
pub mod rng;
pub mod run;
pub mod sweep;
pub mod url;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// FNV-1a digest of a configuration's train split and initial parameters
/// (their exact bits): equal on every target for the same configuration.
pub fn fingerprint(c: &config::RunConfig) -> String {
    let data = data::Dataset::new(c);
    let (prm, norm0) = model::Params::init(c);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let words = data
        .train
        .packed()
        .into_iter()
        .chain(prm.theta.iter().map(|x| x.to_bits()))
        .chain([norm0.to_bits() as u32, (norm0.to_bits() >> 32) as u32]);
    for w in words {
        for b in w.to_le_bytes() {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
