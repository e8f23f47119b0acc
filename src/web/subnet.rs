//! Paper section 7 for the finished run, in the page: the neurons of its
//! synergistic sub-network at the most synergistic checkpoint of the
//! (delayed) emergence phase, retrained from the same initialisation alone
//! (the others' W1 rows zeroed after every step, the authors' masking), and
//! the others alone; three test-accuracy curves on `#subnetwork-chart`.

use super::dom::{self, by_id, message, now_ms, on_click};
use super::player::stale;
use super::view::{self, number};
use super::with;
use crate::engine::{self, gpu::GpuError, Engine};
use crate::run::driver::{perform, Action, Deadline, Driver, Measuring};
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
    let Some(mut engines) = prepare() else { return };
    dom::body().dataset().set("subnetwork", "running").ok();
    by_id::<HtmlButtonElement>("subnetwork").set_disabled(true);
    dom::show("subnetwork-figure", true);
    let speed = with(|a| a.page.speed);
    let ended = retrain(run, speed.max(8), &mut engines).await;
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

/// The multiplet's neurons, the two masked engines and their drivers; None
/// (with a message) when there is nothing to retrain.
fn prepare() -> Option<[Engine; 2]> {
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
    let start = |m: &engine::Mask| engine::start_masked(&c, gpu.as_ref(), 1, Some(m));
    let engines = match (start(&mask), start(&mask.inverse())) {
        (Ok(s), Ok(i)) => [s, i],
        (Err(e), _) | (_, Err(e)) => {
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
    Some(engines)
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

/// Both retrainings, `want` steps per frame, drawn as they go. None when
/// the run was replaced.
async fn retrain(run: u32, want: u32, engines: &mut [Engine; 2]) -> Option<Result<(), GpuError>> {
    let mut drawn_at = 0.0;
    loop {
        dom::next_frame().await;
        if stale(run) {
            return None;
        }
        let done = match subnet_frame(run, want, engines).await {
            Err(e) => return Some(Err(e)),
            Ok(done) => done,
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

/// One frame of the two retrainings: the sub-network up to `want` steps,
/// then its inverse as far as the sub-network got. True once both are done.
async fn subnet_frame(run: u32, want: u32, engines: &mut [Engine; 2]) -> Result<bool, GpuError> {
    for (i, eng) in engines.iter_mut().enumerate() {
        let action = with(|a| {
            let [sub, inverse] = &a.subnet.as_ref()?.runs;
            let behind = sub.step().saturating_sub(inverse.step());
            Some(if i == 0 {
                sub.next(want)
            } else {
                inverse.next(if sub.next(1) == Action::Done { want } else { behind })
            })
        });
        let Some(action) = action else { return Ok(true) };
        let outcome = perform(eng, &action, Some(Deadline { now: now_ms, ms: 12.0 })).await?;
        if stale(run) {
            return Ok(true);
        }
        if let Some(o) = outcome {
            with(|a| a.subnet.as_mut().map(|n| n.runs[i].apply(o)));
        }
    }
    Ok(with(|a| a.subnet.as_ref().is_none_or(|n| n.runs.iter().all(|d| d.next(1) == Action::Done))))
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
