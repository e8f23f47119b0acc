//! Small DOM helpers. Text goes in through textContent only: URL content
//! never reaches the page as HTML.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

pub fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// An element of index.html (or one the page made): missing ids are bugs.
pub fn by_id<T: JsCast>(id: &str) -> T {
    document()
        .get_element_by_id(id)
        .unwrap_or_else(|| panic!("index.html has no #{id}"))
        .dyn_into()
        .unwrap_or_else(|_| panic!("#{id} has another type"))
}

pub fn create<T: JsCast>(tag: &str) -> T {
    document().create_element(tag).expect("a known tag").dyn_into().expect("the tag's type")
}

pub fn text(id: &str, value: &str) {
    by_id::<Element>(id).set_text_content(Some(value));
}

pub fn set_state(state: &str) {
    body().dataset().set("state", state).ok();
}

pub fn body() -> HtmlElement {
    document().body().expect("a body")
}

/// Fills every element with `data-metric=name` (the tests' contract).
pub fn metric(name: &str, value: &str) {
    if let Ok(list) = document().query_selector_all(&format!("[data-metric=\"{name}\"]")) {
        for i in 0..list.length() {
            if let Some(n) = list.item(i) {
                n.set_text_content(Some(value));
            }
        }
    }
}

thread_local! {
    /// `#message`'s lines: (kind, latest words, how many times).
    static MESSAGES: std::cell::RefCell<Vec<(String, String, u32)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Adds a line to `#message`, the visible place for errors and warnings;
/// the same line again only counts up ("… (×2)").
pub fn message(line: &str) {
    message_kind(line, line);
}

/// A line of `kind` in `#message`: one line per kind, showing the latest
/// words and how often it happened, so a cause repeated at every
/// checkpoint never floods the page.
pub fn message_kind(kind: &str, line: &str) {
    MESSAGES.with(|m| {
        let mut m = m.borrow_mut();
        match m.iter_mut().find(|(k, ..)| k == kind) {
            Some(entry) => {
                entry.1 = line.to_string();
                entry.2 += 1;
            }
            None => m.push((kind.to_string(), line.to_string(), 1)),
        }
    });
    show_messages();
}

/// Takes the line of `kind` off `#message` (a later line says it better).
pub fn retract(kind: &str) {
    MESSAGES.with(|m| m.borrow_mut().retain(|(k, ..)| k != kind));
    show_messages();
}

fn show_messages() {
    let joined = MESSAGES.with(|m| {
        let lines: Vec<String> = m
            .borrow()
            .iter()
            .map(|(_, line, n)| if *n > 1 { format!("{line} (×{n})") } else { line.clone() })
            .collect();
        lines.join("\n")
    });
    text("message", &joined);
}

pub fn clear_message() {
    MESSAGES.with(|m| m.borrow_mut().clear());
    text("message", "");
}

pub fn show(id: &str, visible: bool) {
    by_id::<HtmlElement>(id).set_hidden(!visible);
}

/// Calls `f` on every `event` of `target` for the page's lifetime.
pub fn on<E: JsCast + 'static>(target: &web_sys::EventTarget, event: &str, mut f: impl FnMut(E) + 'static) {
    let cb = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| f(e.unchecked_into()));
    target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref()).expect("a listener");
    // The page lives as long as its listeners: nothing ever removes them.
    cb.forget();
}

/// Calls `f` on every click of the element `id`.
pub fn on_click(id: &str, f: impl Fn() + 'static) {
    on(&by_id::<web_sys::EventTarget>(id), "click", move |_: web_sys::Event| f());
}

pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Resolves on the next animation frame: yields to the browser.
pub async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().expect("a window").request_animation_frame(&resolve).ok();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.ok();
}

/// Device pixels per CSS pixel (1.5 on a 150 % projector, 2 on a phone).
pub fn pixel_ratio() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0)
}
