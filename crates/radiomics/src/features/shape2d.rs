//! 2-D shape features (pyradiomics `radiomics/shape2D.py`, marching squares in
//! `radiomics/src/cshape.c`), computed when `force2D` is set and the ROI is one slice thick
//! along `force2Ddimension`.
//!
//! Notation: A = MeshSurface, P = Perimeter, N_p = ROI pixel count, λ_minor ≤ λ_major the
//! eigenvalues of the covariance (divided by N_p) of the physical pixel-centre coordinates.

/// Corner offsets (row, column) of the marching square.
const CORNERS: [[usize; 2]; 4] = [[0, 0], [0, 1], [1, 1], [1, 0]];
/// Mid-points of the square's edges (row, column).
const EDGE_POINTS: [[f64; 2]; 4] = [[0.0, 0.5], [0.5, 1.0], [1.0, 0.5], [0.5, 0.0]];
/// Line segments (pairs of edges) per square configuration, oriented as pyradiomics'
/// `lineTable2D` so that the signed area is positive.
const LINES: [&[u8]; 16] = [
    &[],
    &[3, 0],
    &[0, 1],
    &[3, 1],
    &[1, 2],
    &[1, 2, 3, 0],
    &[0, 2],
    &[3, 2],
    &[2, 3],
    &[2, 0],
    &[0, 1, 2, 3],
    &[2, 1],
    &[1, 3],
    &[1, 0],
    &[0, 3],
    &[],
];

/// Perimeter, signed surface and maximum diameter of the contour of a padded 2-D mask
/// (`dims` = rows, columns; `spacing` in the same order).
pub fn contour(mask: &[bool], dims: [usize; 2], spacing: [f64; 2]) -> (f64, f64, f64) {
    let [nr, nc] = dims;
    let mut perimeter = 0.0f64;
    let mut surface = 0.0f64;
    let mut vr: Vec<f64> = Vec::new();
    let mut vc: Vec<f64> = Vec::new();
    if nr < 2 || nc < 2 {
        return (0.0, 0.0, 0.0);
    }
    for iy in 0..nr - 1 {
        for ix in 0..nc - 1 {
            let mut sq: u8 = 0;
            for (k, c) in CORNERS.iter().enumerate() {
                if mask[(iy + c[0]) * nc + ix + c[1]] {
                    sq |= 1 << k;
                }
            }
            if sq == 0 || sq == 0xF {
                continue;
            }
            let base = [iy as f64, ix as f64];
            for seg in LINES[sq as usize].chunks_exact(2) {
                let mut a = [0.0; 2];
                let mut b = [0.0; 2];
                for d in 0..2 {
                    a[d] = (base[d] + EDGE_POINTS[seg[0] as usize][d]) * spacing[d];
                    b[d] = (base[d] + EDGE_POINTS[seg[1] as usize][d]) * spacing[d];
                }
                surface += a[0] * b[1] - b[0] * a[1];
                let d0 = a[0] - b[0];
                let d1 = a[1] - b[1];
                perimeter += (d0 * d0 + d1 * d1).sqrt();
            }
            let f = if sq > 7 { sq ^ 0xF } else { sq };
            for (bit, edge) in [(0u8, 3usize), (2, 2)] {
                if f & (1 << bit) != 0 {
                    vr.push((base[0] + EDGE_POINTS[edge][0]) * spacing[0]);
                    vc.push((base[1] + EDGE_POINTS[edge][1]) * spacing[1]);
                }
            }
        }
    }
    let mut best = 0.0f64;
    for i in 1..vr.len() {
        for j in 0..i {
            let a = vr[i] - vr[j];
            let b = vc[i] - vc[j];
            let d = a * a + b * b;
            if d > best {
                best = d;
            }
        }
    }
    (perimeter, surface / 2.0, best.sqrt())
}

/// Shape2D features of one ROI.
#[derive(Debug, Clone)]
pub struct Shape2D {
    pub perimeter: f64,
    pub surface: f64,
    pub diameter: f64,
    /// λ_minor, λ_major.
    pub eigenvalues: [f64; 2],
    pub pixel_count: usize,
    pub pixel_area: f64,
}

impl Shape2D {
    /// `mask`: the cropped ROI, x fastest (size x, y, z), one voxel thick along numpy axis
    /// `force2d_dimension` (0 = z, 1 = y, 2 = x); `spacing` (x, y, z).
    pub fn new(mask: &[bool], size: [usize; 3], spacing: [f64; 3], force2d_dimension: usize) -> Shape2D {
        // numpy (z, y, x) axes that remain, in order.
        let np_size = [size[2], size[1], size[0]];
        let np_sp = [spacing[2], spacing[1], spacing[0]];
        let axes: Vec<usize> = (0..3).filter(|&a| a != force2d_dimension).collect();
        let (r_ax, c_ax) = (axes[0], axes[1]);
        let dims = [np_size[r_ax] + 2, np_size[c_ax] + 2];
        let sp = [np_sp[r_ax], np_sp[c_ax]];
        let mut padded = vec![false; dims[0] * dims[1]];
        let mut coords: Vec<[f64; 2]> = Vec::new();
        for z in 0..size[2] {
            for y in 0..size[1] {
                for x in 0..size[0] {
                    if mask[x + size[0] * (y + size[1] * z)] {
                        let np = [z, y, x];
                        let (r, c) = (np[r_ax] + 1, np[c_ax] + 1);
                        padded[r * dims[1] + c] = true;
                    }
                }
            }
        }
        for r in 0..dims[0] {
            for c in 0..dims[1] {
                if padded[r * dims[1] + c] {
                    coords.push([r as f64 * sp[0], c as f64 * sp[1]]);
                }
            }
        }
        let (perimeter, surface, diameter) = contour(&padded, dims, sp);
        let n = coords.len() as f64;
        let mut mean = [0.0; 2];
        for p in &coords {
            mean[0] += p[0];
            mean[1] += p[1];
        }
        mean[0] /= n;
        mean[1] /= n;
        let norm = n.sqrt();
        let (mut a, mut b, mut d) = (0.0, 0.0, 0.0);
        for p in &coords {
            let u = (p[0] - mean[0]) / norm;
            let v = (p[1] - mean[1]) / norm;
            a += u * u;
            b += u * v;
            d += v * v;
        }
        let half = (a + d) / 2.0;
        let disc = (((a - d) / 2.0).powi(2) + b * b).sqrt();
        let mut ev = [half - disc, half + disc];
        for e in &mut ev {
            if *e < 0.0 && *e > -1e-10 {
                *e = 0.0;
            }
        }
        Shape2D { perimeter, surface, diameter, eigenvalues: ev, pixel_count: coords.len(), pixel_area: sp[0] * sp[1] }
    }

    /// MeshSurface A = Σ_f ½ (O a_f × O b_f) over the contour segments
    pub fn mesh_surface(&self) -> f64 {
        self.surface
    }

    /// PixelSurface = N_p · A_pixel
    pub fn pixel_surface(&self) -> f64 {
        self.pixel_count as f64 * self.pixel_area
    }

    /// Perimeter P = Σ_f |a_f − b_f|
    pub fn perimeter(&self) -> f64 {
        self.perimeter
    }

    /// PerimeterSurfaceRatio = P / A
    pub fn perimeter_surface_ratio(&self) -> f64 {
        self.perimeter / self.surface
    }

    /// Sphericity = 2 sqrt(π A) / P
    pub fn sphericity(&self) -> f64 {
        2.0 * (std::f64::consts::PI * self.surface).sqrt() / self.perimeter
    }

    /// SphericalDisproportion = 1 / Sphericity  (deprecated)
    pub fn spherical_disproportion(&self) -> f64 {
        1.0 / self.sphericity()
    }

    /// MaximumDiameter = max distance between two contour vertices
    pub fn maximum_diameter(&self) -> f64 {
        self.diameter
    }

    /// MajorAxisLength = 4 sqrt(λ_major)
    pub fn major_axis_length(&self) -> f64 {
        if self.eigenvalues[1] < 0.0 { f64::NAN } else { self.eigenvalues[1].sqrt() * 4.0 }
    }

    /// MinorAxisLength = 4 sqrt(λ_minor)
    pub fn minor_axis_length(&self) -> f64 {
        if self.eigenvalues[0] < 0.0 { f64::NAN } else { self.eigenvalues[0].sqrt() * 4.0 }
    }

    /// Elongation = sqrt(λ_minor / λ_major)
    pub fn elongation(&self) -> f64 {
        let e = self.eigenvalues;
        if e[0] < 0.0 || e[1] < 0.0 { f64::NAN } else { (e[0] / e[1]).sqrt() }
    }

    /// A feature by its pyradiomics name.
    pub fn by_name(&self, name: &str) -> Option<f64> {
        Some(match name {
            "Elongation" => self.elongation(),
            "MajorAxisLength" => self.major_axis_length(),
            "MaximumDiameter" => self.maximum_diameter(),
            "MeshSurface" => self.mesh_surface(),
            "MinorAxisLength" => self.minor_axis_length(),
            "Perimeter" => self.perimeter(),
            "PerimeterSurfaceRatio" => self.perimeter_surface_ratio(),
            "PixelSurface" => self.pixel_surface(),
            "SphericalDisproportion" => self.spherical_disproportion(),
            "Sphericity" => self.sphericity(),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_pixel_is_a_diamond() {
        let s = Shape2D::new(&[true], [1, 1, 1], [1.0, 1.0, 1.0], 0);
        // Diamond through the 4 edge mid-points: area 0.5, perimeter 4·sqrt(0.5).
        assert!((s.mesh_surface() - 0.5).abs() < 1e-12);
        assert!((s.perimeter() - 4.0 * 0.5f64.sqrt()).abs() < 1e-12);
        assert!((s.maximum_diameter() - 1.0).abs() < 1e-12);
        assert_eq!(s.pixel_surface(), 1.0);
    }

    #[test]
    fn rectangle_in_the_xz_plane() {
        // 3 (x) by 2 (z) pixels, one voxel thick along y (numpy axis 1); spacing x 1, z 2.
        let s = Shape2D::new(&[true; 6], [3, 1, 2], [1.0, 5.0, 2.0], 1);
        assert_eq!(s.pixel_surface(), 12.0);
        // Contour cuts the 4 corners: area = 12 - 4 · (0.5 · 0.5 · 1 · 0.5)... = 12 - 4·0.25
        assert!((s.mesh_surface() - (12.0 - 4.0 * 0.5 * 0.5 * 1.0)).abs() < 1e-12, "{}", s.mesh_surface());
    }
}
