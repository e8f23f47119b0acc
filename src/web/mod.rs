//! The page (wasm32 only). The URL is the run: it is read once into the
//! app's state, every control writes back through the same codec, and the
//! same link always gives the same run. One task per run drives the engine
//! from animation frames; a separate frame loop redraws only the charts
//! whose data changed, a few times a second at most for long runs.
//! The DOM contract for tests (data-state, data-metric, #message) is in
//! README.md.
//!
//! One module per job: `settings` (URL, controls, link), `player` (start,
//! pause, step, reset), `driver` (the run's task and the worker's results),
//! `view` (metrics, charts, readout), `probe` (ask the network a question),
//! `subnet` (the sub-network experiment),
//! `saved` (the last run across reloads), `lesson` (a class's pauses),
//! `diagram` (the phase diagram of a grid of runs).

mod analyst;
mod controls;
mod diagram;
mod dom;
mod driver;
mod export;
mod hidpi;
mod lesson;
mod player;
mod probe;
mod projector;
mod saved;
mod settings;
mod subnet;
mod view;

use crate::config::RunConfig;
use crate::url::{self, PageSettings};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// The page's state, by concern.
struct App {
    /// What runs: the configuration, as the URL and the controls show it.
    config: RunConfig,
    /// How it runs: engine, speed, seeds side by side.
    page: PageSettings,
    player: player::Player,
    runs: driver::Runs,
    view: view::View,
    subnet: Option<subnet::SubnetRun>,
    /// The phase diagram view's runs (`grid=`).
    diagram: Option<diagram::Diagram>,
    /// Settings waiting for "Apply and restart" while a run goes on.
    pending: Option<(RunConfig, PageSettings)>,
    /// The lesson's moments already paused at in this run (`lesson=1`).
    lesson: lesson::Seen,
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
    let (config, page) = settings::from_url(&window.location().search().unwrap_or_default());
    let autostart = page.autostart;
    let workers = analyst::start(page.workers, driver::received);
    APP.with(|a| {
        *a.borrow_mut() = Some(App {
            runs: driver::Runs::new(&config),
            config,
            page,
            player: player::Player::default(),
            view: view::View::default(),
            subnet: None,
            diagram: None,
            pending: None,
            lesson: lesson::Seen::default(),
        })
    });
    settings::wire();
    player::wire();
    view::wire();
    export::wire();
    projector::wire();
    subnet::wire();
    saved::wire();
    lesson::wire();
    probe::wire();
    diagram::wire();
    settings::show();
    dom::metric("workers", &workers.to_string());
    player::set_state(player::State::Idle);
    saved::restore();
    wasm_bindgen_futures::spawn_local(view::render_loop());
    match (autostart, with(|a| a.page.grid.is_some())) {
        (true, true) => diagram::start(),
        (true, false) => player::start(),
        _ => {}
    }
}

/// Digest of the split and the initial weights of a configuration: the same
/// query must give the same digest natively and in the browser.
#[wasm_bindgen]
pub fn fingerprint(query: &str) -> Result<String, JsValue> {
    let c = url::parse(query).map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(crate::fingerprint(&c))
}
