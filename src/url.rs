//! The settings as a URL query string, the same text for the page and the
//! command line: `preset=wd2&seed=3&steps=600&speed=16`. A preset is applied
//! first, explicit parameters override it. Two tables describe every
//! parameter, with its range: the run's configuration (`RunConfig`, read by
//! the command line too) and the page's own settings (`PageSettings`).
//! Parsing, serialising and the controls' limits are loops over them.

use crate::analysis::{Mode, SizeRule, Ties};
use crate::config::{Op, RunConfig, Samples, PRESETS};
use crate::run::Backend;
use crate::sweep::grid::Grid;
use std::fmt;

/// A parameter that was not accepted, and what would have been.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamError {
    pub key: String,
    pub value: String,
    pub reason: String,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parameter '{}' = '{}': {}", self.key, self.value, self.reason)
    }
}

/// What a parameter accepts: the parser checks it, the page's controls
/// take their widget and limits from it.
#[derive(Clone, Copy)]
pub enum Kind {
    /// An integer from `.0` to `.1`.
    Int(u64, u64),
    /// A number up to `hi`, above `lo` (or from `lo` when not `lo_open`).
    Real {
        lo: f64,
        lo_open: bool,
        hi: f64,
    },
    Flag,
    /// One of these names.
    Choice(fn() -> Vec<&'static str>),
    /// Any of these names, comma-separated (none: empty).
    List(fn() -> Vec<&'static str>),
    /// Text in a syntax of its own, checked by the parameter's setter.
    Text,
}

impl Kind {
    /// The limits as the `min` and `max` of a number input.
    pub fn min_max(self) -> Option<(String, String)> {
        match self {
            Kind::Int(lo, hi) => Some((lo.to_string(), hi.to_string())),
            Kind::Real { lo, hi, .. } => Some((lo.to_string(), hi.to_string())),
            Kind::Flag | Kind::Choice(_) | Kind::List(_) | Kind::Text => None,
        }
    }
}

/// One key of a table over the settings `T`.
struct Param<T> {
    key: &'static str,
    kind: Kind,
    get: fn(&T) -> String,
    set: fn(&mut T, &str) -> Result<(), String>,
}

fn int<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(v: &str, lo: T, hi: T) -> Result<T, String> {
    match v.parse::<T>() {
        Ok(x) if x >= lo && x <= hi => Ok(x),
        _ => Err(format!("expected an integer from {lo} to {hi}")),
    }
}

/// `lo_open`: whether `lo` itself is excluded.
fn real(v: &str, lo: f64, lo_open: bool, hi: f64) -> Result<f64, String> {
    let bad = || {
        let bracket = if lo_open { "(" } else { "[" };
        format!("expected a number in {bracket}{lo}, {hi}]")
    };
    let x: f64 = v.parse().map_err(|_| bad())?;
    let above = if lo_open { x > lo } else { x >= lo };
    if x.is_finite() && above && x <= hi {
        Ok(x)
    } else {
        Err(bad())
    }
}

fn flag(v: &str) -> Result<bool, String> {
    match v {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err("expected 1, 0, true or false".into()),
    }
}

fn choice<T: Copy>(v: &str, all: &[T], name: fn(T) -> &'static str) -> Result<T, String> {
    all.iter().copied().find(|&x| name(x) == v).ok_or_else(|| {
        let names: Vec<&str> = all.iter().map(|&x| name(x)).collect();
        format!("expected one of {}", names.join(", "))
    })
}

/// A comma list of names from `all`, each once, in `all`'s order.
fn list(v: &str, all: &[&'static str]) -> Result<Vec<&'static str>, String> {
    let given: Vec<&str> = v.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    match given.iter().find(|g| !all.contains(g)) {
        Some(_) => Err(format!("expected a comma list of {}", all.join(", "))),
        None => Ok(all.iter().copied().filter(|a| given.contains(a)).collect()),
    }
}

/// A table row; each range is written here once and read by the parser
/// and, through `kind`, by the page's controls.
macro_rules! param {
    ($key:literal, $field:ident, int $lo:expr, $hi:expr) => {
        Param {
            key: $key,
            kind: Kind::Int($lo as u64, $hi as u64),
            get: |c| c.$field.to_string(),
            set: |c, v| {
                c.$field = int(v, $lo, $hi)?;
                Ok(())
            },
        }
    };
    ($key:literal, $field:ident, real $lo:expr, $lo_open:expr, $hi:expr) => {
        Param {
            key: $key,
            kind: Kind::Real { lo: $lo, lo_open: $lo_open, hi: $hi },
            get: |c| c.$field.to_string(),
            set: |c, v| {
                c.$field = real(v, $lo, $lo_open, $hi)?;
                Ok(())
            },
        }
    };
    ($key:literal, $field:ident, flag) => {
        Param {
            key: $key,
            kind: Kind::Flag,
            get: |c| c.$field.to_string(),
            set: |c, v| {
                c.$field = flag(v)?;
                Ok(())
            },
        }
    };
    ($key:literal, $field:ident, enum $all:expr) => {
        Param {
            key: $key,
            kind: Kind::Choice(|| $all.iter().map(|x| x.name()).collect()),
            get: |c| c.$field.name().to_string(),
            set: |c, v| {
                c.$field = choice(v, &$all, |x| x.name())?;
                Ok(())
            },
        }
    };
}

const PARAMS: &[Param<RunConfig>] = &[
    param!("op", op, enum Op::ALL),
    param!("p", p, int 3, 200),
    param!("frac", frac, real 0.0, true, 1.0),
    param!("split_seed", split_seed, int 0, u64::MAX),
    param!("seed", seed, int 0, u64::MAX),
    param!("hidden", hidden, int 2, 512),
    param!("lr", lr, real 0.0, true, 10.0),
    param!("beta1", beta1, real 0.0, false, 0.999999),
    param!("beta2", beta2, real 0.0, false, 0.999999),
    param!("eps", eps, real 0.0, true, 1.0),
    param!("wd", wd, real 0.0, false, 1000.0),
    param!("alpha", alpha, real 0.0, true, 1000.0),
    param!("zero_last", zero_last, flag),
    param!("norm", norm, flag),
    param!("steps", steps, int 1, 200_000),
    param!("every", every, int 0, 200_000),
    param!("clusters", clusters, int 2, 12),
    param!("mode", mode, enum Mode::ALL),
    param!("ties", ties, enum Ties::ALL),
    param!("samples", samples, enum Samples::ALL),
    param!("size", size, enum SizeRule::ALL),
];

/// The page's own settings: how it runs the configuration, not what it
/// runs. The command line has no use for them and refuses them.
#[derive(Clone, Debug, PartialEq)]
pub struct PageSettings {
    /// Start training as soon as the page has loaded.
    pub autostart: bool,
    pub backend: Backend,
    /// Training steps per animation frame.
    pub speed: u32,
    /// Runs side by side: init seeds seed, seed+1, ...
    pub seeds: u32,
    /// Analysis workers measuring checkpoints at once (None: one per spare
    /// core, `run::pool::size`).
    pub workers: Option<u32>,
    /// Parts of the page not shown (`HIDEABLE`), for a class link.
    pub hide: Vec<&'static str>,
    /// Pause where a class should discuss: memorised, synergy peak, grokked.
    pub lesson: bool,
    /// A phase diagram to train over the run's settings: a sweep's grid
    /// (`sweep::grid`), as its `to_query` writes it.
    pub grid: Option<String>,
}

/// The parts of the page `hide` can take away.
pub const HIDEABLE: [&str; 6] = ["settings", "presets", "share", "export", "teaching", "status"];

impl Default for PageSettings {
    fn default() -> Self {
        PageSettings {
            autostart: false,
            backend: Backend::Auto,
            speed: 8,
            seeds: 1,
            workers: None,
            hide: Vec::new(),
            lesson: false,
            grid: None,
        }
    }
}

const PAGE_PARAMS: &[Param<PageSettings>] = &[
    param!("backend", backend, enum Backend::ALL),
    param!("speed", speed, int 1, 64),
    param!("seeds", seeds, int 1, 5),
    Param {
        key: "workers",
        kind: Kind::Int(1, 16),
        // Unset is the default, which a link never writes.
        get: |s| s.workers.map_or(String::new(), |n| n.to_string()),
        set: |s, v| {
            s.workers = Some(int(v, 1, 16)?);
            Ok(())
        },
    },
    param!("autostart", autostart, flag),
    Param {
        key: "hide",
        kind: Kind::List(|| HIDEABLE.to_vec()),
        get: |s| s.hide.join(","),
        set: |s, v| {
            s.hide = list(v, &HIDEABLE)?;
            Ok(())
        },
    },
    param!("lesson", lesson, flag),
    Param {
        key: "grid",
        kind: Kind::Text,
        // The paper's experiments keep their grid's name: `grid=paper`.
        get: |s| s.grid.as_deref().map_or(String::new(), |g| Grid::parse(g).map_or(g.into(), |g| g.to_link())),
        set: |s, v| {
            s.grid = Some(Grid::parse(v)?.to_query());
            Ok(())
        },
    },
];

/// Every key the configuration understands, in the order links are written.
pub fn keys() -> impl Iterator<Item = &'static str> {
    std::iter::once("preset").chain(PARAMS.iter().map(|p| p.key))
}

/// What the configuration's or the page's parameter `key` accepts.
pub fn kind(key: &str) -> Option<Kind> {
    let config = PARAMS.iter().find(|p| p.key == key).map(|p| p.kind);
    config.or_else(|| PAGE_PARAMS.iter().find(|p| p.key == key).map(|p| p.kind))
}

/// The value of the configuration's parameter `key` in `c`, as a link writes it.
pub fn value(c: &RunConfig, key: &str) -> Option<String> {
    PARAMS.iter().find(|p| p.key == key).map(|p| (p.get)(c))
}

/// A page setting changed by its control, checked like a link's value.
pub fn set_page(page: &mut PageSettings, key: &str, value: &str) -> Result<(), ParamError> {
    let error = |reason: String| ParamError { key: key.into(), value: value.into(), reason };
    let param = PAGE_PARAMS.iter().find(|p| p.key == key).ok_or_else(|| error("not a page setting".into()))?;
    set_nearest(param, page, value).map_err(error)
}

/// What an error's reason says when the nearest allowed value was taken.
pub const NEAREST: &str = "; using the nearest, ";

impl ParamError {
    /// Whether the nearest allowed value was taken (else the default was kept).
    pub fn took_nearest(&self) -> bool {
        self.reason.contains(NEAREST)
    }
}

/// Sets `param` of `target` from `value`; a number out of range takes the
/// nearest allowed value (`hidden=5000` gives 512, not the default), and is
/// still reported, saying so.
fn set_nearest<T>(param: &Param<T>, target: &mut T, value: &str) -> Result<(), String> {
    (param.set)(target, value).or_else(|reason| match nearest(param.kind, value) {
        Some(n) if (param.set)(target, &n).is_ok() => Err(format!("{reason}{NEAREST}{n}")),
        _ => Err(reason),
    })
}

/// The allowed value nearest to a number outside `kind`'s range (None: not
/// a number, inside the range, or below an excluded lower bound).
fn nearest(kind: Kind, value: &str) -> Option<String> {
    let x: f64 = value.trim().parse().ok().filter(|x: &f64| x.is_finite())?;
    match kind {
        Kind::Int(lo, _) if x < lo as f64 => Some(lo.to_string()),
        Kind::Int(_, hi) if x > hi as f64 => Some(hi.to_string()),
        Kind::Real { lo, lo_open: false, .. } if x < lo => Some(lo.to_string()),
        Kind::Real { hi, .. } if x > hi => Some(hi.to_string()),
        _ => None,
    }
}

/// The result of reading a query leniently: every good parameter honoured,
/// every bad one reported and left at its preset/default value.
#[derive(Debug)]
pub struct Parsed {
    pub config: RunConfig,
    pub page: PageSettings,
    pub errors: Vec<ParamError>,
}

/// The page's reading: configuration and page keys, nothing refused outright.
pub fn parse_lenient(query: &str) -> Parsed {
    read(query, true)
}

/// Strict reading for the command line: the first bad parameter is an
/// error, and so is a page key (it would be silently ignored).
pub fn parse(query: &str) -> Result<RunConfig, ParamError> {
    let parsed = read(query, false);
    match parsed.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(parsed.config),
    }
}

/// `page`: whether the page's keys are understood.
fn read(query: &str, page: bool) -> Parsed {
    let pairs = decode(query);
    let mut errors = Vec::new();
    let base = preset_of(&pairs, &mut errors);
    let mut config = base.clone();
    let mut settings = PageSettings::default();
    let page_params = if page { PAGE_PARAMS } else { &[] };
    for (key, value) in pairs.into_iter().filter(|(k, _)| k != "preset") {
        let result = match (PARAMS.iter().find(|p| p.key == key), page_params.iter().find(|p| p.key == key)) {
            // The page takes the nearest allowed value; the command line refuses.
            (Some(param), _) if page => set_nearest(param, &mut config, &value),
            (Some(param), _) => (param.set)(&mut config, &value),
            (None, Some(param)) => set_nearest(param, &mut settings, &value),
            (None, None) => {
                let known: Vec<&str> = keys().chain(page_params.iter().map(|p| p.key)).collect();
                Err(format!("unknown parameter; known: {}", known.join(", ")))
            }
        };
        if let Err(reason) = result {
            errors.push(ParamError { key, value, reason });
        }
    }
    errors.extend(validated(&mut config, &base));
    Parsed { config, page: settings, errors }
}

/// The last `preset` of the query applied to the defaults (bad ones reported).
fn preset_of(pairs: &[(String, String)], errors: &mut Vec<ParamError>) -> RunConfig {
    let mut base = RunConfig::default();
    for (k, v) in pairs.iter().filter(|(k, _)| k == "preset") {
        match RunConfig::from_preset(v) {
            Some(c) => base = c,
            None => {
                let names: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
                errors.push(ParamError {
                    key: k.clone(),
                    value: v.clone(),
                    reason: format!("expected one of {}", names.join(", ")),
                });
            }
        }
    }
    base
}

/// A combination that does not hold: reported, and that key falls back to `base`.
fn validated(config: &mut RunConfig, base: &RunConfig) -> Vec<ParamError> {
    let mut errors = Vec::new();
    while let Err((key, reason)) = config.validate() {
        let param = PARAMS.iter().find(|p| p.key == key).expect("validate names a parameter");
        errors.push(ParamError { key: key.into(), value: (param.get)(config), reason });
        let fallback = (param.get)(base);
        (param.set)(config, &fallback).expect("a preset's value parses");
        if config.validate().is_err() && (param.get)(config) == fallback {
            // The base itself does not validate with the rest: use the defaults.
            let defaults = RunConfig::default();
            if *config == defaults {
                break;
            }
            *config = defaults;
        }
    }
    errors
}

/// `key=value` for every parameter of `table` whose value in `x` differs from `base`'s.
fn diffs<T>(table: &[Param<T>], base: &T, x: &T) -> Vec<String> {
    table.iter().filter(|p| (p.get)(base) != (p.get)(x)).map(|p| pair(p, x)).collect()
}

/// `key=value` of `param` in `x`, as a link writes it.
fn pair<T>(param: &Param<T>, x: &T) -> String {
    format!("{}={}", param.key, encode((param.get)(x).as_str()))
}

/// `query` as the keys it gives, each once with its last value as a link
/// writes it, in table order (its preset first). Unlike [`to_query`] of its
/// configuration, a key given at its default value stays: applied over
/// another preset (a sweep's `preset` axis), it still overrides it.
pub fn explicit(query: &str) -> Result<String, ParamError> {
    let c = parse(query)?;
    let given = decode(query);
    let preset = given.iter().rev().find(|(k, _)| k == "preset").map(|(_, v)| format!("preset={}", encode(v)));
    let keys = PARAMS.iter().filter(|p| given.iter().any(|(k, _)| k == p.key)).map(|p| pair(p, &c));
    Ok(preset.into_iter().chain(keys).collect::<Vec<_>>().join("&"))
}

/// The query that reproduces `c`: a preset's name when `c` is that preset,
/// else the shortest: the preset with the fewest differences, then those
/// differences in table order.
pub fn to_query(c: &RunConfig) -> String {
    // A preset's own settings keep its name (a link to wd2 says so).
    if let Some(p) = PRESETS.iter().find(|p| RunConfig::from_preset(p.name).is_some_and(|b| &b == c)) {
        return format!("preset={}", p.name);
    }
    let mut best = diffs(PARAMS, &RunConfig::default(), c);
    for p in PRESETS {
        let mut d = diffs(PARAMS, &RunConfig::from_preset(p.name).unwrap(), c);
        if d.len() + 1 < best.len() {
            d.insert(0, format!("preset={}", p.name));
            best = d;
        }
    }
    best.join("&")
}

/// The page's link: the configuration's query, then the page settings
/// that differ from their defaults.
pub fn to_page_query(c: &RunConfig, page: &PageSettings) -> String {
    let config = Some(to_query(c)).filter(|q| !q.is_empty());
    config.into_iter().chain(diffs(PAGE_PARAMS, &PageSettings::default(), page)).collect::<Vec<_>>().join("&")
}

/// Splits `a=1&b=2` (a leading `?` allowed), percent-decoding each side.
pub fn decode(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (unescape(k), unescape(v))
        })
        .collect()
}

fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            x => out.push(x),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preset_first_then_overrides() {
        let c = parse("steps=600&preset=wd0.1&seed=3").unwrap();
        assert_eq!((c.wd, c.seed, c.steps), (0.1, 3, 600));
    }

    #[test]
    fn explicit_keeps_the_keys_given_even_at_their_defaults() {
        let q = explicit("wd=2.0&p=31&preset=alpha8&p=37&norm=false").unwrap();
        assert_eq!(q, "preset=alpha8&p=37&wd=2&norm=false");
        assert_eq!(parse(&q).unwrap(), parse("preset=alpha8&p=37&wd=2&norm=0").unwrap());
        // Over another preset, the default-valued keys still override it.
        let over = parse(&format!("{q}&preset=wd0.1")).unwrap();
        assert_eq!((over.wd, over.alpha, over.norm), (2.0, 1.0, false));
        assert_eq!(explicit("").unwrap(), "");
        assert_eq!(explicit("p=x").unwrap_err().key, "p");
    }

    #[test]
    fn round_trips() {
        let mut c = RunConfig::from_preset("alpha8").unwrap();
        c.seed = 12;
        c.lr = 0.001;
        c.mode = Mode::Union;
        c.eps = 1e-9;
        let q = to_query(&c);
        assert!(q.starts_with("preset=alpha8&"), "{q}");
        assert_eq!(parse(&q).unwrap(), c);
        assert_eq!(to_query(&RunConfig::default()), "preset=wd2", "a preset keeps its name");
        assert_eq!(to_query(&RunConfig { p: 31, ..RunConfig::default() }), "p=31");
    }

    #[test]
    fn errors_name_the_parameter() {
        let e = parse("p=abc").unwrap_err();
        assert_eq!(e.key, "p");
        assert!(e.reason.contains("integer from 3 to 200"), "{e}");
        assert_eq!(parse("colour=red").unwrap_err().key, "colour");
        assert_eq!(parse("mode=median").unwrap_err().reason, "expected one of mean, union");
        assert_eq!(parse("preset=wd3").unwrap_err().key, "preset");
        assert_eq!(parse("lr=NaN").unwrap_err().key, "lr");
        assert_eq!(parse("steps=10&every=20").unwrap_err().key, "every");
    }

    #[test]
    fn lenient_keeps_the_good_parameters() {
        let parsed = parse_lenient("preset=wd10&seed=5&p=%3Cb%3E&hidden=x&autostart=1&speed=16");
        assert_eq!(parsed.config.seed, 5);
        assert_eq!(parsed.config.wd, 10.0);
        assert_eq!(parsed.config.p, 97);
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].value, "<b>");
        assert_eq!(parsed.page, PageSettings { autostart: true, speed: 16, ..PageSettings::default() });
    }

    #[test]
    fn page_keys_are_checked_like_the_others() {
        let parsed = parse_lenient("speed=99&seeds=0&workers=40&workers=two&backend=vulkan&autostart=yes&seed=2");
        let errors: Vec<String> = parsed.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            errors,
            [
                "parameter 'speed' = '99': expected an integer from 1 to 64; using the nearest, 64",
                "parameter 'seeds' = '0': expected an integer from 1 to 5; using the nearest, 1",
                "parameter 'workers' = '40': expected an integer from 1 to 16; using the nearest, 16",
                "parameter 'workers' = 'two': expected an integer from 1 to 16",
                "parameter 'backend' = 'vulkan': expected one of auto, gpu, cpu",
                "parameter 'autostart' = 'yes': expected 1, 0, true or false",
            ]
        );
        // The nearest for the number; the word after it keeps that.
        let page = PageSettings { speed: 64, workers: Some(16), ..PageSettings::default() };
        assert_eq!((parsed.page, parsed.config.seed), (page, 2));
        let c = parse_lenient("hidden=5000&lr=0&wd=5000&beta1=-1").config;
        // The nearest allowed value where there is one; lr's lower bound 0 is excluded.
        assert_eq!((c.hidden, c.lr, c.wd, c.beta1), (512, RunConfig::default().lr, 1000.0, 0.0));
        assert!(parse("hidden=5000").is_err(), "the command line refuses what the page clamps");
    }

    #[test]
    fn the_command_line_refuses_page_keys() {
        let e = parse("preset=wd2&speed=8").unwrap_err();
        assert_eq!(e.key, "speed");
        assert!(e.reason.starts_with("unknown parameter") && !e.reason.contains("seeds"), "{e}");
        assert!(parse_lenient("speed=8").errors.is_empty());
    }

    #[test]
    fn page_links_round_trip() {
        let page = PageSettings {
            autostart: true,
            backend: Backend::Cpu,
            speed: 3,
            seeds: 2,
            workers: Some(2),
            ..PageSettings::default()
        };
        let c = RunConfig { p: 31, ..RunConfig::default() };
        let q = to_page_query(&c, &page);
        assert_eq!(q, "p=31&backend=cpu&speed=3&seeds=2&workers=2&autostart=true");
        let parsed = parse_lenient(&q);
        assert_eq!((parsed.config, parsed.page), (c, page));
        assert_eq!(to_page_query(&RunConfig::default(), &PageSettings::default()), "preset=wd2");
        assert!(matches!(kind("speed"), Some(Kind::Int(1, 64))));
        assert!(matches!(kind("workers"), Some(Kind::Int(1, 16))));
        let mut page = PageSettings::default();
        let e = set_page(&mut page, "seeds", "9").unwrap_err();
        assert_eq!(e.to_string(), "parameter 'seeds' = '9': expected an integer from 1 to 5; using the nearest, 5");
        assert!(e.took_nearest() && !set_page(&mut page, "seeds", "x").unwrap_err().took_nearest());
        set_page(&mut page, "backend", "gpu").unwrap();
        assert_eq!(page, PageSettings { backend: Backend::Gpu, seeds: 5, ..PageSettings::default() });
    }

    #[test]
    fn class_links_round_trip() {
        let parsed = parse_lenient("hide=teaching,settings&lesson=1");
        let page = PageSettings { hide: vec!["settings", "teaching"], lesson: true, ..PageSettings::default() };
        assert_eq!(parsed.page, page);
        let q = to_page_query(&RunConfig::default(), &page);
        assert_eq!(q, "preset=wd2&hide=settings%2Cteaching&lesson=true");
        assert_eq!(parse_lenient(&q).page, page);
        let bad = parse_lenient("hide=settings,menu").errors;
        assert_eq!(bad[0].reason, "expected a comma list of settings, presets, share, export, teaching, status");
    }

    #[test]
    fn a_phase_diagram_link_round_trips_its_grid() {
        // The grid is a query of its own: a link carries it percent-encoded, spans expanded.
        let parsed = parse_lenient("p=31&grid=wd%3D0.1%2C1%26frac%3D0.3..0.9%3A3");
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        assert_eq!(parsed.page.grid.as_deref(), Some("wd=0.1,1&frac=0.3,0.6,0.9"));
        let q = to_page_query(&parsed.config, &parsed.page);
        assert_eq!(q, "p=31&grid=wd%3D0.1%2C1%26frac%3D0.3%2C0.6%2C0.9");
        assert_eq!(parse_lenient(&q).page, parsed.page);
        let paper = parse_lenient("grid=paper").page;
        assert_eq!(paper.grid.as_deref().map(|g| g.split(',').count()), Some(7), "the seven experiments");
        assert_eq!(to_page_query(&RunConfig::default(), &paper), "preset=wd2&grid=paper");
        let bad = parse_lenient("grid=colour%3Dred");
        assert_eq!((bad.page.grid, bad.errors[0].key.as_str()), (None, "grid"));
        assert!(bad.errors[0].reason.contains("unknown key 'colour'"), "{}", bad.errors[0]);
    }

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(decode("?a=x%20y+z&b"), vec![("a".into(), "x y z".into()), ("b".into(), "".into())]);
        assert_eq!(decode("a=%zz%4"), vec![("a".into(), "%zz%4".into())]);
    }
}
