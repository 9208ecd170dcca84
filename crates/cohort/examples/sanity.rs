//! `cargo run --release -p cohort --example sanity -- [PATIENTS] [SEED] [ROI_SIZE]`
//! Prints the sanity experiment of docs/synthetic-cohort.md (see `cohort::synth::sanity`).
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let n = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(600);
    let seed = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(42);
    let size = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(256);
    let t = std::time::Instant::now();
    let r = cohort::synth::sanity::run(n, seed, size);
    println!("patients {} rois {} (roi {size}px, seed {seed})", r.patients, r.rois);
    println!("grade balanced accuracy: whole-ROI {:.3}  local windows {:.3}  (chance 0.333)", r.whole_grade, r.local_grade);
    println!("IDH balanced accuracy:   whole-ROI {:.3}  local windows {:.3}  (chance 0.500)", r.whole_idh, r.local_idh);
    println!("evidence fraction: grade III {:.3}  grade IV {:.3}", r.evidence_fraction[0], r.evidence_fraction[1]);
    println!("{:.1} s", t.elapsed().as_secs_f64());
}
