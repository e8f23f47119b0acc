//! Threads where there are any: the one place that knows the browser's
//! wasm32 has none. Callers split their work the same way on every target
//! and ask here whether the pieces may run at once, so results never depend
//! on the target (the pieces' order of combination is the caller's).

/// How many threads may run at once: the machine's available parallelism
/// natively, 1 on wasm32.
pub fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    return std::thread::available_parallelism().map_or(1, |n| n.get());
    #[cfg(target_arch = "wasm32")]
    return 1;
}

/// Runs `a` and `b`, on two threads where `threads() > 1`, else `a` then `b`
/// on this one, and returns both results. A panic in either is resumed here.
pub fn join<RA: Send, RB>(a: impl FnOnce() -> RA + Send, b: impl FnOnce() -> RB) -> (RA, RB) {
    #[cfg(not(target_arch = "wasm32"))]
    if threads() > 1 {
        return std::thread::scope(|s| {
            let ha = s.spawn(a);
            let rb = b();
            let ra = ha.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (ra, rb)
        });
    }
    let ra = a();
    (ra, b())
}

/// Runs `f` on every job and returns the results in job order. Up to
/// `threads` threads (this one included; one on wasm32) each take the next
/// job when they become free, so a thread that the system delays does not
/// hold the others up.
pub fn map<T: Send, R: Send>(threads: usize, jobs: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    if threads > 1 && jobs.len() > 1 {
        use std::sync::Mutex;
        let n = jobs.len();
        let queue = Mutex::new(jobs.into_iter().enumerate());
        let done = Mutex::new(Vec::with_capacity(n));
        let work = || loop {
            let Some((i, job)) = queue.lock().unwrap().next() else { break };
            let r = f(job);
            done.lock().unwrap().push((i, r));
        };
        std::thread::scope(|s| {
            for _ in 1..threads.min(n) {
                s.spawn(work);
            }
            work();
        });
        let mut done = done.into_inner().unwrap();
        done.sort_by_key(|&(i, _)| i);
        return done.into_iter().map(|(_, r)| r).collect();
    }
    #[cfg(target_arch = "wasm32")]
    let _ = threads;
    jobs.into_iter().map(f).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_job_order() {
        let out = map(3, (0..50).collect(), |i: usize| i * i);
        assert_eq!(out, (0..50).map(|i| i * i).collect::<Vec<_>>());
        assert_eq!(map(1, vec![2, 3], |i: i32| -i), [-2, -3]);
    }

    #[test]
    fn join_returns_both_and_writes_both_halves() {
        let mut v = vec![0u32; 10];
        let (lo, hi) = v.split_at_mut(4);
        let (a, b) = join(|| lo.iter_mut().for_each(|x| *x = 1), || hi.iter_mut().for_each(|x| *x = 2));
        assert_eq!((a, b), ((), ()));
        assert_eq!(v, [1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
        assert!(threads() >= 1);
    }
}
