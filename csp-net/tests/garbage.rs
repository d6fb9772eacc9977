//! A peer that sends garbage: before the handshake (not a csp-net node at
//! all), and after it (an authenticated peer whose frames are not
//! messages, or are too large). Each time the node closes that connection
//! and goes on serving everyone else; it never panics or hangs.

#[path = "shared/rogue.rs"]
mod rogue;
#[path = "shared/rt.rs"]
mod rt;

use csp_net::wire::{encode_frame, encode_msg};
use csp_net::{Node, NodeId};
use rogue::closed_by_peer;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const SECRET: &[u8] = b"garbage secret";

async fn node() -> Node {
    Node::builder()
        .name("target")
        .secret(SECRET)
        .start()
        .await
        .unwrap()
}

/// Runs the real handshake by hand, as a peer that knows the secret.
async fn authenticate(addr: std::net::SocketAddr) -> TcpStream {
    rogue::authenticate(addr, SECRET, NodeId::random()).await.0
}

/// The node still authenticates an honest peer and lists it.
async fn still_serves(target: &Node) {
    let honest = Node::builder()
        .name("honest")
        .secret(SECRET)
        .start()
        .await
        .unwrap();
    assert_eq!(honest.connect(target.addr()).await.unwrap(), target.id());
}

#[test]
fn random_bytes_before_the_handshake_close_the_connection() {
    rt::rt().block_on(async {
        let target = node().await;
        for seed in 0..20u64 {
            let mut s = TcpStream::connect(target.addr()).await.unwrap();
            let mut rng = fastrand::Rng::with_seed(seed);
            let junk: Vec<u8> = (0..rng.usize(1..20_000)).map(|_| rng.u8(..)).collect();
            let _ = s.write_all(&junk).await;
            assert!(closed_by_peer(&mut s).await, "seed {seed}: not closed");
        }
        assert!(target.peers().is_empty());
        still_serves(&target).await;
    });
}

#[test]
fn an_authenticated_peer_sending_non_messages_is_dropped() {
    rt::rt().block_on(async {
        let target = node().await;
        let cases: Vec<Vec<u8>> = vec![
            // A frame whose payload is not MessagePack of any message.
            {
                let mut f = Vec::new();
                encode_frame(&[0xc1, 0xff, 0x00], &mut f).unwrap();
                f
            },
            // A message of an unknown variant.
            {
                let mut f = Vec::new();
                encode_msg(&("NoSuchMessage", 1u32), &mut f).unwrap();
                f
            },
            // A header announcing a frame far over the limit.
            u32::MAX.to_be_bytes().to_vec(),
            // A well-formed message for a move nobody started.
            {
                let mut f = Vec::new();
                encode_msg(&csp_net::proto::Msg::Commit { token: 77 }, &mut f).unwrap();
                f
            },
        ];
        for (i, bytes) in cases.into_iter().enumerate() {
            let mut s = authenticate(target.addr()).await;
            s.write_all(&bytes).await.unwrap();
            assert!(closed_by_peer(&mut s).await, "case {i}: not closed");
        }
        still_serves(&target).await;
    });
}
