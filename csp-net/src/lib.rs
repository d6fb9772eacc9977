//! # csp-net: nodes and migration for csp
//!
//! A [`Node`] is a csp runtime that listens on TCP, authenticates peers of
//! its cluster (a shared secret, challenge-response, never the secret on
//! the wire: [`wire`]), and runs `#[process]` frames it can move. All three
//! mobilities go through it:
//!
//! * **channel ends move**: an end inside a message or a frame that reaches
//!   another node becomes a remote end there, with the same semantics;
//! * **running processes move**: [`Node::migrate`], or `migrate_to(peer)`
//!   inside the process, stops it at its pause point, ships its frame and
//!   ends, and resumes it on the peer mid-code;
//! * **code moves**: [`Node::spawn_on`] ships a process that has not run
//!   (its type's identity and its arguments); a peer that lacks the type,
//!   or has another version or layout of it, refuses and the caller keeps
//!   the process.
//!
//! ```
//! use csp::prelude::*;
//! use csp_net::Node;
//!
//! #[process]
//! async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
//!     let mut total: u64 = 0;
//!     while let Ok(x) = input.recv().await {
//!         total += x;
//!         if output.send(total).await.is_err() {
//!             break;
//!         }
//!     }
//!     total
//! }
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let a = Node::builder().name("a").secret(b"cluster secret").start().await?;
//! let b = Node::builder().name("b").secret(b"cluster secret").start().await?;
//! let b_id = a.connect(b.addr()).await?;
//!
//! let (tx, rx) = channel::<u64>();
//! let (otx, orx) = channel::<u64>();
//! let h = a.spawn(running_total(rx, otx));     // runs on a
//! tx.send(2).await.unwrap();
//! assert_eq!(orx.recv().await, Ok(2));
//!
//! let report = a.migrate(h.pid(), b_id).await?; // now on b, mid-loop
//! println!("{report}");                        // freeze time, bytes, ...
//! tx.send(3).await.unwrap();                   // its ends followed it
//! assert_eq!(orx.recv().await, Ok(5));         // and so did its total
//! drop(tx);
//! assert_eq!(h.join().await, Ok(5));           // the result comes home
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # How channels work across nodes
//!
//! **Home directory, no forwarding.** A channel stays on the node where it
//! was made, its *home*. Every other node holding ends of it has one local
//! proxy channel per direction, which its processes use like any channel
//! (so `alt!`, `par!` and freezing work on it unchanged), bridged to the
//! home by credit-based flow control:
//!
//! * a remote *send* ships only once the home has granted it room: a
//!   receiver waiting, or a free buffer slot, so buffered capacity holds
//!   end to end (a rendezvous send then waits for its answer, below).
//!   Free slots go ahead of time,
//!   as credit, to proxies with senders waiting, so a fast remote sender
//!   does not pay a round trip per value;
//! * a remote *receive* asks the home for one value per receiver waiting;
//!   a value that arrives when nobody waits any more (an `alt!` chose
//!   another arm, the process was stopped) goes back to the head of the
//!   home channel.
//!
//! When an end moves again it attaches directly to the home from its new
//! node; nothing is buffered away from home, which is what keeps
//! per-sender FIFO and exactly-once delivery while ends move. Before a
//! process moves, its node makes sure every value it sent is home and
//! every value a home had already shipped to it is back (two `Sync`
//! barriers per other home; none when moving to the home). The cost:
//! traffic between two nodes that are not the home takes two hops, and a
//! channel is lost with its home node.
//!
//! A remote rendezvous send completes only when a receiver has taken the
//! value, wherever sender and receiver are: a copy travels while the
//! original stays with its parked sender, *reserved* (nobody else can take
//! it; an `alt!` sender is committed to that arm), until the receiving
//! side answers whether a receiver took it. Not taken (the receiver's
//! `alt!` chose another arm, or it was stopped to move), and the sender
//! waits on as if nothing had happened. A freeze of a sender whose value
//! is out waits for the answer. If the node at the other end is lost
//! first, the sender keeps its value: it is not lost, but a receiver there
//! may have taken it just before, so it can be seen twice across that
//! failure (a local rendezvous cannot fail this way). A value whose send
//! had completed (buffered, or shipped under buffer credit) is lost with
//! the node it was on its way to.
//!
//! # Moves
//!
//! Two-phase: `Prepare` (the frame; the peer checks the type against its
//! registry and decodes it, holding it without running it), `Prepared` or
//! `Refused`, `Commit`, `Committed`. Before the commit the process lives
//! only at the source, which resumes it on any refusal, timeout or lost
//! connection; after, only at the destination. The one window no protocol
//! without a third party can close is the commit message itself: if the
//! connection dies with it in flight, [`MigrateError::Unconfirmed`] says
//! so and the source does not resume a second copy. Every step is tested
//! under a cut connection and a dying peer (`tests/net_faults.rs`).
//!
//! # Upgrades, checkpoints, operators
//!
//! `#[process(version = 2, upgrades_from = [1])]` accepts version 1
//! frames whose layout is unchanged, and `#[process(version = 2, upgrade =
//! f)]` converts older frames of another layout through `f` (see
//! [`csp::migrate::Upgrade`]), so a cluster is upgraded by moving
//! processes to nodes running the new binary; a node whose upgrade fails
//! refuses the move with the reason and the source keeps the process. [`Node::checkpoint`] stops a
//! process into bytes that [`Node::restore`] resumes on any node.
//! `cspctl` (a binary of this crate) lists nodes and processes, moves,
//! checkpoints and restores them through each node's admin endpoint
//! ([`proto::AdminReq`]), authenticated like any peer; `csp-node` runs a
//! node as its own OS process. `cspctl ps` shows what each process waits
//! in and at which source line (`file:line`, from
//! `csp::Process::pause_location`), so a stuck process points at the
//! receive or send it is parked in.
//!
//! # TLS
//!
//! Peers authenticate with the cluster secret (challenge-response; the
//! secret never crosses the wire), but plain TCP leaves the traffic
//! readable and alterable by anyone on the path. [`NodeBuilder::tls`]
//! with a [`Tls`] (this node's certificate and key, the cluster's CA) runs
//! every connection over mutually authenticated TLS (rustls), with the
//! secret handshake inside; `csp-node` and `cspctl` take `--tls DIR`.
//!
//! # Failure
//!
//! A peer that closes its connection is lost at once; one that goes
//! silent, after [`Limits::peer_timeout`] (3 s by default; heartbeats
//! every [`Limits::heartbeat`]). Then channel ends homed there report
//! closed, moves to it roll back, and join handles of processes that ran
//! there report [`ProcessError::Lost`]. A handle stays at the process's
//! origin, which learns where the process runs from a `Moved` note the
//! destination of each move sends it at the commit (so a source lost
//! just after the commit, or an unconfirmed commit, cannot leave it
//! following the wrong node); notes of two moves come from two nodes and
//! can arrive in either order, so each carries the process's move count
//! and the origin keeps the highest.
//!
//! A peer is untrusted input, and what it can make a node hold is bounded:
//! one frame at most [`Limits::max_frame`] (checked before allocating);
//! buffered values by each channel's capacity (credit); bytes queued for
//! it by [`Limits::send_queue`] (a peer that stops reading is cut off and
//! lost, rather than growing the queue); and moves it prepared but never
//! committed by [`Limits::held_moves`] (further moves are refused, the
//! source keeps its process). Strangers cannot hold more than
//! [`Limits::pending_handshakes`] connections that have not authenticated
//! (each for at most the handshake timeout). Limits that contradict each other (a queue
//! below the largest frame, a heartbeat no shorter than the peer timeout)
//! are refused when the node starts ([`Limits::check`]).

mod chan;
mod ids;
pub mod node;
pub mod proto;
pub mod wire;

pub use csp;
pub use ids::NodeId;
#[doc(hidden)]
pub use node::{FaultAt, FaultDo};
pub use node::{
    Limits, MigrateError, MigrationReport, Node, NodeBuilder, NodeError, Pid, ProcessError,
    ProcessInfo, SpawnError, Spawned, Tls, TlsError,
};
