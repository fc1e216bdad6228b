//! Reading wire files so that a bad one is reported with its file, line and field.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

/// A file that could not be read. The message names the file, the line and the field, so the
/// person who edited it knows where to look.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub path: PathBuf,
    /// 1-based line, if known.
    pub line: Option<usize>,
    /// Dotted path of the field (`outcome.status`, `workloads[3].sizes.quick.n`), if known.
    pub field: Option<String>,
    pub message: String,
}

impl ParseError {
    pub fn at(path: &Path, line: usize, field: &str, message: impl Into<String>) -> ParseError {
        ParseError {
            path: path.to_owned(),
            line: Some(line),
            field: Some(field.to_owned()).filter(|f| !f.is_empty()),
            message: message.into(),
        }
    }

    pub fn io(path: &Path, err: std::io::Error) -> ParseError {
        ParseError {
            path: path.to_owned(),
            line: None,
            field: None,
            message: err.to_string(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parse one JSON document, reporting the field path on error.
pub fn parse_json_str<T: DeserializeOwned>(
    path: &Path,
    line_offset: usize,
    text: &str,
) -> Result<T, ParseError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let line = line_offset + inner.line().max(1) - 1;
        // serde_json puts " at line L column C" in its message; we report the line ourselves.
        let msg = inner.to_string();
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_owned(),
            None => msg,
        };
        ParseError::at(path, line, if field == "." { "" } else { &field }, msg)
    })
}

/// Parse a whole JSON file.
pub fn parse_json_file<T: DeserializeOwned>(path: &Path) -> Result<T, ParseError> {
    let bytes = std::fs::read(path).map_err(|e| ParseError::io(path, e))?;
    parse_json_bytes(path, &bytes)
}

/// Parse a whole JSON document from bytes; invalid UTF-8 is reported with its line.
pub fn parse_json_bytes<T: DeserializeOwned>(path: &Path, bytes: &[u8]) -> Result<T, ParseError> {
    let text = std::str::from_utf8(bytes).map_err(|e| utf8_error(path, bytes, 1, e))?;
    parse_json_str(path, 1, text)
}

/// The error for invalid UTF-8 in `bytes`, whose first line is `first_line`: it names the line
/// and the byte column where the damage starts.
pub fn utf8_error(
    path: &Path,
    bytes: &[u8],
    first_line: usize,
    e: std::str::Utf8Error,
) -> ParseError {
    let valid = &bytes[..e.valid_up_to()];
    let line = first_line + valid.iter().filter(|&&b| b == b'\n').count();
    let column = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
    ParseError::at(
        path,
        line,
        "",
        format!("invalid UTF-8 at column {column}: the file is damaged there, or is not text"),
    )
}

/// Parse a JSON Lines text: one document per non-empty line, returned with its 1-based line.
pub fn parse_jsonl<T: DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<Vec<(usize, T)>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push((i + 1, parse_json_str(path, i + 1, line)?));
    }
    Ok(out)
}

/// Deserialise an already-parsed JSON value, naming the field on error.
pub fn from_value<T: DeserializeOwned>(
    path: &Path,
    line: usize,
    mut value: serde_json::Value,
) -> Result<T, ParseError> {
    // The tag of an internally tagged enum is not a field of the variant's struct.
    if let Some(obj) = value.as_object_mut() {
        obj.remove("type");
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        ParseError::at(
            path,
            line,
            if field == "." { "" } else { &field },
            e.into_inner().to_string(),
        )
    })
}

/// Parse a JSON Lines text whose lines are told apart by a tag: `pick` gets each line's value.
/// (serde cannot report field paths through internally tagged enums, so we dispatch by hand.)
pub fn parse_jsonl_tagged<T>(
    path: &Path,
    text: &str,
    mut pick: impl FnMut(usize, serde_json::Value) -> Result<T, ParseError>,
) -> Result<Vec<(usize, T)>, ParseError> {
    let values: Vec<(usize, serde_json::Value)> = parse_jsonl(path, text)?;
    values
        .into_iter()
        .map(|(line, v)| pick(line, v).map(|t| (line, t)))
        .collect()
}
