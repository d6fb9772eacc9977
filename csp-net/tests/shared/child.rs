//! Starting a node binary (`csp-node`, `csp-node-v2`) as a child OS
//! process for a test.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use csp_net::NodeId;

/// Starts `bin` with the cluster `secret` as node `name`, connected to
/// `connect` if given; returns the child with its address and node id
/// (read from its `listening <addr> <id>` line). Closing the child's stdin
/// stops it.
pub(crate) fn start(
    bin: &str,
    secret: &str,
    name: &str,
    connect: Option<&str>,
) -> (Child, String, NodeId) {
    let mut args = vec!["--secret", secret, "--name", name];
    if let Some(c) = connect {
        args.extend(["--connect", c]);
    }
    start_with(bin, &args)
}

/// Like [`start`], with the command line given whole.
#[allow(dead_code)]
pub(crate) fn start_with(bin: &str, args: &[&str]) -> (Child, String, NodeId) {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin} starts: {e}"));
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().expect("piped"))
        .read_line(&mut line)
        .expect("the child prints its address");
    let mut it = line.split_whitespace();
    assert_eq!(it.next(), Some("listening"), "{line}");
    let addr = it.next().expect("an address").to_string();
    let id = NodeId(u64::from_str_radix(it.next().expect("an id"), 16).expect("a hex id"));
    (child, addr, id)
}

/// Stops a child started by [`start`] and checks it exited cleanly.
pub(crate) fn stop(mut child: Child) {
    drop(child.stdin.take());
    assert!(child.wait().expect("the child exits").success());
}
