//! A hand-driven peer for the misbehaving-peer tests: it runs the real
//! handshake with the cluster secret, then sends and reads whatever the
//! test wants, as an authenticated peer that breaks the rules would.

use std::time::Duration;

use csp_net::wire::{decode_msg, encode_msg, FrameDecoder, Handshake, HandshakeMsg, Role};
use csp_net::NodeId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Runs the handshake by hand as a peer named `rogue` with id `me`, and
/// returns once the node lists it as a peer. The decoder holds any bytes
/// that followed and takes frames up to 1 GiB (the tests read what the
/// node sends).
pub(crate) async fn authenticate(
    addr: std::net::SocketAddr,
    secret: &[u8],
    me: NodeId,
) -> (TcpStream, FrameDecoder) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let (mut hs, hello) = Handshake::new(Role::Initiator, secret, me, "rogue").unwrap();
    let mut out = Vec::new();
    encode_msg(&hello, &mut out).unwrap();
    s.write_all(&out).await.unwrap();
    let mut dec = FrameDecoder::new(csp_net::wire::HANDSHAKE_MAX_FRAME);
    let mut buf = [0u8; 4096];
    while !hs.is_done() {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "the node closed during the handshake");
        dec.push(&buf[..n]);
        while !hs.is_done() {
            let Some(f) = dec.next_frame().unwrap() else {
                break;
            };
            let step = hs.on_msg(decode_msg::<HandshakeMsg>(&f).unwrap()).unwrap();
            if let Some(m) = step.send {
                let mut out = Vec::new();
                encode_msg(&m, &mut out).unwrap();
                s.write_all(&out).await.unwrap();
            }
        }
    }
    dec.set_max_frame(1 << 30);
    // The handshake is done on this side before the node has registered
    // the connection; its answer to a `Sync` means it has.
    let token = 0x5e7;
    let mut out = Vec::new();
    encode_msg(&csp_net::proto::Msg::Sync { token }, &mut out).unwrap();
    s.write_all(&out).await.unwrap();
    loop {
        while let Some(f) = dec.next_frame().unwrap() {
            if let Ok(csp_net::proto::Msg::SyncAck { token: t }) = decode_msg(&f) {
                if t == token {
                    return (s, dec);
                }
            }
        }
        let mut buf = [0u8; 4096];
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "the node closed the connection after the handshake");
        dec.push(&buf[..n]);
    }
}

/// Reads until the node closes the connection; true if it did within the
/// guard time (30 s, far beyond any bound under test).
pub(crate) async fn closed_by_peer(s: &mut TcpStream) -> bool {
    let mut buf = vec![0u8; 64 * 1024];
    let read_all = async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), read_all)
        .await
        .is_ok()
}
