//! The settings everywhere they appear: read from the URL once, changed by
//! the presets and controls, written back to the URL, the link box and the
//! command line. Every value goes through the URL codec (`crate::url`).

use super::dom::{self, by_id, message, on, on_click, text};
use super::{controls, player, with};
use crate::config::{RunConfig, PRESETS};
use crate::run::Backend;
use crate::url::{self, PageSettings};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlButtonElement, HtmlInputElement, HtmlSelectElement};

/// The page's own settings with a control: (id = key, event, whether a
/// change starts the run again).
const PAGE_CONTROLS: [(&str, &str, bool); 3] =
    [("backend", "change", true), ("seeds", "change", true), ("speed", "input", false)];

/// The run and the page settings of a link; what is malformed is named in
/// `#message` and left at its default.
pub fn from_url(search: &str) -> (RunConfig, PageSettings) {
    let parsed = url::parse_lenient(search);
    ignored(&parsed.errors);
    (parsed.config, parsed.page)
}

fn ignored(errors: &[url::ParamError]) {
    for e in errors {
        message(&explain(e));
    }
}

/// A refused or adjusted value, for people.
fn explain(e: &url::ParamError) -> String {
    match e.took_nearest() {
        true => format!("Adjusted {e}."),
        false => format!("Ignored {e}; using the default instead."),
    }
}

/// The presets, the settings' controls, the page's own controls and the link.
pub fn wire() {
    presets();
    controls::build(|| {
        dom::clear_message();
        let parsed = url::parse_lenient(&controls::query());
        ignored(&parsed.errors);
        apply(parsed.config);
    });
    let missing = controls::missing();
    if !missing.is_empty() {
        message(&format!("No control for {}.", missing.join(", ")));
    }
    for (key, event, resets) in PAGE_CONTROLS {
        if let Ok(input) = by_id::<JsValue>(key).dyn_into::<HtmlInputElement>() {
            controls::limit(&input, key);
        }
        on(&by_id::<web_sys::EventTarget>(key), event, move |_: web_sys::Event| page_changed(key, resets));
    }
    on_click("restart-cpu", || {
        with(|a| a.page.backend = Backend::Cpu);
        show();
        player::start();
    });
    on_click("copy", copy_link);
    on_click("use-cpu", || {
        let (config, page) = with(|a| (a.config.clone(), PageSettings { backend: Backend::Cpu, ..a.page.clone() }));
        commit(config, page);
        player::start();
    });
    wire_confirm();
}

/// One button per preset, each applying its configuration.
fn presets() {
    let presets: Element = by_id("presets");
    for p in PRESETS {
        let b: HtmlButtonElement = dom::create("button");
        b.set_type("button");
        b.set_class_name("preset");
        b.dataset().set("preset", p.name).ok();
        let name: Element = dom::create("strong");
        name.set_text_content(Some(p.name));
        let blurb: Element = dom::create("span");
        blurb.set_text_content(Some(p.blurb));
        b.append_child(&name).ok();
        b.append_child(&blurb).ok();
        on(&b, "click", move |_: web_sys::Event| {
            let c = with(|a| keep_size(p.name, &a.config));
            apply(c);
        });
        presets.append_child(&b).ok();
    }
}

/// The preset `name` with the task's size (`p`, `hidden`) kept where it was
/// changed from the default: a preset click compares weight decay or
/// init scale, it does not throw away a smaller network chosen for the class.
fn keep_size(name: &str, now: &RunConfig) -> RunConfig {
    let preset = RunConfig::from_preset(name).expect("a listed preset");
    let default = RunConfig::default();
    let mut c = preset.clone();
    if now.p != default.p {
        c.p = now.p;
    }
    if now.hidden != default.hidden {
        c.hidden = now.hidden;
    }
    if c.validate().is_ok() {
        c
    } else {
        preset
    }
}

/// A page setting's control changed: checked by the codec like a link's value.
fn page_changed(key: &str, resets: bool) {
    let element: JsValue = by_id(key);
    let value = match element.dyn_ref::<HtmlSelectElement>() {
        Some(select) => select.value(),
        None => element.unchecked_ref::<HtmlInputElement>().value(),
    };
    let (config, mut page) = with(|a| (a.config.clone(), a.page.clone()));
    let result = url::set_page(&mut page, key, &value);
    if let Err(e) = &result {
        message(&explain(e));
    }
    match result {
        Err(e) if !e.took_nearest() => show(),
        _ if resets => propose(config, page),
        _ => {
            with(|a| a.page = page);
            show();
        }
    }
}

/// A new configuration from a control or a preset.
fn apply(c: RunConfig) {
    let page = with(|a| a.page.clone());
    propose(c, page);
}

/// New settings that start the run again: at once unless a run is going
/// on, which the page does not throw away without asking.
fn propose(config: RunConfig, page: PageSettings) {
    if with(|a| a.player.state) != player::State::Running {
        return commit(config, page);
    }
    with(|a| a.pending = Some((config, page)));
    dom::show("confirm", true);
}

/// Shows the settings, writes the URL, and starts from step 0 (the run so
/// far stays on the charts as the previous run).
fn commit(config: RunConfig, page: PageSettings) {
    with(|a| {
        a.config = config;
        a.page = page;
        a.pending = None;
    });
    dom::show("confirm", false);
    show();
    player::reset();
}

/// The confirmation's two answers.
fn wire_confirm() {
    on_click("confirm-apply", || {
        if let Some((config, page)) = with(|a| a.pending.take()) {
            commit(config, page);
            player::start();
        }
    });
    on_click("confirm-keep", || {
        with(|a| a.pending = None);
        dom::show("confirm", false);
        // The controls show the running run's settings again.
        show();
    });
}

/// The settings everywhere they appear: controls, URL, command line, link.
pub fn show() {
    let (config, page) = with(|a| (a.config.clone(), a.page.clone()));
    controls::fill(&config);
    by_id::<HtmlSelectElement>("backend").set_value(page.backend.name());
    by_id::<HtmlInputElement>("seeds").set_value(&page.seeds.to_string());
    by_id::<HtmlInputElement>("speed").set_value(&page.speed.to_string());
    text("speed-value", &page.speed.to_string());
    link(&url::to_page_query(&config, &page));
    text("steps-total", &config.steps.to_string());
    // The same engine choice on the command line, where it is not the default.
    let backend = match page.backend {
        crate::run::Backend::Auto => String::new(),
        b => format!(" --backend {}", b.name()),
    };
    text("command", &format!("grokscope train \"{}\"{backend}", url::to_query(&config)));
    mark_preset(&config);
    hide(&page.hide);
    teaching(&config);
    super::diagram::show();
}

/// `hide=`: the page's parts (`data-part` in index.html) a class link leaves out.
fn hide(parts: &[&str]) {
    let list = dom::document().query_selector_all("[data-part]").expect("a selector");
    for i in 0..list.length() {
        if let Some(e) = list.item(i).and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
            let part = e.get_attribute("data-part").unwrap_or_default();
            e.set_hidden(parts.contains(&part.as_str()));
        }
    }
}

/// The explanation speaks of this run's operation and training fraction.
fn teaching(c: &RunConfig) {
    text("teach-op", c.op.symbol());
    let train = (c.frac * 100.0 * 10.0).round() / 10.0;
    text("teach-frac", &format!("{train} %"));
    text("teach-test", &format!("{} %", ((100.0 - train) * 10.0).round() / 10.0));
    // What the Fourier measures mean for this operation (nothing to add for addition).
    let caveat = crate::charts::fourier_caveat(c.op).map_or(String::new(), |w| format!("For {w}."));
    text("fourier-note", &caveat);
}

/// The address bar and the link box show `query`.
fn link(query: &str) {
    let window = web_sys::window().expect("a window");
    let location = window.location();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let link = if query.is_empty() { path } else { format!("{path}?{query}") };
    if let Ok(h) = window.history() {
        h.replace_state_with_url(&JsValue::NULL, "", Some(&link)).ok();
    }
    by_id::<HtmlInputElement>("link").set_value(&location.href().unwrap_or_default());
}

/// `aria-pressed` on the preset equal to `config`, if any.
fn mark_preset(config: &RunConfig) {
    let list = dom::document().query_selector_all(".preset").expect("a selector");
    for i in 0..list.length() {
        if let Some(b) = list.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
            let name = b.get_attribute("data-preset").unwrap_or_default();
            let same = RunConfig::from_preset(&name).is_some() && keep_size(&name, config) == *config;
            b.set_attribute("aria-pressed", if same { "true" } else { "false" }).ok();
        }
    }
}

fn copy_link() {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    let clip = web_sys::window().expect("a window").navigator().clipboard();
    let done = wasm_bindgen_futures::JsFuture::from(clip.write_text(&href));
    wasm_bindgen_futures::spawn_local(async move {
        match done.await {
            Ok(_) => text("copy", "Link copied"),
            Err(_) => message("The browser did not allow copying; the link is in the box beside the button."),
        }
    });
}
