//! The messages two authenticated nodes exchange.
//!
//! Every message is one frame (`wire`). Channel messages name the channel
//! by its id on its home node and the proxy by the id its node gave it, so
//! a node never trusts a peer to name anything of its own except through
//! tables it checks: an unknown channel, proxy or move token is a protocol
//! error that closes the connection. (An unknown `Answer` or `Took` token
//! is late, not hostile: its value was settled when a node was lost. A
//! token of another proxy's delivery is an error.)
//!
//! Flow control is by cumulative limits, sent as the latest total so that
//! a repeated or reordered limit cannot count twice (messages on one
//! connection arrive in order; grants are never lowered, see `chan/home`):
//!
//! * a *send proxy* may ship `Value`s while its count of shipped values is
//!   below the home's latest `Grant { limit }`; the home grants one value
//!   per receiver waiting on the channel, plus free buffer slots, and only
//!   to proxies that have senders parked (`ProxyState { parked }`);
//! * a *recv proxy* tells the home `ProxyState { want }`: the number of
//!   values it has received plus the number of its receivers waiting now;
//!   the home receives on the channel for it (in turn with its other
//!   receivers) while it has shipped fewer `Deliver`s than that.
//!
//! A rendezvous send completes only when a receiver has taken the value,
//! wherever the two are. The value travels as a copy while its sender
//! stays parked, the original *reserved* (`Port::reserve`), under a token
//! that is answered:
//!
//! * from a send proxy: grants of a rendezvous channel say `answer`; the
//!   proxy ships each `Value` with a token and the home answers
//!   `Answer { taken }`. The sender completes, or (its receiver had
//!   stopped waiting) is takeable again and waits for the next grant;
//! * to a recv proxy: the home reserves a parked sender's value and ships
//!   `Deliver` with a token; the proxy answers `Took { taken }`;
//! * from a send proxy to a recv proxy on a third node: the home relays
//!   the `Value` as a `Deliver` and the `Took` back as the `Answer`.
//!
//! A buffered channel's grants are for buffer room, and its sends complete
//! when shipped, as a buffered send does.

use serde::{Deserialize, Serialize};

use crate::wire::HasPayload;
pub use crate::wire::Payload;

/// A message after the handshake.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    // ---- proxy → home -------------------------------------------------
    /// A new proxy for channel `chan` of the receiving (home) node: take a
    /// count for it, then release the pin the end travelled under.
    Attach {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy's id on the sending node.
        proxy: u64,
        /// Whether it is a send proxy (holds senders) or a recv proxy.
        sends: bool,
        /// The pin to release once the count is taken.
        pin: Option<(u64, u64)>,
    },
    /// Release a pin without attaching (the end joined an existing proxy).
    Unpin {
        /// Node holding the pin.
        node: u64,
        /// Pin id there.
        pin: u64,
    },
    /// The proxy has no ends left: drop its count.
    Detach {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
    },
    /// Flow-control state of a proxy (see module docs).
    ProxyState {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// Send proxy: senders parked with a value.
        parked: u32,
        /// Recv proxy: values received plus receivers waiting.
        want: u64,
    },
    /// A value from a send proxy, within its grant.
    Value {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// The message, MessagePack.
        #[serde(with = "csp::migrate::serde_bytes")]
        bytes: Vec<u8>,
        /// Under a grant that asks for answers: the sender waits, its
        /// value reserved under this token, for `Answer`.
        token: Option<u64>,
    },
    /// Whether a receiver at the proxy took the value delivered under
    /// `token` (a rendezvous channel): the home completes the send that
    /// waits for it, or keeps the value with its sender.
    Took {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// The `Deliver`'s token.
        token: u64,
        /// Taken, or not (nobody was waiting any more).
        taken: bool,
    },
    /// A delivered value no receiver at the proxy could take.
    Return {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// The message.
        #[serde(with = "csp::migrate::serde_bytes")]
        bytes: Vec<u8>,
    },
    /// `close()` was called on an end at the proxy's node.
    Close {
        /// Channel id on the home node.
        chan: u64,
    },

    // ---- home → proxy -------------------------------------------------
    /// New cumulative limit on `Value`s the send proxy may ship.
    Grant {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// Cumulative limit.
        limit: u64,
        /// The channel is a rendezvous: ship reserved values, each with a
        /// token, and complete a send only on its `Answer`.
        answer: bool,
    },
    /// Whether a receiver at the home took the value shipped under
    /// `token`: the proxy completes that send, or puts it back (it waits
    /// for the next grant).
    Answer {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// The `Value`'s token.
        token: u64,
        /// Taken, or refused (nobody was waiting any more).
        taken: bool,
    },
    /// A value for a recv proxy.
    Deliver {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
        /// The message.
        #[serde(with = "csp::migrate::serde_bytes")]
        bytes: Vec<u8>,
        /// A rendezvous value whose sender waits: answer with `Took` (and
        /// drop the value if no receiver took it) instead of `Return`.
        token: Option<u64>,
    },
    /// The channel is closed for the proxy's side (no more values will be
    /// delivered / no more will be accepted).
    Closed {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
    },
    /// The home does not know the channel (it is gone): the proxy's ends
    /// see a closed channel.
    NoSuchChannel {
        /// Channel id on the home node.
        chan: u64,
        /// The proxy.
        proxy: u64,
    },
    /// Release pin `pin` held by the receiving node.
    Release {
        /// Pin id.
        pin: u64,
    },

    // ---- either way -----------------------------------------------------
    /// Barrier: answered with `SyncAck` after every earlier message.
    Sync {
        /// Echoed back.
        token: u64,
    },
    /// Answer to `Sync`.
    SyncAck {
        /// The `Sync`'s token.
        token: u64,
    },

    // ---- processes --------------------------------------------------------
    /// Phase 1 of a move: here is a frozen process; decode it, hold it
    /// without running it, and answer `Prepared` or `Refused`.
    Prepare {
        /// The move's token.
        token: u64,
        /// Process id, stable across moves.
        pid: u64,
        /// The node holding the process's join handle: the result goes
        /// there, wherever the process finishes.
        origin: u64,
        /// The process's move count once this move commits (see `Moved`).
        moves: u64,
        /// `Frozen::to_bytes` (left in the frame's buffer on arrival).
        frozen: Payload,
        /// Whether the process has never run (code migration, `spawn_on`).
        fresh: bool,
    },
    /// The destination holds the process, ready to run it.
    Prepared {
        /// The move's token.
        token: u64,
    },
    /// The destination cannot run the process; the source keeps it.
    Refused {
        /// The move's token.
        token: u64,
        /// Why (names the type, version or fingerprint that differs).
        reason: String,
    },
    /// Phase 2: run it. The source has let go.
    Commit {
        /// The move's token.
        token: u64,
    },
    /// Phase 2, on failure: drop the held copy; the source resumes it.
    Abort {
        /// The move's token.
        token: u64,
    },
    /// The destination runs the process.
    Committed {
        /// The move's token.
        token: u64,
    },
    /// Process `pid`, whose join handle the receiving node holds, now runs
    /// on `node` (so that the handle fails if that node is lost); sent by
    /// `node` when it commits the move.
    Moved {
        /// Process id.
        pid: u64,
        /// Where it runs now.
        node: u64,
        /// The process's move count with this move: notes of two moves
        /// come from the two nodes it arrived at and can cross, so the
        /// origin keeps the highest.
        moves: u64,
    },
    /// An operator's request; answered with `AdminReply` of the same token.
    Admin {
        /// Echoed back.
        token: u64,
        /// What is asked.
        req: AdminReq,
    },
    /// The answer to `Admin`.
    AdminReply {
        /// The request's token.
        token: u64,
        /// The answer.
        resp: AdminResp,
    },
    /// A process finished: its result (for a join handle taken on another
    /// node) as MessagePack, or the error text.
    Finished {
        /// Process id.
        pid: u64,
        /// The encoded result, or why there is none.
        result: Result<ByteBuf, String>,
    },
}

/// A frozen process stays in the frame it arrived in
/// ([`decode_msg_owned`](crate::wire::decode_msg_owned)).
impl HasPayload for Msg {
    fn payload_field(&mut self) -> Option<&mut Payload> {
        match self {
            Msg::Prepare { frozen, .. } => Some(frozen),
            _ => None,
        }
    }
}

impl Msg {
    /// The size of the message's one large field (a value, a frozen
    /// process), 0 if it has none.
    pub fn payload_len(&self) -> usize {
        self.payload().map_or(0, <[u8]>::len)
    }

    /// The message's one large field (a value, a frozen process), if any.
    pub fn payload(&self) -> Option<&[u8]> {
        match self {
            Msg::Value { bytes, .. } | Msg::Return { bytes, .. } | Msg::Deliver { bytes, .. } => {
                Some(bytes)
            }
            Msg::Prepare { frozen, .. } => Some(frozen),
            _ => None,
        }
    }

    /// Takes the large field out (empty if none), once the message is
    /// encoded around it.
    pub fn take_payload(&mut self) -> Vec<u8> {
        match self {
            Msg::Value { bytes, .. } | Msg::Return { bytes, .. } | Msg::Deliver { bytes, .. } => {
                std::mem::take(bytes)
            }
            Msg::Prepare { frozen, .. } => std::mem::take(frozen).into_vec(),
            _ => Vec::new(),
        }
    }

    /// The variant's name, for logs and fault injection.
    pub fn kind(&self) -> &'static str {
        match self {
            Msg::Attach { .. } => "Attach",
            Msg::Unpin { .. } => "Unpin",
            Msg::Detach { .. } => "Detach",
            Msg::ProxyState { .. } => "ProxyState",
            Msg::Value { .. } => "Value",
            Msg::Took { .. } => "Took",
            Msg::Return { .. } => "Return",
            Msg::Close { .. } => "Close",
            Msg::Grant { .. } => "Grant",
            Msg::Answer { .. } => "Answer",
            Msg::Deliver { .. } => "Deliver",
            Msg::Closed { .. } => "Closed",
            Msg::NoSuchChannel { .. } => "NoSuchChannel",
            Msg::Release { .. } => "Release",
            Msg::Sync { .. } => "Sync",
            Msg::SyncAck { .. } => "SyncAck",
            Msg::Prepare { .. } => "Prepare",
            Msg::Prepared { .. } => "Prepared",
            Msg::Refused { .. } => "Refused",
            Msg::Commit { .. } => "Commit",
            Msg::Abort { .. } => "Abort",
            Msg::Committed { .. } => "Committed",
            Msg::Moved { .. } => "Moved",
            Msg::Admin { .. } => "Admin",
            Msg::AdminReply { .. } => "AdminReply",
            Msg::Finished { .. } => "Finished",
        }
    }
}

/// An operator's request to a node (`cspctl`), from any authenticated
/// peer of the cluster.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum AdminReq {
    /// The node and its peers.
    Nodes,
    /// The processes running on the node.
    Ps,
    /// Move a process to another node.
    Migrate {
        /// Process id.
        pid: u64,
        /// Destination node id.
        to: u64,
    },
    /// Stop a process and return it as a checkpoint.
    Checkpoint {
        /// Process id.
        pid: u64,
    },
    /// Start the process in a checkpoint on the node.
    Restore {
        /// `Node::checkpoint` bytes.
        bytes: ByteBuf,
    },
}

/// One process in an [`AdminResp::Ps`] listing.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct PsRow {
    /// Process id.
    pub pid: u64,
    /// Frame type name.
    pub name: String,
    /// Node holding its join handle.
    pub origin: u64,
    /// `moving`, or `in recv` (what it waits in: see
    /// `ProcessInfo::waiting_in`).
    pub state: String,
    /// Where in the source it waits: file (as `file!()` names it) and
    /// line, from `ProcessInfo::waiting_at`. `None` before it ran, where
    /// its frame knows no line, and in a reply from a node built before
    /// rows had this field (serde reads a missing `Option` as `None`, so
    /// such a listing still decodes; a value of the wrong shape is a
    /// decode error).
    pub at: Option<(String, u32)>,
}

/// A node's answer to an [`AdminReq`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum AdminResp {
    /// The node (first) and its peers: id, name.
    Nodes(Vec<(u64, String)>),
    /// Its processes.
    Ps(Vec<PsRow>),
    /// The move happened: its report, as text.
    Moved(String),
    /// The checkpoint.
    Checkpoint(ByteBuf),
    /// The restored process's id.
    Restored(u64),
    /// The request failed: why.
    Error(String),
}

/// Bytes that encode as MessagePack `bin`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ByteBuf(#[serde(with = "csp::migrate::serde_bytes")] pub Vec<u8>);
