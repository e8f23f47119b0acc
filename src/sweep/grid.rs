//! A sweep's grid: URL keys, each with a list of values, written like a
//! query: `wd=0.03,0.1,0.3&frac=0.2..0.6:5`. A value is a literal or a
//! span `a..b:n` (n values from a to b, evenly spaced) or `a..b:n:log`
//! (evenly spaced in log). Cells are every combination, the first key
//! varying slowest. Spans expand when read, so a grid written back
//! ([`Grid::to_query`]) lists every value and reads back equal. One grid
//! has a name: `paper`, the paper's seven experiments (`preset=wd0.1,...`).

use crate::url::{self, Kind};

/// A key that a grid may not vary: the init seed is the sweep's own axis
/// (`--seeds`), and a grid over it would train the same run twice.
const NOT_IN_GRID: &str = "seed";

/// The name of the grid over the paper's experiments, the reproduction's runs.
pub const PAPER: &str = "paper";

#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Each key with its values, in the order given; values as a link writes them.
    pub axes: Vec<(String, Vec<String>)>,
}

impl Grid {
    /// Reads `text`; errors name the key and the value at fault.
    pub fn parse(text: &str) -> Result<Grid, String> {
        if text.trim() == PAPER {
            return Ok(Grid::presets(crate::config::experiments()));
        }
        let mut axes: Vec<(String, Vec<String>)> = Vec::new();
        for (key, list) in url::decode(text) {
            if !url::keys().any(|k| k == key) {
                let known: Vec<&str> = url::keys().filter(|k| *k != NOT_IN_GRID).collect();
                return Err(format!("grid: unknown key '{key}'; known: {}", known.join(", ")));
            }
            let int = matches!(url::kind(&key), Some(Kind::Int(..)));
            if key == NOT_IN_GRID {
                return Err(format!(
                    "grid: '{key}' is the sweep's own axis: use --seeds N (seeds {key}, {key}+1, ...)"
                ));
            }
            if axes.iter().any(|(k, _)| *k == key) {
                return Err(format!("grid: key '{key}' is given twice"));
            }
            let mut values = Vec::new();
            for item in list.split(',').map(str::trim) {
                let expanded = match item.contains("..") {
                    true => span(item, int).map_err(|e| format!("grid: '{key}': span '{item}': {e}"))?,
                    false => vec![item.to_string()],
                };
                for v in expanded {
                    if v.is_empty() {
                        return Err(format!("grid: '{key}' has an empty value"));
                    }
                    if values.contains(&v) {
                        return Err(format!("grid: '{key}' lists {v} twice"));
                    }
                    values.push(v);
                }
            }
            axes.push((key, values));
        }
        if axes.is_empty() {
            return Err("grid: no keys (e.g. --grid \"wd=0.1,1&frac=0.3,0.5\")".into());
        }
        Ok(Grid { axes })
    }

    /// One cell per preset of `names`, in their order.
    pub fn presets<'a>(names: impl IntoIterator<Item = &'a str>) -> Grid {
        Grid { axes: vec![("preset".into(), names.into_iter().map(String::from).collect())] }
    }

    /// The grid with every value listed: reads back equal.
    pub fn to_query(&self) -> String {
        self.axes.iter().map(|(k, vs)| format!("{k}={}", vs.join(","))).collect::<Vec<_>>().join("&")
    }

    /// The grid as a link writes it: by its name when it has one (`paper`),
    /// else every value ([`Grid::to_query`]).
    pub fn to_link(&self) -> String {
        match Grid::parse(PAPER).is_ok_and(|p| p == *self) {
            true => PAPER.into(),
            false => self.to_query(),
        }
    }

    /// Every cell: one value per key, the first key varying slowest.
    pub fn cells(&self) -> Vec<Vec<(String, String)>> {
        let mut cells = vec![Vec::new()];
        for (key, values) in &self.axes {
            cells = cells
                .into_iter()
                .flat_map(|c| values.iter().map(move |v| [c.clone(), vec![(key.clone(), v.clone())]].concat()))
                .collect();
        }
        cells
    }
}

/// The values of the span `a..b:n` or `a..b:n:log`; integers for an
/// integer key (which must not repeat once rounded).
fn span(item: &str, int: bool) -> Result<Vec<String>, String> {
    let (range, rest) = item.split_once(':').ok_or("expected a..b:n or a..b:n:log")?;
    let (n, log) = match rest.split_once(':') {
        Some((n, "log")) => (n, true),
        Some((_, other)) => return Err(format!("'{other}' is not log")),
        None => (rest, false),
    };
    let (a, b) = range.split_once("..").ok_or("expected a..b:n")?;
    let num = |s: &str| s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).ok_or(format!("'{s}' is not a number"));
    let (a, b) = (num(a)?, num(b)?);
    let n: usize = n.trim().parse().ok().filter(|&n| n >= 2).ok_or(format!("'{n}' is not a count of 2 or more"))?;
    if log && (a <= 0.0 || b <= 0.0) {
        return Err("a log span needs both ends above 0".into());
    }
    let at = |i: usize| {
        let t = i as f64 / (n - 1) as f64;
        match log {
            true => (a.ln() + t * (b.ln() - a.ln())).exp(),
            false => a + t * (b - a),
        }
    };
    Ok((0..n).map(|i| number(at(i), int)).collect())
}

/// A span's value as a link writes it: 10 significant digits, so that
/// 0.1 + 2 * 0.1 is written 0.3 (rounded to a whole number for an integer key).
fn number(x: f64, int: bool) -> String {
    match int {
        true => format!("{}", x.round()),
        false => format!("{:.9e}", x).parse::<f64>().map_or_else(|_| x.to_string(), |r| r.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_expand_and_the_grid_round_trips() {
        let g = Grid::parse("wd=0.03,0.1..0.3:3&frac=0.2..0.6:5&hidden=16..64:3:log&op=add,sub").unwrap();
        let values = |k: &str| g.axes.iter().find(|a| a.0 == k).unwrap().1.clone();
        assert_eq!(values("wd"), ["0.03", "0.1", "0.2", "0.3"]);
        assert_eq!(values("frac"), ["0.2", "0.3", "0.4", "0.5", "0.6"]);
        assert_eq!(values("hidden"), ["16", "32", "64"]);
        assert_eq!(values("op"), ["add", "sub"]);
        assert_eq!(Grid::parse(&g.to_query()).unwrap(), g);
        let log = Grid::parse("lr=0.001..0.1:3:log").unwrap();
        assert_eq!(log.axes[0].1, ["0.001", "0.01", "0.1"]);
    }

    #[test]
    fn cells_vary_the_first_key_slowest() {
        let g = Grid::parse("wd=1,2&frac=0.3,0.4,0.5").unwrap();
        let cells = g.cells();
        assert_eq!(cells.len(), 6);
        let pair = |c: &Vec<(String, String)>| (c[0].1.clone(), c[1].1.clone());
        assert_eq!(pair(&cells[0]), ("1".into(), "0.3".into()));
        assert_eq!(pair(&cells[1]), ("1".into(), "0.4".into()));
        assert_eq!(pair(&cells[5]), ("2".into(), "0.5".into()));
    }

    #[test]
    fn paper_is_a_cell_per_experiment_of_the_paper() {
        let g = Grid::parse(" paper ").unwrap();
        let names = ["wd0.1", "wd2", "wd10", "wd50", "alpha1", "alpha8", "alpha50"];
        assert_eq!(g.axes, [("preset".to_string(), names.map(String::from).to_vec())]);
        assert_eq!(g.to_query(), format!("preset={}", names.join(",")));
        assert_eq!(Grid::parse(&g.to_query()).unwrap(), g, "written back, the presets read as the same grid");
        assert_eq!(g.cells().len(), 7);
        assert_eq!((g.to_link().as_str(), Grid::parse("wd=1,2").unwrap().to_link().as_str()), ("paper", "wd=1,2"));
        assert!(Grid::parse("paper&wd=1").is_err(), "the name stands alone");
    }

    #[test]
    fn bad_grids_are_refused_naming_what_is_wrong() {
        let err = |g: &str| Grid::parse(g).unwrap_err();
        assert!(err("colour=red,blue").contains("unknown key 'colour'"));
        assert!(err("speed=1,2").contains("unknown key 'speed'"), "a page key is not a run's");
        assert!(err("seed=1,2").contains("--seeds"));
        assert!(err("wd=1&wd=2").contains("'wd' is given twice"));
        assert!(err("wd=1..3").contains("'wd': span '1..3'"));
        assert!(err("wd=1..3:1").contains("count of 2 or more"));
        assert!(err("wd=x..3:4").contains("'x' is not a number"));
        assert!(err("wd=0..3:4:log").contains("above 0"));
        assert!(err("wd=1..3:4:lin").contains("'lin' is not log"));
        assert!(err("hidden=2..3:4").contains("'hidden' lists 2 twice"), "rounded integers repeat");
        assert!(err("wd=1,,2").contains("empty value"));
        assert!(err("").contains("no keys"));
    }
}
