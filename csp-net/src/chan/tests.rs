//! Remote channels between nodes that exchange messages in memory: the
//! protocol without sockets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use csp::migrate::link::with_codec;
use csp::{Receiver, Sender};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::mpsc;

use super::{Channels, Net};
use crate::proto::Msg;

/// One node's inbox: messages with the sender's id.
type Inbox = mpsc::UnboundedSender<(u64, Msg)>;

/// Nodes connected by in-memory queues, in order per pair like TCP.
struct MemNet {
    me: u64,
    peers: Mutex<Vec<(u64, Inbox)>>,
    /// Messages of this kind are held back (see [`MemNet::hold`]).
    holding: Mutex<Option<&'static str>>,
    held: Mutex<Vec<(u64, Msg)>>,
    /// Messages this node has handled, by kind.
    handled: Mutex<HashMap<&'static str, usize>>,
    /// Protocol errors this node's handler returned (the connection
    /// would have closed).
    errors: Mutex<Vec<String>>,
}

impl MemNet {
    /// Holds back this node's outgoing messages of `kind` until
    /// [`MemNet::release`], so a test can make a race happen.
    fn hold(&self, kind: &'static str) {
        *self.holding.lock().unwrap() = Some(kind);
    }

    fn held(&self) -> usize {
        self.held.lock().unwrap().len()
    }

    /// Stops holding and sends what was held, in order.
    fn release(&self) {
        *self.holding.lock().unwrap() = None;
        let held = std::mem::take(&mut *self.held.lock().unwrap());
        for (node, msg) in held {
            self.send(node, msg);
        }
    }

    fn handled(&self, kind: &str) -> usize {
        self.handled.lock().unwrap().get(kind).copied().unwrap_or(0)
    }
}

impl Net for MemNet {
    fn me(&self) -> u64 {
        self.me
    }
    fn send(&self, node: u64, msg: Msg) {
        if *self.holding.lock().unwrap() == Some(msg.kind()) {
            self.held.lock().unwrap().push((node, msg));
            return;
        }
        // The wire form is what travels: encode and decode every message.
        let mut b = Vec::new();
        crate::wire::encode_msg(&msg, &mut b).expect("encodes");
        let msg: Msg = crate::wire::decode_msg(&b[crate::wire::HEADER_LEN..]).expect("decodes");
        for (n, tx) in self.peers.lock().unwrap().iter() {
            if *n == node {
                let _ = tx.send((self.me, msg));
                return;
            }
        }
    }
}

/// `n` nodes, fully connected; each runs a task that applies its inbox.
fn cluster(n: u64) -> Vec<Arc<Channels>> {
    cluster_nets(n).0
}

/// [`cluster`], with each node's network.
fn cluster_nets(n: u64) -> (Vec<Arc<Channels>>, Vec<Arc<MemNet>>) {
    let nets: Vec<Arc<MemNet>> = (1..=n)
        .map(|me| {
            Arc::new(MemNet {
                me,
                peers: Mutex::new(Vec::new()),
                holding: Mutex::new(None),
                held: Mutex::new(Vec::new()),
                handled: Mutex::new(HashMap::new()),
                errors: Mutex::new(Vec::new()),
            })
        })
        .collect();
    let chans: Vec<Arc<Channels>> = nets
        .iter()
        .map(|n| Channels::new(n.clone() as Arc<dyn Net>))
        .collect();
    for (i, c) in chans.iter().enumerate() {
        let (tx, mut rx) = mpsc::unbounded_channel::<(u64, Msg)>();
        for n in &nets {
            n.peers.lock().unwrap().push((i as u64 + 1, tx.clone()));
        }
        let c: Weak<Channels> = Arc::downgrade(c);
        let net = nets[i].clone();
        tokio::spawn(async move {
            while let Some((from, msg)) = rx.recv().await {
                let Some(c) = c.upgrade() else { return };
                let kind = msg.kind();
                // A protocol error would close the connection; here it is
                // recorded (tests that expect none check `errors`).
                if let Err(e) = c.on_msg(from, msg) {
                    eprintln!("node {}: protocol error from {from}: {e}", net.me);
                    net.errors.lock().unwrap().push(format!("from {from}: {e}"));
                    continue;
                }
                *net.handled.lock().unwrap().entry(kind).or_default() += 1;
            }
        });
    }
    (chans, nets)
}

/// Yields until `f` holds (a bounded number of times, so that a protocol
/// that never gets there fails instead of hanging).
async fn until(mut f: impl FnMut() -> bool) {
    for _ in 0..1_000_000 {
        if f() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the awaited protocol step never happened");
}

/// Moves a value holding channel ends from node `a` to node `b`.
fn carry<T: Serialize + DeserializeOwned>(v: T, a: &Channels, b: &Channels) -> T {
    let bytes = with_codec(a.codec(), || rmp_serde::to_vec_named(&v)).expect("exports");
    drop(v);
    with_codec(b.codec(), || rmp_serde::from_slice(&bytes)).expect("imports")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn values_flow_to_a_remote_receiver_in_order() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::channel::<u32>();
        let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[1]);
        let got = tokio::spawn(async move {
            let mut v = Vec::new();
            while let Ok(x) = rx.recv().await {
                v.push(x);
            }
            v
        });
        for i in 0..200 {
            tx.send(i).await.unwrap();
        }
        drop(tx);
        assert_eq!(got.await.unwrap(), (0..200).collect::<Vec<_>>());
    });
}

#[test]
fn values_flow_from_a_remote_sender_and_close_propagates() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::buffered::<u64>(4);
        let tx: Sender<u64> = carry(tx, &nodes[0], &nodes[1]);
        let prod = tokio::spawn(async move {
            for i in 0..500 {
                tx.send(i).await.unwrap();
            }
        });
        let mut got = Vec::new();
        while let Ok(x) = rx.recv().await {
            got.push(x);
        }
        prod.await.unwrap();
        assert_eq!(got, (0..500).collect::<Vec<_>>());
    });
}

#[test]
fn remote_rendezvous_send_waits_for_the_receiver() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::channel::<u32>();
        let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
        let sent = Arc::new(OnceLock::new());
        let s2 = sent.clone();
        let h = tokio::spawn(async move {
            tx.send(7).await.unwrap();
            s2.set(()).unwrap();
            tx
        });
        // No receiver is waiting: the home grants nothing, so the remote
        // send cannot complete, however long it is given.
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        assert!(
            sent.get().is_none(),
            "rendezvous send completed without a receiver"
        );
        assert_eq!(rx.recv().await, Ok(7));
        let _tx = h.await.unwrap();
        assert!(sent.get().is_some());
    });
}

#[test]
fn receiver_close_reaches_a_remote_sender() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::channel::<u32>();
        let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
        rx.close();
        assert_eq!(tx.send(1).await, Err(csp::SendError(1)));
    });
}

#[test]
fn a_lost_home_closes_the_remote_ends() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::channel::<u32>();
        let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
        // Node 2 learns that node 1 (the home) is gone: its send fails
        // rather than waiting forever.
        nodes[1].node_lost(1);
        assert_eq!(tx.send(5).await, Err(csp::SendError(5)));
        drop(rx);
    });
}

#[test]
fn a_lost_proxy_node_gives_back_its_counts() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::channel::<u32>();
        let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
        // Wait until the home has counted the remote sender.
        while !nodes[0].tables().homes.values().any(|h| {
            let h = h.lock();
            !h.idle() && h.pins == 0
        }) {
            tokio::task::yield_now().await;
        }
        // The only sender lives on node 2; once node 2 is lost the
        // channel closes instead of leaving the receiver waiting.
        nodes[0].node_lost(2);
        assert_eq!(rx.recv().await, Err(csp::RecvError));
        drop(tx);
    });
}

#[test]
fn alt_on_a_remote_receiver_loses_nothing() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::channel::<u32>();
        let (ltx, lrx) = csp::channel::<u32>();
        let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[1]);
        let remote = tokio::spawn(async move {
            for i in 0..300 {
                tx.send(i).await.unwrap();
            }
        });
        let local = tokio::spawn(async move {
            for i in 1000..1300 {
                ltx.send(i).await.unwrap();
            }
        });
        let (mut a, mut b) = (Vec::new(), Vec::new());
        while a.len() + b.len() < 600 {
            // A channel that has closed (its sender finished) is ready with
            // an error: stop listening to it then.
            csp::alt! {
                x = rx.recv(), if a.len() < 300 => a.push(x.unwrap()),
                y = lrx.recv(), if b.len() < 300 => b.push(y.unwrap()),
            }
        }
        remote.await.unwrap();
        local.await.unwrap();
        assert_eq!(a, (0..300).collect::<Vec<_>>());
        assert_eq!(b, (1000..1300).collect::<Vec<_>>());
    });
}

#[test]
fn a_channel_end_sent_over_a_remote_channel_works_there() {
    rt().block_on(async {
        let nodes = cluster(2);
        // A channel of senders, homed on node 1, its receiver on node 2.
        let (stx, srx) = csp::channel::<Sender<String>>();
        let srx: Receiver<Sender<String>> = carry(srx, &nodes[0], &nodes[1]);
        let (tx, rx) = csp::channel::<String>();
        let remote = tokio::spawn(async move {
            let tx = srx.recv().await.unwrap();
            tx.send("hello from node 2".to_string()).await.unwrap();
        });
        stx.send(tx).await.unwrap();
        assert_eq!(rx.recv().await.unwrap(), "hello from node 2");
        remote.await.unwrap();
        // The only sender (carried to node 2) is gone: the channel closes.
        assert_eq!(rx.recv().await, Err(csp::RecvError));
    });
}

#[test]
fn alt_send_arms_on_remote_ends_deliver_exactly_what_they_chose() {
    rt().block_on(async {
        let nodes = cluster(2);
        // Two channels homed on node 1, their senders carried to node 2.
        let (atx, arx) = csp::channel::<u32>();
        let (btx, brx) = csp::channel::<u32>();
        let atx: Sender<u32> = carry(atx, &nodes[0], &nodes[1]);
        let btx: Sender<u32> = carry(btx, &nodes[0], &nodes[1]);
        let chooser = tokio::spawn(async move {
            let (mut a_sent, mut b_sent) = (Vec::new(), Vec::new());
            for i in 0..200u32 {
                csp::alt! {
                    r = atx.send(i) => { r.unwrap(); a_sent.push(i) },
                    r = btx.send(i) => { r.unwrap(); b_sent.push(i) },
                }
            }
            (a_sent, b_sent)
        });
        let (mut a_got, mut b_got) = (Vec::new(), Vec::new());
        while a_got.len() + b_got.len() < 200 {
            csp::alt! {
                Ok(x) = arx.recv() => a_got.push(x),
                Ok(x) = brx.recv() => b_got.push(x),
            }
        }
        let (a_sent, b_sent) = chooser.await.unwrap();
        // An arm that was not chosen delivered nothing; each value went
        // exactly where its arm said.
        assert_eq!(a_got, a_sent);
        assert_eq!(b_got, b_sent);
    });
}

#[test]
fn close_on_a_remote_end_closes_the_channel_for_everyone() {
    rt().block_on(async {
        let nodes = cluster(2);
        let (tx, rx) = csp::buffered::<u32>(4);
        let remote_tx: Sender<u32> = carry(tx.clone(), &nodes[0], &nodes[1]);
        remote_tx.send(1).await.unwrap();
        remote_tx.close();
        // The value sent before the close is still delivered; then the
        // channel is closed here too, for the local sender as well.
        assert_eq!(rx.recv().await, Ok(1));
        assert_eq!(rx.recv().await, Err(csp::RecvError));
        assert_eq!(tx.send(2).await, Err(csp::SendError(2)));
    });
}

/// Which arm of a two-arm alt fired, with its value.
#[derive(Debug, PartialEq, Eq)]
enum Arm {
    Remote(u32),
    Local(u32),
}

/// A rendezvous value on its way to a receiver's `alt!` when the alt takes
/// another arm: refused, the send stays pending, and the value goes to the
/// next receiver, once. `remote_sender`: the value crosses from node 2 to
/// the home (a `Value`, answered with `Answer`); else from the home to
/// node 2 (a `Deliver`, answered with `Took`).
fn refused_by_an_alt_that_went_elsewhere(remote_sender: bool) {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(2);
        let (tx, rx) = csp::channel::<u32>();
        let (tx, rx, net, answer) = if remote_sender {
            nets[1].hold("Value");
            let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
            (tx, rx, &nets[1], "Answer")
        } else {
            nets[0].hold("Deliver");
            let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[1]);
            (tx, rx, &nets[0], "Took")
        };
        let (ltx, lrx) = csp::channel::<u32>();
        let sent = Arc::new(AtomicBool::new(false));
        let s2 = sent.clone();
        let sender = tokio::spawn(async move {
            tx.send(7).await.unwrap();
            s2.store(true, Ordering::SeqCst);
            tx
        });
        let rx = Arc::new(rx);
        let r2 = rx.clone();
        let chooser = tokio::spawn(async move {
            csp::alt! {
                x = r2.recv() => Arm::Remote(x.unwrap()),
                y = lrx.recv() => Arm::Local(y.unwrap()),
            }
        });
        // The alt's waiting drew the value out...
        until(|| net.held() == 1).await;
        // ...and it takes the local arm before the value arrives.
        ltx.send(1).await.unwrap();
        assert_eq!(chooser.await.unwrap(), Arm::Local(1));
        net.release();
        until(|| net.handled(answer) >= 1).await;
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        // Nobody took the value: the rendezvous send has not happened.
        assert!(!sent.load(Ordering::SeqCst), "send completed untaken");
        assert_eq!(rx.recv().await, Ok(7));
        let tx = sender.await.unwrap();
        assert!(sent.load(Ordering::SeqCst));
        // Taken exactly once.
        assert!(matches!(rx.try_recv(), Err(csp::TryRecvError::Empty)));
        drop(tx);
    });
}

#[test]
fn a_remote_send_refused_by_an_alt_that_went_elsewhere_stays_pending() {
    refused_by_an_alt_that_went_elsewhere(true);
}

#[test]
fn a_home_send_refused_by_a_remote_alt_that_went_elsewhere_stays_pending() {
    refused_by_an_alt_that_went_elsewhere(false);
}

#[test]
fn a_home_send_completes_only_once_the_remote_receiver_has_it() {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(2);
        let (tx, rx) = csp::channel::<u32>();
        let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[1]);
        nets[0].hold("Deliver");
        let receiver = tokio::spawn(async move { (rx.recv().await, rx) });
        let sent = Arc::new(AtomicBool::new(false));
        let s2 = sent.clone();
        let sender = tokio::spawn(async move {
            tx.send(9).await.unwrap();
            s2.store(true, Ordering::SeqCst);
            tx
        });
        // The value is out, but not yet at the receiver's node.
        until(|| nets[0].held() == 1).await;
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert!(
            !sent.load(Ordering::SeqCst),
            "send completed before delivery"
        );
        nets[0].release();
        let (got, _rx) = receiver.await.unwrap();
        assert_eq!(got, Ok(9));
        let _tx = sender.await.unwrap();
    });
}

#[test]
fn a_value_out_to_a_lost_node_stays_with_its_sender() {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(2);
        let (tx, rx) = csp::channel::<u32>();
        let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[1]);
        nets[0].hold("Deliver");
        let receiver = tokio::spawn(async move {
            let r = rx.recv().await;
            (r, rx)
        });
        let sender = tokio::spawn(async move { tx.send(5).await });
        until(|| nets[0].held() == 1).await;
        // The receiver's node is declared lost with the value out: the
        // only receiver is gone, so the send fails with its value back.
        nodes[0].node_lost(2);
        assert_eq!(sender.await.unwrap(), Err(csp::SendError(5)));
        receiver.abort();
    });
}

#[test]
fn rendezvous_values_relayed_between_two_remote_nodes_arrive_once_in_order() {
    rt().block_on(async {
        let nodes = cluster(3);
        // Homed on node 1; its sender on node 2, its receiver on node 3.
        let (tx, rx) = csp::channel::<u32>();
        let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
        let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[2]);
        let (ltx, lrx) = csp::channel::<u32>();
        let remote = tokio::spawn(async move {
            for i in 0..200 {
                tx.send(i).await.unwrap();
            }
        });
        let local = tokio::spawn(async move {
            for i in 1000..1200 {
                ltx.send(i).await.unwrap();
            }
        });
        let (mut a, mut b) = (Vec::new(), Vec::new());
        while a.len() + b.len() < 400 {
            csp::alt! {
                x = rx.recv(), if a.len() < 200 => a.push(x.unwrap()),
                y = lrx.recv(), if b.len() < 200 => b.push(y.unwrap()),
            }
        }
        remote.await.unwrap();
        local.await.unwrap();
        assert_eq!(a, (0..200).collect::<Vec<_>>());
        assert_eq!(b, (1000..1200).collect::<Vec<_>>());
    });
}

// ---------------------------------------------------------------------------
// Found by a review of protocol v2
// ---------------------------------------------------------------------------

/// A rendezvous value holding a channel end is refused by a receiver's
/// `alt!` that went elsewhere: `remote_sender` as in
/// [`refused_by_an_alt_that_went_elsewhere`]. The refused copy must not
/// leave a pin behind (it once did: the refusing side re-encoded it,
/// taking a fresh pin, and dropped the bytes), or the inner channel keeps
/// a sender forever and never closes.
fn refused_copy_gives_back_its_pins(remote_sender: bool) {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(2);
        let (stx, srx) = csp::channel::<Sender<u32>>();
        let (stx, srx, net, answer) = if remote_sender {
            nets[1].hold("Value");
            let stx: Sender<Sender<u32>> = carry(stx, &nodes[0], &nodes[1]);
            (stx, srx, &nets[1], "Answer")
        } else {
            nets[0].hold("Deliver");
            let srx: Receiver<Sender<u32>> = carry(srx, &nodes[0], &nodes[1]);
            (stx, srx, &nets[0], "Took")
        };
        let (itx, irx) = csp::channel::<u32>();
        let (ltx, lrx) = csp::channel::<u32>();
        let sender = tokio::spawn(async move {
            stx.send(itx).await.unwrap();
            stx
        });
        let srx = Arc::new(srx);
        let s2 = srx.clone();
        let chooser = tokio::spawn(async move {
            csp::alt! {
                x = s2.recv() => { drop(x); Arm::Remote(0) },
                y = lrx.recv() => Arm::Local(y.unwrap()),
            }
        });
        until(|| net.held() == 1).await;
        ltx.send(1).await.unwrap();
        assert_eq!(chooser.await.unwrap(), Arm::Local(1));
        net.release();
        until(|| net.handled(answer) >= 1).await;
        // The value is still with its sender; a receiver takes it now and
        // drops the inner sender.
        drop(srx.recv().await.unwrap());
        let _stx = sender.await.unwrap();
        // The inner channel's only sender is gone: it must close.
        let r = tokio::time::timeout(std::time::Duration::from_secs(5), irx.recv()).await;
        let pins: Vec<usize> = nodes.iter().map(|n| n.tables().pins.len()).collect();
        assert_eq!(
            r,
            Ok(Err(csp::RecvError)),
            "inner channel never closes: pins held per node {pins:?}"
        );
    });
}

#[test]
fn a_refused_delivery_holding_a_channel_end_gives_back_its_pins() {
    refused_copy_gives_back_its_pins(false);
}

#[test]
fn a_refused_value_holding_a_channel_end_gives_back_its_pins() {
    refused_copy_gives_back_its_pins(true);
}

/// A relayed value is out (send proxy on node 2, home node 1, recv proxy
/// on node 3) when the link 1-2 drops and comes back. Node 2's proxy
/// settled its in-flight token at `home_lost`; node 3 then takes the value
/// and node 1 relays the `Answer` to node 2 over the new connection. That
/// late answer must be ignored, not taken for a protocol error (which
/// would close the new connection too).
#[test]
fn a_late_answer_after_the_home_was_lost_is_ignored() {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(3);
        let (tx, rx) = csp::channel::<u32>();
        let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
        let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[2]);
        nets[0].hold("Deliver");
        let tx = Arc::new(tx);
        let t2 = tx.clone();
        let sender = tokio::spawn(async move { t2.send(7).await });
        let receiver = tokio::spawn(async move { (rx.recv().await, rx) });
        until(|| nets[0].held() == 1).await;
        // The connection 1-2 is lost (and, in MemNet, comes straight back).
        nodes[0].node_lost(2);
        nodes[1].node_lost(1);
        assert_eq!(sender.await.unwrap(), Err(csp::SendError(7)));
        nets[0].release();
        let (got, _rx) = receiver.await.unwrap();
        assert_eq!(got, Ok(7));
        // Node 2 handles the relayed Answer (or fails to).
        until(|| nets[1].handled("Answer") >= 1 || !nets[1].errors.lock().unwrap().is_empty())
            .await;
        let errors = nets[1].errors.lock().unwrap().clone();
        assert!(
            errors.is_empty(),
            "node 2 closed the new connection: {errors:?}"
        );
        drop(tx);
    });
}

/// A grant that reaches a send proxy after its sender gave up (here an
/// aborted task; likewise an `alt!` whose other arm fired) is never used
/// and never taken back. On a rendezvous channel it must not count as
/// outstanding, or, with one receiver waiting at the home, a sender parked
/// at another proxy is never granted and both wait forever.
#[test]
fn a_stale_grant_does_not_starve_another_send_proxy() {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(3);
        let (tx, rx) = csp::channel::<u32>();
        let tx2: Arc<Sender<u32>> = Arc::new(carry(tx.clone(), &nodes[0], &nodes[1]));
        let tx3: Sender<u32> = carry(tx, &nodes[0], &nodes[2]);
        nets[0].hold("Grant");
        let receiver = tokio::spawn(async move { (rx.recv().await, rx) });
        let t2 = tx2.clone();
        let gave_up = tokio::spawn(async move { t2.send(2).await });
        until(|| nets[0].held() == 1).await;
        gave_up.abort();
        assert!(gave_up.await.is_err());
        until(|| nets[0].handled("ProxyState") >= 2).await;
        nets[0].release();
        until(|| nets[1].handled("Grant") >= 1).await;
        let sender = tokio::spawn(async move { tx3.send(3).await });
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), receiver).await;
        let (got, _rx) = got
            .expect("receiver and a parked remote sender wait forever")
            .unwrap();
        assert_eq!(got, Ok(3));
        sender.await.unwrap().unwrap();
        drop(tx2);
    });
}

/// The one case a failure can show a value twice: the receiver took it,
/// and its answer is lost with the connection. The sender then keeps its
/// value (its send fails with it, the channel having lost its only
/// receiver or home), although the receiver has it too. `remote_sender`
/// as in [`refused_by_an_alt_that_went_elsewhere`].
fn answer_lost_with_the_connection(remote_sender: bool) {
    rt().block_on(async {
        let (nodes, nets) = cluster_nets(2);
        let (tx, rx) = csp::channel::<u32>();
        let (tx, rx, net, answer) = if remote_sender {
            let tx: Sender<u32> = carry(tx, &nodes[0], &nodes[1]);
            (tx, rx, &nets[0], "Answer")
        } else {
            let rx: Receiver<u32> = carry(rx, &nodes[0], &nodes[1]);
            (tx, rx, &nets[1], "Took")
        };
        net.hold(answer);
        let sender = tokio::spawn(async move { tx.send(7).await });
        assert_eq!(rx.recv().await, Ok(7));
        until(|| net.held() == 1).await;
        nodes[0].node_lost(2);
        nodes[1].node_lost(1);
        assert_eq!(sender.await.unwrap(), Err(csp::SendError(7)));
    });
}

#[test]
fn a_lost_took_leaves_the_value_with_both_sides() {
    answer_lost_with_the_connection(false);
}

#[test]
fn a_lost_answer_leaves_the_value_with_both_sides() {
    answer_lost_with_the_connection(true);
}
