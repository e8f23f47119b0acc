//! Which of the four regimes of a grokking phase diagram a run is in (Liu
//! et al. 2022, "Towards understanding grokking": comprehension, grokking,
//! memorisation, confusion), by a rule on its two thresholds alone:
//! memorised = train accuracy first ≥ 99 %, grokked = test accuracy first
//! ≥ 95 % (`History::memorised_at`, `History::grokked_at`).
//!
//! - **grokking** (memorise, then grok): both, and grokking took more than
//!   [`DELAY`] times the steps memorising did;
//! - **comprehension** (no gap): grokked within [`DELAY`] times the steps to
//!   memorise, or grokked without memorising;
//! - **memorisation only**: memorised, never grokked;
//! - **no learning**: neither (a diverged run included: its records stop).
//!
//! A ratio, not a difference, because the steps live on a log axis: a
//! delay counts when it is more than two doublings of the time taken to
//! memorise, visible as a gap between the two accuracy curves on the page's
//! log step axis, whatever the learning rate.

use super::history::History;

/// How many times the steps to memorise grokking may take and still count
/// as comprehension without a gap.
pub const DELAY: f64 = 4.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Regime {
    Grokking,
    Comprehension,
    Memorisation,
    NoLearning,
}

impl Regime {
    pub const ALL: [Regime; 4] = [Regime::Grokking, Regime::Comprehension, Regime::Memorisation, Regime::NoLearning];

    /// The rule, on the steps at which the run memorised and grokked.
    pub fn of_steps(memorised: Option<f64>, grokked: Option<f64>) -> Regime {
        match (memorised, grokked) {
            (Some(m), Some(g)) if g > DELAY * m => Regime::Grokking,
            (_, Some(_)) => Regime::Comprehension,
            (Some(_), None) => Regime::Memorisation,
            (None, None) => Regime::NoLearning,
        }
    }

    pub fn of(h: &History) -> Regime {
        Regime::of_steps(h.memorised_at().map(f64::from), h.grokked_at().map(f64::from))
    }

    pub fn name(self) -> &'static str {
        match self {
            Regime::Grokking => "memorise, then grok",
            Regime::Comprehension => "comprehension (no gap)",
            Regime::Memorisation => "memorisation only",
            Regime::NoLearning => "no learning",
        }
    }

    /// One letter, for a cell listing its seeds.
    pub fn letter(self) -> char {
        match self {
            Regime::Grokking => 'G',
            Regime::Comprehension => 'C',
            Regime::Memorisation => 'M',
            Regime::NoLearning => 'N',
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::engine::StepRecord;

    /// A run of `steps` steps whose train and test accuracy jump from 0 to
    /// 1 at the given steps (None: never).
    fn run(steps: u32, train_at: Option<u32>, test_at: Option<u32>) -> History {
        let mut h = History::new(&RunConfig { steps, every: 0, ..RunConfig::default() }, "cpu");
        let acc = |at: Option<u32>, s: u32| if at.is_some_and(|a| s >= a) { 1.0 } else { 0.0 };
        let records: Vec<StepRecord> = (1..=steps)
            .map(|s| StepRecord {
                step: s,
                train_loss: 1.0,
                train_acc: acc(train_at, s),
                test_loss: 1.0,
                test_acc: acc(test_at, s),
            })
            .collect();
        h.push(&records);
        h
    }

    #[test]
    fn the_four_regimes_on_hand_built_runs() {
        assert_eq!(Regime::of(&run(1000, Some(20), Some(800))), Regime::Grokking);
        assert_eq!(Regime::of(&run(1000, Some(20), Some(30))), Regime::Comprehension);
        assert_eq!(Regime::of(&run(1000, Some(20), None)), Regime::Memorisation);
        assert_eq!(Regime::of(&run(1000, None, None)), Regime::NoLearning);
        // Test accuracy at 95 % while train accuracy stays below 99 %: no gap.
        assert_eq!(Regime::of(&run(1000, None, Some(400))), Regime::Comprehension);
    }

    #[test]
    fn the_delay_is_a_ratio_with_its_boundary_in_comprehension() {
        assert_eq!(Regime::of(&run(1000, Some(20), Some(80))), Regime::Comprehension);
        assert_eq!(Regime::of(&run(1000, Some(20), Some(81))), Regime::Grokking);
        assert_eq!(Regime::of(&run(10_000, Some(200), Some(800))), Regime::Comprehension);
        assert_eq!(Regime::of_steps(Some(20.0), Some(80.5)), Regime::Grokking, "medians may be halves");
    }

    #[test]
    fn thresholds_are_the_histories_own() {
        // Train accuracy 0.985 is not memorised; test accuracy 0.95 is grokked.
        let mut h = run(10, None, None);
        h.steps[4].train_acc = 0.985;
        assert_eq!(Regime::of(&h), Regime::NoLearning);
        h.steps[5].train_acc = 0.99;
        assert_eq!(Regime::of(&h), Regime::Memorisation);
        h.steps[9].test_acc = 0.95;
        assert_eq!(Regime::of(&h), Regime::Comprehension, "grokked at 10, memorised at 6");
    }
}
