//! Networks of `#[process]` frames: Go's concurrent prime sieve (a growing
//! pipeline of filter processes), a ring of 1000 processes passing a
//! token, a long pipeline mixing processes and plain async fns, and many
//! producers and consumers sharing one channel. Each runs on a
//! current-thread and a multi-thread runtime, checks exact results, and
//! checks that the whole network shuts down by itself (every process ends
//! once its neighbours have, through closed channels).

use std::time::Duration;

use csp::prelude::*;
use csp::{process, Flavor, Runtime};

fn on_both<F, Fut>(f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let rt = Runtime::builder()
            .flavor(flavor)
            .workers(4)
            .build()
            .expect("runtime");
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(120), f())
                .await
                .unwrap_or_else(|_| panic!("test hung on {flavor:?}"));
        });
    }
}

// ---------------------------------------------------------------------------
// Prime sieve
// ---------------------------------------------------------------------------

/// Sends 2, 3, 4, ... until nobody listens.
#[process]
async fn generate(out: Sender<u32>, _alive: Sender<()>) -> u32 {
    let mut i: u32 = 2;
    while out.send(i).await.is_ok() {
        i += 1;
    }
    i
}

/// Passes on what `prime` does not divide.
#[process]
async fn filter(input: Receiver<u32>, out: Sender<u32>, prime: u32, _alive: Sender<()>) {
    while let Ok(x) = input.recv().await {
        if x % prime == 0 {
            continue;
        }
        if out.send(x).await.is_err() {
            break;
        }
    }
}

/// Emits the first `n` primes, adding a filter per prime.
#[process]
async fn sieve(n: u32, primes: Sender<u32>, alive: Sender<()>) -> u32 {
    let (tx, rx) = channel::<u32>();
    spawn(generate(tx, alive.clone()));
    let mut ch: Receiver<u32> = rx;
    let mut count: u32 = 0;
    while count < n {
        let prime: u32 = match ch.recv().await {
            Ok(p) => p,
            Err(_) => break,
        };
        if primes.send(prime).await.is_err() {
            break;
        }
        let (ftx, frx) = channel::<u32>();
        spawn(filter(ch, ftx, prime, alive.clone()));
        ch = frx;
        count += 1;
    }
    count
}

fn first_primes(n: usize) -> Vec<u32> {
    let mut ps = Vec::new();
    let mut k = 2u32;
    while ps.len() < n {
        if ps.iter().take_while(|&&p| p * p <= k).all(|&p| k % p != 0) {
            ps.push(k);
        }
        k += 1;
    }
    ps
}

#[test]
fn prime_sieve_first_200() {
    on_both(|| async {
        let (ptx, prx) = channel::<u32>();
        let (atx, arx) = channel::<()>();
        let h = spawn(sieve(200, ptx, atx));
        let mut got = Vec::new();
        while let Ok(p) = prx.recv().await {
            got.push(p);
        }
        assert_eq!(got, first_primes(200));
        assert_eq!(got[199], 1223);
        assert_eq!(h.join().await, Ok(200));
        // Every generator and filter has ended: all `alive` senders dropped.
        assert_eq!(arx.recv().await, Err(RecvError));
    });
}

// ---------------------------------------------------------------------------
// Token ring
// ---------------------------------------------------------------------------

/// Passes the token on, decremented, until it reaches zero; returns how many
/// times it held the token.
#[process]
async fn ring_node(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut hops: u64 = 0;
    while let Ok(t) = input.recv().await {
        hops += 1;
        if t == 0 {
            break;
        }
        if output.send(t - 1).await.is_err() {
            break;
        }
    }
    hops
}

#[test]
fn ring_of_1000_processes() {
    const N: usize = 1000;
    const T: u64 = 5 * N as u64 + 321;
    on_both(|| async {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..N).map(|_| channel::<u64>()).unzip();
        let start = txs[0].clone();
        let mut rxs = rxs.into_iter();
        let first = rxs.next().unwrap();
        let mut handles = Vec::with_capacity(N);
        for (i, rx) in std::iter::once(first).chain(rxs).enumerate() {
            handles.push(spawn(ring_node(rx, txs[(i + 1) % N].clone())));
        }
        drop(txs);
        start.send(T).await.unwrap();
        drop(start);
        let mut hops = Vec::with_capacity(N);
        for h in handles {
            hops.push(h.join().await.unwrap());
        }
        // Reception k (from 0) happens at node k % N; the token is 0 at
        // reception T, at node T % N = 321, which stops; the rest follow as
        // their inputs close.
        for (i, &n) in hops.iter().enumerate() {
            let want = if i <= 321 { 6 } else { 5 };
            assert_eq!(n, want, "node {i}");
        }
        assert_eq!(hops.iter().sum::<u64>(), T + 1);
    });
}

// ---------------------------------------------------------------------------
// Long pipeline of processes and plain async fns
// ---------------------------------------------------------------------------

#[process]
async fn double(input: Receiver<u64>, output: Sender<u64>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        n += 1;
        if output.send(x * 2).await.is_err() {
            break;
        }
    }
    n
}

async fn plus_one(input: Receiver<u64>, output: Sender<u64>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        n += 1;
        if output.send(x + 1).await.is_err() {
            break;
        }
    }
    n
}

#[test]
fn pipeline_mixing_processes_and_async_fns() {
    const STAGES: usize = 40;
    const ITEMS: u64 = 500;
    on_both(|| async {
        let (head, mut rx) = buffered::<u64>(4);
        let mut handles = Vec::new();
        for s in 0..STAGES {
            let (tx, next) = if s % 3 == 0 {
                buffered::<u64>(2)
            } else {
                channel::<u64>()
            };
            handles.push(if s % 2 == 0 {
                spawn(double(rx, tx))
            } else {
                spawn(plus_one(rx, tx))
            });
            rx = next;
        }
        let feeder = spawn(async move {
            for i in 0..ITEMS {
                head.send(i).await.unwrap();
            }
        });
        let stage = |mut x: u64| {
            for s in 0..STAGES {
                x = if s % 2 == 0 {
                    x.wrapping_mul(2)
                } else {
                    x.wrapping_add(1)
                };
            }
            x
        };
        for i in 0..ITEMS {
            assert_eq!(rx.recv().await, Ok(stage(i)), "item {i}");
        }
        assert_eq!(rx.recv().await, Err(RecvError));
        feeder.join().await.unwrap();
        for h in handles {
            assert_eq!(h.join().await, Ok(ITEMS as u32));
        }
    });
}

// ---------------------------------------------------------------------------
// Many producers, many consumers, one channel
// ---------------------------------------------------------------------------

#[process]
async fn produce_range(out: Sender<u32>, base: u32, n: u32) -> u32 {
    let mut sent: u32 = 0;
    for i in base..base + n {
        if out.send(i).await.is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

#[process]
async fn collect_all(input: Receiver<u32>) -> Vec<u32> {
    let mut got: Vec<u32> = Vec::new();
    while let Ok(x) = input.recv().await {
        got.push(x);
        if x % 7 == 0 {
            yield_now().await;
        }
    }
    got
}

#[test]
fn many_producers_many_consumers_exactly_once_in_order() {
    const P: u32 = 8;
    const C: usize = 4;
    const N: u32 = 500;
    on_both(|| async {
        for cap in [0, 3] {
            let (tx, rx) = buffered::<u32>(cap);
            let consumers: Vec<_> = (0..C).map(|_| spawn(collect_all(rx.clone()))).collect();
            drop(rx);
            let producers: Vec<_> = (0..P)
                .map(|p| spawn(produce_range(tx.clone(), p * 10_000, N)))
                .collect();
            drop(tx);
            for p in producers {
                assert_eq!(p.join().await, Ok(N));
            }
            let mut all = Vec::new();
            for c in consumers {
                let got = c.join().await.unwrap();
                // Per producer, each consumer sees values in send order.
                for p in 0..P {
                    let mine: Vec<u32> = got.iter().copied().filter(|v| v / 10_000 == p).collect();
                    assert!(mine.windows(2).all(|w| w[0] < w[1]), "reordered: {mine:?}");
                }
                all.extend(got);
            }
            all.sort_unstable();
            let want: Vec<u32> = (0..P).flat_map(|p| p * 10_000..p * 10_000 + N).collect();
            assert_eq!(all, want, "lost or duplicated values");
        }
    });
}
