//! `webbuild [FRONTEND_DIR]`: builds the web app into `FRONTEND_DIR/dist` (default
//! `frontend`) in two builds of one crate — the floor app (`index.html`) and the
//! office app (`office.html`, feature `office`) — whose hashed asset names never
//! clash. For each: `cargo build --release --target wasm32-unknown-unknown`,
//! wasm-bindgen (the library, so no CLI has to be installed), `wasm-opt -Oz` (from
//! `tools/node_modules`, binaryen 132), then the page: `index.html` with its
//! `<link data-build ...>` lines replaced by the hashed stylesheet, the module script
//! that starts the app, and preloads, each with its SRI hash. Other files named by
//! `rel="copy-file"` are copied as they are.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context, Result};
use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

/// The crate's output name (the `[package] name` with `-`).
const NAME: &str = "tracetrack-web";

fn main() {
    if let Err(e) = run() {
        eprintln!("webbuild: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let frontend = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "frontend".into()));
    let dist = frontend.join("dist");
    if dist.exists() {
        fs::remove_dir_all(&dist).with_context(|| format!("cannot empty {}", dist.display()))?;
    }
    fs::create_dir_all(&dist)?;
    let template = fs::read_to_string(frontend.join("index.html")).context("frontend/index.html")?;
    let page = Page::parse(&template)?;
    let css = page.stylesheet(&frontend, &dist)?;
    for file in &page.copies {
        fs::copy(frontend.join(file), dist.join(file)).with_context(|| format!("copy {file}"))?;
    }
    for (html, features) in [("index.html", None), ("office.html", Some("office"))] {
        let app = build_app(&frontend, &dist, features)?;
        fs::write(dist.join(html), page.render(&css, &app, &dist)?)?;
        println!("webbuild: {html} ({})", app.js);
    }
    Ok(())
}

/// The template: its lines, with the build's own links found.
struct Page {
    lines: Vec<String>,
    css: String,
    copies: Vec<String>,
}

/// What one build wrote into dist: the glue and wasm names, and the snippets.
struct App {
    js: String,
    wasm: String,
    snippets: Vec<String>,
}

fn attr<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let start = line.find(&format!("{name}=\""))? + name.len() + 2;
    line[start..].split('"').next()
}

impl Page {
    fn parse(html: &str) -> Result<Page> {
        let (mut css, mut copies) = (None, Vec::new());
        for line in html.lines().filter(|l| l.contains("data-build")) {
            match (attr(line, "rel"), attr(line, "href")) {
                (Some("css"), Some(href)) => css = Some(href.to_string()),
                (Some("copy-file"), Some(href)) => copies.push(href.to_string()),
                (Some("rust"), _) => {}
                _ => bail!("index.html: unknown build link {line:?}"),
            }
        }
        Ok(Page {
            lines: html.lines().map(String::from).collect(),
            css: css.context("index.html names no stylesheet (rel=\"css\")")?,
            copies,
        })
    }

    /// Copies the stylesheet under a hashed name; returns that name.
    fn stylesheet(&self, frontend: &Path, dist: &Path) -> Result<String> {
        let bytes = fs::read(frontend.join(&self.css)).with_context(|| self.css.clone())?;
        let stem = self.css.trim_end_matches(".css");
        let name = format!("{stem}-{}.css", short_hash(&bytes));
        fs::write(dist.join(&name), bytes)?;
        Ok(name)
    }

    fn render(&self, css: &str, app: &App, dist: &Path) -> Result<String> {
        let sri = |name: &str| -> Result<String> { Ok(integrity(&fs::read(dist.join(name))?)) };
        let mut out = Vec::new();
        for line in &self.lines {
            if !line.contains("data-build") {
                out.push(line.clone());
            } else if attr(line, "rel") == Some("css") {
                out.push(format!(
                    "  <link rel=\"stylesheet\" href=\"/{css}\" integrity=\"{}\"/>",
                    sri(css)?
                ));
            } else if attr(line, "rel") == Some("rust") {
                out.push(format!(
                    "  <script type=\"module\">\nimport init from '/{js}';\nawait init({{ module_or_path: '/{wasm}' }});\n</script>",
                    js = app.js,
                    wasm = app.wasm
                ));
                let mut preload = format!(
                    "  <link rel=\"modulepreload\" href=\"/{js}\" crossorigin=\"anonymous\" integrity=\"{}\">",
                    sri(&app.js)?,
                    js = app.js
                );
                for s in &app.snippets {
                    preload += &format!(
                        "<link rel=\"modulepreload\" href=\"/{s}\" crossorigin=\"anonymous\" integrity=\"{}\">",
                        sri(s)?
                    );
                }
                preload += &format!(
                    "<link rel=\"preload\" href=\"/{wasm}\" crossorigin=\"anonymous\" integrity=\"{}\" as=\"fetch\" type=\"application/wasm\">",
                    sri(&app.wasm)?,
                    wasm = app.wasm
                );
                out.push(preload);
            }
        }
        Ok(out.join("\n") + "\n")
    }
}

/// cargo, wasm-bindgen and wasm-opt for one feature set; the outputs go into `dist`
/// under names hashed from the final wasm.
fn build_app(frontend: &Path, dist: &Path, features: Option<&str>) -> Result<App> {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(frontend).args([
        "build",
        "--release",
        "--locked",
        "--quiet",
        "--target",
        "wasm32-unknown-unknown",
    ]);
    if let Some(f) = features {
        cargo.args(["--features", f]);
    }
    // The outer cargo's settings are not the web app's.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
    ] {
        cargo.env_remove(var);
    }
    let status = cargo.status().context("cannot run cargo")?;
    ensure!(status.success(), "cargo build of the web app failed");
    let wasm_in = frontend.join(format!("target/wasm32-unknown-unknown/release/{NAME}.wasm"));

    let staged = frontend.join("target/webbuild").join(features.unwrap_or("floor"));
    if staged.exists() {
        fs::remove_dir_all(&staged)?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm_in)
        .web(true)?
        .typescript(false)
        .out_name(NAME)
        .generate(&staged)
        .context("wasm-bindgen")?;
    let bg = staged.join(format!("{NAME}_bg.wasm"));
    let wasm_opt = frontend.join("../tools/node_modules/.bin/wasm-opt");
    let opt = staged.join("opt.wasm");
    let status = Command::new(&wasm_opt)
        .arg(format!("--output={}", opt.display()))
        .arg("-Oz")
        .arg(&bg)
        .status()
        .with_context(|| {
            format!(
                "cannot run {} (scripts/ensure-tools.sh installs it)",
                wasm_opt.display()
            )
        })?;
    ensure!(status.success(), "wasm-opt failed");

    let wasm_bytes = fs::read(&opt)?;
    let hash = short_hash(&wasm_bytes);
    let (js, wasm) = (format!("{NAME}-{hash}.js"), format!("{NAME}-{hash}_bg.wasm"));
    let glue = fs::read_to_string(staged.join(format!("{NAME}.js")))?.replace(&format!("{NAME}_bg.wasm"), &wasm);
    fs::write(dist.join(&js), glue)?;
    fs::write(dist.join(&wasm), wasm_bytes)?;
    let mut snippets = Vec::new();
    copy_tree(
        &staged.join("snippets"),
        &dist.join("snippets"),
        "snippets",
        &mut snippets,
    )?;
    snippets.sort();
    Ok(App { js, wasm, snippets })
}

/// Copies `from` into `to`, listing the copied files as `prefix/...` paths.
fn copy_tree(from: &Path, to: &Path, prefix: &str, copied: &mut Vec<String>) -> Result<()> {
    if !from.exists() {
        return Ok(());
    }
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}/{name}");
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to.join(&name), &path, copied)?;
        } else {
            fs::copy(entry.path(), to.join(&name))?;
            copied.push(path);
        }
    }
    Ok(())
}

/// 16 hex digits of the SHA-256 of `bytes`: file names change with their content.
fn short_hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A subresource integrity value (`sha384-…`).
fn integrity(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_names_its_stylesheet_and_copies() {
        let page = Page::parse(
            "<head>\n  <link data-build rel=\"css\" href=\"style.css\"/>\n  <link data-build rel=\"copy-file\" href=\"sw.js\"/>\n  <link data-build rel=\"rust\"/>\n</head>",
        )
        .unwrap();
        assert_eq!(page.css, "style.css");
        assert_eq!(page.copies, ["sw.js"]);
        assert!(Page::parse("<link data-build rel=\"sass\" href=\"x\"/>").is_err());
    }

    #[test]
    fn integrity_is_sha384_base64() {
        assert_eq!(
            integrity(b"abc"),
            "sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn"
        );
        assert_eq!(short_hash(b"abc").len(), 16);
    }
}
