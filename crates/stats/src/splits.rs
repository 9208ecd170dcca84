//! Splits that never put one patient on both sides.
//!
//! - [`kfold`]: contiguous, unshuffled K-fold (scikit-learn `KFold`), used by `LassoCV`;
//!   rows must be patients.
//! - [`stratified_kfold`]: seeded stratified K-fold for one row per patient.
//! - [`group_kfold`]: K-fold over groups (patients), greedy size balancing like scikit-learn's
//!   `GroupKFold`.
//! - [`stratified_group_kfold`]: K-fold over groups, balancing the class distribution
//!   (scikit-learn `StratifiedGroupKFold`'s greedy rule, seeded).
//! - [`train_val_test_by_patient`]: a seeded train/validation/test split of the patients.
//!
//! Every function returns row indices; all rows of a group go to the same side.

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::{Result, StatsError, check_len};

/// One fold: training rows and held-out rows (both sorted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fold {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

fn check_k(k: usize, units: usize, what: &str) -> Result<()> {
    if k < 2 {
        return Err(StatsError::InvalidParameter(format!(
            "{k} folds; at least 2 are needed"
        )));
    }
    if k > units {
        return Err(StatsError::TooFew(format!("{units} {what} for {k} folds")));
    }
    Ok(())
}

/// Folds from an assignment of rows to folds.
fn folds_from(assign: &[usize], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| Fold {
            train: (0..assign.len()).filter(|&i| assign[i] != f).collect(),
            test: (0..assign.len()).filter(|&i| assign[i] == f).collect(),
        })
        .collect()
}

/// scikit-learn `KFold(k)` without shuffling: the first `n % k` folds have one extra row.
pub fn kfold(n: usize, k: usize) -> Result<Vec<Fold>> {
    check_k(k, n, "samples")?;
    let mut assign = vec![0; n];
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        for a in &mut assign[start..start + size] {
            *a = f;
        }
        start += size;
    }
    Ok(folds_from(&assign, k))
}

/// Seeded stratified K-fold for data with one row per patient: each class is shuffled and dealt
/// round-robin over the folds (continuing where the previous class stopped), so fold sizes
/// differ by at most one and every fold has each class in proportion.
pub fn stratified_kfold(labels: &[usize], k: usize, seed: u64) -> Result<Vec<Fold>> {
    check_k(k, labels.len(), "samples")?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut by_class: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &l) in labels.iter().enumerate() {
        by_class.entry(l).or_default().push(i);
    }
    let mut assign = vec![0; labels.len()];
    let mut next = 0;
    for rows in by_class.values_mut() {
        rows.shuffle(&mut rng);
        for &i in rows.iter() {
            assign[i] = next;
            next = (next + 1) % k;
        }
    }
    Ok(folds_from(&assign, k))
}

/// Row indices of each group, groups in sorted order.
fn group_rows<G: Ord>(groups: &[G]) -> Vec<Vec<usize>> {
    let mut m: BTreeMap<&G, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        m.entry(g).or_default().push(i);
    }
    m.into_values().collect()
}

/// K-fold over groups: groups by decreasing size (ties in group order) each go to the fold with
/// the fewest rows so far (ties: lowest fold), as scikit-learn's `GroupKFold`. Deterministic.
pub fn group_kfold<G: Ord>(groups: &[G], k: usize) -> Result<Vec<Fold>> {
    let g = group_rows(groups);
    check_k(k, g.len(), "groups")?;
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.sort_by(|&a, &b| g[b].len().cmp(&g[a].len()).then(a.cmp(&b)));
    let mut size = vec![0usize; k];
    let mut assign = vec![0; groups.len()];
    for gi in order {
        let f = (0..k).min_by_key(|&f| (size[f], f)).unwrap_or(0);
        size[f] += g[gi].len();
        for &i in &g[gi] {
            assign[i] = f;
        }
    }
    Ok(folds_from(&assign, k))
}

fn std_dev(v: &[f64]) -> f64 {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// Stratified K-fold over groups (scikit-learn `StratifiedGroupKFold(shuffle=True)`'s rule):
/// groups are shuffled with the seed, then sorted by decreasing spread of their class counts,
/// and each goes to the fold that minimises the mean over classes of the standard deviation of
/// the per-fold class fractions (ties: the fold with fewest rows, then lowest index).
pub fn stratified_group_kfold<G: Ord>(
    labels: &[usize],
    groups: &[G],
    k: usize,
    seed: u64,
) -> Result<Vec<Fold>> {
    check_len("groups", groups.len(), labels.len())?;
    let g = group_rows(groups);
    check_k(k, g.len(), "groups")?;
    let classes: Vec<usize> = {
        let mut c = labels.to_vec();
        c.sort_unstable();
        c.dedup();
        c
    };
    let nc = classes.len();
    let counts: Vec<Vec<f64>> = g
        .iter()
        .map(|rows| {
            let mut v = vec![0.0; nc];
            for &i in rows {
                v[classes.binary_search(&labels[i]).unwrap_or(0)] += 1.0;
            }
            v
        })
        .collect();
    let totals: Vec<f64> = (0..nc).map(|c| counts.iter().map(|v| v[c]).sum()).collect();
    let mut order: Vec<usize> = (0..g.len()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    order.sort_by(|&a, &b| std_dev(&counts[b]).total_cmp(&std_dev(&counts[a])));
    let mut fold_counts = vec![vec![0.0; nc]; k];
    let mut fold_rows = vec![0usize; k];
    let mut assign = vec![0; groups.len()];
    for gi in order {
        let mut best = (f64::INFINITY, usize::MAX, 0usize);
        for f in 0..k {
            for c in 0..nc {
                fold_counts[f][c] += counts[gi][c];
            }
            let spread = (0..nc)
                .map(|c| {
                    std_dev(
                        &(0..k)
                            .map(|h| fold_counts[h][c] / totals[c])
                            .collect::<Vec<_>>(),
                    )
                })
                .sum::<f64>()
                / nc as f64;
            for c in 0..nc {
                fold_counts[f][c] -= counts[gi][c];
            }
            let cand = (spread, fold_rows[f], f);
            if cand.0 < best.0 - 1e-12
                || ((cand.0 - best.0).abs() <= 1e-12 && (cand.1, cand.2) < (best.1, best.2))
            {
                best = cand;
            }
        }
        let f = best.2;
        for c in 0..nc {
            fold_counts[f][c] += counts[gi][c];
        }
        fold_rows[f] += g[gi].len();
        for &i in &g[gi] {
            assign[i] = f;
        }
    }
    Ok(folds_from(&assign, k))
}

/// Train / validation / test rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrainValTest {
    pub train: Vec<usize>,
    pub val: Vec<usize>,
    pub test: Vec<usize>,
}

/// Seeded split of the patients into train/val/test with the given fractions (summing to 1).
/// With `labels` (one per row; a patient's label is that of its first row) the split is
/// stratified: each class of patients is shuffled and cut in the same proportions. The number
/// of validation and test patients per class is `round(fraction · count)`.
pub fn train_val_test_by_patient<G: Ord>(
    groups: &[G],
    fractions: (f64, f64, f64),
    labels: Option<&[usize]>,
    seed: u64,
) -> Result<TrainValTest> {
    let (ft, fv, fs) = fractions;
    if [ft, fv, fs].iter().any(|f| !(0.0..=1.0).contains(f)) || ((ft + fv + fs) - 1.0).abs() > 1e-9
    {
        return Err(StatsError::InvalidParameter(format!(
            "split fractions {ft}/{fv}/{fs} must be in [0, 1] and sum to 1"
        )));
    }
    if let Some(l) = labels {
        check_len("labels", l.len(), groups.len())?;
    }
    let g = group_rows(groups);
    if g.len() < 3 {
        return Err(StatsError::TooFew(format!(
            "{} patients for a train/val/test split",
            g.len()
        )));
    }
    let mut strata: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (gi, rows) in g.iter().enumerate() {
        let key = labels.map_or(0, |l| l[rows[0]]);
        strata.entry(key).or_default().push(gi);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = TrainValTest {
        train: Vec::new(),
        val: Vec::new(),
        test: Vec::new(),
    };
    for members in strata.values_mut() {
        members.shuffle(&mut rng);
        let n = members.len() as f64;
        let n_test = (fs * n).round() as usize;
        let n_val = ((fv * n).round() as usize).min(members.len() - n_test);
        for (pos, &gi) in members.iter().enumerate() {
            let side = if pos < n_test {
                &mut out.test
            } else if pos < n_test + n_val {
                &mut out.val
            } else {
                &mut out.train
            };
            side.extend_from_slice(&g[gi]);
        }
    }
    out.train.sort_unstable();
    out.val.sort_unstable();
    out.test.sort_unstable();
    Ok(out)
}
