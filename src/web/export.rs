//! Downloads made in the page: the run as JSON and CSV, each chart as PNG.

use super::dom::{by_id, create, on_click};
use super::with;
use crate::charts::Chart;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, Url};

/// The download buttons: the run as JSON and CSV, each chart as PNG.
pub fn wire() {
    on_click("download-json", || {
        let json = with(|a| a.runs.driver.history().to_json());
        text(&json, "application/json", "grokscope-run.json").ok();
    });
    on_click("download-csv", || {
        let csv = with(|a| crate::charts::csv(a.runs.driver.history()));
        text(&csv, "text/csv", "grokscope-run.csv").ok();
    });
    for c in Chart::ALL {
        on_click(&format!("png-{}", c.name()), move || {
            let canvas: HtmlCanvasElement = by_id(&format!("chart-{}", c.name()));
            png(&canvas, &format!("grokscope-{}.png", c.name())).ok();
        });
    }
}

/// Offers `blob` as a file named `name` (an object URL on a clicked link).
fn download(blob: &Blob, name: &str) -> Result<(), JsValue> {
    let url = Url::create_object_url_with_blob(blob)?;
    let a: HtmlAnchorElement = create("a");
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The click has started the download; the URL is no longer needed.
    Url::revoke_object_url(&url)
}

fn text(content: &str, mime: &str, name: &str) -> Result<(), JsValue> {
    let opts = BlobPropertyBag::new();
    opts.set_type(mime);
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    download(&Blob::new_with_str_sequence_and_options(&parts, &opts)?, name)
}

/// The canvas as it is drawn now, as a PNG file.
fn png(canvas: &HtmlCanvasElement, name: &str) -> Result<(), JsValue> {
    let name = name.to_string();
    let done = Closure::once_into_js(move |blob: Option<Blob>| {
        if let Some(b) = blob {
            download(&b, &name).ok();
        }
    });
    canvas.to_blob(done.unchecked_ref())
}
