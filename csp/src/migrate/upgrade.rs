//! Declared upgrades: a newer version of a process's code taking over a
//! frame frozen by an older version whose layout differs.
//!
//! ```
//! use csp::migrate::{Upgrade, UpgradeError};
//! use csp::prelude::*;
//!
//! #[process(name = Tally, version = 2, upgrade = tally_from_v1)]
//! async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
//!     let mut total: u128 = 0;
//!     let mut count: u64 = 0;
//!     while let Ok(x) = input.recv().await {
//!         total += u128::from(x);
//!         count += 1;
//!         if output.send(total as u64 * 1000 + count).await.is_err() {
//!             break;
//!         }
//!     }
//!     count
//! }
//!
//! /// Version 1 kept `total` as a `u64`, and no count.
//! fn tally_from_v1(old: &mut Upgrade) -> Result<(), UpgradeError> {
//!     if old.has("total") {
//!         let total: u64 = old.take("total")?;
//!         old.set("total", u128::from(total))?;
//!         old.set("count", 0u64)?; // counting starts at the upgrade
//!     }
//!     Ok(())
//! }
//! # fn main() {}
//! ```
//!
//! The frozen frame carries the schema of the code that froze it (see
//! [`Schema`]), so the older frame is read by *name*, not by position:
//!
//! * **Where it resumes.** The frame rests at a pause point; it resumes at
//!   the newer code's pause point with the same label (`input.recv`,
//!   `output.send#2`, ..), or where [`Upgrade::resume_at`] says. Numbered
//!   labels count in source order, so if the versions have different
//!   numbers of pause points with one label, the numbers no longer say
//!   which is which and `resume_at` must choose. Its pending operation is
//!   carried as it is, so both pause points must wait on the same
//!   operation type (and a nested process call on a frame of the same
//!   layout). An unstarted frame starts from the top.
//! * **Its locals.** A local with the same name and the same written type
//!   in both versions is carried as it is. Everything else is the upgrade
//!   function's to decide: [`take`](Upgrade::take) an old value (and drop
//!   it, or transform it), [`set`](Upgrade::set) a new one,
//!   [`rename`](Upgrade::rename) one whose name changed. An old local left
//!   holding a value, a local whose type changed and was not set, or a
//!   value for a local that the resuming state does not keep (it would be
//!   overwritten unread) is an error: a value is never dropped silently.
//! * **Checks.** The result is decoded as the newer frame and validated
//!   like any thawed frame, so a local the resuming state needs but nobody
//!   set is an error that names it. Any error leaves the frozen process
//!   with its sender (a node refuses the move and keeps running it).
//!
//! What it cannot do: change the element type of the operation the frame
//! waits in; build new channel ends (an end can only be carried, renamed
//! or taken and dropped); upgrade the frame of a nested `#[process]` call,
//! which is carried as it is: a frame waiting in a callee whose layout
//! changed is refused (callees' fingerprints are part of the schema and of
//! the caller's fingerprint).
//!
//! The older frame is read without decoding it: its bytes are walked once
//! (no recursion, no allocation from declared lengths) and its element
//! count is checked against its schema first, so a hostile frame costs no
//! more than its size.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::frozen::{Identity, ThawError};
use super::schema::{Schema, SchemaRecord, SchemaSource};
use super::Migratable;

/// An upgrade function, named in `#[process(version = N, upgrade = f)]`.
pub type UpgradeFn = fn(&mut Upgrade) -> Result<(), UpgradeError>;

/// Why an upgrade could not be done (returned by upgrade functions too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeError(String);

impl UpgradeError {
    /// An error with the given reason (for upgrade functions to return).
    pub fn new(reason: impl Into<String>) -> Self {
        UpgradeError(reason.into())
    }
}

impl fmt::Display for UpgradeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UpgradeError {}

/// An older frame on its way to the newer layout, as the upgrade function
/// sees it. By default the frame resumes at the pause point with the same
/// label (`input.recv`, `output.send#2`, ..) and locals with the same name
/// and type carry over; the function takes, sets or renames the rest (see
/// [`crate::migrate`] for declaring one).
pub struct Upgrade {
    from: u32,
    at: Option<String>,
    /// Old locals still holding a value: name → (type as written, the
    /// value's MessagePack).
    old: BTreeMap<String, (String, Vec<u8>)>,
    set: BTreeMap<String, Vec<u8>>,
    new: &'static Schema,
    resume: Option<usize>,
}

impl fmt::Debug for Upgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgrade")
            .field("from", &self.from)
            .field("at", &self.at)
            .field("old", &self.old.keys().collect::<Vec<_>>())
            .field("set", &self.set.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Upgrade {
    /// The version of the code that froze the frame.
    pub fn from_version(&self) -> u32 {
        self.from
    }

    /// The label of the pause point the frame rests at in the older code
    /// (`None`: it had not started).
    pub fn at(&self) -> Option<&str> {
        self.at.as_deref()
    }

    /// Names of the older frame's locals that still hold a value (not yet
    /// taken or renamed).
    pub fn locals(&self) -> impl Iterator<Item = &str> {
        self.old.keys().map(String::as_str)
    }

    /// Whether the older frame's local `name` holds a value.
    pub fn has(&self, name: &str) -> bool {
        self.old.contains_key(name)
    }

    /// Takes the older frame's local `name`, decoded as a `T`.
    pub fn take<T: DeserializeOwned>(&mut self, name: &str) -> Result<T, UpgradeError> {
        let (ty, v) = self.old.remove(name).ok_or_else(|| {
            UpgradeError(format!(
                "version {} holds no local `{name}` here (it holds: {})",
                self.from,
                list(self.old.keys())
            ))
        })?;
        rmp_serde::from_slice(&v).map_err(|e| {
            UpgradeError(format!(
                "local `{name}` (`{ty}` in version {}) does not decode as the type asked for: {e}",
                self.from
            ))
        })
    }

    /// Gives the newer frame's local `name` the value `value`. If the older
    /// frame has a local of that name, [`take`](Upgrade::take) it first:
    /// replacing a value nobody took is an error, like leaving it.
    pub fn set<T: Serialize>(&mut self, name: &str, value: T) -> Result<(), UpgradeError> {
        self.new_field(name)?;
        let bytes = rmp_serde::to_vec(&value)
            .map_err(|e| UpgradeError(format!("local `{name}` does not encode: {e}")))?;
        self.set.insert(name.to_string(), bytes);
        Ok(())
    }

    /// Moves the older local `old` into the newer local `new`, as it is
    /// (a renamed local of the same type; channel ends included).
    pub fn rename(&mut self, old: &str, new: &str) -> Result<(), UpgradeError> {
        self.new_field(new)?;
        let (_, v) = self.old.remove(old).ok_or_else(|| {
            UpgradeError(format!("version {} holds no local `{old}` here", self.from))
        })?;
        self.set.insert(new.to_string(), v);
        Ok(())
    }

    /// Resumes at the newer code's pause point labelled `label` instead of
    /// the one with the older pause point's label.
    pub fn resume_at(&mut self, label: &str) -> Result<(), UpgradeError> {
        let i = self.new.pauses.iter().position(|(l, _, _)| *l == label);
        self.resume = Some(i.ok_or_else(|| {
            UpgradeError(format!(
                "the newer code has no pause point `{label}` (it has: {})",
                list(self.new.pauses.iter().map(|(l, _, _)| l))
            ))
        })?);
        Ok(())
    }

    fn new_field(&self, name: &str) -> Result<(), UpgradeError> {
        if self.new.fields.iter().any(|(n, _)| *n == name) {
            return Ok(());
        }
        Err(UpgradeError(format!(
            "the newer code keeps no local `{name}` across a pause (it keeps: {})",
            list(self.new.fields.iter().map(|(n, _)| n))
        )))
    }
}

fn list<S: AsRef<str>>(names: impl Iterator<Item = S>) -> String {
    let v: Vec<String> = names.map(|n| format!("`{}`", n.as_ref())).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// The length of the MessagePack value at the start of `b`: walked, not
/// decoded, without recursion or allocation, so a hostile frame costs at
/// most one pass over its bytes.
fn value_len(b: &[u8]) -> Result<usize, String> {
    let truncated = || "truncated".to_string();
    let be = |at: usize, n: usize| -> Result<u64, String> {
        let bytes = b.get(at..at + n).ok_or_else(truncated)?;
        Ok(bytes.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    };
    let (mut pos, mut pending) = (0usize, 1u64);
    while pending > 0 {
        pending -= 1;
        let m = *b.get(pos).ok_or_else(truncated)?;
        pos += 1;
        // (bytes of payload to skip, values that follow)
        let (skip, values): (u64, u64) = match m {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
            0x80..=0x8f => (0, 2 * u64::from(m & 0x0f)),
            0x90..=0x9f => (0, u64::from(m & 0x0f)),
            0xa0..=0xbf => (u64::from(m & 0x1f), 0),
            0xc4 | 0xd9 => (1 + be(pos, 1)?, 0),
            0xc5 | 0xda => (2 + be(pos, 2)?, 0),
            0xc6 | 0xdb => (4 + be(pos, 4)?, 0),
            0xc7 => (2 + be(pos, 1)?, 0),
            0xc8 => (3 + be(pos, 2)?, 0),
            0xc9 => (5 + be(pos, 4)?, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xca | 0xce | 0xd2 => (4, 0),
            0xcb | 0xcf | 0xd3 => (8, 0),
            0xd4 => (2, 0),
            0xd5 => (3, 0),
            0xd6 => (5, 0),
            0xd7 => (9, 0),
            0xd8 => (17, 0),
            0xdc => (2, be(pos, 2)?),
            0xdd => (4, be(pos, 4)?),
            0xde => (2, 2 * be(pos, 2)?),
            0xdf => (4, 2 * be(pos, 4)?),
            0xc1 => return Err("not MessagePack (marker 0xc1)".into()),
        };
        pos = usize::try_from(skip)
            .ok()
            .and_then(|s| pos.checked_add(s))
            .filter(|&p| p <= b.len())
            .ok_or_else(truncated)?;
        pending = pending.checked_add(values).ok_or_else(truncated)?;
    }
    Ok(pos)
}

/// Splits `b` into the header and elements of the array it must be,
/// which must have `n` elements: checked before anything is walked, so a
/// hostile length costs nothing.
fn array_of(b: &[u8], n: usize) -> Result<Vec<&[u8]>, String> {
    let mut rd = b;
    let len = rmp::decode::read_array_len(&mut rd).map_err(|_| "not an array".to_string())?;
    if len as usize != n {
        return Err(format!("{len} elements where {n} were expected"));
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let l = value_len(rd)?;
        out.push(&rd[..l]);
        rd = &rd[l..];
    }
    if !rd.is_empty() {
        return Err(format!("{} bytes after the frame", rd.len()));
    }
    Ok(out)
}

/// A field as `present` writes it: `nil` (no value) or `[v]`; returns `v`.
fn field_value(b: &[u8]) -> Result<Option<&[u8]>, String> {
    if b == [0xc0] {
        return Ok(None);
    }
    let mut rd = b;
    match rmp::decode::read_array_len(&mut rd) {
        Ok(1) => Ok(Some(rd)),
        _ => Err("a field that is neither nil nor a one-element array".into()),
    }
}

/// The older frame taken apart: state, operation, and its locals by name.
struct Parts<'a> {
    at: Option<usize>,
    op: Option<&'a [u8]>,
    locals: BTreeMap<String, (String, Vec<u8>)>,
}

fn split<'a>(bytes: &'a [u8], old: &SchemaRecord) -> Result<Parts<'a>, String> {
    let elems = array_of(bytes, 2 + old.fields.len())?;
    let state: u32 = rmp_serde::from_slice(elems[0]).map_err(|_| "the state is not a u32")?;
    let at = old.pause_at(state)?;
    let op = pending(elems[1], at)?;
    let mut locals = BTreeMap::new();
    for ((name, ty), b) in old.fields.iter().zip(&elems[2..]) {
        let v = field_value(b).map_err(|e| format!("local `{name}`: {e}"))?;
        if let Some(v) = v {
            locals.insert(name.clone(), (ty.clone(), v.to_vec()));
        }
    }
    Ok(Parts { at, op, locals })
}

/// The pending operation: `"None"` for an unstarted frame, else a
/// one-entry map from pause point `at`'s variant (`"P3"`) to it.
fn pending(b: &[u8], at: Option<usize>) -> Result<Option<&[u8]>, String> {
    let wrong = || "the pending operation does not belong to the frame's state".to_string();
    let mut rd = b;
    let Some(p) = at else {
        let mut buf = [0u8; 4];
        return match rmp::decode::read_str(&mut rd, &mut buf) {
            Ok("None") if rd.is_empty() => Ok(None),
            _ => Err(wrong()),
        };
    };
    if rmp::decode::read_map_len(&mut rd).ok() != Some(1) {
        return Err(wrong());
    }
    let mut buf = [0u8; 16];
    let key = rmp::decode::read_str(&mut rd, &mut buf).map_err(|_| wrong())?;
    if key != format!("P{p}") || value_len(rd)? != rd.len() {
        return Err(wrong());
    }
    Ok(Some(rd))
}

/// Rewrites the bytes of a frame frozen by version `from` (schema `old`)
/// into the layout `new`, running the declared upgrade `f` in between.
/// Runs inside a thaw context, so `take` can decode channel ends.
pub(crate) fn upgrade_frame(
    bytes: &[u8],
    old: &SchemaRecord,
    from: u32,
    new: &'static Schema,
    f: UpgradeFn,
) -> Result<Vec<u8>, String> {
    let parts = split(bytes, old).map_err(|e| format!("the version {from} frame: {e}"))?;
    let mut u = Upgrade {
        from,
        at: parts.at.map(|p| old.pauses[p].0.clone()),
        old: parts.locals,
        set: BTreeMap::new(),
        new,
        resume: None,
    };
    f(&mut u).map_err(|e| format!("the upgrade function refused: {e}"))?;
    let (state, label) = resume(&u, old, parts.at)?;
    let kept = new.kept_at(state);
    let mut out = Vec::with_capacity(bytes.len() + 64);
    // Writing MessagePack into a Vec cannot fail.
    fn w<T, E: fmt::Debug>(r: Result<T, E>) {
        r.expect("writing into a Vec");
    }
    w(rmp::encode::write_array_len(
        &mut out,
        2 + new.fields.len() as u32,
    ));
    w(rmp::encode::write_uint(&mut out, u64::from(state)));
    match (parts.op, resumed_at(new, state)) {
        (Some(op), Some(q)) => {
            w(rmp::encode::write_map_len(&mut out, 1));
            w(rmp::encode::write_str(&mut out, &format!("P{q}")));
            out.extend_from_slice(op);
        }
        _ => w(rmp::encode::write_str(&mut out, "None")),
    }
    for (i, (name, ty)) in new.fields.iter().enumerate() {
        let v = match (u.set.remove(*name), u.old.remove(*name)) {
            (Some(v), None) => Some(v),
            (None, Some((t, v))) if t == *ty => Some(v),
            (None, Some((t, _))) => {
                return Err(format!(
                    "local `{name}` was `{t}` in version {from} and is `{ty}` now: take it and set it in the upgrade function (a channel end: `rename(\"{name}\", \"{name}\")` if only its written type changed)"
                ))
            }
            (Some(_), Some(_)) => {
                return Err(format!(
                    "local `{name}` was set but its version {from} value was not taken"
                ))
            }
            (None, None) => None,
        };
        match v {
            Some(_) if !kept.contains(&(i as u32)) => {
                return Err(format!(
                    "local `{name}` holds no value at `{label}` in the newer code, so its value would be lost: take it in the upgrade function"
                ))
            }
            Some(v) => {
                w(rmp::encode::write_array_len(&mut out, 1));
                out.extend_from_slice(&v);
            }
            None => w(rmp::encode::write_nil(&mut out)),
        }
    }
    if !u.old.is_empty() {
        return Err(format!(
            "version {from} locals {} have no place in the newer code: take them in the upgrade function",
            list(u.old.keys())
        ));
    }
    Ok(out)
}

/// The pause point resting state `state` of `new` waits in.
fn resumed_at(new: &Schema, state: u32) -> Option<u32> {
    new.rests.iter().find(|(s, _)| *s == state).map(|&(_, p)| p)
}

/// Where an older frame that rested at pause `at` resumes in the newer
/// code: the state number, and the pause point's label (`start` for the
/// unstarted state).
fn resume(u: &Upgrade, old: &SchemaRecord, at: Option<usize>) -> Result<(u32, String), String> {
    let Some(p) = at else {
        return match u.resume {
            None => Ok((0, "start".into())),
            Some(_) => Err("an unstarted frame can only start from the top".into()),
        };
    };
    let (label, ty, nested) = &old.pauses[p];
    let pauses = || list(u.new.pauses.iter().map(|(l, _, _)| l));
    let q = match u.resume {
        Some(q) => q,
        None => {
            // `input.recv#2` names the second `input.recv` in source
            // order: if the versions have different numbers of them, the
            // numbers no longer say which is which.
            let base = |l: &str| l.split('#').next().unwrap_or("").to_string();
            let count_old = old
                .pauses
                .iter()
                .filter(|x| base(&x.0) == base(label))
                .count();
            let count_new = u
                .new
                .pauses
                .iter()
                .filter(|x| base(x.0) == base(label))
                .count();
            if count_new > 0 && count_old != count_new {
                return Err(format!(
                    "the frame rests at `{label}`, and version {} has {count_old} pause points labelled `{}` where the newer code has {count_new}: choose its pause point with `resume_at` (the newer code has: {})",
                    u.from,
                    base(label),
                    pauses()
                ));
            }
            u.new.pauses.iter().position(|(l, _, _)| l == label).ok_or_else(|| {
                format!(
                    "the frame rests at `{label}`, which the newer code does not have: choose its pause point with `resume_at` (it has: {})",
                    pauses()
                )
            })?
        }
    };
    let (new_label, new_ty, new_nested) = u.new.pauses[q];
    if new_ty != ty {
        return Err(format!(
            "the frame waits in `{label}` on `{ty}`, but `{new_label}` waits on `{new_ty}`: the pending operation cannot change type"
        ));
    }
    if new_nested != *nested {
        return Err(format!(
            "the frame waits in `{label}` in a nested process whose frame layout changed: a nested frame is carried as it is"
        ));
    }
    let state = u.new.rests.iter().find(|(_, r)| *r as usize == q);
    let Some(&(state, _)) = state else {
        return Err(format!("the newer code cannot rest at `{new_label}`"));
    };
    Ok((state, new_label.to_string()))
}

/// How bytes frozen as `found` become a frame of a type whose identity is
/// `mine`: as they are (`Ok(None)`), through its upgrade function, or not
/// at all.
pub(crate) fn route(
    found: &Identity,
    mine: Identity,
    upgrades_from: &[u32],
    upgrade: Option<UpgradeFn>,
) -> Result<Option<UpgradeFn>, ThawError> {
    let same_layout = found.fingerprint == mine.fingerprint;
    if *found == mine || (same_layout && upgrades_from.contains(&found.version)) {
        return Ok(None);
    }
    match upgrade {
        Some(f) if found.name == mine.name && found.version < mine.version => Ok(Some(f)),
        _ => Err(ThawError::Mismatch {
            found: found.clone(),
            expected: Some(mine),
        }),
    }
}

/// Decodes `bytes` (frozen as `found`, with schema `old`) as a `P`,
/// through `upgrade` if the route says so, and validates the frame.
pub(crate) fn decode_as<P: Migratable>(
    bytes: &[u8],
    found: &Identity,
    old: &SchemaSource,
    upgrade: Option<UpgradeFn>,
) -> Result<P, ThawError> {
    let frame = match upgrade {
        None => rmp_serde::from_slice::<P>(bytes).map_err(|e| ThawError::Decode(e.to_string()))?,
        Some(f) => {
            let failed = |reason: String| ThawError::Upgrade {
                name: found.name.clone(),
                from: found.version,
                to: P::VERSION,
                reason,
            };
            let old = old.record().map_err(failed)?.ok_or_else(|| {
                failed("the frame was frozen without its schema (a format 2 checkpoint)".into())
            })?;
            let b = upgrade_frame(bytes, &old, found.version, P::SCHEMA, f).map_err(failed)?;
            let p = rmp_serde::from_slice::<P>(&b)
                .map_err(|e| failed(format!("the upgraded frame does not decode: {e}")))?;
            p.validate().map_err(|m| failed(m.to_string()))?;
            return Ok(p);
        }
    };
    frame
        .validate()
        .map_err(|m| ThawError::Decode(m.to_string()))?;
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::value_len;

    #[test]
    fn value_len_walks_every_kind_of_value() {
        #[derive(serde::Serialize)]
        struct All {
            a: (u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, bool, ()),
            s: String,
            long: String,
            v: Vec<Option<u32>>,
            m: std::collections::BTreeMap<String, Vec<u8>>,
        }
        let x = All {
            a: (
                1,
                300,
                70_000,
                1 << 40,
                -100,
                -300,
                -70_000,
                -(1 << 40),
                1.5,
                2.5,
                true,
                (),
            ),
            s: "short".into(),
            long: "x".repeat(70_000),
            v: vec![Some(1), None, Some(1 << 20)],
            m: [("k".to_string(), vec![7u8; 300])].into(),
        };
        let mut b = rmp_serde::to_vec(&x).unwrap();
        assert_eq!(value_len(&b), Ok(b.len()));
        b.extend_from_slice(&[0xc0, 0x01]);
        assert_eq!(
            value_len(&b),
            Ok(b.len() - 2),
            "trailing bytes are not part of it"
        );
        for cut in [1, b.len() / 2, b.len() - 3] {
            assert!(value_len(&b[..cut]).is_err(), "cut at {cut}");
        }
        // A hostile length: an array claiming 2^32 - 1 elements.
        assert!(value_len(&[0xdd, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
        assert!(value_len(&[0xc1]).is_err());
        // Extension types.
        assert_eq!(value_len(&[0xd4, 0x01, 0x02]), Ok(3));
        assert_eq!(value_len(&[0xc7, 0x02, 0x05, 0x00, 0x00]), Ok(5));
    }
}
