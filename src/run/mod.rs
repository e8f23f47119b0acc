//! A run, from its configuration to its history: the driver that every
//! front end advances (the command line in a loop, the page a few steps per
//! animation frame), the measures taken at checkpoints, and what is read off
//! the finished history (phases, the early-synergy prediction, the
//! synergistic sub-network).

pub mod backend;
pub mod driver;
pub mod history;
pub mod measure;
pub mod phases;
pub mod predict;
pub mod subnet;

pub use backend::Backend;
pub use driver::{Action, Driver, Measuring, Outcome};
