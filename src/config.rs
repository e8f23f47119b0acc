//! One configuration holding every knob of a run, with the paper's defaults
//! and a named preset for each of its experiments.

use crate::analysis::{Mode, SizeRule, Ties};
use serde::{Deserialize, Serialize};

/// The binary operation on Z_p that the network learns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Sub,
    Mul,
    /// a / b = a * b^(p-2) mod p, over b != 0 (p must be prime).
    Div,
}

impl Op {
    pub const ALL: [Op; 4] = [Op::Add, Op::Sub, Op::Mul, Op::Div];

    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::Mul => "mul",
            Op::Div => "div",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
        }
    }

    /// How many (a, b) pairs the task has over Z_p (division skips b = 0).
    pub fn pair_count(self, p: u32) -> usize {
        let p = p as usize;
        match self {
            Op::Div => p * (p - 1),
            _ => p * p,
        }
    }
}

/// Which inputs the progress measures are computed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Samples {
    /// The training pairs (the authors' choice).
    Train,
    /// All p^2 pairs.
    All,
}

impl Samples {
    pub const ALL: [Samples; 2] = [Samples::Train, Samples::All];
    pub fn name(self) -> &'static str {
        match self {
            Samples::Train => "train",
            Samples::All => "all",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub op: Op,
    pub p: u32,
    /// Fraction of all pairs used for training.
    pub frac: f64,
    /// Seed of the train/test split (fixed across init seeds, as the authors do).
    pub split_seed: u64,
    /// Seed of the initial weights (and of the analysis' random tie-breaking).
    pub seed: u64,
    pub hidden: u32,
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// AdamW's decoupled weight decay, applied to every parameter.
    pub wd: f64,
    /// Scale of the initial weight matrices (Omnigrok's alpha).
    pub alpha: f64,
    /// Zero the output layer at initialisation (after the norm is recorded).
    pub zero_last: bool,
    /// Rescale the weight matrices after every step to their initial norm.
    pub norm: bool,
    pub steps: u32,
    /// Progress measures every `every` steps; 0 = no analysis.
    pub every: u32,
    pub clusters: u32,
    pub mode: Mode,
    pub ties: Ties,
    pub samples: Samples,
    /// Which multiplet is the synergistic sub-network (runs saved before it
    /// existed read as the default).
    #[serde(default)]
    pub size: SizeRule,
}

impl Default for RunConfig {
    /// The paper's recipe (docs/METHOD.md) with weight decay 2.0.
    fn default() -> Self {
        RunConfig {
            op: Op::Add,
            p: 97,
            frac: 0.4,
            split_seed: 0,
            seed: 0,
            hidden: 250,
            lr: 0.03,
            beta1: 0.9,
            beta2: 0.98,
            eps: 1e-8,
            wd: 2.0,
            alpha: 1.0,
            zero_last: false,
            norm: false,
            steps: 4000,
            every: 5,
            clusters: 10,
            mode: Mode::Mean,
            ties: Ties::Random,
            samples: Samples::Train,
            size: SizeRule::Union,
        }
    }
}

/// A named experiment of the paper.
pub struct Preset {
    pub name: &'static str,
    /// What a class should expect to see.
    pub blurb: &'static str,
    pub apply: fn(&mut RunConfig),
}

fn weight_decay(c: &mut RunConfig, wd: f64) {
    c.wd = wd;
}

/// Omnigrok's recipe: no weight decay, scaled init, constrained norm; the
/// authors zero the last layer only when alpha != 1.
fn alpha_init(c: &mut RunConfig, alpha: f64) {
    c.wd = 0.0;
    c.alpha = alpha;
    c.norm = true;
    c.zero_last = alpha != 1.0;
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "wd0.1",
        blurb: "weight decay 0.1: memorises in ~20 steps, generalises only after ~2000 (delayed grokking)",
        apply: |c| weight_decay(c, 0.1),
    },
    Preset {
        name: "wd2",
        blurb: "weight decay 2: memorises in ~30 steps, groks sharply around step 340",
        apply: |c| weight_decay(c, 2.0),
    },
    Preset {
        name: "wd10",
        blurb: "weight decay 10: too strong; memorises slowly and never groks within 4000 steps",
        apply: |c| weight_decay(c, 10.0),
    },
    Preset {
        name: "wd50",
        blurb: "weight decay 50: far too strong; does not even memorise",
        apply: |c| weight_decay(c, 50.0),
    },
    Preset {
        name: "alpha1",
        blurb: "alpha 1, no weight decay, constrained norm: does not memorise, no grokking",
        apply: |c| alpha_init(c, 1.0),
    },
    Preset {
        name: "alpha8",
        blurb: "alpha 8, no weight decay, constrained norm: memorises by ~70 steps, groks near 360",
        apply: |c| alpha_init(c, 8.0),
    },
    Preset {
        name: "alpha50",
        blurb: "alpha 50, no weight decay, constrained norm: initialised too large, never groks",
        apply: |c| alpha_init(c, 50.0),
    },
];

/// The paper's experiments, in the order of its figures (the page's
/// sweeps reach them too, so they live here rather than in the report).
pub const WEIGHT_DECAY: [&str; 4] = ["wd0.1", "wd2", "wd10", "wd50"];
pub const ALPHA: [&str; 3] = ["alpha1", "alpha8", "alpha50"];

/// Every experiment of the paper, weight-decay sweep first.
pub fn experiments() -> impl Iterator<Item = &'static str> {
    WEIGHT_DECAY.iter().chain(&ALPHA).copied()
}

pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

impl RunConfig {
    pub fn from_preset(name: &str) -> Option<RunConfig> {
        preset(name).map(|p| {
            let mut c = RunConfig::default();
            (p.apply)(&mut c);
            c
        })
    }

    /// Pairs in the training split: the fraction `frac` of all, rounded down.
    pub fn train_count(&self) -> usize {
        (self.frac * self.op.pair_count(self.p) as f64).floor() as usize
    }

    /// Output classes: p (every operation's result lies in Z_p).
    pub fn classes(&self) -> usize {
        self.p as usize
    }

    /// Checks what single parameters cannot: returns the offending key and why.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.op == Op::Div && !is_prime(self.p) {
            return Err(("p", format!("{} is not prime; division needs a prime p", self.p)));
        }
        let (pairs, train) = (self.op.pair_count(self.p), self.train_count());
        if train == 0 || train == pairs {
            return Err(("frac", format!("{} of {} pairs leaves an empty train or test set", self.frac, pairs)));
        }
        if self.every > self.steps {
            return Err(("every", format!("{} exceeds steps ({})", self.every, self.steps)));
        }
        if self.clusters > self.hidden {
            return Err(("clusters", format!("{} clusters exceed the {} hidden neurons", self.clusters, self.hidden)));
        }
        Ok(())
    }
}

pub fn is_prime(n: u32) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_set_their_experiment() {
        let c = RunConfig::from_preset("alpha8").unwrap();
        assert_eq!((c.wd, c.alpha, c.norm, c.zero_last), (0.0, 8.0, true, true));
        let c = RunConfig::from_preset("alpha1").unwrap();
        assert!(!c.zero_last && c.norm);
        assert_eq!(RunConfig::from_preset("wd0.1").unwrap().wd, 0.1);
        assert!(RunConfig::from_preset("wd3").is_none());
    }

    #[test]
    fn division_needs_a_prime() {
        let c = RunConfig { op: Op::Div, p: 96, ..RunConfig::default() };
        assert_eq!(c.validate().unwrap_err().0, "p");
        assert!(RunConfig { op: Op::Div, ..RunConfig::default() }.validate().is_ok());
    }

    #[test]
    fn primes() {
        let found: Vec<u32> = (0..20).filter(|&n| is_prime(n)).collect();
        assert_eq!(found, [2, 3, 5, 7, 11, 13, 17, 19]);
    }
}
