//! Checkpoints measured off the main thread: module workers (www/worker.js)
//! load this same wasm and run `measure_checkpoint`, so the O-information
//! work never freezes the page while training goes on. A pool of them
//! measures several checkpoints at once, each job to the least busy
//! (`run::pool`); results carry their run so a reset discards them, and
//! the run's driver puts them back in step order.

use crate::model::{Params, Shape};
use crate::run::driver::Job;
use crate::run::history::{Checkpoint, Measures, WeightMeasures};
use crate::run::pool::{self, Dispatch};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

fn js_error(e: impl ToString) -> JsValue {
    JsValue::from_str(&e.to_string())
}

/// The worker's first entry: one checkpoint's O-information measures from
/// layer-1 activations, as JSON.
#[wasm_bindgen]
pub fn measure_checkpoint(query: &str, step: u32, activations: &[f32], rows: usize) -> Result<String, JsValue> {
    let c = crate::url::parse(query).map_err(js_error)?;
    let cp = crate::run::measure::measure(&c, step, activations, rows).map_err(js_error)?;
    serde_json::to_string(&cp).map_err(js_error)
}

/// What `measure_weights` returns: the weight measures, with the page's own
/// parts (the clock, the tuned bars) that the run's JSON leaves out.
#[derive(Serialize, Deserialize)]
struct Weighed {
    weights: WeightMeasures,
    clock: Vec<(f32, f32)>,
    tuned: Vec<f32>,
}

/// The worker's second entry: the weight measures of the parameters
/// `theta` (W1, W2, b1 as `model::Params` lays them out) whose training
/// logits are `logits` (the engine's; empty: computed here), as JSON.
#[wasm_bindgen]
pub fn measure_weights(query: &str, step: u32, theta: Vec<f32>, logits: &[f32]) -> Result<String, JsValue> {
    let c = crate::url::parse(query).map_err(js_error)?;
    let shape = Shape::of(&c);
    let prm = Params { shape, stride: shape.hidden, theta };
    if prm.theta.len() != Params::zeros(shape, shape.hidden).theta.len() {
        return Err(js_error(format!("weights at step {step}: {} numbers for this network", prm.theta.len())));
    }
    let logits = (!logits.is_empty()).then_some(logits);
    let w = crate::run::measure::weigh(&c, step, &prm, logits, 1).map_err(js_error)?;
    let (clock, tuned) = (w.clock.clone(), w.fourier.tuned.clone());
    serde_json::to_string(&Weighed { weights: w, clock, tuned }).map_err(js_error)
}

/// A finished job: its run, and the checkpoint or why there is none.
pub struct Done {
    pub run: u32,
    pub step: u32,
    pub result: Result<Checkpoint, String>,
}

/// The page's analysis workers, each started on first use and kept across
/// runs (its wasm module loaded once).
struct Pool {
    dispatch: Dispatch,
    workers: Vec<Option<Worker>>,
    /// Runs on the main thread for every result.
    done: fn(Done),
}

thread_local! {
    // Beside the app's state rather than in it: the workers live as long as
    // the page, and the run's driver asks for the backlog while that state
    // is borrowed.
    static POOL: RefCell<Option<Pool>> = const { RefCell::new(None) };
}

fn with_pool<R>(f: impl FnOnce(&mut Pool) -> R) -> R {
    POOL.with(|p| f(p.borrow_mut().as_mut().expect("the pool starts with the page")))
}

/// Sets up the pool: `asked` workers (the page's `workers=`), else one per
/// core the browser reports beyond the page's own. Returns its size.
pub fn start(asked: Option<u32>, done: fn(Done)) -> usize {
    let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency() as u32).filter(|&n| n > 0);
    let n = pool::size(asked, cores);
    POOL.with(|p| *p.borrow_mut() = Some(Pool { dispatch: Dispatch::new(n), workers: vec![None; n], done }));
    n
}

/// Checkpoints outstanding before training waits for the pool.
pub fn backlog() -> usize {
    with_pool(|p| p.dispatch.backlog())
}

fn spawn(index: usize, done: fn(Done)) -> Result<Worker, JsValue> {
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    let w = Worker::new_with_options("worker.js", &opts)?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| {
        let d = parse(&e.data());
        with_pool(|p| p.dispatch.returned(index, d.run, d.step));
        done(d)
    });
    w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the worker, which lives as long as the page or until terminated.
    on_message.forget();
    Ok(w)
}

/// Sends one job to the least busy worker (started if it is not yet); the
/// activations', the weights' and the logits' buffers move to the worker
/// (no copy).
pub fn send(run: u32, query: &str, job: Job) -> Result<(), JsValue> {
    with_pool(|p| {
        let i = p.dispatch.pick();
        if p.workers[i].is_none() {
            p.workers[i] = Some(spawn(i, p.done)?);
        }
        let w = p.workers[i].as_ref().expect("just started");
        let step = job.step;
        let acts = js_sys::Float32Array::from(job.activations.as_slice());
        let theta = js_sys::Float32Array::from(job.params.theta.as_slice());
        let logits = js_sys::Float32Array::from(job.logits.as_slice());
        let msg = js_sys::Array::of5(&run.into(), &query.into(), &step.into(), &(job.rows as u32).into(), &acts);
        msg.push(&theta);
        msg.push(&logits);
        w.post_message_with_transfer(&msg, &js_sys::Array::of3(&acts.buffer(), &theta.buffer(), &logits.buffer()))?;
        p.dispatch.sent(i, run, step);
        Ok(())
    })
}

/// The runs `forget` picks were replaced: workers measuring only their
/// checkpoints are stopped rather than waited for; the others stay.
pub fn abandon(forget: impl Fn(u32) -> bool) {
    with_pool(|p| {
        for i in p.dispatch.abandon(forget) {
            if let Some(w) = p.workers[i].take() {
                w.terminate();
            }
        }
    })
}

/// `[run, step, measures json, weights json]` or `[run, step, null, error]`
/// from worker.js. JSON has no NaN: a non-finite measure arrives as null
/// and is refused here.
fn parse(data: &JsValue) -> Done {
    let arr: js_sys::Array = data.clone().unchecked_into();
    let run = arr.get(0).as_f64().unwrap_or(-1.0) as u32;
    let step = arr.get(1).as_f64().unwrap_or(-1.0) as u32;
    let result = match (arr.get(2).as_string(), arr.get(3).as_string()) {
        (Some(measures), Some(weights)) => checkpoint(&measures, &weights),
        _ => Err(arr.get(3).as_string().unwrap_or_else(|| "the analysis failed".into())),
    };
    Done { run, step, result }
}

fn checkpoint(measures: &str, weights: &str) -> Result<Checkpoint, String> {
    let unreadable = |json: &str| format!("the analysis returned an unreadable checkpoint: {json}");
    let measures: Measures = serde_json::from_str(measures).map_err(|_| unreadable(measures))?;
    let w: Weighed = serde_json::from_str(weights).map_err(|_| unreadable(weights))?;
    let mut weights = w.weights;
    weights.clock = w.clock;
    weights.fourier.tuned = w.tuned;
    Ok(Checkpoint { measures, weights: Some(weights) })
}
