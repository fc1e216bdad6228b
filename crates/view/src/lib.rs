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
//! - [`history`]: each interpreter across Debian releases, and its variants;
//! - [`article`]: the article's whole view ([`article::View`]).
//!
//! Pure: no templates, no I/O. A footnote is carried as its label (`bench-nbody`); the
//! renderer writes the Markdown reference.

pub mod article;
pub mod command;
pub mod figure;
pub mod format;
pub mod history;
pub mod lookup;
pub mod words;

pub use article::View;
pub use figure::{Fig, RatioView};
pub use lookup::{figures_size, Lookup};
