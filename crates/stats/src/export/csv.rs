//! CSV: one row per cell, columns as [`Row`]'s fields, empty where a figure does not exist.

use whichpy_wire::RawFile;

use super::row::{rows, Row};
use super::{ExportError, Exporter};
use crate::Summary;

#[derive(Clone, Debug, Default)]
pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn export(&self, summary: &Summary, _raws: &[RawFile]) -> Result<Vec<u8>, ExportError> {
        let mut w = ::csv::Writer::from_writer(Vec::new());
        let rows: Vec<Row> = rows(summary);
        if rows.is_empty() {
            return Err(ExportError::Empty("the summary has no cells".into()));
        }
        for r in &rows {
            w.serialize(r)?;
        }
        w.into_inner()
            .map_err(|e| ExportError::Csv(e.into_error().into()))
    }

    fn extension(&self) -> &'static str {
        "csv"
    }
}
