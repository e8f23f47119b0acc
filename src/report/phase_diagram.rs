//! A sweep's SWEEP.md: heatmaps over the grid's first two keys (one set
//! per combination of any further keys) of the median steps to memorise
//! and to grok, the median final test accuracy, the regime and, with
//! measures, the median synergy peak's step; and a table of every cell.
//! Nothing in it depends on how the runs were trained (shards, threads,
//! time), so a merged sweep's diagram is byte for byte an unsharded one's.

use super::figures::svg_file;
use crate::charts::axis::{KeyEntry, Swatch};
use crate::charts::heatmap::{self, regime_colour, Cell, NONE};
use crate::run::history::{History, GROKKED, MEMORISED};
use crate::run::regime::{self, Regime};
use crate::sweep::summary::{CellSummary, RunSummary};
use crate::sweep::{Run, Spec};
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub const FILE: &str = "SWEEP.md";

/// A median step as the table writes it ("never" for none).
fn step(s: Option<f64>) -> String {
    s.map_or("never".into(), |s| format!("{s}"))
}

/// Writes `dir/SWEEP.md` and its SVGs from the runs of `spec` (`histories`
/// index for index with `runs`); returns the report's path.
pub fn write(dir: &Path, spec: &Spec, runs: &[Run], histories: &[History]) -> Result<PathBuf, String> {
    let grid = spec.grid();
    let values = grid.cells();
    let mut cells: Vec<Vec<RunSummary>> = vec![Vec::new(); values.len()];
    for (r, h) in runs.iter().zip(histories) {
        cells[r.cell].push(RunSummary::of(h));
    }
    let cells: Vec<CellSummary> = cells.into_iter().map(CellSummary::of).collect();
    let measured = runs.iter().any(|r| r.config.every > 0);
    let step_max = runs.iter().map(|r| r.config.steps).max().unwrap_or(2) as f64;

    let mut md = String::new();
    let (n_cells, n_runs) = (values.len(), runs.len());
    writeln!(md, "# Sweep: `{}`\n", spec.grid).unwrap();
    writeln!(
        md,
        "Over `{}`: {n_cells} cells × {} init seeds = {n_runs} runs, made by\n\n    grokscope sweep \"{}\" --grid \"{}\" --seeds {} --out DIR\n\nEvery run's history is in `runs/` (as `grokscope train --out` writes it). Each number is the median over the seeds; a step never reached counts as later than every step, so \"never\" means most seeds never got there.\n",
        spec.query, spec.seeds, spec.query, spec.grid, spec.seeds
    )
    .unwrap();
    writeln!(md, "## Regimes\n").unwrap();
    writeln!(md, "Rule (`grokscope::run::regime`, docs/METHOD.md), on the median steps to memorise (train accuracy ≥ {MEMORISED}) and to grok (test accuracy ≥ {GROKKED}): **memorise, then grok** when grokking took more than {} times the steps memorising did; **comprehension (no gap)** when it took at most that, or the run grokked without memorising; **memorisation only** when it memorised and never grokked; **no learning** when neither. The letters in each box are the seeds' own regimes (G, C, M, N).\n", regime::DELAY).unwrap();
    let counts: Vec<String> = Regime::ALL
        .iter()
        .map(|&r| format!("{}: {}", r.name(), cells.iter().filter(|c| c.regime == r).count()))
        .collect();
    writeln!(md, "Cells by regime: {}.\n", counts.join("; ")).unwrap();

    // Heatmaps over the first two keys, a set per value of the others.
    let axes = &grid.axes;
    let (x_key, x_labels) = (&axes[0].0, &axes[0].1);
    let (y_key, y_labels) = axes.get(1).map_or((String::new(), vec![String::new()]), |a| (a.0.clone(), a.1.clone()));
    let (nx, ny) = (x_labels.len(), y_labels.len());
    let facets = cells.len() / (nx * ny);
    let size = ((160 + 95 * nx as u32).max(520), (170 + 48 * ny as u32).max(320));
    // The first `facets` cells are box (0, 0) of each facet: they name it.
    for (f, first) in values.iter().take(facets).enumerate() {
        // Cells go first key slowest: box (i, j) of facet f is cell (i ny + j) facets + f.
        let boxes = |cell: &dyn Fn(&CellSummary) -> Cell| -> Vec<Cell> {
            (0..ny).flat_map(|j| (0..nx).map(move |i| (i * ny + j) * facets + f)).map(|k| cell(&cells[k])).collect()
        };
        let rest = &first[2.min(axes.len())..];
        let facet: Vec<String> = rest.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let (suffix, heading) = match facet.is_empty() {
            true => (String::new(), String::new()),
            false => (rest.iter().map(|(k, v)| format!("_{k}{v}")).collect(), format!(" ({})", facet.join(", "))),
        };
        if !facet.is_empty() {
            writeln!(md, "### {}\n", facet.join(", ")).unwrap();
        }
        let shade_step = |s: Option<f64>| match s {
            Some(s) => Cell { fill: heatmap::shade(s.max(1.0).ln() / step_max.ln()), text: format!("{s:.0}") },
            None => Cell { fill: NONE, text: "never".into() },
        };
        let steps_key = heatmap::shade_key("step 1", &format!("step {step_max} (shaded by log step)"), Some("never"));
        let regime_key: Vec<KeyEntry> =
            Regime::ALL.iter().map(|&r| KeyEntry::new(r.name(), Swatch::Fill(regime_colour(r)))).collect();
        let mut maps: Vec<(&str, String, Vec<Cell>, Vec<KeyEntry>)> = vec![
            (
                "regime",
                "Regime of the median steps (letters: each seed's)".into(),
                boxes(&|c| Cell {
                    fill: regime_colour(c.regime),
                    text: c.runs.iter().map(|r| r.regime.letter()).collect(),
                }),
                regime_key,
            ),
            (
                "memorised",
                format!("Step to memorise (train acc ≥ {MEMORISED})"),
                boxes(&|c| shade_step(c.memorised)),
                steps_key.clone(),
            ),
            (
                "grokked",
                format!("Step to grok (test acc ≥ {GROKKED})"),
                boxes(&|c| shade_step(c.grokked)),
                steps_key.clone(),
            ),
            (
                "test_acc",
                "Final test accuracy".into(),
                boxes(&|c| Cell { fill: heatmap::shade(c.final_test_acc), text: format!("{:.2}", c.final_test_acc) }),
                heatmap::shade_key("0", "1", None),
            ),
        ];
        if measured {
            maps.push((
                "synergy_peak",
                "Step of the synergy peak (most synergistic checkpoint)".into(),
                boxes(&|c| shade_step(c.synergy_peak)),
                steps_key,
            ));
        }
        for (name, title, boxes, key) in maps {
            let file = format!("{name}{suffix}.svg");
            let title = format!("{title}{heading}");
            svg_file(&dir.join(&file), size, |a| {
                heatmap::heatmap(
                    a,
                    &title,
                    (x_key.as_str(), x_labels.as_slice()),
                    (y_key.as_str(), y_labels.as_slice()),
                    &boxes,
                    &key,
                )
            })?;
            writeln!(md, "![{title}]({file})\n").unwrap();
        }
    }

    writeln!(md, "## Cells\n").unwrap();
    let keys: Vec<&str> = axes.iter().map(|a| a.0.as_str()).collect();
    let peak = if measured { " synergy peak |" } else { "" };
    writeln!(md, "| {} | regime | seeds | memorised | grokked | final test acc |{peak}", keys.join(" | ")).unwrap();
    writeln!(md, "|{}---|---|---|---|---|{}", "---|".repeat(keys.len()), if measured { "---|" } else { "" }).unwrap();
    for (v, c) in values.iter().zip(&cells) {
        let vals: Vec<&str> = v.iter().map(|(_, v)| v.as_str()).collect();
        let seeds: String = c.runs.iter().map(|r| r.regime.letter()).collect();
        write!(
            md,
            "| {} | {} | {seeds} | {} | {} | {:.3} |",
            vals.join(" | "),
            c.regime.name(),
            step(c.memorised),
            step(c.grokked),
            c.final_test_acc
        )
        .unwrap();
        if measured {
            write!(md, " {} |", step(c.synergy_peak)).unwrap();
        }
        md.push('\n');
    }
    let path = dir.join(FILE);
    std::fs::write(&path, md).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
