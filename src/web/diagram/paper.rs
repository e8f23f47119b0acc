//! The diagram over the paper's experiments (a grid of presets,
//! `grid=paper`): each experiment's steps beside the reference
//! reproduction's, and the paper's claims judged on the runs done so far.

use super::super::dom::{self, by_id, text};
use super::super::with;
use crate::claims;
use crate::sweep::summary::CellSummary;
use crate::sweep::Spec;

/// Over the paper's experiments, the paper's claims judged on the runs
/// done so far (an experiment not yet done: "not run"), as the report
/// judges them; without the progress measures (`every=0`) only the claims
/// read off the accuracies mean anything, so the table says so.
pub(super) fn judge() {
    let Some((runs, measured)) = with(|a| {
        let d = a.diagram.as_ref()?;
        let cells = d.spec.grid().cells();
        let runs: Vec<claims::Run> = d
            .runs
            .iter()
            .zip(&d.done)
            .filter_map(|(r, h)| {
                let (key, value) = cells[r.cell].first()?;
                let preset = crate::config::experiments().find(|p| key == "preset" && p == value)?;
                Some(claims::Run::of(preset, h.clone()?, Vec::new(), 0.0))
            })
            .collect();
        let measured = d.runs.first().is_some_and(|r| r.config.every > 0);
        (cells.iter().all(|c| c.len() == 1 && c[0].0 == "preset")).then_some((runs, measured))
    }) else {
        return dom::show("claims-table", false);
    };
    let body: web_sys::Element = by_id("claims-rows");
    body.set_text_content(None);
    let paper_size = runs.first().is_some_and(|r| claims::paper_size(&r.history.config));
    let evidence = claims::Evidence { runs: &runs, subnets: &[], splits: &[], paper_size };
    for (claim, verdict) in claims::judge_all(&evidence) {
        let row: web_sys::Element = dom::create("tr");
        for t in [claim, verdict.word(), &verdict.evidence] {
            let td: web_sys::Element = dom::create("td");
            td.set_text_content(Some(t));
            row.append_child(&td).ok();
        }
        body.append_child(&row).ok();
    }
    text(
        "claims-note",
        match measured {
            true => "The sub-network claims need section 7's retraining, which grokscope reproduce does and the page does not.",
            false => "Trained without the progress measures (every=0): the claims about phases and synergy cannot be judged here; set every above 0.",
        },
    );
    dom::show("claims-table", true);
}

/// Over the paper's experiments (a grid of presets, `grid=paper`): each
/// cell's steps beside the reference reproduction's (p = 97, 4000 steps,
/// seeds 0-4; `references`), filling in as cells finish.
pub(super) fn compare(spec: &Spec, cells: &[Option<CellSummary>]) {
    let grid = spec.grid();
    let presets = match grid.axes.as_slice() {
        [(key, values)] if key == "preset" => values.clone(),
        _ => return dom::show("diagram-table", false),
    };
    let body: web_sys::Element = by_id("diagram-rows");
    body.set_text_content(None);
    let step = |s: Option<f64>| s.map_or("never".into(), |s| format!("{s:.0}"));
    for (preset, cell) in presets.iter().zip(cells) {
        let refr = crate::references::reference(preset);
        let paper = |r: Option<crate::references::Reached>| r.map_or("-".into(), |r| r.text());
        let grokked_ref = refr.map_or("-".into(), |r| match r.grokked_seeds {
            [] => paper(Some(r.grokked)),
            seeds => format!(
                "{} ({}-{})",
                r.grokked_median().unwrap_or(0),
                seeds.iter().min().unwrap_or(&0),
                seeds.iter().max().unwrap_or(&0)
            ),
        });
        let here: [String; 3] = match cell {
            Some(c) => [
                step(c.memorised),
                step(c.grokked),
                format!("{} ({})", c.regime.name(), c.runs.iter().map(|r| r.regime.letter()).collect::<String>()),
            ],
            None => ["…".into(), "…".into(), "training".into()],
        };
        let row: web_sys::Element = dom::create("tr");
        let cells = [preset.clone(), paper(refr.map(|r| r.memorised)), here[0].clone(), grokked_ref, here[1].clone()]
            .into_iter()
            .chain([here[2].clone()]);
        for t in cells {
            let td: web_sys::Element = dom::create("td");
            td.set_text_content(Some(&t));
            row.append_child(&td).ok();
        }
        body.append_child(&row).ok();
    }
    dom::show("diagram-table", true);
}
