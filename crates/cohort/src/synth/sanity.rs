//! Sanity experiment: is the grade signal in the ROIs learnable but not trivial?
//!
//! Two multinomial logistic regressions are trained on ROI statistics, with patient-grouped
//! 5-fold cross-validation, and scored by balanced accuracy over grades II/III/IV (chance 1/3):
//! - *whole-ROI*: 8 colour/texture statistics of the whole image (mean R, G, B; luminance
//!   standard deviation; fraction of dark (nuclear) and pale pixels; mean gradient magnitude;
//!   fraction of red pixels);
//! - *local*: the same 8 statistics in 32x32 windows (stride 16), summarised by their maximum
//!   and minimum over windows (16 features) plus the whole-ROI ones: a crude per-region
//!   detector that can see a small dense or necrotic patch.
//! Because grade evidence is localised in a minority of each ROI and distractors occur at all
//! grades, the whole-ROI model should beat chance but stay well below the local one.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::clinical;
use super::histology::{self, Pheno};
use super::stream;

/// Number of whole-image statistics.
pub const N_STATS: usize = 8;

/// The 8 statistics of the window [x0, x1) x [y0, y1) of an RGB buffer of width `w`.
pub fn window_stats(rgb: &[u8], w: usize, x0: usize, y0: usize, x1: usize, y1: usize) -> [f64; N_STATS] {
    let lum = |x: usize, y: usize| {
        let i = 3 * (y * w + x);
        0.299 * rgb[i] as f64 + 0.587 * rgb[i + 1] as f64 + 0.114 * rgb[i + 2] as f64
    };
    let (mut sr, mut sg, mut sb, mut sl, mut sl2, mut dark, mut pale, mut grad, mut red) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for y in y0..y1 {
        for x in x0..x1 {
            let i = 3 * (y * w + x);
            let (r, g, b) = (rgb[i] as f64, rgb[i + 1] as f64, rgb[i + 2] as f64);
            let l = lum(x, y);
            sr += r;
            sg += g;
            sb += b;
            sl += l;
            sl2 += l * l;
            dark += f64::from(l < 125.0);
            pale += f64::from(l > 200.0);
            red += f64::from(r - g > 90.0 && r - b > 60.0);
            if x + 1 < x1 && y + 1 < y1 {
                grad += (lum(x + 1, y) - l).abs() + (lum(x, y + 1) - l).abs();
            }
        }
    }
    let n = ((x1 - x0) * (y1 - y0)) as f64;
    let ml = sl / n;
    [sr / n, sg / n, sb / n, (sl2 / n - ml * ml).max(0.0).sqrt(), dark / n, pale / n, grad / n, red / n]
}

/// Whole-ROI features (8) and local features (whole + window max + window min = 24).
pub fn features(rgb: &[u8], w: usize, h: usize) -> (Vec<f64>, Vec<f64>) {
    let whole = window_stats(rgb, w, 0, 0, w, h).to_vec();
    let (win, stride) = (32.min(w), 16.min(w));
    let mut mx = [f64::MIN; N_STATS];
    let mut mn = [f64::MAX; N_STATS];
    let mut y = 0;
    while y + win <= h {
        let mut x = 0;
        while x + win <= w {
            let s = window_stats(rgb, w, x, y, x + win, y + win);
            for k in 0..N_STATS {
                mx[k] = mx[k].max(s[k]);
                mn[k] = mn[k].min(s[k]);
            }
            x += stride;
        }
        y += stride;
    }
    let mut local = whole.clone();
    local.extend_from_slice(&mx);
    local.extend_from_slice(&mn);
    (whole, local)
}

/// Multinomial logistic regression (softmax) with L2 penalty, full-batch gradient descent on
/// standardised features. Returns the predicted class of each test row.
pub fn logistic_fit_predict(xtr: &[Vec<f64>], ytr: &[usize], xte: &[Vec<f64>], k: usize, l2: f64, iters: usize) -> Vec<usize> {
    let Some(d) = xtr.first().map(Vec::len) else {
        return vec![0; xte.len()];
    };
    let n = xtr.len() as f64;
    let mut mean = vec![0.0; d];
    let mut sd = vec![0.0; d];
    for x in xtr {
        for j in 0..d {
            mean[j] += x[j] / n;
        }
    }
    for x in xtr {
        for j in 0..d {
            sd[j] += (x[j] - mean[j]).powi(2) / n;
        }
    }
    let sd: Vec<f64> = sd.iter().map(|v| v.sqrt().max(1e-9)).collect();
    let z = |x: &Vec<f64>| -> Vec<f64> { (0..d).map(|j| (x[j] - mean[j]) / sd[j]).chain([1.0]).collect() };
    let ztr: Vec<Vec<f64>> = xtr.iter().map(z).collect();
    let mut wt = vec![vec![0.0; d + 1]; k];
    let lr = 0.5;
    let softmax = |w: &Vec<Vec<f64>>, x: &[f64]| -> Vec<f64> {
        let s: Vec<f64> = w.iter().map(|wc| wc.iter().zip(x).map(|(a, b)| a * b).sum()).collect();
        let m = s.iter().cloned().fold(f64::MIN, f64::max);
        let e: Vec<f64> = s.iter().map(|v| (v - m).exp()).collect();
        let t: f64 = e.iter().sum();
        e.iter().map(|v| v / t).collect()
    };
    for _ in 0..iters {
        let mut g = vec![vec![0.0; d + 1]; k];
        for (x, &y) in ztr.iter().zip(ytr) {
            let p = softmax(&wt, x);
            for c in 0..k {
                let r = p[c] - f64::from(c == y);
                for j in 0..=d {
                    g[c][j] += r * x[j] / n;
                }
            }
        }
        for c in 0..k {
            for j in 0..=d {
                let pen = if j < d { l2 * wt[c][j] } else { 0.0 };
                wt[c][j] -= lr * (g[c][j] + pen);
            }
        }
    }
    xte.iter()
        .map(|x| {
            let p = softmax(&wt, &z(x));
            (0..k).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap_or(0)
        })
        .collect()
}

/// Mean per-class recall.
pub fn balanced_accuracy(y: &[usize], pred: &[usize], k: usize) -> f64 {
    let mut rec = Vec::new();
    for c in 0..k {
        let n = y.iter().filter(|&&v| v == c).count();
        if n > 0 {
            let hit = y.iter().zip(pred).filter(|&(&a, &b)| a == c && b == c).count();
            rec.push(hit as f64 / n as f64);
        }
    }
    rec.iter().sum::<f64>() / rec.len().max(1) as f64
}

#[derive(Debug, Clone)]
pub struct SanityReport {
    pub patients: usize,
    pub rois: usize,
    /// Balanced accuracy of grade from whole-ROI statistics.
    pub whole_grade: f64,
    /// Balanced accuracy of grade from local-window statistics.
    pub local_grade: f64,
    /// Balanced accuracy of IDH status from whole-ROI and local statistics.
    pub whole_idh: f64,
    pub local_idh: f64,
    /// Mean fraction of ROI pixels that are grade evidence, for grades III and IV.
    pub evidence_fraction: [f64; 2],
}

/// Run the experiment on `patients` synthetic patients (ROIs of `roi_size`, 1-4 per patient),
/// drawn exactly as `gliofuse synth --seed seed` draws them.
pub fn run(patients: usize, seed: u64, roi_size: usize) -> SanityReport {
    let truths: Vec<clinical::Truth> = super::clinical_truths(patients, seed, 0.0).into_iter().map(|(t, _)| t).collect();
    // (patient, grade class, idh, whole, local, evidence fraction)
    let rows: Vec<Vec<(usize, usize, usize, Vec<f64>, Vec<f64>, f64)>> = truths
        .par_iter()
        .enumerate()
        .map(|(i, t)| {
            let mut rng = stream(seed, 4, i as u64);
            let n = rand::Rng::random_range(&mut rng, 1..=4usize);
            let ph = Pheno { grade: t.grade, idh: t.idh, codel: t.codel, egfr_amp: t.cnv[1] == 2 };
            (0..n)
                .map(|_| {
                    let r = histology::render_roi(roi_size, &ph, &mut rng);
                    let (wf, lf) = features(r.rgb.as_raw(), roi_size, roi_size);
                    (i, (t.grade - 2) as usize, t.idh as usize, wf, lf, r.evidence_fraction())
                })
                .collect()
        })
        .collect();
    let rows: Vec<_> = rows.into_iter().flatten().collect();
    // Patient-grouped folds: patient i goes to fold (shuffled index) % 5.
    let mut order: Vec<usize> = (0..patients).collect();
    rand::seq::SliceRandom::shuffle(&mut order[..], &mut ChaCha8Rng::seed_from_u64(seed ^ 0x5a5a));
    let mut fold = vec![0usize; patients];
    for (pos, &p) in order.iter().enumerate() {
        fold[p] = pos % 5;
    }
    let cv = |which: usize, target: usize, k: usize| -> f64 {
        let mut y_all = Vec::new();
        let mut p_all = Vec::new();
        for f in 0..5 {
            let (tr, te): (Vec<_>, Vec<_>) = rows.iter().partition(|r| fold[r.0] != f);
            if tr.is_empty() || te.is_empty() {
                continue;
            }
            let x = |r: &&(usize, usize, usize, Vec<f64>, Vec<f64>, f64)| if which == 0 { r.3.clone() } else { r.4.clone() };
            let y = |r: &&(usize, usize, usize, Vec<f64>, Vec<f64>, f64)| if target == 0 { r.1 } else { r.2 };
            let xtr: Vec<Vec<f64>> = tr.iter().map(x).collect();
            let ytr: Vec<usize> = tr.iter().map(y).collect();
            let xte: Vec<Vec<f64>> = te.iter().map(x).collect();
            p_all.extend(logistic_fit_predict(&xtr, &ytr, &xte, k, 1e-3, 400));
            y_all.extend(te.iter().map(y));
        }
        balanced_accuracy(&y_all, &p_all, k)
    };
    let ev = |g: usize| {
        let v: Vec<f64> = rows.iter().filter(|r| r.1 == g).map(|r| r.5).collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    SanityReport {
        patients,
        rois: rows.len(),
        whole_grade: cv(0, 0, 3),
        local_grade: cv(1, 0, 3),
        whole_idh: cv(0, 1, 2),
        local_idh: cv(1, 1, 2),
        evidence_fraction: [ev(1), ev(2)],
    }
}
