//! What a frame's bytes mean: its locals by name and its pause points by
//! label, so that a newer version of the code can read an older frame.
//!
//! The fingerprint says *whether* two layouts differ; a schema says *how*.
//! Every frozen frame carries the schema of the code that froze it, so a
//! program holding only the newer code can still find the older frame's
//! locals and the pause point it rests at (see [`Upgrade`](super::Upgrade)).
//!
//! A frame is encoded as one MessagePack array: the state number, the
//! pending operation (`"None"` or a one-entry map from its variant name,
//! `"P0"`, `"P1"`, .., to the operation), then one element per field, in
//! the order [`Schema::fields`] lists them (`nil` for a local that holds no
//! value at that state).

use serde::{Deserialize, Serialize};

use super::chanref::serde_bytes_compat::option as bin;
use bin::Ref;

/// A frame layout as the macro sees it (one constant per process type).
#[derive(Debug)]
pub struct Schema {
    /// The frame's fields after the state and the operation: each local's
    /// name and its type as written.
    pub fields: &'static [(&'static str, &'static str)],
    /// Pause points in source order: a label (see below), the type of the
    /// operation pending there as written by the macro, and the mixed
    /// fingerprints of the frames nested there (a call to another process;
    /// 0 if none), so a callee's new layout is not read as its old one.
    ///
    /// A label is what the pause waits on, as written in the body:
    /// `input.recv`, `output.send`, `sleep`, `yield_now`, `migrate_to`,
    /// `effect`, `alt!`, `par!`, or the called process's path (`worker`).
    /// The second and later pause points with the same label get `#2`,
    /// `#3`, .. in source order.
    pub pauses: &'static [(&'static str, &'static str, u64)],
    /// Resting states: each state number a frame can rest at, with the
    /// index (in `pauses`) of the pause point it waits in. State 0 is the
    /// unstarted frame and is not listed.
    pub rests: &'static [(u32, u32)],
    /// For state 0 and each resting state: the fields (indices into
    /// `fields`) that hold a value there. A value for any other field
    /// would be dropped unread when the frame runs on, so an upgrade that
    /// puts one there is refused. Not carried with frozen frames: only the
    /// code that resumes a frame needs it.
    pub keeps: &'static [(u32, &'static [u32])],
}

impl Schema {
    /// The schema of a frame with no fields and no pause points.
    pub const EMPTY: Schema = Schema {
        fields: &[],
        pauses: &[],
        rests: &[],
        keeps: &[],
    };

    /// The fields state `state` keeps (see [`Schema::keeps`]).
    pub fn kept_at(&self, state: u32) -> &'static [u32] {
        let found = self.keeps.iter().find(|(s, _)| *s == state);
        found.map_or(&[], |(_, k)| k)
    }
}

/// Mixes fingerprints (FNV-1a over their bytes), for a frame whose layout
/// includes other frames' (used by generated code, in constants).
pub const fn mix_fingerprints(base: u64, nested: &[u64]) -> u64 {
    let mut h = base;
    let mut i = 0;
    while i < nested.len() {
        let bytes = nested[i].to_le_bytes();
        let mut j = 0;
        while j < 8 {
            h = (h ^ bytes[j] as u64).wrapping_mul(0x0000_0100_0000_01b3);
            j += 1;
        }
        i += 1;
    }
    h
}

/// A schema read back from a frozen frame (owned, untrusted).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct SchemaRecord {
    /// See [`Schema::fields`].
    pub fields: Vec<(String, String)>,
    /// See [`Schema::pauses`].
    pub pauses: Vec<(String, String, u64)>,
    /// See [`Schema::rests`].
    pub rests: Vec<(u32, u32)>,
}

impl SchemaRecord {
    /// The owned copy of `s`.
    pub fn of(s: &Schema) -> SchemaRecord {
        SchemaRecord {
            fields: s
                .fields
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
            pauses: s
                .pauses
                .iter()
                .map(|(a, b, n)| (a.to_string(), b.to_string(), *n))
                .collect(),
            rests: s.rests.to_vec(),
        }
    }

    /// The label of the pause point state `state` rests at: `Ok(None)` for
    /// the unstarted state, an error for a state the schema does not list.
    pub fn pause_at(&self, state: u32) -> Result<Option<usize>, String> {
        if state == 0 {
            return Ok(None);
        }
        let Some(&(_, p)) = self.rests.iter().find(|(s, _)| *s == state) else {
            return Err(format!("state {state} is not a resting state"));
        };
        let p = p as usize;
        if p >= self.pauses.len() {
            return Err(format!(
                "state {state} names pause point {p}, which is not listed"
            ));
        }
        Ok(Some(p))
    }
}

/// How a frozen frame holds its schema: the code's own constant when it
/// was frozen here, or the bytes read with the frame. On the wire and in
/// files it is one MessagePack bin holding the [`SchemaRecord`]: a reader
/// copies it as it is and decodes it only for an upgrade, so a plain thaw
/// pays one copy, not a string per name.
#[derive(Clone, Debug)]
pub(crate) enum SchemaSource {
    /// Frozen by this program.
    Static(&'static Schema),
    /// Read from bytes (the encoded record); `None` for checkpoints
    /// written before frames carried schemas (format 2).
    Read(Option<Vec<u8>>),
}

impl SchemaSource {
    /// The schema, owned: `Ok(None)` if the bytes carried none, an error
    /// if what they carried does not decode.
    pub(crate) fn record(&self) -> Result<Option<SchemaRecord>, String> {
        match self {
            SchemaSource::Static(s) => Ok(Some(SchemaRecord::of(s))),
            SchemaSource::Read(None) => Ok(None),
            SchemaSource::Read(Some(b)) => rmp_serde::from_slice(b)
                .map(Some)
                .map_err(|e| format!("the frame's schema does not decode: {e}")),
        }
    }
}

/// The encoding of a [`Schema`] without copying it: the same MessagePack
/// as [`SchemaRecord`].
#[derive(Serialize)]
struct SchemaRef<'a> {
    fields: &'a [(&'a str, &'a str)],
    pauses: &'a [(&'a str, &'a str, u64)],
    rests: &'a [(u32, u32)],
}

/// The encoding of `s`, made once per schema: it is written with every
/// frozen frame, and encoding its strings each time would cost more than
/// the rest of a small frame.
fn encoded(s: &'static Schema) -> &'static [u8] {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static DONE: OnceLock<Mutex<HashMap<usize, &'static [u8]>>> = OnceLock::new();
    let done = DONE.get_or_init(Default::default);
    let mut done = done.lock().unwrap_or_else(|e| e.into_inner());
    // Keyed by address: one entry per schema constant in the program
    // (a few per type at most), so the leak is bounded.
    done.entry(s as *const Schema as usize).or_insert_with(|| {
        let r = SchemaRef {
            fields: s.fields,
            pauses: s.pauses,
            rests: s.rests,
        };
        // Strings and integers always encode.
        let b = rmp_serde::to_vec(&r).expect("encoding a schema");
        Box::leak(b.into_boxed_slice())
    })
}

impl Serialize for SchemaSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            SchemaSource::Static(sc) => s.serialize_some(&Ref(encoded(sc))),
            SchemaSource::Read(r) => bin::serialize(r, s),
        }
    }
}

impl<'de> Deserialize<'de> for SchemaSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        bin::deserialize(d).map(SchemaSource::Read)
    }
}

impl Default for SchemaSource {
    fn default() -> Self {
        SchemaSource::Read(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static S: Schema = Schema {
        fields: &[("input", "Receiver < u64 >"), ("total", "u64")],
        pauses: &[("input.recv", "RecvPause < u64 >", 0)],
        rests: &[(3, 0)],
        keeps: &[(0, &[0]), (3, &[0, 1])],
    };

    #[test]
    fn static_and_read_schemas_encode_alike() {
        let record = rmp_serde::to_vec(&SchemaRecord::of(&S)).unwrap();
        let a = rmp_serde::to_vec(&SchemaSource::Static(&S)).unwrap();
        let b = rmp_serde::to_vec(&SchemaSource::Read(Some(record))).unwrap();
        assert_eq!(a, b);
        let back: SchemaSource = rmp_serde::from_slice(&a).unwrap();
        assert_eq!(back.record(), Ok(Some(SchemaRecord::of(&S))));
        let damaged = SchemaSource::Read(Some(vec![0xc1]));
        assert!(damaged.record().unwrap_err().contains("does not decode"));
    }

    #[test]
    fn states_keep_their_fields() {
        assert_eq!(S.kept_at(0), &[0]);
        assert_eq!(S.kept_at(3), &[0, 1]);
        assert!(S.kept_at(9).is_empty());
        assert_ne!(mix_fingerprints(1, &[2]), mix_fingerprints(1, &[3]));
        assert_eq!(mix_fingerprints(5, &[]), 5);
    }

    #[test]
    fn resting_states_map_to_pause_points() {
        let r = SchemaRecord::of(&S);
        assert_eq!(r.pause_at(0), Ok(None));
        assert_eq!(r.pause_at(3), Ok(Some(0)));
        assert!(r.pause_at(4).unwrap_err().contains("not a resting state"));
        let bad = SchemaRecord {
            rests: vec![(3, 9)],
            ..r
        };
        assert!(bad.pause_at(3).unwrap_err().contains("not listed"));
    }
}
