//! The Go peer: `benches/go/`, built with `go build` and run as a child.
//!
//! The Go program implements the same benchmarks with goroutines and
//! channels, with the same sizes (passed as flags) and the same sampling,
//! and prints one JSON line per result in the format of [`Row::json`],
//! which is parsed back into rows here. Without `go` on `PATH` (or if the
//! build fails) the Go rows are skipped with a note.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::harness::{Config, Row};

/// Builds and runs the Go program, adding its rows.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, benches: &[&str]) {
    let Some(go) = find_on_path("go") else {
        eprintln!("note: `go` is not on PATH; the Go peer is skipped");
        return;
    };
    let bin = match build(&go) {
        Ok(bin) => bin,
        Err(e) => {
            eprintln!("note: building the Go peer failed, skipped: {e}");
            return;
        }
    };
    match execute(&bin, cfg, benches) {
        // The Go program reports its own progress on stderr.
        Ok(found) => rows.extend(found),
        Err(e) => eprintln!("note: the Go peer failed, skipped: {e}"),
    }
}

/// The first `name` in a `PATH` directory.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Builds the Go program next to this benchmark binary.
fn build(go: &Path) -> Result<PathBuf, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/go");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out_dir = exe.parent().ok_or("no executable directory")?;
    let bin = out_dir.join("peers-go");
    let mut cmd = Command::new(go);
    cmd.arg("build")
        .arg("-o")
        .arg(&bin)
        .arg(".")
        .current_dir(&src);
    // Offline and with the installed toolchain only.
    cmd.env("GOTOOLCHAIN", "local").env("GOPROXY", "off");
    let no_cache_home = ["GOCACHE", "XDG_CACHE_HOME", "HOME"]
        .iter()
        .all(|v| std::env::var_os(v).is_none());
    if no_cache_home {
        cmd.env("GOCACHE", out_dir.join("go-cache"));
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(bin)
}

/// Runs the Go program with this run's sizes and parses its JSON lines.
fn execute(bin: &Path, cfg: &Config, benches: &[&str]) -> Result<Vec<Row>, String> {
    let ms = cfg.target.as_millis().to_string();
    let args = [
        ("-samples", cfg.samples.to_string()),
        ("-target-ms", ms),
        ("-ring-procs", cfg.ring_procs.to_string()),
        ("-ring-laps", cfg.ring_laps.to_string()),
        ("-mem-procs", cfg.mem_procs.to_string()),
        ("-mem-samples", cfg.mem_samples.to_string()),
        ("-benches", benches.join(",")),
    ];
    let mut cmd = Command::new(bin);
    for (flag, value) in &args {
        cmd.arg(flag).arg(value);
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("exit status {}", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(text.lines().filter_map(Row::parse_json).collect())
}
