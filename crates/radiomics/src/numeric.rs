//! Small numeric kernels that reproduce numpy's rounding behaviour where pyradiomics relies on
//! it: pairwise summation (`numpy.sum`/`mean` on contiguous float64), linear percentiles, and
//! the eigenvalues of a symmetric 3x3 matrix.

/// `numpy.add.reduce` on a contiguous float64 array: pairwise summation with 8 accumulators
/// in blocks of up to 128 values (numpy's `pairwise_sum`).
pub fn np_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        let mut res = 0.0;
        for &v in a {
            res += v;
        }
        res
    } else if n <= 128 {
        let (blocks, rest) = a.as_chunks::<8>();
        let mut r = blocks[0];
        for b in &blocks[1..] {
            for k in 0..8 {
                r[k] += b[k];
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in rest {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&a[..n2]) + np_sum(&a[n2..])
    }
}

/// `numpy.mean`.
pub fn np_mean(a: &[f64]) -> f64 {
    np_sum(a) / a.len() as f64
}

/// numpy's `_lerp(a, b, t)` as used by `numpy.percentile` (method 'linear').
fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 { b - d * (1.0 - t) } else { a + d * t }
}

/// `numpy.percentile(values, q)` (linear) of an ascending-sorted, non-empty slice.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virt = (q / 100.0) * (n as f64 - 1.0);
    let prev = virt.floor().clamp(0.0, (n - 1) as f64);
    let i = prev as usize;
    let j = (i + 1).min(n - 1);
    let gamma = virt - prev;
    let (a, b) = (sorted[i], sorted[j]);
    if a == b { a } else { lerp(a, b, gamma) }
}

/// `numpy.median` of an ascending-sorted, non-empty slice.
pub fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

/// Eigenvalues of a symmetric 3x3 matrix (cyclic Jacobi rotations), ascending.
pub fn sym3_eigenvalues(m: [[f64; 3]; 3]) -> [f64; 3] {
    let mut a = m;
    for _ in 0..64 {
        let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2];
        let diag = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2];
        if off <= f64::EPSILON * f64::EPSILON * diag || off == 0.0 {
            break;
        }
        for (p, q) in [(0usize, 1usize), (0, 2), (1, 2)] {
            if a[p][q] == 0.0 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            // A' = J^T A J on rows/columns p, q.
            for k in 0..3 {
                let akp = a[k][p];
                let akq = a[k][q];
                a[k][p] = c * akp - s * akq;
                a[k][q] = s * akp + c * akq;
            }
            for k in 0..3 {
                let apk = a[p][k];
                let aqk = a[q][k];
                a[p][k] = c * apk - s * aqk;
                a[q][k] = s * apk + c * aqk;
            }
        }
    }
    let mut e = [a[0][0], a[1][1], a[2][2]];
    e.sort_by(|x, y| x.total_cmp(y));
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_equals_exact_sum_on_integers() {
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(np_sum(&v), 499500.0);
        assert_eq!(np_sum(&[]), 0.0);
    }

    #[test]
    fn percentiles_match_numpy() {
        // numpy.percentile([1, 2, 3, 4], [10, 25, 50, 90]) = [1.3, 1.75, 2.5, 3.7]
        let s = [1.0, 2.0, 3.0, 4.0];
        assert!((percentile_sorted(&s, 10.0) - 1.3).abs() < 1e-15);
        assert_eq!(percentile_sorted(&s, 25.0), 1.75);
        assert_eq!(percentile_sorted(&s, 50.0), 2.5);
        assert!((percentile_sorted(&s, 90.0) - 3.7).abs() < 1e-15);
        assert_eq!(median_sorted(&s), 2.5);
        assert_eq!(percentile_sorted(&[5.0], 90.0), 5.0);
    }

    #[test]
    fn eigenvalues_of_known_matrix() {
        // [[2,1,0],[1,2,0],[0,0,5]] has eigenvalues 1, 3, 5.
        let e = sym3_eigenvalues([[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 5.0]]);
        for (x, y) in e.iter().zip([1.0, 3.0, 5.0]) {
            assert!((x - y).abs() < 1e-14, "{e:?}");
        }
        let e = sym3_eigenvalues([[4.0, 1.0, 2.0], [1.0, 3.0, 0.5], [2.0, 0.5, 6.0]]);
        // trace and determinant are preserved
        assert!((e.iter().sum::<f64>() - 13.0).abs() < 1e-12);
        let det = 4.0 * (18.0 - 0.25) - 1.0 * (6.0 - 1.0) + 2.0 * (0.5 - 6.0);
        assert!((e[0] * e[1] * e[2] - det).abs() < 1e-10);
    }
}
