//! The committed `crates/db/src/schema.rs` is exactly what `diesel print-schema` prints
//! for a freshly migrated database (with the settings in the root `diesel.toml`).

use std::path::{Path, PathBuf};
use std::process::Command;

use tracetrack_test_utils::{server_url, TestDatabase};

const SCHEMA: &str = "crates/db/src/schema.rs";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `diesel` on PATH, else in `$CARGO_HOME/bin`, else in `~/.cargo/bin`.
fn diesel_binary() -> Option<PathBuf> {
    let name = format!("diesel{}", std::env::consts::EXE_SUFFIX);
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        dirs.push(PathBuf::from(home).join("bin"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(&name)).find(|p| p.is_file())
}

#[test]
fn committed_schema_rs_matches_diesel_print_schema() {
    let Some(diesel) = diesel_binary() else {
        panic!(
            "diesel (diesel_cli) not found on PATH, in $CARGO_HOME/bin or in ~/.cargo/bin: \
             run scripts/ensure-tools.sh to install it"
        );
    };
    let root = workspace_root();
    let db = TestDatabase::create();
    let out = Command::new(&diesel)
        .current_dir(&root)
        .arg("print-schema")
        .arg("--config-file")
        .arg(root.join("diesel.toml"))
        .arg("--database-url")
        .arg(&db.url)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", diesel.display()));
    assert!(
        out.status.success(),
        "`diesel print-schema` failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8(out.stdout).expect("print-schema prints UTF-8");
    let committed = std::fs::read_to_string(root.join(SCHEMA)).expect("read schema.rs");
    if printed != committed {
        panic!(
            "{SCHEMA} differs from `diesel print-schema` of the migrated database \
             (- committed, + printed):\n{}\n\
             Fix, from the repository root (diesel.toml's print_schema.file makes `migration run` rewrite it):\n  \
             createdb -h 127.0.0.1 -U postgres tt_schema && \
             diesel migration run --database-url {}/tt_schema && \
             dropdb -h 127.0.0.1 -U postgres tt_schema\n\
             or, against any freshly migrated database:\n  \
             diesel print-schema --database-url <url> > {SCHEMA}",
            short_diff(&committed, &printed),
            server_url()
        );
    }
}

/// A unified-style line diff (two lines of context, at most 60 lines shown).
fn short_diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Longest common subsequence table, from the ends.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    // (tag, old line number, text)
    let mut ops: Vec<(char, usize, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            ops.push((' ', i + 1, a[i]));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            ops.push(('+', i + 1, b[j]));
            j += 1;
        } else {
            ops.push(('-', i + 1, a[i]));
            i += 1;
        }
    }
    if old.ends_with('\n') != new.ends_with('\n') {
        ops.push(('!', a.len(), "(the files differ in the final newline)"));
    }
    let near_change = |k: usize| {
        let lo = k.saturating_sub(2);
        let hi = (k + 2).min(ops.len() - 1);
        ops[lo..=hi].iter().any(|op| op.0 != ' ')
    };
    let mut lines = Vec::new();
    let mut last_shown: Option<usize> = None;
    for (k, &(tag, line, text)) in ops.iter().enumerate() {
        if !near_change(k) {
            continue;
        }
        if last_shown.is_none_or(|l| l + 1 != k) {
            lines.push(format!("@@ {SCHEMA} line {line} @@"));
        }
        lines.push(format!("{tag}{text}"));
        last_shown = Some(k);
    }
    let total = lines.len();
    if total > 60 {
        lines.truncate(60);
        lines.push(format!("… ({} more diff lines)", total - 60));
    }
    lines.join("\n")
}
