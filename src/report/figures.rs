//! The report's figures as SVG files: accuracy and synergy across each
//! sweep, Pareto plots, each experiment's measures over its phase bands,
//! the page's charts, and the sub-network's three curves.

use super::experiments::Run;
use super::references::{ALPHA, WEIGHT_DECAY};
use crate::charts::report::{self as rc, Series, Shade, StepPlot, PALETTE, PHASE_COLOURS};
use crate::charts::{Chart, Frame};
use crate::run::history::History;
use crate::run::phases::Phase;
use crate::run::subnet::Subnetwork;
use plotters::prelude::*;
use std::path::Path;

pub fn write_subnetwork(dir: &Path, name: &str, s: &Subnetwork) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let series: Vec<Series> = s
        .runs()
        .iter()
        .enumerate()
        .map(|(i, (label, n, h))| {
            Series::of_runs(format!("{label} ({n} neurons)"), PALETTE[i], &[curve(h, |r| r.test_acc)], 400)
        })
        .collect();
    let title = format!(
        "Test accuracy: multiplet of step {} ({} of {} neurons)",
        s.step,
        s.neurons.len(),
        s.full.config.hidden
    );
    let plot = StepPlot {
        title: &title,
        y_desc: "test accuracy",
        y: 0.0..1.02,
        step_max: s.full.config.steps as f64,
        series: &series,
        shades: &[],
        marks: &[(s.step as f64, format!("multiplet taken at step {}", s.step))],
    };
    svg_file(&dir.join(format!("{name}.svg")), (760, 420), |a| rc::step_plot(a, &plot))?;
    let json = serde_json::to_string(s).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("{name}.json")), json).map_err(|e| format!("cannot write {name}.json: {e}"))
}

fn curve(h: &History, m: fn(&crate::engine::StepRecord) -> f64) -> Vec<(u32, f64)> {
    h.steps.iter().map(|r| (r.step, m(r))).collect()
}

/// The history's normalised checkpoint curves as (step, value): synergy,
/// redundancy, test loss and the synergistic sub-network's size.
fn normalised(h: &History) -> [Vec<(u32, f64)>; 4] {
    let n = h.normalised();
    let zip = |v: &[f64]| n.steps.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>();
    [zip(&n.synergy), zip(&n.redundancy), zip(&n.test_loss), zip(&n.size)]
}

/// Synergy depth in bits (-minimum O-information), smoothed by the paper's
/// moving average but not rescaled, so runs compare (Figure 5).
fn synergy_bits(h: &History) -> Vec<(u32, f64)> {
    let depth: Vec<f64> = h.checkpoints.iter().map(|c| -c.synergy).collect();
    let e = crate::analysis::smooth::ema(&depth, crate::analysis::smooth::EMA_ALPHA);
    h.checkpoints.iter().map(|c| c.step).zip(e).collect()
}

fn svg_file<F>(path: &Path, size: (u32, u32), draw: F) -> Result<(), String>
where
    F: FnOnce(&DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
{
    let mut text = String::new();
    {
        let area = SVGBackend::with_string(&mut text, size).into_drawing_area();
        draw(&area).map_err(|e| format!("drawing {}: {e}", path.display()))?;
        area.present().map_err(|e| format!("drawing {}: {e}", path.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Figure files (relative to the report) by what they show.
pub struct Figures {
    pub overview: Vec<(String, String)>,
    pub per_config: Vec<(&'static str, Vec<(String, String)>)>,
}

pub fn runs_of<'a>(runs: &'a [Run], preset: &str) -> Vec<&'a Run> {
    runs.iter().filter(|r| r.preset == preset).collect()
}

pub fn figures(dir: &Path, runs: &[Run]) -> Result<Figures, String> {
    let step_max = runs.iter().map(|r| r.history.config.steps).max().unwrap_or(2) as f64;
    let mut overview = Vec::new();
    for (sweep, presets) in [("wd", &WEIGHT_DECAY[..]), ("alpha", &ALPHA[..])] {
        let label = |p: &str| p.to_string();
        // Figures 8 and 9: train and test accuracy across the sweep.
        for (which, m) in
            [("train", (|r: &crate::engine::StepRecord| r.train_acc) as fn(&_) -> f64), ("test", |r| r.test_acc)]
        {
            let series: Vec<Series> = presets
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let curves: Vec<_> = runs_of(runs, p).iter().map(|r| curve(&r.history, m)).collect();
                    Series::of_runs(label(p), PALETTE[i], &curves, 300)
                })
                .collect();
            let title = format!("{} accuracy across the {} sweep (mean, min-max over seeds)", capital(which), sweep);
            let file = format!("{which}_accuracy_{sweep}.svg");
            let plot = StepPlot {
                title: &title,
                y_desc: "accuracy",
                y: 0.0..1.02,
                step_max,
                series: &series,
                shades: &[],
                marks: &[],
            };
            svg_file(&dir.join(&file), (760, 420), |a| rc::step_plot(a, &plot))?;
            overview.push((format!("fig/{file}"), title));
        }
        // Figure 5: synergy across the sweep.
        let series: Vec<Series> = presets
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let curves: Vec<_> = runs_of(runs, p).iter().map(|r| synergy_bits(&r.history)).collect();
                Series::of_runs(label(p), PALETTE[i], &curves, 300)
            })
            .collect();
        let hi = series.iter().flat_map(|s| s.mean.iter().chain(&s.hi)).map(|p| p.1).fold(0.01, f64::max) * 1.1;
        let lo = series.iter().flat_map(|s| s.mean.iter().chain(&s.lo)).map(|p| p.1).fold(0.0, f64::min);
        let title = format!("Synergy (bits, -min O-information, smoothed) across the {sweep} sweep");
        let file = format!("synergy_{sweep}.svg");
        let plot = StepPlot {
            title: &title,
            y_desc: "synergy (bits)",
            y: lo..hi,
            step_max,
            series: &series,
            shades: &[],
            marks: &[],
        };
        svg_file(&dir.join(&file), (760, 420), |a| rc::step_plot(a, &plot))?;
        overview.push((format!("fig/{file}"), title));
        // Pareto plots of the sweep's first seeds.
        let trails: Vec<rc::Trail> = presets
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let r = runs_of(runs, p).into_iter().next()?;
                let [s, red, _, _] = normalised(&r.history);
                Some((label(p), PALETTE[i], s.iter().zip(&red).map(|(a, b)| (b.1, a.1, a.0)).collect()))
            })
            .collect();
        let title = format!("Pareto: synergy against redundancy, {sweep} sweep (first seed, darker = later)");
        let file = format!("pareto_{sweep}.svg");
        svg_file(&dir.join(&file), (620, 560), |a| rc::pareto_plot(a, &title, &trails, step_max))?;
        overview.push((format!("fig/{file}"), title));
    }
    let mut per_config = Vec::new();
    for p in super::references::experiments() {
        let rs = runs_of(runs, p);
        if rs.is_empty() {
            continue;
        }
        let mut files = Vec::new();
        let steps = rs[0].history.config.steps as f64;
        // Figure 1: accuracy, with the grokking steps marked.
        let series = vec![
            Series::of_runs(
                "train",
                crate::charts::TRAIN,
                &rs.iter().map(|r| curve(&r.history, |r| r.train_acc)).collect::<Vec<_>>(),
                400,
            ),
            Series::of_runs(
                "test",
                crate::charts::TEST,
                &rs.iter().map(|r| curve(&r.history, |r| r.test_acc)).collect::<Vec<_>>(),
                400,
            ),
        ];
        let marks: Vec<(f64, String)> = rs
            .iter()
            .filter_map(|r| r.grokked.map(|g| (g as f64, format!("seed {}: test 95 % at {g}", r.seed))))
            .collect();
        let title = format!("{p}: accuracy (mean, min-max over {} seed(s))", rs.len());
        let file = format!("{p}_accuracy.svg");
        let plot = StepPlot {
            title: &title,
            y_desc: "accuracy",
            y: 0.0..1.02,
            step_max: steps,
            series: &series,
            shades: &[],
            marks: &marks,
        };
        svg_file(&dir.join(&file), (760, 420), |a| rc::step_plot(a, &plot))?;
        files.push((format!("fig/{file}"), title));
        // Figures 2-4: normalised synergy and redundancy with the test loss, phases of the first seed.
        let norm: Vec<[Vec<(u32, f64)>; 4]> = rs.iter().map(|r| normalised(&r.history)).collect();
        let pick = |k: usize| norm.iter().map(|n| n[k].clone()).collect::<Vec<_>>();
        let series = vec![
            Series::of_runs("synergy", crate::charts::SYNERGY, &pick(0), 400),
            Series::of_runs("redundancy", crate::charts::REDUNDANCY, &pick(1), 400),
            Series::of_runs("test loss (log, normalised)", crate::charts::TEST, &pick(2), 400).thin(),
            Series::of_runs("sub-network size (normalised)", PALETTE[4], &pick(3), 400).thin(),
        ];
        let shades: Vec<Shade> = rs[0]
            .phases
            .iter()
            .map(|b| Shade {
                from: b.from_step as f64,
                to: b.to_step as f64,
                color: PHASE_COLOURS[Phase::ALL.iter().position(|&q| q == b.phase).unwrap()],
                label: short(b.phase).into(),
            })
            .collect();
        let title =
            format!("{p}: normalised synergy, redundancy, test loss, sub-network size; phases of seed {}", rs[0].seed);
        let file = format!("{p}_measures.svg");
        let plot = StepPlot {
            title: &title,
            y_desc: "normalised",
            y: 0.0..1.1,
            step_max: steps,
            series: &series,
            shades: &shades,
            marks: &[],
        };
        svg_file(&dir.join(&file), (760, 420), |a| rc::step_plot(a, &plot))?;
        files.push((format!("fig/{file}"), title));
        // The page's five charts of the first seed (loss, size, Pareto).
        let frame = Frame::new(&rs[0].history, None, 400);
        let file = format!("{p}_seed{}_panel.svg", rs[0].seed);
        svg_file(&dir.join(&file), (1200, 1020), |a| {
            let cells = a.split_evenly((3, 2));
            for (chart, cell) in Chart::ALL.iter().zip(&cells) {
                chart.draw(cell, &frame)?;
            }
            cells[5].fill(&WHITE)?;
            Ok(())
        })?;
        files.push((
            format!("fig/{file}"),
            format!("{p}, seed {}: the page's charts (accuracy, loss, measures, sub-network size, Pareto)", rs[0].seed),
        ));
        per_config.push((p, files));
    }
    Ok(Figures { overview, per_config })
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn short(p: Phase) -> &'static str {
    match p {
        Phase::FeatureLearning => "FL",
        Phase::Emergence => "E",
        Phase::Divergence => "Div",
        Phase::DelayedEmergence => "DE",
        Phase::Decoupling => "Dec",
        Phase::Finalising => "Fin",
    }
}
