//! `lesson=1`: the run pauses at the moments a class should discuss, each
//! with a one-sentence caption and a Continue button; `data-lesson` on the
//! body names the moment for the tests.

use super::dom::{self, on_click, show, text};
use super::player::{self, State};
use super::with;
use crate::run::history::History;
use crate::run::predict::predict_live;

/// The moments in the order a grokking run reaches them.
#[derive(Clone, Copy)]
enum Moment {
    Memorised,
    SynergyPeak,
    Grokked,
}

const MOMENTS: [Moment; 3] = [Moment::Memorised, Moment::SynergyPeak, Moment::Grokked];

impl Moment {
    fn name(self) -> &'static str {
        match self {
            Moment::Memorised => "memorised",
            Moment::SynergyPeak => "synergy-peak",
            Moment::Grokked => "grokked",
        }
    }

    fn caption(self) -> &'static str {
        match self {
            Moment::Memorised => {
                "Memorised: train accuracy is 99 % but test accuracy is still low, so the network knows its \
                 examples by heart, not the rule; what do you expect next?"
            }
            Moment::SynergyPeak => {
                "Synergy rising: after memorising, the neurons have begun to work as teams; the page now \
                 predicts grokking before test accuracy has moved (in the paper's runs this came before every \
                 grokking, but also in a run that never groks)."
            }
            Moment::Grokked => {
                "Grokked: test accuracy has reached 95 %, so the network now answers pairs it never trained on: \
                 it has found the rule."
            }
        }
    }

    fn reached(self, h: &History) -> bool {
        match self {
            Moment::Memorised => h.memorised_at().is_some(),
            Moment::SynergyPeak => predict_live(h).groks,
            Moment::Grokked => h.grokked_at().is_some(),
        }
    }
}

/// The moments already paused at in this run, one bit each.
#[derive(Default)]
pub struct Seen(u8);

/// The Continue button.
pub fn wire() {
    on_click("lesson-continue", || {
        show("lesson", false);
        dom::body().dataset().delete("lesson");
        player::start();
    });
}

/// Pauses at the first moment the running run has reached and not yet
/// paused at (with `lesson=1`).
pub fn check() {
    let moment = with(|a| {
        if !a.page.lesson || a.player.state != State::Running {
            return None;
        }
        let h = a.runs.driver.history();
        let (i, m) = MOMENTS.iter().enumerate().find(|(i, m)| a.lesson.0 & (1 << i) == 0 && m.reached(h))?;
        a.lesson.0 |= 1 << i;
        Some(*m)
    });
    let Some(m) = moment else { return };
    player::set_state(State::Paused);
    text("lesson-caption", m.caption());
    dom::body().dataset().set("lesson", m.name()).ok();
    show("lesson", true);
}

/// A new run: every moment to come again, no caption.
pub fn clear() {
    with(|a| a.lesson = Seen::default());
    show("lesson", false);
    dom::body().dataset().delete("lesson");
}
