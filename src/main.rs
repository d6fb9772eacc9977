//! The main demo (`cargo run --release`): a migration tour.
//!
//! Three nodes start in this OS process on 127.0.0.1 (no set-up), and a
//! pipeline runs across them while all three mobilities happen under
//! traffic:
//!
//! ```text
//!  feeder (alpha) --> scale --> tally --> output --> check
//!                     spawned   moves     receiver   (gamma)
//!                     on beta,  itself    handed
//!                     moved by  round     over to
//!                     the nodes the nodes check
//! ```
//!
//! * code migration: `scale` is shipped to beta before it has run;
//! * process migration by the node: beta, then alpha, move `scale` while
//!   it is mid-stream;
//! * process migration by the process: `tally` calls `migrate_to` every
//!   `HOP` items and resumes mid-loop on the next node of its route;
//! * channel migration: the pipeline's output receiver is sent, inside a
//!   message, to `check` on gamma, which reads the rest of the stream.
//!
//! Every item carries a sequence number; `check` and the driver verify
//! that each arrives exactly once, in order, with the right running total.
//! The single-node demo (sieve, commstime, fair alt, freeze) is
//! `cargo run --release --example local`.

use std::time::Instant;

use csp::prelude::*;
use csp_net::{MigrationReport, Node, NodeId};

/// Items through the pipeline.
const N: u64 = 3000;
/// `tally` moves itself after every this many items.
const HOP: u64 = 500;
/// The driver reads this many outputs itself before handing the output
/// receiver over.
const HAND_OVER_AT: u64 = 1000;

/// (sequence number, value).
type Item = (u64, u64);

/// Multiplies each value by `k`.
#[process]
async fn scale(input: Receiver<Item>, output: Sender<Item>, k: u64) -> u64 {
    let mut n: u64 = 0;
    while let Ok((seq, v)) = input.recv().await {
        if output.send((seq, v * k)).await.is_err() {
            break;
        }
        n += 1;
    }
    n
}

/// Replaces each value by the running total, and every `hop` items moves
/// itself to the next node of `route`.
#[process]
async fn tally(input: Receiver<Item>, output: Sender<Item>, route: Vec<u64>, hop: u64) -> u64 {
    let mut total: u64 = 0;
    let mut n: u64 = 0;
    while let Ok((seq, v)) = input.recv().await {
        total += v;
        n += 1;
        if output.send((seq, total)).await.is_err() {
            break;
        }
        if n.is_multiple_of(hop) {
            let next: u64 = route[((n / hop) as usize - 1) % route.len()];
            // A pause point: after it the process runs on `next`.
            if let Err(e) = migrate_to(next).await {
                let why: String = e.to_string();
                effect::<()>(async move { eprintln!("tally could not move: {why}") }).await;
            }
        }
    }
    total
}

/// Receives the pipeline's output receiver over `ends`, then checks that
/// the items from `first` on arrive once each, in order, with the right
/// totals. Returns how many it checked.
#[process]
async fn check(ends: Receiver<Receiver<Item>>, first: u64, k: u64) -> Result<u64, String> {
    let output: Receiver<Item> = ends.recv().await.map_err(|_| "no receiver came")?;
    let mut expect: u64 = first;
    let mut total: u64 = k * first * (first + 1) / 2;
    while let Ok((seq, t)) = output.recv().await {
        total += k * (expect + 1);
        if seq != expect || t != total {
            return Err(format!("got ({seq}, {t}), expected ({expect}, {total})"));
        }
        expect += 1;
    }
    Ok(expect - first)
}

async fn start(name: &str) -> Node {
    Node::builder()
        .name(name)
        .secret(b"csp migration tour")
        .start()
        .await
        .expect("a node starts on 127.0.0.1")
}

fn name_of(nodes: &[Node], id: NodeId) -> &str {
    nodes
        .iter()
        .find(|n| n.id() == id)
        .map_or("?", |n| n.name())
}

fn line(nodes: &[Node], how: &str, r: &MigrationReport) {
    let path = format!("{} -> {}", name_of(nodes, r.from), name_of(nodes, r.to));
    println!(
        "  {how:<8} {:<6} {path:<15} freeze {:>6.1} us  downtime {:>7.1} us  {:>4} bytes  {} ends",
        r.name,
        r.freeze.as_secs_f64() * 1e6,
        r.downtime.as_secs_f64() * 1e6,
        r.bytes,
        r.ends,
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(tour());
}

async fn tour() {
    let t0 = Instant::now();
    let (alpha, beta, gamma) = (
        start("alpha").await,
        start("beta").await,
        start("gamma").await,
    );
    alpha.connect(beta.addr()).await.expect("alpha -> beta");
    alpha.connect(gamma.addr()).await.expect("alpha -> gamma");
    beta.connect(gamma.addr()).await.expect("beta -> gamma");
    let nodes = [alpha.clone(), beta.clone(), gamma.clone()];
    println!("csp migration tour: three nodes on 127.0.0.1, authenticated with a shared secret");
    for n in &nodes {
        println!("  {:<6} {}  {}", n.name(), n.id(), n.addr());
    }

    let (feed_tx, feed_rx) = buffered::<Item>(16);
    let (mid_tx, mid_rx) = buffered::<Item>(16);
    let (out_tx, out_rx) = channel::<Item>();
    let (ends_tx, ends_rx) = channel::<Receiver<Item>>();
    const K: u64 = 3;

    // Code migration: scale and check start on other nodes, their channel
    // ends becoming remote ends there.
    let scaler = match alpha.spawn_on(beta.id(), scale(feed_rx, mid_tx, K)).await {
        Ok(h) => h,
        Err(e) => panic!("spawn_on beta: {e}"),
    };
    let checker = match alpha
        .spawn_on(gamma.id(), check(ends_rx, HAND_OVER_AT, K))
        .await
    {
        Ok(h) => h,
        Err(e) => panic!("spawn_on gamma: {e}"),
    };
    let route = vec![gamma.id().0, beta.id().0, alpha.id().0];
    let tallier = alpha.spawn(tally(mid_rx, out_tx, route, HOP));

    // The feeder; the nodes move `scale` twice while it feeds.
    let scale_pid = scaler.pid();
    let (b, a, g) = (beta.clone(), alpha.clone(), gamma.clone());
    let feeder = tokio::spawn(async move {
        for seq in 0..N {
            feed_tx.send((seq, seq + 1)).await.expect("scale is there");
            if seq == N / 4 {
                b.migrate(scale_pid, a.id())
                    .await
                    .expect("beta moves scale");
            }
            if seq == N / 2 {
                a.migrate(scale_pid, g.id())
                    .await
                    .expect("alpha moves scale");
            }
        }
    });

    // The driver checks the first outputs itself, then hands the output
    // receiver over to `check` on gamma: channel migration.
    let mut total = 0;
    for seq in 0..HAND_OVER_AT {
        let got = out_rx.recv().await.expect("pipeline runs");
        total += K * (seq + 1);
        assert_eq!(got, (seq, total), "item {seq}");
    }
    ends_tx
        .send(out_rx)
        .await
        .expect("check takes the receiver");
    feeder.await.expect("feeder");

    let scaled = scaler.join().await.expect("scale finishes");
    let tallied = tallier.join().await.expect("tally finishes");
    let checked = checker.join().await.expect("check finishes");
    let checked = checked.unwrap_or_else(|e| panic!("check failed: {e}"));

    println!("\nwhat moved (freeze: stop + serialize; downtime: not running anywhere):");
    let mut moves: Vec<MigrationReport> = nodes.iter().flat_map(|n| n.history()).collect();
    moves.sort_by_key(|r| r.at);
    let mut seen = Vec::new();
    for r in &moves {
        let how = if r.name == "Tally" {
            "self"
        } else if seen.contains(&r.pid) {
            "node"
        } else {
            "code"
        };
        seen.push(r.pid);
        line(&nodes, how, r);
    }
    println!(
        "  channel  the output receiver: alpha -> gamma inside a message, after {HAND_OVER_AT} items"
    );
    println!(
        "\n{N} items fed; scale passed {scaled}, tally totalled {tallied}; \
         the driver checked the first {HAND_OVER_AT} and check (on gamma) the last {checked}"
    );
    assert_eq!(scaled, N);
    assert_eq!(checked, N - HAND_OVER_AT);
    assert_eq!(tallied, K * N * (N + 1) / 2);
    println!(
        "every item arrived exactly once, in order, with the right total ({} moves and a channel hand-over in {:?})",
        moves.len(),
        t0.elapsed()
    );
    for n in &nodes {
        n.shutdown();
    }
}
