//! The bookkeeping of the page's pool of analysis workers, apart from the
//! workers themselves so it is tested natively: how many there are, which
//! one measures the next checkpoint, what each has in flight, and how many
//! checkpoints may be outstanding before training waits for them.
//!
//! Results may come back in any order (a later checkpoint finishing first
//! on another worker); [`super::Driver::measured`] puts them in step order.

/// Checkpoints per worker before training waits: one being measured and
/// one queued behind it, so a worker never idles between jobs.
pub const PER_WORKER: usize = 2;

/// The most workers the page starts on its own: beyond this the backlog's
/// memory (a paper-sized checkpoint is a few MB) buys little.
pub const MOST_BY_DEFAULT: usize = 8;

/// How many workers: `asked` (the page's `workers=`) if given, else one per
/// logical core the browser reports (`hardware`) but the page's own, at
/// least 1 and at most [`MOST_BY_DEFAULT`].
pub fn size(asked: Option<u32>, hardware: Option<u32>) -> usize {
    match asked {
        Some(n) => (n as usize).max(1),
        None => (hardware.unwrap_or(1) as usize).saturating_sub(1).clamp(1, MOST_BY_DEFAULT),
    }
}

/// Which worker has which checkpoints in flight, by run and step.
#[derive(Debug)]
pub struct Dispatch {
    in_flight: Vec<Vec<(u32, u32)>>,
}

impl Dispatch {
    pub fn new(workers: usize) -> Dispatch {
        Dispatch { in_flight: vec![Vec::new(); workers.max(1)] }
    }

    pub fn workers(&self) -> usize {
        self.in_flight.len()
    }

    /// Checkpoints outstanding before training waits (`Measuring::Deferred`).
    pub fn backlog(&self) -> usize {
        PER_WORKER * self.workers()
    }

    /// The worker for the next job: the least busy, the first of equals (so
    /// a worker is started only when those already started are all busy).
    pub fn pick(&self) -> usize {
        (0..self.workers()).min_by_key(|&w| self.in_flight[w].len()).expect("at least one worker")
    }

    /// `worker` took run `run`'s checkpoint at `step`.
    pub fn sent(&mut self, worker: usize, run: u32, step: u32) {
        self.in_flight[worker].push((run, step));
    }

    /// `worker` returned run `run`'s checkpoint at `step`; false when it was
    /// not in flight there (a result from a worker stopped since).
    pub fn returned(&mut self, worker: usize, run: u32, step: u32) -> bool {
        let jobs = &mut self.in_flight[worker];
        let found = jobs.iter().position(|&j| j == (run, step));
        found.map(|i| jobs.remove(i)).is_some()
    }

    pub fn in_flight(&self, worker: usize) -> usize {
        self.in_flight[worker].len()
    }

    /// Forgets the jobs in flight of the runs `forget` picks (replaced
    /// runs); returns the workers that had only such jobs, to be stopped
    /// rather than waited for. A worker still measuring another run's job
    /// goes on, and its forgotten results count for nothing.
    pub fn abandon(&mut self, forget: impl Fn(u32) -> bool) -> Vec<usize> {
        let mut idle = Vec::new();
        for (w, jobs) in self.in_flight.iter_mut().enumerate() {
            let had = !jobs.is_empty();
            jobs.retain(|&(run, _)| !forget(run));
            if had && jobs.is_empty() {
                idle.push(w);
            }
        }
        idle
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::model::Params;
    use crate::run::history::{Checkpoint, Measures};
    use crate::run::{Action, Driver, Measuring, Outcome};

    #[test]
    fn size_is_one_per_spare_core_unless_asked() {
        assert_eq!(size(None, Some(2)), 1);
        assert_eq!(size(None, Some(1)), 1, "at least one");
        assert_eq!(size(None, None), 1, "a browser that does not say");
        assert_eq!(size(None, Some(6)), 5);
        assert_eq!(size(None, Some(64)), MOST_BY_DEFAULT);
        assert_eq!(size(Some(12), Some(2)), 12, "workers= overrides the cores");
    }

    #[test]
    fn jobs_go_to_the_least_busy_worker() {
        let mut d = Dispatch::new(3);
        assert_eq!(d.backlog(), 6);
        let mut to = Vec::new();
        for step in [5, 10, 15, 20] {
            let w = d.pick();
            d.sent(w, 1, step);
            to.push(w);
        }
        // One each, then the first of the equally busy.
        assert_eq!(to, [0, 1, 2, 0]);
        assert!(d.returned(1, 1, 10));
        assert_eq!(d.pick(), 1, "the worker that finished is now the least busy");
        assert!(!d.returned(1, 1, 10), "a result counts once");
        assert!(!d.returned(2, 0, 15), "another run's result frees nothing");
        assert_eq!((0..3).map(|w| d.in_flight(w)).collect::<Vec<_>>(), [2, 0, 1]);
        assert_eq!(d.abandon(|_| true), [0, 2], "the busy workers, to stop");
        assert_eq!(((0..3).map(|w| d.in_flight(w)).sum::<usize>(), d.pick()), (0, 0));
        // Only run 1 is replaced: worker 0 keeps run 2's job and goes on.
        d.sent(0, 1, 5);
        d.sent(0, 2, 5);
        d.sent(1, 1, 10);
        assert_eq!(d.abandon(|run| run == 1), [1]);
        assert_eq!((d.in_flight(0), d.in_flight(1)), (1, 0));
        assert!(!d.returned(0, 1, 5) && d.returned(0, 2, 5), "the forgotten result counts for nothing");
        assert_eq!(Dispatch::new(0).workers(), 1);
    }

    fn config() -> RunConfig {
        RunConfig { p: 7, hidden: 4, clusters: 2, steps: 40, every: 5, ..RunConfig::default() }
    }

    /// Trains to the next checkpoint and reads it; the job's step.
    fn to_checkpoint(d: &mut Driver) -> u32 {
        let Action::Train(k) = d.next(64) else { panic!("{:?}", d.next(64)) };
        let from = d.step();
        let rec =
            |step| crate::engine::StepRecord { step, train_loss: 1.0, train_acc: 0.5, test_loss: 1.0, test_acc: 0.5 };
        d.apply(Outcome::Trained((from + 1..=from + k).map(rec).collect()));
        assert!(matches!(d.next(64), Action::Read { .. }));
        let params = Some((Params::init(&config()).0, vec![0.0; 19 * 7]));
        d.apply(Outcome::Read { train: Some(vec![0.0; 4 * 19]), all: None, params }).expect("a job").step
    }

    #[test]
    fn results_from_two_workers_enter_the_history_in_step_order() {
        let mut pool = Dispatch::new(2);
        let mut d = Driver::new(&config(), "test", Measuring::Deferred(pool.backlog()));
        let mut sent = Vec::new();
        while !matches!(d.next(64), Action::Wait) {
            let step = to_checkpoint(&mut d);
            let w = pool.pick();
            pool.sent(w, 7, step);
            sent.push((w, step));
        }
        // The backlog is full at two checkpoints per worker, one job in flight each on top of one queued.
        assert_eq!(sent, [(0, 5), (1, 10), (0, 15), (1, 20)]);
        assert_eq!(d.outstanding(), pool.backlog());
        let cp = |step| Ok(Checkpoint { measures: Measures::example(step, -1.0), weights: None });
        // Worker 1 finishes step 10 before worker 0 finishes step 5: it waits for 5.
        assert!(pool.returned(1, 7, 10));
        assert!(d.measured(10, cp(10)).is_empty());
        assert_eq!(d.next(64), Action::Wait, "the driver still counts 10 until 5 is in");
        assert!(pool.returned(0, 7, 5));
        let entered: Vec<u32> = d.measured(5, cp(5)).iter().map(|c| c.measures.step).collect();
        assert_eq!(entered, [5, 10]);
        assert!(matches!(d.next(64), Action::Train(5)), "room again: training goes on");
        let next = to_checkpoint(&mut d);
        assert_eq!((next, pool.pick()), (25, 0), "worker 0 has 15 left, worker 1 has 20: the first of equals");
        for (w, step) in [(1, 20), (0, 15)] {
            assert!(pool.returned(w, 7, step));
            d.measured(step, cp(step));
        }
        let steps: Vec<u32> = d.history().checkpoints.iter().map(|m| m.step).collect();
        assert_eq!(steps, [5, 10, 15, 20]);
    }
}
