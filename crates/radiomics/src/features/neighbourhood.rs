//! What the five texture classes share: checking a [`DiscretizedRoi`], the gray levels present in
//! it, and pyradiomics' neighbour directions ("angles").
//!
//! The angle set reproduces `get_angle_count` / `build_angles` of pyradiomics' C extension
//! (AIM-Harvard/pyradiomics:radiomics/src/cmatrices.c): offsets are given in numpy (z, y, x) order;
//! an offset is a direction when it is not all zero, does not move along `force2Ddimension` (with
//! `force2D`), is smaller than the cropped box in every axis (|o| < size), and its infinity norm is
//! one of `distances`. They are enumerated from +d down to -d with the last axis (x) fastest, so
//! the first half of the bidirectional list is the mono-directional set (13 angles in 3D, 4 in 2D)
//! and the second half mirrors it.

use super::DiscretizedRoi;
use crate::RadiomicsError;

/// Marks a voxel outside the ROI in a compact-level array.
pub(crate) const OUTSIDE: u32 = u32::MAX;

/// The ROI prepared for matrix construction: gray levels mapped to compact indices, in a copy of
/// the box padded with [`OUTSIDE`] voxels so that neighbour look-ups need no bounds checks.
pub(crate) struct PreparedRoi {
    /// Box size in numpy order (z, y, x).
    pub size_zyx: [usize; 3],
    /// Padding on each side, numpy order: min(largest distance, size - 1), so every offset of
    /// the angle set stays inside the padded array.
    pub pad_zyx: [usize; 3],
    /// Padded size in numpy order.
    pub dims_zyx: [usize; 3],
    /// Per voxel of the padded box: index into `levels` of its gray level, or [`OUTSIDE`].
    pub compact: Vec<u32>,
    /// Padded flat indices of the ROI voxels, in C order over (z, y, x) (pyradiomics' order).
    pub roi: Vec<u32>,
    /// Gray levels (bin indices) present in the ROI, ascending (pyradiomics' `grayLevels`).
    pub levels: Vec<u32>,
    /// Largest gray level present (pyradiomics' `Ng`).
    pub ng_max: u32,
}

impl PreparedRoi {
    /// Number of gray levels present (the size of the matrices after pyradiomics deletes the
    /// empty levels).
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// Spacing in numpy order (z, y, x).
    pub fn spacing_zyx(roi: &DiscretizedRoi) -> [f64; 3] {
        [roi.spacing[2], roi.spacing[1], roi.spacing[0]]
    }

    /// Flat step in the padded array for an offset (numpy order).
    pub fn delta(&self, off: [i32; 3]) -> isize {
        let [_, dy, dx] = self.dims_zyx;
        off[0] as isize * (dy * dx) as isize + off[1] as isize * dx as isize + off[2] as isize
    }

    /// (z, y, x) in the unpadded box of a padded flat index.
    pub fn coords(&self, i: usize) -> [usize; 3] {
        let [_, dy, dx] = self.dims_zyx;
        let (z, r) = (i / (dy * dx), i % (dy * dx));
        [
            z - self.pad_zyx[0],
            r / dx - self.pad_zyx[1],
            r % dx - self.pad_zyx[2],
        ]
    }
}

/// Checks the ROI and maps its gray levels to compact indices, padding the box by
/// min(`max_distance`, size - 1) per axis.
pub(crate) fn prepare(
    roi: &DiscretizedRoi,
    class: &str,
    max_distance: usize,
) -> Result<PreparedRoi, RadiomicsError> {
    let [sx, sy, sz] = roi.size;
    let n = sx
        .checked_mul(sy)
        .and_then(|v| v.checked_mul(sz))
        .ok_or_else(|| invalid(class, format!("box size {:?} overflows", roi.size)))?;
    if n == 0 {
        return Err(invalid(class, format!("box size {:?} is empty", roi.size)));
    }
    if roi.bins.len() != n || roi.mask.len() != n {
        return Err(invalid(
            class,
            format!(
                "box {sx}x{sy}x{sz} holds {n} voxels but bins has {} and mask {}; pass arrays of \
                 the box size",
                roi.bins.len(),
                roi.mask.len()
            ),
        ));
    }
    let size_zyx = [sz, sy, sx];
    let pad_zyx: [usize; 3] = std::array::from_fn(|d| max_distance.min(size_zyx[d] - 1));
    let dims_zyx: [usize; 3] = std::array::from_fn(|d| size_zyx[d] + 2 * pad_zyx[d]);
    let total = dims_zyx.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let total = match total {
        Some(t) if t < (u32::MAX - 1) as usize => t,
        _ => {
            return Err(invalid(
                class,
                format!("box size {:?} is too large", roi.size),
            ));
        }
    };
    // One pass over the box: copy the ROI's gray levels into the padded box and list the ROI
    // voxels; then map the levels to compact indices over the ROI voxels only.
    let mut compact = vec![OUTSIDE; total];
    let mut roi_idx = Vec::new();
    let mut ng_max = 0u32;
    let mut bad = false;
    let [_, dy, dx] = dims_zyx;
    for z in 0..sz {
        for y in 0..sy {
            let src = (z * sy + y) * sx;
            let dst = ((z + pad_zyx[0]) * dy + y + pad_zyx[1]) * dx + pad_zyx[2];
            let mask = &roi.mask[src..src + sx];
            let bins = &roi.bins[src..src + sx];
            for x in 0..sx {
                if mask[x] {
                    let b = bins[x];
                    bad |= b == 0 || b >= OUTSIDE - 1;
                    ng_max = ng_max.max(b);
                    compact[dst + x] = b;
                    roi_idx.push((dst + x) as u32);
                }
            }
        }
    }
    if roi_idx.is_empty() {
        return Err(invalid(
            class,
            "the mask selects no voxel; check the label".to_string(),
        ));
    }
    if bad {
        return Err(invalid(
            class,
            "a ROI voxel has gray level 0; discretised levels start at 1".to_string(),
        ));
    }
    if ng_max as usize > 1 << 26 {
        return Err(invalid(
            class,
            format!("{ng_max} gray levels are too many; increase binWidth or set binCount"),
        ));
    }
    let mut lut = vec![OUTSIDE; ng_max as usize + 1];
    for &i in &roi_idx {
        lut[compact[i as usize] as usize] = 0;
    }
    let mut levels = Vec::new();
    for (g, slot) in lut.iter_mut().enumerate() {
        if *slot != OUTSIDE {
            *slot = levels.len() as u32;
            levels.push(g as u32);
        }
    }
    for &i in &roi_idx {
        let c = &mut compact[i as usize];
        *c = lut[*c as usize];
    }
    Ok(PreparedRoi {
        size_zyx,
        pad_zyx,
        dims_zyx,
        compact,
        roi: roi_idx,
        levels,
        ng_max,
    })
}

pub(crate) fn invalid(class: &str, msg: String) -> RadiomicsError {
    RadiomicsError::InvalidInput(format!("{class}: {msg}"))
}

/// pyradiomics' neighbour offsets, in numpy (z, y, x) order: the mono-directional set
/// (`bidirectional = false`: 13 in 3D) or all neighbours (`true`: 26 in 3D), for the given
/// infinity-norm `distances`, leaving out offsets along `force_2d_dim` and offsets not smaller
/// than the box (`size_zyx`).
pub fn angles(
    size_zyx: [usize; 3],
    distances: &[usize],
    force_2d_dim: Option<usize>,
    bidirectional: bool,
) -> Result<Vec<[i32; 3]>, RadiomicsError> {
    if distances.is_empty() {
        return Err(RadiomicsError::InvalidInput(
            "distances is empty; give at least one distance (default [1])".to_string(),
        ));
    }
    if let Some(&d) = distances.iter().find(|&&d| !(1..=1 << 20).contains(&d)) {
        return Err(RadiomicsError::InvalidInput(format!(
            "distance {d} is invalid; distances must be whole numbers >= 1"
        )));
    }
    if let Some(dim) = force_2d_dim.filter(|&d| d > 2) {
        return Err(RadiomicsError::InvalidInput(format!(
            "force2Ddimension {dim} is invalid; use 0 (z), 1 (y) or 2 (x)"
        )));
    }
    let size: [i64; 3] = [size_zyx[0] as i64, size_zyx[1] as i64, size_zyx[2] as i64];
    // Angle count as get_angle_count computes it (per distance: (2d+1)^Nd - (2d-1)^Nd, with
    // axes shorter than d limited to their size and the force2D axis left out).
    let mut na: i64 = 0;
    for &d in distances {
        let d = d as i64;
        let (mut full, mut inner) = (1i64, 1i64);
        for (dim, &s) in size.iter().enumerate() {
            if Some(dim) == force_2d_dim {
                continue;
            }
            if d < s {
                full *= 2 * d + 1;
                inner *= 2 * d - 1;
            } else {
                full *= 2 * (s - 1) + 1;
                inner *= 2 * (s - 1) + 1;
            }
        }
        na += full - inner;
    }
    if !bidirectional {
        na /= 2;
    }
    if na <= 0 {
        return Err(RadiomicsError::InvalidInput(format!(
            "no neighbour direction fits the ROI box (z, y, x) = {size_zyx:?} with distances \
             {distances:?}{}; pyradiomics fails here too (\"Error getting angle count\"): the ROI \
             must extend over more than one voxel in an in-plane direction",
            if force_2d_dim.is_some() {
                " and force2D"
            } else {
                ""
            }
        )));
    }
    // build_angles: cycle through the offset combinations in pyradiomics' order (+d down to -d,
    // last axis fastest). Offsets that build_angles skips as invalid (|o| >= size, or moving
    // along the force2D axis) are left out of the per-axis lists up front, which keeps the order
    // and avoids enumerating huge distances one by one.
    let max_d = *distances.iter().max().unwrap_or(&1) as i64;
    let axis: Vec<Vec<i64>> = (0..3)
        .map(|dim| {
            if Some(dim) == force_2d_dim {
                vec![0]
            } else {
                let r = max_d.min(size[dim] - 1);
                (-r..=r).rev().collect()
            }
        })
        .collect();
    let combos = axis.iter().map(|a| a.len()).product::<usize>();
    let mut out = Vec::with_capacity(na as usize);
    // build_angles wraps around when `distances` repeats a value; bound the cycles all the same.
    for k in 0..combos * (distances.len() + 1) {
        if out.len() as i64 >= na {
            break;
        }
        let k = k % combos;
        let iz = k / (axis[1].len() * axis[2].len());
        let iy = (k / axis[2].len()) % axis[1].len();
        let ix = k % axis[2].len();
        let off = [axis[0][iz], axis[1][iy], axis[2][ix]];
        let a_dist = off.iter().map(|o| o.abs()).max().unwrap_or(0);
        if a_dist >= 1 && distances.iter().any(|&d| d as i64 == a_dist) {
            out.push([off[0] as i32, off[1] as i32, off[2] as i32]);
        }
    }
    Ok(out)
}

/// The force2D axis as pyradiomics' C code uses it: `None` unless `force2D` is set.
pub(crate) fn force_dim(settings: &super::TextureSettings) -> Option<usize> {
    settings.force_2d.then_some(settings.force_2d_dimension)
}

/// Calls `f(i, j)` for every pair of ROI voxels `i` and its neighbour `j = i + offset` (both in
/// the box and in the ROI). `i` and `j` are flat indices into the padded box.
#[inline]
pub(crate) fn for_each_pair(p: &PreparedRoi, off: [i32; 3], mut f: impl FnMut(usize, usize)) {
    let delta = p.delta(off);
    let c = &p.compact;
    for &i in &p.roi {
        let j = (i as isize + delta) as usize;
        if c[j] != OUTSIDE {
            f(i as usize, j);
        }
    }
}

/// [`prepare`] padded for the largest of `settings.distances`, and the [`angles`] those
/// settings ask for (the GLCM, GLDM and NGTDM set-up).
pub(crate) fn prepare_with_angles(
    roi: &super::DiscretizedRoi,
    class: &'static str,
    settings: &super::TextureSettings,
    bidirectional: bool,
) -> Result<(PreparedRoi, Vec<[i32; 3]>), RadiomicsError> {
    let prep = prepare(roi, class, max_distance(&settings.distances))?;
    let offsets = angles(prep.size_zyx, &settings.distances, force_dim(settings), bidirectional)?;
    Ok((prep, offsets))
}

/// The largest distance, for the padding of [`prepare`].
pub(crate) fn max_distance(distances: &[usize]) -> usize {
    distances.iter().copied().max().unwrap_or(1).max(1)
}

/// Mean of the non-NaN values (numpy.nanmean); NaN when there is none.
pub(crate) fn nanmean(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut n) = (0.0, 0usize);
    for v in values {
        if !v.is_nan() {
            s += v;
            n += 1;
        }
    }
    if n == 0 { f64::NAN } else { s / n as f64 }
}

/// numpy.spacing(1): the epsilon pyradiomics adds inside log2 and some denominators.
pub(crate) const EPS: f64 = f64::EPSILON;

/// The weighting norms pyradiomics accepts for `weightingNorm`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Norm {
    Manhattan,
    Euclidean,
    Infinity,
    NoWeighting,
}

pub(crate) fn parse_norm(s: Option<&str>) -> Result<Option<Norm>, RadiomicsError> {
    match s {
        None => Ok(None),
        Some("manhattan") => Ok(Some(Norm::Manhattan)),
        Some("euclidean") => Ok(Some(Norm::Euclidean)),
        Some("infinity") => Ok(Some(Norm::Infinity)),
        Some("no_weighting") => Ok(Some(Norm::NoWeighting)),
        Some(other) => Err(RadiomicsError::InvalidInput(format!(
            "weightingNorm \"{other}\" is not valid; use one of euclidean, manhattan, infinity, \
             no_weighting, or leave it out"
        ))),
    }
}

/// Length of `offset` (numpy order) scaled by `spacing_zyx` under `norm` (GLRLM weights; GLCM
/// uses exp(-length^2)).
pub(crate) fn norm_length(norm: Norm, offset: [i32; 3], spacing_zyx: [f64; 3]) -> f64 {
    let v = [
        (offset[0] as f64).abs() * spacing_zyx[0],
        (offset[1] as f64).abs() * spacing_zyx[1],
        (offset[2] as f64).abs() * spacing_zyx[2],
    ];
    match norm {
        Norm::Manhattan => v[0] + v[1] + v[2],
        Norm::Euclidean => (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt(),
        Norm::Infinity => v[0].max(v[1]).max(v[2]),
        Norm::NoWeighting => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_and_twenty_six_angles_in_pyradiomics_order() {
        let mono = angles([5, 5, 5], &[1], None, false).unwrap();
        assert_eq!(mono.len(), 13);
        assert_eq!(mono[0], [1, 1, 1]);
        assert_eq!(mono[1], [1, 1, 0]);
        assert_eq!(mono[2], [1, 1, -1]);
        assert_eq!(mono[3], [1, 0, 1]);
        assert_eq!(mono[12], [0, 0, 1]);
        let bi = angles([5, 5, 5], &[1], None, true).unwrap();
        assert_eq!(bi.len(), 26);
        assert_eq!(&bi[..13], &mono[..]);
        for (a, b) in bi[..13].iter().zip(bi[13..].iter().rev()) {
            assert_eq!([-a[0], -a[1], -a[2]], *b);
        }
    }

    #[test]
    fn two_d_and_thin_boxes() {
        // force2D along z: the 4 in-plane directions (0,1,1), (0,1,0), (0,1,-1), (0,0,1).
        let a = angles([5, 5, 5], &[1], Some(0), false).unwrap();
        assert_eq!(a, vec![[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]]);
        // A one-slice box has no z-moving direction even without force2D.
        assert_eq!(angles([1, 5, 5], &[1], None, false).unwrap(), a);
        // force2Ddimension 2 (x): directions in the z-y plane.
        let a = angles([5, 5, 5], &[1], Some(2), false).unwrap();
        assert_eq!(a, vec![[1, 1, 0], [1, 0, 0], [1, -1, 0], [0, 1, 0]]);
        // Distance 2: 98 bidirectional = 5^3 - 3^3, mono 49; both distances: 62 mono.
        assert_eq!(angles([5, 5, 5], &[2], None, true).unwrap().len(), 98);
        assert_eq!(angles([5, 5, 5], &[1, 2], None, false).unwrap().len(), 62);
        // Distance 2 in a box only 2 voxels thick in z: z offsets limited to -1..1.
        let a = angles([2, 5, 5], &[2], None, false).unwrap();
        assert_eq!(a.len(), (3 * 25 - 3 * 9) / 2);
        assert!(
            a.iter()
                .all(|o| o[0].abs() <= 1 && o[1].abs().max(o[2].abs()) == 2)
        );
        // A distance beyond the box gives no direction of its own (quickly, even when huge).
        assert!(angles([2, 3, 3], &[1_000_000], None, false).is_err());
        assert_eq!(
            angles([2, 3, 3], &[1, 1_000_000], None, false).unwrap(),
            angles([2, 3, 3], &[1], None, false).unwrap()
        );
        // A repeated distance makes build_angles wrap around: the 13 angles, then the 13 mirrored.
        let twice = angles([5, 5, 5], &[1, 1], None, false).unwrap();
        assert_eq!(twice, angles([5, 5, 5], &[1], None, true).unwrap());
        // A single voxel has no direction: error, not a panic.
        assert!(angles([1, 1, 1], &[1], None, false).is_err());
        assert!(angles([5, 5, 5], &[0], None, false).is_err());
        assert!(angles([5, 5, 5], &[], None, false).is_err());
    }
}
