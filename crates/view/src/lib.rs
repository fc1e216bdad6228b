//! whichpy's presentation model: every value a reader sees, derived once from the summary.
//!
//! The article (`crates/render`), the site (`crates/site`) and the charts (`crates/charts`) all
//! take their words and numbers from here, so a figure reads the same wherever it appears:
//! - [`format`]: three significant digits, thousands separators, the time unit of a value, and
//!   [`format::number_tokens`], the one definition of "a number in the text";
//! - [`figure`]: a value with its interval ([`figure::Fig`]) and the one ratio convention
//!   ([`figure::RatioView`]: "17.2× faster", "2.95× slower", "no significant difference");
//! - [`words`]: family, verdict, warm-up class and outcome words;
//! - [`lookup`]: the size the figures come from, and cells, comparisons and geometric means;
//! - [`command`]: the `cargo xtask bench` command that reproduces a figure, shell-quoted;
//! - [`profile`]: the `cargo xtask profile` commands and each profiled cell's page view;
//! - [`floor`]: the memory floor's rows and budgets ([`floor::FloorView`]);
//! - [`scaling`]: speed-up and efficiency over threads and processes ([`scaling::ScalingView`]);
//! - [`apps`]: the application classes (pipeline MB/s, command-line tool process time);
//! - [`mcu`]: MicroPython on an emulated micro:bit (`summary.mcu`), kept apart;
//! - [`history`]: each interpreter across Debian releases, and its variants;
//! - [`article`]: the article's whole view ([`article::View`]);
//! - [`web`]: the web service's latency by request rate, and what the matrix quotes of it.
//!
//! Pure: no templates, no I/O. A footnote is carried as its label (`bench-nbody`); the
//! renderer writes the Markdown reference.

pub mod apps;
pub mod article;
pub mod command;
pub mod figure;
pub mod floor;
pub mod format;
pub mod history;
pub mod lookup;
pub mod mcu;
pub mod profile;
pub mod scaling;
pub mod web;
pub mod words;

pub use article::View;
pub use figure::{Fig, RatioView};
pub use lookup::{figures_size, Lookup};
