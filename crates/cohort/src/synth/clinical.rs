//! Clinical layer of the synthetic cohort: grade, WHO 2021 biomarkers, age, a latent risk and
//! survival from a proportional-hazards model.
//!
//! Generative model (one patient, all draws from the cohort's clinical stream):
//! 1. grade ~ Categorical(182, 205, 350) / 737 (TCGA GBM-LGG with grade).
//! 2. IDH-mutant ~ Bernoulli(p_idh[grade]) with p_idh = (0.85, 0.70, 0.10): IDH-wildtype is
//!    mostly grade 4 (WHO 2021 calls IDH-wildtype diffuse astrocytic tumours glioblastoma).
//! 3. 1p/19q co-deletion only when IDH-mutant and grade 2/3 (oligodendroglioma):
//!    Bernoulli(0.45 | grade 2, 0.35 | grade 3), never in grade 4.
//! 4. Copy numbers (-2..2): IDH-wildtype has EGFR gain/amplification (P(0,1,2) = 0.25, 0.35,
//!    0.40), PTEN loss (P(0,-1,-2) = 0.25, 0.60, 0.15), CARD11 gain (chr 7, 0.5) and FGFR2 loss
//!    (chr 10q, 0.55); IDH-mutant tumours are mostly copy-neutral (0.85-0.9).
//! 5. Age ~ N(60, 12) if IDH-wildtype else N(40, 11), clamped to 18..89.
//! 6. Latent risk z ~ N(0, 1): it drives the RNA risk programme and the hazard; nothing else
//!    observes it, so a survival model must read it from the RNA (or the slides' proxies).
//! 7. Survival: Weibull proportional hazards, h(t) = (k / lambda) (t / lambda)^(k-1) exp(eta) with
//!    k = 1.2, lambda = 105 months and
//!    eta = 0.7 [grade 3] + 1.8 [grade 4] - 0.9 idh - 0.6 codel + 0.25 (age - 50) / 10 + 0.6 z,
//!    so T = lambda (-ln U / exp(eta))^(1/k). Follow-up C ~ Uniform(6, 200) months;
//!    time = min(T, C), event = [T <= C]; this gives about 35 % censoring.
//! 8. Missing values: grade empty with probability 0.04 (TCGA has ~4 % NA grade), each biomarker
//!    and the survival pair empty with probability `p_missing`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::tables::Patient;

/// Weibull shape of the baseline hazard.
pub const WEIBULL_SHAPE: f64 = 1.2;
/// Weibull scale of the baseline hazard (months).
pub const WEIBULL_SCALE: f64 = 105.0;
/// Log-hazard coefficients: grade 3, grade 4, IDH-mutant, codeleted, age per decade, latent z.
pub const BETA: [f64; 6] = [0.7, 1.8, -0.9, -0.6, 0.25, 0.6];
/// Follow-up window (months) for administrative censoring.
pub const FOLLOW_UP: (f64, f64) = (6.0, 200.0);

/// The full truth of one synthetic patient (what the tables show, plus hidden variables).
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    pub patient_id: String,
    pub grade: u8,
    pub idh: u8,
    pub codel: u8,
    /// PTEN, EGFR, CARD11, FGFR2
    pub cnv: [i8; 4],
    pub age: f64,
    /// Latent risk z ~ N(0, 1).
    pub risk: f64,
    /// Linear predictor eta of the hazard.
    pub eta: f64,
    pub time: f64,
    pub event: u8,
}

fn categorical(rng: &mut ChaCha8Rng, p: &[f64]) -> usize {
    let u: f64 = rng.random::<f64>() * p.iter().sum::<f64>();
    let mut acc = 0.0;
    for (i, &pi) in p.iter().enumerate() {
        acc += pi;
        if u < acc {
            return i;
        }
    }
    p.len() - 1
}

/// Draw one patient's truth.
pub fn draw_truth(rng: &mut ChaCha8Rng, patient_id: String) -> Truth {
    let grade = [2u8, 3, 4][categorical(rng, &[182.0, 205.0, 350.0])];
    let p_idh = [0.85, 0.70, 0.10][grade as usize - 2];
    let idh = u8::from(rng.random::<f64>() < p_idh);
    let p_codel = if idh == 1 { [0.45, 0.35, 0.0][grade as usize - 2] } else { 0.0 };
    let codel = u8::from(rng.random::<f64>() < p_codel);
    let lv = |rng: &mut ChaCha8Rng, levels: &[i8], p: &[f64]| levels[categorical(rng, p)];
    let cnv = if idh == 0 {
        [
            lv(rng, &[0, -1, -2], &[0.25, 0.60, 0.15]),
            lv(rng, &[0, 1, 2], &[0.25, 0.35, 0.40]),
            lv(rng, &[0, 1], &[0.5, 0.5]),
            lv(rng, &[0, -1], &[0.45, 0.55]),
        ]
    } else {
        [
            lv(rng, &[0, -1, 1], &[0.85, 0.13, 0.02]),
            lv(rng, &[0, 1, -1], &[0.85, 0.12, 0.03]),
            lv(rng, &[0, 1, -1], &[0.9, 0.07, 0.03]),
            lv(rng, &[0, -1, 1], &[0.9, 0.08, 0.02]),
        ]
    };
    let std_normal = Normal::new(0.0, 1.0).unwrap_or_else(|_| unreachable!());
    let age: f64 = if idh == 0 { 60.0 + 12.0 * std_normal.sample(rng) } else { 40.0 + 11.0 * std_normal.sample(rng) };
    let age = (age.clamp(18.0, 89.0) * 10.0).round() / 10.0;
    let risk = std_normal.sample(rng);
    let eta = BETA[0] * f64::from(grade == 3)
        + BETA[1] * f64::from(grade == 4)
        + BETA[2] * idh as f64
        + BETA[3] * codel as f64
        + BETA[4] * (age - 50.0) / 10.0
        + BETA[5] * risk;
    let u: f64 = rng.random::<f64>().max(1e-300);
    let t = WEIBULL_SCALE * (-u.ln() / eta.exp()).powf(1.0 / WEIBULL_SHAPE);
    let c = rng.random_range(FOLLOW_UP.0..FOLLOW_UP.1);
    let (time, event) = if t <= c { (t, 1) } else { (c, 0) };
    // Month resolution of 0.01 like TCGA's follow-up tables; never 0.
    let time = ((time * 100.0).round() / 100.0).max(0.01);
    Truth { patient_id, grade, idh, codel, cnv, age, risk, eta, time, event }
}

/// The observed table row: the truth with missing cells (draws from `rng`).
pub fn observe(t: &Truth, rng: &mut ChaCha8Rng, p_missing: f64) -> Patient {
    let mut keep = |p: f64| rng.random::<f64>() >= p;
    let grade = keep(0.04).then_some(t.grade);
    let idh = keep(p_missing).then_some(t.idh);
    // Co-deletion is only tested when IDH is known (as in practice).
    let codel = (idh.is_some() && keep(p_missing)).then_some(t.codel);
    let mut cnv = [None; 4];
    for (k, c) in cnv.iter_mut().enumerate() {
        *c = keep(p_missing).then_some(t.cnv[k]);
    }
    let surv = keep(p_missing);
    Patient {
        patient_id: t.patient_id.clone(),
        grade,
        idh,
        codel_1p19q: codel,
        cnv,
        survival_months: surv.then_some(t.time),
        event: surv.then_some(t.event),
        age: Some(t.age),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn who_logic_proportions_and_censoring() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 20000;
        let ts: Vec<Truth> = (0..n).map(|i| draw_truth(&mut rng, format!("P{i}"))).collect();
        let frac = |f: &dyn Fn(&Truth) -> bool| ts.iter().filter(|t| f(t)).count() as f64 / n as f64;
        // TCGA proportions 182/205/350 of 737 = 0.247 / 0.278 / 0.475.
        let (g2, g4) = (frac(&|t| t.grade == 2), frac(&|t| t.grade == 4));
        assert!((g2 - 0.247).abs() < 0.015 && (g4 - 0.475).abs() < 0.015, "{g2} {g4}");
        // Co-deletion never without IDH mutation, never in grade 4.
        assert!(ts.iter().all(|t| t.codel == 0 || (t.idh == 1 && t.grade < 4)));
        // IDH-wildtype is mostly grade 4.
        let wt: Vec<&Truth> = ts.iter().filter(|t| t.idh == 0).collect();
        let wt4 = wt.iter().filter(|t| t.grade == 4).count() as f64 / wt.len() as f64;
        assert!(wt4 > 0.7, "{wt4}");
        // EGFR gain enriched in IDH-wildtype.
        let egfr = |v: &[&Truth]| v.iter().filter(|t| t.cnv[1] > 0).count() as f64 / v.len() as f64;
        let mt: Vec<&Truth> = ts.iter().filter(|t| t.idh == 1).collect();
        assert!(egfr(&wt) > 0.6 && egfr(&mt) < 0.2);
        // 30-40 % censoring.
        let cens = frac(&|t| t.event == 0);
        assert!((0.30..=0.40).contains(&cens), "censoring {cens}");
        // Grade 4 dies sooner: median time of events.
        let med = |g: u8| {
            let mut v: Vec<f64> = ts.iter().filter(|t| t.grade == g).map(|t| t.time).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        assert!(med(4) < med(2) / 2.0);
        // Harrell's C of the true log-hazard is high but not 1 (the model is learnable, not trivial).
        let sub = &ts[..2000];
        let (mut conc, mut adm) = (0.0, 0.0);
        for a in sub {
            if a.event == 0 {
                continue;
            }
            for b in sub {
                if b.time > a.time {
                    adm += 1.0;
                    conc += if a.eta > b.eta { 1.0 } else if a.eta == b.eta { 0.5 } else { 0.0 };
                }
            }
        }
        let c = conc / adm;
        eprintln!("C-index of the true log-hazard: {c:.3}, censoring {cens:.3}");
        assert!((0.72..0.9).contains(&c), "C-index of eta {c}");
    }
}
