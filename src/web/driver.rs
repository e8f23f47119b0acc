//! The run's task: an engine per seed, then `run::Driver` advanced once per
//! animation frame while the player says so; checkpoints go to the
//! analysis workers and come back into the history in step order.

use super::dom::{self, message, metric, now_ms, text};
use super::player::{fail, set_state, stale, State};
use super::view::{self, ALL_CHARTS, STEP_CHARTS};
use super::{analyst, lesson, with};
use crate::config::RunConfig;
use crate::engine::{self, gpu::Gpu, Engine};
use crate::run::driver::{perform, Action, Deadline, Driver, Job, Measuring};
use crate::run::history::History;
use crate::run::Backend;
use crate::url;

/// The runs of the configuration: the one shown, measured and exported,
/// and the other seeds beside it.
pub struct Runs {
    pub driver: Driver,
    /// The other seeds' runs, unmeasured.
    pub others: Vec<Driver>,
    /// The device the run trains on, for the sub-network's retraining.
    pub device: Option<Gpu>,
    /// Checkpoints failed in a row; three before any succeeded mean the
    /// configuration cannot be measured (too few samples or neurons).
    failures: u32,
    /// The run trains on without progress measures.
    unmeasurable: bool,
}

impl Runs {
    pub fn new(config: &RunConfig) -> Runs {
        Runs { driver: measured(config, ""), others: Vec::new(), device: None, failures: 0, unmeasurable: false }
    }

    /// Back to step 0 with `config`.
    pub fn restart(&mut self, config: &RunConfig) {
        *self = Runs { device: self.device.take(), ..Runs::new(config) };
        // Drop the old run's queued analyses rather than wait for them.
        analyst::abandon();
    }

    pub fn other_histories(&self) -> Vec<&History> {
        self.others.iter().map(Driver::history).collect()
    }
}

/// The shown run's driver: training waits when the analysis pool's backlog is full.
fn measured(config: &RunConfig, backend: &str) -> Driver {
    Driver::new(config, backend, Measuring::Deferred(analyst::backlog()))
}

/// One run: get an engine, then advance the run's driver each animation
/// frame while the state says so. Ends when the run is done, fails, or is
/// replaced.
pub async fn drive(run: u32) {
    let (config, page) = with(|a| (a.config.clone(), a.page.clone()));
    if page.backend != Backend::Cpu {
        // Shader compilation can take a software GPU most of a minute: say what the wait is.
        text("state-label", "Preparing the GPU (compiling shaders)…");
    }
    let Some(gpu) = choose_gpu(page.backend).await else { return };
    if stale(run) {
        return;
    }
    let Some(mut engines) = start_engines(&config, page.seeds, page.backend, gpu) else { return };
    let query = url::to_query(&config);
    loop {
        dom::next_frame().await;
        if stale(run) {
            return;
        }
        let want = with(|a| a.player.wanted(a.page.speed));
        if want == 0 {
            continue;
        }
        match frame(run, &query, want, &mut engines).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(why) => return fail(&why, true),
        }
    }
}

/// The device `backend` asks for (`Some(None)`: the CPU engine), saying why
/// when it is not the one asked for; None when the run cannot start.
async fn choose_gpu(backend: Backend) -> Option<Option<Gpu>> {
    let mut request = match backend {
        Backend::Cpu => None,
        _ => Some(Gpu::request().await),
    };
    if let Some(Ok(g)) = &mut request {
        // wgpu names the browser's adapter "BrowserWebGpu"; the browser may say which it is.
        if let Some(name) = adapter_name().await {
            g.adapter = name;
        }
    }
    let unavailable = request.as_ref().and_then(|r| r.as_ref().err()).map(|e| e.to_string());
    match (backend.decide(request), unavailable) {
        (Ok((gpu, _)), Some(e)) => {
            // The driver's own words ("vulkan support not compiled in") help a
            // developer, not a class: they go to the console.
            web_sys::console::info_1(&format!("WebGPU: {e}").into());
            message("WebGPU is not available in this browser; training on the CPU in WebAssembly instead (slower).");
            Some(gpu)
        }
        (Ok((gpu, note)), None) => {
            if let Some(n) = note {
                message(&format!("{n}."));
            }
            Some(gpu)
        }
        (Err(e), _) => {
            web_sys::console::info_1(&format!("WebGPU: {e}").into());
            fail("WebGPU is not available in this browser; continue on the CPU instead?", true);
            None
        }
    }
}

/// What the browser says of its WebGPU adapter (`GPUAdapter.info`, or
/// `requestAdapterInfo()` in older browsers): description, vendor,
/// architecture, device, those it gives. Through Reflect: web-sys' WebGPU
/// types need an unstable cfg.
async fn adapter_name() -> Option<String> {
    use js_sys::{Function, Promise, Reflect};
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;
    let call = |target: &wasm_bindgen::JsValue, method: &str| -> Option<Promise> {
        let f: Function = Reflect::get(target, &method.into()).ok()?.dyn_into().ok()?;
        f.call0(target).ok()?.dyn_into().ok()
    };
    let gpu = Reflect::get(&web_sys::window()?.navigator(), &"gpu".into()).ok().filter(|g| g.is_object())?;
    let adapter = JsFuture::from(call(&gpu, "requestAdapter")?).await.ok().filter(|a| a.is_object())?;
    let info = match Reflect::get(&adapter, &"info".into()) {
        Ok(i) if i.is_object() => i,
        _ => JsFuture::from(call(&adapter, "requestAdapterInfo")?).await.ok()?,
    };
    let parts: Vec<String> = ["description", "vendor", "architecture", "device"]
        .iter()
        .filter_map(|k| Reflect::get(&info, &(*k).into()).ok()?.as_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// An engine and a driver per seed (seed, seed+1, ...), and the engine line.
fn start_engines(config: &RunConfig, seeds: u32, backend: Backend, gpu: Option<Gpu>) -> Option<Vec<Engine>> {
    let configs: Vec<RunConfig> =
        (0..seeds as u64).map(|i| RunConfig { seed: config.seed.wrapping_add(i), ..config.clone() }).collect();
    let mut engines = Vec::new();
    for c in &configs {
        match engine::start(c, gpu.as_ref(), 1) {
            Ok(e) => engines.push(e),
            Err(e) => {
                fail(&format!("Could not start the GPU engine for seed {}: {e}.", c.seed), true);
                return None;
            }
        }
    }
    let kind = if engines[0].is_gpu() { "webgpu" } else { "cpu" };
    with(|a| {
        a.runs.driver = measured(config, kind);
        a.runs.others = configs[1..].iter().map(|c| Driver::new(c, kind, Measuring::Off)).collect();
        a.runs.device = gpu;
    });
    metric("engine", kind);
    metric("seeds", &seeds.to_string());
    let cpu_why = if backend == Backend::Cpu { "chosen with backend=cpu" } else { "WebGPU unavailable" };
    text("adapter", &if kind == "webgpu" { engines[0].describe() } else { format!("CPU ({cpu_why})") });
    // A software GPU chosen with backend=gpu: the CPU engine is one click away.
    dom::show("use-cpu", kind == "webgpu" && crate::run::backend::is_software(&engines[0].describe()));
    Some(engines)
}

/// One frame of a run: a batch of up to `want` steps for every seed (the
/// primary run's checkpoint read at its end). False once the run is over.
async fn frame(run: u32, query: &str, want: u32, engines: &mut [Engine]) -> Result<bool, String> {
    let budget = Some(Deadline { now: now_ms, ms: 12.0 });
    let trained_before = with(|a| a.runs.driver.step());
    let mut trained = 0;
    loop {
        let action = with(|a| a.runs.driver.next(want));
        match action {
            Action::Done => {
                with(|a| a.view.dirty = ALL_CHARTS);
                set_state(State::Done);
                return Ok(false);
            }
            Action::Wait => return Ok(true),
            Action::Train(_) if trained > 0 => return Ok(true),
            _ => {}
        }
        let outcome = perform(&mut engines[0], &action, budget).await;
        if stale(run) {
            return Ok(false);
        }
        let Some(outcome) = outcome.map_err(|e| format!("Training stopped: {e}. Restart on WebGPU, or continue on the CPU (the run restarts from step 0 there, with the same result)."))? else {
            return Ok(true);
        };
        let first = with(|a| a.runs.driver.history().steps.is_empty());
        if let Some(job) = with(|a| a.runs.driver.apply(outcome)) {
            measure(run, query, job);
        }
        let Action::Train(_) = action else { continue };
        trained = with(|a| a.runs.driver.step()).saturating_sub(trained_before);
        if !shown(first, trained) {
            return Ok(false);
        }
        step_others(run, trained, &mut engines[1..]).await?;
    }
}

/// The latest step into the metrics after `trained` steps; false when the
/// run diverged (and is now stopped).
fn shown(first: bool, trained: u32) -> bool {
    if first {
        // The preparation is over: the state's own words again.
        set_state(with(|a| a.player.state));
        // Page load (navigation start) to the first trained step, for the benchmarks.
        dom::body().dataset().set("firstStepMs", &format!("{:.0}", now_ms())).ok();
    }
    let (last, grokked, diverged) = with(|a| {
        a.view.dirty |= STEP_CHARTS;
        let h = a.runs.driver.history();
        (h.steps.last().copied(), h.grokked_at(), h.diverged_at)
    });
    if let Some(r) = last {
        view::publish(&r);
        lesson::check();
        if grokked.is_some_and(|g| g > r.step.saturating_sub(trained)) {
            metric("grok_step", &grokked.unwrap_or(0).to_string());
        }
    }
    let Some(at) = diverged else { return true };
    fail(
        &format!(
            "The run diverged at step {at}: the loss became infinite or not a number. \
             Lower the learning rate or the weight decay, or try another seed, then press Restart."
        ),
        false,
    );
    false
}

/// The other seeds, `k` steps each in the same frame; a diverged seed
/// stops its own curve only.
async fn step_others(run: u32, k: u32, engines: &mut [Engine]) -> Result<(), String> {
    for (i, eng) in engines.iter_mut().enumerate() {
        let action = with(|a| a.runs.others[i].next(k));
        let outcome = perform(eng, &action, None).await;
        if stale(run) {
            return Ok(());
        }
        let seed = with(|a| a.runs.others[i].config().seed);
        if let Some(o) = outcome.map_err(|e| format!("Training seed {seed} stopped: {e}."))? {
            with(|a| a.runs.others[i].apply(o));
        }
    }
    Ok(())
}

/// Hands a checkpoint's activations to the analysis pool.
fn measure(run: u32, query: &str, job: Job) {
    let step = job.step;
    if with(|a| a.runs.unmeasurable) {
        // Already said once: this configuration is not measured.
        with(|a| a.runs.driver.measured(step, Err("not measurable".into())));
        return;
    }
    if let Err(e) = analyst::send(run, query, job) {
        let why = format!("the analysis could not start ({e:?})");
        with(|a| a.runs.driver.measured(step, Err(why.clone())));
        dom::message_kind("analysis-start", &format!("The checkpoint at step {step} was not measured: {why}."));
    }
}

/// A checkpoint back from a worker: into the history (in step order), the
/// metrics, the charts.
pub fn received(d: analyst::Done) {
    if stale(d.run) {
        return;
    }
    let failed = d.result.as_ref().err().cloned();
    let entered = with(|a| a.runs.driver.measured(d.step, d.result));
    if let Some(e) = failed {
        analysis_failed(&e);
    } else {
        with(|a| a.runs.failures = 0);
    }
    if let Some(cp) = entered.last() {
        view::publish_measures(cp);
        lesson::check();
    }
}

/// One line however often the analysis fails; when it has never worked on
/// this configuration, it stops and says so once.
fn analysis_failed(e: &str) {
    let hopeless = with(|a| {
        a.runs.failures += 1;
        a.runs.unmeasurable = a.runs.failures >= 3 && a.runs.driver.history().checkpoints.is_empty();
        a.runs.unmeasurable
    });
    if hopeless {
        dom::retract("analysis");
        message(&format!(
            "The progress measures cannot be computed for this configuration (too few samples or neurons: {e}); \
             training goes on without them."
        ));
    } else {
        dom::message_kind("analysis", &format!("A checkpoint's analysis failed: {e}"));
    }
}
