//! Checkpoints measured off the main thread: a module worker (www/worker.js)
//! loads this same wasm and runs `measure_checkpoint`, so the O-information
//! work never freezes the page while training goes on. One worker, jobs in
//! order; results carry their run so a reset discards them.

use crate::run::driver::Job;
use crate::run::history::Measures;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

/// The worker's entry: one checkpoint from layer-1 activations, as JSON.
#[wasm_bindgen]
pub fn measure_checkpoint(query: &str, step: u32, activations: &[f32], rows: usize) -> Result<String, JsValue> {
    let c = crate::url::parse(query).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let cp = crate::run::measure::measure(&c, step, activations, rows).map_err(|e| JsValue::from_str(&e))?;
    serde_json::to_string(&cp).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// A finished job: its run, and the checkpoint or why there is none.
pub struct Done {
    pub run: u32,
    pub step: u32,
    pub result: Result<Measures, String>,
}

/// Starts the worker; `done` runs on the main thread for every result.
pub fn spawn(done: impl Fn(Done) + 'static) -> Result<Worker, JsValue> {
    let opts = WorkerOptions::new();
    opts.set_type(WorkerType::Module);
    let w = Worker::new_with_options("worker.js", &opts)?;
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| done(parse(&e.data())));
    w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Lives as long as the worker, which lives as long as the page or until terminated.
    on_message.forget();
    Ok(w)
}

/// Sends one job; the activations' buffer moves to the worker (no copy).
pub fn send(w: &Worker, run: u32, query: &str, job: Job) -> Result<(), JsValue> {
    let acts = js_sys::Float32Array::from(job.activations.as_slice());
    let msg = js_sys::Array::of5(&run.into(), &query.into(), &job.step.into(), &(job.rows as u32).into(), &acts);
    w.post_message_with_transfer(&msg, &js_sys::Array::of1(&acts.buffer()))
}

/// `[run, step, json]` or `[run, step, null, error]` from worker.js.
fn parse(data: &JsValue) -> Done {
    let arr: js_sys::Array = data.clone().unchecked_into();
    let run = arr.get(0).as_f64().unwrap_or(-1.0) as u32;
    let step = arr.get(1).as_f64().unwrap_or(-1.0) as u32;
    let result = match arr.get(2).as_string() {
        Some(json) => serde_json::from_str::<Value>(&json)
            .ok()
            .and_then(|v| checkpoint(&v))
            .ok_or_else(|| format!("the analysis returned an unreadable checkpoint: {json}")),
        None => Err(arr.get(3).as_string().unwrap_or_else(|| "the analysis failed".into())),
    };
    Done { run, step, result }
}

/// Reads back what `measure_checkpoint` wrote (JSON has no NaN: a
/// non-finite measure arrives as null and is refused here).
fn checkpoint(v: &Value) -> Option<Measures> {
    let list =
        |k: &str| -> Option<Vec<usize>> { v[k].as_array()?.iter().map(|x| x.as_u64().map(|n| n as usize)).collect() };
    Some(Measures {
        step: v["step"].as_u64()? as u32,
        synergy: v["synergy"].as_f64()?,
        redundancy: v["redundancy"].as_f64()?,
        synergy_size: v["synergy_size"].as_u64()? as usize,
        synergy_clusters: list("synergy_clusters")?,
        redundancy_size: v["redundancy_size"].as_u64()? as usize,
        sizes: serde_json::from_value(v["sizes"].clone()).ok(),
        labels: list("labels")?,
    })
}
