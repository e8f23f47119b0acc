//! A run, from its configuration to its history: the driver that every
//! front end advances (the command line in a loop, the page a few steps per
//! animation frame), the measures taken at checkpoints, and what is read off
//! the finished history (phases, the early-synergy prediction, the
//! synergistic sub-network), and the probe of a network's answer.

pub mod backend;
pub mod batch;
pub mod driver;
pub mod history;
pub mod measure;
pub mod phases;
pub mod pool;
pub mod predict;
pub mod probe;
pub mod regime;
pub mod subnet;

pub use backend::Backend;
pub use driver::{Action, Driver, Measuring, Outcome};

use history::History;
use phases::PhaseBand;
use serde::Serialize;

/// The early-synergy prediction as a run's JSON states it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Told {
    /// The checkpoint step at which grokking was first predicted (None: never).
    pub step: Option<u32>,
    pub groks: bool,
    /// Steps from the prediction to test accuracy 95 % (negative: made after).
    pub lead: Option<i64>,
    pub message: String,
}

/// What the prediction rule said over the whole run, checkpoint by checkpoint.
pub fn told(h: &History) -> Told {
    let p = predict::predict_early(h, 1.0, &predict::Rule::default());
    let step = p.groks.then_some(p.upto);
    let lead = step.zip(h.grokked_at()).map(|(s, g)| g as i64 - s as i64);
    Told { step, groks: p.groks, lead, message: p.message }
}

/// A run as `grokscope train` writes it and the page exports it: the
/// history, with its phases and the prediction read off it, so that a run's
/// story can be checked without the page.
pub fn to_json(h: &History) -> String {
    #[derive(Serialize)]
    struct Story<'a> {
        #[serde(flatten)]
        history: &'a History,
        phases: Vec<PhaseBand>,
        prediction: Told,
    }
    let story = Story { history: h, phases: phases::phases_of(h), prediction: told(h) };
    serde_json::to_string(&story).expect("a history serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::engine::StepRecord;

    #[test]
    fn the_json_tells_the_story_beside_the_records() {
        let mut h = History::new(&RunConfig { steps: 3, ..RunConfig::default() }, "cpu");
        let rec = |step| StepRecord { step, train_loss: 1.0, train_acc: 0.5, test_loss: 1.0, test_acc: 0.99 };
        h.push(&[rec(1), rec(2), rec(3)]);
        let v: serde_json::Value = serde_json::from_str(&to_json(&h)).unwrap();
        assert_eq!(v["steps"].as_array().unwrap().len(), 3);
        assert_eq!(v["phases"], serde_json::json!([]));
        // No checkpoints: no prediction was made, though the run grokked at step 1.
        assert_eq!(v["prediction"]["step"], serde_json::Value::Null);
        assert_eq!((v["prediction"]["groks"].as_bool(), v["prediction"]["lead"].is_null()), (Some(false), true));
    }
}
