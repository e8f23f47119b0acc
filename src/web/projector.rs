//! Projector mode: any chart enlarged to the whole window and, where the
//! browser allows, to the whole screen; Escape or its button again closes it.

use super::dom::{document, on, on_click};
use super::view::ALL_CHARTS;
use super::with;
use crate::charts::Chart;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, KeyboardEvent};

pub fn wire() {
    for c in Chart::ALL {
        on_click(&format!("enlarge-{}", c.name()), move || {
            let open = enlarged() == Some(c);
            close();
            if !open {
                enlarge(c);
            }
        });
    }
    on(&document(), "keydown", |e: KeyboardEvent| {
        if e.key() == "Escape" {
            close();
        }
    });
    // The browser's own way out of fullscreen (its Escape) ends the enlarged view too.
    on(&document(), "fullscreenchange", |_: Event| {
        if document().fullscreen_element().is_none() {
            close();
        }
        redraw();
    });
}

fn button(c: Chart) -> Element {
    document().get_element_by_id(&format!("enlarge-{}", c.name())).expect("an enlarge button")
}

fn figure(c: Chart) -> Option<Element> {
    button(c).closest("figure").ok().flatten()
}

/// The enlarged chart: its button is pressed.
fn enlarged() -> Option<Chart> {
    Chart::ALL.into_iter().find(|&c| button(c).get_attribute("aria-pressed").as_deref() == Some("true"))
}

fn enlarge(c: Chart) {
    let Some(fig) = figure(c) else { return };
    fig.set_attribute("data-enlarged", "").ok();
    let b = button(c);
    b.set_attribute("aria-pressed", "true").ok();
    b.set_text_content(Some("Close"));
    fullscreen(&fig);
    redraw();
}

fn close() {
    let Some(c) = enlarged() else { return };
    if let Some(fig) = figure(c) {
        fig.remove_attribute("data-enlarged").ok();
    }
    let b = button(c);
    b.set_attribute("aria-pressed", "false").ok();
    b.set_text_content(Some("Enlarge"));
    if document().fullscreen_element().is_some() {
        document().exit_fullscreen();
    }
    redraw();
}

/// `Element.requestFullscreen`, where the browser has it and allows it: a
/// refusal (no user gesture, a policy) leaves the chart enlarged in the window.
fn fullscreen(el: &Element) {
    let Ok(f) = js_sys::Reflect::get(el, &"requestFullscreen".into()) else { return };
    let Some(f) = f.dyn_ref::<js_sys::Function>() else { return };
    if let Ok(p) = f.call0(el) {
        if let Ok(p) = p.dyn_into::<js_sys::Promise>() {
            // Handled, so a refusal is no page error; kept alive until then.
            let ignore = Closure::once(|_: JsValue| {});
            let _ = p.catch(&ignore);
            ignore.forget();
        }
    }
}

/// Every chart at its new size.
fn redraw() {
    with(|a| {
        a.view.dirty = ALL_CHARTS;
        a.view.urgent = true;
    });
}
