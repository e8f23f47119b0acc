//! The paper's phases of training (section 5), read off a run's normalised
//! progress measures by a fixed, deterministic rule.
//!
//! The paper names, in order: feature learning (low synergy, high
//! redundancy), emergence (redundancy traded for synergy, the synergistic
//! sub-network grows, test loss peaks), with low weight decay divergence
//! (both measures drop, the sub-network shrinks) then delayed emergence
//! (both rise quickly), decoupling (synergy falls while redundancy rises and
//! test accuracy climbs) and, with enough weight decay, finalising (flat
//! measures after the test loss has converged).
//!
//! # The rule
//!
//! 1. **Log-step grid.** The figures put steps on a log axis, and the phases
//!    are of comparable length there (feature learning is the first few tens
//!    of steps, finalising thousands). So the checkpoints are thinned to at
//!    most [`GRID`] points evenly spaced in ln(step) (the checkpoint nearest
//!    each grid value, duplicates removed).
//! 2. **Slopes.** At each grid point, the slope per unit of ln(step) of each
//!    curve by a central difference over its grid neighbours (one-sided at
//!    the ends). A curve is *rising* when its slope exceeds [`TAU`], *falling*
//!    below -[`TAU`], else *flat* (curves are normalised to [0, 1], so the
//!    threshold is absolute: 0.12 of the full range per e-fold of steps).
//! 3. **Evidence.** Each grid point scores every phase from the directions of
//!    synergy (S) and redundancy (R), with small bonuses from the sub-network
//!    size (Z) and the test loss (L), and from the accuracies the paper's
//!    descriptions name (train accuracy `tr`, test accuracy `te` and its
//!    direction T, rising beyond [`TAU_ACC`] per e-fold of steps):
//!    - feature learning: before memorisation (`tr` < 0.99) while test
//!      accuracy is flat or below 0.1: 1.5, +0.25 if S is flat and below 0.5;
//!    - emergence: S rising, R not rising (1); S flat, R falling (0.5);
//!      S and R rising (0.5); +0.25 if Z rises, +0.25 if L rises; once
//!      memorised and before test accuracy rises, +0.25 whatever S and R do
//!      (memorisation opens emergence);
//!    - divergence: S and R falling before test accuracy reaches 0.95 (1);
//!      +0.25 if Z falls;
//!    - delayed emergence: S and R rising before test accuracy reaches 0.95
//!      (1); S rising alone (0.75, below emergence's 1, so that it only wins
//!      where the order allows no emergence: after divergence);
//!    - decoupling (the paper: synergy decreases, redundancy increases, test
//!      accuracy increases): test accuracy rising while S is not (1), +0.5 if
//!      S falls, +0.25 if R rises; test accuracy rising while S rises too
//!      (0.25); where no accuracy is known, S falling and R rising (0.5);
//!    - finalising: test accuracy at 0.95 and flat (0.75), +0.5 if S and R
//!      are flat too.
//!
//!    Test accuracy enters because the paper defines decoupling by it
//!    ("test accuracy increases") and finalising by convergence; so a run
//!    that never generalises gets neither, by construction. Whether the
//!    O-information alone tells grokking runs apart is a separate question
//!    the report answers from the synergy and redundancy phases (emergence,
//!    divergence, delayed emergence) of each run.
//! 4. **Order.** The labels must follow the paper's order; a dynamic
//!    programme picks the label sequence with the most evidence, less
//!    [`SWITCH_COST`] per change of phase, among sequences that start in
//!    feature learning or emergence and move only forward: divergence only
//!    after emergence, delayed emergence only after divergence, finalising
//!    only after emergence, delayed emergence or decoupling. Ties go to the
//!    earlier phase, so the result is deterministic.
//! 5. **Bands.** Each checkpoint takes the label of the grid point at or
//!    before it; runs of equal labels are the bands, from the first to the
//!    last checkpoint step of each (contiguous: the next band starts at the
//!    next checkpoint).

use crate::run::history::{History, Normalised, GROKKED, MEMORISED};
use serde::Serialize;

/// Most grid points on the log-step axis.
pub const GRID: usize = 64;
/// A normalised curve moving faster than this per unit of ln(step) is
/// rising or falling.
pub const TAU: f64 = 0.12;
/// Evidence a new phase must gather (in grid points' worth) to open a band.
pub const SWITCH_COST: f64 = 1.5;
/// Test accuracy moving faster than this per unit of ln(step) is rising.
pub const TAU_ACC: f64 = 0.15;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    FeatureLearning,
    Emergence,
    Divergence,
    DelayedEmergence,
    Decoupling,
    Finalising,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::FeatureLearning,
        Phase::Emergence,
        Phase::Divergence,
        Phase::DelayedEmergence,
        Phase::Decoupling,
        Phase::Finalising,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::FeatureLearning => "feature learning",
            Phase::Emergence => "emergence",
            Phase::Divergence => "divergence",
            Phase::DelayedEmergence => "delayed emergence",
            Phase::Decoupling => "decoupling",
            Phase::Finalising => "finalising",
        }
    }

    /// Whether a band of this phase may directly follow one of `prev`
    /// (`None`: the run's first band).
    pub fn may_follow(self, prev: Option<Phase>) -> bool {
        use Phase::*;
        match (prev, self) {
            (None, FeatureLearning | Emergence) => true,
            (None, _) => false,
            (Some(p), q) if p == q => true,
            (Some(FeatureLearning), Emergence | Decoupling) => true,
            (Some(Emergence), Divergence | Decoupling | Finalising) => true,
            (Some(Divergence), DelayedEmergence | Decoupling) => true,
            (Some(DelayedEmergence), Decoupling | Finalising) => true,
            (Some(Decoupling), Finalising) => true,
            _ => false,
        }
    }
}

/// A run of checkpoints in one phase, steps inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PhaseBand {
    pub phase: Phase,
    pub from_step: u32,
    pub to_step: u32,
}

/// The normalised curves at the checkpoint steps (each in [0, 1], equal lengths).
pub struct Curves<'a> {
    pub steps: &'a [u32],
    /// `smooth::synergy_curve`: 1 = most synergistic.
    pub synergy: &'a [f64],
    /// `smooth::redundancy_curve`.
    pub redundancy: &'a [f64],
    /// `smooth::size_curve` (may be empty: no size evidence).
    pub size: &'a [f64],
    /// Test loss, normalised (`History::normalised`; may be empty).
    pub test_loss: &'a [f64],
    /// Raw train and test accuracy at the checkpoints (may be empty: no
    /// accuracy evidence).
    pub train_acc: &'a [f64],
    pub test_acc: &'a [f64],
}

/// What the evidence at one grid point is read from.
#[derive(Clone, Copy, Debug, Default)]
struct Point {
    /// Normalised synergy level.
    s_level: f64,
    /// Directions of synergy, redundancy, size, test loss, test accuracy.
    ds: i8,
    dr: i8,
    dz: i8,
    dl: i8,
    dt: i8,
    /// Train and test accuracy (NaN: unknown).
    train: f64,
    test: f64,
}

/// Direction of a slope beyond `tau`: -1, 0, +1.
fn dir(slope: f64, tau: f64) -> i8 {
    if slope > tau {
        1
    } else if slope < -tau {
        -1
    } else {
        0
    }
}

/// Indices of at most `GRID` checkpoints evenly spread in ln(step).
fn log_grid(steps: &[u32]) -> Vec<usize> {
    let n = steps.len();
    if n <= GRID {
        return (0..n).collect();
    }
    let ln = |s: u32| (s.max(1) as f64).ln();
    let (a, b) = (ln(steps[0]), ln(steps[n - 1]));
    let mut out: Vec<usize> = Vec::with_capacity(GRID);
    let mut j = 0;
    for g in 0..GRID {
        let target = a + (b - a) * g as f64 / (GRID - 1) as f64;
        while j + 1 < n && (ln(steps[j + 1]) - target).abs() <= (ln(steps[j]) - target).abs() {
            j += 1;
        }
        if out.last() != Some(&j) {
            out.push(j);
        }
    }
    out
}

/// 0.25 when `c` holds: the rule's bonuses.
fn bonus(c: bool) -> f64 {
    if c {
        0.25
    } else {
        0.0
    }
}

/// Evidence for each phase (in `Phase::ALL` order) at one grid point.
fn scores(p: Point) -> [f64; 6] {
    let Point { s_level, ds, dr, dz, dl, dt, train, test } = p;
    // Unknown accuracies (NaN) satisfy no accuracy condition.
    let memorised = train >= MEMORISED;
    let test_low = test < 0.1;
    let test_known = !test.is_nan();
    let mut e = [0.0; 6];
    // Feature learning.
    if train < MEMORISED && (test_low || dt == 0) {
        e[0] = 1.5 + bonus(ds == 0 && s_level < 0.5);
    }
    // Emergence.
    e[1] = match (ds, dr) {
        (1, -1 | 0) => 1.0,
        (0, -1) | (1, 1) => 0.5,
        _ => 0.0,
    };
    if e[1] > 0.0 {
        e[1] += bonus(dz == 1) + bonus(dl == 1);
    }
    e[1] += bonus(memorised && dt != 1 && test < 0.5);
    let converged = test >= GROKKED;
    // Divergence.
    if (ds, dr) == (-1, -1) && !converged {
        e[2] = 1.0 + bonus(dz == -1);
    }
    // Delayed emergence.
    if !converged {
        e[3] = match (ds, dr) {
            (1, 1) => 1.0,
            (1, _) => 0.75,
            _ => 0.0,
        };
    }
    // Decoupling.
    e[4] = match (dt, ds) {
        (1, -1) => 1.5 + bonus(dr == 1),
        (1, 0) => 1.0 + bonus(dr == 1),
        (1, _) => 0.25,
        _ if !test_known && (ds, dr) == (-1, 1) => 0.5,
        _ => 0.0,
    };
    // Finalising.
    if converged && dt == 0 {
        e[5] = 0.75 + if (ds, dr) == (0, 0) { 0.5 } else { 0.0 };
    }
    e
}

/// Labels the checkpoints of `c` with the paper's phases (see the module
/// documentation for the rule). Empty when there are no checkpoints.
#[allow(clippy::needless_range_loop)]
pub fn label(c: &Curves) -> Vec<PhaseBand> {
    let n = c.steps.len();
    assert!(c.synergy.len() == n && c.redundancy.len() == n, "curves and steps differ in length");
    if n == 0 {
        return Vec::new();
    }
    let grid = log_grid(c.steps);
    let g = grid.len();
    let ln = |k: usize| (c.steps[grid[k]].max(1) as f64).ln();
    let slope = |x: &[f64], k: usize, tau: f64| -> i8 {
        if x.len() != n || g < 2 {
            return 0;
        }
        let (a, b) = (k.saturating_sub(1), (k + 1).min(g - 1));
        let dt = ln(b) - ln(a);
        if dt <= 0.0 {
            return 0;
        }
        dir((x[grid[b]] - x[grid[a]]) / dt, tau)
    };
    let at = |x: &[f64], k: usize| if x.len() == n { x[grid[k]] } else { f64::NAN };
    let evidence: Vec<[f64; 6]> = (0..g)
        .map(|k| {
            scores(Point {
                s_level: c.synergy[grid[k]],
                ds: slope(c.synergy, k, TAU),
                dr: slope(c.redundancy, k, TAU),
                dz: slope(c.size, k, TAU),
                dl: slope(c.test_loss, k, TAU),
                dt: slope(c.test_acc, k, TAU_ACC),
                train: at(c.train_acc, k),
                test: at(c.test_acc, k),
            })
        })
        .collect();
    // Viterbi over the six phases: best[k][q] = most evidence of labels for
    // points 0..=k ending in phase q.
    let mut best = vec![[f64::NEG_INFINITY; 6]; g];
    let mut from = vec![[0usize; 6]; g];
    for q in 0..6 {
        if Phase::ALL[q].may_follow(None) {
            best[0][q] = evidence[0][q];
        }
    }
    for k in 1..g {
        for q in 0..6 {
            let mut top = (f64::NEG_INFINITY, 0);
            for p in 0..6 {
                if best[k - 1][p] == f64::NEG_INFINITY || !Phase::ALL[q].may_follow(Some(Phase::ALL[p])) {
                    continue;
                }
                let v = best[k - 1][p] - if p == q { 0.0 } else { SWITCH_COST };
                if v > top.0 {
                    top = (v, p);
                }
            }
            best[k][q] = top.0 + evidence[k][q];
            from[k][q] = top.1;
        }
    }
    let mut q = 0;
    for p in 1..6 {
        if best[g - 1][p] > best[g - 1][q] {
            q = p;
        }
    }
    let mut labels = vec![0usize; g];
    for k in (0..g).rev() {
        labels[k] = q;
        q = from[k][q];
    }
    // Every checkpoint takes its grid point's label (or the one before it).
    let mut bands: Vec<PhaseBand> = Vec::new();
    let mut k = 0;
    for (i, &step) in c.steps.iter().enumerate() {
        while k + 1 < g && grid[k + 1] <= i {
            k += 1;
        }
        let phase = Phase::ALL[labels[k]];
        match bands.last_mut() {
            Some(b) if b.phase == phase => b.to_step = step,
            _ => bands.push(PhaseBand { phase, from_step: step, to_step: step }),
        }
    }
    bands
}

/// The phases of a run from its history: the paper's normalised curves of
/// its checkpoints (`analysis::smooth`) and its test loss.
pub fn phases_of(h: &History) -> Vec<PhaseBand> {
    of(&h.normalised())
}

/// The phases from a history's normalised curves.
pub fn of(n: &Normalised) -> Vec<PhaseBand> {
    label(&Curves {
        steps: &n.steps,
        synergy: &n.synergy,
        redundancy: &n.redundancy,
        size: &n.size,
        test_loss: &n.test_loss,
        train_acc: &n.train_acc,
        test_acc: &n.test_acc,
    })
}

/// The phase at `step` (None outside every band).
pub fn phase_at(bands: &[PhaseBand], step: u32) -> Option<Phase> {
    bands.iter().find(|b| (b.from_step..=b.to_step).contains(&step)).map(|b| b.phase)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Phase::*;

    /// Piecewise-linear in ln(step) through `knots` (step, value).
    fn curve(steps: &[u32], knots: &[(f64, f64)]) -> Vec<f64> {
        if knots.is_empty() {
            return Vec::new();
        }
        steps
            .iter()
            .map(|&s| {
                let t = (s as f64).ln();
                let k = knots.iter().position(|&(ks, _)| ks.ln() >= t).unwrap_or(knots.len() - 1);
                if k == 0 {
                    return knots[0].1;
                }
                let ((s0, v0), (s1, v1)) = (knots[k - 1], knots[k]);
                let u = ((t - s0.ln()) / (s1.ln() - s0.ln())).clamp(0.0, 1.0);
                v0 + (v1 - v0) * u
            })
            .collect()
    }

    /// Knots of the synergy, redundancy, size, test loss, train and test
    /// accuracy curves (an empty list: no such curve).
    type Knots<'a> = [&'a [(f64, f64)]; 6];

    fn run(k: Knots) -> Vec<PhaseBand> {
        let steps: Vec<u32> = (1..=800).map(|i| i * 5).collect();
        let [s, r, z, l, tr, te] = k.map(|k| curve(&steps, k));
        label(&Curves {
            steps: &steps,
            synergy: &s,
            redundancy: &r,
            size: &z,
            test_loss: &l,
            train_acc: &tr,
            test_acc: &te,
        })
    }

    fn phases(bands: &[PhaseBand]) -> Vec<Phase> {
        bands.iter().map(|b| b.phase).collect()
    }

    /// The bands' phases, and each band's start within a factor 1.6 of the expected step.
    fn check(bands: &[PhaseBand], expected: &[(Phase, f64)]) {
        let got: Vec<Phase> = bands.iter().map(|b| b.phase).collect();
        let want: Vec<Phase> = expected.iter().map(|e| e.0).collect();
        assert_eq!(got, want, "{bands:?}");
        for (b, &(_, start)) in bands.iter().zip(expected).skip(1) {
            let ratio = b.from_step as f64 / start;
            assert!(
                (1.0 / 1.6..1.6).contains(&ratio),
                "{:?} starts at {}, expected near {start}: {bands:?}",
                b.phase,
                b.from_step
            );
        }
        for w in bands.windows(2) {
            assert_eq!(w[1].from_step, w[0].to_step + 5, "bands are contiguous: {bands:?}");
        }
        assert_eq!(bands[0].from_step, 5);
        assert_eq!(bands.last().unwrap().to_step, 4000);
    }

    #[test]
    fn weight_decay_2_emerges_decouples_and_finalises() {
        // Feature learning to step 30, emergence to 200 (synergy up,
        // redundancy down, sub-network grows, test loss peaks), decoupling
        // to 1000 (synergy down, redundancy up, test loss falls), flat after.
        // Memorised at 30; test accuracy rises from 200 to 1000.
        let bands = run([
            &[(5.0, 0.1), (30.0, 0.1), (200.0, 1.0), (1000.0, 0.35), (4000.0, 0.33)],
            &[(5.0, 0.9), (30.0, 0.9), (200.0, 0.15), (1000.0, 0.8), (4000.0, 0.82)],
            &[(5.0, 0.2), (30.0, 0.2), (200.0, 1.0), (1000.0, 0.4), (4000.0, 0.4)],
            &[(5.0, 0.3), (30.0, 0.6), (200.0, 1.0), (1000.0, 0.0), (4000.0, 0.0)],
            &[(5.0, 0.1), (30.0, 1.0)],
            &[(5.0, 0.0), (200.0, 0.05), (1000.0, 0.96), (4000.0, 1.0)],
        ]);
        check(&bands, &[(FeatureLearning, 5.0), (Emergence, 30.0), (Decoupling, 200.0), (Finalising, 1000.0)]);
        assert_eq!(phase_at(&bands, 100), Some(Emergence));
        assert_eq!(phase_at(&bands, 3000), Some(Finalising));
    }

    #[test]
    fn weight_decay_0_1_diverges_then_emerges_late() {
        // Emergence to 100, divergence to 500 (both drop, sub-network
        // shrinks), delayed emergence to 1500 (both rise), decoupling to
        // 4000 (synergy falls, redundancy rises: low weight decay never
        // settles, so no finalising).
        let bands = run([
            &[(5.0, 0.1), (20.0, 0.1), (100.0, 0.8), (500.0, 0.2), (1500.0, 1.0), (4000.0, 0.4)],
            &[(5.0, 0.8), (20.0, 0.8), (100.0, 0.4), (500.0, 0.0), (1500.0, 0.6), (4000.0, 1.0)],
            &[(5.0, 0.3), (20.0, 0.3), (100.0, 1.0), (500.0, 0.2), (1500.0, 0.8), (4000.0, 0.6)],
            &[(5.0, 0.2), (20.0, 0.5), (100.0, 0.9), (500.0, 1.0), (1500.0, 0.7), (4000.0, 0.0)],
            &[(5.0, 0.1), (20.0, 1.0)],
            &[(5.0, 0.0), (1500.0, 0.05), (4000.0, 0.97)],
        ]);
        check(
            &bands,
            &[
                (FeatureLearning, 5.0),
                (Emergence, 20.0),
                (Divergence, 100.0),
                (DelayedEmergence, 500.0),
                (Decoupling, 1500.0),
            ],
        );
    }

    #[test]
    fn high_initialisation_learns_features_while_redundancy_drops() {
        // Alpha 8: redundancy drops while the training set is learnt (to
        // step 60), synergy rises until test accuracy moves at 300.
        let bands = run([
            &[(5.0, 0.1), (60.0, 0.15), (300.0, 1.0), (1200.0, 0.3), (4000.0, 0.3)],
            &[(5.0, 1.0), (60.0, 0.1), (300.0, 0.1), (1200.0, 0.7), (4000.0, 0.7)],
            &[],
            &[],
            &[(5.0, 0.1), (60.0, 1.0)],
            &[(5.0, 0.0), (300.0, 0.05), (1200.0, 0.97), (4000.0, 1.0)],
        ]);
        assert_eq!(phases(&bands), [FeatureLearning, Emergence, Decoupling, Finalising], "{bands:?}");
    }

    #[test]
    fn a_run_that_never_memorises_stays_in_feature_learning() {
        let bands = run([&[(5.0, 0.2), (4000.0, 0.2)], &[(5.0, 0.7), (4000.0, 0.7)], &[], &[], &[(5.0, 0.3)], &[]]);
        assert_eq!(bands, [PhaseBand { phase: FeatureLearning, from_step: 5, to_step: 4000 }]);
    }

    #[test]
    fn memorisation_without_generalisation_never_decouples() {
        // Alpha 50: memorised at 100, test accuracy flat near 0.05; synergy
        // peaks and falls, redundancy rises: the O-information pattern of
        // decoupling, without its rise in test accuracy.
        let bands = run([
            &[(5.0, 0.1), (100.0, 0.2), (400.0, 1.0), (4000.0, 0.1)],
            &[(5.0, 0.9), (100.0, 0.5), (400.0, 0.0), (4000.0, 1.0)],
            &[],
            &[],
            &[(5.0, 0.1), (100.0, 1.0)],
            &[(5.0, 0.01), (4000.0, 0.05)],
        ]);
        let got = phases(&bands);
        assert_eq!(got[..2], [FeatureLearning, Emergence], "{bands:?}");
        assert!(!got.contains(&Decoupling) && !got.contains(&Finalising), "{bands:?}");
        // Without accuracies the same curves are read as decoupling.
        let blind = run([
            &[(5.0, 0.1), (100.0, 0.2), (400.0, 1.0), (4000.0, 0.1)],
            &[(5.0, 0.9), (100.0, 0.5), (400.0, 0.0), (4000.0, 1.0)],
            &[],
            &[],
            &[],
            &[],
        ]);
        assert!(phases(&blind).contains(&Decoupling), "{blind:?}");
    }

    #[test]
    fn order_is_enforced() {
        for p in Phase::ALL {
            assert!(p.may_follow(Some(p)));
        }
        assert!(!FeatureLearning.may_follow(Some(Emergence)));
        assert!(!DelayedEmergence.may_follow(Some(Emergence)));
        assert!(!Divergence.may_follow(None));
        let empty = label(&Curves {
            steps: &[],
            synergy: &[],
            redundancy: &[],
            size: &[],
            test_loss: &[],
            train_acc: &[],
            test_acc: &[],
        });
        assert!(empty.is_empty());
    }
}
