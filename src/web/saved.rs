//! The last run, kept in the browser's `localStorage` (as `History::to_json`)
//! so a reload, or tomorrow's lesson, still has it: restored as the finished
//! run when the link asks for the same configuration, else drawn faint as
//! the previous run; a button forgets it.

use super::dom::{message, metric, on_click, show, text};
use super::player::{self, State};
use super::{view, with};
use crate::run::driver::Driver;
use crate::run::history::{Checkpoint, History};
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

const KEY: &str = "grokscope.lastRun";

/// `localStorage.method(args)` through Reflect (web-sys' Storage is not
/// among the crate's features); None where storage is refused (private
/// windows, a full quota).
fn storage(method: &str, args: &[&str]) -> Option<JsValue> {
    let store = Reflect::get(&web_sys::window()?.into(), &"localStorage".into()).ok().filter(|s| s.is_object())?;
    let f: Function = Reflect::get(&store, &method.into()).ok()?.dyn_into().ok()?;
    let args: js_sys::Array = args.iter().map(|a| JsValue::from_str(a)).collect();
    f.apply(&store, &args).ok()
}

/// Keeps `json` (a run with at least one step) as the last run.
pub fn keep(json: &str) {
    if json.contains("\"steps\":[]") {
        return;
    }
    if storage("setItem", &[KEY, json]).is_none() {
        super::dom::message_kind(
            "saved",
            "The browser would not keep this run (storage full or refused); it is lost on reload.",
        );
    }
}

/// A run was replaced and is now the faint previous run: the note says so
/// and offers to forget it.
pub fn note_previous() {
    text("saved-note", "The previous run is drawn faint on the accuracy and loss charts.");
    show("saved", true);
}

/// The forget button.
pub fn wire() {
    on_click("forget-saved", || {
        // The kept copy and the faint run go; the run on show stays.
        storage("removeItem", &[KEY]);
        show("saved", false);
        with(|a| {
            a.view.previous = None;
            a.view.dirty = view::ALL_CHARTS;
        });
    });
}

/// The kept run at page load: the finished run itself when the link is its
/// configuration and does not start a new one, else the faint previous run.
pub fn restore() {
    let Some(json) = storage("getItem", &[KEY]).and_then(|v| v.as_string()) else { return };
    let h = match History::from_json(&json) {
        Ok(h) => h,
        Err(e) => return message(&format!("The run kept from last time could not be read ({e}); it is ignored.")),
    };
    let last = h.steps.last().map_or(0, |r| r.step);
    let finished = last >= h.config.steps || h.diverged_at.is_some();
    let same = with(|a| a.config == h.config && !a.page.autostart);
    let what = format!("{} steps of \"{}\"", last, h.query);
    show("saved", true);
    if finished && same {
        text("saved-note", &format!("Restored the last run from this browser ({what}), finished."));
        metric("engine", &h.backend);
        if let Some(g) = h.grokked_at() {
            metric("grok_step", &g.to_string());
        }
        with(|a| a.runs.driver = Driver::finished(h));
        let (last_record, checkpoint) = with(|a| {
            let h = a.runs.driver.history();
            let last = h.checkpoints.len().checked_sub(1);
            let checkpoint =
                last.map(|i| Checkpoint { measures: h.checkpoints[i].clone(), weights: h.weights_at(i).cloned() });
            (h.steps.last().copied(), checkpoint)
        });
        if let Some(r) = last_record {
            view::publish(&r);
        }
        if let Some(cp) = checkpoint {
            view::publish_measures(&cp);
        }
        player::set_state(State::Done);
    } else {
        text("saved-note", &format!("The last run from this browser ({what}) is drawn faint on the charts."));
        with(|a| a.view.previous = Some(h));
    }
    with(|a| a.view.dirty = view::ALL_CHARTS);
}
