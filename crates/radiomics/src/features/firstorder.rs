//! First-order statistics (pyradiomics `radiomics/firstorder.py`).
//!
//! Notation: X = the ROI intensities (N_p voxels, after any filter; not discretised),
//! c = `voxelArrayShift`, p(i) = the fraction of ROI voxels in discretised gray level i,
//! ε = 2.2e-16 (`numpy.spacing(1)`), P_k = numpy's linear-interpolated k-th percentile.

use crate::numeric::{median_sorted, np_mean, np_sum, percentile_sorted};

/// Everything the first-order features share, computed once.
#[derive(Debug, Clone)]
pub struct FirstOrder {
    /// ROI intensities in voxel order (numpy C order of (z, y, x)).
    x: Vec<f64>,
    sorted: Vec<f64>,
    /// p(i) over the gray levels present, ascending level.
    p: Vec<f64>,
    voxel_volume: f64,
    shift: f64,
}

impl FirstOrder {
    /// `values`: ROI intensities; `bins`: their discretised levels (same order);
    /// `spacing`: voxel spacing (x, y, z); `shift`: `voxelArrayShift`.
    pub fn new(values: &[f64], bins: &[u32], spacing: [f64; 3], shift: f64) -> FirstOrder {
        let mut sorted = values.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        let mut levels = bins.to_vec();
        levels.sort_unstable();
        let mut counts = Vec::new();
        let mut i = 0;
        while i < levels.len() {
            let j = levels[i..].partition_point(|&l| l == levels[i]) + i;
            counts.push((j - i) as f64);
            i = j;
        }
        let total = np_sum(&counts);
        let p = counts.iter().map(|c| c / total).collect();
        FirstOrder { x: values.to_vec(), sorted, p, voxel_volume: spacing[0] * spacing[1] * spacing[2], shift }
    }

    fn moment(&self, k: i32) -> f64 {
        let m = np_mean(&self.x);
        let d: Vec<f64> = self.x.iter().map(|v| (v - m).powi(k)).collect();
        np_mean(&d)
    }

    /// Energy = Σ (X(i) + c)²
    pub fn energy(&self) -> f64 {
        let s: Vec<f64> = self.x.iter().map(|v| (v + self.shift) * (v + self.shift)).collect();
        np_sum(&s)
    }

    /// TotalEnergy = V_voxel · Σ (X(i) + c)², V_voxel = product of the spacing.
    pub fn total_energy(&self) -> f64 {
        self.energy() * self.voxel_volume
    }

    /// Entropy = −Σ_i p(i) log2(p(i) + ε)
    pub fn entropy(&self) -> f64 {
        let t: Vec<f64> = self.p.iter().map(|p| p * (p + f64::EPSILON).log2()).collect();
        -np_sum(&t)
    }

    /// Minimum = min(X)
    pub fn minimum(&self) -> f64 {
        self.sorted[0]
    }

    /// 10Percentile = P_10(X)
    pub fn percentile10(&self) -> f64 {
        percentile_sorted(&self.sorted, 10.0)
    }

    /// 90Percentile = P_90(X)
    pub fn percentile90(&self) -> f64 {
        percentile_sorted(&self.sorted, 90.0)
    }

    /// Maximum = max(X)
    pub fn maximum(&self) -> f64 {
        self.sorted[self.sorted.len() - 1]
    }

    /// Mean = (1/N_p) Σ X(i)
    pub fn mean(&self) -> f64 {
        np_mean(&self.x)
    }

    /// Median = the 50th percentile of X
    pub fn median(&self) -> f64 {
        median_sorted(&self.sorted)
    }

    /// InterquartileRange = P_75(X) − P_25(X)
    pub fn interquartile_range(&self) -> f64 {
        percentile_sorted(&self.sorted, 75.0) - percentile_sorted(&self.sorted, 25.0)
    }

    /// Range = max(X) − min(X)
    pub fn range(&self) -> f64 {
        self.maximum() - self.minimum()
    }

    /// MeanAbsoluteDeviation = (1/N_p) Σ |X(i) − mean(X)|
    pub fn mean_absolute_deviation(&self) -> f64 {
        let m = self.mean();
        let d: Vec<f64> = self.x.iter().map(|v| (v - m).abs()).collect();
        np_mean(&d)
    }

    /// RobustMeanAbsoluteDeviation = (1/N_10-90) Σ |X_10-90(i) − mean(X_10-90)|, where X_10-90
    /// are the values in the closed range [P_10, P_90].
    pub fn robust_mean_absolute_deviation(&self) -> f64 {
        let (lo, hi) = (self.percentile10(), self.percentile90());
        let sel: Vec<f64> = self.x.iter().copied().filter(|&v| !(v - lo < 0.0 || v - hi > 0.0)).collect();
        if sel.is_empty() {
            return f64::NAN;
        }
        let m = np_mean(&sel);
        let d: Vec<f64> = sel.iter().map(|v| (v - m).abs()).collect();
        np_mean(&d)
    }

    /// RootMeanSquared = sqrt( (1/N_p) Σ (X(i) + c)² )
    pub fn root_mean_squared(&self) -> f64 {
        if self.x.is_empty() {
            return 0.0;
        }
        (self.energy() / self.x.len() as f64).sqrt()
    }

    /// StandardDeviation = sqrt( (1/N_p) Σ (X(i) − mean(X))² )  (deprecated in pyradiomics)
    pub fn standard_deviation(&self) -> f64 {
        self.moment(2).sqrt()
    }

    /// Skewness = μ3 / μ2^{3/2}, μk = (1/N_p) Σ (X(i) − mean(X))^k; 0 for a flat region.
    pub fn skewness(&self) -> f64 {
        let m2 = self.moment(2);
        let m3 = self.moment(3);
        if m2 == 0.0 { m3 } else { m3 / m2.powf(1.5) }
    }

    /// Kurtosis = μ4 / μ2² (not excess kurtosis); 0 for a flat region.
    pub fn kurtosis(&self) -> f64 {
        let m2 = self.moment(2);
        let m4 = self.moment(4);
        if m2 == 0.0 { m4 } else { m4 / (m2 * m2) }
    }

    /// Variance = StandardDeviation² (ddof 0)
    pub fn variance(&self) -> f64 {
        let s = self.standard_deviation();
        s * s
    }

    /// Uniformity = Σ_i p(i)²
    pub fn uniformity(&self) -> f64 {
        let t: Vec<f64> = self.p.iter().map(|p| p * p).collect();
        np_sum(&t)
    }

    /// A feature by its pyradiomics name.
    pub fn by_name(&self, name: &str) -> Option<f64> {
        Some(match name {
            "10Percentile" => self.percentile10(),
            "90Percentile" => self.percentile90(),
            "Energy" => self.energy(),
            "Entropy" => self.entropy(),
            "InterquartileRange" => self.interquartile_range(),
            "Kurtosis" => self.kurtosis(),
            "Maximum" => self.maximum(),
            "Mean" => self.mean(),
            "MeanAbsoluteDeviation" => self.mean_absolute_deviation(),
            "Median" => self.median(),
            "Minimum" => self.minimum(),
            "Range" => self.range(),
            "RobustMeanAbsoluteDeviation" => self.robust_mean_absolute_deviation(),
            "RootMeanSquared" => self.root_mean_squared(),
            "Skewness" => self.skewness(),
            "StandardDeviation" => self.standard_deviation(),
            "TotalEnergy" => self.total_energy(),
            "Uniformity" => self.uniformity(),
            "Variance" => self.variance(),
            _ => return None,
        })
    }
}

/// The named first-order features of an ROI, as `(name, value)` pairs in the order given.
pub fn features(values: &[f64], bins: &[u32], spacing: [f64; 3], shift: f64, names: &[&str]) -> Vec<(String, f64)> {
    let fo = FirstOrder::new(values, bins, spacing, shift);
    names.iter().filter_map(|n| fo.by_name(n).map(|v| (n.to_string(), v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_example_by_hand() {
        // X = 1, 2, 3, 4 in levels 1, 1, 2, 2 (numpy values in the comments).
        let fo = FirstOrder::new(&[1.0, 2.0, 3.0, 4.0], &[1, 1, 2, 2], [1.0, 2.0, 0.5], 1.0);
        assert_eq!(fo.energy(), 4.0 + 9.0 + 16.0 + 25.0);
        assert_eq!(fo.total_energy(), 54.0);
        assert_eq!(fo.mean(), 2.5);
        assert!((fo.variance() - 1.25).abs() < 1e-15); // numpy: std ** 2
        assert_eq!(fo.skewness(), 0.0);
        assert!((fo.kurtosis() - 1.64).abs() < 1e-12); // scipy.stats.kurtosis(fisher=False)
        assert!((fo.entropy() - 1.0).abs() < 1e-12);
        assert_eq!(fo.uniformity(), 0.5);
        assert_eq!(fo.mean_absolute_deviation(), 1.0);
        // P10 = 1.3, P90 = 3.7 -> values 2, 3 -> rMAD 0.5
        assert_eq!(fo.robust_mean_absolute_deviation(), 0.5);
        assert_eq!(fo.root_mean_squared(), (54.0f64 / 4.0).sqrt());
        // Flat region: 0 skewness and kurtosis.
        let flat = FirstOrder::new(&[7.0; 5], &[1; 5], [1.0; 3], 0.0);
        assert_eq!((flat.skewness(), flat.kurtosis()), (0.0, 0.0));
        assert!(flat.entropy().abs() < 1e-15);
    }
}
