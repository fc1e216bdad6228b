//! whichpy's statistics: pure functions from raw records to the summary.
//!
//! Architecture invariant: nothing here does I/O or reads a clock. The same inputs give the
//! same outputs, bit for bit: the bootstrap draws from a ChaCha generator seeded from
//! [`Options::seed`] and the cell's name, and every collection is ordered.
//!
//! - [`describe`]: means, medians, quantiles, Student's t intervals, the adaptive-run helper
//!   [`relative_half_width`];
//! - [`changepoint`]: PELT with an L2 cost;
//! - [`warmup`]: Barrett et al.'s classes of one process execution;
//! - [`bootstrap`]: seeded two-level bootstrap of ratios and geometric means;
//! - [`crossover`]: where cumulative-time curves cross;
//! - [`compare`]: two summaries cell by cell (`cargo xtask compare A B`);
//! - [`warnings`]: quality warnings and their advice;
//! - [`summarise`](summarise()): all of it, from raw files to a [`Summary`];
//! - [`export`]: pyperf JSON, CSV and Markdown.

pub mod bootstrap;
pub mod changepoint;
pub mod compare;
pub mod crossover;
pub mod describe;
pub mod export;
pub mod mcu;
pub mod merge;
pub mod ratio;
pub mod scaling;
pub mod state;
mod summarise;
pub mod warmup;
pub mod warnings;
pub mod web;

pub use describe::relative_half_width;
pub use summarise::summarise;
pub use whichpy_wire::summary::Summary;

/// The knobs of [`summarise()`].
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Interpreter id every ratio is taken against. `None` (the default) picks the first CPython
    /// interpreter by id among the runs' interpreters.
    pub baseline: Option<String>,
    /// Seed of the bootstrap. Default [`DEFAULT_SEED`].
    pub seed: u64,
    /// Bootstrap replicates per ratio. Default [`DEFAULT_RESAMPLES`].
    pub bootstrap_resamples: u32,
    /// Relative 95% half-width a cell should reach; wider ones get a warning. Default
    /// [`DEFAULT_TARGET_CI`] (±2%).
    pub target_ci: f64,
}

/// The default seed. Any fixed value would do; this one is the year of Kalibera & Jones's paper,
/// small enough to survive any JSON reader (below 2^53).
pub const DEFAULT_SEED: u64 = 2013;
/// 2,000 replicates put the 2.5th and 97.5th percentiles 50 replicates from each end, enough
/// for a stable percentile interval (Efron & Tibshirani suggest 1,000 or more), and keep
/// `analyse` within seconds on 2 cores.
pub const DEFAULT_RESAMPLES: u32 = 2_000;
/// ±2%, the target of `cargo xtask bench --target-ci 2%`.
pub const DEFAULT_TARGET_CI: f64 = 0.02;

impl Default for Options {
    fn default() -> Self {
        Options {
            baseline: None,
            seed: DEFAULT_SEED,
            bootstrap_resamples: DEFAULT_RESAMPLES,
            target_ci: DEFAULT_TARGET_CI,
        }
    }
}
