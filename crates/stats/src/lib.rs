//! whichpy's statistics: pure functions from raw records to the summary.
//!
//! Architecture invariant: nothing here does I/O or reads a clock. The same inputs give the
//! same outputs, bit for bit: the bootstrap draws from a ChaCha generator seeded from
//! [`Options::seed`] and the cell's name, and every collection is ordered.

pub mod changepoint;
pub mod describe;
pub mod warmup;
