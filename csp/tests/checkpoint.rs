#![cfg(feature = "migration")]
//! Checkpoints: a running pipeline frozen to files and restored after
//! everything of it (processes, channels, handles, the runtime) is gone.
//!
//! * A four-stage pipeline with buffered channels that hold values at the
//!   moment of the checkpoint is frozen entirely, written to files, dropped
//!   with its runtime, read back into a fresh runtime with
//!   `Frozen::thaw_all`, and finishes with exactly the right output.
//! * A checkpoint taken in two steps (one process frozen first, the rest
//!   kept running and frozen later) restores from the latest snapshot of
//!   each channel, whatever order the files are given in.
//! * A checkpoint restores in another OS process (this test binary run
//!   again as a child), also in one that already has channels of its own.
//! * Damaged checkpoint files (wrong magic, wrong format version,
//!   truncated, garbage, flipped bytes, random mutations) give a
//!   `ThawError`, never a panic; bytes of another process type, or with an
//!   identity whose version or fingerprint differs, give a `Mismatch` that
//!   says what differs; a frame that decodes but is not a state its type
//!   can be in is refused too. Edited checkpoints are made by decoding the
//!   bytes into a mirror of the file record, changing a field and encoding
//!   again.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Duration;

use csp::migrate::{
    spawn_process, ChannelSnapshot, Frozen, Identity, Migratable, Registry, SchemaRecord, ThawError,
};
use csp::prelude::*;
use csp::{process, Flavor, Runtime};
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

// ---------------------------------------------------------------------------
// The pipeline: source -> double -> integrate -> sink
// ---------------------------------------------------------------------------

/// Sends 1, 2, ..., `n`; after sending `signal_after`, says so on `filled`.
#[process]
async fn source(out: Sender<u64>, n: u64, signal_after: u64, filled: Sender<u64>) -> u64 {
    let mut i: u64 = 1;
    while i <= n {
        if out.send(i).await.is_err() {
            break;
        }
        if i == signal_after {
            let _ = filled.send(i).await;
        }
        i += 1;
    }
    i - 1
}

/// Doubles each value.
#[process]
async fn double(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut n: u64 = 0;
    while let Ok(x) = input.recv().await {
        if output.send(2 * x).await.is_err() {
            break;
        }
        n += 1;
    }
    n
}

/// Running total.
#[process]
async fn integrate(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}

/// Collects everything. After the k-th value, for each k in `stops`, it
/// reports k on `at` and waits on `resume` (which, once nobody can send on
/// it any more, returns at once).
#[process]
async fn sink(
    input: Receiver<u64>,
    stops: Vec<u64>,
    at: Sender<u64>,
    resume: Receiver<()>,
) -> Vec<u64> {
    let mut seen: Vec<u64> = Vec::new();
    while let Ok(t) = input.recv().await {
        seen.push(t);
        let k: u64 = seen.len() as u64;
        if stops.contains(&k) {
            let _ = at.send(k).await;
            let _ = resume.recv().await;
        }
    }
    seen
}

/// Values the source sends.
const N: u64 = 100;
/// Buffer of source -> double.
const CAP1: usize = 8;
/// Buffer of integrate -> sink.
const CAP2: usize = 3;
/// The sink stops after this many totals.
const PAUSE_AT: u64 = 20;
/// With the sink stopped at `PAUSE_AT`, the source can send exactly this
/// many values: `PAUSE_AT` taken by the sink, `CAP2` in integrate -> sink,
/// one held by integrate, one by double, `CAP1` in source -> double. Its
/// signal after this one means both buffers are full.
const FILLED: u64 = PAUSE_AT + CAP2 as u64 + 2 + CAP1 as u64;

/// The sink's output: running totals of 2, 4, 6, ... (the k-th is k(k+1)).
fn totals(ks: impl IntoIterator<Item = u64>) -> Vec<u64> {
    ks.into_iter().map(|k| k * (k + 1)).collect()
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn runtime(flavor: Flavor) -> Runtime {
    Runtime::builder()
        .flavor(flavor)
        .workers(2)
        .build()
        .expect("runtime")
}

/// Runs `f` on a fresh runtime with a watchdog, then drops the runtime.
fn on_fresh_runtime<F: std::future::Future>(flavor: Flavor, f: F) -> F::Output {
    on_fresh_runtime_within(flavor, Duration::from_secs(60), f)
}

/// [`on_fresh_runtime`] with a watchdog of `limit`.
fn on_fresh_runtime_within<F: std::future::Future>(
    flavor: Flavor,
    limit: Duration,
    f: F,
) -> F::Output {
    let rt = runtime(flavor);
    let out = rt.block_on(async {
        tokio::time::timeout(limit, f)
            .await
            .unwrap_or_else(|_| panic!("hung on {flavor:?}"))
    });
    drop(rt);
    out
}

/// A directory of its own under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "csp-checkpoint-test-{}-{tag}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes each frozen process to its own file.
fn write_files(dir: &Path, frozen: &[Frozen]) -> Vec<PathBuf> {
    frozen
        .iter()
        .map(|f| {
            let path = dir.join(format!("{}.csp", f.identity().name));
            f.write_to(File::create(&path).expect("create checkpoint file"))
                .expect("write checkpoint");
            path
        })
        .collect()
}

/// The values buffered in the snapshot of the channel with capacity `cap`
/// that `f` carries.
fn buffered_in(f: &Frozen, cap: usize) -> (u64, Vec<u64>) {
    let snaps: Vec<&ChannelSnapshot> = f.channels().iter().filter(|s| s.cap == cap).collect();
    assert_eq!(
        snaps.len(),
        1,
        "{} has one channel of capacity {cap}",
        f.identity().name
    );
    let values = rmp_serde::from_slice(&snaps[0].buf).expect("buffer decodes as u64s");
    (snaps[0].seq, values)
}

/// What each restored process returned, by process type name.
type Results = HashMap<&'static str, Box<dyn Any + Send>>;

/// Reads the checkpoint files into a fresh runtime, restores them together
/// and runs them to the end.
fn restore(files: &[PathBuf], flavor: Flavor) -> Results {
    restore_within(files, flavor, Duration::from_secs(60))
}

/// [`restore`] with a watchdog of `limit`.
fn restore_within(files: &[PathBuf], flavor: Flavor, limit: Duration) -> Results {
    on_fresh_runtime_within(flavor, limit, async {
        let frozen: Vec<Frozen> = files
            .iter()
            .map(|p| {
                Frozen::read_from(File::open(p).expect("open checkpoint"), 1 << 20)
                    .expect("read checkpoint")
            })
            .collect();
        let thawed = Frozen::thaw_all(frozen).expect("thaw_all");
        let running: Vec<_> = thawed.into_iter().map(|t| (t.name(), t.spawn())).collect();
        let mut out = HashMap::new();
        for (name, h) in running {
            out.insert(
                name,
                h.join().await.expect("restored process ends normally"),
            );
        }
        out
    })
}

fn take<T: 'static>(r: &mut Results, name: &str) -> T {
    *r.remove(name)
        .unwrap_or_else(|| panic!("{name} was restored"))
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("{name}'s result type"))
}

/// The whole pipeline's results are those of an uninterrupted run.
fn assert_complete(mut r: Results) {
    assert_eq!(
        take::<Vec<u64>>(&mut r, "Sink"),
        totals(1..=N),
        "every total, once, in order"
    );
    assert_eq!(take::<u64>(&mut r, "Source"), N);
    assert_eq!(take::<u64>(&mut r, "Double"), N);
    assert_eq!(take::<u64>(&mut r, "Integrate"), N * (N + 1));
    assert!(r.is_empty());
}

// ---------------------------------------------------------------------------
// Whole-pipeline checkpoint
// ---------------------------------------------------------------------------

/// Runs the pipeline until both buffers are full and the sink is stopped,
/// freezes all four processes and writes them to `dir`. When this returns,
/// nothing of the pipeline exists in memory any more.
fn checkpoint_whole_pipeline(dir: &Path, flavor: Flavor) -> Vec<PathBuf> {
    on_fresh_runtime(flavor, async {
        let (s_tx, s_rx) = buffered::<u64>(CAP1);
        let (d_tx, d_rx) = channel::<u64>();
        let (i_tx, i_rx) = buffered::<u64>(CAP2);
        let (filled_tx, filled_rx) = channel::<u64>();
        let (at_tx, at_rx) = channel::<u64>();
        let (resume_tx, resume_rx) = channel::<()>();
        let src = spawn_process(source(s_tx, N, FILLED, filled_tx));
        let dbl = spawn_process(double(s_rx, d_tx));
        let int = spawn_process(integrate(d_rx, i_tx));
        let snk = spawn_process(sink(i_rx, vec![PAUSE_AT], at_tx, resume_rx));
        assert_eq!(at_rx.recv().await, Ok(PAUSE_AT));
        assert_eq!(filled_rx.recv().await, Ok(FILLED));
        let frozen = vec![
            src.freeze().await.expect("freeze source"),
            dbl.freeze().await.expect("freeze double"),
            int.freeze().await.expect("freeze integrate"),
            snk.freeze().await.expect("freeze sink"),
        ];
        // Both buffered channels hold values at the checkpoint.
        let first = (FILLED - CAP1 as u64 + 1..=FILLED).collect::<Vec<_>>();
        assert_eq!(buffered_in(&frozen[0], CAP1).1, first);
        assert_eq!(buffered_in(&frozen[1], CAP1).1, first);
        let second = totals(PAUSE_AT + 1..=PAUSE_AT + CAP2 as u64);
        assert_eq!(buffered_in(&frozen[2], CAP2).1, second);
        assert_eq!(buffered_in(&frozen[3], CAP2).1, second);
        assert_eq!(src.join().await, Err(JoinError::Frozen));
        assert_eq!(dbl.join().await, Err(JoinError::Frozen));
        assert_eq!(int.join().await, Err(JoinError::Frozen));
        assert_eq!(snk.join().await, Err(JoinError::Frozen));
        let files = write_files(dir, &frozen);
        drop((frozen, filled_rx, at_rx, resume_tx));
        files
    })
}

#[test]
fn whole_pipeline_restores_in_a_fresh_runtime() {
    let dir = TempDir::new("whole");
    let files = checkpoint_whole_pipeline(dir.path(), Flavor::MultiThread);
    assert_complete(restore(&files, Flavor::CurrentThread));
    // The files are still good: restore them again, on the other flavour.
    assert_complete(restore(&files, Flavor::MultiThread));
}

#[test]
fn whole_pipeline_restores_in_a_fresh_runtime_from_current_thread() {
    let dir = TempDir::new("whole-ct");
    let files = checkpoint_whole_pipeline(dir.path(), Flavor::CurrentThread);
    let mut reversed = files.clone();
    reversed.reverse();
    assert_complete(restore(&reversed, Flavor::MultiThread));
}

// ---------------------------------------------------------------------------
// Checkpoint in two steps: the latest snapshot wins
// ---------------------------------------------------------------------------

/// Freezes the source while its buffer is full, lets the rest drain that
/// buffer, then freezes the rest: the source's snapshot of the buffer (8
/// values) is older than theirs (empty).
fn checkpoint_in_two_steps(dir: &Path, flavor: Flavor) -> Vec<PathBuf> {
    on_fresh_runtime(flavor, async {
        let (s_tx, s_rx) = buffered::<u64>(CAP1);
        let (d_tx, d_rx) = channel::<u64>();
        let (i_tx, i_rx) = buffered::<u64>(CAP2);
        let (filled_tx, filled_rx) = channel::<u64>();
        let (at_tx, at_rx) = channel::<u64>();
        let (resume_tx, resume_rx) = channel::<()>();
        let src = spawn_process(source(s_tx, N, FILLED, filled_tx));
        let dbl = spawn_process(double(s_rx, d_tx));
        let int = spawn_process(integrate(d_rx, i_tx));
        let snk = spawn_process(sink(i_rx, vec![PAUSE_AT, FILLED], at_tx, resume_rx));
        assert_eq!(at_rx.recv().await, Ok(PAUSE_AT));
        assert_eq!(filled_rx.recv().await, Ok(FILLED));
        let early = src.freeze().await.expect("freeze source");
        let (early_seq, early_buf) = buffered_in(&early, CAP1);
        assert_eq!(
            early_buf,
            (FILLED - CAP1 as u64 + 1..=FILLED).collect::<Vec<_>>()
        );
        // The rest keep running: the sink takes everything the source sent,
        // which empties the buffer the source's snapshot shows full.
        resume_tx.send(()).await.expect("resume the sink");
        assert_eq!(at_rx.recv().await, Ok(FILLED));
        let late = vec![
            dbl.freeze().await.expect("freeze double"),
            int.freeze().await.expect("freeze integrate"),
            snk.freeze().await.expect("freeze sink"),
        ];
        let (late_seq, late_buf) = buffered_in(&late[0], CAP1);
        assert!(
            late_buf.is_empty(),
            "double drained the buffer: {late_buf:?}"
        );
        assert!(late_seq > early_seq, "a later snapshot has a larger seq");
        let mut all = vec![early];
        all.extend(late);
        let files = write_files(dir, &all);
        drop((all, src, dbl, int, snk, filled_rx, at_rx, resume_tx));
        files
    })
}

#[test]
fn two_step_checkpoint_restores_from_the_latest_snapshot() {
    let dir = TempDir::new("two-step");
    let files = checkpoint_in_two_steps(dir.path(), Flavor::MultiThread);
    // Early snapshot first, then last: the result must not depend on it.
    assert_complete(restore(&files, Flavor::MultiThread));
    let mut reversed = files.clone();
    reversed.reverse();
    assert_complete(restore(&reversed, Flavor::CurrentThread));
}

#[test]
fn two_step_checkpoint_restores_from_the_latest_snapshot_current_thread() {
    let dir = TempDir::new("two-step-ct");
    let files = checkpoint_in_two_steps(dir.path(), Flavor::CurrentThread);
    let mut rotated = files.clone();
    rotated.rotate_left(2);
    assert_complete(restore(&rotated, Flavor::CurrentThread));
}

// ---------------------------------------------------------------------------
// Restoring in another OS process
// ---------------------------------------------------------------------------
//
// A checkpoint restored after a crash is read by a new OS process. These
// tests run this test binary again as a child (selected with `--exact`,
// told its role by environment variables) to restore a checkpoint written
// by the parent.

/// Set in a child: the directory holding the checkpoint to restore.
const CHILD_DIR: &str = "CSP_CHECKPOINT_CHILD_DIR";
/// Set in a child: before restoring, make channels of its own until one
/// has been given this channel id (the largest the checkpoint refers to).
const CHILD_OCCUPY: &str = "CSP_CHECKPOINT_CHILD_OCCUPY";

/// Holds channel ends; freezing it gives its channels ids.
#[process]
async fn bystander(ends: Vec<Sender<u64>>) -> usize {
    ends.len()
}

/// Gives fresh channels of this OS process ids (256 of them, or up to `max`), and
/// keeps them open: a program that has been running (and freezing its own
/// processes) for a while before it restores a checkpoint.
fn occupy_channel_ids(max: u64) -> Vec<(Sender<u64>, Receiver<u64>)> {
    let mut held = Vec::new();
    loop {
        let (tx, rx) = channel::<u64>();
        let mut frame = bystander(vec![tx.clone()]);
        let frozen = Frozen::freeze(&mut frame).expect("freeze a bystander");
        let id = frozen.channels()[0].id;
        drop((frozen, frame));
        held.push((tx, rx));
        // Ids start at a random point in each OS process, so a collision
        // with the checkpoint's ids cannot be forced; registering many live
        // channels (or reaching the checkpoint's largest id, should the
        // counter ever start below it) is what this process can do.
        if id >= max || held.len() >= 256 {
            return held;
        }
    }
}

/// The checkpoint files in `dir`.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read checkpoint dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "csp"))
        .collect();
    files.sort();
    files
}

/// The largest channel id the checkpoint files refer to.
fn largest_channel_id(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .flat_map(|p| {
            read_file(p, 1 << 20)
                .expect("read checkpoint")
                .channels()
                .iter()
                .map(|s| s.id)
                .collect::<Vec<_>>()
        })
        .max()
        .expect("the checkpoint refers to channels")
}

/// In the child: restore the checkpoint in `CHILD_DIR` and check the
/// result. Returns false in the parent (nothing done).
fn child_role() -> bool {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return false;
    };
    let files = files_in(Path::new(&dir));
    let _own = std::env::var(CHILD_OCCUPY)
        .ok()
        .map(|max| occupy_channel_ids(max.parse().expect("a channel id")));
    assert_complete(restore_within(
        &files,
        Flavor::MultiThread,
        Duration::from_secs(10),
    ));
    true
}

/// Runs test `name` of this binary in a child process that restores the
/// checkpoint in `dir`; fails with the child's output if the child fails.
fn restore_in_child(name: &str, dir: &Path, occupy: Option<u64>) {
    let mut cmd = std::process::Command::new(std::env::current_exe().expect("test binary"));
    cmd.args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env_remove(CHILD_OCCUPY);
    if let Some(max) = occupy {
        cmd.env(CHILD_OCCUPY, max.to_string());
    }
    let out = cmd.output().expect("run the child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "restoring in a child process failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

#[test]
fn restores_in_a_fresh_os_process() {
    if child_role() {
        return;
    }
    let dir = TempDir::new("os");
    checkpoint_whole_pipeline(dir.path(), Flavor::MultiThread);
    restore_in_child("restores_in_a_fresh_os_process", dir.path(), None);
}

/// The restoring program already has channels of its own, some with the
/// same ids as channels in the checkpoint (ids count from 1 in every OS
/// process). The restored pipeline must get its own channels, rebuilt from
/// the checkpoint, not be wired to the program's unrelated ones.
#[test]
fn restores_in_an_os_process_that_has_channels_of_its_own() {
    if child_role() {
        return;
    }
    let dir = TempDir::new("os-busy");
    let files = checkpoint_whole_pipeline(dir.path(), Flavor::MultiThread);
    let max = largest_channel_id(&files);
    restore_in_child(
        "restores_in_an_os_process_that_has_channels_of_its_own",
        dir.path(),
        Some(max),
    );
}

// ---------------------------------------------------------------------------
// Editing checkpoints: a mirror of the file record
// ---------------------------------------------------------------------------

const MAGIC: &[u8; 8] = b"CSPFRZ01";

/// What follows the magic in a checkpoint (see `csp::migrate::Frozen`).
#[derive(Serialize, Deserialize, Debug, Clone)]
struct FileForm {
    format: u32,
    identity: Identity,
    frame: Bin,
    channels: Vec<ChannelSnapshot>,
    /// The encoded `SchemaRecord`; absent in format 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schema: Option<Bin>,
}

/// Bytes as a MessagePack bin.
#[derive(Debug, Clone, PartialEq)]
struct Bin(Vec<u8>);

impl Serialize for Bin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bin {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bin;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Bin, E> {
                Ok(Bin(v.to_vec()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Bin, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = a.next_element::<u8>()? {
                    out.push(b);
                }
                Ok(Bin(out))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

/// The checkpoint's record (between the magic and the trailing CRC-32).
fn decode(bytes: &[u8]) -> FileForm {
    let rest = bytes.strip_prefix(MAGIC.as_slice()).expect("magic");
    let body = &rest[..rest.len() - 4];
    rmp_serde::from_slice(body).expect("checkpoint record decodes")
}

/// A well-formed checkpoint around `form` (magic, record, CRC-32), so that
/// edits to the record are judged on their content, not on the checksum.
fn encode(form: &FileForm) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let body = rmp_serde::to_vec(form).expect("encode");
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out
}

/// A checkpoint of `double` stopped in a send, its input buffer holding
/// two values; every channel it refers to is gone when this returns.
fn sample_checkpoint() -> Vec<u8> {
    on_fresh_runtime(Flavor::CurrentThread, async {
        let (tx, rx) = buffered::<u64>(4);
        let (out_tx, out_rx) = channel::<u64>();
        for v in [1, 2, 3] {
            tx.try_send(v).expect("room");
        }
        let h = spawn_process(double(rx, out_tx));
        // One turn of the scheduler: it takes 1 and parks sending 2.
        yield_now().await;
        let frozen = h.freeze().await.expect("freeze double");
        assert_eq!(buffered_in(&frozen, 4).1, vec![2, 3]);
        let bytes = frozen.to_bytes();
        drop((frozen, h, tx, out_rx));
        bytes
    })
}

#[test]
fn mirror_round_trips_exactly() {
    let bytes = sample_checkpoint();
    let form = decode(&bytes);
    assert_eq!(form.format, 3);
    assert_eq!(form.identity, Double::identity());
    let schema = form.schema.as_ref().expect("format 3 carries the schema");
    let schema: SchemaRecord = rmp_serde::from_slice(&schema.0).expect("the schema decodes");
    assert_eq!(schema, SchemaRecord::of(Double::SCHEMA));
    assert_eq!(encode(&form), bytes, "the mirror re-encodes byte for byte");
    // And the untouched bytes are a good checkpoint.
    let t = Registry::global()
        .thaw(Frozen::from_bytes(&bytes).expect("decodes"))
        .expect("thaws");
    assert_eq!(t.name(), "Double");
}

#[test]
fn format_2_checkpoints_without_a_schema_still_thaw() {
    let mut form = decode(&sample_checkpoint());
    form.format = 2;
    form.schema = None;
    let old = Frozen::from_bytes(&encode(&form)).expect("format 2 reads");
    assert_eq!(old.schema().unwrap(), None);
    let t = Registry::global().thaw(old).expect("thaws as it is");
    assert_eq!(t.name(), "Double");
}

/// `Frozen::from_vec` keeps a bin frame in the buffer it came in (the
/// tests of damaged files read through it, via `read_from`); a frame
/// written as an array of integers, as old checkpoints could be, is
/// copied out instead, and thaws the same.
#[test]
fn from_vec_reads_bin_and_integer_frames() {
    let bytes = sample_checkpoint();
    let form = decode(&bytes);
    let kept = Frozen::from_vec(bytes.clone()).expect("bin frame reads");
    assert_eq!(kept.frame_len(), form.frame.0.len());
    assert_eq!(
        Registry::global().thaw(kept).expect("thaws").name(),
        "Double"
    );

    #[derive(Serialize)]
    struct Integers<'a> {
        format: u32,
        identity: &'a Identity,
        /// A slice serializes as a sequence: an array of integers.
        frame: &'a [u8],
        channels: &'a [ChannelSnapshot],
    }
    let body = rmp_serde::to_vec(&Integers {
        format: 2,
        identity: &form.identity,
        frame: &form.frame.0,
        channels: &form.channels,
    })
    .expect("encode");
    let mut old = MAGIC.to_vec();
    old.extend_from_slice(&body);
    old.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    let as_written = rmp_serde::to_vec(&form.frame.0.as_slice()).expect("encode");
    assert!(
        matches!(as_written[0], 0x90..=0x9f | 0xdc | 0xdd),
        "a slice is written as an array"
    );
    let copied = Frozen::from_vec(old).expect("integer frame reads");
    assert_eq!(copied.frame_len(), form.frame.0.len());
    assert_eq!(
        Registry::global().thaw(copied).expect("thaws").name(),
        "Double"
    );
}

/// Holds `data` in its frame while it waits.
#[process]
async fn holder(input: Receiver<u64>, data: Vec<u8>) -> usize {
    let _ = input.recv().await;
    data.len()
}

/// `Frozen::freeze` serializes the frame straight into its checkpoint
/// encoding, and `into_bytes` finishes it in place: the bytes must be
/// those `to_bytes` writes, for frames whose bin header is every size
/// (under 256 bytes, under 64 KiB, and larger), and they must thaw.
#[test]
fn into_bytes_writes_what_to_bytes_writes() {
    let sizes = [
        0, 100, 240, 250, 260, 1_000, 65_000, 65_600, 70_000, 300_000,
    ];
    for n in sizes {
        let (tx, rx) = channel::<u64>();
        let mut p = holder(rx, vec![7; n]);
        let frozen = Frozen::freeze(&mut p).expect("freeze");
        drop(p);
        let want = frozen.to_bytes();
        let frame_len = frozen.frame_len();
        let (got, ends) = frozen.into_bytes();
        assert_eq!(got.len(), want.len(), "{n} bytes held");
        assert!(got == want, "{n} bytes held: the encodings differ");
        assert_eq!(decode(&got).frame.0.len(), frame_len);
        let again = Frozen::from_vec(got.clone()).expect("reads back");
        assert_eq!(again.frame_len(), frame_len);
        assert!(
            again.to_bytes() == got,
            "{n} bytes held: read back, encodes the same"
        );
        drop(ends);
        let t = Registry::global().thaw(again).expect("thaws");
        assert_eq!(t.name(), "Holder");
        drop(tx);
    }
}

// ---------------------------------------------------------------------------
// Identity mismatches
// ---------------------------------------------------------------------------

/// The error of a thaw that must fail (frames are not `Debug`).
fn refused<P>(r: Result<P, ThawError>, what: &str) -> ThawError {
    match r {
        Ok(_) => panic!("{what}: thawed"),
        Err(e) => e,
    }
}

#[test]
fn wrong_type_is_a_mismatch_naming_both_types() {
    let bytes = sample_checkpoint();
    let err = Frozen::from_bytes(&bytes)
        .expect("decodes")
        .thaw::<Integrate>();
    let err = refused(err, "a Double is not an Integrate");
    let ThawError::Mismatch { found, expected } = &err else {
        panic!("expected Mismatch, got {err:?}");
    };
    assert_eq!(*found, Double::identity());
    assert_eq!(expected.as_ref(), Some(&Integrate::identity()));
    let msg = err.to_string();
    assert!(
        msg.contains("Double") && msg.contains("Integrate"),
        "the message names the frozen type and the one asked for: {msg}"
    );
}

#[test]
fn unknown_type_name_is_a_mismatch_with_nothing_expected() {
    let mut form = decode(&sample_checkpoint());
    form.identity.name = "NoSuchProcess".into();
    let bytes = encode(&form);
    let err = Registry::global()
        .thaw(Frozen::from_bytes(&bytes).expect("decodes"))
        .expect_err("no such type");
    match &err {
        ThawError::Mismatch {
            found,
            expected: None,
        } => assert_eq!(found.name, "NoSuchProcess"),
        other => panic!("expected Mismatch with nothing expected, got {other:?}"),
    }
    assert!(err.to_string().contains("NoSuchProcess"), "{err}");
    // Asked for as a Double, it is a Double-shaped mismatch.
    let err = Frozen::from_bytes(&bytes)
        .expect("decodes")
        .thaw::<Double>();
    let err = refused(err, "wrong name");
    assert!(
        matches!(&err, ThawError::Mismatch { found, expected: Some(e) }
            if found.name == "NoSuchProcess" && *e == Double::identity()),
        "{err:?}"
    );
}

#[test]
fn wrong_version_is_reported_as_a_version_mismatch() {
    let mut form = decode(&sample_checkpoint());
    let mine = Double::identity();
    form.identity.version = mine.version + 1;
    let bytes = encode(&form);
    for err in [
        Registry::global()
            .thaw(Frozen::from_bytes(&bytes).expect("decodes"))
            .expect_err("registry refuses"),
        refused(
            Frozen::from_bytes(&bytes)
                .expect("decodes")
                .thaw::<Double>(),
            "typed thaw refuses",
        ),
    ] {
        match &err {
            ThawError::Mismatch {
                found,
                expected: Some(e),
            } => {
                assert_eq!(found.version, mine.version + 1);
                assert_eq!(*e, mine);
                assert_eq!(found.fingerprint, e.fingerprint, "only the version differs");
            }
            other => panic!("expected Mismatch, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("version"), "{msg}");
        assert!(
            msg.contains(&(mine.version + 1).to_string())
                && msg.contains(&mine.version.to_string()),
            "both versions are named: {msg}"
        );
        assert!(
            !msg.contains("fingerprint"),
            "the fingerprint is not blamed: {msg}"
        );
    }
}

#[test]
fn wrong_fingerprint_is_reported_as_a_layout_mismatch() {
    let mut form = decode(&sample_checkpoint());
    let mine = Double::identity();
    form.identity.fingerprint ^= 0x8000_0000_0000_0001;
    let bytes = encode(&form);
    for err in [
        Registry::global()
            .thaw(Frozen::from_bytes(&bytes).expect("decodes"))
            .expect_err("registry refuses"),
        refused(
            Frozen::from_bytes(&bytes)
                .expect("decodes")
                .thaw::<Double>(),
            "typed thaw refuses",
        ),
    ] {
        match &err {
            ThawError::Mismatch {
                found,
                expected: Some(e),
            } => {
                assert_eq!(*e, mine);
                assert_eq!(found.version, e.version, "only the fingerprint differs");
                assert_eq!(found.fingerprint, mine.fingerprint ^ 0x8000_0000_0000_0001);
            }
            other => panic!("expected Mismatch, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains("fingerprint"), "{msg}");
        assert!(
            msg.contains(&format!("{:016x}", mine.fingerprint))
                && msg.contains(&format!(
                    "{:016x}",
                    mine.fingerprint ^ 0x8000_0000_0000_0001
                )),
            "both fingerprints are named: {msg}"
        );
    }
    // `check` agrees with thaw.
    let f = Frozen::from_bytes(&bytes).expect("decodes");
    assert!(matches!(
        f.check::<Double>(),
        Err(ThawError::Mismatch { .. })
    ));
}

// ---------------------------------------------------------------------------
// Damaged files
// ---------------------------------------------------------------------------

/// Reads `bytes` as a checkpoint file and thaws it by name; never panics.
fn read_and_thaw(bytes: &[u8]) -> Result<&'static str, ThawError> {
    let f = Frozen::read_from(bytes, 1 << 20)?;
    Registry::global().thaw(f).map(|t| t.name())
}

/// Like [`read_and_thaw`], with a panic turned into a test failure that
/// shows the input.
fn no_panic(what: &str, bytes: &[u8]) -> Result<&'static str, ThawError> {
    catch_unwind(AssertUnwindSafe(|| read_and_thaw(bytes))).unwrap_or_else(|_| {
        panic!("{what}: thawing panicked instead of returning a ThawError; bytes: {bytes:02x?}")
    })
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

fn read_file(p: &Path, limit: u64) -> Result<Frozen, ThawError> {
    Frozen::read_from(File::open(p).expect("open"), limit)
}

#[test]
fn damaged_headers_and_bodies_are_format_errors() {
    let dir = TempDir::new("damaged");
    let good = sample_checkpoint();
    let len = good.len() as u64;

    // A good file reads, within its limit and not beyond.
    let p = write_file(dir.path(), "good.csp", &good);
    assert!(read_file(&p, len).is_ok());
    match read_file(&p, len - 1) {
        Err(ThawError::Format(m)) => assert!(m.contains("limit"), "{m}"),
        other => panic!("over the limit: expected Format, got {other:?}"),
    }

    // Wrong magic, empty, magic only.
    for (name, bytes) in [
        ("magic.csp", [b"CSPFRZ02".as_slice(), &good[8..]].concat()),
        ("lower.csp", [b"cspfrz01".as_slice(), &good[8..]].concat()),
        ("empty.csp", Vec::new()),
        ("short-magic.csp", b"CSPF".to_vec()),
        ("magic-only.csp", MAGIC.to_vec()),
    ] {
        let p = write_file(dir.path(), name, &bytes);
        assert!(
            matches!(read_file(&p, 1 << 20), Err(ThawError::Format(_))),
            "{name}: expected a Format error"
        );
    }
    match read_file(&write_file(dir.path(), "m.csp", b"NOTACSPFxxxx"), 1 << 20) {
        Err(ThawError::Format(m)) => assert!(m.contains("CSPFRZ01"), "{m}"),
        other => panic!("expected Format, got {other:?}"),
    }

    // A newer format version.
    let mut form = decode(&good);
    form.format = 4;
    match read_file(&write_file(dir.path(), "v4.csp", &encode(&form)), 1 << 20) {
        Err(ThawError::Format(m)) => assert!(m.contains("format version 4"), "{m}"),
        other => panic!("format 4: expected Format, got {other:?}"),
    }

    // Truncated anywhere.
    for cut in 0..good.len() {
        match Frozen::read_from(&good[..cut], 1 << 20) {
            Err(ThawError::Format(_)) => {}
            other => panic!("truncated to {cut} bytes: expected Format, got {other:?}"),
        }
    }
    let p = write_file(dir.path(), "cut.csp", &good[..good.len() / 2]);
    assert!(matches!(read_file(&p, 1 << 20), Err(ThawError::Format(_))));

    // Garbage, with and without the magic.
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..500 {
        let n = rng.usize(0..300);
        let mut junk: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
        if i % 2 == 0 {
            junk.splice(0..0, MAGIC.iter().copied());
        }
        assert!(
            no_panic("garbage", &junk).is_err(),
            "garbage thawed: {junk:02x?}"
        );
    }
    let p = write_file(dir.path(), "junk.csp", &[0xc1; 64]);
    assert!(matches!(read_file(&p, 1 << 20), Err(ThawError::Format(_))));
}

#[test]
fn frames_that_do_not_decode_are_decode_errors() {
    let good = decode(&sample_checkpoint());

    // Frame bytes that are not a Double.
    let mut form = good.clone();
    form.frame = Bin(vec![0x93, 0x01, 0x02, 0x03]);
    let err = read_and_thaw(&encode(&form)).expect_err("bad frame");
    assert!(matches!(err, ThawError::Decode(_)), "{err:?}");

    // A buffered channel whose values are not u64s.
    let mut form = good.clone();
    let buffered = form
        .channels
        .iter_mut()
        .find(|s| s.cap == 4)
        .expect("input");
    buffered.buf = rmp_serde::to_vec(&vec!["two", "three"]).expect("encode");
    match read_and_thaw(&encode(&form)) {
        Err(ThawError::Decode(m)) => assert!(m.contains("buffer"), "{m}"),
        other => panic!("expected Decode, got {other:?}"),
    }

    // The channels the frame refers to are gone and were not saved.
    let mut form = good.clone();
    form.channels.clear();
    match read_and_thaw(&encode(&form)) {
        Err(ThawError::Decode(m)) => assert!(m.contains("no longer exists"), "{m}"),
        other => panic!("expected Decode, got {other:?}"),
    }
}

/// A frame stopped at a state its type does not have is refused when it is
/// thawed, not accepted and left to panic when it runs.
#[test]
fn frame_at_an_unknown_state_is_a_thaw_error() {
    let mut form = decode(&sample_checkpoint());
    // The frame is the array [state, op, fields..]; the state is small, so
    // a one-byte MessagePack integer right after the array header.
    assert_eq!(form.frame.0[0] & 0xf0, 0x90, "frame is a short array");
    assert!(form.frame.0[1] < 0x80, "state is a positive fixint");
    form.frame.0[1] = 99;
    match read_and_thaw(&encode(&form)) {
        Err(ThawError::Decode(_)) => {}
        Err(other) => panic!("expected Decode, got {other:?}"),
        Ok(_) => {
            let ran = on_fresh_runtime(Flavor::CurrentThread, async {
                Registry::global()
                    .thaw(Frozen::from_bytes(&encode(&form)).expect("decodes"))
                    .expect("thaws")
                    .spawn()
                    .join()
                    .await
                    .map(|_| ())
            });
            panic!("a Double at state 99 thawed without error; running it gave {ran:?}");
        }
    }
}

/// Random damage of every sort: nothing panics, and anything that is not
/// a clean checkpoint any more is an error.
#[test]
fn random_mutations_never_panic() {
    let good = sample_checkpoint();
    let seed = match std::env::var("CSP_STRESS_SEED") {
        Ok(s) => s.trim().parse().expect("CSP_STRESS_SEED must be a u64"),
        Err(_) => fastrand::u64(..),
    };
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!("random_mutations_never_panic: seed {seed} (replay with CSP_STRESS_SEED={seed})");
    let (mut errors, mut thawed) = (0u32, 0u32);
    for i in 0..3000 {
        let mut m = good.clone();
        for _ in 0..rng.usize(1..=3) {
            let len = m.len();
            match rng.u8(0..7) {
                0 if len > 0 => {
                    let at = rng.usize(..len);
                    m[at] ^= 1 << rng.u8(0..8);
                }
                1 if len > 0 => {
                    let at = rng.usize(..len);
                    m[at] = rng.u8(..);
                }
                2 => m.truncate(rng.usize(0..=len)),
                3 => {
                    let at = rng.usize(0..=len);
                    let junk: Vec<u8> = (0..rng.usize(1..16)).map(|_| rng.u8(..)).collect();
                    m.splice(at..at, junk);
                }
                4 if len > 0 => {
                    let a = rng.usize(..len);
                    let b = rng.usize(a..=len);
                    m.drain(a..b);
                }
                5 if len > 0 => {
                    let a = rng.usize(..len);
                    let b = rng.usize(a..=len.min(a + 32));
                    let dup = m[a..b].to_vec();
                    m.splice(b..b, dup);
                }
                // Interesting MessagePack markers: huge lengths, nil, ext.
                _ if len > 0 => {
                    let at = rng.usize(..len);
                    m[at] = *rng
                        .choice(&[0xc0, 0xc1, 0xc4, 0xc6, 0xdc, 0xdd, 0xde, 0xdf, 0xff])
                        .unwrap();
                }
                _ => {}
            }
        }
        let r = catch_unwind(AssertUnwindSafe(|| read_and_thaw(&m))).unwrap_or_else(|_| {
            panic!("mutation {i} (seed {seed}): thawing panicked; bytes: {m:02x?}")
        });
        match r {
            Ok(_) => thawed += 1,
            Err(_) => errors += 1,
        }
    }
    eprintln!("random mutations: {errors} errors, {thawed} still thawed");
    assert!(errors > 0);
}

/// Every single flipped bit of a checkpoint file is detected: reading and
/// thawing it is a `ThawError`, not a process with silently different
/// state.
#[test]
fn flipped_bits_are_thaw_errors() {
    let good = sample_checkpoint();
    let mut undetected = Vec::new();
    let mut total = 0;
    for at in 0..good.len() {
        for bit in 0..8u32 {
            let mut m = good.clone();
            m[at] ^= 1 << bit;
            total += 1;
            if no_panic("bit flip", &m).is_ok() {
                undetected.push((at, bit));
            }
        }
    }
    assert!(
        undetected.is_empty(),
        "{} of {total} single-bit flips in a {}-byte checkpoint thaw without error, e.g. \
         (offset, bit) {:?}",
        undetected.len(),
        good.len(),
        &undetected[..undetected.len().min(12)]
    );
}

/// A damaged checkpoint that still thaws must not panic when it runs: the
/// frame's state and pending operation are checked when it is thawed.
#[test]
fn damaged_frames_that_thaw_do_not_panic_when_run() {
    let good = sample_checkpoint();
    let mut thawed = Vec::new();
    for at in 8..good.len() {
        for bit in 0..8u32 {
            let mut m = good.clone();
            m[at] ^= 1 << bit;
            if no_panic("bit flip", &m).is_ok() {
                thawed.push(((at, bit), m));
            }
        }
    }
    let panicked: Vec<((usize, u32), String)> = on_fresh_runtime(Flavor::CurrentThread, async {
        let mut panicked = Vec::new();
        for (where_, m) in thawed {
            let t = Registry::global()
                .thaw(Frozen::from_bytes(&m).expect("decoded before"))
                .expect("thawed before");
            // Alone, its channels have no peers: it runs to its end at once.
            let r = tokio::time::timeout(Duration::from_secs(5), t.spawn().join())
                .await
                .expect("a lone damaged process ends");
            if let Err(JoinError::Panicked(msg)) = r {
                panicked.push((where_, msg));
            }
        }
        panicked
    });
    assert!(
        panicked.is_empty(),
        "{} damaged checkpoints thawed without error and then panicked when run, e.g. \
         (offset, bit, panic) {:?}",
        panicked.len(),
        &panicked[..panicked.len().min(6)]
    );
}
