//! The layer rule, checked on the source: every module of `src/` may use only the modules below
//! it, so the code keeps pointing one way as it grows.
//!
//! ```text
//! main -> startup -> api / web / cli / demo -> service -> db -> entity
//!                                               \-> certificate (render), signing -> domain
//! ```
//!
//! `config` and `telemetry` are read by `startup` only (`config` names which signing key to load). A handler (`api`, `web`, `cli`, `demo`)
//! never names `db`, `entity` or `sea_orm`; the domain names no other module and no I/O crate.
//! The test reads every `.rs` file under `src/`, collects the `crate::` and `super::` paths it
//! uses, and fails naming each file and the module it may not use.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

/// The modules each layer may use besides itself. A layer is a top-level module of `src/`.
const RULES: &[(&str, &[&str])] = &[
    ("main", &["startup", "cli"]),
    (
        "startup",
        &[
            "api",
            "web",
            "cli",
            "demo",
            "service",
            "db",
            "certificate",
            "signing",
            "files",
            "domain",
            "config",
            "telemetry",
        ],
    ),
    ("telemetry", &["config"]),
    ("config", &["signing", "domain", "files"]),
    ("api", &["service", "charts", "domain"]),
    ("web", &["service", "charts", "domain"]),
    ("cli", &["service", "domain"]),
    ("demo", &["service", "domain"]),
    (
        "service",
        &["db", "certificate", "signing", "files", "domain"],
    ),
    ("files", &[]),
    ("charts", &[]),
    ("db", &["domain"]),
    ("certificate", &["signing", "domain"]),
    ("signing", &["domain"]),
    ("domain", &[]),
];

/// External crates a layer may not name: persistence stays in `db`, HTTP in `api` and `web`,
/// and the pure layers touch neither.
const PERSISTENCE: &[&str] = &["entity", "sea_orm", "migration"];
const HTTP: &[&str] = &["poem", "poem_openapi", "askama"];
/// A layer, the groups of crates it may not name, and further crates it may not name.
type Forbidden = (
    &'static str,
    &'static [&'static [&'static str]],
    &'static [&'static str],
);
const FORBIDDEN_CRATES: &[Forbidden] = &[
    ("api", &[PERSISTENCE], &[]),
    ("web", &[PERSISTENCE], &[]),
    ("cli", &[PERSISTENCE, HTTP], &[]),
    ("demo", &[PERSISTENCE, HTTP], &[]),
    ("service", &[HTTP], &["entity", "migration"]),
    ("certificate", &[PERSISTENCE, HTTP], &["tokio"]),
    ("signing", &[PERSISTENCE, HTTP], &["tokio"]),
    ("files", &[PERSISTENCE, HTTP], &["tokio"]),
    ("charts", &[PERSISTENCE, HTTP], &["tokio"]),
    (
        "domain",
        &[PERSISTENCE, HTTP],
        &["tokio", "printpdf", "ureq"],
    ),
];

/// One use of a module that the rules forbid.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Breach {
    file: String,
    line: usize,
    layer: String,
    uses: String,
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` may not use `{}`",
            self.file, self.line, self.layer, self.uses
        )
    }
}

/// The layer of a file: its top-level module under `src/`.
fn layer_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_owned())
}

/// The module path of a file relative to `src/`, e.g. `api/zones.rs` -> `["api", "zones"]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str().map(str::to_owned))
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_owned();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

/// Removes line comments (doc comments included), so a link in prose is not a use.
fn strip_comments(source: &str) -> String {
    source
        .lines()
        .map(|line| {
            let mut in_str = false;
            let bytes = line.as_bytes();
            let mut cut = line.len();
            let mut i = 0;
            while i + 1 < bytes.len() {
                match bytes[i] {
                    b'"' if i == 0 || bytes[i - 1] != b'\\' => in_str = !in_str,
                    b'/' if !in_str && bytes[i + 1] == b'/' => {
                        cut = i;
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            &line[..cut]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The first segment of every path of a `use` group, e.g. `{db, domain::auth::{A, B}}` ->
/// `["db", "domain"]`.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let bytes = group.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => depth += 1,
            b'}' => depth -= 1,
            b',' if depth == 0 => {
                heads.push(head(&group[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    heads.push(head(&group[start..]));
    heads.into_iter().filter(|h| !h.is_empty()).collect()
}

fn head(path: &str) -> String {
    path.trim()
        .bytes()
        .take_while(|b| is_ident_byte(*b))
        .map(char::from)
        .collect()
}

/// Every top-level module a file names, with the line it is named on: `crate::x`, `super::x`
/// resolved against the file's own module path, and groups `crate::{x, y}`.
fn modules_used(source: &str, own_path: &[String]) -> Vec<(usize, String)> {
    let text = strip_comments(source);
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !text.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let boundary = i == 0 || !is_ident_byte(bytes[i - 1]);
        let rest = &text[i..];
        let (skip, base): (usize, Option<Vec<String>>) = if boundary && rest.starts_with("crate::")
        {
            (7, Some(Vec::new()))
        } else if boundary && rest.starts_with("super::") {
            // Count the chain of `super::` and climb that many levels from this module.
            let mut levels = 0;
            let mut j = 0;
            while text[i + j..].starts_with("super::") {
                levels += 1;
                j += 7;
            }
            let keep = own_path.len().saturating_sub(levels);
            (j, Some(own_path[..keep].to_vec()))
        } else {
            (0, None)
        };
        let Some(base) = base else {
            i += 1;
            continue;
        };
        let line = text[..i].matches('\n').count() + 1;
        let after = &text[i + skip..];
        let heads = if after.starts_with('{') {
            let mut depth = 0;
            let mut end = after.len();
            for (k, c) in after.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            group_heads(&after[1..end])
        } else {
            vec![head(after)]
        };
        for h in heads {
            // Below the crate root the first segment is the layer; below a layer it is the
            // layer's own submodule.
            let top = base.first().cloned().unwrap_or(h);
            found.push((line, top));
        }
        i += skip.max(1);
    }
    found
}

/// Every external crate a file names at a word boundary (`sea_orm::`, `use entity`).
fn crates_used(source: &str, crates: &[&str]) -> Vec<(usize, String)> {
    let text = strip_comments(source);
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for name in crates {
            let bytes = line.as_bytes();
            let mut from = 0;
            while let Some(pos) = line[from..].find(name) {
                let at = from + pos;
                let end = at + name.len();
                let before_ok = at == 0 || !is_ident_byte(bytes[at - 1]) && bytes[at - 1] != b':';
                let after = &line[end..];
                let after_ok = after.starts_with("::") || after.trim_start().starts_with(';');
                let is_use = line.trim_start().starts_with("use ") || after.starts_with("::");
                if before_ok && after_ok && is_use {
                    found.push((n + 1, (*name).to_owned()));
                    break;
                }
                from = end;
            }
        }
    }
    found
}

/// Checks one file's source; `relative` is its path under `src/`.
fn check_source(relative: &Path, source: &str) -> Vec<Breach> {
    let Some(layer) = layer_of(relative) else {
        return Vec::new();
    };
    let shown = format!("src/{}", relative.display());
    let mut out = Vec::new();
    let allowed: BTreeSet<&str> = RULES
        .iter()
        .find(|(l, _)| *l == layer)
        .map(|(_, a)| a.iter().copied().collect())
        .unwrap_or_else(|| panic!("{shown}: the layer `{layer}` has no rule; add it to RULES"));
    let layers: BTreeSet<&str> = RULES.iter().map(|(l, _)| *l).collect();
    for (line, used) in modules_used(source, &module_path(relative)) {
        // A name that is not a layer is an item reached through an inline module's `super`.
        let is_layer = layers.contains(used.as_str());
        if is_layer && used != layer && !allowed.contains(used.as_str()) {
            out.push(Breach {
                file: shown.clone(),
                line,
                layer: layer.clone(),
                uses: used,
            });
        }
    }
    if let Some((_, groups, more)) = FORBIDDEN_CRATES.iter().find(|(l, _, _)| *l == layer) {
        let crates: Vec<&str> = groups
            .iter()
            .flat_map(|g| g.iter())
            .chain(*more)
            .copied()
            .collect();
        for (line, used) in crates_used(source, &crates) {
            out.push(Breach {
                file: shown.clone(),
                line,
                layer: layer.clone(),
                uses: used,
            });
        }
    }
    out.sort();
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "the source tree was not found");
    let mut breaches = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let source = std::fs::read_to_string(file).expect("readable source");
        breaches.extend(check_source(relative, &source));
    }
    breaches.sort();
    breaches.dedup_by(|a, b| a.file == b.file && a.uses == b.uses);
    assert!(
        breaches.is_empty(),
        "{} use(s) break the layer rule (see tests/layers.rs):\n{}",
        breaches.len(),
        breaches
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn a_handler_that_imports_the_database_layer_is_caught() {
    let handler = "use crate::{\n    db::zones::ZoneFilter,\n    service::{self, etag},\n};\n";
    let breaches = check_source(Path::new("api/zones.rs"), handler);
    assert_eq!(
        breaches.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["src/api/zones.rs:1: `api` may not use `db`"]
    );
    let inline = "fn f() { let _ = crate::db::ping(); }\n";
    assert_eq!(check_source(Path::new("web/mod.rs"), inline).len(), 1);
    let climbing = "use super::super::db::zones;\n";
    assert_eq!(
        check_source(Path::new("api/zones.rs"), climbing)[0].uses,
        "db"
    );
    let inside = "use super::super::types::Lenient;\n";
    assert!(check_source(Path::new("api/zones/list.rs"), inside).is_empty());
    let orm = "use sea_orm::DatabaseConnection;\nuse entity::zone;\n";
    let uses: Vec<String> = check_source(Path::new("api/health.rs"), orm)
        .into_iter()
        .map(|b| b.uses)
        .collect();
    assert_eq!(uses, ["sea_orm", "entity"]);
}

#[test]
fn uses_that_point_down_or_stay_inside_a_layer_pass() {
    let service = "use super::{Page, record};\nuse crate::{db, domain::zone::Zone};\n\
                   // crate::api is named in a comment only\n";
    assert!(check_source(Path::new("service/zones.rs"), service).is_empty());
    let domain = "use super::string_enum;\nuse chrono::NaiveDate;\n";
    assert!(check_source(Path::new("domain/auth.rs"), domain).is_empty());
    let upward = "use crate::service::AppState;\n";
    assert_eq!(check_source(Path::new("db/zones.rs"), upward).len(), 1);
}
