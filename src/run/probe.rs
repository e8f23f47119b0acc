//! The probe: ask the network one question, a o b, and read its answer, its
//! confidence and whether it is right. The logits come from the CPU
//! engine's own forward pass (`engine::cpu::logits`) and the answer is its
//! first maximum, as training counts a correct answer, so the probe never
//! disagrees with the accuracy the run reports.

use crate::config::Op;
use crate::data::{apply, Split};
use crate::engine::cpu;
use crate::model::Params;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Answer {
    /// The class with the highest logit (the first, on ties).
    pub answer: u32,
    /// Its softmax probability.
    pub confidence: f64,
    /// The true a o b mod p.
    pub truth: u32,
}

impl Answer {
    pub fn right(&self) -> bool {
        self.answer == self.truth
    }
}

/// The network `prm`'s answer to `a op b` (mod p); a question outside Z_p,
/// or a division by 0, is refused with a sentence saying why.
pub fn ask(prm: &Params, op: Op, a: u32, b: u32) -> Result<Answer, String> {
    let p = prm.shape.p as u32;
    if a >= p || b >= p {
        return Err(format!("a and b must be whole numbers from 0 to {} (p = {p})", p - 1));
    }
    if op == Op::Div && b == 0 {
        return Err("division by 0 has no answer: choose b from 1".into());
    }
    let truth = apply(op, a, b, p);
    let logits = cpu::logits(prm, &Split { a: vec![a], b: vec![b], label: vec![truth] }, 1);
    let best = (0..logits.len()).fold(0, |best, c| if logits[c] > logits[best] { c } else { best });
    let top = logits[best] as f64;
    let sum: f64 = logits.iter().map(|&x| (x as f64 - top).exp()).sum();
    Ok(Answer { answer: best as u32, confidence: 1.0 / sum, truth })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RunConfig;
    use crate::data::Dataset;
    use crate::engine::{cpu::CpuEngine, Hyper};

    #[test]
    fn the_probe_answers_as_the_cpu_engine_counts() {
        // A network part-way through training (some answers right, some wrong).
        let c = RunConfig { p: 23, hidden: 32, frac: 0.5, ..RunConfig::default() };
        let (prm, n0) = Params::init(&c);
        let mut e = CpuEngine::new(&prm, Hyper::of(&c, n0), Dataset::new(&c), 2, None);
        let mut last = e.train_step();
        for _ in 0..40 {
            last = e.train_step();
        }
        let net = e.params();
        for (split, acc) in [(&e.data().train, last.train_acc), (&e.data().test, last.test_acc)] {
            let answers: Vec<Answer> =
                (0..split.len()).map(|i| ask(&net, c.op, split.a[i], split.b[i]).unwrap()).collect();
            let right = answers.iter().filter(|a| a.right()).count();
            // The engine's own tally of correct answers, answer for answer.
            assert_eq!(right, (acc * split.len() as f64).round() as usize);
            assert_eq!(right, e.evaluate(split).correct as usize);
            assert!(answers.iter().all(|a| a.confidence > 0.0 && a.confidence <= 1.0));
        }
        assert!(last.train_acc > 0.3 && last.test_acc < 1.0, "{last:?}");
    }

    #[test]
    fn questions_outside_z_p_are_refused() {
        let (prm, _) = Params::init(&RunConfig { p: 7, hidden: 8, ..RunConfig::default() });
        assert!(ask(&prm, Op::Add, 7, 1).unwrap_err().contains("from 0 to 6"));
        assert!(ask(&prm, Op::Div, 3, 0).unwrap_err().contains("division by 0"));
        let a = ask(&prm, Op::Sub, 2, 5).unwrap();
        assert_eq!(a.truth, 4);
    }
}
