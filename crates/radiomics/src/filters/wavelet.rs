//! Wavelet image type: pyradiomics' undecimated (stationary) wavelet decomposition.
//!
//! pyradiomics (`radiomics/imageoperations.py`, `getWaveletImage` / `_swt3`, AIM-Harvard/pyradiomics)
//! takes the (z, y, x) voxel array, pads every odd-sized axis by one voxel at its end with numpy's
//! `'wrap'` mode (the voxel at index 0 is repeated), and then, once per level, calls
//! `pywt.swtn(data, wavelet, level=1, start_level=0, axes=(2, 1, 0))` and carries the all-low-pass
//! band (`aaa`) to the next level. Because every call is a *level-1* transform, the filters are
//! never dilated between levels (unlike a true multi-level SWT). The first `start_level` levels only
//! produce the approximation; the `level` levels after them each yield the 7 (3-D) or 3 (force2D)
//! detail bands, and the last approximation is yielded at the end. Outputs are cropped back to the
//! input size.
//!
//! The 1-D level-1 SWT of PyWavelets (`PyWavelets/pywt:pywt/_extensions/c/wt.template.c`, `_swt_`,
//! which calls `_downsampling_convolution_periodization` of `convolution.template.c` with step 1
//! and fstep 1: output `o` is `sum_j filter[j] * input[(o + F/2 − j) mod N]`, the wrap written
//! out in its boundary loops) is, for a filter `f` of (even) length `F` and a signal of length `N`:
//!
//! ```text
//! y[n] = sum_{k=0}^{F-1} f[k] * x[(n + F/2 - k) mod N]
//! ```
//!
//! with `f = dec_lo` for the approximation and `f = dec_hi` for the detail; this holds for `F > N`
//! too (the signal wraps several times). It was checked against `pywt.swt` for haar, db2, coif1,
//! sym4, bior1.3, bior6.8, rbio3.1 and dmey on lengths 2 to 64. `swtn` applies it separably along
//! x, then y, then z; the band key has one letter per axis in that order (`a` -> `L`, `d` -> `H`),
//! so `LLH` is low-pass along x and y and high-pass along z.
//!
//! The filter coefficients are PyWavelets' own, generated into `wavelet_table.rs` by
//! `tools/reference/make_wavelet_table.py`. The convolution is written here because no Rust crate
//! implements PyWavelets' periodic SWT conventions.

use super::wavelet_table::WAVELETS;
use crate::error::RadiomicsError;
use super::{DerivedImage, Region};
use crate::image::{Image, PixelType};

/// A discrete wavelet's decomposition filters, as PyWavelets' `Wavelet(name).dec_lo / dec_hi`.
#[derive(Debug, Clone, Copy)]
pub struct Wavelet {
    pub name: &'static str,
    pub dec_lo: &'static [f64],
    pub dec_hi: &'static [f64],
}

impl Wavelet {
    /// Look a wavelet up by its PyWavelets name (`haar`, `db1`..`db38`, `sym2`..`sym20`,
    /// `coif1`..`coif17`, `bior1.1`.., `rbio1.1`.., `dmey`).
    pub fn from_name(name: &str) -> Result<Wavelet, RadiomicsError> {
        WAVELETS
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|&(name, dec_lo, dec_hi)| Wavelet { name, dec_lo, dec_hi })
            .ok_or_else(|| {
                RadiomicsError::InvalidInput(format!(
                    "wavelet '{name}' is not a discrete PyWavelets wavelet; use one of {}",
                    wavelet_names().collect::<Vec<_>>().join(", ")
                ))
            })
    }
}

/// Names of every wavelet [`Wavelet::from_name`] accepts.
pub fn wavelet_names() -> impl Iterator<Item = &'static str> {
    WAVELETS.iter().map(|(n, _, _)| *n)
}

/// pyradiomics' wavelet settings (`wavelet`, `level`, `start_level`, `force2D`, `force2Ddimension`).
#[derive(Debug, Clone, PartialEq)]
pub struct WaveletSettings {
    /// PyWavelets wavelet name, default `coif1`.
    pub wavelet: String,
    /// Number of levels whose bands are returned, default 1.
    pub level: usize,
    /// 0-based level of the first returned decomposition, default 0.
    pub start_level: usize,
    /// `Some(d)` when force2D is set: numpy axis `d` of the (z, y, x) array (0 = z, 1 = y, 2 = x)
    /// is not transformed and the band names have two letters.
    pub force2d_dimension: Option<usize>,
}

impl Default for WaveletSettings {
    fn default() -> Self {
        WaveletSettings { wavelet: "coif1".into(), level: 1, start_level: 0, force2d_dimension: None }
    }
}

/// A dense box of the padded periodic volume (x fastest) used during the transform: global
/// (padded) indices `lo[a] .. lo[a] + dims[a]` along each axis, never wrapping.
struct Vol {
    data: Vec<f64>,
    lo: [usize; 3],
    dims: [usize; 3],
}

/// Input range along one axis that outputs `[a, b)` need: `(n + h − k) mod P` for k < F.
/// The whole axis when that range would wrap or cover it.
fn needed(range: (usize, usize), flen: usize, p: usize) -> (usize, usize) {
    let h = flen / 2;
    let lo = range.0 as isize + h as isize - (flen as isize - 1);
    let hi = range.1 as isize - 1 + h as isize; // inclusive
    if lo < 0 || hi >= p as isize || (hi - lo + 1) as usize >= p { (0, p) } else { (lo as usize, hi as usize + 1) }
}

/// Periodic level-1 SWT filtering of `v` along `axis` (0 = x, 1 = y, 2 = z) with filter `f`,
/// producing the outputs at global indices `out.0 .. out.1` of a padded axis of length `p`.
fn conv_axis(v: &Vol, axis: usize, f: &[f64], out: (usize, usize), p: usize) -> Vol {
    let mut dims = v.dims;
    let mut lo = v.lo;
    let n_out = out.1 - out.0;
    dims[axis] = n_out;
    lo[axis] = out.0;
    let n_in = v.dims[axis];
    let inner: usize = dims[..axis].iter().product();
    let outer: usize = dims[axis + 1..].iter().product();
    let flen = f.len();
    let h = flen as isize / 2;
    // Local input index of global output n and tap k.
    let local = |n: usize, k: usize| -> usize {
        let g = (n as isize + h - k as isize).rem_euclid(p as isize) as usize;
        g - v.lo[axis]
    };
    let mut data = vec![0.0; inner * n_out * outer];
    if axis == 0 {
        // Contiguous lines: gather the periodic continuation, then accumulate the taps over the
        // whole line (vectorises). ext[m] = x[(out.0 + m + h − (F−1)) mod P], so
        // y[i] = sum_k f[k] ext[i + F−1−k].
        let src_of: Vec<usize> = (0..n_out + flen - 1).map(|m| local(out.0 + m, flen - 1)).collect();
        let mut ext = vec![0.0; n_out + flen - 1];
        for (line, oline) in v.data.chunks_exact(n_in).zip(data.chunks_exact_mut(n_out)) {
            for (e, &si) in ext.iter_mut().zip(&src_of) {
                *e = line[si];
            }
            for (k, &fk) in f.iter().enumerate() {
                let e = &ext[flen - 1 - k..flen - 1 - k + n_out];
                for (o, &x) in oline.iter_mut().zip(e) {
                    *o += fk * x;
                }
            }
        }
    } else {
        // Strided axis: accumulate rows of `inner` contiguous voxels, in chunks that stay in cache.
        const CHUNK: usize = 2048;
        let src_of: Vec<Vec<usize>> = (0..n_out).map(|i| (0..flen).map(|k| local(out.0 + i, k)).collect()).collect();
        for o in 0..outer {
            let ibase = o * n_in * inner;
            let obase = o * n_out * inner;
            for (i, srcs) in src_of.iter().enumerate() {
                let dst = obase + i * inner;
                let mut j0 = 0;
                while j0 < inner {
                    let w = CHUNK.min(inner - j0);
                    let acc = &mut data[dst + j0..dst + j0 + w];
                    for (&fk, &si) in f.iter().zip(srcs) {
                        let s = ibase + si * inner + j0;
                        for (a, &x) in acc.iter_mut().zip(&v.data[s..s + w]) {
                            *a += fk * x;
                        }
                    }
                    j0 += w;
                }
            }
        }
    }
    Vol { data, lo, dims }
}

/// One level-1 `swtn` over `axes` (in transform order) with outputs in the box `out` (global
/// ranges per axis); `v` must cover what they need. Every band, keyed by its a/d string.
fn swtn_level(
    v: Vol,
    axes: &[usize],
    w: &Wavelet,
    out: [(usize, usize); 3],
    p: [usize; 3],
    approx_only: bool,
) -> Vec<(String, Vol)> {
    let mut bands = vec![(String::new(), v)];
    for &axis in axes {
        let mut next = Vec::with_capacity(bands.len() * 2);
        for (key, vol) in bands {
            let a = conv_axis(&vol, axis, w.dec_lo, out[axis], p[axis]);
            next.push((format!("{key}a"), a));
            if !approx_only {
                let d = conv_axis(&vol, axis, w.dec_hi, out[axis], p[axis]);
                next.push((format!("{key}d"), d));
            }
        }
        bands = next;
    }
    bands
}

/// Crop the box `region` (original indices) out of `v` and wrap it as an image with `like`'s
/// geometry moved to the region's first voxel.
fn crop_to_image(v: &Vol, like: &Image, region: &Region) -> Image {
    let [nx, ny, nz] = region.size;
    let mut data = Vec::with_capacity(nx * ny * nz);
    for z in 0..nz {
        for y in 0..ny {
            let lx = region.start[0] - v.lo[0];
            let ly = region.start[1] + y - v.lo[1];
            let lz = region.start[2] + z - v.lo[2];
            let s = lx + v.dims[0] * (ly + v.dims[1] * lz);
            data.extend_from_slice(&v.data[s..s + nx]);
        }
    }
    region.image_like(like, data, PixelType::F64)
}

/// pyradiomics' `getWaveletImage`: the detail bands of levels `start_level+1 ..= start_level+level`
/// (7 per level in 3-D, in PyWavelets' order LLH, LHL, LHH, HLL, HLH, HHL, HHH), then the last
/// approximation (`wavelet-LLL`, or `waveletN-LLL` when `level > 1`). Names carry the level only
/// from the second returned level on, as pyradiomics names them. Outputs are float64.
pub fn wavelet_images(image: &Image, settings: &WaveletSettings) -> Result<Vec<DerivedImage>, RadiomicsError> {
    wavelet_images_in_region(image, settings, &Region::whole(image))
}

/// [`wavelet_images`] computed only where `region` needs it, returning the region's voxels (an
/// image of the region's size whose origin is the region's first voxel, exactly the crop of
/// the whole-image result). Much less work when the region (the ROI bounding box) is small.
pub fn wavelet_images_in_region(
    image: &Image,
    settings: &WaveletSettings,
    region: &Region,
) -> Result<Vec<DerivedImage>, RadiomicsError> {
    super::check_image(image, "wavelet")?;
    region.check(image)?;
    let w = Wavelet::from_name(&settings.wavelet)?;
    if settings.level == 0 {
        return Err(RadiomicsError::InvalidInput("wavelet level must be at least 1".into()));
    }
    // numpy axes (z=0, y=1, x=2) in pyradiomics' order (2, 1, 0), minus the force2D axis;
    // mapped to our axis numbers (x=0, y=1, z=2).
    let mut np_axes: Vec<usize> = vec![2, 1, 0];
    if let Some(d) = settings.force2d_dimension {
        if d > 2 {
            return Err(RadiomicsError::InvalidInput(format!("force2Ddimension must be 0, 1 or 2, got {d}")));
        }
        np_axes.retain(|&a| a != d);
    }
    let axes: Vec<usize> = np_axes.iter().map(|&a| 2 - a).collect();

    // Odd axes are padded by one voxel at the end, numpy 'wrap' (copies index 0).
    let size = image.size;
    let p = [size[0] + size[0] % 2, size[1] + size[1] % 2, size[2] + size[2] % 2];
    let flen = w.dec_lo.len();
    // Output box of every computed level (last first), then the input box of the first one.
    let n_levels = settings.start_level + settings.level;
    let mut boxes: Vec<[(usize, usize); 3]> = Vec::with_capacity(n_levels + 1);
    let mut cur: [(usize, usize); 3] = std::array::from_fn(|a| (region.start[a], region.start[a] + region.size[a]));
    for _ in 0..=n_levels {
        boxes.push(cur);
        let mut next = cur;
        for &a in &axes {
            next[a] = needed(cur[a], flen, p[a]);
        }
        cur = next;
    }
    boxes.reverse(); // boxes[0] = input box of the first level, boxes[l + 1] = output of level l.

    let ib = boxes[0];
    let idims: [usize; 3] = std::array::from_fn(|a| ib[a].1 - ib[a].0);
    let mut data = Vec::with_capacity(idims.iter().product());
    for z in ib[2].0..ib[2].1 {
        for y in ib[1].0..ib[1].1 {
            let row = image.index(0, y % size[1], z % size[2]);
            for x in ib[0].0..ib[0].1 {
                data.push(image.data[row + x % size[0]]);
            }
        }
    }
    let mut approx = Vol { data, lo: [ib[0].0, ib[1].0, ib[2].0], dims: idims };
    let all_l = "a".repeat(axes.len());
    for l in 0..settings.start_level {
        let mut bands = swtn_level(approx, &axes, &w, boxes[l + 1], p, true);
        approx = bands.pop().map(|(_, v)| v).ok_or_else(|| RadiomicsError::InvalidInput("empty swtn".into()))?;
    }
    let mut out = Vec::new();
    for idx in 1..=settings.level {
        let l = settings.start_level + idx - 1;
        let bands = swtn_level(approx, &axes, &w, boxes[l + 1], p, false);
        let mut next = None;
        for (key, vol) in bands {
            if key == all_l {
                next = Some(vol);
                continue;
            }
            let band = key.replace('a', "L").replace('d', "H");
            let name = if idx == 1 { format!("wavelet-{band}") } else { format!("wavelet{idx}-{band}") };
            out.push(DerivedImage { name, image: crop_to_image(&vol, image, region) });
        }
        approx = next.ok_or_else(|| RadiomicsError::InvalidInput("swtn gave no approximation".into()))?;
    }
    let ll = "L".repeat(axes.len());
    let name = if settings.level == 1 { format!("wavelet-{ll}") } else { format!("wavelet{}-{ll}", settings.level) };
    out.push(DerivedImage { name, image: crop_to_image(&approx, image, region) });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_wavelet_has_matching_even_filters() {
        assert_eq!(wavelet_names().count(), 106);
        for (name, lo, hi) in WAVELETS {
            assert_eq!(lo.len(), hi.len(), "{name}");
            assert_eq!(lo.len() % 2, 0, "{name}");
        }
        // Orthogonal wavelets: sum of dec_lo is sqrt(2).
        for n in ["haar", "db4", "sym8", "coif3", "dmey"] {
            let w = Wavelet::from_name(n).unwrap();
            let s: f64 = w.dec_lo.iter().sum();
            assert!((s - 2f64.sqrt()).abs() < 1e-6, "{n}: {s}");
        }
        assert!(Wavelet::from_name("db99").is_err());
    }

    #[test]
    fn region_equals_crop_of_whole() {
        let (nx, ny, nz) = (13, 10, 7);
        let data: Vec<f64> = (0..nx * ny * nz).map(|i| ((i * 7919) % 1009) as f64 - 300.0).collect();
        let img = Image::new(data, [nx, ny, nz], [0.8, 0.9, 3.0]);
        let region = Region { start: [3, 2, 1], size: [4, 5, 3] };
        for ws in [
            WaveletSettings::default(),
            WaveletSettings { wavelet: "haar".into(), start_level: 1, level: 2, force2d_dimension: None },
            WaveletSettings { wavelet: "db2".into(), start_level: 0, level: 1, force2d_dimension: Some(0) },
            WaveletSettings { wavelet: "dmey".into(), ..Default::default() },
        ] {
            let whole = wavelet_images(&img, &ws).unwrap();
            let part = wavelet_images_in_region(&img, &ws, &region).unwrap();
            assert_eq!(whole.len(), part.len());
            for (a, b) in whole.iter().zip(&part) {
                assert_eq!(a.name, b.name);
                assert_eq!(b.image.size, region.size);
                assert_eq!(b.image.origin, img.index_to_physical([3.0, 2.0, 1.0]));
                for z in 0..3 {
                    for y in 0..5 {
                        for x in 0..4 {
                            let va = a.image.data[a.image.index(x + 3, y + 2, z + 1)];
                            let vb = b.image.data[b.image.index(x, y, z)];
                            assert!((va - vb).abs() <= 1e-12 * va.abs().max(1.0), "{} {va} {vb}", a.name);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn haar_on_constant_image() {
        // A constant c gives LLL = 2^{3/2} c and zero detail bands.
        let img = Image::new(vec![3.0; 5 * 4 * 3], [5, 4, 3], [1.0; 3]);
        let out = wavelet_images(&img, &WaveletSettings { wavelet: "haar".into(), ..Default::default() }).unwrap();
        let names: Vec<_> = out.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "wavelet-LLH", "wavelet-LHL", "wavelet-LHH", "wavelet-HLL", "wavelet-HLH", "wavelet-HHL",
                "wavelet-HHH", "wavelet-LLL"
            ]
        );
        for d in &out[..7] {
            assert!(d.image.data.iter().all(|v| v.abs() < 1e-12));
            assert_eq!(d.image.size, [5, 4, 3]);
        }
        assert!(out[7].image.data.iter().all(|v| (v - 3.0 * 8f64.sqrt()).abs() < 1e-12));
    }
}
