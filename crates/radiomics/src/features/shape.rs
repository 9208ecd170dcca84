//! 3-D shape features (pyradiomics `radiomics/shape.py` and the mesh code in
//! `radiomics/src/cshape.c`).
//!
//! The mesh comes from marching cubes over the ROI cropped to its bounding box and padded with
//! one empty voxel on every side; every vertex lies half-way along a cube edge, coordinates are
//! physical (spacing applied, numpy (z, y, x) order, origin at the padded corner). pyradiomics'
//! 128-entry triangle table is used with its mid-point symmetry (a configuration >= 128 is
//! looked up flipped, with the sign of its volume contribution flipped).
//!
//! Notation: V = MeshVolume, A = SurfaceArea, N_v = ROI voxel count, λ_least ≤ λ_minor ≤ λ_major
//! the eigenvalues of the covariance (divided by N_v) of the physical voxel-centre coordinates.

use crate::numeric::sym3_eigenvalues;

/// Corner offsets (z, y, x) of the marching cube, bit k of the configuration = corner k.
const CORNERS: [[usize; 3]; 8] =
    [[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0]];

/// Mid-point of each cube edge, (z, y, x), relative to the cube origin.
const EDGE_POINTS: [[f64; 3]; 12] = [
    [0.0, 0.0, 0.5],
    [0.0, 0.5, 1.0],
    [0.0, 1.0, 0.5],
    [0.0, 0.5, 0.0],
    [1.0, 0.0, 0.5],
    [1.0, 0.5, 1.0],
    [1.0, 1.0, 0.5],
    [1.0, 0.5, 0.0],
    [0.5, 0.0, 0.0],
    [0.5, 0.0, 1.0],
    [0.5, 1.0, 1.0],
    [0.5, 1.0, 0.0],
];

/// Triangles (as edge indices, 3 per triangle) of each of the first 128 cube configurations;
/// configurations >= 128 are the complement (bits flipped, volume sign flipped).
/// Data from pyradiomics' `radiomics/src/cshape.c` (triTable), whose triangle orientation
/// gives outward normals; needed verbatim for the same signed volume and surface.
pub(crate) const TRI_TABLE: [&[u8]; 128] = [
    &[],
    &[0, 8, 3],
    &[1, 9, 0],
    &[1, 8, 3, 1, 9, 8],
    &[1, 2, 10],
    &[0, 8, 3, 1, 2, 10],
    &[9, 2, 10, 0, 2, 9],
    &[2, 8, 3, 2, 10, 8, 10, 9, 8],
    &[11, 2, 3],
    &[11, 2, 0, 0, 8, 11],
    &[1, 9, 0, 11, 2, 3],
    &[11, 2, 1, 1, 9, 11, 9, 8, 11],
    &[3, 10, 1, 11, 10, 3],
    &[10, 1, 0, 0, 8, 10, 8, 11, 10],
    &[9, 0, 3, 3, 11, 9, 11, 10, 9],
    &[9, 8, 10, 11, 10, 8],
    &[4, 7, 8],
    &[0, 4, 3, 4, 7, 3],
    &[1, 9, 0, 4, 7, 8],
    &[1, 9, 4, 1, 4, 7, 1, 7, 3],
    &[1, 2, 10, 4, 7, 8],
    &[3, 4, 7, 3, 0, 4, 1, 2, 10],
    &[9, 2, 10, 9, 0, 2, 4, 7, 8],
    &[2, 10, 9, 2, 9, 7, 2, 7, 3, 4, 7, 9],
    &[4, 7, 8, 11, 2, 3],
    &[11, 4, 7, 11, 2, 4, 2, 0, 4],
    &[1, 9, 0, 4, 7, 8, 11, 2, 3],
    &[4, 7, 11, 9, 4, 11, 11, 2, 9, 1, 9, 2],
    &[3, 10, 1, 11, 10, 3, 4, 7, 8],
    &[11, 10, 1, 1, 4, 11, 1, 0, 4, 4, 7, 11],
    &[4, 7, 8, 9, 0, 3, 3, 11, 9, 11, 10, 9],
    &[4, 7, 11, 4, 11, 9, 9, 11, 10],
    &[9, 5, 4],
    &[9, 5, 4, 0, 8, 3],
    &[0, 5, 4, 0, 1, 5],
    &[8, 5, 4, 8, 3, 5, 3, 1, 5],
    &[1, 2, 10, 9, 5, 4],
    &[0, 8, 3, 1, 2, 10, 9, 5, 4],
    &[2, 10, 5, 5, 4, 2, 2, 4, 0],
    &[2, 10, 5, 3, 2, 5, 3, 5, 4, 8, 3, 4],
    &[9, 5, 4, 11, 2, 3],
    &[11, 2, 0, 0, 8, 11, 9, 5, 4],
    &[0, 5, 4, 0, 1, 5, 11, 2, 3],
    &[2, 1, 5, 2, 5, 8, 11, 2, 8, 5, 4, 8],
    &[3, 10, 1, 11, 10, 3, 9, 5, 4],
    &[5, 4, 9, 10, 1, 0, 0, 8, 10, 8, 11, 10],
    &[5, 4, 0, 5, 0, 11, 10, 5, 11, 11, 0, 3],
    &[5, 4, 8, 10, 5, 8, 11, 10, 8],
    &[7, 8, 9, 5, 7, 9],
    &[3, 0, 9, 5, 3, 9, 3, 5, 7],
    &[7, 8, 0, 0, 1, 7, 7, 1, 5],
    &[1, 5, 7, 1, 7, 3],
    &[7, 8, 9, 5, 7, 9, 1, 2, 10],
    &[1, 2, 10, 3, 0, 9, 3, 9, 5, 3, 5, 7],
    &[0, 2, 8, 8, 2, 5, 8, 5, 7, 2, 10, 5],
    &[2, 10, 5, 2, 5, 3, 3, 5, 7],
    &[5, 7, 9, 7, 8, 9, 11, 2, 3],
    &[5, 7, 9, 9, 7, 2, 2, 0, 9, 11, 2, 7],
    &[11, 2, 3, 0, 1, 8, 1, 7, 8, 1, 5, 7],
    &[2, 1, 11, 1, 7, 11, 1, 5, 7],
    &[7, 8, 9, 5, 7, 9, 3, 10, 1, 11, 10, 3],
    &[5, 7, 0, 5, 0, 9, 7, 11, 0, 10, 1, 0, 11, 10, 0],
    &[11, 10, 0, 0, 3, 11, 10, 5, 0, 0, 7, 8, 5, 7, 0],
    &[11, 10, 5, 5, 7, 11],
    &[6, 5, 10],
    &[0, 8, 3, 6, 5, 10],
    &[1, 9, 0, 6, 5, 10],
    &[1, 8, 3, 1, 9, 8, 6, 5, 10],
    &[1, 6, 5, 1, 2, 6],
    &[1, 6, 5, 1, 2, 6, 0, 8, 3],
    &[9, 6, 5, 9, 0, 6, 0, 2, 6],
    &[5, 9, 8, 5, 8, 2, 5, 2, 6, 8, 3, 2],
    &[11, 2, 3, 6, 5, 10],
    &[11, 2, 0, 0, 8, 11, 6, 5, 10],
    &[1, 9, 0, 11, 2, 3, 6, 5, 10],
    &[11, 2, 1, 1, 9, 11, 9, 8, 11, 6, 5, 10],
    &[6, 3, 11, 6, 5, 3, 5, 1, 3],
    &[0, 8, 11, 0, 11, 5, 0, 5, 1, 5, 11, 6],
    &[6, 3, 11, 0, 3, 6, 0, 6, 5, 0, 5, 9],
    &[6, 5, 9, 6, 9, 11, 11, 9, 8],
    &[4, 7, 8, 6, 5, 10],
    &[0, 4, 3, 4, 7, 3, 6, 5, 10],
    &[1, 9, 0, 4, 7, 8, 6, 5, 10],
    &[1, 9, 4, 1, 4, 7, 1, 7, 3, 6, 5, 10],
    &[4, 7, 8, 1, 6, 5, 1, 2, 6],
    &[0, 4, 3, 4, 7, 3, 1, 6, 5, 1, 2, 6],
    &[4, 7, 8, 9, 6, 5, 9, 0, 6, 0, 2, 6],
    &[7, 3, 9, 4, 7, 9, 3, 2, 9, 5, 9, 6, 2, 6, 9],
    &[11, 2, 3, 4, 7, 8, 6, 5, 10],
    &[11, 4, 7, 11, 2, 4, 2, 0, 4, 6, 5, 10],
    &[1, 9, 0, 11, 2, 3, 4, 7, 8, 6, 5, 10],
    &[4, 7, 11, 9, 4, 11, 11, 2, 9, 1, 9, 2, 6, 5, 10],
    &[4, 7, 8, 6, 3, 11, 6, 5, 3, 5, 1, 3],
    &[5, 1, 11, 5, 11, 6, 1, 0, 11, 4, 7, 11, 0, 4, 11],
    &[4, 7, 8, 6, 3, 11, 0, 3, 6, 0, 6, 5, 0, 5, 9],
    &[6, 5, 9, 6, 9, 11, 4, 7, 9, 7, 11, 9],
    &[10, 4, 9, 6, 4, 10],
    &[10, 4, 9, 6, 4, 10, 0, 8, 3],
    &[0, 1, 10, 10, 6, 0, 6, 4, 0],
    &[1, 8, 3, 1, 6, 8, 8, 6, 4, 6, 1, 10],
    &[1, 4, 9, 1, 2, 4, 2, 6, 4],
    &[1, 4, 9, 1, 2, 4, 2, 6, 4, 0, 8, 3],
    &[0, 2, 4, 4, 2, 6],
    &[8, 3, 2, 8, 2, 4, 4, 2, 6],
    &[11, 2, 3, 10, 4, 9, 6, 4, 10],
    &[11, 2, 0, 0, 8, 11, 10, 4, 9, 6, 4, 10],
    &[11, 2, 3, 0, 1, 10, 10, 6, 0, 6, 4, 0],
    &[6, 4, 1, 6, 1, 10, 1, 4, 8, 11, 2, 1, 1, 8, 11],
    &[9, 6, 4, 3, 6, 9, 1, 3, 9, 11, 6, 3],
    &[1, 8, 11, 0, 8, 1, 11, 6, 1, 1, 4, 9, 6, 4, 1],
    &[6, 3, 11, 0, 3, 6, 6, 4, 0],
    &[8, 6, 4, 6, 8, 11],
    &[6, 7, 10, 7, 8, 10, 8, 9, 10],
    &[6, 7, 10, 0, 10, 7, 0, 9, 10, 0, 7, 3],
    &[6, 7, 10, 1, 10, 7, 1, 7, 8, 0, 1, 8],
    &[6, 7, 10, 1, 10, 7, 1, 7, 3],
    &[1, 2, 6, 1, 6, 8, 1, 8, 9, 6, 7, 8],
    &[2, 6, 9, 1, 2, 9, 6, 7, 9, 3, 0, 9, 7, 3, 9],
    &[0, 7, 8, 7, 0, 6, 6, 0, 2],
    &[2, 7, 3, 2, 6, 7],
    &[11, 2, 3, 6, 7, 10, 7, 8, 10, 8, 9, 10],
    &[2, 0, 7, 11, 2, 7, 0, 9, 7, 6, 7, 10, 9, 10, 7],
    &[6, 7, 10, 1, 10, 7, 1, 7, 8, 0, 1, 8, 11, 2, 3],
    &[11, 2, 1, 1, 7, 11, 10, 6, 1, 1, 6, 7],
    &[8, 9, 6, 6, 7, 8, 1, 6, 9, 11, 6, 3, 1, 3, 6],
    &[0, 9, 1, 6, 7, 11],
    &[0, 7, 8, 7, 0, 6, 0, 3, 11, 11, 6, 0],
    &[6, 7, 11],
];

/// What the mesh gives: signed volume, surface area and the four maximum diameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mesh {
    pub volume: f64,
    pub surface_area: f64,
    /// Largest vertex distance among pairs with equal z (slice), equal y (column), equal x (row),
    /// and over all pairs (3-D).
    pub diameter_slice: f64,
    pub diameter_column: f64,
    pub diameter_row: f64,
    pub diameter_3d: f64,
}

/// Marching cubes over a (z, y, x) boolean volume already padded with empty voxels; `spacing` in
/// (z, y, x) order. Mirrors `calculate_coefficients` of cshape.c.
pub fn mesh(mask: &[bool], dims: [usize; 3], spacing: [f64; 3]) -> Mesh {
    let [nz, ny, nx] = dims;
    let idx = |z: usize, y: usize, x: usize| (z * ny + y) * nx + x;
    let mut volume = 0.0f64;
    let mut area = 0.0f64;
    // Vertices on edges 6, 7 and 11 of each cube: every mesh vertex exactly once.
    let mut vz: Vec<f64> = Vec::new();
    let mut vy: Vec<f64> = Vec::new();
    let mut vx: Vec<f64> = Vec::new();
    const VERTEX_EDGES: [(u8, usize); 3] = [(6, 6), (4, 7), (3, 11)];
    if nz < 2 || ny < 2 || nx < 2 {
        return Mesh { volume: 0.0, surface_area: 0.0, diameter_slice: 0.0, diameter_column: 0.0, diameter_row: 0.0, diameter_3d: 0.0 };
    }
    for iz in 0..nz - 1 {
        for iy in 0..ny - 1 {
            for ix in 0..nx - 1 {
                let mut cube: u8 = 0;
                for (k, c) in CORNERS.iter().enumerate() {
                    if mask[idx(iz + c[0], iy + c[1], ix + c[2])] {
                        cube |= 1 << k;
                    }
                }
                let sign = if cube & 0x80 != 0 {
                    cube ^= 0xff;
                    -1.0
                } else {
                    1.0
                };
                let base = [iz as f64, iy as f64, ix as f64];
                for (bit, edge) in VERTEX_EDGES {
                    if cube & (1 << bit) != 0 {
                        let p = EDGE_POINTS[edge];
                        vz.push((base[0] + p[0]) * spacing[0]);
                        vy.push((base[1] + p[1]) * spacing[1]);
                        vx.push((base[2] + p[2]) * spacing[2]);
                    }
                }
                if cube == 0 {
                    continue;
                }
                for tri in TRI_TABLE[cube as usize].chunks_exact(3) {
                    let mut a = [0.0; 3];
                    let mut b = [0.0; 3];
                    let mut c = [0.0; 3];
                    for d in 0..3 {
                        a[d] = (base[d] + EDGE_POINTS[tri[0] as usize][d]) * spacing[d];
                        b[d] = (base[d] + EDGE_POINTS[tri[1] as usize][d]) * spacing[d];
                        c[d] = (base[d] + EDGE_POINTS[tri[2] as usize][d]) * spacing[d];
                    }
                    let ab = [a[1] * b[2] - b[1] * a[2], a[2] * b[0] - b[2] * a[0], a[0] * b[1] - b[0] * a[1]];
                    volume += sign * (ab[0] * c[0] + ab[1] * c[1] + ab[2] * c[2]);
                    for d in 0..3 {
                        a[d] -= c[d];
                        b[d] -= c[d];
                    }
                    let ab = [a[1] * b[2] - b[1] * a[2], a[2] * b[0] - b[2] * a[0], a[0] * b[1] - b[0] * a[1]];
                    area += 0.5 * (ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2]).sqrt();
                }
            }
        }
    }
    let d3 = max_distance_sq(&vz, &vy, &vx).sqrt();
    let slice = max_distance_sq_grouped(&vz, &vy, &vx).sqrt();
    let column = max_distance_sq_grouped(&vy, &vz, &vx).sqrt();
    let row = max_distance_sq_grouped(&vx, &vz, &vy).sqrt();
    Mesh { volume: volume / 6.0, surface_area: area, diameter_slice: slice, diameter_column: column, diameter_row: row, diameter_3d: d3 }
}

/// Largest squared distance over all vertex pairs: the O(n²) loop of cshape.c, pruned exactly.
///
/// With r(p) the distance of p from the centroid, d(p, q) <= r(p) + r(q). Points are visited by
/// decreasing r; a pair can only beat the best distance found so far if r(p) + r(q) >= best, so
/// each point is compared with a prefix of the sorted list, and the loop stops when even the
/// largest r cannot reach. The distances that are compared are computed exactly as in cshape.c,
/// so the maximum is the same number.
fn max_distance_sq(z: &[f64], y: &[f64], x: &[f64]) -> f64 {
    let n = z.len();
    if n < 2 {
        return 0.0;
    }
    let c = [z.iter().sum::<f64>() / n as f64, y.iter().sum::<f64>() / n as f64, x.iter().sum::<f64>() / n as f64];
    let r: Vec<f64> =
        (0..n).map(|i| ((z[i] - c[0]).powi(2) + (y[i] - c[1]).powi(2) + (x[i] - c[2]).powi(2)).sqrt()).collect();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| r[b].total_cmp(&r[a]));
    let (sz, sy, sx, sr): (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) = (
        order.iter().map(|&i| z[i]).collect(),
        order.iter().map(|&i| y[i]).collect(),
        order.iter().map(|&i| x[i]).collect(),
        order.iter().map(|&i| r[i]).collect(),
    );
    let dist = |i: usize, j: usize| {
        let dz = sz[i] - sz[j];
        let dy = sy[i] - sy[j];
        let dx = sx[i] - sx[j];
        dz * dz + dy * dy + dx * dx
    };
    // A good first bound: the farthest point from the farthest-from-centroid point.
    let mut best = 0.0f64;
    for j in 1..n {
        best = best.max(dist(0, j));
    }
    // Margin against rounding in r: keep pairs within 1e-9 relative of the bound.
    let margin = 1.0 - 1e-9;
    for i in 1..n {
        let need = best.sqrt() * margin - sr[i];
        if sr[0] < need {
            break;
        }
        // Candidates j < i with sr[j] >= need: a prefix, since sr is descending.
        let end = sr[..i].partition_point(|&v| v >= need);
        for j in 0..end {
            let d = dist(i, j);
            if d > best {
                best = d;
            }
        }
    }
    best
}

/// Largest squared distance over vertex pairs that share the coordinate `key` exactly; the
/// distance is computed in (z, y, x) order as cshape.c does, `key` contributing 0.
fn max_distance_sq_grouped(key: &[f64], u: &[f64], v: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..key.len()).collect();
    order.sort_by(|&a, &b| key[a].total_cmp(&key[b]));
    let mut best = 0.0f64;
    let mut s = 0;
    while s < order.len() {
        let k = key[order[s]];
        let mut e = s + 1;
        while e < order.len() && key[order[e]] == k {
            e += 1;
        }
        let gu: Vec<f64> = order[s..e].iter().map(|&i| u[i]).collect();
        let gv: Vec<f64> = order[s..e].iter().map(|&i| v[i]).collect();
        for i in 1..gu.len() {
            for j in 0..i {
                let du = gu[i] - gu[j];
                let dv = gv[i] - gv[j];
                let d = du * du + dv * dv;
                if d > best {
                    best = d;
                }
            }
        }
        s = e;
    }
    best
}

/// Shape features of one ROI: the mesh and the PCA eigenvalues, computed once.
#[derive(Debug, Clone)]
pub struct Shape {
    pub mesh: Mesh,
    /// Eigenvalues λ_least, λ_minor, λ_major (ascending).
    pub eigenvalues: [f64; 3],
    pub voxel_count: usize,
    pub voxel_volume: f64,
}

impl Shape {
    /// `mask`: the ROI cropped to its bounding box, x fastest (size x, y, z);
    /// `spacing`: (x, y, z) in mm.
    pub fn new(mask: &[bool], size: [usize; 3], spacing: [f64; 3]) -> Shape {
        let dims = [size[2] + 2, size[1] + 2, size[0] + 2];
        let mut padded = vec![false; dims[0] * dims[1] * dims[2]];
        let mut coords: Vec<[f64; 3]> = Vec::new();
        let sp = [spacing[2], spacing[1], spacing[0]];
        for z in 0..size[2] {
            for y in 0..size[1] {
                for x in 0..size[0] {
                    if mask[x + size[0] * (y + size[1] * z)] {
                        padded[((z + 1) * dims[1] + (y + 1)) * dims[2] + (x + 1)] = true;
                        coords.push([(z + 1) as f64 * sp[0], (y + 1) as f64 * sp[1], (x + 1) as f64 * sp[2]]);
                    }
                }
            }
        }
        let mesh = mesh(&padded, dims, sp);
        let n = coords.len();
        let mut mean = [0.0f64; 3];
        for c in &coords {
            for d in 0..3 {
                mean[d] += c[d];
            }
        }
        for m in &mut mean {
            *m /= n as f64;
        }
        let norm = (n as f64).sqrt();
        let mut cov = [[0.0f64; 3]; 3];
        for c in &coords {
            let p = [(c[0] - mean[0]) / norm, (c[1] - mean[1]) / norm, (c[2] - mean[2]) / norm];
            for i in 0..3 {
                for j in 0..3 {
                    cov[i][j] += p[i] * p[j];
                }
            }
        }
        let mut ev = sym3_eigenvalues(cov);
        for e in &mut ev {
            if *e < 0.0 && *e > -1e-10 {
                *e = 0.0;
            }
        }
        Shape { mesh, eigenvalues: ev, voxel_count: n, voxel_volume: spacing[0] * spacing[1] * spacing[2] }
    }

    /// MeshVolume V = Σ_f (O a_f · (O b_f × O c_f)) / 6 over the mesh triangles (signed tetrahedra).
    pub fn mesh_volume(&self) -> f64 {
        self.mesh.volume
    }

    /// VoxelVolume = N_v · V_voxel
    pub fn voxel_volume(&self) -> f64 {
        self.voxel_count as f64 * self.voxel_volume
    }

    /// SurfaceArea A = Σ_f ½ |a_f b_f × a_f c_f|
    pub fn surface_area(&self) -> f64 {
        self.mesh.surface_area
    }

    /// SurfaceVolumeRatio = A / V
    pub fn surface_volume_ratio(&self) -> f64 {
        self.mesh.surface_area / self.mesh.volume
    }

    /// Sphericity = (36 π V²)^{1/3} / A
    pub fn sphericity(&self) -> f64 {
        (36.0 * std::f64::consts::PI * self.mesh.volume.powi(2)).powf(1.0 / 3.0) / self.mesh.surface_area
    }

    /// Compactness1 = V / sqrt(π A³)  (deprecated)
    pub fn compactness1(&self) -> f64 {
        self.mesh.volume / (self.mesh.surface_area.powf(1.5) * std::f64::consts::PI.sqrt())
    }

    /// Compactness2 = 36 π V² / A³  (deprecated)
    pub fn compactness2(&self) -> f64 {
        36.0 * std::f64::consts::PI * self.mesh.volume.powi(2) / self.mesh.surface_area.powi(3)
    }

    /// SphericalDisproportion = A / (36 π V²)^{1/3}  (deprecated)
    pub fn spherical_disproportion(&self) -> f64 {
        self.mesh.surface_area / (36.0 * std::f64::consts::PI * self.mesh.volume.powi(2)).powf(1.0 / 3.0)
    }

    /// Maximum3DDiameter = max distance between two mesh vertices
    pub fn maximum_3d_diameter(&self) -> f64 {
        self.mesh.diameter_3d
    }

    /// Maximum2DDiameterSlice = max distance between two mesh vertices of the same axial slice (equal z)
    pub fn maximum_2d_diameter_slice(&self) -> f64 {
        self.mesh.diameter_slice
    }

    /// Maximum2DDiameterColumn = max distance between two mesh vertices of equal y (coronal)
    pub fn maximum_2d_diameter_column(&self) -> f64 {
        self.mesh.diameter_column
    }

    /// Maximum2DDiameterRow = max distance between two mesh vertices of equal x (sagittal)
    pub fn maximum_2d_diameter_row(&self) -> f64 {
        self.mesh.diameter_row
    }

    fn axis(&self, i: usize) -> f64 {
        if self.eigenvalues[i] < 0.0 { f64::NAN } else { self.eigenvalues[i].sqrt() * 4.0 }
    }

    /// MajorAxisLength = 4 sqrt(λ_major)
    pub fn major_axis_length(&self) -> f64 {
        self.axis(2)
    }

    /// MinorAxisLength = 4 sqrt(λ_minor)
    pub fn minor_axis_length(&self) -> f64 {
        self.axis(1)
    }

    /// LeastAxisLength = 4 sqrt(λ_least)
    pub fn least_axis_length(&self) -> f64 {
        self.axis(0)
    }

    /// Elongation = sqrt(λ_minor / λ_major)
    pub fn elongation(&self) -> f64 {
        let e = self.eigenvalues;
        if e[1] < 0.0 || e[2] < 0.0 { f64::NAN } else { (e[1] / e[2]).sqrt() }
    }

    /// Flatness = sqrt(λ_least / λ_major)
    pub fn flatness(&self) -> f64 {
        let e = self.eigenvalues;
        if e[0] < 0.0 || e[2] < 0.0 { f64::NAN } else { (e[0] / e[2]).sqrt() }
    }

    /// A feature by its pyradiomics name.
    pub fn by_name(&self, name: &str) -> Option<f64> {
        Some(match name {
            "Compactness1" => self.compactness1(),
            "Compactness2" => self.compactness2(),
            "Elongation" => self.elongation(),
            "Flatness" => self.flatness(),
            "LeastAxisLength" => self.least_axis_length(),
            "MajorAxisLength" => self.major_axis_length(),
            "Maximum2DDiameterColumn" => self.maximum_2d_diameter_column(),
            "Maximum2DDiameterRow" => self.maximum_2d_diameter_row(),
            "Maximum2DDiameterSlice" => self.maximum_2d_diameter_slice(),
            "Maximum3DDiameter" => self.maximum_3d_diameter(),
            "MeshVolume" => self.mesh_volume(),
            "MinorAxisLength" => self.minor_axis_length(),
            "SphericalDisproportion" => self.spherical_disproportion(),
            "Sphericity" => self.sphericity(),
            "SurfaceArea" => self.surface_area(),
            "SurfaceVolumeRatio" => self.surface_volume_ratio(),
            "VoxelVolume" => self.voxel_volume(),
            _ => return None,
        })
    }
}

/// The named shape features of a cropped ROI (`mask` x fastest, `size` and `spacing` x, y, z).
pub fn features(mask: &[bool], size: [usize; 3], spacing: [f64; 3], names: &[&str]) -> Vec<(String, f64)> {
    let s = Shape::new(mask, size, spacing);
    names.iter().filter_map(|n| s.by_name(n).map(|v| (n.to_string(), v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_voxel_cube_mesh() {
        // One voxel: the mesh is an octahedron with vertices at the 6 face centres.
        let s = Shape::new(&[true], [1, 1, 1], [1.0, 1.0, 1.0]);
        assert!((s.mesh_volume() - 1.0 / 6.0 * 8.0 / 8.0).abs() < 1e-12, "{}", s.mesh_volume());
        // 8 faces, each an equilateral triangle of side sqrt(0.5): area sqrt(3)/4 * 0.5.
        assert!((s.surface_area() - 8.0 * 3f64.sqrt() / 8.0).abs() < 1e-12);
        assert!((s.maximum_3d_diameter() - 1.0).abs() < 1e-12);
        assert_eq!(s.voxel_volume(), 1.0);
    }

    #[test]
    fn box_volume_and_axes() {
        // A 4x3x2 block with spacing 1, 2, 3: mesh volume = voxel volume minus the cut corners and
        // edges; the axes follow the PCA of the voxel centres.
        let size = [4, 3, 2];
        let s = Shape::new(&[true; 24], size, [1.0, 2.0, 3.0]);
        assert_eq!(s.voxel_volume(), 24.0 * 6.0);
        assert!(s.mesh_volume() < s.voxel_volume() && s.mesh_volume() > 0.5 * s.voxel_volume());
        // Variance of uniform grid positions: (n²-1)/12 · spacing².
        let var = |n: f64, sp: f64| (n * n - 1.0) / 12.0 * sp * sp;
        let mut ev = [var(4.0, 1.0), var(3.0, 2.0), var(2.0, 3.0)];
        ev.sort_by(|a, b| a.total_cmp(b));
        for (a, b) in s.eigenvalues.iter().zip(ev) {
            assert!((a - b).abs() < 1e-12);
        }
    }
}
