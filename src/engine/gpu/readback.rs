//! The GPU engine's way back: each submission's results are copied into a
//! staging buffer from a pool and mapped asynchronously; they are handed
//! out in submission order once their map completes, so nothing waits on a
//! readback unless it asks to.

use super::device::Mapping;
use super::{Buf, GpuEngine, GpuError};
use crate::engine::{Arrival, Tally};
use crate::model::Params;

/// What a submission's staging buffer holds, for `poll` to decode.
pub(super) enum Expect {
    /// The metrics of steps first+1..=first+k, for every model.
    Steps { first: u32, k: u32 },
    /// Model `model`'s reads, `lens` floats each, in the order of `Work::Read`.
    Read { model: usize, train: bool, all: bool, params: bool },
}

/// A submission whose results are being mapped.
pub(super) struct Pending {
    staging: wgpu::Buffer,
    floats: usize,
    mapping: Mapping,
    expect: Expect,
}

impl GpuEngine {
    /// Submissions whose results have not been returned yet.
    pub fn in_flight(&self) -> usize {
        self.pending.len()
    }

    /// A staging buffer of at least `floats` f32 from the pool (the
    /// smallest that fits), or a new one.
    pub(super) fn take_staging(&mut self, floats: usize) -> wgpu::Buffer {
        let bytes = (floats * 4).max(4) as u64;
        let fit = (0..self.staging.len())
            .filter(|&i| self.staging[i].size() >= bytes)
            .min_by_key(|&i| self.staging[i].size());
        match fit {
            Some(i) => self.staging.swap_remove(i),
            None => self.gpu.staging("readback", floats),
        }
    }

    /// Submits `enc` and starts mapping `staging`'s first `floats`.
    pub(super) fn finish(&mut self, enc: wgpu::CommandEncoder, staging: wgpu::Buffer, floats: usize, expect: Expect) {
        self.gpu.queue.submit([enc.finish()]);
        let mapping = Mapping::start(&staging, floats);
        self.pending.push_back(Pending { staging, floats, mapping, expect });
    }

    /// The oldest submission's results if they have arrived (never blocks).
    pub fn poll(&mut self) -> Result<Option<Arrival>, GpuError> {
        self.gpu.poll();
        match self.pending.front().map(|p| p.mapping.done()) {
            Some(true) => self.arrived().map(Some),
            _ => {
                self.gpu.check()?;
                Ok(None)
            }
        }
    }

    /// Waits for the oldest submission's results (None: nothing is in flight).
    pub async fn wait(&mut self) -> Result<Option<Arrival>, GpuError> {
        let Some(p) = self.pending.front() else { return Ok(None) };
        self.gpu.wait_for(&p.mapping).await?;
        self.arrived().map(Some)
    }

    /// Decodes the oldest submission, whose map has completed.
    fn arrived(&mut self) -> Result<Arrival, GpuError> {
        let p = self.pending.pop_front().expect("a pending submission");
        let floats = p.mapping.read(&p.staging, p.floats);
        self.staging.push(p.staging);
        let raw = floats?;
        self.gpu.check()?;
        let d = self.dims;
        Ok(match p.expect {
            Expect::Steps { first, k } => {
                let s = self.models();
                let tally = |loss: f32, correct: f32, count: u32| Tally {
                    loss_sum: loss as f64,
                    correct: correct as f64,
                    count: count as usize,
                };
                Arrival::Trained(
                    (0..s)
                        .map(|m| {
                            (0..k as usize)
                                .map(|t| {
                                    let r = &raw[4 * (t * s + m)..][..4];
                                    let step = first + t as u32 + 1;
                                    Tally::record(step, tally(r[0], r[1], d.n_train), tally(r[2], r[3], d.n_test))
                                })
                                .collect()
                        })
                        .collect(),
                )
            }
            Expect::Read { model, train, all, params } => {
                let mut rest = raw.as_slice();
                let mut take = |n: usize| {
                    let (head, tail) = rest.split_at(n);
                    rest = tail;
                    head.to_vec()
                };
                let train = train.then(|| take(d.per_model(Buf::HTrain)));
                let rows = self.split.as_ref().map_or(0, |s| s.packed.len());
                let all = all.then(|| take(rows * d.hidden as usize));
                let params = params.then(|| {
                    let theta = take(d.per_model(Buf::Theta));
                    (Params { shape: self.shape, stride: self.shape.hidden, theta }, take(d.per_model(Buf::Logits)))
                });
                Arrival::Read { model, train, all, params }
            }
        })
    }
}
