//! Exports of a summary (and its raw data) to other tools' formats, behind one trait
//! (hyperfine's layout: one module per format, the caller alone decides where bytes go).
//!
//! - [`pyperf::PyperfExporter`]: pyperf's JSON suite format, one file per interpreter and
//!   metric, one value per process execution, so `python3 -m pyperf stats` and `compare_to`
//!   read and test whichpy's data;
//! - [`csv::CsvExporter`]: one row per cell ([`row::Row`]);
//! - [`markdown::MarkdownExporter`]: the same rows as a Markdown table.
//!
//! CSV and Markdown share one view type, [`row::Row`], built once from the summary: one
//! serialisation per type.

use whichpy_wire::RawFile;

use crate::Summary;

pub mod csv;
pub mod markdown;
pub mod pyperf;
pub mod row;

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("nothing to export: {0}")]
    Empty(String),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("CSV: {0}")]
    Csv(#[from] ::csv::Error),
}

/// A format whichpy can write its results in.
pub trait Exporter {
    /// The file's bytes. `raws` are the files the summary was made from (pyperf needs every
    /// iteration; the table formats need only the summary).
    fn export(&self, summary: &Summary, raws: &[RawFile]) -> Result<Vec<u8>, ExportError>;

    /// The usual file extension, without the dot.
    fn extension(&self) -> &'static str;
}
