//! The phase diagram view (`grid=` in the link): every cell of a sweep's
//! grid over the run's settings, times the seeds setting, trained live
//! (runs that share the engine's shapes as one GPU batch; on the CPU engine
//! one at a time; checkpoints measured by the analysis workers when
//! `every` > 0),
//! each cell coloured by its regime once its seeds are done. Hovering a
//! cell reads its steps; clicking it opens its runs in the main view. Over
//! the paper's experiments it also compares and judges them (`paper`).

mod paper;

use super::dom::{self, by_id, message, metric, now_ms, on, on_click, text};
use super::driver::{choose_gpu, Pace, DEPTH};
use super::player::{self, State};
use super::view::{self, ALL_CHARTS};
use super::{analyst, settings, with};
use crate::charts::axis::{KeyEntry, Swatch};
use crate::charts::heatmap::{self, regime_colour, Cell, Rect, NONE};
use crate::config::RunConfig;
use crate::engine::{
    self,
    gpu::{MAX_BATCH, MAX_MODELS},
};
use crate::run::batch::{all_done, Batch};
use crate::run::driver::{Driver, Measuring};
use crate::run::history::{History, GROKKED, MEMORISED};
use crate::run::regime::{self, Regime};
use crate::sweep::summary::{CellSummary, RunSummary};
use crate::sweep::{cost, Run, Spec};
use crate::url;
use web_sys::{HtmlCanvasElement, HtmlInputElement, MouseEvent};

/// Most runs in one GPU batch: every model the engine holds, so the
/// paper's 35 runs train as one batch (a page does not resume a batch, so
/// nothing is gained by smaller ones).
const GPU_BATCH: usize = MAX_MODELS;
/// Steps a GPU batch may have submitted per frame: the in-flight cap is
/// what holds it back, so a fast GPU is never starved.
const GPU_FRAME_STEPS: u32 = MAX_BATCH * DEPTH as u32;
/// Milliseconds of a frame the CPU engine trains a diagram for: a diagram
/// is watched, not played, so 30 frames a second are enough, and a step
/// of a few milliseconds no longer leaves half of each frame idle.
const CPU_FRAME_MS: f64 = 30.0;
/// Minutes of CPU training above which the page suggests a smaller grid.
const LONG_MINUTES: f64 = 5.0;
/// The grid the "Phase diagram" button opens with when the link has none,
/// and the settings it trains over (`docs/sweep/SWEEP.md`: at p = 31 with
/// 512 neurons and learning rate 0.1 it has all four regimes).
pub const DEFAULT_GRID: &str = "wd=0.1,0.3,1,3,10&frac=0.3,0.5,0.7,0.9";
pub const DEFAULT_BASE: &str = "p=31&hidden=512&lr=0.1&steps=1500&every=250";

/// A diagram being trained (or trained).
pub struct Diagram {
    spec: Spec,
    runs: Vec<Run>,
    /// Each run's history once it has ended, index for index with `runs`.
    done: Vec<Option<History>>,
    /// The batch training now: each run's index and driver.
    active: Vec<(usize, Driver)>,
    /// Where each cell's box was last drawn (layout pixels) and CSS pixels per layout pixel.
    boxes: Vec<Rect>,
    zoom: f64,
    paused: bool,
    /// Bumped by every (re)start: an older task stops at its next frame.
    task: u32,
    /// Work done and time spent training so far (for the time left).
    flops_done: f64,
    training_ms: f64,
    /// When the progress line was last written.
    told_at: f64,
}

impl Diagram {
    fn cells(&self) -> Vec<Option<CellSummary>> {
        let mut cells: Vec<Vec<RunSummary>> = vec![Vec::new(); self.spec.grid().cells().len()];
        let mut pending = vec![0usize; cells.len()];
        for (r, h) in self.runs.iter().zip(&self.done) {
            match h {
                Some(h) => cells[r.cell].push(RunSummary::of(h)),
                None => pending[r.cell] += 1,
            }
        }
        cells.into_iter().zip(pending).map(|(c, p)| (p == 0).then(|| CellSummary::of(c))).collect()
    }
}

/// The grid field, the start button, and the canvas's pointer.
pub fn wire() {
    on_click("diagram-start", start_or_pause);
    on_click("open-diagram", open);
    let field: HtmlInputElement = by_id("grid");
    on(&field, "change", |_: web_sys::Event| grid_changed());
    let canvas: HtmlCanvasElement = by_id("diagram-canvas");
    on(&canvas, "pointermove", |e: MouseEvent| hover(at(&e)));
    on(&canvas, "pointerleave", |_: MouseEvent| text("diagram-readout", ""));
    on(&canvas, "click", |e: MouseEvent| open_cell(at(&e)));
    on(&web_sys::window().expect("a window"), "resize", |_: web_sys::Event| draw());
}

/// The view as the settings say: shown with its grid when the link has
/// one, with the estimate for the settings now.
pub fn show() {
    let (grid, running) = with(|a| (a.page.grid.clone(), a.diagram.as_ref().is_some_and(|d| !d.paused)));
    dom::show("diagram", grid.is_some());
    dom::show("open-diagram", grid.is_none());
    let Some(grid) = grid else { return };
    let link = crate::sweep::grid::Grid::parse(&grid).map_or(grid, |g| g.to_link());
    by_id::<HtmlInputElement>("grid").set_value(&link);
    if !running {
        estimate();
    }
}

/// The "Phase diagram" button: the default grid, over the default settings
/// when the run's are the page's defaults.
fn open() {
    let (config, mut page) = with(|a| (a.config.clone(), a.page.clone()));
    page.grid = Some(DEFAULT_GRID.into());
    let config = match config == RunConfig::default() {
        true => url::parse(DEFAULT_BASE).expect("the default diagram's settings parse"),
        false => config,
    };
    with(|a| {
        a.config = config;
        a.page = page;
    });
    settings::show();
    by_id::<web_sys::HtmlElement>("diagram").scroll_into_view();
}

/// A grid typed in the field: checked by the link's codec.
fn grid_changed() {
    let value = by_id::<HtmlInputElement>("grid").value();
    let mut page = with(|a| a.page.clone());
    match url::set_page(&mut page, "grid", &value) {
        Ok(()) => {
            dom::retract("grid");
            with(|a| a.page = page);
            settings::show();
        }
        Err(e) => dom::message_kind("grid", &format!("The grid was not changed: {}.", e.reason)),
    }
}

/// The sweep of the settings now, or why there is none.
fn spec() -> Result<Spec, String> {
    let (config, page) = with(|a| (a.config.clone(), a.page.clone()));
    let grid = page.grid.ok_or("no grid")?;
    let spec = Spec::new(&url::to_query(&config), &grid, page.seeds)?;
    if spec.grid().axes.len() > 2 {
        return Err("the page draws a grid of one or two keys; `grokscope sweep` takes more".into());
    }
    Ok(spec)
}

/// What the grid will cost, said before it starts (CPU: minutes, and a
/// smaller grid when long).
fn estimate() {
    let spec = match spec() {
        Ok(s) => s,
        Err(e) => return text("diagram-progress", &format!("This grid cannot be trained: {e}.")),
    };
    let runs = spec.runs().unwrap_or_default();
    let cells = spec.grid().cells().len();
    let minutes = cost::flops(&runs) / cost::PAGE_CPU_FLOPS / 60.0;
    let mut words = format!(
        "{cells} cells × {} seeds = {} runs. On the CPU engine about {} (on a GPU, much less).",
        spec.seeds,
        runs.len(),
        cost::duration(minutes * 60.0)
    );
    if minutes > LONG_MINUTES {
        words += " For a class, a smaller grid is quicker: fewer values per key, seeds 1, or fewer steps.";
    }
    text("diagram-progress", &words);
}

fn start_or_pause() {
    let state = with(|a| a.diagram.as_ref().map(|d| (d.paused, d.done.iter().all(Option::is_some))));
    match state {
        Some((false, false)) => set_paused(true),
        Some((true, false)) => set_paused(false),
        _ => start(),
    }
}

fn set_paused(paused: bool) {
    with(|a| a.diagram.as_mut().map(|d| d.paused = paused));
    text("diagram-start", if paused { "Resume" } else { "Pause" });
    dom::body().dataset().set("diagram", if paused { "paused" } else { "running" }).ok();
}

/// Trains the diagram of the settings now from the start.
pub fn start() {
    let spec = match spec() {
        Ok(s) => s,
        Err(e) => return message(&format!("The phase diagram cannot start: {e}.")),
    };
    let runs = match spec.runs() {
        Ok(r) => r,
        Err(e) => return message(&format!("The phase diagram cannot start: {e}.")),
    };
    // An earlier diagram's analyses are dropped rather than waited for.
    analyst::abandon(is_diagram);
    // One thing trains at a time: the run pauses while the diagram trains.
    if with(|a| a.player.state) == State::Running {
        player::set_state(State::Paused);
    }
    let task = with(|a| {
        let task = a.diagram.as_ref().map_or(0, |d| d.task + 1);
        let done = vec![None; runs.len()];
        a.diagram = Some(Diagram {
            spec,
            runs,
            done,
            active: Vec::new(),
            boxes: Vec::new(),
            zoom: 1.0,
            paused: false,
            task,
            flops_done: 0.0,
            training_ms: 0.0,
            told_at: 0.0,
        });
        task
    });
    set_paused(false);
    draw();
    wasm_bindgen_futures::spawn_local(drive(task));
}

fn stale(task: u32) -> bool {
    with(|a| a.diagram.as_ref().is_none_or(|d| d.task != task))
}

/// Trains every run: a batch at a time, pumped once per animation frame.
async fn drive(task: u32) {
    let backend = with(|a| a.page.backend);
    let gpu = match choose_gpu(backend).await {
        Ok(g) => g,
        Err(why) => return stop(task, &why),
    };
    let runs: Vec<Run> = with(|a| a.diagram.as_ref().map(|d| d.runs.clone()).unwrap_or_default());
    let kind = if gpu.is_some() { "webgpu" } else { "cpu" };
    dom::body().dataset().set("diagramEngine", kind).ok();
    // Runs that share the engine's shapes train as one GPU batch; the CPU
    // engine trains one model at a time however they are grouped.
    let refs: Vec<&Run> = runs.iter().collect();
    for chunk in crate::sweep::batches(&refs, if gpu.is_some() { GPU_BATCH } else { 1 }) {
        let configs: Vec<_> = chunk.iter().map(|r| (&r.config, None)).collect();
        let engine = match engine::start_batch(&configs, gpu.as_ref(), 1) {
            Ok(e) => e,
            Err(e) => return stop(task, &format!("Could not start the engine: {e}.")),
        };
        // The analysis workers' backlog shared among the batch's runs.
        let backlog = (analyst::backlog() / chunk.len()).max(1);
        let measuring = |c: &RunConfig| if c.every > 0 { Measuring::Deferred(backlog) } else { Measuring::Off };
        let active = chunk.iter().map(|r| (r.index, Driver::new(&r.config, kind, measuring(&r.config)))).collect();
        with(|a| a.diagram.as_mut().map(|d| d.active = active));
        let mut batch = Batch::new(engine);
        let mut pace = Pace::within(CPU_FRAME_MS);
        let step_flops: f64 = chunk.iter().map(|r| cost::step_flops(&r.config)).sum();
        let mut last = now_ms();
        loop {
            dom::next_frame().await;
            if stale(task) {
                return;
            }
            if with(|a| a.diagram.as_ref().is_some_and(|d| d.paused)) {
                last = now_ms();
                continue;
            }
            match frame(&mut batch, &mut pace, task, step_flops, last) {
                Ok(Some(now)) => last = now,
                Ok(None) => break,
                Err(why) => return stop(task, &why),
            }
        }
        with(|a| {
            if let Some(d) = a.diagram.as_mut() {
                for (i, driver) in std::mem::take(&mut d.active) {
                    d.done[i] = Some(driver.history().clone());
                }
            }
        });
        draw();
    }
    text("diagram-start", "Train again");
    dom::body().dataset().set("diagram", "done").ok();
}

/// One frame of the batch: submit, take in what arrived, send checkpoints
/// to the analysis workers. The frame's end time, or None once every run
/// of the batch is over and measured.
fn frame(batch: &mut Batch, pace: &mut Pace, task: u32, step_flops: f64, last: f64) -> Result<Option<f64>, String> {
    let gpu = batch.engine.is_gpu();
    let steps = if gpu { GPU_FRAME_STEPS } else { pace.steps(u32::MAX, false) };
    let t0 = now_ms();
    let pumped = with(|a| {
        let d = a.diagram.as_mut().expect("a diagram trains");
        let mut refs: Vec<&mut Driver> = d.active.iter_mut().map(|(_, dr)| dr).collect();
        batch.pump(&mut refs, steps, DEPTH)
    })
    .map_err(|e| format!("Training stopped: {e}."))?;
    if !gpu {
        pace.took(pumped.submitted, now_ms() - t0);
    }
    for (i, job) in pumped.jobs {
        let (index, query) = with(|a| {
            let (index, driver) = &a.diagram.as_ref().expect("a diagram trains").active[i];
            (*index, url::to_query(driver.config()))
        });
        let step = job.step;
        if let Err(e) = analyst::send(tag(task, index), &query, job) {
            let why = format!("the analysis could not start ({e:?})");
            with(|a| a.diagram.as_mut().map(|d| d.active[i].1.measured(step, Err(why))));
        }
    }
    // Wall time, frames and drawing included: what the time left is in.
    let now = now_ms();
    with(|a| {
        let d = a.diagram.as_mut().expect("a diagram trains");
        d.flops_done += step_flops * pumped.arrived as f64;
        d.training_ms += now - last;
        // The time left, refreshed once a second between the cells' redraws.
        if now - d.told_at >= 1000.0 {
            d.told_at = now;
            text("diagram-progress", &progress(d, &d.cells()));
        }
        let over = all_done(&d.active.iter_mut().map(|(_, dr)| dr).collect::<Vec<_>>());
        Ok((!over).then_some(now))
    })
}

/// The analysis pool's run number of the diagram's run `index` in task
/// `task`: the top bit set, so the page's own runs (counted from 0) never
/// meet it.
fn tag(task: u32, index: usize) -> u32 {
    DIAGRAM_RUN | (task & 0x7fff) << 16 | (index as u32 & 0xffff)
}

const DIAGRAM_RUN: u32 = 1 << 31;

/// Whether the analysis pool's run number `run` is one of the diagram's.
pub fn is_diagram(run: u32) -> bool {
    run & DIAGRAM_RUN != 0
}

/// A checkpoint measured by a worker: into its run's history (in step order).
pub fn received(d: analyst::Done) {
    let (task, index) = ((d.run >> 16) & 0x7fff, (d.run & 0xffff) as usize);
    with(|a| {
        let Some(diagram) = a.diagram.as_mut().filter(|g| g.task & 0x7fff == task) else { return };
        if let Some((_, driver)) = diagram.active.iter_mut().find(|(i, _)| *i == index) {
            driver.measured(d.step, d.result);
        }
    });
}

/// The diagram stops with `why`.
fn stop(task: u32, why: &str) {
    if stale(task) {
        return;
    }
    message(&format!("The phase diagram stopped: {why}"));
    with(|a| a.diagram = None);
    text("diagram-start", "Train the diagram");
    dom::body().dataset().set("diagram", "error").ok();
}

/// The heatmap of the cells done so far, and the progress line.
fn draw() {
    let Some((spec, cells, progress)) = with(|a| {
        let d = a.diagram.as_ref()?;
        let cells = d.cells();
        let words = progress(d, &cells);
        Some((d.spec.clone(), cells, words))
    }) else {
        return;
    };
    let grid = spec.grid();
    let axes = &grid.axes;
    let (x_key, x_labels) = (&axes[0].0, &axes[0].1);
    let (y_key, y_labels) = axes.get(1).map_or((String::new(), vec![String::new()]), |a| (a.0.clone(), a.1.clone()));
    let (nx, ny) = (x_labels.len(), y_labels.len());
    // Cells go first key slowest: box (i, j) is cell i ny + j.
    let boxes: Vec<Cell> = (0..ny)
        .flat_map(|j| (0..nx).map(move |i| i * ny + j))
        .map(|k| match &cells[k] {
            Some(c) => Cell { fill: regime_colour(c.regime), text: label(c) },
            None => Cell { fill: NONE, text: "…".into() },
        })
        .collect();
    let mut key: Vec<KeyEntry> =
        Regime::ALL.iter().map(|&r| KeyEntry::new(r.name(), Swatch::Fill(regime_colour(r)))).collect();
    key.push(KeyEntry::new("training", Swatch::Fill(NONE)));
    let title = "Regime of each cell (letters: each seed's; number: median step to grok)";
    let Some((area, zoom)) = view::area("diagram-canvas") else { return };
    match heatmap::heatmap(&area, title, (x_key, x_labels), (&y_key, &y_labels), &boxes, &key) {
        Ok(drawn) => with(|a| {
            if let Some(d) = a.diagram.as_mut() {
                // Drawn row by row from the bottom: back to the cells' order.
                let mut by_cell = vec![((0, 0), (0, 0)); drawn.len()];
                for (b, r) in drawn.into_iter().enumerate() {
                    by_cell[(b % nx) * ny + b / nx] = r;
                }
                d.boxes = by_cell;
                d.zoom = zoom;
            }
        }),
        Err(e) => web_sys::console::warn_1(&format!("phase diagram: {e:?}").into()),
    }
    area.present().ok();
    // For the tests: each cell's regime letter, "." while it trains.
    let letters: String = cells.iter().map(|c| c.as_ref().map_or('.', |c| c.regime.letter())).collect();
    dom::body().dataset().set("diagramCells", &letters).ok();
    text("diagram-progress", &progress);
    summarise(&spec, &cells);
    paper::compare(&spec, &cells);
    paper::judge();
}

/// A cell's box: each seed's regime letter, and the median step to grok.
fn label(c: &CellSummary) -> String {
    let letters: String = c.runs.iter().map(|r| r.regime.letter()).collect();
    match c.grokked {
        Some(g) => format!("{letters} {g:.0}"),
        None => letters,
    }
}

/// "12 of 30 cells, 36 of 90 runs; about 3 min left".
fn progress(d: &Diagram, cells: &[Option<CellSummary>]) -> String {
    let runs = d.done.iter().filter(|h| h.is_some()).count();
    let done = cells.iter().filter(|c| c.is_some()).count();
    let mut words = format!("{done} of {} cells, {runs} of {} runs", cells.len(), d.runs.len());
    let left: Vec<Run> = d.runs.iter().zip(&d.done).filter(|(_, h)| h.is_none()).map(|(r, _)| r.clone()).collect();
    if !left.is_empty() && d.flops_done > 0.0 && d.training_ms > 0.0 {
        let rate = d.flops_done / (d.training_ms / 1000.0);
        words += &format!("; about {} left", cost::duration(cost::flops(&left) / rate));
    }
    words
}

/// The canvas's text alternative: the count of cells in each regime.
fn summarise(spec: &Spec, cells: &[Option<CellSummary>]) {
    let counts: Vec<String> = Regime::ALL
        .iter()
        .map(|&r| format!("{}: {}", r.name(), cells.iter().flatten().filter(|c| c.regime == r).count()))
        .collect();
    text(
        "summary-diagram",
        &format!(
            "Phase diagram over {} (over {}): {}. Rule: memorised at train accuracy ≥ {MEMORISED}, grokked at test accuracy ≥ {GROKKED}; grokking when that took more than {} times the steps memorising did.",
            spec.grid,
            spec.query,
            counts.join("; "),
            regime::DELAY
        ),
    );
}

/// The cell under the pointer.
fn at(e: &MouseEvent) -> Option<usize> {
    with(|a| {
        let d = a.diagram.as_ref()?;
        let (x, y) = (e.offset_x() as f64 / d.zoom, e.offset_y() as f64 / d.zoom);
        heatmap::hit(&d.boxes, (x as i32, y as i32))
    })
}

/// The cell's values, regime and steps in the readout.
fn hover(cell: Option<usize>) {
    let words = cell.and_then(|k| {
        with(|a| {
            let d = a.diagram.as_ref()?;
            let values = d.spec.grid().cells().get(k)?.clone();
            let name: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let Some(c) = d.cells().get(k)?.clone() else {
                return Some(format!("{}: training…", name.join(", ")));
            };
            let step = |s: Option<f64>| s.map_or("never".into(), |s| format!("at step {s:.0}"));
            let letters: String = c.runs.iter().map(|r| r.regime.letter()).collect();
            Some(format!(
                "{}: {}; memorised {}, grokked {} (medians of {} seeds: {letters}); final test accuracy {:.2}. Click to open its runs.",
                name.join(", "),
                c.regime.name(),
                step(c.memorised),
                step(c.grokked),
                c.runs.len(),
                c.final_test_acc
            ))
        })
    });
    text("diagram-readout", &words.unwrap_or_default());
}

/// The cell's runs in the main view, finished: the first seed shown, the
/// others beside it; its settings become the run's (Run again trains it
/// with the progress measures).
fn open_cell(cell: Option<usize>) {
    let Some(histories) = cell.and_then(|k| {
        with(|a| {
            let d = a.diagram.as_ref()?;
            let hs: Option<Vec<History>> =
                d.runs.iter().zip(&d.done).filter(|(r, _)| r.cell == k).map(|(_, h)| h.clone()).collect();
            hs
        })
    }) else {
        return;
    };
    let Some(first) = histories.first() else { return };
    let config = first.config.clone();
    player::reset();
    with(|a| {
        a.config = config;
        a.runs.driver = Driver::finished(first.clone());
        a.runs.others = histories[1..].iter().cloned().map(Driver::finished).collect();
        a.view.dirty = ALL_CHARTS;
    });
    settings::show();
    if let Some(r) = first.steps.last() {
        view::publish(r);
    }
    metric("seeds", &histories.len().to_string());
    metric("engine", &first.backend);
    if let Some(g) = first.grokked_at() {
        metric("grok_step", &g.to_string());
    }
    player::set_state(State::Done);
    let measured = !first.checkpoints.is_empty();
    text(
        "diagram-readout",
        match measured {
            true => "Opened in the run view below, with its progress measures.",
            false => "Opened in the run view below: trained without the progress measures (every=0).",
        },
    );
    if let Some(cp) = first.checkpoints.last() {
        let weights = first.weights_at(first.checkpoints.len() - 1).cloned();
        view::publish_measures(&crate::run::history::Checkpoint { measures: cp.clone(), weights });
    }
}
