//! Average ranks with ties (SciPy `rankdata(method="average")`) and tie-group sizes.

/// 1-based average ranks of `v` and the sizes of the tie groups (in sorted order).
pub(crate) fn average_ranks(v: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let n = v.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut ranks = vec![0.0; n];
    let mut ties = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && v[idx[j]] == v[idx[i]] {
            j += 1;
        }
        // Ranks i+1 ..= j share their mean (i + 1 + j) / 2.
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &idx[i..j] {
            ranks[k] = r;
        }
        ties.push(j - i);
        i = j;
    }
    (ranks, ties)
}
