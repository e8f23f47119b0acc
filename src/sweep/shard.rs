//! A deterministic slice of a sweep's runs, so that independent jobs (a
//! Slurm job array) share the work with no scheduler of their own: shard I
//! of N (I counted from 1: `--shard 1/2` and `--shard 2/2`) takes the runs
//! whose index in the sweep's order is I-1 modulo N. Dealing the runs out
//! in turn, rather than in blocks, gives every shard a like mix of cells
//! (and so of costs) when a grid varies the run's size.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `of`.
    pub index: usize,
    pub of: usize,
}

impl Shard {
    /// The whole sweep.
    pub const ALL: Shard = Shard { index: 1, of: 1 };

    /// Reads `I/N` with 1 ≤ I ≤ N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || format!("--shard '{text}': expected I/N with 1 <= I <= N, e.g. 1/2 and 2/2");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, of) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        match 1 <= index && index <= of {
            true => Ok(Shard { index, of }),
            false => Err(bad()),
        }
    }

    /// The shard of a Slurm array task (`var` reads the environment): task
    /// ids may start anywhere (`--array=0-3` or `--array=1-4`), so I is the
    /// id's place from `SLURM_ARRAY_TASK_MIN`, and N is
    /// `SLURM_ARRAY_TASK_COUNT`. None outside a job array.
    pub fn from_slurm(var: impl Fn(&str) -> Option<String>) -> Option<Result<Shard, String>> {
        let id = var("SLURM_ARRAY_TASK_ID")?;
        let read = |name: &str| -> Result<usize, String> {
            let v = var(name).ok_or(format!("{name} is not set (SLURM_ARRAY_TASK_ID is {id})"))?;
            v.trim().parse().map_err(|_| format!("{name} = '{v}' is not a whole number"))
        };
        let shard = (|| {
            let (id, min, max, count) = (
                read("SLURM_ARRAY_TASK_ID")?,
                read("SLURM_ARRAY_TASK_MIN")?,
                read("SLURM_ARRAY_TASK_MAX")?,
                read("SLURM_ARRAY_TASK_COUNT")?,
            );
            if max < min || max - min + 1 != count || id < min {
                return Err(format!(
                    "the job array {min}-{max} has {count} tasks: give it consecutive ids (no step, e.g. --array=1-{count}), or pass --shard I/N"
                ));
            }
            Ok(Shard { index: id - min + 1, of: count })
        })();
        Some(shard)
    }

    /// Whether the run at `index` of the sweep's order is this shard's.
    pub fn takes(&self, index: usize) -> bool {
        index % self.of == self.index - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_deal_every_run_to_exactly_one() {
        let shards: Vec<Shard> = (1..=3).map(|i| Shard::parse(&format!("{i}/3")).unwrap()).collect();
        for run in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.takes(run)).count(), 1, "run {run}");
        }
        assert!(shards[0].takes(0) && shards[0].takes(3) && shards[2].takes(2));
        assert!((0..5).all(|r| Shard::ALL.takes(r)));
    }

    #[test]
    fn bad_shards_are_refused() {
        for bad in ["0/2", "3/2", "1", "a/2", "1/0", "-1/2", ""] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
        assert_eq!(Shard::parse(" 2/ 2").unwrap(), Shard { index: 2, of: 2 });
    }

    #[test]
    fn slurm_array_ids_count_from_the_array_minimum() {
        fn env<'a>(vars: &'a [(&str, &str)]) -> impl Fn(&str) -> Option<String> + 'a {
            move |k| vars.iter().find(|v| v.0 == k).map(|v| v.1.to_string())
        }
        let zero_based = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert_eq!(Shard::from_slurm(env(&zero_based)), Some(Ok(Shard { index: 1, of: 3 })));
        let one_based = [
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert_eq!(Shard::from_slurm(env(&one_based)), Some(Ok(Shard { index: 3, of: 3 })));
        assert_eq!(Shard::from_slurm(env(&[])), None);
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ];
        assert!(Shard::from_slurm(env(&stepped)).unwrap().unwrap_err().contains("consecutive"));
        let no_count = [("SLURM_ARRAY_TASK_ID", "2")];
        assert!(Shard::from_slurm(env(&no_count)).unwrap().unwrap_err().contains("SLURM_ARRAY_TASK_MIN is not set"));
    }
}
