//! The probe: type a and b, read the network's answer to a o b at the
//! latest checkpoint, its confidence and whether it is right
//! (`run::probe`). The answer is rewritten whenever a or b changes and
//! whenever a checkpoint brings a newer network.

use super::dom::{by_id, metric, on, text};
use super::view::number;
use super::with;
use web_sys::{Event, HtmlInputElement};

/// a and b as typed: whole numbers, or why not.
fn typed(id: &str) -> Result<u32, String> {
    let v = by_id::<HtmlInputElement>(id).value();
    v.trim().parse::<u32>().map_err(|_| format!("'{}' is not a whole number", v.trim()))
}

/// Rewrites the answer from the typed question and the latest network.
pub fn answer() {
    let (network, op) = with(|a| (a.runs.driver.network().map(|(s, p)| (s, p.clone())), a.config.op));
    text("probe-op", op.symbol());
    let result = match (network, typed("probe-a"), typed("probe-b")) {
        (None, _, _) => Err("no network to ask yet: the probe answers from the first checkpoint of a run trained in this page (every > 0)".into()),
        (Some(_), Err(e), _) | (Some(_), _, Err(e)) => Err(e),
        (Some((step, prm)), Ok(a), Ok(b)) => crate::run::probe::ask(&prm, op, a, b).map(|ans| (step, ans)),
    };
    match result {
        Ok((step, ans)) => {
            metric("probe_answer", &ans.answer.to_string());
            metric("probe_confidence", &format!("{:.4}", ans.confidence));
            metric("probe_right", if ans.right() { "true" } else { "false" });
            let verdict = match ans.right() {
                true => format!("right ({} % sure), at step {step}", number(100.0 * ans.confidence)),
                false => format!(
                    "wrong: the answer is {} ({} % sure of its own), at step {step}",
                    ans.truth,
                    number(100.0 * ans.confidence)
                ),
            };
            text("probe-verdict", &verdict);
        }
        Err(why) => {
            for m in ["probe_answer", "probe_confidence", "probe_right"] {
                metric(m, "");
            }
            text("probe-verdict", &why);
        }
    }
}

/// The two fields answer as they are typed in.
pub fn wire() {
    for id in ["probe-a", "probe-b"] {
        on(&by_id::<HtmlInputElement>(id), "input", |_: Event| answer());
    }
}
