//! Harrell's C-index for n = 100,000 (`cargo bench -p stats --bench cindex`).
//!
//! The data come from a splitmix64 stream that `bench/cindex_lifelines.py` reproduces bit for
//! bit, so both tools score the same 100,000 subjects (integer times with many ties, risks on a
//! 1e-3 grid with ties, ~70% events). Prints the median and min of the repeats and the C value;
//! `--json` prints one JSON line instead (read by `bench/cindex_lifelines.py`).

use std::hint::black_box;
use std::time::Instant;

use stats::concordance::harrell_c;

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform integer in 0..m.
    fn below(&mut self, m: u64) -> u64 {
        self.next() % m
    }
}

/// n subjects: time in 1..=1000 (integer), event with probability 0.7, risk = k / 1000 with
/// k in 0..5000, shifted towards early times so that C is informative.
pub fn data(n: usize) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
    let mut g = SplitMix64(20260521);
    let (mut t, mut e, mut r) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for _ in 0..n {
        let time = 1 + g.below(1000);
        let event = g.below(10) < 7;
        let k = g.below(4000) + (1000 - time);
        t.push(time as f64);
        e.push(event);
        r.push(k as f64 / 1000.0);
    }
    (t, e, r)
}

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let n = 100_000;
    let repeats = 21;
    let (t, e, r) = data(n);
    let c = harrell_c(&t, &e, &r).expect("benchmark data has events");
    let mut times = Vec::with_capacity(repeats);
    for _ in 0..repeats {
        let start = Instant::now();
        black_box(harrell_c(black_box(&t), black_box(&e), black_box(&r)).ok());
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[repeats / 2];
    if json {
        println!(
            "{{\"n\": {n}, \"repeats\": {repeats}, \"median_s\": {median}, \"min_s\": {}, \"c_index\": {}}}",
            times[0], c.c_index
        );
    } else {
        println!(
            "harrell_c n={n}: median {:.3} ms, min {:.3} ms over {repeats} runs; C = {:.15}",
            median * 1e3,
            times[0] * 1e3,
            c.c_index
        );
    }
}
