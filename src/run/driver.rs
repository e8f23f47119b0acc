//! The one training loop, as a state machine every front end advances.
//!
//! The driver holds the run's history and decides what the engine does
//! next ([`Driver::next`]): train a batch that ends on the next checkpoint
//! or capture, read the hidden activations there, wait for measures still
//! being computed, or stop. The front end performs the action on its engine
//! ([`perform`]: the only await) and hands the outcome back
//! ([`Driver::apply`]). Work is submitted ahead of its results: the driver
//! plans from the steps submitted ([`Driver::submitted`]) while the
//! outcomes of earlier work are still on their way, so a GPU never idles
//! waiting on a readback. A [`Batch`](super::batch::Batch) drives several
//! runs trained together on one engine (one model each), so the driver
//! never blocks and never owns the engine.
//!
//! At a checkpoint the driver reads the hidden activations and the
//! parameters: the O-information measures come from the first, the weight
//! measures (weight norm, Fourier spectra, restricted and excluded loss)
//! from the second, and the parameters stay on hand as the latest network
//! ([`Driver::network`], the page's probe). Checkpoints are measured inline
//! (`Measuring::Inline`: native, on the calling thread) or handed out as
//! [`Job`]s (`Measuring::Deferred`: the page's analysis worker), whose
//! results come back through
//! [`Driver::measured`] in any order and enter the history in step order.
//! A checkpoint the analysis rejects (every neuron dead, say) is left out
//! and counted in [`Driver::skipped`]; a loss that is no longer a number
//! ends the run ([`History::diverged_at`]).

use super::history::{Checkpoint, History};
use super::measure;
use crate::config::{RunConfig, Samples};
use crate::data::{all_pairs, Dataset, Split};
use crate::engine::StepRecord;
use crate::model::Params;
use std::collections::BTreeMap;

/// Where the progress measures of a checkpoint are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measuring {
    /// No measures (sub-network retraining, the page's extra seeds).
    Off,
    /// By the driver, as soon as the activations are read.
    Inline,
    /// By the front end, at most this many checkpoints outstanding before
    /// training waits for them.
    Deferred(usize),
}

/// What the engine should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Train at most this many steps.
    Train(u32),
    /// Read the hidden activations at the current step: of the training
    /// inputs, and of `all` when given; and the parameters and the training
    /// logits when `params`.
    Read { train: bool, all: Option<Split>, params: bool },
    /// Measures are outstanding: come back later.
    Wait,
    /// The run is over (finished or diverged) and every measure is in.
    Done,
}

/// What the engine did.
pub enum Outcome {
    Trained(Vec<StepRecord>),
    Read { train: Option<Vec<f32>>, all: Option<Vec<f32>>, params: Option<(Params, Vec<f32>)> },
}

/// A checkpoint to measure outside the driver (`Measuring::Deferred`).
#[derive(Clone, Debug)]
pub struct Job {
    pub step: u32,
    pub rows: usize,
    pub activations: Vec<f32>,
    pub params: Params,
    /// The training set's logits at `params` (`classes` per row).
    pub logits: Vec<f32>,
}

/// Hidden activations kept at one step: on the training inputs and on all p^2.
pub struct Capture {
    pub step: u32,
    pub train: Vec<f32>,
    pub all: Vec<f32>,
}

pub struct Driver {
    history: History,
    measuring: Measuring,
    /// The inputs the analysis sees (when measuring).
    samples: Option<Split>,
    /// Steps whose activations are kept whole, ascending.
    captures: Vec<u32>,
    captured: Vec<Capture>,
    /// The last step whose activations were read or asked for (0: none yet).
    read_at: u32,
    /// Steps submitted to the engine (at least the steps in the history).
    planned: u32,
    /// Training batches and reads submitted whose outcome has not arrived.
    trains_in_flight: usize,
    reads_in_flight: usize,
    /// Deferred checkpoints sent out and not yet back.
    outstanding: Vec<u32>,
    /// Results back early, waiting for an earlier checkpoint's.
    arrived: BTreeMap<u32, Result<Checkpoint, String>>,
    skipped: Vec<String>,
    /// The parameters at the last checkpoint read, and its step.
    network: Option<(u32, Params)>,
}

impl Driver {
    /// A run of `config` from step 0; `backend` describes the engine for the history.
    pub fn new(config: &RunConfig, backend: &str, measuring: Measuring) -> Driver {
        let measured = measuring != Measuring::Off && config.every > 0;
        Driver {
            history: History::new(config, backend),
            measuring: if measured { measuring } else { Measuring::Off },
            samples: measured.then(|| measure::analysis_samples(config, &Dataset::new(config))),
            captures: Vec::new(),
            captured: Vec::new(),
            read_at: 0,
            planned: 0,
            trains_in_flight: 0,
            reads_in_flight: 0,
            outstanding: Vec::new(),
            arrived: BTreeMap::new(),
            skipped: Vec::new(),
            network: None,
        }
    }

    /// A run that already happened (`history`, kept by the page): it has
    /// nothing left to do but be shown and exported.
    pub fn finished(history: History) -> Driver {
        let config = history.config.clone();
        Driver { history, ..Driver::new(&config, "", Measuring::Off) }
    }

    /// Also keeps the activations (train and all p^2) at `steps`.
    pub fn capturing(mut self, steps: &[u32]) -> Driver {
        self.captures = steps.iter().copied().filter(|&s| s >= 1 && s <= self.config().steps).collect();
        self.captures.sort_unstable();
        self.captures.dedup();
        self
    }

    pub fn config(&self) -> &RunConfig {
        &self.history.config
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// Steps trained so far.
    pub fn step(&self) -> u32 {
        self.history.steps.last().map_or(0, |r| r.step)
    }

    /// Why checkpoints were left out, one line each.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// The network at the latest checkpoint read, and that step.
    pub fn network(&self) -> Option<(u32, &Params)> {
        self.network.as_ref().map(|(s, p)| (*s, p))
    }

    /// Deferred checkpoints not yet measured.
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// The history, the captures and the skipped checkpoints.
    pub fn into_parts(self) -> (History, Vec<Capture>, Vec<String>) {
        (self.history, self.captured, self.skipped)
    }

    fn is_checkpoint(&self, step: u32) -> bool {
        self.samples.is_some() && measure::is_checkpoint(self.config(), step)
    }

    /// Whether nothing more will be submitted: the run diverged or every
    /// step is submitted.
    pub fn stopped(&self) -> bool {
        self.history.diverged_at.is_some() || self.planned >= self.config().steps
    }

    /// The next thing to do after the work submitted so far, training at
    /// most `budget` steps (at least 1).
    pub fn next(&self, budget: u32) -> Action {
        let step = self.planned;
        let diverged = self.history.diverged_at.is_some();
        let stopped = self.stopped();
        let in_flight = self.trains_in_flight + self.reads_in_flight > 0;
        let (checkpoint, capture) = (self.is_checkpoint(step), self.captures.binary_search(&step).is_ok());
        // The last step's checkpoint is read too; a diverged network's is not.
        if !diverged && self.read_at < step && (checkpoint || capture) {
            let all = (capture || self.config().samples == Samples::All).then(|| match &self.samples {
                Some(s) if self.config().samples == Samples::All => s.clone(),
                _ => all_pairs(self.config().op, self.config().p),
            });
            let train = capture || self.config().samples == Samples::Train;
            return Action::Read { train, all, params: checkpoint };
        }
        if let Measuring::Deferred(backlog) = self.measuring {
            if self.outstanding.len() + self.reads_in_flight >= backlog.max(1) {
                return Action::Wait;
            }
        }
        if stopped {
            return match in_flight || !self.outstanding.is_empty() {
                true => Action::Wait,
                false => Action::Done,
            };
        }
        let budget = budget.max(1);
        let mut k = match self.samples {
            Some(_) => measure::batch_len(self.config(), step, budget),
            None => (self.config().steps - step).min(budget),
        };
        if let Some(&next) = self.captures.iter().find(|&&s| s > step) {
            k = k.min(next - step);
        }
        Action::Train(k)
    }

    /// `action` (from `next`) was submitted to the engine: plan on from there.
    pub fn submitted(&mut self, action: &Action) {
        match action {
            Action::Train(k) => {
                self.planned += k;
                self.trains_in_flight += 1;
            }
            Action::Read { .. } => {
                self.read_at = self.planned;
                self.reads_in_flight += 1;
            }
            Action::Wait | Action::Done => {}
        }
    }

    /// Takes what the engine did, in the order the work was submitted (work
    /// done at once needs no `submitted`); returns a checkpoint to measure
    /// when measuring is deferred.
    pub fn apply(&mut self, outcome: Outcome) -> Option<Job> {
        match outcome {
            Outcome::Trained(records) => {
                self.trains_in_flight = self.trains_in_flight.saturating_sub(1);
                if let Some(last) = records.last() {
                    self.planned = self.planned.max(last.step);
                }
                self.history.push(&records);
                None
            }
            Outcome::Read { train, all, params } => {
                self.reads_in_flight = self.reads_in_flight.saturating_sub(1);
                self.read_at = self.read_at.max(self.step());
                // Submitted after a batch that diverged: the network is not a number.
                if self.history.diverged_at.is_some() {
                    return None;
                }
                self.read(train, all, params)
            }
        }
    }

    fn read(
        &mut self,
        train: Option<Vec<f32>>,
        all: Option<Vec<f32>>,
        params: Option<(Params, Vec<f32>)>,
    ) -> Option<Job> {
        let step = self.step();
        if let Some((p, _)) = &params {
            self.network = Some((step, p.clone()));
        }
        let job = match (&self.samples, self.is_checkpoint(step), params) {
            (Some(s), true, Some((params, logits))) => {
                let acts = match self.config().samples {
                    Samples::Train => train.as_ref(),
                    Samples::All => all.as_ref(),
                };
                acts.map(|a| Job { step, rows: s.len(), activations: a.clone(), params, logits })
            }
            _ => None,
        };
        if self.captures.binary_search(&step).is_ok() {
            if let (Some(train), Some(all)) = (train, all) {
                self.captured.push(Capture { step, train, all });
            }
        }
        let job = job?;
        if self.measuring == Measuring::Inline {
            let c = self.config();
            let result = measure::measure(c, job.step, &job.activations, job.rows).and_then(|measures| {
                let weights = measure::weigh(c, job.step, &job.params, Some(&job.logits), 0)?;
                Ok(Checkpoint { measures, weights: Some(weights) })
            });
            self.outstanding.push(job.step);
            self.measured(job.step, result);
            return None;
        }
        self.outstanding.push(job.step);
        Some(job)
    }

    /// A deferred checkpoint's measures (or why there are none); results
    /// enter the history in step order, whatever order they arrive in.
    /// Returns the checkpoints that entered the history now.
    pub fn measured(&mut self, step: u32, result: Result<Checkpoint, String>) -> Vec<Checkpoint> {
        if !self.outstanding.contains(&step) {
            return Vec::new();
        }
        self.arrived.insert(step, result);
        let mut entered = Vec::new();
        while let Some(&first) = self.outstanding.first() {
            let Some(result) = self.arrived.remove(&first) else { break };
            self.outstanding.remove(0);
            match result {
                Ok(c) => {
                    self.history.add_checkpoint(c.clone());
                    entered.push(c);
                }
                Err(e) => self.skipped.push(e),
            }
        }
        entered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(step: u32, loss: f64) -> StepRecord {
        StepRecord { step, train_loss: loss, train_acc: 0.5, test_loss: loss, test_acc: 0.5 }
    }

    fn trained(d: &mut Driver, k: u32) {
        let from = d.step();
        d.apply(Outcome::Trained((from + 1..=from + k).map(|s| rec(s, 1.0)).collect()));
    }

    fn cp(step: u32) -> Checkpoint {
        Checkpoint { measures: crate::run::history::Measures::example(step, -1.0), weights: None }
    }

    /// What the engine read at a checkpoint: train activations and the parameters.
    fn read(train: Vec<f32>) -> Outcome {
        let c = config();
        Outcome::Read { train: Some(train), all: None, params: Some((Params::init(&c).0, vec![0.0; 19 * 7])) }
    }

    fn config() -> RunConfig {
        RunConfig { p: 7, hidden: 4, clusters: 2, steps: 23, every: 5, ..RunConfig::default() }
    }

    #[test]
    fn batches_end_on_checkpoints_then_read_then_done() {
        let mut d = Driver::new(&config(), "test", Measuring::Deferred(1));
        assert_eq!(d.next(32), Action::Train(5));
        trained(&mut d, 5);
        let Action::Read { train: true, all: None, params: true } = d.next(32) else { panic!("{:?}", d.next(32)) };
        let job = d.apply(read(vec![0.0; 4 * 19])).expect("a job");
        // p = 7: 49 pairs, 40 % of them (19) in training.
        assert_eq!((job.step, job.rows, job.activations.len()), (5, 19, 76));
        // The parameters travel with the job and stay on hand as the latest network.
        assert_eq!(job.params, Params::init(&config()).0);
        assert_eq!(d.network().map(|(s, p)| (s, p.theta.len())), Some((5, job.params.theta.len())));
        // The backlog (1) is full until the job's result is back.
        assert_eq!(d.next(32), Action::Wait);
        assert_eq!(d.measured(5, Ok(cp(5))).len(), 1);
        assert_eq!(d.next(3), Action::Train(3));
        for _ in 0..4 {
            let k = 5.min(23 - d.step());
            trained(&mut d, k);
            if let Action::Read { .. } = d.next(32) {
                let job = d.apply(read(vec![0.0; 96])).unwrap();
                d.measured(job.step, Err(format!("no measures at {}", job.step)));
            }
        }
        assert_eq!(d.step(), 23);
        assert_eq!(d.next(32), Action::Done);
        assert_eq!(d.history().checkpoints.len(), 1);
        assert_eq!(d.skipped(), ["no measures at 10", "no measures at 15", "no measures at 20"]);
        let c = RunConfig { steps: 20, ..config() };
        let mut d = Driver::new(&c, "test", Measuring::Deferred(1));
        trained(&mut d, 20);
        assert!(matches!(d.next(32), Action::Read { .. }), "the last step is a checkpoint too");
    }

    #[test]
    fn deferred_results_enter_in_step_order() {
        let mut d = Driver::new(&config(), "test", Measuring::Deferred(4));
        for _ in 0..3 {
            trained(&mut d, 5);
            d.apply(read(vec![0.0; 96])).unwrap();
        }
        assert_eq!(d.outstanding(), 3);
        assert!(d.measured(15, Ok(cp(15))).is_empty());
        assert!(d.measured(10, Ok(cp(10))).is_empty());
        // A result for a step never sent is ignored.
        assert!(d.measured(12, Ok(cp(12))).is_empty());
        let entered: Vec<u32> = d.measured(5, Ok(cp(5))).iter().map(|c| c.measures.step).collect();
        assert_eq!(entered, [5, 10, 15]);
        assert_eq!(d.history().checkpoints.iter().map(|m| m.step).collect::<Vec<_>>(), [5, 10, 15]);
    }

    #[test]
    fn divergence_ends_the_run_after_outstanding_measures() {
        let mut d = Driver::new(&config(), "test", Measuring::Deferred(2));
        trained(&mut d, 5);
        d.apply(read(vec![0.0; 96])).unwrap();
        d.apply(Outcome::Trained(vec![rec(6, 1.0), rec(7, f64::NAN), rec(8, 1.0)]));
        assert_eq!(d.history().diverged_at, Some(7));
        assert_eq!(d.next(32), Action::Wait);
        d.measured(5, Ok(cp(5)));
        assert_eq!(d.next(32), Action::Done);
    }

    #[test]
    fn captures_split_batches_and_keep_both_activation_sets() {
        let c = RunConfig { every: 0, ..config() };
        let mut d = Driver::new(&c, "test", Measuring::Inline).capturing(&[3, 40, 0, 3]);
        assert_eq!(d.next(32), Action::Train(3));
        trained(&mut d, 3);
        let Action::Read { train: true, all: Some(all), params: false } = d.next(32) else { panic!() };
        assert_eq!(all.len(), 49);
        assert!(d.apply(Outcome::Read { train: Some(vec![1.0]), all: Some(vec![2.0]), params: None }).is_none());
        assert!(d.network().is_none(), "a capture alone reads no parameters");
        assert_eq!(d.next(32), Action::Train(20));
        let (_, caps, _) = d.into_parts();
        assert_eq!(caps.iter().map(|c| (c.step, c.train[0], c.all[0])).collect::<Vec<_>>(), [(3, 1.0, 2.0)]);
    }

    #[test]
    fn without_measures_nothing_is_read() {
        let mut d = Driver::new(&config(), "test", Measuring::Off);
        assert_eq!(d.next(64), Action::Train(23));
        trained(&mut d, 23);
        assert_eq!(d.next(64), Action::Done);
    }
}
