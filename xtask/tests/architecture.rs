//! ARCHITECTURE.md's rules, held by tests (as rust-analyzer's `tidy.rs` holds its
//! architecture.md): which crate may use which outside system, which code does no I/O, where
//! serialisable types live, who reads a summary, that every member takes the workspace lints,
//! that every dependency has its row, and that CI runs fmt and clippy before the tests.
//!
//! Each rule is a table here; a failure names the file and says what to do. A crate that does
//! not exist yet (`crates/view`) is covered by the rules that name it as soon as it appears.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    xtask::project::root()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Manifests
// ---------------------------------------------------------------------------------------------

/// One workspace member's manifest.
struct Member {
    name: String,
    dir: PathBuf,
    manifest: toml::Table,
}

impl Member {
    /// Every dependency, of every kind (normal, dev, build), by its package name.
    fn dependencies(&self) -> BTreeSet<String> {
        let mut all = BTreeSet::new();
        for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(t) = self.manifest.get(kind).and_then(|v| v.as_table()) {
                for (name, spec) in t {
                    let package = spec.get("package").and_then(|p| p.as_str());
                    all.insert(package.unwrap_or(name).to_owned());
                }
            }
        }
        all
    }
}

/// The members of the workspace (`members` in the root Cargo.toml, globs expanded).
fn members() -> Vec<Member> {
    let root = root();
    let manifest: toml::Table = read(&root.join("Cargo.toml")).parse().unwrap();
    let patterns = manifest["workspace"]["members"].as_array().unwrap();
    let mut dirs = Vec::new();
    for p in patterns {
        let p = p.as_str().unwrap();
        match p.strip_suffix("/*") {
            Some(parent) => {
                let mut found: Vec<PathBuf> = std::fs::read_dir(root.join(parent))
                    .unwrap()
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|d| d.join("Cargo.toml").is_file())
                    .collect();
                found.sort();
                dirs.extend(found);
            }
            None => dirs.push(root.join(p)),
        }
    }
    dirs.into_iter()
        .map(|dir| {
            let manifest: toml::Table = read(&dir.join("Cargo.toml")).parse().unwrap();
            let name = manifest["package"]["name"].as_str().unwrap().to_owned();
            Member {
                name,
                dir,
                manifest,
            }
        })
        .collect()
}

/// Outside systems (and the crates that stand for them), and the only members that may depend
/// on them: ARCHITECTURE.md's "One owner per outside system" and its dependency table.
const OWNERS: &[(&str, &[&str], &str)] = &[
    (
        "bollard",
        &["xtask"],
        "the Docker engine: xtask's docker module",
    ),
    (
        "tokio",
        &["xtask"],
        "the runtime bollard needs: xtask's docker module",
    ),
    (
        "futures-util",
        &["xtask"],
        "bollard's streams: xtask's docker module",
    ),
    (
        "minijinja",
        &["whichpy-render", "whichpy-site"],
        "templates: render owns the environment; site only hands it a context",
    ),
    (
        "pulldown-cmark",
        &["whichpy-render"],
        "Markdown: render's markdown_to_html",
    ),
    ("plotters", &["whichpy-charts"], "charts"),
    ("resvg", &["whichpy-charts"], "the og:image PNG"),
    ("statrs", &["whichpy-stats"], "statistics"),
];

#[test]
fn each_outside_system_has_one_owner_crate() {
    let mut wrong = Vec::new();
    for m in members() {
        let deps = m.dependencies();
        for (dep, owners, what) in OWNERS {
            if deps.contains(*dep) && !owners.contains(&m.name.as_str()) {
                wrong.push(format!(
                    "{} depends on {dep} ({what}); only {} may",
                    rel(&m.dir.join("Cargo.toml")),
                    owners.join(", ")
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\nGo through the owner crate instead, or change the rule in ARCHITECTURE.md and \
         OWNERS in xtask/tests/architecture.rs together",
        wrong.join("\n")
    );
}

/// Within xtask, the modules that may name an outside system's crate.
const MODULE_OWNERS: &[(&str, &[&str])] = &[
    ("bollard", &["xtask/src/docker/"]),
    ("tokio", &["xtask/src/docker/"]),
    ("futures_util", &["xtask/src/docker/"]),
    // The in-memory tarballs: build contexts (docker) and the image inputs (images).
    ("tar", &["xtask/src/docker/", "xtask/src/images.rs"]),
];

#[test]
fn within_xtask_only_the_docker_module_talks_to_the_engine() {
    let mut wrong = Vec::new();
    for file in rust_files(&root().join("xtask/src")) {
        let code = code_of(&read(&file));
        let path = rel(&file);
        for (krate, allowed) in MODULE_OWNERS {
            if allowed.iter().any(|a| path.starts_with(a)) {
                continue;
            }
            if let Some(line) = find_path(&code, krate) {
                wrong.push(format!("{path}:{line}: uses `{krate}`"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\nonly xtask/src/docker talks to the engine: go through its `Engine`",
        wrong.join("\n")
    );
}

#[test]
fn every_member_takes_the_workspace_lints() {
    let root_manifest: toml::Table = read(&root().join("Cargo.toml")).parse().unwrap();
    let lints = root_manifest["workspace"]
        .get("lints")
        .expect("[workspace.lints] in Cargo.toml");
    for (group, lint) in [
        ("rust", "unsafe_op_in_unsafe_fn"),
        ("rust", "unused_must_use"),
        ("clippy", "dbg_macro"),
        ("clippy", "todo"),
        ("clippy", "print_stdout"),
    ] {
        assert_eq!(
            lints[group][lint].as_str(),
            Some("deny"),
            "Cargo.toml: [workspace.lints.{group}] {lint} should be \"deny\""
        );
    }
    for m in members() {
        let takes = m
            .manifest
            .get("lints")
            .and_then(|l| l.get("workspace"))
            .and_then(|w| w.as_bool());
        assert_eq!(
            takes,
            Some(true),
            "{}: add `[lints]\\nworkspace = true`",
            rel(&m.dir.join("Cargo.toml"))
        );
    }
}

/// Package names in the first column of ARCHITECTURE.md's "Dependencies and why" table.
fn dependency_table() -> BTreeSet<String> {
    let text = read(&root().join("ARCHITECTURE.md"));
    let section = text
        .split("## Dependencies and why")
        .nth(1)
        .expect("ARCHITECTURE.md has a `## Dependencies and why` section");
    let section = section.split("\n## ").next().unwrap();
    let mut names = BTreeSet::new();
    for line in section.lines().filter(|l| l.starts_with('|')) {
        let first = line.trim_start_matches('|').split('|').next().unwrap_or("");
        // "plotters (svg_backend only)" → plotters
        let first = first.split('(').next().unwrap();
        for name in first.split(',') {
            names.insert(name.trim().to_owned());
        }
    }
    names
}

#[test]
fn every_dependency_has_a_row_saying_why() {
    let table = dependency_table();
    let ours: BTreeSet<String> = members().iter().map(|m| m.name.clone()).collect();
    let mut missing = BTreeMap::new();
    for m in members() {
        for dep in m.dependencies() {
            if !ours.contains(&dep) && !table.contains(&dep) {
                missing
                    .entry(dep)
                    .or_insert_with(Vec::new)
                    .push(m.name.clone());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "dependencies with no row in ARCHITECTURE.md's \"Dependencies and why\": {missing:?}; \
         add a row saying where and why"
    );
}

// ---------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------

/// The `.rs` files under `dir` (or `dir` itself), sorted; none if it does not exist.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_owned()];
    }
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The code of a source file, as lines (numbered as in the file), without comments and
/// without its tests: the item after a `#[cfg(test)]` (`mod tests;` or a braced block) is
/// blanked. A file named `tests.rs` or under `tests/` is all tests ([`is_test_file`]).
fn code_of(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    // Inside a test item: its brace depth so far, and whether its first brace was seen.
    let mut skipping: Option<(i64, bool)> = None;
    for line in text.lines() {
        let code = match line.find("//") {
            // `https://` in a string is not a comment.
            Some(i) if !line[..i].ends_with(':') => &line[..i],
            _ => line,
        };
        if let Some((depth, opened)) = skipping.as_mut() {
            *depth += code.matches('{').count() as i64 - code.matches('}').count() as i64;
            *opened |= code.contains('{');
            let ended = (*opened && *depth <= 0) || (!*opened && code.trim_end().ends_with(';'));
            if ended {
                skipping = None;
            }
            lines.push(String::new());
            continue;
        }
        if code.trim_start().starts_with("#[cfg(test)]") {
            skipping = Some((0, false));
            lines.push(String::new());
            continue;
        }
        lines.push(code.to_owned());
    }
    lines
}

fn is_test_file(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "tests.rs")
        || path.components().any(|c| c.as_os_str() == "tests")
}

/// The 1-based line where `path` (`std::fs`, `bollard`) is named: as a path prefix
/// (`std::fs::read`, `use std::fs;`) or inside a `use std::{.., fs, ..}` group.
fn find_path(code: &[String], path: &str) -> Option<usize> {
    let (head, last) = match path.rsplit_once("::") {
        Some((h, l)) => (Some(h), l),
        None => (None, path),
    };
    for (i, line) in code.iter().enumerate() {
        for (at, _) in line.match_indices(path) {
            let before = line[..at].chars().next_back();
            let after = line[at + path.len()..].chars().next();
            let starts = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
            let ends = after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            if starts && ends {
                return Some(i + 1);
            }
        }
        if let Some(head) = head {
            // `use std::{fs, io::Write}` (on one line, or the group's first line on).
            let group = format!("{head}::{{");
            if let Some(at) = line.find(&group) {
                let rest: String = code[i..].join(" ");
                let inner = rest[at + group.len()..].split('}').next().unwrap_or("");
                if inner
                    .split(',')
                    .any(|item| item.trim().split("::").next() == Some(last))
                {
                    return Some(i + 1);
                }
            }
        }
    }
    None
}

/// Whether `word` appears as a whole identifier.
fn find_word(code: &[String], word: &str) -> Option<usize> {
    code.iter()
        .position(|line| {
            line.match_indices(word).any(|(at, _)| {
                let before = line[..at].chars().next_back();
                let after = line[at + word.len()..].chars().next();
                before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                    && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
            })
        })
        .map(|i| i + 1)
}

/// What "does no I/O and reads no clock" forbids.
const IO_PATHS: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "std::thread",
];
const IO_WORDS: &[&str] = &[
    "Instant",
    "SystemTime",
    "stdin",
    "stdout",
    "stderr",
    "println",
    "print",
    "eprintln",
    "eprint",
];

/// Code that does no I/O and reads no clock (ARCHITECTURE.md's code map and invariants).
const PURE: &[(&str, &str)] = &[
    (
        "crates/stats/src",
        "statistics are a pure function from records to a summary",
    ),
    (
        "crates/charts/src",
        "charts are drawn from the summary alone",
    ),
    (
        "crates/view/src",
        "the presentation model is derived from the summary alone",
    ),
    (
        "xtask/src/planner.rs",
        "the planner reads records and costs, never a clock or a file",
    ),
    (
        "xtask/src/floor_search.rs",
        "the memory floor's search decides from probe results, never a clock or a file",
    ),
];

/// Problems with `forbidden` names in the code under `dir`.
fn scan(dir: &str, paths: &[&str], words: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(&root().join(dir)) {
        if is_test_file(&file) {
            continue;
        }
        let code = code_of(&read(&file));
        for p in paths {
            if let Some(line) = find_path(&code, p) {
                found.push(format!("{}:{line}: `{p}`", rel(&file)));
            }
        }
        for w in words {
            if let Some(line) = find_word(&code, w) {
                found.push(format!("{}:{line}: `{w}`", rel(&file)));
            }
        }
    }
    found
}

#[test]
fn pure_code_does_no_io_and_reads_no_clock() {
    let mut wrong = Vec::new();
    for (dir, why) in PURE {
        for f in scan(dir, IO_PATHS, IO_WORDS) {
            wrong.push(format!("{f} ({why})"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\nmove the I/O to the caller (xtask) and pass the data in",
        wrong.join("\n")
    );
}

#[test]
fn wire_reads_the_files_it_is_given_and_does_nothing_else_outside() {
    // Its readers take a path (`RawRead::load`, `parse_json_file`): reading is allowed,
    // nothing else is, and no clock.
    let paths: Vec<&str> = IO_PATHS
        .iter()
        .copied()
        .filter(|p| *p != "std::fs")
        .collect();
    let mut wrong = scan("crates/wire/src", &paths, IO_WORDS);
    for file in rust_files(&root().join("crates/wire/src")) {
        if is_test_file(&file) {
            continue;
        }
        for (i, line) in code_of(&read(&file)).iter().enumerate() {
            for (at, _) in line.match_indices("std::fs") {
                if !line[at..].starts_with("std::fs::read(") {
                    wrong.push(format!("{}:{}: `{}`", rel(&file), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\ncrates/wire only reads the files its readers are given (std::fs::read); \
         writing, processes, the network and clocks belong to xtask",
        wrong.join("\n")
    );
}

#[test]
fn the_scheduler_spends_budgets_on_the_backends_clock() {
    // So that the fake backend's simulated clock drives a planned run (xtask/tests/fake_runs.rs).
    let wrong = scan("xtask/src/schedule.rs", &[], &["Instant", "SystemTime"]);
    assert!(
        wrong.is_empty(),
        "{}\nread the time through `Backend::clock_s`",
        wrong.join("\n")
    );
}

/// Serialisable types outside crates/wire, each with its reason (ARCHITECTURE.md, "If a type
/// is serialisable, it is part of a boundary"): `(path prefix, derives allowed, why)`.
const SERDE_EXCEPTIONS: &[(&str, &[&str], &str)] = &[
    (
        "crates/render/src/",
        &["Serialize"],
        "template contexts: serialised into a template, never read back",
    ),
    (
        "crates/site/src/",
        &["Serialize"],
        "template contexts: serialised into a template, never read back",
    ),
    (
        "crates/view/src/",
        &["Serialize"],
        "the presentation model: serialised into templates, never read back",
    ),
    (
        "crates/render/src/content.rs",
        &["Serialize", "Deserialize"],
        "the editorial data of content/*.toml, read by render alone",
    ),
    (
        "crates/stats/src/export/",
        &["Serialize"],
        "export rows (CSV), written for other tools, never read back",
    ),
    (
        "xtask/src/catalogue.rs",
        &["Deserialize"],
        "the hand-edited catalogue, read by xtask alone",
    ),
    (
        "xtask/src/images.rs",
        &["Serialize", "Deserialize"],
        "an image's provenance label, written and read by xtask alone",
    ),
    (
        "xtask/src/backend/fake.rs",
        &["Deserialize"],
        "the fake backend's model, a test input",
    ),
];

/// `(line, derives, type name)` of each `#[derive(..)]` naming Serialize or Deserialize.
fn serde_derives(code: &[String]) -> Vec<(usize, Vec<String>, String)> {
    let mut out = Vec::new();
    for (i, line) in code.iter().enumerate() {
        let Some(at) = line.find("#[derive(") else {
            continue;
        };
        let rest = code[i..].join(" ");
        let rest = &rest[rest.find("#[derive(").unwrap_or(at)..];
        let inner = rest.split(")]").next().unwrap_or("");
        let derives: Vec<String> = ["Serialize", "Deserialize"]
            .into_iter()
            .filter(|d| {
                inner
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .any(|w| w == *d)
            })
            .map(str::to_owned)
            .collect();
        if derives.is_empty() {
            continue;
        }
        let name = code[i..]
            .iter()
            .find_map(|l| {
                let mut words = l.split_whitespace();
                while let Some(w) = words.next() {
                    if w == "struct" || w == "enum" {
                        return words.next().map(|n| {
                            n.trim_end_matches(|c: char| !c.is_alphanumeric())
                                .to_owned()
                        });
                    }
                }
                None
            })
            .unwrap_or_default();
        out.push((i + 1, derives, name));
    }
    out
}

#[test]
fn serialisable_types_live_in_wire_or_are_listed_exceptions() {
    let root = root();
    let mut dirs = vec![root.join("xtask/src"), root.join("bench-runner/src")];
    for m in members() {
        if m.dir.starts_with(root.join("crates")) && !m.dir.ends_with("wire") {
            dirs.push(m.dir.join("src"));
        }
    }
    let mut wrong = Vec::new();
    for dir in dirs {
        for file in rust_files(&dir) {
            if is_test_file(&file) {
                continue;
            }
            let path = rel(&file);
            let allowed: BTreeSet<&str> = SERDE_EXCEPTIONS
                .iter()
                .filter(|(prefix, _, _)| path.starts_with(prefix))
                .flat_map(|(_, d, _)| d.iter().copied())
                .collect();
            for (line, derives, name) in serde_derives(&code_of(&read(&file))) {
                for d in derives {
                    if !allowed.contains(d.as_str()) {
                        wrong.push(format!("{path}:{line}: `{name}` derives {d}"));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\na serialisable type is a boundary: move it into crates/wire, or add its reason \
         to SERDE_EXCEPTIONS in xtask/tests/architecture.rs and to ARCHITECTURE.md",
        wrong.join("\n")
    );
}

#[test]
fn every_summary_is_read_through_the_schema_check() {
    // `xtask::render::load_summary` refuses a schema this build does not know; a summary
    // parsed anywhere else would not.
    let mut wrong = Vec::new();
    let mut dirs = vec![root().join("xtask/src")];
    dirs.extend(members().iter().map(|m| m.dir.join("src")));
    for dir in dirs {
        for file in rust_files(&dir) {
            let path = rel(&file);
            if is_test_file(&file) || path == "xtask/src/render.rs" {
                continue;
            }
            for (i, line) in code_of(&read(&file)).iter().enumerate() {
                let parses = ["parse_json_file", "from_str", "from_slice", "from_reader"]
                    .iter()
                    .any(|p| line.contains(p));
                if parses && line.contains("Summary") {
                    wrong.push(format!("{path}:{}: {}", i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{}\nread a summary with xtask::render::load_summary, which checks its schema",
        wrong.join("\n")
    );
}

#[test]
fn ci_runs_fmt_and_clippy_before_the_tests() {
    let ci = read(&root().join(".ci/run"));
    // The line that runs the command (not a comment or an `echo` naming it).
    let at = |needle: &str| {
        ci.lines()
            .position(|l| l.trim_start().starts_with(needle))
            .unwrap_or_else(|| panic!(".ci/run does not run `{needle}`"))
    };
    let fmt = at("cargo fmt --all --check");
    let clippy = at("cargo clippy --workspace --all-targets -- -D warnings");
    let test = at("cargo test --workspace");
    assert!(
        fmt < test && clippy < test,
        ".ci/run: lint (fmt, clippy) before `cargo test --workspace`, so a lint error fails fast"
    );
    // The workflow's lint job runs the same lint.
    let workflow = read(&root().join(".github/workflows/ci.yml"));
    assert!(
        workflow.contains("bash .ci/run lint"),
        ".github/workflows/ci.yml: the lint job should run `bash .ci/run lint`"
    );
}

/// Nothing runs in Actions that a reader cannot run locally: every `cargo xtask` command a
/// workflow calls, and every flag it passes, is in the README.
#[test]
fn workflows_call_only_cargo_xtask_commands_the_readme_documents() {
    let readme = read(&root().join("README.md"));
    let dir = root().join(".github/workflows");
    let mut wrong = Vec::new();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = read(&path);
        for (n, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                continue;
            }
            // The words of a `cargo xtask` call: after it on its line, or a folded
            // continuation (`--out …`), or a matrix entry's flags (`workloads: --workload …`).
            let words = if let Some((_, calls)) = line.split_once("cargo xtask ") {
                for call in calls.split("cargo xtask ") {
                    let cmd = call
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
                    seen += 1;
                    if !readme.contains(&format!("`{cmd}")) {
                        wrong.push(format!(
                            "{}:{}: `cargo xtask {cmd}` is not in the README",
                            rel(&path),
                            n + 1
                        ));
                    }
                }
                calls
            } else if trimmed.starts_with("--") {
                trimmed
            } else if let Some(flags) = trimmed.strip_prefix("workloads:") {
                flags
            } else {
                continue;
            };
            let flags = words
                .split_whitespace()
                .filter(|w| w.starts_with("--"))
                .map(|w| w.trim_end_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-'));
            for flag in flags {
                if !readme.contains(flag) {
                    wrong.push(format!(
                        "{}:{}: `{flag}` is not in the README",
                        rel(&path),
                        n + 1
                    ));
                }
            }
        }
    }
    assert!(seen > 0, "no `cargo xtask` call found in {}", rel(&dir));
    assert!(
        wrong.is_empty(),
        "{}\ndocument them in README.md (Commands), or call documented ones",
        wrong.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The scanner itself
// ---------------------------------------------------------------------------------------------

#[test]
fn the_scanner_finds_paths_in_every_form_and_ignores_comments_and_tests() {
    let code = |s: &str| code_of(s);
    assert_eq!(
        find_path(&code("let x = std::fs::read(p);"), "std::fs"),
        Some(1)
    );
    assert_eq!(find_path(&code("use std::fs;"), "std::fs"), Some(1));
    assert_eq!(
        find_path(&code("use std::{collections::BTreeMap, fs};"), "std::fs"),
        Some(1)
    );
    assert_eq!(
        find_path(
            &code("use std::{\n    io::Write,\n    process::Command,\n};"),
            "std::process"
        ),
        Some(1)
    );
    assert_eq!(find_path(&code("use bollard::Docker;"), "bollard"), Some(1));
    assert_eq!(find_path(&code("let y = my_bollard::x;"), "bollard"), None);
    assert_eq!(find_path(&code("use std::fsx;"), "std::fs"), None);
    assert_eq!(
        find_path(&code("// std::fs::read is not used"), "std::fs"),
        None
    );
    assert_eq!(
        find_path(
            &code("fn f() {}\n#[cfg(test)]\nmod tests { use std::fs; }"),
            "std::fs"
        ),
        None
    );
    // Code after a test module is code again.
    let after_tests =
        "#[cfg(test)]\nmod tests;\n#[cfg(test)]\nmod more {\n    use std::fs;\n}\nuse std::fs;";
    assert_eq!(find_path(&code(after_tests), "std::fs"), Some(7));
    assert_eq!(
        find_word(&code("let t = Instant::now();"), "Instant"),
        Some(1)
    );
    assert_eq!(find_word(&code("let t = InstantX;"), "Instant"), None);
    assert_eq!(find_word(&code("eprintln!(\"x\");"), "print"), None);
    let d = serde_derives(&code("#[derive(Clone,\n  Serialize)]\npub struct Row {"));
    assert_eq!(d, vec![(1, vec!["Serialize".to_owned()], "Row".to_owned())]);
    assert!(serde_derives(&code("#[derive(Clone, Debug)]\nstruct A;")).is_empty());
}
