//! Downloads made in the page: the run as JSON and CSV, each chart as PNG
//! and SVG.

use super::dom::{self, by_id, create, on_click};
use super::{hidpi, view, with};
use crate::charts::Chart;
use plotters::prelude::{IntoDrawingArea, SVGBackend};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, HtmlCanvasElement, Url};

/// The download buttons: the run as JSON and CSV, each chart as PNG and SVG.
pub fn wire() {
    on_click("download-json", || {
        let json = with(|a| crate::run::to_json(a.runs.driver.history()));
        text(&json, "application/json", "grokscope-run.json").ok();
    });
    on_click("download-csv", || {
        let csv = with(|a| crate::charts::csv(a.runs.driver.history()));
        text(&csv, "text/csv", "grokscope-run.csv").ok();
    });
    for c in Chart::ALL {
        on_click(&format!("png-{}", c.name()), move || {
            png(c).ok();
        });
        on_click(&format!("svg-{}", c.name()), move || {
            text(&svg(c), "image/svg+xml", &format!("grokscope-{}.svg", c.name())).ok();
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

/// The chart as shown, drawn afresh at twice the CSS size or the device's
/// pixel ratio, whichever is more (sharp on a slide), as a PNG file.
fn png(c: Chart) -> Result<(), JsValue> {
    let css = view::css_size(&by_id(&format!("chart-{}", c.name())));
    let canvas: HtmlCanvasElement = create("canvas");
    let (area, _) = hidpi::area(canvas.clone(), css, dom::pixel_ratio().max(2.0)).ok_or("no 2D canvas")?;
    c.draw(&area, &view::frame()).map_err(|e| format!("{e:?}"))?;
    area.present().ok();
    let name = format!("grokscope-{}.png", c.name());
    let done = Closure::once_into_js(move |blob: Option<Blob>| {
        if let Some(b) = blob {
            download(&b, &name).ok();
        }
    });
    canvas.to_blob(done.unchecked_ref())
}

/// The chart as shown (its layout size), as SVG text: the same drawing on
/// plotters' SVG backend.
fn svg(c: Chart) -> String {
    let (size, _) = hidpi::layout(view::css_size(&by_id(&format!("chart-{}", c.name()))));
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, size).into_drawing_area();
        if let Err(e) = c.draw(&area, &view::frame()) {
            web_sys::console::warn_1(&format!("SVG of {}: {e:?}", c.name()).into());
        }
        area.present().ok();
    }
    out
}
