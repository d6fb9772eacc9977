//! `cspctl`: operate a csp-net cluster from the command line.
//!
//! ```text
//! cspctl --node ADDR --secret S nodes
//! cspctl --node ADDR --secret S ps
//! cspctl --node ADDR --secret S migrate <pid> <node-id>
//! cspctl --node ADDR --secret S checkpoint <pid> <file>
//! cspctl --node ADDR --secret S restore <file> [--on ADDR]
//! ```
//!
//! With `--tls DIR` it connects over TLS, as a node of the cluster whose
//! certificate, key and CA are `DIR/node.pem`, `DIR/node.key` and
//! `DIR/ca.pem` (see `csp_net::Tls`).
//!
//! `ps` prints one row a process: pid, frame type, state (`moving`, or
//! what it waits in: `in recv`, `in send`, ...), the node holding its join
//! handle, and `AT`, the `file:line` of the pause point it waits at (`-`
//! before it ran, or where its build could not read lines).
//!
//! It joins the cluster for the one request (a node of its own, named
//! `cspctl`, authenticated with the cluster secret like any peer), asks
//! the node at `--node` (or `--on` for `restore`), prints the answer and
//! exits: 0 on success, 1 if the node refused, 2 on bad usage.

use csp_net::proto::{AdminReq, AdminResp, ByteBuf};
use csp_net::{Node, NodeId, Tls};

const USAGE: &str = "usage: cspctl --node ADDR --secret S [--tls DIR] (nodes | ps | \
                     migrate PID NODE | checkpoint PID FILE | restore FILE [--on ADDR])";

fn fail(code: i32, msg: impl std::fmt::Display) -> ! {
    eprintln!("cspctl: {msg}");
    std::process::exit(code)
}

fn hex(s: &str, what: &str) -> u64 {
    u64::from_str_radix(s, 16).unwrap_or_else(|_| fail(2, format!("{what} `{s}` is not a hex id")))
}

fn main() {
    let (mut node, mut secret, mut tls, mut words) = (None, None, None, Vec::new());
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--node" | "--on" => node = args.next(),
            "--secret" => secret = args.next(),
            "--tls" => tls = Some(args.next().unwrap_or_else(|| fail(2, USAGE))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            _ => words.push(a),
        }
    }
    let (Some(addr), Some(secret)) = (node, secret) else {
        fail(2, USAGE)
    };
    let req = match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["nodes"] => AdminReq::Nodes,
        ["ps"] => AdminReq::Ps,
        ["migrate", pid, to] => AdminReq::Migrate {
            pid: hex(pid, "pid"),
            to: hex(to, "node"),
        },
        ["checkpoint", pid, _] => AdminReq::Checkpoint {
            pid: hex(pid, "pid"),
        },
        ["restore", file] => AdminReq::Restore {
            bytes: ByteBuf(std::fs::read(file).unwrap_or_else(|e| fail(1, format!("{file}: {e}")))),
        },
        _ => fail(2, USAGE),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let resp = rt.block_on(async {
        let mut b = Node::builder().name("cspctl").secret(&secret);
        if let Some(dir) = &tls {
            b = b.tls(Tls::from_dir(dir).unwrap_or_else(|e| fail(2, format!("--tls {dir}: {e}"))));
        }
        let me = b.start().await.unwrap_or_else(|e| fail(1, e));
        let peer: NodeId = me
            .connect(addr.as_str())
            .await
            .unwrap_or_else(|e| fail(1, format!("{addr}: {e}")));
        let resp = me.admin(peer, req).await.unwrap_or_else(|e| fail(1, e));
        me.shutdown();
        resp
    });
    match resp {
        AdminResp::Nodes(v) => {
            println!("{:<16}  NAME", "NODE");
            for (i, (id, name)) in v.iter().enumerate() {
                let note = if i == 0 { "  (asked)" } else { "" };
                println!("{:016x}  {name}{note}", id);
            }
        }
        AdminResp::Ps(v) => {
            // AT last: a path has no width to pad to.
            println!(
                "{:<16}  {:<20}  {:<14}  {:<16}  AT",
                "PID", "TYPE", "STATE", "ORIGIN"
            );
            for p in v {
                let at = match &p.at {
                    Some((file, line)) => format!("{file}:{line}"),
                    None => "-".to_string(),
                };
                println!(
                    "{:016x}  {:<20}  {:<14}  {:016x}  {at}",
                    p.pid, p.name, p.state, p.origin
                );
            }
        }
        AdminResp::Moved(report) => println!("{report}"),
        AdminResp::Checkpoint(bytes) => {
            let file = &words[2];
            std::fs::write(file, &bytes.0).unwrap_or_else(|e| fail(1, format!("{file}: {e}")));
            println!("wrote {} bytes to {file}", bytes.0.len());
        }
        AdminResp::Restored(pid) => println!("restored {pid:016x}"),
        AdminResp::Error(e) => fail(1, e),
    }
}
