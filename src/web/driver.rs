//! The run's task: one engine for every seed (a batch of models), pumped
//! once per animation frame while the player says so: work is submitted
//! ahead and whatever has arrived is handed to the seeds' drivers, so the
//! frame never waits on the GPU. Checkpoints go to the analysis workers and
//! come back into the history in step order.

use super::dom::{self, message, metric, now_ms, text};
use super::player::{fail, set_state, stale, State};
use super::view::{self, ALL_CHARTS, STEP_CHARTS};
use super::{analyst, lesson, with};
use crate::config::RunConfig;
use crate::engine::{self, gpu::Gpu, Engine};
use crate::run::batch::{all_done, Batch};
use crate::run::driver::{Driver, Job, Measuring};
use crate::run::history::History;
use crate::run::Backend;
use crate::url;

/// Submissions in flight at most: enough to keep a GPU busy through a
/// frame of checkpoints (a read every `every` steps), few enough that the
/// staging buffers stay small.
pub const DEPTH: usize = 8;
/// Milliseconds of a frame the CPU engine may train for (it trains while
/// work is submitted), so the page keeps drawing at 60 frames per second.
const CPU_FRAME_MS: f64 = 12.0;

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
        // Drop the old run's queued analyses rather than wait for them (the
        // phase diagram's go on).
        analyst::abandon(|run| !super::diagram::is_diagram(run));
    }

    pub fn other_histories(&self) -> Vec<&History> {
        self.others.iter().map(Driver::history).collect()
    }

    /// Every seed's driver, the shown one first: model i of the batch.
    pub fn drivers_mut(&mut self) -> Vec<&mut Driver> {
        std::iter::once(&mut self.driver).chain(self.others.iter_mut()).collect()
    }
}

/// The shown run's driver: training waits when the analysis pool's backlog is full.
fn measured(config: &RunConfig, backend: &str) -> Driver {
    Driver::new(config, backend, Measuring::Deferred(analyst::backlog()))
}

/// One run: get an engine, then pump its batch each animation frame while
/// the state says so. Ends when the run is done, fails, or is replaced.
pub async fn drive(run: u32) {
    let (config, page) = with(|a| (a.config.clone(), a.page.clone()));
    if page.backend != Backend::Cpu {
        // Shader compilation can take a software GPU most of a minute: say what the wait is.
        text("state-label", "Preparing the GPU (compiling shaders)…");
    }
    let gpu = match choose_gpu(page.backend).await {
        Ok(gpu) => gpu,
        Err(why) => return fail(&why, true),
    };
    if stale(run) {
        return;
    }
    let Some(engine) = start_engines(&config, page.seeds, page.backend, gpu) else { return };
    let query = url::to_query(&config);
    let mut batch = Batch::new(engine);
    let mut pace = Pace::default();
    loop {
        dom::next_frame().await;
        if stale(run) {
            return;
        }
        match frame(run, &query, &mut batch, &mut pace) {
            Ok(true) => {}
            Ok(false) => return,
            Err(why) => return fail(&why, true),
        }
    }
}

/// How many steps a frame submits: the speed setting's, or on the CPU
/// engine as many as fit in the frame's budget (by default
/// [`CPU_FRAME_MS`]) at the speed measured so far.
pub struct Pace {
    ms_per_step: Option<f64>,
    budget_ms: f64,
}

impl Default for Pace {
    fn default() -> Self {
        Pace::within(CPU_FRAME_MS)
    }
}

impl Pace {
    /// A pace that trains for `budget_ms` of each frame on the CPU engine.
    pub fn within(budget_ms: f64) -> Pace {
        Pace { ms_per_step: None, budget_ms }
    }

    pub fn steps(&self, want: u32, gpu: bool) -> u32 {
        if want == 0 || gpu {
            return want;
        }
        self.ms_per_step.map_or(1, |ms| ((self.budget_ms / ms) as u32).clamp(1, want))
    }

    /// `steps` took `ms` (a moving average, as a frame's share of a step varies).
    pub fn took(&mut self, steps: u32, ms: f64) {
        if steps > 0 {
            let now = ms / steps as f64;
            self.ms_per_step = Some(self.ms_per_step.map_or(now, |old| 0.7 * old + 0.3 * now));
        }
    }
}

/// The device `backend` asks for (`Ok(None)`: the CPU engine), saying why
/// in `#message` when it is not the one asked for; Err: why no run can
/// start (for `fail`).
pub async fn choose_gpu(backend: Backend) -> Result<Option<Gpu>, String> {
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
            Ok(gpu)
        }
        (Ok((gpu, note)), None) => {
            if let Some(n) = note {
                message(&format!("{n}."));
            }
            Ok(gpu)
        }
        (Err(e), _) => {
            web_sys::console::info_1(&format!("WebGPU: {e}").into());
            Err("WebGPU is not available in this browser; continue on the CPU instead?".into())
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

/// One engine for every seed (seed, seed+1, ...), a driver per seed, and
/// the engine line.
fn start_engines(config: &RunConfig, seeds: u32, backend: Backend, gpu: Option<Gpu>) -> Option<Engine> {
    let configs: Vec<RunConfig> =
        (0..seeds as u64).map(|i| RunConfig { seed: config.seed.wrapping_add(i), ..config.clone() }).collect();
    let runs: Vec<_> = configs.iter().map(|c| (c, None)).collect();
    let engine = match engine::start_batch(&runs, gpu.as_ref(), 1) {
        Ok(e) => e,
        Err(e) => {
            fail(&format!("Could not start the GPU engine: {e}."), true);
            return None;
        }
    };
    let kind = if engine.is_gpu() { "webgpu" } else { "cpu" };
    with(|a| {
        a.runs.driver = measured(config, kind);
        a.runs.others = configs[1..].iter().map(|c| Driver::new(c, kind, Measuring::Off)).collect();
        a.runs.device = gpu;
    });
    metric("engine", kind);
    metric("seeds", &seeds.to_string());
    let cpu_why = if backend == Backend::Cpu { "chosen with backend=cpu" } else { "WebGPU unavailable" };
    text("adapter", &if kind == "webgpu" { engine.describe() } else { format!("CPU ({cpu_why})") });
    // A software GPU chosen with backend=gpu: the CPU engine is one click away.
    dom::show("use-cpu", kind == "webgpu" && crate::run::backend::is_software(&engine.describe()));
    Some(engine)
}

/// One frame of a run: submit this frame's steps for every seed, take in
/// what has arrived, send checkpoints to the worker. False once the run is
/// over.
fn frame(run: u32, query: &str, batch: &mut Batch, pace: &mut Pace) -> Result<bool, String> {
    let gpu = batch.engine.is_gpu();
    let steps = with(|a| pace.steps(a.player.wanted(a.page.speed), gpu));
    let first = with(|a| a.runs.driver.history().steps.is_empty());
    let t0 = now_ms();
    let pumped = with(|a| batch.pump(&mut a.runs.drivers_mut(), steps, DEPTH)).map_err(|e| {
        format!("Training stopped: {e}. Restart on WebGPU, or continue on the CPU (the run restarts from step 0 there, with the same result).")
    })?;
    if !gpu {
        pace.took(pumped.submitted, now_ms() - t0);
    }
    for (i, job) in pumped.jobs {
        // Only the shown seed is measured.
        if i == 0 {
            measure(run, query, job);
        }
    }
    if pumped.arrived > 0 && !shown(first, pumped.arrived) {
        return Ok(false);
    }
    if with(|a| all_done(&a.runs.drivers_mut())) {
        with(|a| a.view.dirty = ALL_CHARTS);
        set_state(State::Done);
        return Ok(false);
    }
    Ok(true)
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
    if super::diagram::is_diagram(d.run) {
        return super::diagram::received(d);
    }
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
