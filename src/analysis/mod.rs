//! Progress measures of the paper: Ward clustering of neurons, Gaussian-copula
//! O-information over multiplets of clusters, and the display transforms.

use serde::{Deserialize, Serialize};

/// How a multiplet of clusters becomes a matrix: one averaged column per
/// cluster (`mean`, the paper's text) or every neuron of the clusters
/// (`union`, the authors' code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Mean,
    Union,
}

/// How tied values are ranked by the Gaussian copula.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Seeded random keys, drawn independently per neuron.
    Random,
    /// Sample order (what hoi and gcmi do).
    Stable,
    /// Mid-ranks.
    Average,
}

impl Mode {
    pub const ALL: [Mode; 2] = [Mode::Mean, Mode::Union];
    pub fn name(self) -> &'static str {
        match self {
            Mode::Mean => "mean",
            Mode::Union => "union",
        }
    }
}

impl Ties {
    pub const ALL: [Ties; 3] = [Ties::Random, Ties::Stable, Ties::Average];
    pub fn name(self) -> &'static str {
        match self {
            Ties::Random => "random",
            Ties::Stable => "stable",
            Ties::Average => "average",
        }
    }
}
