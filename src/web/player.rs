//! The player: Start/Pause, Step, Reset and the space bar, and the state
//! they move between (`data-state` for the tests).

use super::dom::{self, message, on, on_click, text};
use super::{driver, lesson, saved, subnet, view, with};
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
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

pub struct Player {
    pub state: State,
    /// Bumped by every reset: a task of an older run stops at its next frame.
    pub run: u32,
    /// Whether a task drives the current run.
    driving: bool,
    /// Steps asked for with the Step button.
    single_steps: u32,
}

impl Default for Player {
    fn default() -> Self {
        Player { state: State::Idle, run: 0, driving: false, single_steps: 0 }
    }
}

impl Player {
    /// Steps to train this frame: `speed` while running, one per Step press while paused.
    pub fn wanted(&mut self, speed: u32) -> u32 {
        match self.state {
            State::Running => speed,
            State::Paused if self.single_steps > 0 => {
                self.single_steps -= 1;
                1
            }
            _ => 0,
        }
    }
}

/// The player's buttons and the space bar.
pub fn wire() {
    on_click("start", toggle);
    on_click("step", step_once);
    on_click("reset", reset);
    on_click("restart", start);
    // Space starts and pauses unless a control has the focus: a focused
    // button (Reset, a preset), link, field or summary gets its own press.
    let space = |e: &KeyboardEvent| {
        let tag = e.target().and_then(|t| t.dyn_into::<Element>().ok()).map(|el| el.tag_name()).unwrap_or_default();
        e.key() == " " && !["INPUT", "SELECT", "TEXTAREA", "SUMMARY", "BUTTON", "A"].contains(&tag.as_str())
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
}

pub fn set_state(s: State) {
    // The empty charts' note follows the state ("press Start", "starting").
    with(|a| {
        a.player.state = s;
        a.view.dirty = super::view::ALL_CHARTS;
    });
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
    // One way to start again after a failure: the recovery's Restart, not "Run again" beside it.
    dom::show("start", s != State::Error);
    dom::show("recover", s == State::Error);
    if matches!(s, State::Paused | State::Done | State::Error) {
        // The last run survives a reload.
        saved::keep(&with(|a| crate::run::to_json(a.runs.driver.history())));
    }
    let measured = with(|a| !a.runs.driver.history().checkpoints.is_empty());
    dom::show("subnetwork", s == State::Done && measured);
}

pub fn start() {
    let (state, driving, run) = with(|a| (a.player.state, a.player.driving, a.player.run));
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
        with(|a| a.player.driving = true);
        wasm_bindgen_futures::spawn_local(driver::drive(run));
    }
}

fn toggle() {
    if with(|a| a.player.state) == State::Running {
        set_state(State::Paused);
    } else {
        start();
    }
}

fn step_once() {
    match with(|a| a.player.state) {
        State::Done | State::Error => return,
        State::Idle => {
            start();
            set_state(State::Paused);
        }
        _ => set_state(State::Paused),
    }
    with(|a| a.player.single_steps += 1);
}

/// Back to step 0 with the current settings; any running engine is dropped.
pub fn reset() {
    let kept = with(|a| {
        a.player.run += 1;
        a.player.driving = false;
        a.player.single_steps = 0;
        let kept = !a.runs.driver.history().steps.is_empty();
        if kept {
            // Never lost: the run stays on the charts, faint, beside the next one.
            a.view.previous = Some(a.runs.driver.history().clone());
        }
        a.runs.restart(&a.config);
        a.subnet = None;
        a.view.forget();
        kept
    });
    if kept {
        saved::note_previous();
    }
    view::clear();
    subnet::clear();
    lesson::clear();
    set_state(State::Idle);
}

/// Whether `run` has been replaced by a reset.
pub fn stale(run: u32) -> bool {
    with(|a| a.player.run != run)
}

/// Ends the run with `why`; the recovery buttons offer a way on.
pub fn fail(why: &str, offer_cpu: bool) {
    message(why);
    dom::show("restart-cpu", offer_cpu);
    set_state(State::Error);
}
