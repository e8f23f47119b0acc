//! The page's entry points (wasm32 only): read the run from the URL, train
//! on WebGPU (or the CPU engine when the browser has none), and publish the
//! state and metrics in the DOM's stable contract (see README.md).

use crate::engine::{self, gpu::Gpu, Engine, StepRecord};
use crate::url;
use wasm_bindgen::prelude::*;
use web_sys::{Document, HtmlElement};

/// Keys the page understands beside the run's configuration.
const PAGE_KEYS: &[&str] = &["autostart", "backend"];

fn document() -> Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

fn body() -> HtmlElement {
    document().body().expect("a body")
}

fn set_state(state: &str) {
    body().dataset().set("state", state).ok();
}

/// Text only: URL content never reaches the page as HTML.
fn set_metric(name: &str, value: &str) {
    if let Ok(Some(el)) = document().query_selector(&format!("[data-metric=\"{name}\"]")) {
        el.set_text_content(Some(value));
    }
}

fn message(text: &str) {
    if let Some(el) = document().get_element_by_id("message") {
        let old = el.text_content().unwrap_or_default();
        let joined = if old.is_empty() { text.to_string() } else { format!("{old}\n{text}") };
        el.set_text_content(Some(&joined));
    }
}

fn show(r: &StepRecord) {
    set_metric("step", &r.step.to_string());
    set_metric("train_acc", &r.train_acc.to_string());
    set_metric("test_acc", &r.test_acc.to_string());
    set_metric("train_loss", &r.train_loss.to_string());
    set_metric("test_loss", &r.test_loss.to_string());
}

/// Resolves on the next animation frame: yields to the browser between batches.
async fn next_frame() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window().unwrap().request_animation_frame(&resolve).ok();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.ok();
}

#[wasm_bindgen(start)]
pub fn main() {
    console_error_panic_hook::set_once();
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let parsed = url::parse_lenient(&search, PAGE_KEYS);
    for e in &parsed.errors {
        message(&format!("Ignored {e}; using the default instead."));
    }
    let page = |key: &str| parsed.extra.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let want_gpu = match page("backend").as_deref() {
        None | Some("gpu") => true,
        Some("cpu") => false,
        Some(other) => {
            message(&format!("Ignored parameter 'backend' = '{other}': expected gpu or cpu."));
            true
        }
    };
    set_metric("query", &url::to_query(&parsed.config));
    set_state("idle");
    if page("autostart").as_deref() == Some("1") {
        let config = parsed.config;
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = run(config, want_gpu).await {
                message(&e);
                set_state("error");
            }
        });
    }
}

async fn run(config: crate::config::RunConfig, want_gpu: bool) -> Result<(), String> {
    set_state("running");
    let gpu = if want_gpu {
        match Gpu::request().await {
            Ok(g) => Some(g),
            Err(e) => {
                message(&format!("WebGPU is not available ({e}); training on the CPU instead."));
                None
            }
        }
    } else {
        None
    };
    let mut eng: Engine = engine::start(&config, gpu.as_ref(), 1).map_err(|e| e.to_string())?;
    set_metric("engine", if eng.is_gpu() { "webgpu" } else { "cpu" });
    set_metric("adapter", &eng.describe());
    while eng.step() < config.steps {
        let k = (config.steps - eng.step()).min(if eng.is_gpu() { 8 } else { 2 });
        let recs = eng.train_steps(k).await.map_err(|e| e.to_string())?;
        let last = recs.last().expect("a batch has steps");
        if !last.is_finite() {
            return Err(format!("The run diverged (loss is not a number) at step {}.", last.step));
        }
        show(last);
        next_frame().await;
    }
    set_state("done");
    Ok(())
}

/// Digest of the split and the initial weights of a configuration: the same
/// query must give the same digest natively and in the browser.
#[wasm_bindgen]
pub fn fingerprint(query: &str) -> Result<String, JsValue> {
    let c = url::parse(query).map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(crate::fingerprint(&c))
}
