//! `cspctl` against running nodes in other OS processes: list nodes and
//! processes, migrate a process, checkpoint it to a file and restore it
//! on another node, while the test's node keeps talking to it.

#[path = "shared/child.rs"]
mod child;
#[path = "shared/procs.rs"]
mod procs;
#[path = "shared/rt.rs"]
mod rt;

use std::process::Command;

use csp::prelude::*;
use csp_net::{Node, NodeId};
use procs::wanderer;

const SECRET: &str = "cspctl secret";

fn csp_node(name: &str, connect: Option<&str>) -> (std::process::Child, String, NodeId) {
    child::start(env!("CARGO_BIN_EXE_csp-node"), SECRET, name, connect)
}

/// Runs cspctl; returns (success, stdout, stderr).
fn cspctl(node: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cspctl"))
        .args(["--node", node, "--secret", SECRET])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// cspctl is a blocking subprocess: run it off the runtime's workers.
async fn ctl(node: String, args: Vec<String>) -> (bool, String, String) {
    tokio::task::spawn_blocking(move || {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        cspctl(&node, &a)
    })
    .await
    .unwrap()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `pid`'s row of `cspctl ps` on `node`, once it shows the process in a
/// receive. The test has just taken the process's answer, so for an
/// instant it may still show the send that answer came from (the node
/// records a pause point when the step that reached it returns): ask
/// again, a bounded number of times, until the row shows the receive.
async fn row_in_recv(node: &str, pid: &str) -> String {
    for _ in 0..100 {
        let (ok, out, err) = ctl(node.to_string(), strs(&["ps"])).await;
        assert!(ok, "{out}{err}");
        let row = out
            .lines()
            .find(|l| l.starts_with(pid))
            .unwrap_or_else(|| panic!("no row for {pid} in:\n{out}"))
            .to_string();
        if row.contains("in recv") {
            return row;
        }
        assert!(
            row.contains("in send"),
            "neither in recv nor in send: {row}"
        );
    }
    panic!("{pid} never showed as waiting in recv");
}

/// The `file:line` a `ps` row ends with: the file as the node's build
/// named it (relative to the workspace) and the text of that line, read
/// from the source, so the check follows the code if it moves.
fn source_line(row: &str) -> (String, String) {
    let at = row.split_whitespace().last().expect("a row has columns");
    let (file, line) = at
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("`{at}` is not file:line in: {row}"));
    let line: usize = line
        .parse()
        .unwrap_or_else(|_| panic!("bad line in: {row}"));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("csp-net sits in the workspace");
    let text = std::fs::read_to_string(root.join(file))
        .unwrap_or_else(|e| panic!("{file} (from {row}): {e}"));
    let src = text
        .lines()
        .nth(line - 1)
        .unwrap_or_else(|| panic!("{file} has no line {line}"));
    (file.to_string(), src.to_string())
}

#[test]
fn cspctl_lists_moves_checkpoints_and_restores() {
    let (b, b_addr, b_id) = csp_node("bravo", None);
    let (c, c_addr, c_id) = csp_node("charlie", Some(&b_addr));
    let rt = rt::rt();
    rt.block_on(async {
        let a = Node::builder()
            .name("alpha")
            .secret(SECRET)
            .start()
            .await
            .unwrap();
        a.connect(b_addr.as_str()).await.unwrap();
        a.connect(c_addr.as_str()).await.unwrap();
        let (tx, rx) = channel::<(bool, u64)>();
        let (otx, orx) = channel::<u64>();
        let h = match a.spawn_on(b_id, wanderer(rx, otx)).await {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        };
        tx.send((false, 2)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(2));
        let pid = format!("{}", h.pid());

        let (ok, out, _) = ctl(b_addr.clone(), strs(&["nodes"])).await;
        assert!(ok);
        for name in ["bravo", "alpha", "charlie", "cspctl"] {
            assert!(out.contains(name), "{name} missing from:\n{out}");
        }
        let (ok, out, _) = ctl(b_addr.clone(), strs(&["ps"])).await;
        assert!(
            ok && out.contains(&pid) && out.contains("Wanderer"),
            "{out}"
        );
        // Waiting for its next input, at the line of that receive.
        let row = row_in_recv(&b_addr, &pid).await;
        assert!(row.contains("Wanderer"), "{row}");
        let (file, line) = source_line(&row);
        assert!(file.ends_with("tests/shared/procs.rs"), "{row}");
        assert!(line.contains("input.recv().await"), "{row} is at: {line}");

        // Move it from bravo to charlie.
        let to = format!("{c_id}");
        let (ok, out, err) = ctl(b_addr.clone(), strs(&["migrate", &pid, &to])).await;
        assert!(ok, "{out}{err}");
        assert!(out.contains("Wanderer") && out.contains("freeze"), "{out}");
        let (_, out, _) = ctl(c_addr.clone(), strs(&["ps"])).await;
        assert!(out.contains(&pid), "{out}");
        tx.send((false, 3)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(5));

        // Checkpoint on charlie to a file, restore on bravo.
        let file = std::env::temp_dir().join(format!("cspctl-{pid}.ckpt"));
        let file = file.to_str().unwrap().to_string();
        let (ok, out, err) = ctl(c_addr.clone(), strs(&["checkpoint", &pid, &file])).await;
        assert!(ok, "{out}{err}");
        let (_, out, _) = ctl(c_addr.clone(), strs(&["ps"])).await;
        assert!(!out.contains(&pid), "{out}");
        let (ok, out, err) = ctl(c_addr.clone(), strs(&["restore", &file, "--on", &b_addr])).await;
        assert!(ok, "{out}{err}");
        std::fs::remove_file(&file).unwrap();
        tx.send((false, 4)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(9));

        // Errors are errors: an unknown pid, a bad secret.
        let (ok, _, err) = ctl(b_addr.clone(), strs(&["migrate", "1234", &to])).await;
        assert!(!ok && err.contains("no process"), "{err}");
        let bad = tokio::task::spawn_blocking({
            let b_addr = b_addr.clone();
            move || {
                Command::new(env!("CARGO_BIN_EXE_cspctl"))
                    .args(["--node", &b_addr, "--secret", "wrong", "ps"])
                    .output()
                    .unwrap()
            }
        })
        .await
        .unwrap();
        assert!(!bad.status.success());

        drop(tx);
        assert_eq!(h.join().await, Ok(9));
    });
    child::stop(b);
    child::stop(c);
}

#[test]
fn cspctl_reaches_a_tls_node_only_over_tls() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tls/cluster");
    let bin = env!("CARGO_BIN_EXE_csp-node");
    let args = ["--secret", SECRET, "--name", "secure", "--tls", dir];
    let (node, addr, id) = child::start_with(bin, &args);
    let (ok, out, err) = cspctl(&addr, &["--tls", dir, "nodes"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("{:016x}  secure  (asked)", id.0)),
        "{out}"
    );
    let (ok, _, err) = cspctl(&addr, &["nodes"]);
    assert!(!ok, "a plain cspctl got an answer from a TLS node");
    assert!(err.contains(&addr), "{err}");
    let (ok, _, err) = cspctl(&addr, &["--tls", "/nonexistent", "nodes"]);
    assert!(!ok && err.contains("--tls /nonexistent"), "{err}");
    child::stop(node);
}
