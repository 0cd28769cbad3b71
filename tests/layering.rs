//! The core's modules form layers that only point down: a module may import the modules of
//! the layers below its own and nothing above or beside it. This test reads every
//! `src/**/*.rs` file, finds the paths into the crate (`crate::…`, and `super::…` that
//! climbs out of a top-level module) and fails naming file, line and direction for each
//! import of a layer that is not below.
//!
//! The order is written once, in [`LAYERS`]. Test modules follow the same rule as the code
//! they test; the crate root (`src/lib.rs`) re-exports from every layer and is exempt.

use std::fmt;
use std::path::Path;

/// The layers, bottom first. A module may import the modules of earlier rows only; modules
/// in one row may not import each other.
const LAYERS: &[&[&str]] = &[
    // Numbers in messages, for every module's errors.
    &["number"],
    // Leaves: seeded randomness; RFM as plain data (values, thresholds, scores); the short
    // lists' sort.
    &["rng", "rfm", "sort"],
    // The JSON reader (catalog headers, options); its objects are sorted with `sort`.
    &["json"],
    // The catalog file format: reads, validates and writes; depends on no domain logic.
    &["catalog"],
    // `RecommendError` (wraps `CatalogError`).
    &["error"],
    // The shopper's history events.
    &["event"],
    // Scoring kernels (the `shopwindow-kernels` crate, re-exported, plus the dispatch over
    // the catalog's storage types), then top-k selection and filters over them.
    &["kernels"],
    &["topk"],
    // The fold-in: history → user vector.
    &["profile"],
    // k-means and the silhouette, independent of what is clustered.
    &["cluster"],
    // The shopper's segment and RFM standing.
    &["segment"],
    // The recommendation API, and the campaign policies beside it.
    &["recommend", "campaign"],
];

/// One import of a layer that is not below the importing module's.
#[derive(Debug, Clone, PartialEq)]
struct Violation {
    file: String,
    line: usize,
    from: String,
    to: String,
    why: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "src/{}:{}: `{}` imports `{}`: {}",
            self.file, self.line, self.from, self.to, self.why
        )
    }
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

fn order() -> String {
    LAYERS
        .iter()
        .map(|row| row.join(" | "))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The module path of a file under `src/` (`catalog/segments.rs` → `[catalog, segments]`).
fn module_path(file: &str) -> Vec<String> {
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// The source with comments, strings and character literals blanked out (newlines kept,
/// so line numbers stay right): a path in a comment or a message is not an import.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // Raw string r"…" or r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let closing: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = j + 1;
            let rest: String = chars[body_start..].iter().collect();
            let end = rest
                .find(&closing)
                .map_or(chars.len(), |at| body_start + rest[..at].chars().count());
            let stop = (end + closing.chars().count()).min(chars.len());
            for &ch in &chars[i..stop] {
                out.push(blank(ch));
            }
            i = stop;
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{7f}'); otherwise a lifetime, kept.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < chars.len() && chars[j] != '\'' {
                    j += 1;
                }
                for _ in i..=j.min(chars.len() - 1) {
                    out.push(' ');
                }
                i = j + 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// Identifiers and punctuation (`::` as one token), each with its line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((chars[start..i].iter().collect(), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(("::".into(), line));
            i += 2;
        } else {
            out.push((c.to_string(), line));
            i += 1;
        }
    }
    out
}

/// The first names after a path prefix ending at token `at` (just past a `::`): one name,
/// or each item's first name in a `{…}` group.
fn first_names(toks: &[(String, usize)], at: usize) -> Vec<(String, usize)> {
    match toks.get(at) {
        Some((t, _)) if t == "{" => {
            let mut names = Vec::new();
            let mut depth = 0;
            let mut expect_name = true;
            for (t, line) in &toks[at..] {
                match t.as_str() {
                    "{" => {
                        depth += 1;
                        if depth == 1 {
                            expect_name = true;
                        }
                    }
                    "}" => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    "," if depth == 1 => expect_name = true,
                    name if depth == 1 && expect_name => {
                        names.push((name.to_string(), *line));
                        expect_name = false;
                    }
                    _ => {}
                }
            }
            names
        }
        Some((t, line)) => vec![(t.clone(), *line)],
        None => Vec::new(),
    }
}

/// The imports of layers not below the file's own, for `text` read from `src/{file}`.
fn check_source(file: &str, text: &str) -> Vec<Violation> {
    let path = module_path(file);
    let Some(top) = path.first().cloned() else {
        return Vec::new(); // the crate root
    };
    let Some(own) = layer_of(&top) else {
        return vec![Violation {
            file: file.into(),
            line: 1,
            from: top.clone(),
            to: top,
            why: format!("the module has no layer: add it to LAYERS ({})", order()),
        }];
    };
    let toks = tokens(&code_only(text));
    let mut found = Vec::new();
    // Inline modules (`mod tests { … }`) with the brace depth they opened at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    for i in 0..toks.len() {
        let t = toks[i].0.as_str();
        let prev = i.checked_sub(1).map(|p| toks[p].0.as_str());
        let targets = match t {
            "{" => {
                depth += 1;
                continue;
            }
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|&(_, d)| d == depth) {
                    inline.pop();
                }
                continue;
            }
            "mod" if toks.get(i + 2).is_some_and(|(n, _)| n == "{") => {
                inline.push((toks[i + 1].0.clone(), depth));
                continue;
            }
            "crate"
                if prev != Some("$")
                    && prev != Some("::")
                    && toks.get(i + 1).is_some_and(|(n, _)| n == "::") =>
            {
                first_names(&toks, i + 2)
            }
            "super" if prev != Some("::") => {
                let mut hops = 0;
                let mut j = i;
                while toks.get(j).is_some_and(|(n, _)| n == "super")
                    && toks.get(j + 1).is_some_and(|(n, _)| n == "::")
                {
                    hops += 1;
                    j += 2;
                }
                let depth_now = path.len() + inline.len();
                if hops == 0 || hops < depth_now {
                    continue; // still inside the same top-level module
                }
                first_names(&toks, j)
            }
            _ => continue,
        };
        for (to, line) in targets {
            if to == top {
                continue;
            }
            let why = match layer_of(&to) {
                None => format!(
                    "not a module of LAYERS (a crate-root re-export?): import it through the \
                     module that defines it, so its layer can be checked ({})",
                    order()
                ),
                Some(theirs) if theirs >= own => format!(
                    "`{to}` is in layer {theirs} and `{top}` in layer {own}: a module may only \
                     import the layers below its own ({})",
                    order()
                ),
                Some(_) => continue,
            };
            found.push(Violation {
                file: file.into(),
                line,
                from: top.clone(),
                to,
                why,
            });
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("read a source folder's entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn modules_import_only_the_layers_below_their_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "found only {} files in src/", files.len());
    let mut violations = Vec::new();
    for path in &files {
        let file = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        violations.extend(check_source(&file, &text));
    }
    assert!(
        violations.is_empty(),
        "{} import(s) against the layer order:\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| format!("  {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every `shopwindow…` crate name the code (not comments or strings) of `crate_dir`'s `src/`
/// mentions, as "file:line: `name`".
fn shopwindow_names_in(crate_dir: &str, at_least: usize) -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(crate_dir)
        .join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(
        files.len() >= at_least,
        "found only {} files in {}",
        files.len(),
        src.display()
    );
    let mut found = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for (name, line) in tokens(&code_only(&text)) {
            if name == "shopwindow" || name.starts_with("shopwindow_") {
                found.push((name.clone(), format!("{}:{line}: `{name}`", path.display())));
            }
        }
    }
    found
}

/// The crates a manifest's `[dependencies]` table names (not its dev-dependencies).
fn dependencies_of(crate_dir: &str) -> Vec<String> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(crate_dir)
        .join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && !line.starts_with('#') {
            if let Some((name, _)) = line.split_once('=') {
                names.push(name.trim().trim_end_matches(".workspace").to_string());
            }
        }
    }
    names
}

/// The kernels crate (`crates/kernels`) sits below every layer of the core: slices in,
/// numbers out. Cargo already refuses a dependency cycle; this also keeps it from naming
/// the core's crates in any other way (paths in code, not comments or strings).
#[test]
fn the_kernels_crate_names_no_other_shopwindow_crate() {
    let found = shopwindow_names_in("crates/kernels", 4);
    assert!(
        found.is_empty(),
        "the kernels crate must not know the core: {found:?}"
    );
}

/// The package's wasm modules know nothing of each other: a module that depended on
/// another would carry all of that one's exports. The campaigns module knows the core
/// (its `campaign` layer); the engine's module knows the core and the WebGPU backend's
/// plain-Rust half (`wire`, `layout`). What passes between them goes through JS as plain
/// objects (`StandingRequest`, `ShopperStanding`) or numbers. The interests module knows the
/// core (its interest split) and takes and returns plain numbers; the WebGPU module knows
/// the WebGPU backend and calls the engine's `Recommender` as a JS object. The other
/// modules' tests may use the engine's crate (dev-dependency).
#[test]
fn the_wasm_modules_do_not_depend_on_each_other() {
    for (crate_dir, other) in [
        ("crates/web", "shopwindow_web_campaigns"),
        ("crates/web", "shopwindow_web_interests"),
        ("crates/web", "shopwindow_web_gpu"),
        ("crates/web-gpu", "shopwindow_web"),
        ("crates/web-gpu", "shopwindow_web_campaigns"),
        ("crates/web-gpu", "shopwindow_web_interests"),
        ("crates/web-campaigns", "shopwindow_web"),
        ("crates/web-campaigns", "shopwindow_webgpu"),
        ("crates/web-campaigns", "shopwindow_web_interests"),
        ("crates/web-interests", "shopwindow_web"),
        ("crates/web-interests", "shopwindow_webgpu"),
        ("crates/web-interests", "shopwindow_web_campaigns"),
    ] {
        let named: Vec<_> = shopwindow_names_in(crate_dir, 1)
            .into_iter()
            .filter(|(name, _)| name == other)
            .map(|(_, at)| at)
            .collect();
        assert!(
            named.is_empty(),
            "{crate_dir} must not know {other}: {named:?}"
        );
        let dependency = other.replace('_', "-");
        assert!(
            !dependencies_of(crate_dir).contains(&dependency),
            "{crate_dir}/Cargo.toml must not depend on {dependency}"
        );
    }
}

#[test]
fn an_import_of_a_higher_layer_is_reported_with_file_line_and_direction() {
    let found = check_source(
        "catalog/writer.rs",
        "//! Writer.\n\nuse crate::recommend::Recommender;\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].line, found[0].from.as_str()), (3, "catalog"));
    assert_eq!(found[0].to, "recommend");
    let message = found[0].to_string();
    assert!(
        message.starts_with("src/catalog/writer.rs:3: `catalog` imports `recommend`"),
        "{message}"
    );
}

#[test]
fn groups_super_escapes_siblings_and_root_re_exports_are_reported() {
    let text = "use crate::{rfm::RfmScores, recommend::Standing};\n\
                fn f() { super::super::campaign::choose(); }\n\
                use crate::Catalog;\n";
    let found: Vec<String> = check_source("segment/shopper.rs", text)
        .into_iter()
        .map(|v| format!("{}:{}", v.line, v.to))
        .collect();
    assert_eq!(found, ["1:recommend", "2:campaign", "3:Catalog"]);
    // Modules of one row may not import each other.
    assert_eq!(
        check_source("campaign/context.rs", "use crate::recommend::Standing;").len(),
        1
    );
    // `super::` from a top-level file leaves the module.
    assert_eq!(
        check_source("kernels/mod.rs", "use super::topk::TopK;")[0].to,
        "topk"
    );
    // A module without a layer is an error, not a pass.
    assert_eq!(check_source("newthing.rs", "").len(), 1);
}

#[test]
fn comments_strings_own_module_and_lower_layers_are_not_reported() {
    let text = "//! See [`crate::recommend::Recommender`].\n\
                use super::names;\n\
                use crate::rfm::RfmThresholds;\n\
                /* crate::campaign::x */ const S: &str = \"crate::recommend::x\";\n\
                const C: char = '{';\n\
                fn f<'a>(x: &'a str) -> &'a str { x }\n\
                #[cfg(test)]\n\
                mod tests {\n    use super::*;\n    use crate::catalog::CatalogBuilder;\n}\n";
    assert_eq!(check_source("catalog/segments.rs", text), Vec::new());
    // `use super::*` in a file's test module stays in the file's module.
    assert_eq!(
        check_source("profile.rs", "mod tests { use super::*; }"),
        Vec::new()
    );
}
