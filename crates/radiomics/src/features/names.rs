//! Feature names per class as pyradiomics 3.1.0 defines them, and which are deprecated (not
//! enabled by default; enabled only when named in the parameter file).

/// (name, deprecated) per class, in pyradiomics' output order: sorted as Python sorts the
/// method names `get<Name>FeatureValue` (so MeanAbsoluteDeviation comes before Mean).
pub fn class_features(class: &str) -> &'static [(&'static str, bool)] {
    match class {
        "firstorder" => &[
            ("10Percentile", false),
            ("90Percentile", false),
            ("Energy", false),
            ("Entropy", false),
            ("InterquartileRange", false),
            ("Kurtosis", false),
            ("Maximum", false),
            ("MeanAbsoluteDeviation", false),
            ("Mean", false),
            ("Median", false),
            ("Minimum", false),
            ("Range", false),
            ("RobustMeanAbsoluteDeviation", false),
            ("RootMeanSquared", false),
            ("Skewness", false),
            ("StandardDeviation", true),
            ("TotalEnergy", false),
            ("Uniformity", false),
            ("Variance", false),
        ],
        "shape" => &[
            ("Compactness1", true),
            ("Compactness2", true),
            ("Elongation", false),
            ("Flatness", false),
            ("LeastAxisLength", false),
            ("MajorAxisLength", false),
            ("Maximum2DDiameterColumn", false),
            ("Maximum2DDiameterRow", false),
            ("Maximum2DDiameterSlice", false),
            ("Maximum3DDiameter", false),
            ("MeshVolume", false),
            ("MinorAxisLength", false),
            ("SphericalDisproportion", true),
            ("Sphericity", false),
            ("SurfaceArea", false),
            ("SurfaceVolumeRatio", false),
            ("VoxelVolume", false),
        ],
        "shape2D" => &[
            ("Elongation", false),
            ("MajorAxisLength", false),
            ("MaximumDiameter", false),
            ("MeshSurface", false),
            ("MinorAxisLength", false),
            ("Perimeter", false),
            ("PerimeterSurfaceRatio", false),
            ("PixelSurface", false),
            ("SphericalDisproportion", true),
            ("Sphericity", false),
        ],
        "glcm" => &[
            ("Autocorrelation", false),
            ("ClusterProminence", false),
            ("ClusterShade", false),
            ("ClusterTendency", false),
            ("Contrast", false),
            ("Correlation", false),
            ("DifferenceAverage", false),
            ("DifferenceEntropy", false),
            ("DifferenceVariance", false),
            ("Dissimilarity", true),
            ("Homogeneity1", true),
            ("Homogeneity2", true),
            ("Id", false),
            ("Idm", false),
            ("Idmn", false),
            ("Idn", false),
            ("Imc1", false),
            ("Imc2", false),
            ("InverseVariance", false),
            ("JointAverage", false),
            ("JointEnergy", false),
            ("JointEntropy", false),
            ("MCC", false),
            ("MaximumProbability", false),
            ("SumAverage", false),
            ("SumEntropy", false),
            ("SumSquares", false),
            ("SumVariance", true),
        ],
        "glrlm" => &[
            ("GrayLevelNonUniformity", false),
            ("GrayLevelNonUniformityNormalized", false),
            ("GrayLevelVariance", false),
            ("HighGrayLevelRunEmphasis", false),
            ("LongRunEmphasis", false),
            ("LongRunHighGrayLevelEmphasis", false),
            ("LongRunLowGrayLevelEmphasis", false),
            ("LowGrayLevelRunEmphasis", false),
            ("RunEntropy", false),
            ("RunLengthNonUniformity", false),
            ("RunLengthNonUniformityNormalized", false),
            ("RunPercentage", false),
            ("RunVariance", false),
            ("ShortRunEmphasis", false),
            ("ShortRunHighGrayLevelEmphasis", false),
            ("ShortRunLowGrayLevelEmphasis", false),
        ],
        "glszm" => &[
            ("GrayLevelNonUniformity", false),
            ("GrayLevelNonUniformityNormalized", false),
            ("GrayLevelVariance", false),
            ("HighGrayLevelZoneEmphasis", false),
            ("LargeAreaEmphasis", false),
            ("LargeAreaHighGrayLevelEmphasis", false),
            ("LargeAreaLowGrayLevelEmphasis", false),
            ("LowGrayLevelZoneEmphasis", false),
            ("SizeZoneNonUniformity", false),
            ("SizeZoneNonUniformityNormalized", false),
            ("SmallAreaEmphasis", false),
            ("SmallAreaHighGrayLevelEmphasis", false),
            ("SmallAreaLowGrayLevelEmphasis", false),
            ("ZoneEntropy", false),
            ("ZonePercentage", false),
            ("ZoneVariance", false),
        ],
        "gldm" => &[
            ("DependenceEntropy", false),
            ("DependenceNonUniformity", false),
            ("DependenceNonUniformityNormalized", false),
            ("DependencePercentage", true),
            ("DependenceVariance", false),
            ("GrayLevelNonUniformity", false),
            ("GrayLevelNonUniformityNormalized", true),
            ("GrayLevelVariance", false),
            ("HighGrayLevelEmphasis", false),
            ("LargeDependenceEmphasis", false),
            ("LargeDependenceHighGrayLevelEmphasis", false),
            ("LargeDependenceLowGrayLevelEmphasis", false),
            ("LowGrayLevelEmphasis", false),
            ("SmallDependenceEmphasis", false),
            ("SmallDependenceHighGrayLevelEmphasis", false),
            ("SmallDependenceLowGrayLevelEmphasis", false),
        ],
        "ngtdm" => &[("Busyness", false), ("Coarseness", false), ("Complexity", false), ("Contrast", false), ("Strength", false)],
        _ => &[],
    }
}

/// Every feature name of a class (deprecated included).
pub fn all_feature_names(class: &str) -> Vec<&'static str> {
    class_features(class).iter().map(|(n, _)| *n).collect()
}

/// The features a class computes when it is enabled with an empty list.
pub fn default_feature_names(class: &str) -> Vec<&'static str> {
    class_features(class).iter().filter(|(_, d)| !d).map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_match_pyradiomics() {
        let counts: Vec<(usize, usize)> = ["firstorder", "shape", "shape2D", "glcm", "glrlm", "glszm", "gldm", "ngtdm"]
            .iter()
            .map(|c| (default_feature_names(c).len(), all_feature_names(c).len()))
            .collect();
        assert_eq!(counts, vec![(18, 19), (14, 17), (9, 10), (24, 28), (16, 16), (16, 16), (14, 16), (5, 5)]);
        // Sorted as Python sorts the method names (byte order of "get<Name>FeatureValue").
        for c in ["firstorder", "shape", "shape2D", "glcm", "glrlm", "glszm", "gldm", "ngtdm"] {
            let n = all_feature_names(c);
            let mut s = n.clone();
            s.sort_by_key(|x| format!("get{x}FeatureValue"));
            assert_eq!(n, s, "{c}");
        }
    }
}
