//! One control per configuration knob: URL key = config field = the
//! control's id. This table only adds what a person needs (group, label);
//! the widget and its limits come from the URL codec's table, and values
//! are read and written through the codec.

use super::dom::{by_id, create, on};
use crate::config::RunConfig;
use crate::url::{self, Kind};
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

const GROUPS: &[(&str, &[(&str, &str)])] = &[
    (
        "Task",
        &[
            ("op", "operation (a ∘ b mod p)"),
            ("p", "modulus p"),
            ("frac", "training fraction"),
            ("split_seed", "split seed"),
        ],
    ),
    (
        "Model",
        &[
            ("hidden", "hidden neurons"),
            ("seed", "initialisation seed"),
            ("alpha", "init scale alpha"),
            ("zero_last", "zero the output layer"),
            ("norm", "keep the weight norm fixed"),
        ],
    ),
    (
        "Optimiser (AdamW, full batch)",
        &[
            ("steps", "steps"),
            ("lr", "learning rate"),
            ("wd", "weight decay"),
            ("beta1", "beta1"),
            ("beta2", "beta2"),
            ("eps", "epsilon"),
        ],
    ),
    (
        "Analysis (synergy and redundancy)",
        &[
            ("every", "measure every … steps (0: off)"),
            ("clusters", "clusters of neurons"),
            ("mode", "multiplets"),
            ("ties", "ties"),
            ("samples", "samples"),
            ("size", "sub-network (size rule)"),
        ],
    ),
];

/// Every control's key with what the codec accepts there.
fn controls() -> impl Iterator<Item = (&'static str, Kind)> {
    GROUPS.iter().flat_map(|(_, cs)| cs.iter()).map(|&(key, _)| (key, kind(key)))
}

fn kind(key: &str) -> Kind {
    url::kind(key).expect("every control is a parameter")
}

/// The codec's limits for `key` as the input's `min` and `max` (hints for
/// the browser; the codec checks the value).
pub fn limit(input: &HtmlInputElement, key: &str) {
    if let Some((min, max)) = kind(key).min_max() {
        input.set_min(&min);
        input.set_max(&max);
    }
}

/// Builds the fieldsets into `#settings`; `changed` runs after any edit.
pub fn build(changed: impl Fn() + Clone + 'static) {
    let root: Element = by_id("settings");
    for (title, cs) in GROUPS {
        let set: Element = create("fieldset");
        let legend: Element = create("legend");
        legend.set_text_content(Some(title));
        set.append_child(&legend).ok();
        for &(key, words) in cs.iter() {
            let label: HtmlElement = create("label");
            let name: Element = create("span");
            name.set_text_content(Some(words));
            label.append_child(&name).ok();
            let input = widget(key);
            input.set_id(key);
            input.set_attribute("name", key).ok();
            let f = changed.clone();
            on(&input, "change", move |_: web_sys::Event| f());
            label.append_child(&input).ok();
            set.append_child(&label).ok();
        }
        root.append_child(&set).ok();
    }
}

/// A number input, a select, a checkbox or a text field, as the parameter's kind says.
fn widget(key: &str) -> HtmlElement {
    match kind(key) {
        Kind::Int(..) | Kind::Real { .. } => {
            let i: HtmlInputElement = create("input");
            i.set_type("number");
            limit(&i, key);
            i.set_step("any");
            i.into()
        }
        // No configuration key is a list (only the page's `hide`, which has no control here).
        Kind::Choice(names) | Kind::List(names) => {
            let s: HtmlSelectElement = create("select");
            for n in names() {
                let o: Element = create("option");
                o.set_attribute("value", n).ok();
                o.set_text_content(Some(n));
                s.append_child(&o).ok();
            }
            s.into()
        }
        Kind::Flag => {
            let i: HtmlInputElement = create("input");
            i.set_type("checkbox");
            i.into()
        }
        Kind::Text => {
            let i: HtmlInputElement = create("input");
            i.set_type("text");
            i.into()
        }
    }
}

/// Shows `c` in the controls.
pub fn fill(c: &RunConfig) {
    for (key, kind) in controls() {
        let v = url::value(c, key).expect("a parameter");
        match kind {
            Kind::Flag => by_id::<HtmlInputElement>(key).set_checked(v == "true"),
            Kind::Int(..) | Kind::Real { .. } | Kind::Text => by_id::<HtmlInputElement>(key).set_value(&v),
            Kind::Choice(_) | Kind::List(_) => by_id::<HtmlSelectElement>(key).set_value(&v),
        }
    }
}

/// The controls as a query string for the codec (which checks every value).
pub fn query() -> String {
    let pairs: Vec<String> = controls()
        .map(|(key, kind)| {
            let v = match kind {
                Kind::Flag => (if by_id::<HtmlInputElement>(key).checked() { "1" } else { "0" }).to_string(),
                Kind::Int(..) | Kind::Real { .. } | Kind::Text => by_id::<HtmlInputElement>(key).value(),
                Kind::Choice(_) | Kind::List(_) => by_id::<HtmlSelectElement>(key).value(),
            };
            format!("{key}={}", js_sys::encode_uri_component(&v))
        })
        .collect();
    pairs.join("&")
}

/// Keys of the codec without a control (the tests expect none but `preset`).
pub fn missing() -> Vec<&'static str> {
    url::keys().filter(|k| *k != "preset" && !controls().any(|(c, _)| c == *k)).collect()
}
