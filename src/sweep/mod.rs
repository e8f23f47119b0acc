//! A sweep: a grid of settings ([`grid`]) applied over a base query, each
//! cell trained with several init seeds, and what is read off the runs per
//! cell ([`summary`]): the phase diagram of grokking. A sweep is named by
//! its [`Spec`]; every run of it has a fixed place in the sweep's order
//! and a file name, so that shards ([`shard`]) and resumed sweeps find the
//! same runs (the training and the files are `report::sweep`'s, native only).

pub mod cost;
pub mod grid;
pub mod shard;
pub mod summary;

use crate::config::RunConfig;
use grid::Grid;
use serde::{Deserialize, Serialize};

/// What a sweep trains: each cell of `grid` over `query`, with init seeds
/// `seed`, `seed + 1`, ... (`seeds` of them; `seed` is the query's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    /// The base query, as a link writes it.
    pub query: String,
    /// The grid with every value listed ([`Grid::to_query`]).
    pub grid: String,
    pub seeds: u32,
}

/// One run of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    /// Its place in the sweep's order: cell by cell, seed by seed.
    pub index: usize,
    pub cell: usize,
    pub config: RunConfig,
    /// Its file under the sweep's `runs/`.
    pub file: String,
}

impl Spec {
    /// Checks the query and the grid, and every cell over the query. The
    /// query keeps the keys it gives ([`crate::url::explicit`]), so that
    /// over a `preset` axis each of them overrides every preset.
    pub fn new(query: &str, grid: &str, seeds: u32) -> Result<Spec, String> {
        let query = crate::url::explicit(query).map_err(|e| format!("query: {e}"))?;
        if seeds == 0 {
            return Err("--seeds: at least 1".into());
        }
        let spec = Spec { query, grid: Grid::parse(grid)?.to_query(), seeds };
        spec.runs()?;
        Ok(spec)
    }

    pub fn grid(&self) -> Grid {
        Grid::parse(&self.grid).expect("a spec's grid was checked when it was made")
    }

    /// Every run, in the sweep's order; the first cell that does not make
    /// a valid run is an error naming it.
    pub fn runs(&self) -> Result<Vec<Run>, String> {
        let base = crate::url::parse(&self.query).map_err(|e| format!("query: {e}"))?;
        let mut runs = Vec::new();
        for (cell, values) in self.grid().cells().iter().enumerate() {
            let over: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
            for k in 0..self.seeds as u64 {
                let seed = base.seed.checked_add(k).ok_or("seed: the seeds run past the largest seed")?;
                // Later keys of a link override earlier ones, the cell's over
                // the query's; but a link's preset is applied first, so a
                // cell's preset goes under the query's keys, as the
                // reproduction's `--query` goes over each experiment.
                let query = format!("{}&{}&seed={seed}", self.query, over.join("&"));
                let config = crate::url::parse(&query).map_err(|e| format!("grid cell {}: {e}", over.join("&")))?;
                // A preset's name says what it is: `wd2_seed0.json`, as the reproduction names it.
                let name: String = values
                    .iter()
                    .map(|(k, v)| match k.as_str() {
                        "preset" => format!("{v}_"),
                        _ => format!("{k}{v}_"),
                    })
                    .collect();
                let file = format!(
                    "{}seed{seed}.json",
                    name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-' && c != '_', "-")
                );
                runs.push(Run { index: runs.len(), cell, config, file });
            }
        }
        Ok(runs)
    }
}

/// The runs in groups that can each train as one GPU batch: runs that
/// share the engine's shapes (`engine::batch_key`), in the sweep's order,
/// at most `size` a group.
pub fn batches<'a>(runs: &[&'a Run], size: usize) -> Vec<Vec<&'a Run>> {
    let mut groups: Vec<(_, Vec<&Run>)> = Vec::new();
    for &r in runs {
        let key = crate::engine::batch_key(&r.config);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    groups.iter().flat_map(|(_, g)| g.chunks(size.max(1)).map(<[&Run]>::to_vec)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_go_cell_by_cell_then_seed_by_seed_over_the_query() {
        let spec = Spec::new("p=11&hidden=16&seed=5&wd=0.5", "wd=0.1,1&frac=0.3,0.6", 2).unwrap();
        assert_eq!(
            (spec.query.as_str(), spec.grid.as_str()),
            ("p=11&seed=5&hidden=16&wd=0.5", "wd=0.1,1&frac=0.3,0.6")
        );
        let runs = spec.runs().unwrap();
        assert_eq!(runs.len(), 8);
        let r = &runs[3];
        assert_eq!((r.index, r.cell, r.config.wd, r.config.frac, r.config.seed), (3, 1, 0.1, 0.6, 6));
        assert_eq!((r.config.p, r.config.hidden), (11, 16));
        assert_eq!(r.file, "wd0.1_frac0.6_seed6.json");
        assert_eq!(runs[7].file, "wd1_frac0.6_seed6.json");
    }

    #[test]
    fn batches_group_runs_of_one_shape_in_order() {
        // frac changes the split's sizes, wd does not: a batch per fraction.
        let spec = Spec::new("p=11&hidden=16", "frac=0.3,0.6&wd=0.1,1,10", 1).unwrap();
        let runs = spec.runs().unwrap();
        let refs: Vec<&Run> = runs.iter().collect();
        let indices =
            |b: Vec<Vec<&Run>>| b.iter().map(|g| g.iter().map(|r| r.index).collect()).collect::<Vec<Vec<_>>>();
        assert_eq!(indices(batches(&refs, 32)), [vec![0, 1, 2], vec![3, 4, 5]]);
        assert_eq!(indices(batches(&refs, 2)), [vec![0, 1], vec![2], vec![3, 4], vec![5]]);
        let mixed = [&runs[0], &runs[3], &runs[1]];
        assert_eq!(indices(batches(&mixed, 32)), [vec![0, 1], vec![3]]);
    }

    #[test]
    fn a_preset_axis_goes_under_the_querys_keys() {
        let query = "p=59&frac=0.5&hidden=128&steps=1000&every=10";
        let runs = Spec::new(query, "paper", 2).unwrap().runs().unwrap();
        assert_eq!(runs.len(), 14);
        for (r, preset) in runs.chunks(2).zip(crate::config::experiments()) {
            for (k, run) in r.iter().enumerate() {
                let want = crate::url::parse(&format!("preset={preset}&{query}&seed={k}")).unwrap();
                assert_eq!(run.config, want, "{preset} seed {k}");
                assert_eq!(run.file, format!("{preset}_seed{k}.json"), "the reproduction's names");
            }
        }
        assert_eq!((runs[0].config.wd, runs[0].config.p), (0.1, 59), "the preset's wd, the query's p");
        // A key given at its default value still overrides every preset.
        let spec = Spec::new("wd=2&norm=0&p=13", "preset=alpha8,wd0.1", 1).unwrap();
        assert_eq!(spec.query, "p=13&wd=2&norm=false");
        let runs = spec.runs().unwrap();
        assert_eq!((runs[0].config.wd, runs[0].config.alpha, runs[0].config.norm), (2.0, 8.0, false));
        assert_eq!((runs[1].config.wd, runs[1].config.p), (2.0, 13));
    }

    #[test]
    fn a_cell_that_makes_no_valid_run_is_named() {
        let e = Spec::new("steps=100&every=10", "wd=0.1,-2", 1).unwrap_err();
        assert!(e.contains("grid cell wd=-2") && e.contains("'wd'"), "{e}");
        let e = Spec::new("steps=100", "every=10,200", 1).unwrap_err();
        assert!(e.contains("grid cell every=200"), "{e}");
        assert!(Spec::new("colour=red", "wd=1", 1).unwrap_err().starts_with("query: "));
        assert!(Spec::new("", "wd=1", 0).unwrap_err().contains("--seeds"));
    }
}
