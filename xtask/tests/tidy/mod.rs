//! Reading a crate's module tree and the module paths each file names, for
//! the architecture tests. Textual: comments, string and character
//! literals are blanked first (line numbers kept); `mod NAME;` declarations
//! give the file tree (no `#[path]` attributes are used in this workspace,
//! and `check_no_path_attributes` says so); inline `mod NAME { .. }` blocks
//! belong to their file.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The workspace's root folder.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// One module name used by a file: the absolute module path it names (from
/// the crate root), the line and the text as written.
#[derive(Clone, Debug)]
pub struct Reference {
    pub path: Vec<String>,
    pub line: usize,
    pub text: String,
}

/// A module that is a file.
#[derive(Debug)]
pub struct Module {
    pub file: PathBuf,
    /// Its child modules that are files, in declaration order.
    pub children: Vec<String>,
    pub references: Vec<Reference>,
}

/// Every file module of the crate in `dir` (its `src/lib.rs`, or
/// `src/main.rs` without a library), by module path.
pub fn crate_modules(dir: &Path) -> BTreeMap<Vec<String>, Module> {
    let src = dir.join("src");
    let root = if src.join("lib.rs").is_file() {
        src.join("lib.rs")
    } else {
        src.join("main.rs")
    };
    let mut out = BTreeMap::new();
    if root.is_file() {
        load(&root, Vec::new(), &src, &mut out);
    }
    out
}

/// The module a path names: its longest prefix that is a file module.
pub fn resolve(modules: &BTreeMap<Vec<String>, Module>, path: &[String]) -> Option<Vec<String>> {
    (0..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains_key(p))
}

fn load(file: &Path, path: Vec<String>, dir: &Path, out: &mut BTreeMap<Vec<String>, Module>) {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let code = blank(&text);
    let children = declared_children(&code);
    let references = references(&code, &path, &children);
    let kids: Vec<String> = children.iter().map(|(n, _)| n.clone()).collect();
    out.insert(
        path.clone(),
        Module {
            file: file.to_path_buf(),
            children: kids.clone(),
            references,
        },
    );
    for name in kids {
        let (a, b) = (
            dir.join(format!("{name}.rs")),
            dir.join(&name).join("mod.rs"),
        );
        let (child, child_dir) = if a.is_file() {
            (a, dir.join(&name))
        } else if b.is_file() {
            (b, dir.join(&name))
        } else {
            panic!("{}: `mod {name};` has no file", file.display());
        };
        let mut p = path.clone();
        p.push(name);
        load(&child, p, &child_dir, out);
    }
}

/// `mod NAME;` declarations (file modules) at the file's top level.
fn declared_children(code: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (i, line) in code.lines().enumerate() {
        if depth == 0 {
            let t = line.trim();
            let t = t
                .strip_prefix("pub(crate) ")
                .or_else(|| t.strip_prefix("pub "))
                .unwrap_or(t);
            if let Some(rest) = t.strip_prefix("mod ") {
                if let Some(name) = rest.trim().strip_suffix(';') {
                    out.push((name.trim().to_string(), i + 1));
                }
            }
        }
        for c in line.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The module paths `code` names, resolved against the module `here` (the
/// file's module path; inline modules are tracked so `super` in them
/// means the file). `children`: the file's child modules, nameable bare.
fn references(code: &str, here: &[String], children: &[(String, usize)]) -> Vec<Reference> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    // Inline modules open at a brace depth.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut pending_inline: Option<String> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => line += 1,
            '{' => {
                depth += 1;
                if let Some(name) = pending_inline.take() {
                    inline.push((name, depth));
                }
            }
            '}' => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
            }
            ';' => pending_inline = None,
            _ => {}
        }
        let starts_word =
            is_ident(c) && (i == 0 || !(is_ident(chars[i - 1]) || chars[i - 1] == '$'));
        if !starts_word {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_ident(chars[j]) {
            j += 1;
        }
        let word: String = chars[i..j].iter().collect();
        if word == "mod" {
            // `mod NAME {`: an inline module.
            let mut k = j;
            while k < chars.len() && chars[k].is_whitespace() {
                k += 1;
            }
            let s = k;
            while k < chars.len() && is_ident(chars[k]) {
                k += 1;
            }
            pending_inline = Some(chars[s..k].iter().collect());
            i = k;
            continue;
        }
        let preceded_by_path = i >= 2 && chars[i - 1] == ':' && chars[i - 2] == ':';
        let followed_by_path = j + 1 < chars.len() && chars[j] == ':' && chars[j + 1] == ':';
        let current: Vec<String> = here
            .iter()
            .cloned()
            .chain(inline.iter().map(|(n, _)| n.clone()))
            .collect();
        let child_bare = inline.is_empty() && children.iter().any(|(n, _)| *n == word);
        if !preceded_by_path
            && followed_by_path
            && (word == "crate" || word == "super" || word == "self" || child_bare)
        {
            // The path (with a use tree) up to where it ends.
            let mut k = j;
            let mut braces = 0i32;
            while k < chars.len() {
                let ch = chars[k];
                if ch == '{' {
                    braces += 1;
                } else if ch == '}' {
                    if braces == 0 {
                        break;
                    }
                    braces -= 1;
                } else if braces == 0 && !(is_ident(ch) || ch == ':' || ch == '*') {
                    break;
                }
                k += 1;
            }
            let text: String = chars[i..k].iter().collect();
            for tail in expand(&text) {
                if let Some(path) = absolute(&tail, &current) {
                    out.push(Reference {
                        path,
                        line,
                        text: text.clone(),
                    });
                }
            }
            // Count the newlines skipped inside a use tree.
            line += chars[i..k].iter().filter(|&&ch| ch == '\n').count();
            // Braces inside the use tree are balanced; skip them.
            i = k;
            continue;
        }
        i = j;
    }
    out
}

/// The paths a use tree stands for: `a::{b::C, d}` is `a::b::C` and `a::d`.
fn expand(text: &str) -> Vec<Vec<String>> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    fn go(s: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
        if let Some(open) = s.find('{') {
            let head: Vec<String> = s[..open]
                .split("::")
                .filter(|x| !x.is_empty())
                .map(String::from)
                .collect();
            let mut p = prefix.to_vec();
            p.extend(head);
            let inner = &s[open + 1..s.rfind('}').unwrap_or(s.len())];
            let mut depth = 0;
            let mut start = 0;
            let bytes: Vec<char> = inner.chars().collect();
            for (i, &c) in bytes.iter().enumerate() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let part: String = bytes[start..i].iter().collect();
                        go(&part, &p, out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            let part: String = bytes[start..].iter().collect();
            if !part.is_empty() {
                go(&part, &p, out);
            }
        } else {
            let mut p = prefix.to_vec();
            p.extend(
                s.split("::")
                    .filter(|x| !x.is_empty() && *x != "*")
                    .map(String::from),
            );
            // `self` inside a use tree names the tree's prefix.
            if p.last().is_some_and(|x| x == "self") && p.len() > 1 {
                p.pop();
            }
            out.push(p);
        }
    }
    let mut out = Vec::new();
    go(&text, &[], &mut out);
    out
}

/// A path as written (`crate::..`, `super::..`, `self::..`, `child::..`)
/// made absolute from the module `current`.
fn absolute(path: &[String], current: &[String]) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut out: Vec<String>;
    let mut rest = &path[1..];
    match first.as_str() {
        "crate" => out = Vec::new(),
        "self" => out = current.to_vec(),
        "super" => {
            out = current.to_vec();
            out.pop()?;
            while rest.first().is_some_and(|s| s == "super") {
                out.pop()?;
                rest = &rest[1..];
            }
        }
        _ => {
            out = current.to_vec();
            out.push(first.clone());
        }
    }
    out.extend(rest.iter().cloned());
    Some(out)
}

/// Every `.rs` file under `dir`, sorted.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let all = glif_reference::files_below(dir);
    out.extend(
        all.into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs")),
    );
}

/// `text` with comments replaced by spaces (strings kept, newlines kept).
pub fn strip_comments(text: &str) -> String {
    scan(text, true)
}

/// `text` with comments, string and character literals replaced by spaces
/// (newlines kept).
pub fn blank(text: &str) -> String {
    scan(text, false)
}

fn scan(text: &str, keep_strings: bool) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(keep(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (i == 0 || !is_ident(c[i - 1]))
            && matches!(c.get(i + 1), Some('"') | Some('#'))
        {
            // Raw string: r"..." or r#"..."#.
            let mut k = i + 1;
            let mut hashes = 0;
            while c.get(k) == Some(&'#') {
                hashes += 1;
                k += 1;
            }
            if c.get(k) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            k += 1;
            loop {
                if k >= c.len() {
                    break;
                }
                if c[k] == '"' && (0..hashes).all(|h| c.get(k + 1 + h) == Some(&'#')) {
                    k += 1 + hashes;
                    break;
                }
                k += 1;
            }
            for &ch in &c[i..k.min(c.len())] {
                out.push(if keep_strings { ch } else { keep(ch) });
            }
            i = k;
        } else if c[i] == '"' {
            let start = i;
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(c.len());
            for &ch in &c[start..i] {
                out.push(if keep_strings { ch } else { keep(ch) });
            }
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime.
            let end = if c.get(i + 1) == Some(&'\\') {
                (i + 2..c.len()).find(|&k| c[k] == '\'')
            } else if c.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    for _ in i..=e {
                        out.push(' ');
                    }
                    i = e + 1;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}
