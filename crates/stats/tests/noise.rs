//! Warm-up classes under the noise of a busy machine: stationary noise must stay `flat`, and a
//! real warm-up must still be found through it.

use std::collections::BTreeMap;

use whichpy_stats::warmup::classify;
use whichpy_wire::summary::WarmupClass;

/// xorshift64: a fixed, dependency-free stream for constructing series.
struct Xs(u64);

impl Xs {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1_000_000) as f64 / 1_000_000.0
    }
}

fn classes(mut make: impl FnMut(&mut Xs) -> Vec<f64>) -> BTreeMap<WarmupClass, u32> {
    let mut rng = Xs(0x9e37_79b9_7f4a_7c15);
    let mut counts = BTreeMap::new();
    for _ in 0..200 {
        *counts
            .entry(classify(&make(&mut rng), 1.0).class)
            .or_insert(0) += 1;
    }
    counts
}

/// 70% of iterations near 7 ms, 30% near 11 ms, independently: what CPython showed on a
/// shared 2-core machine.
fn bimodal(rng: &mut Xs) -> f64 {
    let base = if rng.unit() < 0.3 { 11.0e6 } else { 7.0e6 };
    base * (1.0 + 0.02 * (rng.unit() - 0.5))
}

#[test]
fn bimodal_noise_is_flat() {
    let c = classes(|rng| (0..50).map(|_| bimodal(rng)).collect());
    assert!(
        c.get(&WarmupClass::Flat).copied().unwrap_or(0) >= 190,
        "{c:?}"
    );
}

#[test]
fn occasional_spikes_are_flat() {
    let c = classes(|rng| {
        (0..30)
            .map(|_| {
                let b = 10.0e6 * (1.0 + 0.01 * (rng.unit() - 0.5));
                if rng.unit() < 0.1 {
                    b * 1.2
                } else {
                    b
                }
            })
            .collect()
    });
    assert!(
        c.get(&WarmupClass::Flat).copied().unwrap_or(0) >= 180,
        "{c:?}"
    );
}

#[test]
fn jit_warmup_is_found_through_bimodal_noise() {
    // Three iterations at 30 ms before the modes settle.
    let c = classes(|rng| {
        (0..50)
            .map(|i| if i < 3 { 30.0e6 } else { bimodal(rng) })
            .collect()
    });
    assert!(
        c.get(&WarmupClass::Warmup).copied().unwrap_or(0) >= 190,
        "{c:?}"
    );
}
