//! The configuration as a URL query string, the same text for the page and
//! the command line: `preset=wd2&seed=3&steps=600`. A preset is applied
//! first, explicit parameters override it. One table describes every
//! parameter; parsing and serialising are one loop over it.

use crate::analysis::{Mode, Ties};
use crate::config::{Op, RunConfig, Samples, PRESETS};
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

struct Param {
    key: &'static str,
    get: fn(&RunConfig) -> String,
    set: fn(&mut RunConfig, &str) -> Result<(), String>,
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

macro_rules! param {
    ($key:literal, $field:ident, |$v:ident| $parse:expr) => {
        Param {
            key: $key,
            get: |c| c.$field.to_string(),
            set: |c, $v| {
                c.$field = $parse?;
                Ok(())
            },
        }
    };
    ($key:literal, $field:ident, enum $all:expr) => {
        Param {
            key: $key,
            get: |c| c.$field.name().to_string(),
            set: |c, v| {
                c.$field = choice(v, &$all, |x| x.name())?;
                Ok(())
            },
        }
    };
}

const PARAMS: &[Param] = &[
    param!("op", op, enum Op::ALL),
    param!("p", p, |v| int(v, 3u32, 200)),
    param!("frac", frac, |v| real(v, 0.0, true, 1.0)),
    param!("split_seed", split_seed, |v| int(v, 0u64, u64::MAX)),
    param!("seed", seed, |v| int(v, 0u64, u64::MAX)),
    param!("hidden", hidden, |v| int(v, 2u32, 512)),
    param!("lr", lr, |v| real(v, 0.0, true, 10.0)),
    param!("beta1", beta1, |v| real(v, 0.0, false, 0.999999)),
    param!("beta2", beta2, |v| real(v, 0.0, false, 0.999999)),
    param!("eps", eps, |v| real(v, 0.0, true, 1.0)),
    param!("wd", wd, |v| real(v, 0.0, false, 1000.0)),
    param!("alpha", alpha, |v| real(v, 0.0, true, 1000.0)),
    param!("zero_last", zero_last, |v| flag(v)),
    param!("norm", norm, |v| flag(v)),
    param!("steps", steps, |v| int(v, 1u32, 200_000)),
    param!("every", every, |v| int(v, 0u32, 200_000)),
    param!("clusters", clusters, |v| int(v, 2u32, 12)),
    param!("mode", mode, enum Mode::ALL),
    param!("ties", ties, enum Ties::ALL),
    param!("samples", samples, enum Samples::ALL),
];

/// Every key the configuration understands, in the order links are written.
pub fn keys() -> impl Iterator<Item = &'static str> {
    std::iter::once("preset").chain(PARAMS.iter().map(|p| p.key))
}

/// The result of reading a query leniently: every good parameter honoured,
/// every bad one reported and left at its preset/default value.
#[derive(Debug)]
pub struct Parsed {
    pub config: RunConfig,
    /// Pairs whose key is one of the caller's `extra_keys` (page-only settings).
    pub extra: Vec<(String, String)>,
    pub errors: Vec<ParamError>,
}

pub fn parse_lenient(query: &str, extra_keys: &[&str]) -> Parsed {
    let pairs = decode(query);
    let mut errors = Vec::new();
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
    let mut config = base.clone();
    let mut extra = Vec::new();
    for (k, v) in pairs.into_iter().filter(|(k, _)| k != "preset") {
        if let Some(param) = PARAMS.iter().find(|p| p.key == k) {
            if let Err(reason) = (param.set)(&mut config, &v) {
                errors.push(ParamError { key: k, value: v, reason });
            }
        } else if extra_keys.contains(&k.as_str()) {
            extra.push((k, v));
        } else {
            let mut known: Vec<&str> = keys().collect();
            known.extend_from_slice(extra_keys);
            errors.push(ParamError {
                reason: format!("unknown parameter; known: {}", known.join(", ")),
                key: k,
                value: v,
            });
        }
    }
    // A combination that does not hold: report it and fall back for that key.
    while let Err((key, reason)) = config.validate() {
        let param = PARAMS.iter().find(|p| p.key == key).expect("validate names a parameter");
        errors.push(ParamError { key: key.into(), value: (param.get)(&config), reason });
        let fallback = (param.get)(&base);
        (param.set)(&mut config, &fallback).expect("a preset's value parses");
        if config.validate().is_err() && (param.get)(&config) == fallback {
            // The base itself does not validate with the rest: use the defaults.
            let defaults = RunConfig::default();
            if config == defaults {
                break;
            }
            config = defaults;
        }
    }
    Parsed { config, extra, errors }
}

/// Strict reading for the command line: the first bad parameter is an error.
pub fn parse(query: &str) -> Result<RunConfig, ParamError> {
    let parsed = parse_lenient(query, &[]);
    match parsed.errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(parsed.config),
    }
}

/// The shortest query that reproduces `c`: the preset with the fewest
/// differences, then those differences in table order.
pub fn to_query(c: &RunConfig) -> String {
    let diffs = |base: &RunConfig| -> Vec<String> {
        PARAMS
            .iter()
            .filter(|p| (p.get)(base) != (p.get)(c))
            .map(|p| format!("{}={}", p.key, encode((p.get)(c).as_str())))
            .collect()
    };
    let mut best = diffs(&RunConfig::default());
    for p in PRESETS {
        let mut d = diffs(&RunConfig::from_preset(p.name).unwrap());
        if d.len() + 1 < best.len() {
            d.insert(0, format!("preset={}", p.name));
            best = d;
        }
    }
    best.join("&")
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
    fn round_trips() {
        let mut c = RunConfig::from_preset("alpha8").unwrap();
        c.seed = 12;
        c.lr = 0.001;
        c.mode = Mode::Union;
        c.eps = 1e-9;
        let q = to_query(&c);
        assert!(q.starts_with("preset=alpha8&"), "{q}");
        assert_eq!(parse(&q).unwrap(), c);
        assert_eq!(to_query(&RunConfig::default()), "");
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
        let parsed = parse_lenient("preset=wd10&seed=5&p=%3Cb%3E&hidden=x&autostart=1", &["autostart"]);
        assert_eq!(parsed.config.seed, 5);
        assert_eq!(parsed.config.wd, 10.0);
        assert_eq!(parsed.config.p, 97);
        assert_eq!(parsed.errors.len(), 2);
        assert_eq!(parsed.errors[0].value, "<b>");
        assert_eq!(parsed.extra, vec![("autostart".to_string(), "1".to_string())]);
    }

    #[test]
    fn decodes_percent_and_plus() {
        assert_eq!(decode("?a=x%20y+z&b"), vec![("a".into(), "x y z".into()), ("b".into(), "".into())]);
        assert_eq!(decode("a=%zz%4"), vec![("a".into(), "%zz%4".into())]);
    }
}
