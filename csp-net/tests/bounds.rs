//! Per-peer memory bounds: an authenticated peer that stops reading, or
//! that prepares moves it never commits, cannot make a node hold memory
//! without end (`Limits::send_queue`, `Limits::held_moves`), and strangers
//! that connect and never authenticate cannot hold more than
//! `Limits::pending_handshakes` connections.

#[path = "shared/rogue.rs"]
mod rogue;
#[path = "shared/rt.rs"]
mod rt;

use std::time::Duration;

use csp::migrate::Frozen;
use csp::prelude::*;
use csp_net::proto::Msg;
use csp_net::wire::{decode_msg, encode_msg, FrameDecoder};
use csp_net::{Limits, Node, NodeId};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &[u8] = b"bounds secret";

/// Carries `data` in its frame, so its frozen form is as large as `data`.
#[process]
async fn ballast(data: Vec<u8>) -> u64 {
    data.len() as u64
}

/// A node whose only way to drop a peer in these tests is a bound: the
/// peer and move timeouts are far longer than the tests' guard times.
async fn node(limits: Limits) -> Node {
    Node::builder()
        .name("target")
        .secret(SECRET)
        .limits(Limits {
            peer_timeout: Duration::from_secs(120),
            move_timeout: Duration::from_secs(120),
            ..limits
        })
        .start()
        .await
        .unwrap()
}

#[test]
fn a_peer_that_stops_reading_is_cut_off() {
    rt::rt().block_on(async {
        let target = node(Limits {
            max_frame: 2 << 20,
            send_queue: 4 << 20,
            ..Limits::default()
        })
        .await;
        let me = NodeId::random();
        let (mut s, _) = rogue::authenticate(target.addr(), SECRET, me).await;
        assert!(target.peers().iter().any(|(id, _)| *id == me));
        // 48 moves of 1 MiB each, never read: far more than the socket
        // buffers hold, so the node's queue for the peer passes 4 MiB.
        let mut spawns = tokio::task::JoinSet::new();
        for _ in 0..48 {
            let target = target.clone();
            spawns.spawn(async move {
                match target.spawn_on(me, ballast(vec![1u8; 1 << 20])).await {
                    Ok(_) => panic!("a move to a peer that never answers succeeded"),
                    // The process came back whole, and still runs here.
                    Err(e) => csp::spawn(e.process).join().await.unwrap(),
                }
            });
        }
        let all = async {
            let mut back = Vec::new();
            while let Some(r) = spawns.join_next().await {
                back.push(r.unwrap());
            }
            back
        };
        let back = tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("the moves neither completed nor failed: the queue grew without bound");
        assert_eq!(back, vec![1 << 20; 48]);
        assert!(closed_by_peer(&mut s).await, "the node kept the connection");
    });
}

use rogue::closed_by_peer;

/// Sends `msg` to the node.
async fn send(s: &mut TcpStream, msg: &Msg) {
    let mut out = Vec::new();
    encode_msg(msg, &mut out).unwrap();
    s.write_all(&out).await.unwrap();
}

/// The node's next answer to a move (heartbeats skipped).
async fn answer(s: &mut TcpStream, dec: &mut FrameDecoder) -> Msg {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        while let Some(f) = dec.next_frame().unwrap() {
            match decode_msg::<Msg>(&f).unwrap() {
                Msg::Sync { .. } => {}
                m => return m,
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(30), s.read(&mut buf))
            .await
            .expect("no answer from the node")
            .unwrap();
        assert!(n > 0, "the node closed the connection");
        dec.push(&buf[..n]);
    }
}

#[test]
fn uncommitted_moves_past_the_limit_are_refused() {
    rt::rt().block_on(async {
        let mut p = ballast(vec![9u8; 100_000]);
        let frozen = Frozen::freeze(&mut p).unwrap().to_bytes();
        let n = frozen.len();
        // Room for three held moves, not four.
        let target = node(Limits {
            max_frame: n + 4096,
            held_moves: 3 * n + n / 2,
            ..Limits::default()
        })
        .await;
        let me = NodeId::random();
        let (mut s, mut dec) = rogue::authenticate(target.addr(), SECRET, me).await;
        let prepare = |token: u64| Msg::Prepare {
            token,
            pid: 1000 + token,
            origin: me.0,
            moves: 0,
            frozen: frozen.clone().into(),
            fresh: true,
        };
        for token in 0..3 {
            send(&mut s, &prepare(token)).await;
            match answer(&mut s, &mut dec).await {
                Msg::Prepared { token: t } => assert_eq!(t, token),
                m => panic!("move {token}: expected Prepared, got {m:?}"),
            }
        }
        send(&mut s, &prepare(3)).await;
        match answer(&mut s, &mut dec).await {
            Msg::Refused { token: 3, reason } => {
                assert!(reason.contains("limit"), "reason: {reason}")
            }
            m => panic!("the fourth held move: expected Refused, got {m:?}"),
        }
        // An aborted move frees its room.
        send(&mut s, &Msg::Abort { token: 0 }).await;
        send(&mut s, &prepare(4)).await;
        match answer(&mut s, &mut dec).await {
            Msg::Prepared { token: 4 } => {}
            m => panic!("after an abort: expected Prepared, got {m:?}"),
        }
        // Nothing held runs until committed, and the peer is still served.
        assert!(target.processes().is_empty());
        assert!(target.peers().iter().any(|(id, _)| *id == me));
    });
}

#[test]
fn limits_that_contradict_each_other_are_refused_at_start() {
    rt::rt().block_on(async {
        let start = |limits: Limits| async move {
            match Node::builder().secret(SECRET).limits(limits).start().await {
                Err(csp_net::NodeError::Limits(m)) => m,
                Err(e) => panic!("expected a limits error, got {e}"),
                Ok(_) => panic!("contradictory limits were accepted"),
            }
        };
        let m = start(Limits {
            send_queue: 1 << 20,
            ..Limits::default()
        })
        .await;
        assert!(
            m.contains("`send_queue`") && m.contains("`max_frame`"),
            "{m}"
        );
        let m = start(Limits {
            held_moves: 0,
            ..Limits::default()
        })
        .await;
        assert!(m.contains("`held_moves`"), "{m}");
        let m = start(Limits {
            heartbeat: Duration::from_secs(3),
            ..Limits::default()
        })
        .await;
        assert!(
            m.contains("`heartbeat`") && m.contains("`peer_timeout`"),
            "{m}"
        );
        let m = start(Limits {
            move_timeout: Duration::ZERO,
            ..Limits::default()
        })
        .await;
        assert!(m.contains("`move_timeout` must not be zero"), "{m}");
        let m = start(Limits {
            pending_handshakes: 0,
            ..Limits::default()
        })
        .await;
        assert!(m.contains("`pending_handshakes` must not be zero"), "{m}");
        // The defaults are consistent.
        assert_eq!(Limits::default().check(), Ok(()));
    });
}

#[test]
fn connections_that_never_authenticate_are_bounded() {
    rt::rt().block_on(async {
        let target = node(Limits {
            pending_handshakes: 2,
            handshake_timeout: Duration::from_secs(120),
            ..Limits::default()
        })
        .await;
        // Two strangers connect and say nothing: each is sent the node's
        // hello, and holds one of the two places.
        let mut idle = Vec::new();
        for _ in 0..2 {
            let mut s = TcpStream::connect(target.addr()).await.unwrap();
            let mut b = [0u8; 1];
            assert_eq!(s.read(&mut b).await.unwrap(), 1, "no hello");
            idle.push(s);
        }
        // A third is closed at once, without a hello.
        let mut s = TcpStream::connect(target.addr()).await.unwrap();
        let mut b = [0u8; 64];
        match s.read(&mut b).await {
            Ok(0) | Err(_) => {}
            Ok(n) => panic!("a connection past the bound got {n} bytes"),
        }
        // A real peer is turned away too while they hold on...
        let other = Node::builder().secret(SECRET).start().await.unwrap();
        assert!(other.connect(target.addr()).await.is_err());
        // ...and gets in once they go (as soon as the node has seen them
        // close: each attempt before that is refused at once).
        drop(idle);
        let mut joined = false;
        for _ in 0..10_000 {
            if other.connect(target.addr()).await.is_ok() {
                joined = true;
                break;
            }
        }
        assert!(joined, "the places of closed connections were not freed");
        assert!(other.peers().iter().any(|(id, _)| *id == target.id()));
    });
}
