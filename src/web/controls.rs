//! One control per configuration knob: URL key = config field = the
//! control's id. This table only adds what a person needs (group, label,
//! widget); values are read and written through the URL codec.

use super::dom::{by_id, create, on};
use crate::analysis::{Mode, Ties};
use crate::config::{Op, RunConfig, Samples};
use web_sys::{Element, HtmlElement, HtmlInputElement, HtmlSelectElement};

enum Widget {
    /// min, max (for the browser's own hints; the codec checks the value).
    Number(&'static str, &'static str),
    Choice(fn() -> Vec<&'static str>),
    Flag,
}

struct Control {
    key: &'static str,
    label: &'static str,
    widget: Widget,
}

use Widget::*;

const GROUPS: &[(&str, &[Control])] = &[
    (
        "Task",
        &[
            Control {
                key: "op",
                label: "operation (a ∘ b mod p)",
                widget: Choice(|| Op::ALL.iter().map(|o| o.name()).collect()),
            },
            Control { key: "p", label: "modulus p", widget: Number("3", "200") },
            Control { key: "frac", label: "training fraction", widget: Number("0", "1") },
            Control { key: "split_seed", label: "split seed", widget: Number("0", "") },
        ],
    ),
    (
        "Model",
        &[
            Control { key: "hidden", label: "hidden neurons", widget: Number("2", "512") },
            Control { key: "seed", label: "initialisation seed", widget: Number("0", "") },
            Control { key: "alpha", label: "init scale alpha", widget: Number("0", "1000") },
            Control { key: "zero_last", label: "zero the output layer", widget: Flag },
            Control { key: "norm", label: "keep the weight norm fixed", widget: Flag },
        ],
    ),
    (
        "Optimiser (AdamW, full batch)",
        &[
            Control { key: "steps", label: "steps", widget: Number("1", "200000") },
            Control { key: "lr", label: "learning rate", widget: Number("0", "10") },
            Control { key: "wd", label: "weight decay", widget: Number("0", "1000") },
            Control { key: "beta1", label: "beta1", widget: Number("0", "1") },
            Control { key: "beta2", label: "beta2", widget: Number("0", "1") },
            Control { key: "eps", label: "epsilon", widget: Number("0", "1") },
        ],
    ),
    (
        "Analysis (synergy and redundancy)",
        &[
            Control { key: "every", label: "measure every … steps (0: off)", widget: Number("0", "200000") },
            Control { key: "clusters", label: "clusters of neurons", widget: Number("2", "12") },
            Control {
                key: "mode",
                label: "multiplets",
                widget: Choice(|| Mode::ALL.iter().map(|m| m.name()).collect()),
            },
            Control { key: "ties", label: "ties", widget: Choice(|| Ties::ALL.iter().map(|t| t.name()).collect()) },
            Control {
                key: "samples",
                label: "samples",
                widget: Choice(|| Samples::ALL.iter().map(|s| s.name()).collect()),
            },
        ],
    ),
];

fn controls() -> impl Iterator<Item = &'static Control> {
    GROUPS.iter().flat_map(|(_, cs)| cs.iter())
}

/// Builds the fieldsets into `#settings`; `changed` runs after any edit.
pub fn build(changed: impl Fn() + Clone + 'static) {
    let root: Element = by_id("settings");
    for (title, cs) in GROUPS {
        let set: Element = create("fieldset");
        let legend: Element = create("legend");
        legend.set_text_content(Some(title));
        set.append_child(&legend).ok();
        for c in cs.iter() {
            let label: HtmlElement = create("label");
            let name: Element = create("span");
            name.set_text_content(Some(c.label));
            label.append_child(&name).ok();
            let input: HtmlElement = match &c.widget {
                Number(min, max) => {
                    let i: HtmlInputElement = create("input");
                    i.set_type("number");
                    i.set_min(min);
                    if !max.is_empty() {
                        i.set_max(max);
                    }
                    i.set_step("any");
                    i.into()
                }
                Choice(names) => {
                    let s: HtmlSelectElement = create("select");
                    for n in names() {
                        let o: Element = create("option");
                        o.set_attribute("value", n).ok();
                        o.set_text_content(Some(n));
                        s.append_child(&o).ok();
                    }
                    s.into()
                }
                Flag => {
                    let i: HtmlInputElement = create("input");
                    i.set_type("checkbox");
                    i.into()
                }
            };
            input.set_id(c.key);
            input.set_attribute("name", c.key).ok();
            let f = changed.clone();
            on(&input, "change", move |_: web_sys::Event| f());
            label.append_child(&input).ok();
            set.append_child(&label).ok();
        }
        root.append_child(&set).ok();
    }
}

/// Shows `c` in the controls.
pub fn fill(c: &RunConfig) {
    let values = serde_json::to_value(c).expect("a config serialises");
    for ctl in controls() {
        let v = &values[ctl.key];
        match ctl.widget {
            Flag => by_id::<HtmlInputElement>(ctl.key).set_checked(v.as_bool().unwrap_or(false)),
            // Rust's formatting: 2 rather than JSON's 2.0, seeds exact.
            Number(..) => by_id::<HtmlInputElement>(ctl.key).set_value(&match (v.as_u64(), v.as_f64()) {
                (Some(u), _) => u.to_string(),
                (None, Some(f)) => f.to_string(),
                _ => v.to_string(),
            }),
            Choice(_) => by_id::<HtmlSelectElement>(ctl.key).set_value(v.as_str().unwrap_or_default()),
        }
    }
}

/// The controls as a query string for the codec (which checks every value).
pub fn query() -> String {
    let pairs: Vec<String> = controls()
        .map(|ctl| {
            let v = match ctl.widget {
                Flag => (if by_id::<HtmlInputElement>(ctl.key).checked() { "1" } else { "0" }).to_string(),
                Number(..) => by_id::<HtmlInputElement>(ctl.key).value(),
                Choice(_) => by_id::<HtmlSelectElement>(ctl.key).value(),
            };
            format!("{}={}", ctl.key, js_sys::encode_uri_component(&v))
        })
        .collect();
    pairs.join("&")
}

/// Keys of the codec without a control (the tests expect none but `preset`).
pub fn missing() -> Vec<&'static str> {
    crate::url::keys().filter(|k| *k != "preset" && !controls().any(|c| c.key == *k)).collect()
}
