//! Go's concurrent prime sieve: a generator feeding a growing chain of
//! filter processes over rendezvous channels. The first 1000 primes must
//! match a sieve of Eratosthenes, and dropping the receiver at the end of
//! the chain must shut every process down (each send fails in turn).

mod support;

use csp::prelude::*;
use csp::Flavor;
use support::{run_on, FLAVORS};

const PRIMES: usize = 1000;

/// Sends 2, 3, 4, ... until nobody listens; returns how many it sent.
async fn generate(out: Sender<u64>) -> u64 {
    let mut sent: u64 = 0;
    let mut i: u64 = 2;
    while out.send(i).await.is_ok() {
        sent += 1;
        i += 1;
    }
    sent
}

/// Passes on the numbers not divisible by `prime`, until either side closes.
async fn filter(input: Receiver<u64>, out: Sender<u64>, prime: u64) {
    while let Ok(i) = input.recv().await {
        if i % prime > 0 && out.send(i).await.is_err() {
            break;
        }
    }
}

/// The first `n` primes, by a sieve of Eratosthenes over a bound that
/// doubles until it holds enough of them.
fn reference_primes(n: usize) -> Vec<u64> {
    let mut limit = 16;
    loop {
        let mut composite = vec![false; limit];
        let mut primes = Vec::new();
        for i in 2..limit {
            if !composite[i] {
                primes.push(i as u64);
                (i * i..limit).step_by(i).for_each(|j| composite[j] = true);
            }
        }
        if primes.len() >= n {
            primes.truncate(n);
            return primes;
        }
        limit *= 2;
    }
}

async fn sieve(n: usize) -> Vec<u64> {
    let (tx, mut rx) = channel::<u64>();
    let generator = spawn(generate(tx));
    let mut filters = Vec::with_capacity(n);
    let mut primes = Vec::with_capacity(n);
    for _ in 0..n {
        let prime = rx.recv().await.expect("the chain never closes first");
        primes.push(prime);
        let (next_tx, next_rx) = channel::<u64>();
        filters.push(spawn(filter(rx, next_tx, prime)));
        rx = next_rx;
    }
    // Dropping the tail's receiver makes the last filter's send fail, which
    // drops its input, and so on back to the generator.
    drop(rx);
    for f in filters {
        f.join().await.expect("filter finished cleanly");
    }
    let sent = generator.join().await.expect("generator finished cleanly");
    let last = *primes.last().expect("n > 0");
    assert!(
        sent >= last - 1,
        "generator sent {sent} numbers, fewer than reach the prime {last}"
    );
    primes
}

fn check(flavor: Flavor) {
    let primes = run_on(flavor, || sieve(PRIMES));
    assert_eq!(primes.len(), PRIMES);
    assert_eq!(primes, reference_primes(PRIMES));
    assert_eq!(primes[PRIMES - 1], 7919, "the 1000th prime");
}

#[test]
fn first_1000_primes_current_thread() {
    check(Flavor::CurrentThread);
}

#[test]
fn first_1000_primes_multi_thread() {
    check(Flavor::MultiThread);
}

#[test]
fn small_sieve_on_every_flavor() {
    for flavor in FLAVORS {
        assert_eq!(run_on(flavor, || sieve(10)), reference_primes(10));
    }
}
