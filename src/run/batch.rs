//! Several runs trained together on one engine, one model each: work is
//! submitted for every run at once and the engine's results, arriving in
//! submission order, are handed to the runs' drivers. The command line
//! loops until done ([`finish`], [`finish_batch`]); the page pumps a batch
//! once per animation frame ([`Batch::pump`]).

use super::driver::{Action, Driver, Job, Outcome};
use crate::engine::{gpu::GpuError, Arrival, Engine, StepRecord, Work};
use std::collections::VecDeque;

/// Several runs trained together on one engine: the i-th driver handed to
/// its methods is the engine's model i (the drivers live with their front
/// end: the page keeps them in its state). Every model trains the same
/// steps at once; a run that has stopped (finished or diverged) ignores the
/// records that follow.
pub struct Batch {
    pub engine: Engine,
    /// For each training submission in flight, which drivers take its records.
    takers: VecDeque<Vec<bool>>,
}

impl Batch {
    pub fn new(engine: Engine) -> Batch {
        Batch { engine, takers: VecDeque::new() }
    }

    /// Submits what the drivers want next, up to `steps` steps in all and
    /// while fewer than `depth` submissions are in flight: a read where a
    /// driver asks for one, else the fewest steps a running driver asks for
    /// (at most `gpu::MAX_BATCH`). A driver waiting on its measures holds
    /// the batch. Returns the steps submitted.
    pub fn submit(&mut self, drivers: &mut [&mut Driver], steps: u32, depth: usize) -> Result<u32, GpuError> {
        assert_eq!(drivers.len(), self.engine.models(), "a driver per model");
        let mut sent = 0;
        while self.engine.in_flight() < depth.max(1) {
            let budget = (steps - sent).min(crate::engine::gpu::MAX_BATCH);
            let actions: Vec<Action> = drivers.iter().map(|d| d.next(budget.max(1))).collect();
            if let Some(i) = actions.iter().position(|a| matches!(a, Action::Read { .. })) {
                let Action::Read { train, all, params } = &actions[i] else { unreachable!() };
                self.engine.submit(&Work::Read { model: i, train: *train, all: all.clone(), params: *params })?;
                drivers[i].submitted(&actions[i]);
                continue;
            }
            let holds = actions.iter().zip(drivers.iter()).any(|(a, d)| *a == Action::Wait && !d.stopped());
            let k = actions.iter().filter_map(|a| if let Action::Train(k) = a { Some(*k) } else { None }).min();
            let (Some(k), false, true) = (k, holds, budget > 0) else { break };
            self.engine.submit(&Work::Train(k))?;
            let takers: Vec<bool> = actions.iter().map(|a| matches!(a, Action::Train(_))).collect();
            for (d, _) in drivers.iter_mut().zip(&takers).filter(|(_, &t)| t) {
                d.submitted(&Action::Train(k));
            }
            self.takers.push_back(takers);
            sent += k;
        }
        Ok(sent)
    }

    /// Hands an arrival to its drivers; returns the checkpoints to measure
    /// (deferred measuring), with their driver's index.
    pub fn deliver(&mut self, drivers: &mut [&mut Driver], arrival: Arrival) -> Vec<(usize, Job)> {
        match arrival {
            Arrival::Trained(per_model) => {
                let takers = self.takers.pop_front().unwrap_or_default();
                for ((d, records), _) in drivers.iter_mut().zip(per_model).zip(takers).filter(|(_, t)| *t) {
                    d.apply(Outcome::Trained(records));
                }
                Vec::new()
            }
            Arrival::Read { model, train, all, params } => {
                drivers[model].apply(Outcome::Read { train, all, params }).map(|j| (model, j)).into_iter().collect()
            }
        }
    }
}

/// What one [`Batch::pump`] did.
#[derive(Debug, Default)]
pub struct Pumped {
    /// Steps submitted.
    pub submitted: u32,
    /// Steps whose records arrived.
    pub arrived: u32,
    /// Checkpoints to measure (deferred measuring), with their driver's index.
    pub jobs: Vec<(usize, Job)>,
}

impl Batch {
    /// Submits up to `steps` steps (`submit`), then hands every arrival
    /// that is in to its drivers, without waiting for any: what a page
    /// does once per animation frame.
    pub fn pump(&mut self, drivers: &mut [&mut Driver], steps: u32, depth: usize) -> Result<Pumped, GpuError> {
        let submitted = if steps > 0 { self.submit(drivers, steps, depth)? } else { 0 };
        let mut done = Pumped { submitted, ..Pumped::default() };
        while let Some(a) = self.engine.poll()? {
            if let Arrival::Trained(r) = &a {
                done.arrived += r.first().map_or(0, |r| r.len() as u32);
            }
            done.jobs.extend(self.deliver(drivers, a));
        }
        Ok(done)
    }
}

/// Every run is over and every measure is in.
pub fn all_done(drivers: &[&mut Driver]) -> bool {
    drivers.iter().all(|d| d.next(1) == Action::Done)
}

/// Runs every driver to the end on `engine` (model i: driver i) with inline
/// measures, two submissions in flight (a checkpoint is measured while the
/// GPU trains on); `progress` sees the drivers after each training arrival.
pub async fn finish_batch(
    mut drivers: Vec<Driver>,
    engine: Engine,
    mut progress: impl FnMut(&[Driver]),
) -> Result<Vec<Driver>, GpuError> {
    let mut batch = Batch::new(engine);
    loop {
        let mut refs: Vec<&mut Driver> = drivers.iter_mut().collect();
        batch.submit(&mut refs, u32::MAX, 2)?;
        let Some(arrival) = batch.engine.wait().await? else {
            // Nothing in flight and nothing to submit: inline measures never wait.
            return Ok(drivers);
        };
        let trained = matches!(arrival, Arrival::Trained(_));
        batch.deliver(&mut refs, arrival);
        if trained {
            progress(&drivers);
        }
    }
}

/// Runs the driver to the end with inline measures; `progress` sees every
/// training submission's last record.
pub async fn finish(driver: Driver, engine: Engine, mut progress: impl FnMut(&StepRecord)) -> Result<Driver, GpuError> {
    let done = finish_batch(vec![driver], engine, |d| {
        if let Some(last) = d[0].history().steps.last() {
            progress(last);
        }
    })
    .await?;
    Ok(done.into_iter().next().expect("one driver"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::run::driver::Measuring;

    fn config() -> RunConfig {
        RunConfig { p: 7, hidden: 4, clusters: 2, steps: 23, every: 5, ..RunConfig::default() }
    }

    #[test]
    fn a_batch_plans_ahead_of_its_arrivals_and_delivers_them_in_order() {
        let c = config();
        // A second run that stops earlier: it takes no records past its last step.
        let short = RunConfig { seed: 1, steps: 12, ..config() };
        let engine = crate::engine::start_batch(&[(&c, None), (&short, None)], None, 1).unwrap();
        let mut batch = Batch::new(engine);
        let mut d0 = Driver::new(&c, "test", Measuring::Deferred(3));
        let mut d1 = Driver::new(&short, "test", Measuring::Off);
        // Three submissions leave before any result is taken in: 5 steps,
        // the read at step 5, 5 more steps.
        assert_eq!(batch.submit(&mut [&mut d0, &mut d1], 100, 3).unwrap(), 10);
        assert_eq!(batch.engine.in_flight(), 3);
        assert_eq!((d0.step(), d1.step()), (0, 0), "nothing has arrived yet");
        // Planned from the steps submitted: step 10's read is next.
        assert!(matches!(d0.next(100), Action::Read { params: true, .. }));
        let p = batch.pump(&mut [&mut d0, &mut d1], 0, 3).unwrap();
        assert_eq!((p.submitted, p.arrived), (0, 10));
        assert_eq!(p.jobs.iter().map(|(i, j)| (*i, j.step)).collect::<Vec<_>>(), [(0, 5)]);
        assert_eq!((d0.step(), d1.step()), (10, 10));
        let mut measured = vec![5];
        d0.measured(5, Err("not measured here".into()));
        while !all_done(&[&mut d0, &mut d1]) {
            let p = batch.pump(&mut [&mut d0, &mut d1], 4, 3).unwrap();
            assert!(p.submitted <= 4);
            for (i, job) in p.jobs {
                assert_eq!(i, 0, "only the measured run hands out checkpoints");
                measured.push(job.step);
                d0.measured(job.step, Err("not measured here".into()));
            }
        }
        assert_eq!(measured, [5, 10, 15, 20]);
        assert_eq!(d0.history().steps.iter().map(|r| r.step).collect::<Vec<_>>(), (1..=23).collect::<Vec<_>>());
        assert_eq!(d1.history().steps.len(), 12);
    }
}
