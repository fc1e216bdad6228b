//! The interpreter catalogue (`containers/interpreters.toml`).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use whichpy_wire::{Family, ParseError};

pub const CATALOGUE: &str = "containers/interpreters.toml";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    #[serde(rename = "interpreter")]
    pub interpreters: Vec<Interpreter>,
}

/// One catalogue entry (see the comment at the top of the file for the fields).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Interpreter {
    pub id: String,
    pub family: Family,
    pub label: String,
    #[serde(default)]
    pub suite: Option<String>,
    #[serde(default)]
    pub packages: Vec<String>,
    pub executable: String,
    #[serde(default)]
    pub flags: Vec<String>,
    pub sets: Vec<String>,
    #[serde(default)]
    pub baseline: bool,
    #[serde(default)]
    pub caveat: Option<String>,
    /// How to install a host interpreter (shown by `doctor`).
    #[serde(default)]
    pub install: Option<String>,
}

impl Interpreter {
    /// Host interpreters have no Debian suite: they only run with `--backend native`.
    pub fn is_host(&self) -> bool {
        self.suite.is_none()
    }
}

impl Catalogue {
    pub fn load(root: &Path) -> Result<Catalogue, ParseError> {
        let path = root.join(CATALOGUE);
        let text = std::fs::read_to_string(&path).map_err(|e| ParseError::io(&path, e))?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Catalogue, ParseError> {
        let cat: Catalogue = parse_toml(path, text)?;
        let mut seen = std::collections::BTreeSet::new();
        for (i, e) in cat.interpreters.iter().enumerate() {
            let line = line_of(text, &format!("id = \"{}\"", e.id)).unwrap_or(1);
            if !seen.insert(e.id.as_str()) {
                return Err(ParseError::at(
                    path,
                    line,
                    &format!("interpreter[{i}].id"),
                    format!("duplicate id `{}`", e.id),
                ));
            }
            if e.suite.is_some() && e.packages.is_empty() {
                return Err(ParseError::at(
                    path,
                    line,
                    &format!("interpreter[{i}].packages"),
                    "an image entry needs at least one package",
                ));
            }
            if e.sets.is_empty() {
                return Err(ParseError::at(
                    path,
                    line,
                    &format!("interpreter[{i}].sets"),
                    "name at least one set",
                ));
            }
        }
        Ok(cat)
    }

    pub fn get(&self, id: &str) -> Option<&Interpreter> {
        self.interpreters.iter().find(|i| i.id == id)
    }

    /// Entries in a set, in catalogue order.
    pub fn in_set<'a>(&'a self, set: &'a str) -> impl Iterator<Item = &'a Interpreter> + 'a {
        self.interpreters
            .iter()
            .filter(move |i| i.sets.iter().any(|s| s == set))
    }

    /// Resolve `--interp` values: ids, or set names (`default`, `variants`, `history`, `host`).
    pub fn select<'a>(&'a self, wanted: &[String]) -> anyhow::Result<Vec<&'a Interpreter>> {
        let mut out: Vec<&Interpreter> = Vec::new();
        for w in wanted {
            let found: Vec<&'a Interpreter> = match self.get(w) {
                Some(i) => vec![i],
                None => self
                    .interpreters
                    .iter()
                    .filter(|i| i.sets.iter().any(|s| s == w))
                    .collect(),
            };
            if found.is_empty() {
                let ids: Vec<&str> = self.interpreters.iter().map(|i| i.id.as_str()).collect();
                anyhow::bail!("no interpreter or set named `{w}` in {CATALOGUE} (ids: {}; sets: default, variants, history, host)", ids.join(", "));
            }
            for i in found {
                if !out.iter().any(|o| o.id == i.id) {
                    out.push(i);
                }
            }
        }
        Ok(out)
    }
}

/// The executable of a host entry, resolved against the project root when relative.
pub fn host_executable(root: &Path, exe: &str) -> PathBuf {
    if exe.contains('/') && !exe.starts_with('/') {
        root.join(exe)
    } else {
        PathBuf::from(exe)
    }
}

/// Parse TOML, naming the file, line and field on error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ParseError> {
    let de = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let line = inner
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        ParseError::at(
            path,
            line,
            if field == "." { "" } else { &field },
            inner.message().to_owned(),
        )
    })
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.trim() == needle).map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_catalogue_loads() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let cat = Catalogue::load(root).unwrap();
        let default: Vec<_> = cat.in_set("default").map(|i| i.family).collect();
        assert_eq!(
            default,
            vec![Family::Cpython, Family::Pypy, Family::Micropython]
        );
        assert!(cat.in_set("host").next().is_some());
    }

    #[test]
    fn malformed_catalogue_names_file_line_and_field() {
        let text = "[[interpreter]]\nid = \"a\"\nfamily = \"jython\"\nlabel = \"A\"\nexecutable = \"a\"\nsets = [\"host\"]\n";
        let err = Catalogue::parse(Path::new("containers/interpreters.toml"), text).unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        assert_eq!(err.field.as_deref(), Some("interpreter[0].family"), "{err}");
        assert!(
            err.to_string()
                .starts_with("containers/interpreters.toml:3: field `interpreter[0].family`"),
            "{err}"
        );
    }

    #[test]
    fn unknown_and_missing_fields_are_named() {
        let text = "[[interpreter]]\nid = \"a\"\nfamily = \"pypy\"\nlabel = \"A\"\nexecutible = \"a\"\nsets = [\"host\"]\n";
        let err = Catalogue::parse(Path::new("c.toml"), text).unwrap_err();
        assert!(err.message.contains("executible"), "{err}");
        assert_eq!(err.line, Some(5), "{err}");
        let text =
            "[[interpreter]]\nid = \"a\"\nfamily = \"pypy\"\nlabel = \"A\"\nsets = [\"host\"]\n";
        let err = Catalogue::parse(Path::new("c.toml"), text).unwrap_err();
        assert!(err.message.contains("executable"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let one = "[[interpreter]]\nid = \"a\"\nfamily = \"pypy\"\nlabel = \"A\"\nexecutable = \"a\"\nsets = [\"host\"]\n";
        let err = Catalogue::parse(Path::new("c.toml"), &format!("{one}{one}")).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (Some(2), "duplicate id `a`")
        );
    }
}
