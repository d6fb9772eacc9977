//! Declared upgrades: a frame frozen by version 1 of `Tally` resumes under
//! version 2 code whose frame layout differs.
//!
//! Every `v2_*` module holds a different version 2 of the same process
//! (all named `Tally`), so each thaws the same version 1 frame its own way;
//! they are thawed by type (`Frozen::thaw::<T>`). Through the registry,
//! which holds all of them under one name, a frame goes to the type whose
//! identity it has.
#![cfg(feature = "migration")]

use std::task::{Context, Poll, Waker};

use csp::migrate::{spawn_process, Frozen, Registry, ThawError, Upgrade, UpgradeError};
use csp::prelude::*;

#[path = "shared/tally.rs"]
mod tally;

use tally::{v1, v2};

/// Steps a frame once with a waker that does nothing: frames here are
/// driven by hand, so each freezes at a known pause point.
fn step<P: Process>(p: &mut P) -> Poll<P::Output> {
    p.step(&mut Context::from_waker(Waker::noop()))
}

/// A version 1 `Tally` that has totalled `xs`, reporting each, and waits
/// in its receive; with the channel ends the test keeps.
fn v1_after(xs: &[u64]) -> (v1::Tally, Sender<u64>, Receiver<u64>) {
    let (tx, rx) = channel();
    let (otx, orx) = channel();
    let mut p = v1::tally(rx, otx);
    assert!(step(&mut p).is_pending());
    for &x in xs {
        tx.try_send(x).unwrap();
        assert!(step(&mut p).is_pending());
        assert_eq!(p.pause_point(), "send");
        orx.try_recv().unwrap();
        assert!(step(&mut p).is_pending());
    }
    assert_eq!(p.pause_point(), "recv");
    (p, tx, orx)
}

/// A version 1 `Tally` that got `x` and waits to report it.
fn v1_sending(x: u64) -> (v1::Tally, Sender<u64>, Receiver<u64>) {
    let (mut p, tx, orx) = v1_after(&[]);
    tx.try_send(x).unwrap();
    assert!(step(&mut p).is_pending());
    assert_eq!(p.pause_point(), "send");
    (p, tx, orx)
}

/// Freezes `p` and returns the frozen copy (which holds its channel ends
/// until the thawed copy has them) and its bytes.
fn freeze(mut p: v1::Tally) -> (Frozen, Vec<u8>) {
    let frozen = Frozen::freeze(&mut p).unwrap();
    drop(p);
    assert_eq!(frozen.identity().version, 1);
    let bytes = frozen.to_bytes();
    (frozen, bytes)
}

/// Thaws version 1 bytes as `T`.
fn thaw_as<T: csp::migrate::Migratable>(bytes: &[u8]) -> Result<T, ThawError> {
    Frozen::from_bytes(bytes).unwrap().thaw::<T>()
}

/// The error thawing version 1 bytes as `T` (which must fail).
fn thaw_error<T: csp::migrate::Migratable>(bytes: &[u8]) -> ThawError {
    match thaw_as::<T>(bytes) {
        Err(e) => e,
        Ok(_) => panic!("thawing succeeded"),
    }
}

fn upgrade_reason<T: csp::migrate::Migratable>(bytes: &[u8]) -> String {
    match thaw_as::<T>(bytes) {
        Err(ThawError::Upgrade {
            from, to, reason, ..
        }) => {
            assert_eq!((from, to), (1, 2));
            reason
        }
        Err(e) => panic!("expected an upgrade error, got {e}"),
        Ok(_) => panic!("an impossible upgrade succeeded"),
    }
}

#[test]
fn a_frame_parked_in_a_receive_resumes_under_the_new_code() {
    csp::run(async {
        let (p, tx, orx) = v1_after(&[1, 2, 3]);
        let (frozen, bytes) = freeze(p);
        let h = spawn_process(thaw_as::<v2::Tally>(&bytes).unwrap());
        drop(frozen);
        tx.send(4).await.unwrap();
        assert_eq!(
            orx.recv().await,
            Ok(10_001),
            "v1's total 6, plus 4, counted once"
        );
        tx.send(5).await.unwrap();
        assert_eq!(orx.recv().await, Ok(15_002));
        drop(tx);
        assert_eq!(h.join().await, Ok(2), "version 2 returns its count");
    });
}

#[test]
fn a_pending_send_is_carried_into_the_new_code() {
    csp::run(async {
        let (p, tx, orx) = v1_sending(7);
        let (frozen, bytes) = freeze(p);
        let h = spawn_process(thaw_as::<v2::Tally>(&bytes).unwrap());
        drop(frozen);
        assert_eq!(orx.recv().await, Ok(7), "the send version 1 was making");
        tx.send(1).await.unwrap();
        assert_eq!(orx.recv().await, Ok(8_001));
        drop(tx);
        assert_eq!(h.join().await, Ok(1));
    });
}

#[test]
fn an_unstarted_frame_starts_as_the_new_code() {
    csp::run(async {
        let (tx, rx) = channel();
        let (otx, orx) = channel();
        let (frozen, _) = freeze(v1::tally(rx, otx));
        // In memory: the schema is the frozen code's own constant.
        let h = spawn_process(frozen.thaw::<v2::Tally>().unwrap());
        tx.send(2).await.unwrap();
        assert_eq!(orx.recv().await, Ok(2_001));
        drop(tx);
        assert_eq!(h.join().await, Ok(1));
    });
}

/// Declares an upgrade that converts nothing.
fn nothing(_: &mut Upgrade) -> Result<(), UpgradeError> {
    Ok(())
}

/// Version 2 with `total` widened, but an upgrade that leaves it alone.
mod v2_unconverted {
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = super::nothing)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
        let mut total: u128 = 0;
        while let Ok(x) = input.recv().await {
            total += u128::from(x);
            if output.send(total as u64).await.is_err() {
                break;
            }
        }
        total as u64
    }
}

#[test]
fn a_local_whose_type_changed_must_be_converted() {
    csp::run(async {
        let (p, _tx, _orx) = v1_after(&[1]);
        let (_frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_unconverted::Tally>(&bytes);
        assert!(
            r.contains("local `total` was `u64` in version 1 and is `u128` now"),
            "{r}"
        );
    });
}

/// Version 2 that keeps only a count and forgets to take the old total.
mod v2_forgetful {
    use csp::migrate::{Upgrade, UpgradeError};
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = count_only)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
        let mut count: u64 = 0;
        while let Ok(_x) = input.recv().await {
            count += 1;
            if output.send(count).await.is_err() {
                break;
            }
        }
        count
    }

    fn count_only(old: &mut Upgrade) -> Result<(), UpgradeError> {
        old.set("count", 0u64)
    }
}

#[test]
fn an_old_value_is_never_dropped_silently() {
    csp::run(async {
        let (p, _tx, _orx) = v1_after(&[1]);
        let (_frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_forgetful::Tally>(&bytes);
        assert!(r.contains("version 1 locals `total` have no place"), "{r}");
    });
}

/// Version 2 with a new local that the upgrade does not set.
mod v2_unset {
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = super::nothing)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
        let mut total: u64 = 0;
        let mut count: u64 = 0;
        while let Ok(x) = input.recv().await {
            total += x;
            count += 1;
            if output.send(total + count).await.is_err() {
                break;
            }
        }
        count
    }
}

#[test]
fn a_local_the_new_code_needs_must_be_set() {
    csp::run(async {
        let (p, _tx, _orx) = v1_after(&[1]);
        let (_frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_unset::Tally>(&bytes);
        assert!(r.contains("missing local `count`"), "{r}");
    });
}

/// Version 2 that reports on a parameter renamed `report`.
mod v2_renamed {
    use csp::migrate::{Upgrade, UpgradeError};
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = renamed)]
    pub async fn tally(input: Receiver<u64>, report: Sender<u64>) -> u64 {
        let mut total: u64 = 0;
        while let Ok(x) = input.recv().await {
            total += 2 * x;
            if report.send(total).await.is_err() {
                break;
            }
        }
        total
    }

    fn renamed(old: &mut Upgrade) -> Result<(), UpgradeError> {
        old.rename("output", "report")?;
        if old.at() == Some("output.send") {
            old.resume_at("report.send")?;
        }
        Ok(())
    }
}

/// The same, without saying where `output.send` went.
mod v2_lost {
    use csp::migrate::{Upgrade, UpgradeError};
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = renamed_only)]
    pub async fn tally(input: Receiver<u64>, report: Sender<u64>) -> u64 {
        let mut total: u64 = 0;
        while let Ok(x) = input.recv().await {
            total += x;
            if report.send(total).await.is_err() {
                break;
            }
        }
        total
    }

    fn renamed_only(old: &mut Upgrade) -> Result<(), UpgradeError> {
        old.rename("output", "report")
    }
}

#[test]
fn a_renamed_channel_end_and_pause_point_are_mapped_by_the_upgrade() {
    csp::run(async {
        let (p, tx, orx) = v1_sending(3);
        let (frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_lost::Tally>(&bytes);
        assert!(
            r.contains("rests at `output.send`, which the newer code does not have")
                && r.contains("resume_at")
                && r.contains("`report.send`"),
            "{r}"
        );
        let h = spawn_process(thaw_as::<v2_renamed::Tally>(&bytes).unwrap());
        drop(frozen);
        assert_eq!(
            orx.recv().await,
            Ok(3),
            "version 1's pending report, on the renamed end"
        );
        tx.send(1).await.unwrap();
        assert_eq!(orx.recv().await, Ok(5), "3, plus 2 * 1");
        drop(tx);
        assert_eq!(h.join().await, Ok(5));
    });
}

/// Version 2 whose reports are `u32`: the pending send cannot be carried.
mod v2_narrow {
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = super::nothing)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u32>) -> u64 {
        let mut total: u64 = 0;
        while let Ok(x) = input.recv().await {
            total += x;
            if output.send(total as u32).await.is_err() {
                break;
            }
        }
        total
    }
}

#[test]
fn a_pending_operation_cannot_change_type() {
    csp::run(async {
        let (p, _tx, _orx) = v1_sending(7);
        let (_frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_narrow::Tally>(&bytes);
        assert!(
            r.contains("waits in `output.send`") && r.contains("cannot change type"),
            "{r}"
        );
    });
}

/// Version 2 whose upgrade refuses.
mod v2_refusing {
    use csp::migrate::{Upgrade, UpgradeError};
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = refuse)]
    pub async fn tally(input: Receiver<u64>) -> u64 {
        input.recv().await.unwrap_or(0)
    }

    fn refuse(old: &mut Upgrade) -> Result<(), UpgradeError> {
        Err(UpgradeError::new(format!(
            "version {} frames are not wanted",
            old.from_version()
        )))
    }
}

#[test]
fn the_upgrade_function_can_refuse() {
    csp::run(async {
        let (p, _tx, _orx) = v1_after(&[1]);
        let (_frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_refusing::Tally>(&bytes);
        assert!(
            r.contains("refused: version 1 frames are not wanted"),
            "{r}"
        );
        // The error says which process and versions.
        let e = thaw_error::<v2_refusing::Tally>(&bytes).to_string();
        assert!(
            e.starts_with("upgrading `Tally` from version 1 to 2 failed"),
            "{e}"
        );
    });
}

#[test]
fn without_an_upgrade_a_newer_layout_is_a_version_mismatch() {
    mod v2_plain {
        use csp::prelude::*;
        #[process(name = Tally, version = 2)]
        pub async fn tally(input: Receiver<u128>) -> u128 {
            input.recv().await.unwrap_or(0)
        }
    }
    csp::run(async {
        let (p, _tx, _orx) = v1_after(&[1]);
        let (_frozen, bytes) = freeze(p);
        let e = thaw_error::<v2_plain::Tally>(&bytes).to_string();
        assert!(
            e.contains("version mismatch") && e.contains("upgrade = function"),
            "{e}"
        );
    });
}

#[test]
fn the_schema_names_locals_and_pause_points() {
    use csp::migrate::Migratable;
    let s = <v1::Tally as Migratable>::SCHEMA;
    let fields: Vec<&str> = s.fields.iter().map(|f| f.0).collect();
    assert_eq!(fields, ["input", "output", "total"]);
    let labels: Vec<&str> = s.pauses.iter().map(|p| p.0).collect();
    assert_eq!(labels, ["input.recv", "output.send"]);
    assert_eq!(s.rests.len(), 2, "one resting state per pause point");
    // What every frozen Tally carries for it (see benches/PROCESS_RESULTS.md).
    let bytes = rmp_serde::to_vec(&csp::migrate::SchemaRecord::of(s)).unwrap();
    assert!(bytes.len() < 300, "{} bytes of schema", bytes.len());
}

#[test]
fn the_registry_thaws_a_frame_as_the_version_that_froze_it() {
    csp::run(async {
        let (p, tx, orx) = v1_after(&[4]);
        let (frozen, bytes) = freeze(p);
        let back = Registry::global()
            .thaw(Frozen::from_bytes(&bytes).unwrap())
            .expect("version 1 is linked into this program too");
        let h = back.spawn();
        drop(frozen);
        tx.send(1).await.unwrap();
        assert_eq!(orx.recv().await, Ok(5), "version 1 code: 4 + 1");
        drop(tx);
        let out = h.join().await.unwrap();
        assert_eq!(*out.downcast::<u64>().unwrap(), 5);
    });
}

/// Version 2 with a warm-up receive before the loop: two `input.recv`s
/// where version 1 had one.
mod v2_warm_up {
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = super::nothing)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
        let first: u64 = input.recv().await.unwrap_or(0);
        let mut total: u64 = first;
        while let Ok(x) = input.recv().await {
            total += x;
            if output.send(total).await.is_err() {
                break;
            }
        }
        total
    }
}

/// The same, resuming version 1 frames in the warm-up receive, where
/// `total` does not exist yet.
mod v2_warm_up_misplaced {
    use csp::migrate::{Upgrade, UpgradeError};
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = into_warm_up)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
        let first: u64 = input.recv().await.unwrap_or(0);
        let mut total: u64 = first;
        while let Ok(x) = input.recv().await {
            total += x;
            if output.send(total).await.is_err() {
                break;
            }
        }
        total
    }

    fn into_warm_up(old: &mut Upgrade) -> Result<(), UpgradeError> {
        if old.at() == Some("input.recv") {
            old.resume_at("input.recv")?;
        }
        Ok(())
    }
}

#[test]
fn numbered_labels_that_no_longer_match_need_resume_at() {
    csp::run(async {
        let (p, _tx, _orx) = v1_after(&[6]);
        let (_frozen, bytes) = freeze(p);
        let r = upgrade_reason::<v2_warm_up::Tally>(&bytes);
        assert!(
            r.contains(
                "version 1 has 1 pause points labelled `input.recv` where the newer code has 2"
            ) && r.contains("resume_at"),
            "{r}"
        );
        // Told to resume in the warm-up receive, where `total` is not
        // kept: its value would be lost, so the upgrade is refused.
        let r = upgrade_reason::<v2_warm_up_misplaced::Tally>(&bytes);
        assert!(
            r.contains("local `total` holds no value at `input.recv` in the newer code"),
            "{r}"
        );
    });
}

#[test]
fn a_generated_frame_gives_its_fingerprint_as_its_layout() {
    use csp::migrate::Migratable;
    assert_eq!(
        <v1::Tally as Process>::LAYOUT,
        <v1::Tally as Migratable>::FINGERPRINT
    );
}
