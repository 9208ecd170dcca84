//! Does a grading model look at the grade evidence? Scores the Grad-CAM maps of trained
//! `grade cv` / `grade ablation` folds against the synthetic cohort's grade-evidence masks
//! (`truth/rois.csv`: dense atypical patches, necrosis with palisading, microvascular
//! proliferation; docs/synthetic-cohort.md).
//!
//! For every held-out ROI of grade III or IV with evidence, the CAM of the ground-truth grade's
//! logit (fof.md Eq. 1 on the second-to-last block, or the config's `cam_block`: the map FoF's
//! FRL thresholds during training and `grade cv` draws) is scored by
//! - **energy in evidence**: Σ cam · mask / Σ cam (what a uniform map scores: the evidence
//!   fraction of the ROI, printed beside it);
//! - **pixel AUC**: the probability that a random evidence pixel has a higher CAM value than a
//!   random other pixel (ties count half; 0.5 = no preference);
//! - **pointing game**: the share of ROIs whose CAM maximum lies on evidence.
//!
//! Run (after `gliofuse grade ablation ... --out OUT`):
//!
//!     cargo run --release -p models --example cam_focus -- COHORT OUT/baseline OUT/fof ...
//!
//! Each run argument is a `grade cv` directory with `fold-*/` subdirectories (each with
//! `split.csv` and the trained model). Prints one markdown table row per run and grade.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use models::train::{AugmentationConfig, ImageClassification, ImageItem, RunDir, load_trained_vit};

fn fail(msg: String) -> ! {
    eprintln!("cam_focus: {msg}");
    std::process::exit(2)
}

/// `(roi_id -> (grade, side))` of a fold's split.csv.
fn read_split(path: &Path) -> Vec<(String, usize, String)> {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    rdr.records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
            let grade: usize = r[2]
                .parse()
                .unwrap_or_else(|_| fail(format!("{}: grade {}", path.display(), &r[2])));
            (r[0].to_string(), grade, r[3].to_string())
        })
        .collect()
}

/// `roi_id -> (evidence fraction, mask path)` of truth/rois.csv.
fn read_truth(cohort: &Path) -> BTreeMap<String, (f64, PathBuf)> {
    let path = cohort.join("truth/rois.csv");
    let mut rdr =
        csv::Reader::from_path(&path).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    rdr.records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
            (
                r[0].to_string(),
                (r[1].parse().unwrap_or(0.0), cohort.join(&r[2])),
            )
        })
        .collect()
}

/// Channel-major RGB floats in [0, 1] of an image of exactly `size` x `size`.
fn pixels(path: &Path, size: usize) -> Vec<f32> {
    let img = cohort::image::load_rgb(path).unwrap_or_else(|e| fail(format!("{e}")));
    if (img.width() as usize, img.height() as usize) != (size, size) {
        fail(format!(
            "{}: not {size} x {size} px (the model's input size)",
            path.display()
        ));
    }
    cohort::image::to_unit_planes(&img)
}

/// Evidence mask (true = evidence) of the same size.
fn mask(path: &Path, size: usize) -> Vec<bool> {
    let img = image::open(path)
        .unwrap_or_else(|e| fail(format!("{}: {e}", path.display())))
        .to_luma8();
    if (img.width() as usize, img.height() as usize) != (size, size) {
        fail(format!("{}: not {size} x {size} px", path.display()));
    }
    img.pixels().map(|p| p.0[0] > 127).collect()
}

/// Pixel AUC of `cam` for `mask` (Mann-Whitney, ties half).
fn pixel_auc(cam: &[f32], mask: &[bool]) -> f64 {
    let mut idx: Vec<usize> = (0..cam.len()).collect();
    idx.sort_by(|&a, &b| cam[a].total_cmp(&cam[b]));
    let (mut rank_sum, mut i) = (0.0f64, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && cam[idx[j + 1]] == cam[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if mask[k] {
                rank_sum += mid;
            }
        }
        i = j + 1;
    }
    let pos = mask.iter().filter(|&&m| m).count() as f64;
    let neg = mask.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

#[derive(Default)]
struct Acc {
    n: usize,
    energy: f64,
    fraction: f64,
    auc: f64,
    hits: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        fail("usage: cam_focus COHORT RUN_DIR...".into());
    }
    let cohort = PathBuf::from(&args[0]);
    let truth = read_truth(&cohort);
    let device = models::parse_device("cpu").unwrap_or_else(|e| fail(e.to_string()));
    println!(
        "| run | grade | ROIs | energy in evidence | evidence fraction | pixel AUC | pointing game |"
    );
    println!("|---|---|---|---|---|---|---|");
    for run in &args[1..] {
        let mut acc: BTreeMap<usize, Acc> = BTreeMap::new();
        let mut folds: Vec<PathBuf> = std::fs::read_dir(run)
            .unwrap_or_else(|e| fail(format!("{run}: {e}")))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("fold-"))
            })
            .collect();
        folds.sort();
        for fold in folds {
            let rd = RunDir::new(&fold);
            let (model, cfg) = load_trained_vit(&rd, &device)
                .unwrap_or_else(|e| fail(format!("{}: {e}", fold.display())));
            let block = cfg
                .model
                .fof
                .as_ref()
                .map_or(model.depth().saturating_sub(2), |f| f.block(model.depth()));
            let size = cfg.model.image_size;
            let obj = ImageClassification {
                augmentation: AugmentationConfig::none(),
                normalize: cfg.data.normalize,
            };
            let test: Vec<(String, usize)> = read_split(&fold.join("split.csv"))
                .into_iter()
                .filter(|(id, g, side)| {
                    side == "test" && *g >= 3 && truth.get(id).is_some_and(|t| t.0 > 0.0)
                })
                .map(|(id, g, _)| (id, g))
                .collect();
            for chunk in test.chunks(16) {
                let items: Vec<ImageItem> = chunk
                    .iter()
                    .map(|(id, g)| ImageItem {
                        pixels: pixels(&cohort.join("rois").join(format!("{id}.png")), size),
                        channels: 3,
                        height: size,
                        width: size,
                        label: g - 2,
                        group: id.clone(),
                    })
                    .collect();
                let (x, _) = obj
                    .batch(&items, &device)
                    .unwrap_or_else(|e| fail(e.to_string()));
                let classes: Vec<usize> = chunk.iter().map(|(_, g)| g - 2).collect();
                let cams = models::grad_cam(&model, x, &classes, block)
                    .unwrap_or_else(|e| fail(e.to_string()));
                let cams: Vec<f32> = cams
                    .try_into_vec_as::<f32>()
                    .unwrap_or_else(|e| fail(format!("{e:?}")));
                for (k, (id, g)) in chunk.iter().enumerate() {
                    let cam = &cams[k * size * size..(k + 1) * size * size];
                    let (fraction, mpath) = &truth[id];
                    let m = mask(mpath, size);
                    let total: f64 = cam.iter().map(|&v| f64::from(v)).sum();
                    let inside: f64 = cam
                        .iter()
                        .zip(&m)
                        .filter(|(_, m)| **m)
                        .map(|(&v, _)| f64::from(v))
                        .sum();
                    let argmax = (0..cam.len()).fold(0, |b, j| if cam[j] > cam[b] { j } else { b });
                    let a = acc.entry(*g).or_default();
                    a.n += 1;
                    a.energy += if total > 0.0 { inside / total } else { 0.0 };
                    a.fraction += fraction;
                    a.auc += pixel_auc(cam, &m);
                    a.hits += usize::from(m[argmax]);
                }
            }
        }
        let mut all = Acc::default();
        for (g, a) in &acc {
            row(run, &format!("{}", ["II", "III", "IV"][g - 2]), a);
            all.n += a.n;
            all.energy += a.energy;
            all.fraction += a.fraction;
            all.auc += a.auc;
            all.hits += a.hits;
        }
        row(run, "III + IV", &all);
    }
}

fn row(run: &str, grade: &str, a: &Acc) {
    let n = a.n.max(1) as f64;
    println!(
        "| {run} | {grade} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
        a.n,
        a.energy / n,
        a.fraction / n,
        a.auc / n,
        a.hits as f64 / n
    );
}
