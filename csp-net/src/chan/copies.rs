//! The pins of a rendezvous value's copy in flight.
//!
//! A rendezvous value travels as a copy while its original waits with its
//! sender (see `proto`). Encoding the copy exports every channel end inside
//! it under a fresh pin, which the importer releases once its own count is
//! in place. A copy that is refused may never have been imported (it
//! reached a proxy that had retired, its node was lost, or it was dropped
//! undecoded), so the node that made it keeps the pins it took and
//! releases them when the answer is "not taken". Releasing a pin twice
//! counts once, so a copy that was imported and then dropped costs
//! nothing extra.

use std::cell::RefCell;

thread_local! {
    /// Pins taken by exports while a copy is encoded (see [`recording`]).
    static RECORD: RefCell<Option<Vec<u64>>> = const { RefCell::new(None) };
    /// Pins to release when the outermost session ends, outside every lock
    /// (releasing takes the table lock and the home's lock).
    static UNPIN: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f`, which encodes a copy, and returns the pins its exports took.
pub(super) fn recording<R>(f: impl FnOnce() -> R) -> (R, Vec<u64>) {
    let outer = RECORD.with(|r| r.borrow_mut().replace(Vec::new()));
    let got = f();
    let pins = RECORD.with(|r| std::mem::replace(&mut *r.borrow_mut(), outer));
    (got, pins.unwrap_or_default())
}

/// Notes a pin an export just took, if a copy is being recorded.
pub(super) fn took(pin: u64) {
    RECORD.with(|r| {
        if let Some(v) = r.borrow_mut().as_mut() {
            v.push(pin);
        }
    });
}

/// The copy that took `pins` was refused: release them once the session
/// ends.
pub(super) fn refused(pins: Vec<u64>) {
    if !pins.is_empty() {
        UNPIN.with(|u| u.borrow_mut().extend(pins));
    }
}

/// The pins refused copies left, to release now.
pub(super) fn take_refused() -> Vec<u64> {
    UNPIN.with(|u| std::mem::take(&mut *u.borrow_mut()))
}
