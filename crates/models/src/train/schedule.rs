//! Learning-rate schedule: linear warmup, then cosine decay to `min_lr`, computed per step.
//!
//! With `T` total steps and `W` warmup steps (both counted in optimiser steps), the rate used by
//! step `s` (0-based) is
//!
//! ```text
//! lr(s) = peak * s / W                                              s < W
//! lr(s) = min + (peak - min) * (1 + cos(pi * (s - W) / (T - W))) / 2   s >= W
//! ```
//!
//! This is `transformers.get_cosine_schedule_with_warmup` (used by upstream FoF) with a floor:
//! the first warmup step uses lr 0, and the rate reaches `min` only after the last step.
//! Computed here rather than with Burn's scheduler objects so that the state to checkpoint is
//! just the step counter.

/// Warmup + cosine schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineSchedule {
    pub peak: f64,
    pub min: f64,
    pub warmup_steps: usize,
    pub total_steps: usize,
}

impl CosineSchedule {
    /// Learning rate of step `s` (0-based).
    pub fn lr(&self, s: usize) -> f64 {
        if s < self.warmup_steps {
            return self.peak * s as f64 / self.warmup_steps as f64;
        }
        let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
        let progress = ((s - self.warmup_steps) as f64 / span).min(1.0);
        self.min + (self.peak - self.min) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_then_cosine_to_floor() {
        let s = CosineSchedule {
            peak: 1e-4,
            min: 0.0,
            warmup_steps: 4,
            total_steps: 12,
        };
        // warmup: 0, 1/4, 2/4, 3/4 of the peak
        for (step, want) in [(0, 0.0), (1, 2.5e-5), (2, 5e-5), (3, 7.5e-5)] {
            assert!((s.lr(step) - want).abs() < 1e-15, "step {step}");
        }
        // cosine over 8 steps: s = 4 -> peak, s = 8 -> half, s = 12 -> 0
        assert!((s.lr(4) - 1e-4).abs() < 1e-15);
        assert!((s.lr(8) - 5e-5).abs() < 1e-15);
        assert!((s.lr(6) - 1e-4 * 0.5 * (1.0 + (std::f64::consts::PI / 4.0).cos())).abs() < 1e-15);
        assert!(s.lr(12).abs() < 1e-15);
        // monotone decay after warmup
        for step in 4..12 {
            assert!(s.lr(step + 1) < s.lr(step));
        }
    }

    #[test]
    fn no_warmup_starts_at_peak_and_respects_floor() {
        let s = CosineSchedule {
            peak: 1e-3,
            min: 1e-5,
            warmup_steps: 0,
            total_steps: 10,
        };
        assert_eq!(s.lr(0), 1e-3);
        assert!((s.lr(5) - (1e-5 + (1e-3 - 1e-5) * 0.5)).abs() < 1e-15);
        assert!((s.lr(10) - 1e-5).abs() < 1e-15);
    }
}
