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
    /// An emulated microcontroller: the QEMU machine (`microbit`) that `executable`
    /// (`qemu-system-arm`) boots `firmware` on. Such an entry runs only on the `mcu` backend.
    #[serde(default)]
    pub machine: Option<String>,
    /// The firmware image the emulated board boots (a `.hex` or `.elf`).
    #[serde(default)]
    pub firmware: Option<String>,
    /// The id of the interpreter this one is a variant of (other flags, or another build).
    #[serde(default)]
    pub variant_of: Option<String>,
    /// Built from a Debian source package instead of installed (the free-threaded CPython).
    #[serde(default)]
    pub build: Option<SourceBuild>,
}

/// An interpreter compiled from a Debian source package in a build stage
/// (`xtask/src/images.rs`, `build_stage`), then copied into an image of its suite.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct SourceBuild {
    /// Debian source package; its version is the lock's pin of the binary package of the
    /// same name, which must be one of the entry's `packages` (they also bring the run-time
    /// libraries the build links against).
    pub source: String,
    /// Debian packages the build stage installs besides build-essential and dpkg-dev (not
    /// pinned: the versions it got are recorded in the image's provenance).
    pub build_depends: Vec<String>,
    /// Arguments to `./configure`; `--prefix` is where it lands in the image.
    pub configure: Vec<String>,
}

impl SourceBuild {
    /// The `--prefix=` of `configure`.
    pub fn prefix(&self) -> Option<&str> {
        self.configure
            .iter()
            .find_map(|a| a.strip_prefix("--prefix="))
    }
}

impl Interpreter {
    /// Host interpreters have no Debian suite: they only run with `--backend native`.
    pub fn is_host(&self) -> bool {
        self.suite.is_none()
    }

    /// An emulated microcontroller (it has a `machine`): the `mcu` backend runs it.
    pub fn is_mcu(&self) -> bool {
        self.machine.is_some()
    }

    /// The board bench-runner boots, for an emulated microcontroller.
    pub fn board_spec(&self) -> Option<whichpy_wire::BoardSpec> {
        Some(whichpy_wire::BoardSpec {
            machine: self.machine.clone()?,
            firmware: self.firmware.clone()?,
        })
    }
}

impl Catalogue {
    pub fn load(root: &Path) -> Result<Catalogue, ParseError> {
        let path = root.join(CATALOGUE);
        let text = std::fs::read_to_string(&path).map_err(|e| ParseError::io(&path, e))?;
        Self::parse(&path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Catalogue, ParseError> {
        use whichpy_wire::names::{check_id, check_text};
        let cat: Catalogue = parse_toml(path, text)?;
        let entries = entry_lines(text);
        let mut seen = std::collections::BTreeMap::new();
        for (i, e) in cat.interpreters.iter().enumerate() {
            // The line of a field of entry i: that entry's own line, not the first match.
            let line = |key: &str| field_line(text, &entries, i, key);
            let err = |key: &str, field: String, msg: String| {
                Err(ParseError::at(path, line(key), &field, msg))
            };
            if let Err(why) = check_id(&e.id) {
                return err("id", format!("interpreter[{i}].id"), format!("id {why}"));
            }
            if let Some(first) = seen.insert(e.id.as_str(), line("id")) {
                return err(
                    "id",
                    format!("interpreter[{i}].id"),
                    format!("duplicate id `{}` (first at line {first})", e.id),
                );
            }
            if let Err(why) = check_text(&e.label) {
                return err(
                    "label",
                    format!("interpreter[{i}].label"),
                    format!("label {why}"),
                );
            }
            if e.label.trim().is_empty() {
                return err(
                    "label",
                    format!("interpreter[{i}].label"),
                    "label is empty".into(),
                );
            }
            if let Some(Err(why)) = e.caveat.as_deref().map(check_text) {
                return err(
                    "caveat",
                    format!("interpreter[{i}].caveat"),
                    format!("caveat {why}"),
                );
            }
            for (j, set) in e.sets.iter().enumerate() {
                if let Err(why) = check_id(set) {
                    return err(
                        "sets",
                        format!("interpreter[{i}].sets[{j}]"),
                        format!("set name {why}"),
                    );
                }
            }
            if e.suite.is_some() && e.packages.is_empty() {
                return err(
                    "packages",
                    format!("interpreter[{i}].packages"),
                    "an image entry needs at least one package".into(),
                );
            }
            if e.machine.is_some() != e.firmware.is_some() {
                return err(
                    "machine",
                    format!("interpreter[{i}].machine"),
                    "an emulated board needs both `machine` and `firmware`".into(),
                );
            }
            if let Some(b) = &e.build {
                if !e.packages.contains(&b.source) {
                    return err(
                        "source",
                        format!("interpreter[{i}].build.source"),
                        format!(
                            "`{}` must also be one of `packages` (the lock pins its version)",
                            b.source
                        ),
                    );
                }
                if b.prefix().is_none_or(|p| !p.starts_with("/opt/")) {
                    return err(
                        "configure",
                        format!("interpreter[{i}].build.configure"),
                        "name an install folder under /opt with `--prefix=/opt/…`".into(),
                    );
                }
            }
            if let Some(v) = &e.variant_of {
                if !cat.interpreters.iter().any(|o| &o.id == v && o.id != e.id) {
                    return err(
                        "variant_of",
                        format!("interpreter[{i}].variant_of"),
                        format!("no other interpreter has the id `{v}`"),
                    );
                }
            }
            if e.sets.is_empty() {
                return err(
                    "sets",
                    format!("interpreter[{i}].sets"),
                    "name at least one set".into(),
                );
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

    /// Resolve `--interp` values: ids, or set names (`default`, `variants`, `history`, `host`,
    /// and `all`: every entry of [`ALL_SETS`]).
    pub fn select<'a>(&'a self, wanted: &[String]) -> anyhow::Result<Vec<&'a Interpreter>> {
        let mut out: Vec<&Interpreter> = Vec::new();
        for w in wanted {
            let found: Vec<&'a Interpreter> = match self.get(w) {
                Some(i) => vec![i],
                // Every container interpreter: what the published article measures.
                None if w == ALL => self
                    .interpreters
                    .iter()
                    .filter(|i| i.sets.iter().any(|s| ALL_SETS.contains(&s.as_str())))
                    .collect(),
                None => self
                    .interpreters
                    .iter()
                    .filter(|i| i.sets.iter().any(|s| s == w))
                    .collect(),
            };
            if found.is_empty() {
                let ids: Vec<&str> = self.interpreters.iter().map(|i| i.id.as_str()).collect();
                anyhow::bail!("no interpreter or set named `{w}` in {CATALOGUE} (ids: {}; sets: default, latest, variants, history, freethreaded, all, host, mcu)", ids.join(", "));
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

/// `--interp all`: the container sets, together (the published run).
pub const ALL: &str = "all";
pub const ALL_SETS: [&str; 5] = ["default", "latest", "history", "variants", "freethreaded"];

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

/// 1-based lines of the `[[interpreter]]` headers, in order.
fn entry_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[interpreter]]")
        .map(|(i, _)| i + 1)
        .collect()
}

/// The line of `key = ...` inside entry `i` (from its header to the next), or the header's.
fn field_line(text: &str, entries: &[usize], i: usize, key: &str) -> usize {
    let Some(&start) = entries.get(i) else {
        return 1;
    };
    let end = entries.get(i + 1).copied().unwrap_or(usize::MAX);
    text.lines()
        .enumerate()
        .skip(start)
        .take_while(|(n, _)| n + 1 < end)
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(start, |(n, _)| n + 1)
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

    const ONE: &str = "[[interpreter]]\nid = \"a\"\nfamily = \"pypy\"\nlabel = \"A\"\nexecutable = \"a\"\nsets = [\"host\"]\n";

    #[test]
    fn a_duplicate_id_is_reported_at_the_duplicate() {
        let other = ONE.replace("\"a\"\nfamily", "\"b\"\nfamily");
        let text = format!("{ONE}\n{other}\n[[interpreter]]\n# the same id again\nid  =  \"a\"\nfamily = \"pypy\"\nlabel = \"A\"\nexecutable = \"a\"\nsets = [\"host\"]\n");
        let err = Catalogue::parse(Path::new("c.toml"), &text).unwrap_err();
        assert_eq!(
            (err.line, err.field.as_deref(), err.message.as_str()),
            (
                Some(17),
                Some("interpreter[2].id"),
                "duplicate id `a` (first at line 2)"
            ),
            "{err}"
        );
    }

    #[test]
    fn names_are_checked_where_the_catalogue_is_read() {
        let cases = [
            (
                "id = \"a\"",
                "id = \"[click me](javascript:alert(3))\"",
                2,
                "interpreter[0].id",
            ),
            (
                "label = \"A\"",
                "label = \"A\\n# injected\"",
                4,
                "interpreter[0].label",
            ),
            (
                "sets = [\"host\"]",
                "sets = [\"host\", \"Bad Set\"]",
                6,
                "interpreter[0].sets[1]",
            ),
        ];
        for (from, to, line, field) in cases {
            let text = ONE.replace(from, to);
            let err = Catalogue::parse(Path::new("c.toml"), &text).unwrap_err();
            assert_eq!(
                (err.line, err.field.as_deref()),
                (Some(line), Some(field)),
                "{err}"
            );
            assert!(
                err.to_string()
                    .starts_with(&format!("c.toml:{line}: field `{field}`")),
                "{err}"
            );
        }
    }
}
