//! The upgrade path decodes untrusted input twice over: an older frame's
//! bytes and the schema that says what they mean both come from whoever
//! froze it (a peer node, a checkpoint file). Mutated frames and schemas
//! fed to a declared upgrade must give a frame or an error, never a panic.
#![cfg(feature = "migration")]

use std::cell::Cell;
use std::task::{Context, Waker};

use csp::migrate::{ChannelSnapshot, Frozen, Identity, SchemaRecord};
use csp::prelude::*;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde::{Deserialize, Serialize};

const CASES: u32 = 20_000;

#[path = "shared/tally.rs"]
mod tally;

use tally::{v1, v2::Tally};

/// What follows the magic in a checkpoint (see `csp::migrate::Frozen`).
#[derive(Serialize, Deserialize, Clone, Debug)]
struct FileForm {
    format: u32,
    identity: Identity,
    #[serde(with = "csp::migrate::serde_bytes")]
    frame: Vec<u8>,
    channels: Vec<ChannelSnapshot>,
    /// The encoded `SchemaRecord` (decoded here by `Sample`).
    #[serde(with = "csp::migrate::serde_bytes::option")]
    schema: Option<Vec<u8>>,
}

/// A checkpoint with its schema decoded, so mutations can edit it.
#[derive(Clone, Debug)]
struct Sample {
    form: FileForm,
    schema: SchemaRecord,
}

impl Sample {
    fn of(form: FileForm) -> Sample {
        let b = form.schema.as_ref().expect("format 3 carries a schema");
        let schema = rmp_serde::from_slice(b).expect("own schema decodes");
        Sample { form, schema }
    }

    fn checkpoint(&self) -> Vec<u8> {
        let mut form = self.form.clone();
        form.schema = Some(rmp_serde::to_vec(&self.schema).expect("encode"));
        checkpoint(&form)
    }
}

const MAGIC: &[u8; 8] = b"CSPFRZ01";

fn body(bytes: &[u8]) -> FileForm {
    rmp_serde::from_slice(&bytes[8..bytes.len() - 4]).expect("own checkpoint decodes")
}

fn checkpoint(form: &FileForm) -> Vec<u8> {
    let body = rmp_serde::to_vec(form).expect("encode");
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
    out
}

/// Version 1 checkpoints at each place a frame can rest: unstarted, in its
/// receive, and in its send. Their channels are gone, so thawing rebuilds
/// them from the snapshots.
fn samples() -> Vec<Sample> {
    let noop = &mut Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    for steps in 0..3 {
        let (tx, rx) = channel();
        let (otx, _orx) = channel();
        let mut p = v1::tally(rx, otx);
        if steps > 0 {
            assert!(p.step(noop).is_pending());
        }
        if steps > 1 {
            tx.try_send(9).unwrap();
            assert!(p.step(noop).is_pending());
            assert_eq!(p.pause_point(), "send");
        }
        let frozen = Frozen::freeze(&mut p).unwrap();
        out.push(Sample::of(body(&frozen.to_bytes())));
    }
    out
}

/// One change to a checkpoint's frame bytes or schema.
#[derive(Debug, Clone)]
enum Mutation {
    FlipByte(usize, u8),
    InsertByte(usize, u8),
    Truncate(usize),
    RestState(usize, u32),
    RestPause(usize, u32),
    PauseLabel(usize, String),
    FieldName(usize, String),
    FieldType(usize, String),
    DropField(usize),
    DropPause(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let names = prop_oneof![
        Just("total".to_string()),
        Just("count".to_string()),
        Just("input".to_string()),
        Just("input.recv".to_string()),
        Just("output.send".to_string()),
        Just("u128".to_string()),
        "[a-z.#0-9]{0,8}",
    ];
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipByte(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::InsertByte(i, b)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), 0..8u32).prop_map(|(i, s)| Mutation::RestState(i, s)),
        1 => (any::<usize>(), 0..4u32).prop_map(|(i, p)| Mutation::RestPause(i, p)),
        1 => (any::<usize>(), names.clone()).prop_map(|(i, l)| Mutation::PauseLabel(i, l)),
        1 => (any::<usize>(), names.clone()).prop_map(|(i, n)| Mutation::FieldName(i, n)),
        1 => (any::<usize>(), names).prop_map(|(i, t)| Mutation::FieldType(i, t)),
        1 => any::<usize>().prop_map(Mutation::DropField),
        1 => any::<usize>().prop_map(Mutation::DropPause),
    ]
}

/// Index `i` into a collection of `len` (none if it is empty).
fn at(i: usize, len: usize) -> Option<usize> {
    (len > 0).then(|| i % len)
}

impl Mutation {
    fn apply(&self, sample: &mut Sample) {
        let (f, s) = (&mut sample.form, &mut sample.schema);
        match self {
            Mutation::FlipByte(i, b) => {
                if let Some(i) = at(*i, f.frame.len()) {
                    f.frame[i] ^= b | 1;
                }
            }
            Mutation::InsertByte(i, b) => {
                let i = i % (f.frame.len() + 1);
                f.frame.insert(i, *b);
            }
            Mutation::Truncate(i) => f.frame.truncate(i % (f.frame.len() + 1)),
            Mutation::RestState(i, v) => {
                if let Some(i) = at(*i, s.rests.len()) {
                    s.rests[i].0 = *v;
                }
            }
            Mutation::RestPause(i, v) => {
                if let Some(i) = at(*i, s.rests.len()) {
                    s.rests[i].1 = *v;
                }
            }
            Mutation::PauseLabel(i, l) => {
                if let Some(i) = at(*i, s.pauses.len()) {
                    s.pauses[i].0 = l.clone();
                }
            }
            Mutation::FieldName(i, n) => {
                if let Some(i) = at(*i, s.fields.len()) {
                    s.fields[i].0 = n.clone();
                }
            }
            Mutation::FieldType(i, t) => {
                if let Some(i) = at(*i, s.fields.len()) {
                    s.fields[i].1 = t.clone();
                }
            }
            Mutation::DropField(i) => {
                if let Some(i) = at(*i, s.fields.len()) {
                    s.fields.remove(i);
                }
            }
            Mutation::DropPause(i) => {
                if let Some(i) = at(*i, s.pauses.len()) {
                    s.pauses.remove(i);
                }
            }
        }
    }
}

#[test]
fn mutated_frames_and_schemas_give_a_frame_or_an_error() {
    let samples = samples();
    let (accepted, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..Config::with_cases(CASES)
    });
    let strategy = (0..samples.len(), vec(mutation(), 0..4));
    runner
        .run(&strategy, |(i, mutations)| {
            let mut sample = samples[i].clone();
            for m in &mutations {
                m.apply(&mut sample);
            }
            let frozen =
                Frozen::from_bytes(&sample.checkpoint()).expect("a well-formed checkpoint");
            let thawed = frozen.thaw::<Tally>();
            if mutations.is_empty() {
                prop_assert!(
                    thawed.is_ok(),
                    "an unmutated sample upgrades: {:?}",
                    thawed.err()
                );
            } else {
                let counter = if thawed.is_ok() { &accepted } else { &rejected };
                counter.set(counter.get() + 1);
            }
            Ok(())
        })
        .unwrap();
    // Both outcomes occur, so the run cannot pass vacuously.
    assert!(
        accepted.get() > 0 && rejected.get() > 0,
        "{accepted:?} {rejected:?}"
    );
}
