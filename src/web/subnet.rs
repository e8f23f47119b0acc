//! Paper section 7 for the finished run, in the page: the neurons of its
//! synergistic sub-network at the most synergistic checkpoint of the
//! (delayed) emergence phase, retrained from the same initialisation alone
//! (the others' W1 rows zeroed after every step, the authors' masking), and
//! the others alone; three test-accuracy curves on `#subnetwork-chart`.

use super::dom::{self, by_id, message, now_ms, on_click};
use super::driver::{Pace, DEPTH};
use super::player::stale;
use super::view::{self, number};
use super::with;
use crate::engine::{self, gpu::GpuError, Engine};
use crate::run::batch::{all_done, Batch};
use crate::run::driver::{Driver, Measuring};
use crate::run::history::{History, Measures};
use crate::run::subnet;
use web_sys::HtmlButtonElement;

/// The experiment of a finished run, as the page shows it.
pub struct SubnetRun {
    title: String,
    /// The checkpoint whose multiplet was taken (marked on the chart).
    step: u32,
    neurons: usize,
    /// The sub-network and its inverse.
    runs: [Driver; 2],
}

pub fn wire() {
    on_click("subnetwork", || {
        let run = with(|a| a.player.run);
        wasm_bindgen_futures::spawn_local(subnetwork(run));
    });
}

/// The experiment off the page (a new run).
pub fn clear() {
    dom::show("subnetwork-figure", false);
    dom::body().dataset().delete("subnetwork");
}

async fn subnetwork(run: u32) {
    let Some(engine) = prepare() else { return };
    dom::body().dataset().set("subnetwork", "running").ok();
    by_id::<HtmlButtonElement>("subnetwork").set_disabled(true);
    dom::show("subnetwork-figure", true);
    let speed = with(|a| a.page.speed);
    let ended = retrain(run, speed.max(8), Batch::new(engine)).await;
    by_id::<HtmlButtonElement>("subnetwork").set_disabled(false);
    match ended {
        None => {}
        Some(Ok(())) => {
            dom::body().dataset().set("subnetwork", "done").ok();
        }
        Some(Err(e)) => {
            message(&format!("The sub-network's training stopped: {e}."));
            dom::body().dataset().set("subnetwork", "error").ok();
        }
    }
}

/// The multiplet's neurons, one engine for the two masked runs and their
/// drivers; None (with a message) when there is nothing to retrain.
fn prepare() -> Option<Engine> {
    let (h, gpu) = with(|a| (a.runs.driver.history().clone(), a.runs.device.clone()));
    let (cp, chosen) = match subnet::pick_checkpoint(&h, subnet::Pick::Emergence) {
        Ok((cp, chosen)) => (cp.clone(), chosen),
        Err(e) => {
            message(&format!("No sub-network to train: {e}."));
            return None;
        }
    };
    let hidden = h.config.hidden as usize;
    let neurons = subnet::synergy_neurons(&cp);
    dom::clear_message();
    if neurons.len() == hidden {
        explain_whole(&h, &cp);
    }
    web_sys::console::log_1(&format!("sub-network: {} neurons from {chosen}", neurons.len()).into());
    let c = subnet::retrain_config(&h.config);
    let mask = subnet::mask_of(&neurons, hidden, false);
    let inverse = mask.inverse();
    let engine = match engine::start_batch(&[(&c, Some(&mask)), (&c, Some(&inverse))], gpu.as_ref(), 1) {
        Ok(e) => e,
        Err(e) => {
            message(&format!("Could not start the sub-network's engine: {e}."));
            return None;
        }
    };
    with(|a| {
        a.subnet = Some(SubnetRun {
            title: format!("Test accuracy: sub-network of step {} ({} of {hidden} neurons)", cp.step, neurons.len()),
            step: cp.step,
            neurons: neurons.len(),
            runs: [Driver::new(&c, "", Measuring::Off), Driver::new(&c, "", Measuring::Off)],
        })
    });
    Some(engine)
}

/// Why a multiplet of every neuron still trains, and how to get a smaller one.
fn explain_whole(h: &History, cp: &Measures) {
    message(&format!(
        "The synergistic sub-network of step {} ({} bits) holds every neuron (all {} clusters, `size={}`), so it \
         is the whole network and its inverse has no trained neuron. The default size rule (size=union) takes \
         the union-mode multiplet, which is rarely the whole network.",
        cp.step,
        number(cp.synergy),
        cp.synergy_clusters.len(),
        h.config.size.name(),
    ));
}

/// Both retrainings as one batch, `want` steps per frame at most, drawn as
/// they go. None when the run was replaced.
async fn retrain(run: u32, want: u32, mut batch: Batch) -> Option<Result<(), GpuError>> {
    let (mut drawn_at, mut pace) = (0.0, Pace::default());
    loop {
        dom::next_frame().await;
        if stale(run) {
            return None;
        }
        let steps = pace.steps(want, batch.engine.is_gpu());
        let t0 = now_ms();
        let pumped = with(|a| {
            let n = a.subnet.as_mut()?;
            let [sub, inverse] = &mut n.runs;
            Some(batch.pump(&mut [sub, inverse], steps, DEPTH).map(|p| (p.submitted, all_done(&[sub, inverse]))))
        })?;
        let done = match pumped {
            Err(e) => return Some(Err(e)),
            Ok((submitted, done)) => {
                pace.took(submitted, now_ms() - t0);
                done
            }
        };
        if done || now_ms() - drawn_at > 200.0 {
            draw();
            drawn_at = now_ms();
        }
        if done {
            return Some(Ok(()));
        }
    }
}

/// The full run's and the two retrained runs' test accuracy, with a key.
fn draw() {
    let Some((title, steps, curves, step)) = with(|a| {
        let n = a.subnet.as_ref()?;
        let acc = |h: &History| h.steps.iter().map(|r| (r.step as f64, r.test_acc)).collect::<Vec<(f64, f64)>>();
        let h = a.runs.driver.history();
        let hidden = h.config.hidden as usize;
        let curves = vec![
            (format!("full ({hidden})"), acc(h)),
            (format!("synergistic ({})", n.neurons), acc(n.runs[0].history())),
            (format!("inverse ({})", hidden - n.neurons), acc(n.runs[1].history())),
        ];
        Some((n.title.clone(), h.config.steps, curves, n.step))
    }) else {
        return;
    };
    let Some((area, _)) = view::area("subnetwork-chart") else { return };
    if let Err(e) = crate::charts::subnetwork_chart(&area, &title, steps, &curves, Some(step)) {
        web_sys::console::warn_1(&format!("sub-network chart: {e:?}").into());
    }
    area.present().ok();
}
