#![cfg(feature = "migration")]
//! Freezing under load: DESIGN §5's atomicity, checked by brute force.
//!
//! Two busy networks of `#[process]` frames on rendezvous channels (occam's
//! commstime, and a ring of 1 000 processes passing numbered tokens) run
//! while a driver repeatedly picks a random process at a random moment,
//! freezes it, sometimes round-trips the frozen form through bytes, thaws
//! it and starts it again: thousands of freeze/thaw cycles per run, on a
//! multi-thread runtime with 2 workers and on a current-thread runtime.
//! Every process checks that it sees 0, 1, 2, ... in order, so a value
//! duplicated or skipped is caught where it happens; a lost value with
//! nothing behind it would stop the network, which the driver notices
//! because it waits for the network's tapped output to keep coming (under a
//! watchdog); and the final results must agree.
//!
//! Then the race that atomicity is about: a process parked in `send` is
//! frozen while a receiver takes the value, and a process parked in `recv`
//! while a sender hands one over; the value must arrive exactly once.
//!
//! What state each freeze caught (parked in send, parked in recv, or an
//! operation that had just completed but whose process had not run yet) is
//! read from the frozen frame's bytes and tallied. Each test goes on until
//! the freezes have caught the mix it is about (at least once each), so the
//! interesting interleavings are known to be covered, not hoped for.
//!
//! Randomness is seeded; the seed is printed when a test fails, and
//! `CSP_STRESS_SEED=<n>` replays its choices (thread timing is not
//! replayable, only the driver's choices).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::time::{Duration, Instant};

use csp::migrate::{
    spawn_process, ChannelSnapshot, FreezeError, Frozen, Identity, Migratable, ProcessHandle,
    Registry,
};
use csp::prelude::*;
use csp::{process, Flavor, Runtime};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

// ---------------------------------------------------------------------------
// Commstime
// ---------------------------------------------------------------------------

/// Outputs `first`, then copies its input to its output.
#[process]
async fn prefix(input: Receiver<u64>, output: Sender<u64>, first: u64) -> u64 {
    let mut forwarded: u64 = 0;
    if output.send(first).await.is_err() {
        return forwarded;
    }
    forwarded += 1;
    while let Ok(x) = input.recv().await {
        if output.send(x).await.is_err() {
            break;
        }
        forwarded += 1;
    }
    forwarded
}

/// Copies each input to `out_a`, then to `out_b`; counts what reached
/// `out_a`.
#[process]
async fn delta(input: Receiver<u64>, out_a: Sender<u64>, out_b: Sender<u64>) -> u64 {
    let mut delivered: u64 = 0;
    while let Ok(x) = input.recv().await {
        if out_a.send(x).await.is_err() {
            break;
        }
        delivered += 1;
        if out_b.send(x).await.is_err() {
            break;
        }
    }
    delivered
}

/// Outputs each input plus one.
#[process]
async fn successor(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut forwarded: u64 = 0;
    while let Ok(x) = input.recv().await {
        if output.send(x + 1).await.is_err() {
            break;
        }
        forwarded += 1;
    }
    forwarded
}

/// Checks that it receives 0, 1, 2, ... and passes each on to `tap`.
/// Returns how many it saw, or the first value out of order.
#[process]
async fn consumer(input: Receiver<u64>, tap: Sender<u64>) -> Result<u64, String> {
    let mut next: u64 = 0;
    while let Ok(x) = input.recv().await {
        if x != next {
            return Err(format!("consumer expected {next}, received {x}"));
        }
        next += 1;
        if tap.send(x).await.is_err() {
            return Err(format!("tap closed at {x}"));
        }
    }
    Ok(next)
}

// ---------------------------------------------------------------------------
// Token ring
// ---------------------------------------------------------------------------

/// Injects `tokens` numbered tokens into the ring; for each one that comes
/// back (it must be the oldest one out), reports it on `tap` and injects
/// the next number. Once `to_ring` is closed it only collects what is still
/// out. Returns how many came back.
#[process]
async fn ring_head(
    to_ring: Sender<u64>,
    from_ring: Receiver<u64>,
    tokens: u64,
    tap: Sender<u64>,
) -> Result<u64, String> {
    let mut injected: u64 = 0;
    let mut back: u64 = 0;
    let mut open: bool = true;
    while injected < tokens {
        if to_ring.send(injected).await.is_err() {
            open = false;
            break;
        }
        injected += 1;
    }
    while back < injected {
        let t: u64 = match from_ring.recv().await {
            Ok(got) => got,
            Err(_) => {
                return Err(format!(
                    "ring closed with {} of {injected} tokens still out",
                    injected - back
                ))
            }
        };
        if t != back {
            return Err(format!("head expected token {back} back, got {t}"));
        }
        back += 1;
        if tap.send(t).await.is_err() {
            return Err(format!("tap closed at {t}"));
        }
        if open {
            if to_ring.send(injected).await.is_ok() {
                injected += 1;
            } else {
                open = false;
            }
        }
    }
    Ok(back)
}

/// Passes tokens on, checking that they come numbered 0, 1, 2, ...
#[process]
async fn ring_node(input: Receiver<u64>, output: Sender<u64>) -> Result<u64, String> {
    let mut next: u64 = 0;
    while let Ok(t) = input.recv().await {
        if t != next {
            return Err(format!("ring node expected token {next}, got {t}"));
        }
        next += 1;
        if output.send(t).await.is_err() {
            return Err(format!("token {t} could not be passed on"));
        }
    }
    Ok(next)
}

// ---------------------------------------------------------------------------
// Rendezvous races
// ---------------------------------------------------------------------------

/// Says it is starting (on a buffered channel, so without stopping), then
/// sends `v` and `v + 1`; returns how many sends succeeded.
#[process]
async fn send_two(tx: Sender<u64>, v: u64, ready: Sender<()>) -> u64 {
    let _ = ready.send(()).await;
    let mut sent: u64 = 0;
    if tx.send(v).await.is_ok() {
        sent += 1;
    }
    if tx.send(v + 1).await.is_ok() {
        sent += 1;
    }
    sent
}

/// Says it is starting (without stopping), then receives two values.
#[process]
async fn recv_two(rx: Receiver<u64>, ready: Sender<()>) -> (Option<u64>, Option<u64>) {
    let _ = ready.send(()).await;
    let a: Option<u64> = rx.recv().await.ok();
    let b: Option<u64> = rx.recv().await.ok();
    (a, b)
}

// ---------------------------------------------------------------------------
// Seeds, runtimes, watchdog
// ---------------------------------------------------------------------------

/// The seed for this run: `CSP_STRESS_SEED` if set, else random.
fn seed() -> u64 {
    match std::env::var("CSP_STRESS_SEED") {
        Ok(s) => s.trim().parse().expect("CSP_STRESS_SEED must be a u64"),
        Err(_) => fastrand::u64(..),
    }
}

/// Prints the seed if the test panics (fails) while this is alive.
struct SeedReport {
    test: &'static str,
    seed: u64,
}

impl Drop for SeedReport {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "{} failed with seed {} (replay the driver's choices with CSP_STRESS_SEED={})",
                self.test, self.seed, self.seed
            );
        }
    }
}

/// Runs `f(seed)` on a runtime of the given flavour (2 workers when
/// multi-threaded), failing with the seed if it takes longer than `limit`.
fn run_seeded<F, Fut, R>(test: &'static str, flavor: Flavor, limit: Duration, f: F) -> R
where
    F: FnOnce(u64) -> Fut,
    Fut: Future<Output = R>,
{
    let seed = seed();
    let _report = SeedReport { test, seed };
    let rt = Runtime::builder()
        .flavor(flavor)
        .workers(2)
        .build()
        .expect("runtime");
    let start = Instant::now();
    let r = rt.block_on(async {
        tokio::time::timeout(limit, f(seed))
            .await
            .unwrap_or_else(|_| panic!("{test} on {flavor:?} hung (seed {seed})"))
    });
    drop(rt);
    eprintln!(
        "{test} on {flavor:?}: {:.2?} (seed {seed})",
        start.elapsed()
    );
    r
}

/// Lets the network run for a random while: a few scheduler yields and a
/// short spin, so freezes land at arbitrary points of the processes' work.
async fn random_moment(rng: &mut fastrand::Rng, max_yields: u32) {
    for _ in 0..rng.u32(0..=max_yields) {
        tokio::task::yield_now().await;
    }
    for _ in 0..rng.u32(0..300) {
        std::hint::spin_loop();
    }
}

// ---------------------------------------------------------------------------
// What a freeze caught, read from the frozen frame
// ---------------------------------------------------------------------------

/// The checkpoint encoding (`Frozen::to_bytes`): magic, then this record.
/// Only the frame is read here.
#[derive(Deserialize)]
#[allow(dead_code)]
struct FileForm {
    format: u32,
    identity: Identity,
    frame: Bin,
    channels: Vec<ChannelSnapshot>,
    schema: Option<Bin>,
}

/// Bytes stored as a MessagePack bin.
struct Bin(Vec<u8>);

impl<'de> Deserialize<'de> for Bin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Bin(b) => Ok(Bin(b)),
            other => Err(serde::de::Error::custom(format!(
                "expected bytes, found {other:?}"
            ))),
        }
    }
}

/// Any MessagePack value.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Nil,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Bin(Vec<u8>),
    Arr(Vec<Value>),
    Map(Vec<(Value, Value)>),
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any MessagePack value")
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(Value::Nil)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Nil)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Value, D2::Error> {
                Value::deserialize(d)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Int(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Int(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Value, E> {
                Ok(Value::Str(v.to_string()))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
                Ok(Value::Bin(v.to_vec()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = a.next_element()? {
                    out.push(v);
                }
                Ok(Value::Arr(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(kv) = a.next_entry()? {
                    out.push(kv);
                }
                Ok(Value::Map(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a frozen process was doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Not started (a fresh or just-thawed frame with no pending operation).
    Idle,
    /// Parked in `send`: withdrawn, the value back in the frame.
    SendParked,
    /// A `send` a receiver had completed before the process ran again.
    SendCompleted,
    /// Parked in `recv`: withdrawn, nothing received.
    RecvParked,
    /// A `recv` a sender had completed before the process ran again.
    RecvCompleted,
    /// A `recv` that had seen the channel close.
    RecvClosed,
    /// The process had finished; nothing to freeze.
    Finished,
}

const KINDS: [Kind; 7] = [
    Kind::Idle,
    Kind::SendParked,
    Kind::SendCompleted,
    Kind::RecvParked,
    Kind::RecvCompleted,
    Kind::RecvClosed,
    Kind::Finished,
];

fn str_key(v: &Value) -> Option<&str> {
    match v {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

/// Reads the pending operation out of a frozen frame: the frame is
/// `[state, op, fields..]` (or a map with `__csp_op`), `op` is `"None"` or
/// `{"P<i>": pause}`, and a settled pause is `{"Start": ..}`, `{"Sent": ..}`
/// or `{"Done": ..}` (see `csp::process::pause`).
fn classify(checkpoint: &[u8]) -> Kind {
    let form: FileForm = rmp_serde::from_slice(&checkpoint[8..]).expect("own checkpoint decodes");
    let frame: Value = rmp_serde::from_slice(&form.frame.0).expect("frame is MessagePack");
    let op = match &frame {
        Value::Arr(fields) => fields.get(1).cloned(),
        Value::Map(fields) => fields
            .iter()
            .find(|(k, _)| str_key(k) == Some("__csp_op"))
            .map(|(_, v)| v.clone()),
        _ => None,
    };
    let unexpected = |why: &str| -> ! { panic!("unexpected frame layout ({why}): {frame:?}") };
    let op = op.unwrap_or_else(|| unexpected("no op field"));
    let pause = match &op {
        Value::Str(s) if s == "None" => return Kind::Idle,
        Value::Map(m) if m.len() == 1 => &m[0].1,
        _ => unexpected("op"),
    };
    let Value::Map(settled) = pause else {
        unexpected("pause")
    };
    let [(tag, payload)] = settled.as_slice() else {
        unexpected("pause variant")
    };
    match (str_key(tag), payload) {
        (Some("Sent"), _) => Kind::SendCompleted,
        (Some("Done"), Value::Arr(v)) => match v.get(1) {
            Some(Value::Map(r)) if r.len() == 1 && str_key(&r[0].0) == Some("Ok") => {
                Kind::RecvCompleted
            }
            _ => Kind::RecvClosed,
        },
        // A send's `Start` carries (channel, value); a receive's just the
        // channel reference, itself an array [id, "Raw"].
        (Some("Start"), Value::Arr(v)) if matches!(v.first(), Some(Value::Arr(_))) => {
            Kind::SendParked
        }
        (Some("Start"), Value::Arr(_)) => Kind::RecvParked,
        _ => unexpected("settled pause"),
    }
}

/// Counts of what the freezes caught.
#[derive(Default, Debug)]
struct Tally {
    kinds: [u64; KINDS.len()],
    cycles: u64,
    through_bytes: u64,
}

impl Tally {
    fn count(&mut self, k: Kind) {
        self.kinds[KINDS.iter().position(|&x| x == k).expect("known kind")] += 1;
    }

    fn get(&self, k: Kind) -> u64 {
        self.kinds[KINDS.iter().position(|&x| x == k).expect("known kind")]
    }
}

/// Whether freezes caught a parked send, a parked receive, and an
/// operation a partner had just completed.
fn mixed(t: &Tally) -> bool {
    t.get(Kind::SendParked) > 0 && t.get(Kind::RecvParked) > 0 && completed(t)
}

/// Whether freezes caught a parked receive and a just-completed operation
/// (in a ring with few tokens, nearly every process waits to receive).
fn ring_mix(t: &Tally) -> bool {
    t.get(Kind::RecvParked) > 0 && completed(t)
}

fn completed(t: &Tally) -> bool {
    t.get(Kind::SendCompleted) + t.get(Kind::RecvCompleted) > 0
}

/// Whether the freeze won some send races and the receiver others.
fn send_mix(t: &Tally) -> bool {
    t.get(Kind::SendParked) > 0 && t.get(Kind::SendCompleted) > 0
}

/// Whether the freeze won some receive races and the sender others.
fn recv_mix(t: &Tally) -> bool {
    t.get(Kind::RecvParked) > 0 && t.get(Kind::RecvCompleted) > 0
}

/// Goes on for `n` rounds, and beyond (up to `extra` times as many) until
/// `needs` holds, so the coverage the tests require does not depend on a
/// lucky schedule.
fn more(done: u64, n: u64, extra: u64, t: &Tally, needs: fn(&Tally) -> bool) -> bool {
    done < n || (!needs(t) && done < extra * n)
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cycles ({} through bytes):",
            self.cycles, self.through_bytes
        )?;
        for (k, n) in KINDS.iter().zip(self.kinds) {
            write!(f, " {k:?}={n}")?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// The freeze/thaw cycle
// ---------------------------------------------------------------------------

/// Starts `p` so that its result comes back type-erased, like a process
/// thawed by name: the fresh frame is frozen before its first step and
/// thawed through the registry.
fn spawn_erased<P: Migratable>(mut p: P) -> ProcessHandle<Box<dyn Any + Send>> {
    let frozen = Frozen::freeze(&mut p).expect("a fresh frame freezes");
    assert_eq!(classify(&frozen.to_bytes()), Kind::Idle);
    let thawed = Registry::global().thaw(frozen).expect("thaw by name");
    drop(p);
    thawed.spawn()
}

fn thaw_by_name(f: Frozen) -> ProcessHandle<Box<dyn Any + Send>> {
    Registry::global()
        .thaw(f)
        .expect("a frozen process thaws by name")
        .spawn()
}

/// Freezes the process behind `h`, thaws it (through bytes half of the
/// time) with `thaw`, and puts the new handle in `h`.
async fn freeze_thaw<T>(
    h: &mut ProcessHandle<T>,
    rng: &mut fastrand::Rng,
    tally: &mut Tally,
    thaw: impl Fn(Frozen) -> ProcessHandle<T>,
) {
    let frozen = h.freeze().await;
    thaw_into(h, frozen, rng, tally, thaw).await;
}

/// Given what freezing the process behind `h` gave, thaws it (through
/// bytes half of the time) with `thaw` and puts the new handle in `h`.
async fn thaw_into<T>(
    h: &mut ProcessHandle<T>,
    frozen: Result<Frozen, FreezeError>,
    rng: &mut fastrand::Rng,
    tally: &mut Tally,
    thaw: impl Fn(Frozen) -> ProcessHandle<T>,
) {
    let frozen = match frozen {
        Ok(f) => f,
        Err(FreezeError::Finished) => {
            tally.count(Kind::Finished);
            return;
        }
        Err(e) => panic!("freeze failed: {e}"),
    };
    let bytes = frozen.to_bytes();
    tally.count(classify(&bytes));
    let next = if rng.bool() {
        tally.through_bytes += 1;
        let back = Frozen::from_bytes(&bytes).expect("a checkpoint decodes");
        // The in-memory copy keeps the channels connected until the thawed
        // copy holds its own ends.
        let next = thaw(back);
        drop(frozen);
        next
    } else {
        thaw(frozen)
    };
    let old = std::mem::replace(h, next);
    assert!(
        matches!(old.join().await, Err(JoinError::Frozen)),
        "a frozen process joins as Frozen"
    );
    tally.cycles += 1;
}

/// Freezes `h` while `partner` starts the rendezvous partner, in a random
/// order: the partner first (then, on one thread, it wins) or the freeze
/// request first (then the freeze wins), with random gaps.
async fn freeze_racing<T, P>(
    h: &ProcessHandle<T>,
    rng: &mut fastrand::Rng,
    partner: impl FnOnce() -> P,
) -> (Result<Frozen, FreezeError>, P) {
    if rng.bool() {
        let p = partner();
        random_moment(rng, 2).await;
        (h.freeze().await, p)
    } else {
        // `join!` polls the freeze first: the request is made, then the
        // partner starts after a random gap.
        futures::join!(h.freeze(), async {
            random_moment(rng, 1).await;
            partner()
        })
    }
}

/// Takes whatever the tap holds without waiting, checking it continues
/// 0, 1, 2, ... from `*next`.
fn drain_tap(tap: &Receiver<u64>, next: &mut u64) {
    while let Ok(v) = tap.try_recv() {
        assert_eq!(v, *next, "tap out of order");
        *next += 1;
    }
}

/// Waits for `n` more values on the tap: the network is still alive.
async fn await_tap(tap: &Receiver<u64>, next: &mut u64, n: u64) {
    for _ in 0..n {
        let v = tap.recv().await.expect("network alive");
        assert_eq!(v, *next, "tap out of order");
        *next += 1;
    }
}

// ---------------------------------------------------------------------------
// Stress: commstime
// ---------------------------------------------------------------------------

const COMMSTIME_CYCLES: u64 = 3000;

async fn commstime_under_freezes(seed: u64, cycles: u64, max_yields: u32) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed);
    let (a_tx, a_rx) = channel::<u64>(); // prefix -> delta
    let (b_tx, b_rx) = channel::<u64>(); // delta -> successor
    let (c_tx, c_rx) = channel::<u64>(); // successor -> prefix
    let (d_tx, d_rx) = channel::<u64>(); // delta -> consumer
    let (tap_tx, tap) = buffered::<u64>(64);
    let stop = a_tx.clone();
    let mut procs = vec![
        spawn_erased(prefix(c_rx, a_tx, 0)),
        spawn_erased(delta(a_rx, d_tx, b_tx)),
        spawn_erased(successor(b_rx, c_tx)),
        spawn_erased(consumer(d_rx, tap_tx)),
    ];
    let mut tally = Tally::default();
    let mut next = 0u64;
    while more(tally.cycles, cycles, 10, &tally, mixed) {
        let i = rng.usize(..procs.len());
        random_moment(&mut rng, max_yields).await;
        freeze_thaw(&mut procs[i], &mut rng, &mut tally, thaw_by_name).await;
        drain_tap(&tap, &mut next);
    }
    // Nothing was lost: the single value circulating in commstime is still
    // there, so values keep coming.
    await_tap(&tap, &mut next, 200).await;
    // Shut down: close prefix -> delta; everything drains and ends.
    stop.close();
    drop(stop);
    while let Ok(v) = tap.recv().await {
        assert_eq!(v, next, "tap out of order");
        next += 1;
    }
    let mut outs = Vec::new();
    for h in procs {
        outs.push(h.join().await.expect("every process ends normally"));
    }
    let mut outs = outs.into_iter();
    let mut take_u64 = || *outs.next().unwrap().downcast::<u64>().expect("u64 result");
    let (prefixed, delivered, succeeded) = (take_u64(), take_u64(), take_u64());
    let seen = outs
        .next()
        .unwrap()
        .downcast::<Result<u64, String>>()
        .expect("consumer's result");
    let seen = (*seen).expect("the consumer saw 0, 1, 2, ... in order");
    assert_eq!(seen, next, "the consumer saw exactly what the tap saw");
    assert_eq!(
        delivered, seen,
        "delta delivered exactly what the consumer saw"
    );
    assert!(
        prefixed == succeeded || prefixed == succeeded + 1,
        "prefix forwarded {prefixed}, successor {succeeded}"
    );
    assert!(seen >= 200);
    eprintln!("commstime: {seen} values; {tally}");
    tally
}

/// The checks common to both stress networks.
fn check_stress(t: &Tally, cycles: u64, needs: fn(&Tally) -> bool) {
    assert!(t.cycles >= cycles, "{t}");
    assert_eq!(t.get(Kind::Finished), 0, "nothing ended early: {t}");
    assert!(needs(t), "the freezes missed a kind of pause point: {t}");
}

#[test]
fn commstime_freeze_stress_multi_thread() {
    let t = run_seeded(
        "commstime_freeze_stress_multi_thread",
        Flavor::MultiThread,
        Duration::from_secs(120),
        |seed| commstime_under_freezes(seed, COMMSTIME_CYCLES, 4),
    );
    check_stress(&t, COMMSTIME_CYCLES, mixed);
}

#[test]
fn commstime_freeze_stress_current_thread() {
    let t = run_seeded(
        "commstime_freeze_stress_current_thread",
        Flavor::CurrentThread,
        Duration::from_secs(120),
        |seed| commstime_under_freezes(seed, COMMSTIME_CYCLES, 6),
    );
    check_stress(&t, COMMSTIME_CYCLES, mixed);
}

// ---------------------------------------------------------------------------
// Stress: a ring of 1 000 processes
// ---------------------------------------------------------------------------

const RING: usize = 1000;
const TOKENS: u64 = 40;
const RING_CYCLES: u64 = 2500;

fn thaw_ring_process(i: usize) -> impl Fn(Frozen) -> ProcessHandle<Result<u64, String>> {
    move |f| {
        if i == 0 {
            spawn_process(f.thaw::<RingHead>().expect("thaw the head"))
        } else {
            spawn_process(f.thaw::<RingNode>().expect("thaw a node"))
        }
    }
}

async fn ring_under_freezes(seed: u64, cycles: u64, max_yields: u32) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed);
    // Channel i feeds process i; process i sends on channel i + 1 (mod N).
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..RING).map(|_| channel::<u64>()).unzip();
    let (tap_tx, tap) = buffered::<u64>(64);
    let stop = txs[1].clone();
    let mut rxs = rxs.into_iter().map(Some).collect::<Vec<_>>();
    let mut txs = txs.into_iter().map(Some).collect::<Vec<_>>();
    let mut procs = Vec::with_capacity(RING);
    for i in 0..RING {
        let input = rxs[i].take().unwrap();
        let output = txs[(i + 1) % RING].take().unwrap();
        procs.push(if i == 0 {
            spawn_process(ring_head(output, input, TOKENS, tap_tx.clone()))
        } else {
            spawn_process(ring_node(input, output))
        });
    }
    drop(tap_tx);
    let mut tally = Tally::default();
    let mut next = 0u64;
    while more(tally.cycles, cycles, 10, &tally, ring_mix) {
        let i = rng.usize(..RING);
        random_moment(&mut rng, max_yields).await;
        freeze_thaw(&mut procs[i], &mut rng, &mut tally, thaw_ring_process(i)).await;
        drain_tap(&tap, &mut next);
    }
    // Still circulating: every token goes round at least once more.
    await_tap(&tap, &mut next, 2 * TOKENS).await;
    // Shut down: close head -> node 1; the head collects what is out.
    stop.close();
    drop(stop);
    while let Ok(v) = tap.recv().await {
        assert_eq!(v, next, "tap out of order");
        next += 1;
    }
    let mut results = Vec::with_capacity(RING);
    for h in procs {
        results.push(h.join().await.expect("every ring process ends normally"));
    }
    let back = results[0]
        .clone()
        .expect("the head got every token back, in order");
    assert_eq!(back, next, "the head reported exactly what the tap saw");
    for (i, r) in results.iter().enumerate().skip(1) {
        assert_eq!(
            r.as_ref(),
            Ok(&back),
            "ring node {i} passed on every token exactly once, in order"
        );
    }
    eprintln!("ring: {back} tokens went round; {tally}");
    tally
}

#[test]
fn ring_freeze_stress_multi_thread() {
    let t = run_seeded(
        "ring_freeze_stress_multi_thread",
        Flavor::MultiThread,
        Duration::from_secs(120),
        |seed| ring_under_freezes(seed, RING_CYCLES, 4),
    );
    check_stress(&t, RING_CYCLES, ring_mix);
}

#[test]
fn ring_freeze_stress_current_thread() {
    let t = run_seeded(
        "ring_freeze_stress_current_thread",
        Flavor::CurrentThread,
        Duration::from_secs(120),
        |seed| ring_under_freezes(seed, RING_CYCLES, 6),
    );
    check_stress(&t, RING_CYCLES, ring_mix);
}

// ---------------------------------------------------------------------------
// A freeze racing the rendezvous partner
// ---------------------------------------------------------------------------

const RACES: u64 = 4000;

/// A process parked in `send` is frozen while a receiver takes the value:
/// either the receive won (the frozen frame is past the send) or the
/// freeze did (the value is back in the frame and the thawed process sends
/// it again). Either way the receiver sees `v`, `v + 1`, then the close.
async fn send_races(seed: u64, iterations: u64) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tally = Tally::default();
    let mut it = 0;
    while more(it, iterations, 5, &tally, send_mix) {
        it += 1;
        let v = it * 10;
        let (tx, rx) = channel::<u64>();
        let (ready_tx, ready) = buffered::<()>(1);
        let mut h = spawn_process(send_two(tx, v, ready_tx));
        // It is running, and parks in its send in the same step.
        ready.recv().await.expect("send_two starts");
        let (frozen, receiver) = freeze_racing(&h, &mut rng, || {
            spawn(async move { (rx.recv().await, rx.recv().await, rx.recv().await) })
        })
        .await;
        thaw_into(&mut h, frozen, &mut rng, &mut tally, |f| {
            spawn_process(f.thaw::<SendTwo>().expect("thaw SendTwo"))
        })
        .await;
        assert_eq!(
            h.join().await,
            Ok(2),
            "iteration {it}: both sends succeeded"
        );
        assert_eq!(
            receiver.join().await.expect("receiver"),
            (Ok(v), Ok(v + 1), Err(RecvError)),
            "iteration {it}: each value received exactly once"
        );
    }
    tally
}

/// A process parked in `recv` is frozen while a sender hands it a value:
/// either the send won (the value is in the frozen frame) or the freeze
/// did (the sender is still waiting and the thawed process takes it).
async fn recv_races(seed: u64, iterations: u64) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut tally = Tally::default();
    let mut it = 0;
    while more(it, iterations, 5, &tally, recv_mix) {
        it += 1;
        let v = it * 10;
        let (tx, rx) = channel::<u64>();
        let (ready_tx, ready) = buffered::<()>(1);
        let mut h = spawn_process(recv_two(rx, ready_tx));
        // It is running, and parks in its receive in the same step.
        ready.recv().await.expect("recv_two starts");
        let (frozen, sender) = freeze_racing(&h, &mut rng, || {
            spawn(async move { (tx.send(v).await, tx.send(v + 1).await) })
        })
        .await;
        thaw_into(&mut h, frozen, &mut rng, &mut tally, |f| {
            spawn_process(f.thaw::<RecvTwo>().expect("thaw RecvTwo"))
        })
        .await;
        assert_eq!(
            h.join().await,
            Ok((Some(v), Some(v + 1))),
            "iteration {it}: each value received exactly once"
        );
        assert_eq!(
            sender.join().await.expect("sender"),
            (Ok(()), Ok(())),
            "iteration {it}: both sends completed"
        );
    }
    tally
}

fn check_send_races(t: &Tally) {
    eprintln!("send races: {t}");
    assert!(
        send_mix(t),
        "the freeze should win some races and the receiver others: {t}"
    );
}

fn check_recv_races(t: &Tally) {
    eprintln!("recv races: {t}");
    assert!(
        recv_mix(t),
        "the freeze should win some races and the sender others: {t}"
    );
}

#[test]
fn freeze_races_receiver_multi_thread() {
    let t = run_seeded(
        "freeze_races_receiver_multi_thread",
        Flavor::MultiThread,
        Duration::from_secs(60),
        |seed| send_races(seed, RACES),
    );
    check_send_races(&t);
}

#[test]
fn freeze_races_receiver_current_thread() {
    let t = run_seeded(
        "freeze_races_receiver_current_thread",
        Flavor::CurrentThread,
        Duration::from_secs(60),
        |seed| send_races(seed, RACES),
    );
    check_send_races(&t);
}

#[test]
fn freeze_races_sender_multi_thread() {
    let t = run_seeded(
        "freeze_races_sender_multi_thread",
        Flavor::MultiThread,
        Duration::from_secs(60),
        |seed| recv_races(seed, RACES),
    );
    check_recv_races(&t);
}

#[test]
fn freeze_races_sender_current_thread() {
    let t = run_seeded(
        "freeze_races_sender_current_thread",
        Flavor::CurrentThread,
        Duration::from_secs(60),
        |seed| recv_races(seed, RACES),
    );
    check_recv_races(&t);
}
