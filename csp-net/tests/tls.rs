//! Nodes with TLS (`NodeBuilder::tls`): mutually authenticated sessions
//! under the cluster's CA, with the secret handshake inside. The
//! certificates in `tests/tls/` are test fixtures valid until 2126: the
//! cluster's CA with one node certificate (`cluster/`, name `csp-node`),
//! and an unrelated CA with its own node certificate (`other/`).

#[path = "shared/procs.rs"]
mod procs;
#[path = "shared/rt.rs"]
mod rt;

use csp::prelude::*;
use csp_net::{Node, NodeError, Tls, TlsError};
use procs::tally;

const SECRET: &str = "tls secret";

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tls")
        .join(name)
}

/// This cluster's identity: its node certificate and CA.
fn cluster() -> Tls {
    Tls::from_dir(fixture("cluster")).unwrap()
}

async fn node(name: &str, tls: Option<Tls>, secret: &str) -> Node {
    let b = Node::builder().name(name).secret(secret);
    let b = match tls {
        Some(t) => b.tls(t),
        None => b,
    };
    b.start().await.unwrap()
}

#[test]
fn tls_nodes_carry_channels_and_processes() {
    rt::rt().block_on(async {
        let a = node("a", Some(cluster()), SECRET).await;
        let b = node("b", Some(cluster()), SECRET).await;
        let bid = a.connect(b.addr()).await.unwrap();
        assert_eq!(bid, b.id());
        let (tx, rx) = channel::<u64>();
        let (otx, orx) = channel::<u64>();
        let h = a
            .spawn_on(bid, tally(rx, otx))
            .await
            .expect("the peer takes the process");
        for (x, total) in [(1, 1), (2, 3), (3, 6)] {
            tx.send(x).await.unwrap();
            assert_eq!(orx.recv().await, Ok(total));
        }
        // And back: a running process moves over TLS too.
        b.migrate(h.pid(), a.id())
            .await
            .expect("moved back over TLS");
        assert!(a.processes().iter().any(|p| p.pid == h.pid()));
        tx.send(4).await.unwrap();
        assert_eq!(orx.recv().await, Ok(10));
        drop(tx);
        assert_eq!(h.join().await, Ok(10));
    });
}

#[test]
fn a_plain_peer_and_a_tls_node_do_not_connect() {
    rt::rt().block_on(async {
        let secure = node("secure", Some(cluster()), SECRET).await;
        let plain = node("plain", None, SECRET).await;
        match plain.connect(secure.addr()).await {
            Err(NodeError::Tls(m)) => assert!(m.contains("the peer uses TLS"), "{m}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
        match secure.connect(plain.addr()).await {
            Err(NodeError::Tls(m)) => assert!(m.contains("does not use TLS"), "{m}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
        assert!(plain.peers().is_empty() && secure.peers().is_empty());
    });
}

#[test]
fn a_certificate_of_another_cluster_is_refused() {
    rt::rt().block_on(async {
        let a = node("a", Some(cluster()), SECRET).await;
        let other = Tls::from_dir(fixture("other")).unwrap();
        let stranger = node("stranger", Some(other), SECRET).await;
        match stranger.connect(a.addr()).await {
            Err(NodeError::Tls(m)) => assert!(m.contains("certificate"), "{m}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
        assert!(a.peers().is_empty() && stranger.peers().is_empty());
    });
}

#[test]
fn a_certificate_without_the_cluster_name_is_refused() {
    rt::rt().block_on(async {
        let a = node("a", Some(cluster()), SECRET).await;
        let strict = cluster().server_name("other-name").unwrap();
        let b = node("b", Some(strict), SECRET).await;
        match b.connect(a.addr()).await {
            Err(NodeError::Tls(m)) => assert!(m.contains("certificate"), "{m}"),
            other => panic!("expected a TLS error, got {other:?}"),
        }
    });
}

#[test]
fn the_secret_is_still_checked_inside_tls() {
    rt::rt().block_on(async {
        let a = node("a", Some(cluster()), SECRET).await;
        let b = node("b", Some(cluster()), "another secret").await;
        match b.connect(a.addr()).await {
            Err(NodeError::Handshake(_)) => {}
            other => panic!("expected a handshake error, got {other:?}"),
        }
        assert!(a.peers().is_empty() && b.peers().is_empty());
    });
}

#[test]
fn bad_pem_input_is_an_error() {
    let key = std::fs::read(fixture("cluster/node.key")).unwrap();
    let cert = std::fs::read(fixture("cluster/node.pem")).unwrap();
    match Tls::from_pem(b"not pem", &key, &cert) {
        Err(TlsError::Pem { what, why }) => {
            assert_eq!(what, "certificate chain");
            assert!(why.contains("no certificate"), "{why}");
        }
        other => panic!("expected a PEM error, got {other:?}"),
    }
    assert!(matches!(
        Tls::from_pem(&cert, b"", &cert),
        Err(TlsError::Pem {
            what: "private key",
            ..
        })
    ));
    // A key that is not the certificate's.
    let other_key = std::fs::read(fixture("other/node.key")).unwrap();
    assert!(Tls::from_pem(&cert, &other_key, &cert).is_err());
    assert!(matches!(
        cluster().server_name("not a name!"),
        Err(TlsError::Config(m)) if m.contains("`not a name!`")
    ));
    match Tls::from_dir(fixture("missing")) {
        Err(TlsError::Io { path, .. }) => assert!(path.ends_with("missing/node.pem"), "{path}"),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}
