//! Every chart of the page rendered to SVG (the same code draws on the
//! page's canvas), with checks that fail if a curve, the grokking mark or
//! the scrub mapping goes missing.

use grokscope::charts::{csv, log_ticks, Chart, Frame};
use grokscope::config::RunConfig;
use grokscope::engine::StepRecord;
use grokscope::run::history::{Measures, History};
use plotters::prelude::*;

/// A run that memorises by step 30 and groks at step 340, with a
/// checkpoint every 10 steps whose synergy peaks before grokking.
fn history(steps: u32) -> History {
    let config = RunConfig { steps, every: 10, ..RunConfig::default() };
    let mut h = History::new(&config, "cpu");
    let recs: Vec<StepRecord> = (1..=steps)
        .map(|s| {
            let t = s as f64;
            let test_acc = if s >= 340 { 0.99 } else { 0.01 + 0.8 * t / 340.0 };
            StepRecord {
                step: s,
                train_loss: 4.6 / t,
                train_acc: (t / 30.0).min(1.0),
                test_loss: 5.0 - test_acc * 4.0,
                test_acc,
            }
        })
        .collect();
    assert!(h.push(&recs));
    h.checkpoints = (1..=steps / 10)
        .map(|i| {
            let s = i * 10;
            let peak = -((s as f64 - 200.0) / 80.0).powi(2);
            Measures {
                step: s,
                synergy: -1.0 - peak.exp(),
                redundancy: 0.5 + 0.001 * s as f64,
                synergy_size: 10 + (s as usize / 50) % 40,
                synergy_clusters: vec![0, 1],
                redundancy_size: 5,
                labels: vec![0; 250],
            }
        })
        .collect();
    h
}

fn svg(chart: Chart, f: &Frame) -> (String, Option<Box<dyn Fn((i32, i32)) -> Option<u32>>>) {
    let mut out = String::new();
    let step_at;
    {
        let area = SVGBackend::with_string(&mut out, (640, 320)).into_drawing_area();
        step_at = chart.draw(&area, f).expect("the chart draws");
        area.present().unwrap();
    }
    (out, step_at)
}

#[test]
fn every_chart_draws_its_data() {
    let h = history(4000);
    let f = Frame::new(&h, Some(340), 500);
    for chart in Chart::ALL {
        let (s, _) = svg(chart, &f);
        assert!(s.starts_with("<svg") && s.len() > 2000, "{}: {} bytes", chart.name(), s.len());
        match chart {
            // One polyline per curve (and per legend sample).
            Chart::Accuracy | Chart::Loss | Chart::Synergy => {
                assert!(s.matches("<polyline").count() >= 2, "{}: no curves", chart.name())
            }
            Chart::Size => assert!(s.contains("<polyline"), "size: no curve"),
            // One dot per checkpoint, plus the ring around the scrubbed one.
            Chart::Pareto => assert_eq!(s.matches("<circle").count(), h.checkpoints.len() + 1, "pareto dots"),
        }
    }
    // The phases read off the measures are named on their chart.
    let (measures, _) = svg(Chart::Synergy, &f);
    assert!(!f.phases.is_empty(), "phases labelled");
    assert!(f.phases.iter().any(|b| measures.contains(b.phase.name())), "a phase is named");
    let (acc, _) = svg(Chart::Accuracy, &f);
    assert!(acc.contains("95 % test accuracy (step 340)"), "the grokking step is marked");
    let words: Vec<&str> = acc.split(['<', '>']).map(str::trim).collect();
    assert!(words.contains(&"train") && words.contains(&"test"), "the key names the curves");
}

#[test]
fn an_empty_run_says_what_to_do() {
    let h = History::new(&RunConfig::default(), "cpu");
    let f = Frame::new(&h, None, 500);
    assert!(svg(Chart::Accuracy, &f).0.contains("press Start"));
    assert!(svg(Chart::Synergy, &f).0.contains("one point every 5 steps"));
    let off = History::new(&RunConfig { every: 0, ..RunConfig::default() }, "cpu");
    assert!(svg(Chart::Pareto, &Frame::new(&off, None, 500)).0.contains("progress measures are off"));
}

#[test]
fn pixels_map_back_to_steps_on_the_log_axis() {
    let f = Frame::new(&history(4000), None, 500);
    let (_, step_at) = svg(Chart::Loss, &f);
    let step_at = step_at.expect("a step chart maps pixels to steps");
    let row = 150;
    let steps: Vec<u32> = (0..640).filter_map(|x| step_at((x, row))).collect();
    assert!(steps.len() > 400, "most of the width is plot: {}", steps.len());
    assert_eq!(*steps.first().unwrap(), 1);
    assert!(*steps.last().unwrap() >= 3900, "right edge: {}", steps.last().unwrap());
    assert!(steps.windows(2).all(|w| w[0] <= w[1]), "monotonic");
    // Log axis: the middle pixel is near the geometric mean, not 2000.
    let mid = steps[steps.len() / 2];
    assert!((40..=90).contains(&mid), "middle of a log axis to 4000: {mid}");
    assert_eq!(step_at((-5, row)), None);
}

#[test]
fn long_runs_are_decimated_evenly_on_the_log_axis() {
    let h = history(200_000);
    let f = Frame::new(&h, None, 500);
    assert!(f.train_loss.len() <= 501, "{}", f.train_loss.len());
    assert_eq!(f.train_loss.last().unwrap().0, 200_000.0, "the newest point is kept");
    assert_eq!(f.train_loss[0].0, 1.0, "the first step is kept");
    assert!(f.synergy.len() <= 501 && f.pareto.len() == h.checkpoints.len());
    // Normalised as in the paper: in [0, 1]; synergy is highest near its peak (step 200).
    assert!(f.synergy.iter().chain(&f.redundancy).all(|p| (0.0..=1.0).contains(&p.1)));
}

#[test]
fn csv_has_a_row_per_step_and_measures_on_checkpoints() {
    let h = history(50);
    let text = csv(&h);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 51);
    assert!(rows[0].starts_with("step,train_loss"));
    assert!(rows[9].ends_with(",,,,"), "step 9 has no checkpoint: {}", rows[9]);
    assert_eq!(rows[10].split(',').count(), 9);
    assert!(!rows[10].ends_with(','), "step 10 has one: {}", rows[10]);
}

#[test]
fn log_ticks_never_crowd() {
    assert_eq!(log_ticks(1.0, 80.0), [1.0, 3.0, 10.0, 30.0]);
    assert_eq!(log_ticks(1.0, 4000.0), [1.0, 10.0, 100.0, 1000.0]);
    assert_eq!(log_ticks(1.0, 200_000.0), [1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0]);
    // A loss that barely moves still gets three labels.
    assert_eq!(log_ticks(1.9, 4.8), [2.0, 3.0, 4.0]);
}
