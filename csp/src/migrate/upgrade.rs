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
//!   `output.send#2`, ..), or where [`Upgrade::resume_at`] says. Its
//!   pending operation is carried as it is, so both pause points must wait
//!   on the same operation type. An unstarted frame starts from the top.
//! * **Its locals.** A local with the same name and the same written type
//!   in both versions is carried as it is. Everything else is the upgrade
//!   function's to decide: [`take`](Upgrade::take) an old value (and drop
//!   it, or transform it), [`set`](Upgrade::set) a new one,
//!   [`rename`](Upgrade::rename) one whose name changed. An old local left
//!   holding a value, or a local whose type changed and was not set, is an
//!   error: a value is never dropped silently.
//! * **Checks.** The result is decoded as the newer frame and validated
//!   like any thawed frame, so a local the resuming state needs but nobody
//!   set is an error that names it. Any error leaves the frozen process
//!   with its sender (a node refuses the move and keeps running it).
//!
//! What it cannot do: change the element type of the operation the frame
//! waits in; build new channel ends (an end can only be carried, renamed
//! or taken and dropped); upgrade the frame of a nested `#[process]` call,
//! which is carried as it is and must keep its layout.

use std::collections::BTreeMap;
use std::fmt;

use rmpv::Value;
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
/// sees it. See the [module docs](self) for what is carried by default.
pub struct Upgrade {
    from: u32,
    at: Option<String>,
    /// Old locals still holding a value: name → (type as written, value).
    old: BTreeMap<String, (String, Value)>,
    set: BTreeMap<String, Value>,
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
        rmp_serde::from_slice(&encode(&v)).map_err(|e| {
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
        let v = decode(&bytes).map_err(|e| UpgradeError(format!("local `{name}`: {e}")))?;
        self.set.insert(name.to_string(), v);
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
        let i = self.new.pauses.iter().position(|(l, _)| *l == label);
        self.resume = Some(i.ok_or_else(|| {
            UpgradeError(format!(
                "the newer code has no pause point `{label}` (it has: {})",
                list(self.new.pauses.iter().map(|(l, _)| l))
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

fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    rmpv::encode::write_value(&mut out, v).expect("encoding into a Vec");
    out
}

/// One MessagePack value, the whole of `b` (bounded depth, no
/// preallocation from lengths).
fn decode(b: &[u8]) -> Result<Value, String> {
    let mut rd = b;
    let v = rmpv::decode::read_value(&mut rd).map_err(|e| e.to_string())?;
    if !rd.is_empty() {
        return Err(format!("{} bytes after the value", rd.len()));
    }
    Ok(v)
}

/// The older frame taken apart: state, operation, and its locals by name.
struct Parts {
    at: Option<usize>,
    op: Option<Value>,
    locals: BTreeMap<String, (String, Value)>,
}

fn split(bytes: &[u8], old: &SchemaRecord) -> Result<Parts, String> {
    let Value::Array(elems) = decode(bytes)? else {
        return Err("the frame is not an array".into());
    };
    if elems.len() != 2 + old.fields.len() {
        return Err(format!(
            "the frame has {} elements, its schema says {}",
            elems.len(),
            2 + old.fields.len()
        ));
    }
    let mut it = elems.into_iter();
    let state = it
        .next()
        .and_then(|v| v.as_u64())
        .and_then(|s| u32::try_from(s).ok());
    let at = old.pause_at(state.ok_or("the frame's state is not a u32")?)?;
    let op = match (it.next(), at) {
        (Some(Value::String(s)), None) if s.as_str() == Some("None") => None,
        (Some(Value::Map(mut m)), Some(p)) if m.len() == 1 => {
            let (k, v) = m.pop().expect("one entry");
            if k.as_str() != Some(format!("P{p}").as_str()) {
                return Err(format!("the pending operation is not pause point {p}'s"));
            }
            Some(v)
        }
        _ => return Err("the pending operation does not belong to the frame's state".into()),
    };
    let locals = old
        .fields
        .iter()
        .zip(it)
        .filter(|(_, v)| !v.is_nil())
        .map(|((n, t), v)| (n.clone(), (t.clone(), v)))
        .collect();
    Ok(Parts { at, op, locals })
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
    let (state, op) = resume(&u, old, parts.at, parts.op)?;
    let mut elems = vec![state, op];
    for (name, ty) in new.fields {
        let v = match (u.set.remove(*name), u.old.remove(*name)) {
            (Some(v), None) => v,
            (None, Some((t, v))) if t == *ty => v,
            (None, Some((t, _))) => {
                return Err(format!(
                    "local `{name}` was `{t}` in version {from} and is `{ty}` now: take it and set it in the upgrade function"
                ))
            }
            (Some(_), Some(_)) => {
                return Err(format!(
                    "local `{name}` was set but its version {from} value was not taken"
                ))
            }
            (None, None) => Value::Nil,
        };
        elems.push(v);
    }
    if !u.old.is_empty() {
        return Err(format!(
            "version {from} locals {} have no place in the newer code: take them in the upgrade function",
            list(u.old.keys())
        ));
    }
    Ok(encode(&Value::Array(elems)))
}

/// The newer state number and pending operation for an older frame that
/// rested at pause `at` with operation `op`.
fn resume(
    u: &Upgrade,
    old: &SchemaRecord,
    at: Option<usize>,
    op: Option<Value>,
) -> Result<(Value, Value), String> {
    let (Some(p), Some(op)) = (at, op) else {
        return match u.resume {
            None => Ok((Value::from(0u32), Value::from("None"))),
            Some(_) => Err("an unstarted frame can only start from the top".into()),
        };
    };
    let (label, ty) = &old.pauses[p];
    let q = match u.resume {
        Some(q) => q,
        None => u.new.pauses.iter().position(|(l, _)| l == label).ok_or_else(|| {
            format!(
                "the frame rests at `{label}`, which the newer code does not have: choose its pause point with `resume_at` (it has: {})",
                list(u.new.pauses.iter().map(|(l, _)| l))
            )
        })?,
    };
    let (new_label, new_ty) = u.new.pauses[q];
    if new_ty != ty {
        return Err(format!(
            "the frame waits in `{label}` on `{ty}`, but `{new_label}` waits on `{new_ty}`: the pending operation cannot change type"
        ));
    }
    let state = u.new.rests.iter().find(|(_, r)| *r as usize == q);
    let Some(&(state, _)) = state else {
        return Err(format!("the newer code cannot rest at `{new_label}`"));
    };
    let op = Value::Map(vec![(Value::from(format!("P{q}")), op)]);
    Ok((Value::from(state), op))
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
