//! The page (wasm32 only). The URL is the run: it is read once into the
//! app's state, every control writes back through the same codec, and the
//! same link always gives the same run. One task per run drives the engine
//! from animation frames; a separate frame loop redraws only the charts
//! whose data changed, a few times a second at most for long runs.
//! The DOM contract for tests (data-state, data-metric, #message) is in
//! README.md.

mod analyst;
mod controls;
mod dom;
mod export;

use crate::charts::{Chart, Frame, StepAt};
use crate::config::{RunConfig, PRESETS};
use crate::engine::{self, gpu::Gpu, Engine, StepRecord};
use crate::run::driver::{perform, Action, Deadline, Driver, Job, Measuring};
use crate::run::history::History;
use crate::run::subnet;
use crate::run::Backend;
use crate::run::history::GROKKED;
use crate::url;
use dom::{by_id, message, metric, now_ms, on, text};
use plotters::prelude::IntoDrawingArea;
use plotters_canvas::CanvasBackend;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    Element, HtmlButtonElement, HtmlCanvasElement, HtmlInputElement, HtmlSelectElement, KeyboardEvent, MouseEvent,
};

/// Keys the page understands beside the run's configuration.
const PAGE_KEYS: &[&str] = &["autostart", "backend", "speed", "seeds"];
const DEFAULT_SPEED: u32 = 8;
/// Init seeds trained side by side at most (`seeds`).
const MAX_SEEDS: u32 = 5;
/// Points per curve at most: enough for a smooth line at any canvas width.
const POINTS: usize = 500;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Running,
    Paused,
    Done,
    Error,
}

impl State {
    /// The tests' name (`data-state`) and the words shown to people.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            State::Idle => ("idle", "Ready: press Start (or the space bar)"),
            State::Running => ("running", "Training"),
            State::Paused => ("paused", "Paused"),
            State::Done => ("done", "Finished"),
            State::Error => ("error", "Stopped: see the message above"),
        }
    }
}

/// Bit per chart in `App::dirty`.
fn bit(c: Chart) -> u8 {
    1 << Chart::ALL.iter().position(|&x| x == c).expect("a chart")
}
const ALL_CHARTS: u8 = 0b11111;
const STEP_CHARTS: u8 = 0b00011;
/// Checkpoints waiting for the worker before training waits for them.
const BACKLOG: usize = 2;

struct App {
    config: RunConfig,
    backend: Backend,
    speed: u32,
    autostart: bool,
    /// Runs of the configuration side by side: init seeds seed, seed+1, ...
    seeds: u32,
    /// The other seeds' runs, unmeasured (the primary run is `driver`).
    others: Vec<Driver>,
    /// The device the run trains on, for the sub-network's retraining.
    device: Option<Gpu>,
    /// The sub-network experiment: curves drawn on `#subnetwork-chart`.
    subnet: Option<SubnetRun>,
    state: State,
    /// Bumped by every reset: a driver of an older run stops at its next frame.
    run: u32,
    driving: bool,
    /// Steps asked for with the Step button.
    single_steps: u32,
    /// The run shown, measured and exported.
    driver: Driver,
    cursor: Option<u32>,
    dirty: u8,
    /// Redraw at the next frame (hover), not at the throttled rate.
    urgent: bool,
    drawn_at: f64,
    step_at: Vec<Option<StepAt>>,
    /// Time and step of the last steps-per-second sample.
    rate: (f64, u32),
    analyst: Option<web_sys::Worker>,
}

thread_local! {
    static APP: RefCell<Option<App>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&mut App) -> R) -> R {
    APP.with(|a| f(a.borrow_mut().as_mut().expect("the page has started")))
}

#[wasm_bindgen(start)]
pub fn main() {
    // The checkpoint worker loads this module too; it has no page.
    let Some(window) = web_sys::window() else { return };
    console_error_panic_hook::set_once();
    let search = window.location().search().unwrap_or_default();
    let parsed = url::parse_lenient(&search, PAGE_KEYS);
    for e in &parsed.errors {
        message(&format!("Ignored {e}; using the default instead."));
    }
    let extra = |key: &str| parsed.extra.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let backend = match extra("backend").map(str::parse::<Backend>) {
        None => Backend::Auto,
        Some(Ok(b)) => b,
        Some(Err(e)) => {
            message(&format!("Ignored parameter 'backend' = {e}."));
            Backend::Auto
        }
    };
    let speed = match extra("speed") {
        None => DEFAULT_SPEED,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=64).contains(&n) => n,
            _ => {
                message(&format!(
                    "Ignored parameter 'speed' = '{v}': expected an integer from 1 to 64 (steps per frame)."
                ));
                DEFAULT_SPEED
            }
        },
    };
    let seeds = match extra("seeds") {
        None => 1,
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=MAX_SEEDS).contains(&n) => n,
            _ => {
                message(&format!(
                    "Ignored parameter 'seeds' = '{v}': expected an integer from 1 to {MAX_SEEDS} (runs side by side)."
                ));
                1
            }
        },
    };
    let autostart = match extra("autostart") {
        None | Some("0") => false,
        Some("1") => true,
        Some(other) => {
            message(&format!("Ignored parameter 'autostart' = '{other}': expected 1 or 0."));
            false
        }
    };
    APP.with(|a| {
        *a.borrow_mut() = Some(App {
            driver: Driver::new(&parsed.config, "", Measuring::Deferred(BACKLOG)),
            config: parsed.config,
            backend,
            speed,
            autostart,
            seeds,
            others: Vec::new(),
            device: None,
            subnet: None,
            state: State::Idle,
            run: 0,
            driving: false,
            single_steps: 0,
            cursor: None,
            dirty: ALL_CHARTS,
            urgent: false,
            drawn_at: 0.0,
            step_at: Chart::ALL.iter().map(|_| None).collect(),
            rate: (0.0, 0),
            analyst: None,
        })
    });
    wire();
    let missing = controls::missing();
    if !missing.is_empty() {
        message(&format!("No control for {}.", missing.join(", ")));
    }
    show_settings();
    set_state(State::Idle);
    wasm_bindgen_futures::spawn_local(render_loop());
    if autostart {
        start();
    }
}

/// Connects every control, button, key and chart of index.html.
fn wire() {
    let presets: Element = by_id("presets");
    for p in PRESETS {
        let b: HtmlButtonElement = dom::create("button");
        b.set_type("button");
        b.set_class_name("preset");
        b.dataset().set("preset", p.name).ok();
        let name: Element = dom::create("strong");
        name.set_text_content(Some(p.name));
        let blurb: Element = dom::create("span");
        blurb.set_text_content(Some(p.blurb));
        b.append_child(&name).ok();
        b.append_child(&blurb).ok();
        on(&b, "click", move |_: web_sys::Event| {
            apply(RunConfig::from_preset(p.name).expect("a listed preset"));
        });
        presets.append_child(&b).ok();
    }
    controls::build(|| {
        dom::clear_message();
        let parsed = url::parse_lenient(&controls::query(), &[]);
        for e in &parsed.errors {
            message(&format!("Ignored {e}; using the default instead."));
        }
        apply(parsed.config);
    });
    let button = |id: &str, f: fn()| on(&by_id::<web_sys::EventTarget>(id), "click", move |_: web_sys::Event| f());
    button("start", toggle);
    button("step", step_once);
    button("reset", reset);
    button("restart", start);
    button("restart-cpu", || {
        with(|a| a.backend = Backend::Cpu);
        show_settings();
        start();
    });
    button("copy", copy_link);
    button("download-json", || {
        let json = with(|a| a.driver.history().to_json());
        export::text(&json, "application/json", "grokscope-run.json").ok();
    });
    button("download-csv", || {
        let csv = with(|a| crate::charts::csv(a.driver.history()));
        export::text(&csv, "text/csv", "grokscope-run.csv").ok();
    });
    for c in Chart::ALL {
        on(&by_id::<web_sys::EventTarget>(&format!("png-{}", c.name())), "click", move |_: web_sys::Event| {
            let canvas: HtmlCanvasElement = by_id(&format!("chart-{}", c.name()));
            export::png(&canvas, &format!("grokscope-{}.png", c.name())).ok();
        });
        let canvas: HtmlCanvasElement = by_id(&format!("chart-{}", c.name()));
        on(&canvas, "pointermove", move |e: MouseEvent| hover(c, (e.offset_x(), e.offset_y())));
        on(&canvas, "pointerleave", |_: MouseEvent| {
            with(|a| {
                a.cursor = None;
                a.dirty = ALL_CHARTS;
                a.urgent = true;
            });
            text("readout", "");
        });
    }
    on(&by_id::<web_sys::EventTarget>("backend"), "change", |_: web_sys::Event| {
        let backend = by_id::<HtmlSelectElement>("backend").value().parse().unwrap_or_default();
        with(|a| a.backend = backend);
        show_settings();
        reset();
    });
    on(&by_id::<web_sys::EventTarget>("seeds"), "change", |_: web_sys::Event| {
        let v = by_id::<HtmlInputElement>("seeds").value().parse().unwrap_or(1u32);
        with(|a| a.seeds = v.clamp(1, MAX_SEEDS));
        show_settings();
        reset();
    });
    button("subnetwork", || {
        let run = with(|a| a.run);
        wasm_bindgen_futures::spawn_local(subnetwork(run));
    });
    on(&by_id::<web_sys::EventTarget>("speed"), "input", |_: web_sys::Event| {
        let v = by_id::<HtmlInputElement>("speed").value().parse().unwrap_or(DEFAULT_SPEED);
        with(|a| a.speed = v.clamp(1, 64));
        show_settings();
    });
    // Space starts and pauses anywhere but in a field, even on a focused
    // button (whose own click on key-up is cancelled).
    let space = |e: &KeyboardEvent| {
        let tag = e.target().and_then(|t| t.dyn_into::<Element>().ok()).map(|el| el.tag_name()).unwrap_or_default();
        e.key() == " " && !["INPUT", "SELECT", "TEXTAREA", "SUMMARY"].contains(&tag.as_str())
    };
    on(&dom::document(), "keydown", move |e: KeyboardEvent| {
        if space(&e) {
            e.prevent_default();
            if !e.repeat() {
                toggle();
            }
        }
    });
    on(&dom::document(), "keyup", move |e: KeyboardEvent| {
        if space(&e) {
            e.prevent_default();
        }
    });
    on(&web_sys::window().expect("a window"), "resize", |_: web_sys::Event| with(|a| a.dirty = ALL_CHARTS));
}

/// A new configuration from a control or a preset: show it, write the URL, reset.
fn apply(c: RunConfig) {
    with(|a| a.config = c);
    show_settings();
    reset();
}

/// The settings everywhere they appear: controls, URL, command line, link.
fn show_settings() {
    let (config, query, backend, speed, seeds) = with(|a| {
        let mut parts = Vec::new();
        let q = url::to_query(&a.config);
        if !q.is_empty() {
            parts.push(q);
        }
        if a.backend != Backend::Auto {
            parts.push(format!("backend={}", a.backend.name()));
        }
        if a.speed != DEFAULT_SPEED {
            parts.push(format!("speed={}", a.speed));
        }
        if a.seeds != 1 {
            parts.push(format!("seeds={}", a.seeds));
        }
        if a.autostart {
            parts.push("autostart=1".into());
        }
        (a.config.clone(), parts.join("&"), a.backend, a.speed, a.seeds)
    });
    by_id::<HtmlInputElement>("seeds").set_value(&seeds.to_string());
    controls::fill(&config);
    by_id::<HtmlSelectElement>("backend").set_value(backend.name());
    by_id::<HtmlInputElement>("speed").set_value(&speed.to_string());
    text("speed-value", &speed.to_string());
    let window = web_sys::window().expect("a window");
    let location = window.location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let link = if query.is_empty() { path } else { format!("{path}?{query}") };
    if let Ok(h) = window.history() {
        h.replace_state_with_url(&JsValue::NULL, "", Some(&link)).ok();
    }
    by_id::<HtmlInputElement>("link").set_value(&location.href().unwrap_or_default());
    text("steps-total", &config.steps.to_string());
    text("command", &format!("grokscope train \"{}\"", url::to_query(&config)));
    let list = dom::document().query_selector_all(".preset").expect("a selector");
    for i in 0..list.length() {
        if let Some(b) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            let name = b.get_attribute("data-preset").unwrap_or_default();
            let same = RunConfig::from_preset(&name).is_some_and(|p| p == config);
            b.set_attribute("aria-pressed", if same { "true" } else { "false" }).ok();
        }
    }
}

fn copy_link() {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let clip = web_sys::window().expect("a window").navigator().clipboard();
    let done = wasm_bindgen_futures::JsFuture::from(clip.write_text(&href));
    wasm_bindgen_futures::spawn_local(async move {
        match done.await {
            Ok(_) => text("copy", "Link copied"),
            Err(_) => message("The browser did not allow copying; the link is in the box beside the button."),
        }
    });
}

fn set_state(s: State) {
    with(|a| a.state = s);
    let (name, words) = s.names();
    dom::set_state(name);
    text("state-label", words);
    text(
        "start",
        match s {
            State::Running => "Pause",
            State::Done | State::Error => "Run again",
            _ => "Start",
        },
    );
    dom::show("recover", s == State::Error);
    let measured = with(|a| !a.driver.history().checkpoints.is_empty());
    dom::show("subnetwork", s == State::Done && measured);
}

fn start() {
    let (state, driving, run) = with(|a| (a.state, a.driving, a.run));
    match state {
        State::Done | State::Error => {
            if state == State::Error {
                // The failure is behind us; a new run starts clean.
                dom::clear_message();
            }
            reset();
            return start();
        }
        State::Running => return,
        State::Idle | State::Paused => set_state(State::Running),
    }
    if !driving {
        with(|a| a.driving = true);
        wasm_bindgen_futures::spawn_local(drive(run));
    }
}

fn toggle() {
    if with(|a| a.state) == State::Running {
        set_state(State::Paused);
    } else {
        start();
    }
}

fn step_once() {
    match with(|a| a.state) {
        State::Done | State::Error => return,
        State::Idle => {
            start();
            set_state(State::Paused);
        }
        _ => set_state(State::Paused),
    }
    with(|a| a.single_steps += 1);
}

/// Back to step 0 with the current settings; any running engine is dropped.
fn reset() {
    with(|a| {
        a.run += 1;
        a.driving = false;
        a.single_steps = 0;
        let outstanding = a.driver.outstanding();
        a.driver = Driver::new(&a.config, "", Measuring::Deferred(BACKLOG));
        a.others.clear();
        a.subnet = None;
        a.cursor = None;
        a.dirty = ALL_CHARTS;
        if outstanding > 0 {
            // Drop the old run's queued analyses rather than wait for them.
            if let Some(w) = a.analyst.take() {
                w.terminate();
            }
        }
    });
    text("copy", "Copy link");
    text("readout", "");
    text("prediction", "");
    for m in [
        "step",
        "train_acc",
        "test_acc",
        "train_loss",
        "test_loss",
        "synergy",
        "redundancy",
        "synergy_size",
        "rate",
        "grok_step",
        "phase",
        "seeds",
    ] {
        metric(m, "");
    }
    dom::show("subnetwork-figure", false);
    dom::body().dataset().delete("subnetwork");
    set_state(State::Idle);
}

fn stale(run: u32) -> bool {
    with(|a| a.run != run)
}

/// Ends the run with `why`; the recovery buttons offer a way on.
fn fail(why: &str, offer_cpu: bool) {
    message(why);
    dom::show("restart-cpu", offer_cpu);
    set_state(State::Error);
}

/// One run: get an engine, then advance the run's driver each animation
/// frame while the state says so. Ends when the run is done, fails, or is
/// replaced.
async fn drive(run: u32) {
    let (config, backend) = with(|a| (a.config.clone(), a.backend));
    let request = match backend {
        Backend::Cpu => None,
        _ => Some(Gpu::request().await),
    };
    let unavailable = request.as_ref().and_then(|r| r.as_ref().err()).map(|e| e.to_string());
    let gpu = match (backend.decide(request), unavailable) {
        (Ok((gpu, _)), Some(e)) => {
            message(&format!("WebGPU is not available here ({e}); training on the CPU in WebAssembly instead (slower)."));
            gpu
        }
        (Ok((gpu, note)), None) => {
            if let Some(n) = note {
                message(&format!("{n}."));
            }
            gpu
        }
        (Err(e), _) => return fail(&format!("WebGPU is not available here ({e}); continue on the CPU instead?"), true),
    };
    if stale(run) {
        return;
    }
    let seeds = with(|a| a.seeds);
    let configs: Vec<RunConfig> =
        (0..seeds as u64).map(|i| RunConfig { seed: config.seed.wrapping_add(i), ..config.clone() }).collect();
    let mut engines = Vec::new();
    for c in &configs {
        match engine::start(c, gpu.as_ref(), 1) {
            Ok(e) => engines.push(e),
            Err(e) => return fail(&format!("Could not start the GPU engine for seed {}: {e}.", c.seed), true),
        }
    }
    let kind = if engines[0].is_gpu() { "webgpu" } else { "cpu" };
    with(|a| {
        a.driver = Driver::new(&config, kind, Measuring::Deferred(BACKLOG));
        a.others = configs[1..].iter().map(|c| Driver::new(c, kind, Measuring::Off)).collect();
        a.device = gpu.clone();
    });
    metric("engine", kind);
    metric("seeds", &seeds.to_string());
    let cpu_why = if backend == Backend::Cpu { "chosen with backend=cpu" } else { "WebGPU unavailable" };
    text("adapter", &if kind == "webgpu" { engines[0].describe() } else { format!("CPU ({cpu_why})") });
    let query = url::to_query(&config);
    loop {
        dom::next_frame().await;
        if stale(run) {
            return;
        }
        let want = with(|a| match a.state {
            State::Running => a.speed,
            State::Paused if a.single_steps > 0 => {
                a.single_steps -= 1;
                1
            }
            _ => 0,
        });
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

/// One frame of a run: a batch of up to `want` steps for every seed (the
/// primary run's checkpoint read at its end). False once the run is over.
async fn frame(run: u32, query: &str, want: u32, engines: &mut [Engine]) -> Result<bool, String> {
    let budget = Some(Deadline { now: now_ms, ms: 12.0 });
    let trained_before = with(|a| a.driver.step());
    let mut trained = 0;
    loop {
        let action = with(|a| a.driver.next(want));
        match action {
            Action::Done => {
                with(|a| a.dirty = ALL_CHARTS);
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
        let first = with(|a| a.driver.history().steps.is_empty());
        let job = with(|a| a.driver.apply(outcome));
        if let Some(job) = job {
            measure(run, query, job);
        }
        let Action::Train(_) = action else { continue };
        trained = with(|a| a.driver.step()).saturating_sub(trained_before);
        if first {
            // Page load (navigation start) to the first trained step, for the benchmarks.
            dom::body().dataset().set("firstStepMs", &format!("{:.0}", now_ms())).ok();
        }
        let (last, grokked, diverged) = with(|a| {
            a.dirty |= STEP_CHARTS;
            let h = a.driver.history();
            (h.steps.last().copied(), h.grokked_at(), h.diverged_at)
        });
        if let Some(r) = last {
            publish(&r);
            if grokked.is_some_and(|g| g > r.step.saturating_sub(trained)) {
                metric("grok_step", &grokked.unwrap_or(0).to_string());
            }
        }
        if let Some(at) = diverged {
            fail(
                &format!(
                    "The run diverged at step {at}: the loss became infinite or not a number. \
                     Lower the learning rate or the weight decay, or try another seed, then press Restart."
                ),
                false,
            );
            return Ok(false);
        }
        step_others(run, trained, &mut engines[1..]).await?;
    }
}

/// The other seeds, `k` steps each in the same frame; a diverged seed
/// stops its own curve only.
async fn step_others(run: u32, k: u32, engines: &mut [Engine]) -> Result<(), String> {
    for (i, eng) in engines.iter_mut().enumerate() {
        let action = with(|a| a.others[i].next(k));
        let outcome = perform(eng, &action, None).await;
        if stale(run) {
            return Ok(());
        }
        let seed = with(|a| a.others[i].config().seed);
        if let Some(o) = outcome.map_err(|e| format!("Training seed {seed} stopped: {e}."))? {
            with(|a| a.others[i].apply(o));
        }
    }
    Ok(())
}

/// Hands a checkpoint's activations to the worker (started on first use).
fn measure(run: u32, query: &str, job: Job) {
    let step = job.step;
    let sent = with(|a| {
        if a.analyst.is_none() {
            a.analyst = Some(analyst::spawn(received)?);
        }
        analyst::send(a.analyst.as_ref().expect("just started"), run, query, job)
    });
    if let Err(e) = sent {
        let why = format!("the analysis could not start ({e:?})");
        with(|a| a.driver.measured(step, Err(why.clone())));
        message(&format!("The checkpoint at step {step} was not measured: {why}."));
    }
}

/// A checkpoint back from the worker: into the history, the metrics, the charts.
fn received(d: analyst::Done) {
    if with(|a| a.run != d.run) {
        return;
    }
    let failed = d.result.as_ref().err().cloned();
    let entered = with(|a| a.driver.measured(d.step, d.result));
    if let Some(e) = failed {
        message(&format!("A checkpoint's analysis failed: {e}"));
    }
    let Some(cp) = entered.last() else { return };
    let (phase, prediction) = with(|a| {
        // Every step chart shows the phase bands too.
        a.dirty = ALL_CHARTS;
        let h = a.driver.history();
        let bands = crate::run::phases::phases_of(h);
        (bands.last().map_or("", |b| b.phase.name()), crate::run::predict::predict_live(h).message)
    });
    metric("synergy", &number(cp.synergy));
    metric("redundancy", &number(cp.redundancy));
    metric("synergy_size", &cp.synergy_size.to_string());
    metric("phase", phase);
    text("prediction", &prediction);
}

/// Plain numbers in the metrics (the tests read them); words around them in index.html.
fn publish(r: &StepRecord) {
    metric("step", &r.step.to_string());
    metric("train_acc", &format!("{:.4}", r.train_acc));
    metric("test_acc", &format!("{:.4}", r.test_acc));
    metric("train_loss", &number(r.train_loss));
    metric("test_loss", &number(r.test_loss));
    let now = now_ms();
    let (t, s) = with(|a| a.rate);
    if now - t >= 1000.0 || s > r.step {
        if s > 0 && s < r.step {
            metric("rate", &format!("{:.1}", (r.step - s) as f64 * 1000.0 / (now - t)));
        }
        with(|a| a.rate = (now, r.step));
    }
}

/// Four significant digits, as a plain number JavaScript reads back.
fn number(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-3 {
        format!("{x:.3e}")
    } else {
        format!("{x:.4}")
    }
}

/// The values at the step under the pointer, and a cursor on every chart.
fn hover(c: Chart, p: (i32, i32)) {
    let i = Chart::ALL.iter().position(|&x| x == c).expect("a chart");
    let line = with(|a| {
        let step = a.step_at[i].as_ref().and_then(|f| f(p))?;
        let last = a.driver.history().steps.last()?.step;
        let step = step.clamp(1, last);
        a.cursor = Some(step);
        a.dirty = ALL_CHARTS;
        a.urgent = true;
        let r = a.driver.history().steps.get(step as usize - 1)?;
        let mut line = format!(
            "Step {}: train accuracy {:.1} %, test accuracy {:.1} %, train loss {}, test loss {}",
            r.step,
            100.0 * r.train_acc,
            100.0 * r.test_acc,
            number(r.train_loss),
            number(r.test_loss)
        );
        if let Some(p) = crate::run::phases::phase_at(&crate::run::phases::phases_of(a.driver.history()), step) {
            line += &format!("; phase: {}", p.name());
        }
        if let Some(cp) = a.driver.history().checkpoints.iter().rev().find(|cp| cp.step <= step) {
            line += &format!(
                "; at step {}: synergy {} bits, redundancy {} bits, synergistic sub-network {} neurons",
                cp.step,
                number(cp.synergy),
                number(cp.redundancy),
                cp.synergy_size
            );
        }
        Some(line)
    });
    if let Some(l) = line {
        text("readout", &l);
    }
}

/// Redraws dirty charts: at once after a hover, else at most every 100 ms
/// (every 300 ms once the run is long, so drawing never crowds out training).
async fn render_loop() {
    loop {
        dom::next_frame().await;
        let now = now_ms();
        let due = with(|a| {
            let gap = if a.driver.history().steps.len() > 2000 { 300.0 } else { 100.0 };
            a.dirty != 0 && (a.urgent || now - a.drawn_at >= gap)
        });
        if due {
            draw();
        }
    }
}

fn draw() {
    let (frame, dirty) = with(|a| {
        let d = a.dirty;
        a.dirty = 0;
        a.urgent = false;
        a.drawn_at = now_ms();
        (Frame::with_seeds(a.driver.history(), &a.others.iter().map(Driver::history).collect::<Vec<_>>(), a.cursor, POINTS), d)
    });
    for (i, c) in Chart::ALL.into_iter().enumerate() {
        if dirty & bit(c) == 0 {
            continue;
        }
        let canvas: HtmlCanvasElement = by_id(&format!("chart-{}", c.name()));
        // Draw at the displayed size: crisp text, and pointer offsets are canvas pixels.
        let (w, h) = (canvas.client_width().max(100) as u32, canvas.client_height().max(80) as u32);
        if canvas.width() != w || canvas.height() != h {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { continue };
        let area = backend.into_drawing_area();
        match c.draw(&area, &frame) {
            Ok(step_at) => with(|a| a.step_at[i] = step_at),
            Err(e) => web_sys::console::warn_1(&format!("chart {}: {e:?}", c.name()).into()),
        }
        area.present().ok();
    }
}

/// Digest of the split and the initial weights of a configuration: the same
/// query must give the same digest natively and in the browser.
#[wasm_bindgen]
pub fn fingerprint(query: &str) -> Result<String, JsValue> {
    let c = url::parse(query).map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(crate::fingerprint(&c))
}

/// The sub-network experiment of a finished run, as the page shows it:
/// the retraining with and without the multiplet's neurons.
struct SubnetRun {
    title: String,
    neurons: usize,
    /// The sub-network and its inverse.
    runs: [Driver; 2],
}

/// Paper section 7 for the finished run: the neurons of its most synergistic
/// multiplet (the global minimum of synergy) retrained from the same
/// initialisation alone (the others' W1 rows zeroed after every step, the
/// authors' masking), and the others alone; three test-accuracy curves.
async fn subnetwork(run: u32) {
    let (h, gpu, speed) = with(|a| (a.driver.history().clone(), a.device.clone(), a.speed));
    let cp = match subnet::pick_checkpoint(&h, None) {
        Ok(cp) => cp.clone(),
        Err(e) => return message(&format!("No sub-network to train: {e}.")),
    };
    let hidden = h.config.hidden as usize;
    let neurons = subnet::synergy_neurons(&cp);
    dom::clear_message();
    if neurons.len() == hidden {
        // The union re-analysis (`grokscope subnetwork`) needs this step's
        // activations again, i.e. the run replayed: not cheap in the page.
        message(&format!(
            "The most synergistic multiplet (step {}, {} bits) holds every neuron ({} mode: all {} clusters), so the \
             sub-network is the whole network and its inverse has no trained neuron. For a smaller multiplet, set \
             multiplets to union (mode=union) and run again, or use `grokscope subnetwork`, which re-analyses that \
             step in union mode.",
            cp.step,
            number(cp.synergy),
            h.config.mode.name(),
            cp.synergy_clusters.len()
        ));
    }
    let c = subnet::retrain_config(&h.config);
    let mask = subnet::mask_of(&neurons, hidden, false);
    let start = |m: &engine::Mask| engine::start_masked(&c, gpu.as_ref(), 1, Some(m));
    let mut engines = match (start(&mask), start(&mask.inverse())) {
        (Ok(s), Ok(i)) => [s, i],
        (Err(e), _) | (_, Err(e)) => return message(&format!("Could not start the sub-network's engine: {e}.")),
    };
    dom::body().dataset().set("subnetwork", "running").ok();
    by_id::<HtmlButtonElement>("subnetwork").set_disabled(true);
    dom::show("subnetwork-figure", true);
    with(|a| {
        a.subnet = Some(SubnetRun {
            title: format!("Test accuracy: multiplet of step {} ({} of {hidden} neurons)", cp.step, neurons.len()),
            neurons: neurons.len(),
            runs: [Driver::new(&c, "", Measuring::Off), Driver::new(&c, "", Measuring::Off)],
        })
    });
    let mut drawn_at = 0.0;
    let ended = loop {
        dom::next_frame().await;
        if stale(run) {
            break None;
        }
        match subnet_frame(run, speed.max(8), &mut engines).await {
            Err(e) => break Some(Err(e)),
            Ok(done) => {
                if done || now_ms() - drawn_at > 200.0 {
                    draw_subnetwork();
                    drawn_at = now_ms();
                }
                if done {
                    break Some(Ok(()));
                }
            }
        }
    };
    by_id::<HtmlButtonElement>("subnetwork").set_disabled(false);
    match ended {
        None => {}
        Some(Ok(())) => {
            dom::body().dataset().set("subnetwork", "done").ok();
        }
        Some(Err(e)) => {
            message(&format!("The sub-network's training stopped: {e}."));
            dom::body().dataset().set("subnetwork", "error").ok();
        }
    }
}

/// One frame of the two retrainings: the sub-network up to `want` steps,
/// then its inverse as far as the sub-network got. True once both are done.
async fn subnet_frame(run: u32, want: u32, engines: &mut [Engine; 2]) -> Result<bool, engine::gpu::GpuError> {
    for (i, eng) in engines.iter_mut().enumerate() {
        let action = with(|a| {
            let [sub, inverse] = &a.subnet.as_ref()?.runs;
            let behind = sub.step().saturating_sub(inverse.step());
            Some(if i == 0 { sub.next(want) } else { inverse.next(if sub.next(1) == Action::Done { want } else { behind }) })
        });
        let Some(action) = action else { return Ok(true) };
        let outcome = perform(eng, &action, Some(Deadline { now: now_ms, ms: 12.0 })).await?;
        if stale(run) {
            return Ok(true);
        }
        if let Some(o) = outcome {
            with(|a| a.subnet.as_mut().map(|n| n.runs[i].apply(o)));
        }
    }
    Ok(with(|a| a.subnet.as_ref().is_none_or(|n| n.runs.iter().all(|d| d.next(1) == Action::Done))))
}

/// The full run's and the two retrained runs' test accuracy, with a key.
fn draw_subnetwork() {
    let Some((title, steps, curves)) = with(|a| {
        let n = a.subnet.as_ref()?;
        let acc = |h: &History| h.steps.iter().map(|r| (r.step as f64, r.test_acc)).collect::<Vec<(f64, f64)>>();
        let h = a.driver.history();
        let hidden = h.config.hidden as usize;
        let curves = vec![
            (format!("full ({hidden})"), acc(h)),
            (format!("synergistic ({})", n.neurons), acc(n.runs[0].history())),
            (format!("inverse ({})", hidden - n.neurons), acc(n.runs[1].history())),
        ];
        Some((n.title.clone(), h.config.steps, curves))
    }) else {
        return;
    };
    let canvas: HtmlCanvasElement = by_id("subnetwork-chart");
    let (w, h) = (canvas.client_width().max(100) as u32, canvas.client_height().max(80) as u32);
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let Some(backend) = CanvasBackend::with_canvas_object(canvas) else { return };
    let area = backend.into_drawing_area();
    if let Err(e) = crate::charts::subnetwork_chart(&area, &title, steps, &curves, None) {
        web_sys::console::warn_1(&format!("sub-network chart: {e:?}").into());
    }
    area.present().ok();
}
