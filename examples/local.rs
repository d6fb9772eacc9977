//! The single-node tour (`cargo run --release --example local`): a CSP
//! network you can watch, on one runtime.
//!
//! 1. Go's concurrent prime sieve: a chain of filter processes, one per
//!    prime found, connected by rendezvous channels.
//! 2. occam's commstime: prefix, delta, successor and consumer in a ring,
//!    timed per communication.
//! 3. A fair `alt!` over four producers, showing no guard starves.
//! 4. A `#[process]` frozen mid-stream, turned into bytes, thawed and
//!    resumed with its running total intact.

use std::time::Instant;

use csp::prelude::*;

async fn generate(out: Sender<u64>) {
    let mut i = 2;
    while out.send(i).await.is_ok() {
        i += 1;
    }
}

async fn filter(input: Receiver<u64>, out: Sender<u64>, prime: u64) {
    while let Ok(x) = input.recv().await {
        if x % prime != 0 && out.send(x).await.is_err() {
            return;
        }
    }
}

async fn sieve(n: usize) -> Vec<u64> {
    let (tx, mut rx) = channel();
    spawn(generate(tx));
    let mut primes = Vec::with_capacity(n);
    for _ in 0..n {
        let p = rx.recv().await.expect("generator runs forever");
        primes.push(p);
        let (tx2, rx2) = channel();
        spawn(filter(rx, tx2, p));
        rx = rx2;
    }
    primes
}

async fn commstime(n: u64) -> f64 {
    let (a_tx, a_rx) = channel::<u64>();
    let (b_tx, b_rx) = channel::<u64>();
    let (c_tx, c_rx) = channel::<u64>();
    let (d_tx, d_rx) = channel::<u64>();
    // prefix: 0 then copy c -> a
    spawn(async move {
        if a_tx.send(0).await.is_err() {
            return;
        }
        while let Ok(x) = c_rx.recv().await {
            if a_tx.send(x).await.is_err() {
                return;
            }
        }
    });
    // delta: a -> (b, d) in parallel
    spawn(async move {
        while let Ok(x) = a_rx.recv().await {
            let (r1, r2) = par!(b_tx.send(x), d_tx.send(x));
            if r1.is_err() || r2.is_err() {
                return;
            }
        }
    });
    // successor: b -> c, plus one
    spawn(async move {
        while let Ok(x) = b_rx.recv().await {
            if c_tx.send(x + 1).await.is_err() {
                return;
            }
        }
    });
    // consumer
    let start = Instant::now();
    for i in 0..n {
        let x = d_rx.recv().await.expect("ring is running");
        assert_eq!(x, i, "commstime counts 0, 1, 2, ...");
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

async fn fair_alt(rounds: usize) -> [usize; 4] {
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..4).map(|_| channel::<usize>()).unzip();
    for (i, tx) in txs.into_iter().enumerate() {
        spawn(async move { while tx.send(i).await.is_ok() {} });
    }
    let mut counts = [0usize; 4];
    for _ in 0..rounds {
        let i = alt! {
            Ok(i) = rxs[0].recv() => i,
            Ok(i) = rxs[1].recv() => i,
            Ok(i) = rxs[2].recv() => i,
            Ok(i) = rxs[3].recv() => i,
        };
        counts[i] += 1;
    }
    counts
}

#[process]
async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}

async fn freeze_demo() {
    use csp::migrate::{spawn_process, Frozen, Registry};
    let (tx, rx) = channel();
    let (otx, orx) = channel();
    let h = spawn_process(running_total(rx, otx));
    for x in 1..=50u64 {
        tx.send(x).await.expect("process is running");
        orx.recv().await.expect("process answers");
    }
    let t = Instant::now();
    let frozen = h.freeze().await.expect("freeze");
    let freeze_time = t.elapsed();
    let bytes = frozen.to_bytes();
    let t = Instant::now();
    let thawed = Registry::global()
        .thaw(Frozen::from_bytes(&bytes).expect("decode"))
        .expect("thaw");
    let h = thawed.spawn();
    let thaw_time = t.elapsed();
    drop(frozen); // the thawed copy now holds the channel ends
    println!(
        "froze running_total after 50 inputs in {freeze_time:?}: {} bytes ({} in the frame); thawed by name in {thaw_time:?}",
        bytes.len(),
        Frozen::from_bytes(&bytes).expect("decode").frame_len()
    );
    tx.send(51).await.expect("thawed process receives");
    let total = orx.recv().await.expect("thawed process answers");
    drop(tx);
    let out = h.join().await.expect("finishes");
    println!(
        "after thawing it answered {total} (= 1+2+...+51) and returned {}",
        out.downcast::<u64>().expect("u64")
    );
    assert_eq!(total, 51 * 52 / 2);
}

fn main() {
    let rt = csp::Runtime::builder()
        .flavor(csp::Flavor::CurrentThread)
        .build()
        .expect("runtime");
    rt.block_on(async {
        println!("== prime sieve: one filter process per prime ==");
        let t = Instant::now();
        let primes = sieve(1000).await;
        println!(
            "first 10 primes {:?} ... 1000th prime is {} ({} processes, {:?})",
            &primes[..10],
            primes[999],
            primes.len() + 1,
            t.elapsed()
        );

        println!("\n== commstime: prefix -> delta -> successor ring ==");
        let ns = commstime(200_000).await;
        println!(
            "200000 loops, {ns:.0} ns per loop ({:.0} ns per communication, 4 per loop)",
            ns / 4.0
        );

        println!("\n== fair alt! over 4 always-ready producers ==");
        let counts = fair_alt(40_000).await;
        println!("arm counts over 40000 choices: {counts:?} (each near 10000: no guard starves)");

        println!("\n== #[process]: freeze mid-stream, to bytes, thaw, resume ==");
        freeze_demo().await;
    });
}
