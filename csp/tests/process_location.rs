//! `Process::pause_location`: a frame says which source line it waits at,
//! so `cspctl ps` can show `in recv` at `src/worker.rs:42`. Each process below
//! writes `line!()` on the line of its pause and hands that number out
//! (as its result, or as the value it sends), so the expected line comes
//! from the compiler and cannot drift from the code. Frames are stepped by
//! hand with a no-op waker, so every test is deterministic.

use std::task::{Context, Poll, Waker};

use csp::prelude::*;

/// Steps a frame once with a waker that does nothing.
fn step<P: Process>(p: &mut P) -> Poll<P::Output> {
    p.step(&mut Context::from_waker(Waker::noop()))
}

/// Waits in one receive; if the channel closes, returns that line.
#[process]
async fn parks_in_recv(input: Receiver<u32>) -> u32 {
    let got: u32 = input.recv().await.unwrap_or(line!());
    got
}

/// Sends the line it waits on.
#[process]
async fn parks_in_send(out: Sender<u32>) -> bool {
    let sent: Result<(), SendError<u32>> = out.send(line!()).await;
    sent.is_ok()
}

/// Waits in a nested call, whose receive is where it really waits.
#[process]
async fn calls_a_child(input: Receiver<u32>) -> u32 {
    let got: u32 = parks_in_recv(input).await;
    got
}

/// Waits in a one-branch `par!` that sends the line it is written on.
#[process]
async fn parks_in_par(out: Sender<u32>) -> bool {
    let (sent,): (Result<(), SendError<u32>>,) = par!(out.send(line!()));
    sent.is_ok()
}

/// Waits in an `alt!`; if its channel closes, returns the `alt!`'s line.
#[process]
async fn parks_in_alt(input: Receiver<u32>) -> u32 {
    let got: u32 = alt! { r = input.recv() => r.unwrap_or(line!()), };
    got
}

#[test]
fn an_unstarted_frame_has_no_location() {
    let (_tx, rx) = channel::<u32>();
    let p = parks_in_recv(rx);
    assert_eq!(p.pause_point(), "start");
    assert_eq!(p.pause_location(), None);
}

/// Runs the frame `make` builds to its first pause, which must be `point`;
/// closes its input, and checks the location against the line the frame
/// then returns (its `line!()` on the line of that pause).
fn waits_until_closed<P: Process<Output = u32>>(
    make: impl FnOnce(Receiver<u32>) -> P,
    point: &str,
) {
    let (tx, rx) = channel::<u32>();
    let mut p = make(rx);
    assert!(step(&mut p).is_pending());
    assert_eq!(p.pause_point(), point);
    let at = p.pause_location();
    drop(tx);
    let Poll::Ready(line) = step(&mut p) else {
        panic!("the closed channel ends the process")
    };
    // `file!()` here names this file as the generated code's `file!()`
    // does: the file the `#[process]` item is written in.
    assert_eq!(at, Some((file!(), line)));
}

/// Runs the frame `make` builds to its first pause, which must be `point`
/// and a send of the line it is written on; takes that value and checks
/// the location against it.
fn waits_until_taken<P: Process<Output = bool>>(make: impl FnOnce(Sender<u32>) -> P, point: &str) {
    let (tx, rx) = channel::<u32>();
    let mut p = make(tx);
    assert!(step(&mut p).is_pending());
    assert_eq!(p.pause_point(), point);
    let at = p.pause_location();
    let line = rx.try_recv().expect("the parked send hands over its value");
    assert_eq!(at, Some((file!(), line)));
    assert_eq!(step(&mut p), Poll::Ready(true));
}

#[test]
fn a_frame_parked_in_recv_reports_the_line_of_its_await() {
    waits_until_closed(parks_in_recv, "recv");
    assert!(file!().ends_with("process_location.rs"), "{}", file!());
}

#[test]
fn a_frame_parked_in_send_reports_the_line_of_its_await() {
    waits_until_taken(parks_in_send, "send");
}

#[test]
fn a_nested_call_reports_where_its_callee_waits() {
    // The callee's kind and line, not the line of the call.
    waits_until_closed(calls_a_child, "recv");
}

#[test]
fn a_par_reports_its_own_line() {
    waits_until_taken(parks_in_par, "par");
}

#[test]
fn an_alt_reports_its_own_line() {
    waits_until_closed(parks_in_alt, "alt");
}

/// A hand-written process: waits once, then returns the number it was
/// made with. It keeps the trait's default `pause_location`: it has no
/// source line to give.
#[cfg_attr(feature = "migration", derive(serde::Serialize, serde::Deserialize))]
struct Manual {
    waited: bool,
    give: u32,
}

impl Process for Manual {
    type Output = u32;
    const NAME: &'static str = "Manual";
    const VERSION: u32 = 1;
    fn step(&mut self, _: &mut Context<'_>) -> Poll<u32> {
        if std::mem::replace(&mut self.waited, true) {
            Poll::Ready(self.give)
        } else {
            Poll::Pending
        }
    }
}

impl std::future::Future for Manual {
    type Output = u32;
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        Process::step(self.get_mut(), cx)
    }
}

fn manual(give: u32) -> Manual {
    Manual {
        waited: false,
        give,
    }
}

/// Calls the hand-written process, which returns the line of the call.
#[process]
async fn calls_manual() -> u32 {
    let line: u32 = manual(line!()).await;
    line
}

#[test]
fn a_call_to_a_callee_without_a_location_reports_the_call() {
    let mut p = calls_manual();
    assert!(step(&mut p).is_pending());
    assert_eq!(p.pause_point(), "start", "the callee's own answer");
    let at = p.pause_location();
    let Poll::Ready(line) = step(&mut p) else {
        panic!("the callee is done on its second step")
    };
    assert_eq!(at, Some((file!(), line)));
}
