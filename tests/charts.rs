//! Every chart of the page rendered to SVG (the same code draws on the
//! page's canvas), with checks that fail if a curve, the grokking mark or
//! the scrub mapping goes missing.

use grokscope::analysis::fourier::Spectrum;
use grokscope::charts::axis::{self, StepAt};
use grokscope::charts::report::{measures_chart, of_runs, sweep_chart};
use grokscope::charts::{csv, log_ticks, phase_colour, subnetwork_chart, Chart, Frame, PALETTE};
use grokscope::config::RunConfig;
use grokscope::engine::StepRecord;
use grokscope::run::history::{History, Measures, WeightMeasures, WeightNorm};
use grokscope::run::phases::phases_of;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeSet;

/// A run that memorises by step 30 and groks at step 340, with a
/// checkpoint every 10 steps whose synergy peaks before grokking.
fn history(steps: u32) -> History {
    let config = RunConfig { steps, every: 10, ..RunConfig::default() };
    let mut h = History::new(&config, "cpu");
    let recs: Vec<StepRecord> = (1..=steps)
        .map(|s| {
            let t = s as f64;
            // Flat until step 150, then rising to grokking at 340.
            let test_acc = if s >= 340 { 0.99 } else { 0.01 + 0.8 * (t - 150.0).max(0.0) / 190.0 };
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
                sizes: None,
                labels: vec![0; 250],
            }
        })
        .collect();
    h.weight_measures = h.checkpoints.iter().map(|c| Some(weights_at(c.step))).collect();
    h
}

/// Weight measures of a run that groks at step 340: the neurons commit to
/// frequencies, the clock closes into a circle, the losses cross.
fn weights_at(step: u32) -> WeightMeasures {
    let g = (step as f64 / 340.0).min(1.5) / 1.5;
    let spectrum: Vec<f32> = (1..=48).map(|k| if k % 7 == 0 { 1.0 + 3.0 * g as f32 } else { 1.0 }).collect();
    let tuned = spectrum.iter().map(|&x| x * g as f32).collect();
    let clock = (0..97)
        .map(|a| {
            let t = std::f64::consts::TAU * (14 * a % 97) as f64 / 97.0;
            let wobble = 1.0 + (1.0 - g) * ((a * 37 % 11) as f64 / 5.0 - 1.0);
            ((wobble * t.cos()) as f32, (wobble * t.sin()) as f32)
        })
        .collect();
    WeightMeasures {
        weight_norm: WeightNorm { total: 90.0 - 10.0 * g, w1: 70.0, w2: 50.0 },
        fourier: Spectrum {
            key_frequencies: if g > 0.3 { vec![14, 7, 21] } else { vec![] },
            key_fraction: 0.08 + 0.8 * g,
            gini: 0.2 + 0.3 * g,
            spectrum,
            tuned,
        },
        fourier_out: Spectrum::default(),
        restricted_loss: 4.6 * (-6.0 * g).exp(),
        excluded_loss: 0.5 + 3.0 * g,
        clock,
    }
}

const W: u32 = 640;
const H: u32 = 320;

fn svg(chart: Chart, f: &Frame) -> (String, Option<StepAt>) {
    draw_svg((W, H), |a| chart.draw(a, f))
}

/// What `draw` draws on an SVG of `size`, and what it returns.
fn draw_svg<T>(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<T, DrawingAreaErrorKind<std::io::Error>>,
) -> (String, T) {
    let mut out = String::new();
    let got;
    {
        let area = SVGBackend::with_string(&mut out, size).into_drawing_area();
        got = draw(&area).expect("the chart draws");
        area.present().unwrap();
    }
    (out, got)
}

/// The value of attribute `name` in one SVG element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let from = element.find(&format!(" {name}=\""))? + name.len() + 3;
    element[from..].split('"').next()
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Each polyline's stroke colour and points.
fn polylines(svg: &str) -> Vec<(String, Vec<(i32, i32)>)> {
    let points = |p: &str| {
        p.split_whitespace()
            .filter_map(|xy| xy.split_once(','))
            .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
            .collect()
    };
    svg.split("<polyline")
        .skip(1)
        .map(|e| (attr(e, "stroke").unwrap().to_string(), points(attr(e, "points").unwrap())))
        .collect()
}

/// The polyline of the curve in `color`: the one with the most points.
fn curve_of(svg: &str, color: RGBColor) -> Vec<(i32, i32)> {
    polylines(svg).into_iter().filter(|p| p.0 == hex(color)).map(|p| p.1).max_by_key(Vec::len).unwrap_or_default()
}

/// The polylines in `color`: a dashed curve's dashes.
fn dashes_of(svg: &str, color: RGBColor) -> Vec<Vec<(i32, i32)>> {
    polylines(svg).into_iter().filter(|p| p.0 == hex(color)).map(|p| p.1).collect()
}

/// Each text's position (left, top) and content.
fn texts(svg: &str) -> Vec<(i32, i32, String)> {
    svg.split("<text")
        .skip(1)
        .map(|e| {
            let n = |a| attr(e, a).unwrap().parse::<f64>().unwrap() as i32;
            let content = e.split_once('>').unwrap().1.split("</text").next().unwrap().trim().to_string();
            (n("x"), n("y"), content)
        })
        .collect()
}

/// The plotting area's pixels, found through the chart's own pixel -> step map.
fn plot_box(step_at: &StepAt, (w, h): (u32, u32)) -> (std::ops::Range<i32>, std::ops::Range<i32>) {
    let inside: Vec<(i32, i32)> =
        (0..w as i32).flat_map(|x| (0..h as i32).map(move |y| (x, y))).filter(|&p| step_at(p).is_some()).collect();
    let (xs, ys) = (inside.iter().map(|p| p.0), inside.iter().map(|p| p.1));
    (xs.clone().min().unwrap()..xs.max().unwrap() + 1, ys.clone().min().unwrap()..ys.max().unwrap() + 1)
}

#[test]
fn every_chart_draws_its_data() {
    let h = history(4000);
    let f = Frame::new(&h, Some(340), 500);
    for chart in Chart::ALL {
        let (s, step_at) = svg(chart, &f);
        assert!(s.starts_with("<svg") && s.len() > 2000, "{}: {} bytes", chart.name(), s.len());
        let colours = match chart {
            Chart::Accuracy | Chart::Loss => vec![axis::TRAIN, axis::TEST],
            Chart::Synergy => vec![axis::SYNERGY, axis::REDUNDANCY],
            Chart::Size => vec![axis::SYNERGY],
            // One dot per checkpoint, plus the ring around the scrubbed one.
            Chart::Pareto => {
                assert_eq!(s.matches("<circle").count(), h.checkpoints.len() + 1, "pareto dots");
                continue;
            }
            Chart::Weights => vec![PALETTE[7], PALETTE[4], PALETTE[5], PALETTE[0], PALETTE[1]],
            // 48 bars, each whole and its tuned part, at the cursor's checkpoint.
            Chart::Spectrum => {
                assert!(s.contains("step 340"), "the spectrum follows the cursor");
                assert!(s.matches("<rect").count() >= 2 * 48, "{} rects", s.matches("<rect").count());
                continue;
            }
            // 97 values, the centre, and four key dots.
            Chart::Clock => {
                assert!(s.contains("frequency 14, step 340"), "the clock follows the cursor");
                assert_eq!(s.matches("<circle").count(), 97 + 1 + 4, "clock dots");
                continue;
            }
        };
        // Each curve is a polyline of many points across the plot (a key's
        // sample is a polyline too, of two points and 18 pixels).
        let (xs, _) = plot_box(&step_at.expect("a step chart"), (W, H));
        for c in colours {
            // A dashed curve is many short polylines: all of them, then.
            let curve = match curve_of(&s, c) {
                solid if solid.len() >= 50 => solid,
                _ => dashes_of(&s, c).concat(),
            };
            assert!(curve.len() >= 50, "{}: the {} curve has {} points", chart.name(), hex(c), curve.len());
            let span = curve.iter().map(|p| p.0).max().unwrap() - curve.iter().map(|p| p.0).min().unwrap();
            assert!(
                span * 10 >= xs.len() as i32 * 6,
                "{}: the {} curve spans {span} of {} px",
                chart.name(),
                hex(c),
                xs.len()
            );
        }
    }
    // The phases read off the measures are named on their chart.
    let (measures, _) = svg(Chart::Synergy, &f);
    assert!(!f.phases.is_empty(), "phases labelled");
    assert!(f.phases.iter().any(|b| measures.contains(b.phase.name())), "a phase is named");
    let (acc, _) = svg(Chart::Accuracy, &f);
    assert!(acc.contains("test ≥ 95 % at step 340"), "the grokking step is marked");
    let words: Vec<&str> = acc.split(['<', '>']).map(str::trim).collect();
    assert!(words.contains(&"train") && words.contains(&"test"), "the key names the curves");
}

#[test]
fn an_empty_run_says_what_to_do() {
    let h = History::new(&RunConfig::default(), "cpu");
    let f = Frame::new(&h, None, 500);
    assert!(svg(Chart::Accuracy, &f).0.contains("press Start"));
    assert!(svg(Chart::Synergy, &f).0.contains("one point every 5 steps"));
    // Started, before the first step (a GPU compiling its shaders): not "press Start".
    let (starting, _) = svg(Chart::Loss, &Frame::new(&h, None, 500).starting());
    assert!(starting.contains("starting") && !starting.contains("press Start"), "{starting}");
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
fn long_runs_are_thinned_evenly_on_the_log_axis() {
    let h = history(200_000);
    let f = Frame::new(&h, None, 500);
    assert!(f.train_loss.len() <= 501, "{}", f.train_loss.len());
    assert_eq!(f.train_loss.last().unwrap().0, 200_000.0, "the newest point is kept");
    assert_eq!(f.train_loss[0].0, 1.0, "the first step is kept");
    assert!(f.synergy.len() <= 501 && f.pareto.len() == h.checkpoints.len());
    // Normalised as in the paper: in [0, 1].
    assert!(f.synergy.iter().chain(&f.redundancy).all(|p| (0.0..=1.0).contains(&p.1)));
}

/// The history's synergy is deepest at step 200; smoothing delays the peak
/// of the normalised curve a little, never past grokking (step 340).
const SYNERGY_PEAK: std::ops::RangeInclusive<u32> = 200..=320;

#[test]
fn the_synergy_curve_peaks_where_the_synergy_is_deepest() {
    let f = Frame::new(&history(4000), None, 500);
    let top = f.synergy.iter().copied().fold((0.0, f64::NEG_INFINITY), |a, p| if p.1 > a.1 { p } else { a });
    assert!(SYNERGY_PEAK.contains(&(top.0 as u32)), "normalised synergy peaks at step {}", top.0);
    assert!(top.1 > 0.5, "the peak stands out: {}", top.1);
    // And the chart draws it there: the curve's highest pixel is over that step.
    let (s, step_at) = svg(Chart::Synergy, &f);
    let curve = curve_of(&s, axis::SYNERGY);
    let highest = *curve.iter().min_by_key(|p| p.1).unwrap();
    let step = step_at.unwrap()(highest).expect("the peak is in the plot");
    assert!(SYNERGY_PEAK.contains(&step), "the drawn synergy peaks at step {step}");
}

/// The fills of the filled rectangles other than the white background.
fn fills(svg: &str) -> BTreeSet<String> {
    let filled = svg.split("<rect").skip(1).filter_map(|e| attr(e, "fill")).filter(|&f| f != "none" && f != "#FFFFFF");
    filled.map(String::from).collect()
}

/// The report's measures figure of `h`, over its phases.
fn report_measures(h: &History, size: (u32, u32)) -> (String, StepAt) {
    let n = h.normalised();
    let zip = |v: &[f64]| vec![n.steps.iter().copied().zip(v.iter().copied()).collect::<Vec<_>>()];
    let curves = vec![
        of_runs("synergy", axis::SYNERGY, &zip(&n.synergy), 400),
        of_runs("redundancy", axis::REDUNDANCY, &zip(&n.redundancy), 400),
        of_runs("test loss (log, normalised)", axis::TEST, &zip(&n.test_loss), 400).thin(),
        of_runs("sub-network size (normalised)", axis::SIZE, &zip(&n.size), 400).thin(),
    ];
    let steps = h.config.steps as f64;
    draw_svg(size, |a| measures_chart(a, "measures", steps, curves, &phases_of(h)))
}

#[test]
fn the_page_and_the_report_colour_a_phase_alike() {
    let h = history(4000);
    let f = Frame::new(&h, None, 500);
    let phases: BTreeSet<_> = f.phases.iter().map(|b| b.phase).collect();
    assert!(phases.len() >= 2, "several phases to tell apart: {phases:?}");
    let want: BTreeSet<String> = phases.iter().map(|&p| hex(phase_colour(p))).collect();
    // Bands and key swatches are the only filled boxes: each in its phase's colour.
    let (page, _) = svg(Chart::Synergy, &f);
    let (report, _) = report_measures(&h, (760, 440));
    assert_eq!(fills(&page), want, "the page's phase colours");
    assert_eq!(fills(&report), want, "the report's phase colours");
    for p in phases {
        let marked = format!("{}{}", p.name(), axis::NOW);
        assert!(texts(&page).iter().any(|t| t.2 == p.name() || t.2 == marked), "the page's key names {}", p.name());
        assert!(texts(&report).iter().any(|t| t.2 == p.name()), "the report's key names {}", p.name());
    }
}

#[test]
fn every_banded_chart_keys_the_phases_and_marks_the_current_one() {
    let h = history(4000);
    let phases = phases_of(&h);
    let last = phases.last().expect("phases").phase;
    // Scrubbed, the key says the phase is the cursor's, not the run's now.
    for (cursor, now, word) in [(None, last, axis::NOW), (Some(phases[0].to_step), phases[0].phase, axis::AT_CURSOR)] {
        let f = Frame::new(&h, cursor, 500);
        assert_eq!(f.phase_now(), Some(now));
        for chart in [Chart::Accuracy, Chart::Loss, Chart::Synergy, Chart::Size] {
            let (s, _) = svg(chart, &f);
            let ends = |t: &String| t.ends_with(axis::NOW) || t.ends_with(axis::AT_CURSOR);
            let marked: Vec<String> = texts(&s).into_iter().map(|t| t.2).filter(ends).collect();
            assert_eq!(marked, [format!("{}{word}", now.name())], "{}: the current phase", chart.name());
            // Its swatch is outlined boldly (SVG has no rectangle stroke
            // width: opaque here), the others faintly.
            let bold = s.matches(r##"opacity="1" fill="none" stroke="#5A5A5A""##).count();
            assert_eq!(bold, 1, "{}: one bold outline", chart.name());
            for b in &phases {
                assert!(s.contains(b.phase.name()), "{}: the key names {}", chart.name(), b.phase.name());
            }
            let summary = chart.summary(&f);
            assert!(summary.contains(&format!(": {}.", now.name())), "{}: {summary}", chart.name());
        }
    }
}

#[test]
fn the_second_of_each_pair_is_dashed_in_the_curve_and_the_key() {
    let f = Frame::new(&history(4000), None, 500);
    for (chart, solid, dashed) in [
        (Chart::Accuracy, axis::TRAIN, axis::TEST),
        (Chart::Loss, axis::TRAIN, axis::TEST),
        (Chart::Synergy, axis::SYNERGY, axis::REDUNDANCY),
    ] {
        let (s, step_at) = svg(chart, &f);
        let (_, ys) = plot_box(&step_at.unwrap(), (W, H));
        assert!(curve_of(&s, solid).len() >= 50, "{}: the first is one line", chart.name());
        let dashes = dashes_of(&s, dashed);
        let length =
            |d: &Vec<(i32, i32)>| d.windows(2).map(|w| (w[1].0 - w[0].0).abs() + (w[1].1 - w[0].1).abs()).sum::<i32>();
        let (in_plot, in_key): (Vec<_>, Vec<_>) = dashes.iter().partition(|d| ys.contains(&d[0].1));
        assert!(in_plot.len() >= 20, "{}: the second curve in {} dashes", chart.name(), in_plot.len());
        // Short dashes, bar the grokking mark's line (in the test colour).
        let long = in_plot.iter().filter(|d| length(d) > 24).count();
        assert!(long <= 1, "{}: {long} long lines", chart.name());
        // (The grokking mark's swatch is a whole 18-pixel line.)
        assert!(in_key.iter().filter(|d| length(d) < 18).count() >= 2, "{}: a dashed swatch", chart.name());
    }
}

/// The key's rows fit a phone's chart: no label runs past the right edge
/// (by the width plotters estimates, the one the strip wraps by).
#[test]
fn key_labels_fit_a_narrow_chart() {
    let h = history(4000);
    let mut other = history(4000);
    other.steps.iter_mut().for_each(|r| r.test_acc *= 0.9);
    let f = Frame::with_seeds(&h, &[&other], None, 500);
    let size = (360, 180);
    for chart in Chart::ALL {
        let (s, _) = draw_svg(size, |a| chart.draw(a, &f));
        let px = axis::FONT_PX[0];
        let keyed = s.split("<text").skip(1).filter(|e| e.contains(r#"text-anchor="start""#)).count();
        let few = [Chart::Pareto, Chart::Spectrum];
        assert!(keyed >= 3 || few.contains(&chart), "{}: {keyed} key entries", chart.name());
        // Key entries are the left-aligned texts (titles and ticks are centred or right-aligned).
        let starts = s.split("<text").skip(1).map(|e| e.contains(r#"text-anchor="start""#));
        for ((x, _, t), _) in texts(&s).into_iter().zip(starts).filter(|p| p.1) {
            let w = ("sans-serif", px).into_font().box_size(&t).map_or(0, |b| b.0 as i32);
            assert!(x + w <= size.0 as i32, "{}: {t:?} at x {x} ({w} px wide) is cut off", chart.name());
        }
    }
}

/// Asserts that every label in `labels` is in the key, entirely below the
/// plotting area and inside the picture.
fn key_below_plot(what: &str, svg: &str, step_at: &StepAt, size: (u32, u32), labels: &[&str]) {
    let (xs, ys) = plot_box(step_at, size);
    assert!(xs.len() > size.0 as usize / 2 && ys.len() > size.1 as usize / 3, "{what}: a plot {xs:?} x {ys:?}");
    let texts = texts(svg);
    for l in labels {
        let (x, y, _) = texts.iter().find(|t| t.2 == *l).unwrap_or_else(|| panic!("{what}: no key entry {l:?}"));
        assert!(*y >= ys.end, "{what}: key entry {l:?} at y {y} overlaps the plot (down to {})", ys.end);
        assert!(*y + 13 <= size.1 as i32 && *x + 10 < size.0 as i32, "{what}: key entry {l:?} at {x}, {y} is cut off");
    }
}

#[test]
fn no_key_entry_overlaps_the_plot() {
    let h = history(4000);
    let mut other = history(4000);
    other.steps.iter_mut().for_each(|r| r.test_acc *= 0.9);
    let f = Frame::with_seeds(&h, &[&other], Some(340), 500);
    let (s, step_at) = svg(Chart::Accuracy, &f);
    let grok = "test ≥ 95 % at step 340";
    key_below_plot("accuracy", &s, &step_at.unwrap(), (W, H), &["2 seeds: min-max", "train", "test", grok]);
    let (s, step_at) = svg(Chart::Synergy, &f);
    let labels = ["synergy", "redundancy", "emergence", "decoupling (at the cursor)"];
    key_below_plot("synergy", &s, &step_at.unwrap(), (W, H), &labels);
    // A narrow report figure: its ten entries wrap onto several rows, all below the plot.
    let size = (420, 360);
    let (s, step_at) = report_measures(&h, size);
    let labels = ["min-max over seeds", "synergy", "sub-network size (normalised)", "feature learning", "decoupling"];
    key_below_plot("measures", &s, &step_at, size, &labels[1..]);
    let rows: BTreeSet<i32> = texts(&s).iter().filter(|t| labels.contains(&t.2.as_str())).map(|t| t.1).collect();
    assert!(rows.len() >= 2, "the key wraps: rows at {rows:?}");
    let runs: Vec<Vec<(u32, f64)>> =
        [1.0, 0.8].iter().map(|k| h.steps.iter().map(|r| (r.step, k * r.test_acc)).collect()).collect();
    let curves = vec![of_runs("wd = 1", PALETTE[0], &runs, 400)];
    let (s, step_at) = draw_svg(size, |a| sweep_chart(a, ("sweep", "accuracy"), 4000.0, curves, 0.0..1.02));
    key_below_plot("sweep", &s, &step_at, size, &["min-max over seeds", "wd = 1"]);
}

#[test]
fn the_subnetwork_chart_draws_its_three_runs() {
    let h = history(4000);
    let acc = |k: f64| h.steps.iter().map(|r| (r.step as f64, k * r.test_acc)).collect::<Vec<_>>();
    let runs =
        [("full".to_string(), acc(1.0)), ("synergistic".to_string(), acc(0.9)), ("inverse".to_string(), acc(0.2))];
    let (s, ()) = draw_svg((W, H), |a| subnetwork_chart(a, "sub-network", 4000, &runs, Some(200)));
    for (i, (label, _)) in runs.iter().enumerate() {
        let curve = curve_of(&s, PALETTE[i]);
        assert!((50..=402).contains(&curve.len()), "{label}: {} points, thinned along the log axis", curve.len());
        assert!(texts(&s).iter().any(|t| &t.2 == label), "{label} is keyed");
    }
    assert!(texts(&s).iter().any(|t| t.2 == "multiplet taken at step 200"), "the checkpoint is marked");
}

#[test]
fn csv_has_a_row_per_step_and_measures_on_checkpoints() {
    let h = history(50);
    let text = csv(&h);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 51);
    assert!(rows[0].starts_with("step,train_loss"));
    assert!(rows[9].ends_with(&",".repeat(14)), "step 9 has no checkpoint: {}", rows[9]);
    let header: Vec<&str> = rows[0].split(',').collect();
    let cells: Vec<&str> = rows[10].split(',').collect();
    assert_eq!((header.len(), cells.len()), (19, 19));
    // Every measure (no key frequency yet at step 10: an empty list).
    let listed = header.iter().zip(&cells).filter(|(h, c)| **h != "key_frequencies" && c.is_empty()).count();
    assert_eq!(listed, 0, "step 10 has every measure: {}", rows[10]);
    assert_eq!(
        csv(&history(400)).lines().nth(400).unwrap().split(',').nth(12),
        Some("14 7 21"),
        "key frequencies space-separated"
    );
    let at = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
    let w = weights_at(10);
    assert_eq!(at("excluded_loss").parse::<f64>().unwrap(), w.excluded_loss);
    assert_eq!(at("key_fraction").parse::<f64>().unwrap(), w.fourier.key_fraction);
    assert_eq!(at("weight_norm_w1"), "70");
}

#[test]
fn log_ticks_never_crowd() {
    assert_eq!(log_ticks(1.0, 80.0), [1.0, 3.0, 10.0, 30.0]);
    assert_eq!(log_ticks(1.0, 4000.0), [1.0, 10.0, 100.0, 1000.0]);
    assert_eq!(log_ticks(1.0, 200_000.0), [1.0, 10.0, 100.0, 1000.0, 10_000.0, 100_000.0]);
    // A loss that barely moves still gets three labels.
    assert_eq!(log_ticks(1.9, 4.8), [2.0, 3.0, 4.0]);
}

#[test]
fn the_spectrum_and_the_clock_follow_the_scrubbed_step() {
    let h = history(4000);
    // Before grokking: no key frequency yet, the clock wobbles.
    let early = Frame::new(&h, Some(55), 500);
    assert!(
        Chart::Spectrum.summary(&early).contains("Step 50: key frequencies none yet"),
        "{}",
        Chart::Spectrum.summary(&early)
    );
    assert!(Chart::Clock.summary(&early).contains("not yet a circle"), "{}", Chart::Clock.summary(&early));
    // After: on a circle; without a cursor, the latest checkpoint.
    let late = Frame::new(&h, None, 500);
    assert!(
        Chart::Clock.summary(&late).contains("Step 4000: the 97 values of a on frequency 14"),
        "{}",
        Chart::Clock.summary(&late)
    );
    assert!(Chart::Clock.summary(&late).contains("on a circle"));
    assert!(Chart::Weights.summary(&late).contains("key fraction 0.88"), "{}", Chart::Weights.summary(&late));
    // A run without weight measures says what the charts wait for.
    let empty = History::new(&RunConfig::default(), "cpu");
    let f = Frame::new(&empty, None, 500);
    for chart in [Chart::Weights, Chart::Spectrum, Chart::Clock] {
        assert!(svg(chart, &f).0.contains("one point every 5 steps"), "{}", chart.name());
    }
    // Other operations say what the Fourier measures mean for them.
    let mut mul = history(400);
    mul.config.op = grokscope::config::Op::Mul;
    assert!(svg(Chart::Clock, &Frame::new(&mul, None, 500)).0.contains("expect no clock"));
}
