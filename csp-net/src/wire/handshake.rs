//! The handshake: both nodes prove they hold the cluster secret without
//! sending it, and agree they speak the same protocol. The protocol and
//! why it is safe are described on [`Handshake`].

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::error::{sanitize, HandshakeError, WireError};
use crate::NodeId;

/// Identifies a csp-net hello ("CSPN"): anything else on the port is not
/// one of ours.
pub const HANDSHAKE_MAGIC: u32 = 0x4353_504E;

/// The wire protocol version this build speaks. Nodes only talk to nodes
/// of the same version. Version 2: rendezvous values travel reserved
/// and are answered (`Answer`, `Took`). Version 3: `Prepare` and `Moved`
/// carry the process's move count.
pub const PROTOCOL_VERSION: u32 = 3;

/// The longest node name, in bytes. Names go into logs and listings.
pub const MAX_NAME_LEN: usize = 256;

/// A frame limit that fits every handshake message (the largest, a hello
/// with a [`MAX_NAME_LEN`] name, is under 500 bytes), for reading from a
/// peer that has not authenticated yet.
pub const HANDSHAKE_MAX_FRAME: usize = 4096;

/// Bytes in a handshake nonce and in a proof.
pub const NONCE_LEN: usize = 32;

/// Separates these MACs from any other use of the same secret.
const MAC_LABEL: &[u8] = b"csp-net handshake v1\0";

type HmacSha256 = Hmac<Sha256>;

/// Which end of the connection we are. The two proofs differ by role, so
/// one cannot stand in for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We opened the connection.
    Initiator,
    /// We accepted the connection.
    Acceptor,
}

impl Role {
    fn byte(self) -> u8 {
        match self {
            Role::Initiator => 1,
            Role::Acceptor => 2,
        }
    }

    fn peer(self) -> Role {
        match self {
            Role::Initiator => Role::Acceptor,
            Role::Acceptor => Role::Initiator,
        }
    }
}

/// A message of the handshake. Each is sent as one frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum HandshakeMsg {
    /// Who we are and a fresh challenge. Sent first, by both sides.
    Hello {
        /// [`HANDSHAKE_MAGIC`].
        magic: u32,
        /// The sender's [`PROTOCOL_VERSION`].
        version: u32,
        /// The sender's node id.
        node: NodeId,
        /// The sender's human-readable name, for logs.
        name: String,
        /// A fresh random challenge from the OS generator.
        nonce: [u8; NONCE_LEN],
    },
    /// The sender's answer to the receiver's challenge.
    Proof {
        /// HMAC-SHA256 over the label, the sender's role, both nonces and
        /// both node ids (see the module docs).
        mac: [u8; NONCE_LEN],
    },
    /// The sender will not continue, and why. Sent before closing.
    Refuse {
        /// A human-readable reason.
        reason: String,
    },
}

impl HandshakeMsg {
    fn kind(&self) -> &'static str {
        match self {
            HandshakeMsg::Hello { .. } => "Hello",
            HandshakeMsg::Proof { .. } => "Proof",
            HandshakeMsg::Refuse { .. } => "Refuse",
        }
    }
}

/// The authenticated peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// Its node id.
    pub node: NodeId,
    /// Its name, as it gave it (printable, at most [`MAX_NAME_LEN`] bytes).
    pub name: String,
}

/// What to do after a message was accepted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    /// A message to send to the peer.
    pub send: Option<HandshakeMsg>,
    /// Set when the handshake is complete: the peer is authenticated.
    pub done: Option<PeerInfo>,
}

/// A failed handshake: the error to report, and the refusal to send the
/// peer before closing so that it learns why too.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct HandshakeFailure {
    /// What went wrong.
    pub error: HandshakeError,
    /// A [`HandshakeMsg::Refuse`] to send, or `None` when the peer already
    /// knows (it refused us) or was told before.
    pub send: Option<HandshakeMsg>,
}

impl From<HandshakeFailure> for WireError {
    /// Keeps the error for the connection's log; the refusal, if any, must
    /// have been sent already.
    fn from(f: HandshakeFailure) -> WireError {
        WireError::Handshake(f.error)
    }
}

#[derive(Debug)]
enum State {
    AwaitHello,
    AwaitProof {
        peer: PeerInfo,
        their_nonce: [u8; NONCE_LEN],
    },
    Done,
    Failed,
}

impl State {
    fn describe(&self) -> &'static str {
        match self {
            State::AwaitHello => "waiting for Hello",
            State::AwaitProof { .. } => "waiting for Proof",
            State::Done => "the handshake is complete",
            State::Failed => "the handshake has failed",
        }
    }
}

/// One side of the handshake, as a state machine without I/O: send the
/// hello from [`new`](Self::new), feed it the peer's messages with
/// [`on_msg`](Self::on_msg), send what it returns.
///
/// ```text
///   initiator (connected)                        acceptor (accepted)
///        |--- Hello{magic, version, A, name, nA} --->|
///        |<-- Hello{magic, version, B, name, nB} ----|   (both sent at once)
///        |                                           |
///   check magic, version, B != A               check magic, version, A != B
///        |--- Proof{mac_I} ------------------------->|
///        |<------------------------- Proof{mac_A} ---|
///   verify mac_A: done                          verify mac_I: done
///
///   mac_I = HMAC-SHA256(secret, LABEL || INITIATOR || nA || nB || A || B)
///   mac_A = HMAC-SHA256(secret, LABEL || ACCEPTOR  || nB || nA || B || A)
///
///   any check fails: --- Refuse{reason} --->, close
/// ```
///
/// `LABEL` is `"csp-net handshake v1\0"`, `INITIATOR` and `ACCEPTOR` are
/// the bytes 1 and 2, node ids are 8 bytes big-endian; every part has a
/// fixed length, so the concatenation is unambiguous.
///
/// Until the handshake is done the peer is anonymous: read its frames with
/// a decoder limited to [`HANDSHAKE_MAX_FRAME`], and raise the limit
/// ([`FrameDecoder::set_max_frame`](super::FrameDecoder::set_max_frame))
/// only once it is authenticated.
///
/// Why it is safe to accept a peer once its proof verifies:
///
/// * the secret never crosses the wire, only a MAC over fresh random
///   nonces, so a recorded proof is worthless on the next connection;
/// * each MAC covers our own nonce, so the peer must have computed it just
///   now, with the secret;
/// * the role byte and the order of nonces and node ids differ between the
///   two proofs, so a proof cannot be reflected back to the node that made
///   it, on this connection or on another one it opens;
/// * a hello carrying our own node id or our own nonce is refused outright.
///
/// The handshake authenticates the two nodes; it does not protect the bytes
/// that follow from an active man in the middle. Use TLS for that.
///
/// `Hello` and `Refuse` must keep their encoding in every protocol version,
/// so that nodes of different versions can still tell each other why they
/// cannot talk.
pub struct Handshake {
    role: Role,
    /// The secret as an HMAC key schedule; the raw secret is not kept.
    key: HmacSha256,
    me: NodeId,
    our_nonce: [u8; NONCE_LEN],
    state: State,
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No key material in logs.
        f.debug_struct("Handshake")
            .field("role", &self.role)
            .field("me", &self.me)
            .field("state", &self.state.describe())
            .finish_non_exhaustive()
    }
}

impl Handshake {
    /// Starts a handshake and returns it with our hello, to send at once.
    ///
    /// Fails if the secret is empty, our name breaks the rules we hold the
    /// peer to, or the OS cannot give us a nonce.
    pub fn new(
        role: Role,
        secret: &[u8],
        me: NodeId,
        name: &str,
    ) -> Result<(Handshake, HandshakeMsg), HandshakeError> {
        if secret.is_empty() {
            return Err(HandshakeError::EmptySecret);
        }
        check_name(name)?;
        let key = HmacSha256::new_from_slice(secret).map_err(|_| HandshakeError::EmptySecret)?;
        let mut our_nonce = [0; NONCE_LEN];
        getrandom::getrandom(&mut our_nonce).map_err(|e| HandshakeError::Rng(e.to_string()))?;
        let hello = HandshakeMsg::Hello {
            magic: HANDSHAKE_MAGIC,
            version: PROTOCOL_VERSION,
            node: me,
            name: name.to_owned(),
            nonce: our_nonce,
        };
        let hs = Handshake {
            role,
            key,
            me,
            our_nonce,
            state: State::AwaitHello,
        };
        Ok((hs, hello))
    }

    /// Our role on this connection.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the peer has been authenticated.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Handles one message from the peer.
    ///
    /// On failure the handshake is over: send the failure's message, if
    /// any, then close. Later calls fail without a message to send.
    pub fn on_msg(&mut self, msg: HandshakeMsg) -> Result<Step, HandshakeFailure> {
        let state = std::mem::replace(&mut self.state, State::Failed);
        if let State::Failed = state {
            return Err(quiet(unexpected(&msg, &state)));
        }
        if let HandshakeMsg::Refuse { reason } = msg {
            return Err(quiet(HandshakeError::Refused(sanitize(&reason))));
        }
        let step = match (state, msg) {
            (
                State::AwaitHello,
                HandshakeMsg::Hello {
                    magic,
                    version,
                    node,
                    name,
                    nonce,
                },
            ) => self.on_hello(magic, version, node, name, nonce),
            (State::AwaitProof { peer, their_nonce }, HandshakeMsg::Proof { mac }) => {
                self.on_proof(peer, &their_nonce, &mac)
            }
            (state, msg) => Err(unexpected(&msg, &state)),
        };
        step.map_err(refuse)
    }

    fn on_hello(
        &mut self,
        magic: u32,
        version: u32,
        node: NodeId,
        name: String,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Step, HandshakeError> {
        if magic != HANDSHAKE_MAGIC {
            return Err(HandshakeError::BadMagic {
                ours: HANDSHAKE_MAGIC,
                theirs: magic,
            });
        }
        if version != PROTOCOL_VERSION {
            return Err(HandshakeError::Version {
                ours: PROTOCOL_VERSION,
                theirs: version,
            });
        }
        if node == self.me {
            return Err(HandshakeError::SelfConnect(node));
        }
        if nonce == self.our_nonce {
            return Err(HandshakeError::NonceReflected);
        }
        check_name(&name)?;
        let mac = self.mac(self.role, &self.our_nonce, &nonce, self.me, node);
        self.state = State::AwaitProof {
            peer: PeerInfo { node, name },
            their_nonce: nonce,
        };
        Ok(Step {
            send: Some(HandshakeMsg::Proof { mac }),
            done: None,
        })
    }

    fn on_proof(
        &mut self,
        peer: PeerInfo,
        their_nonce: &[u8; NONCE_LEN],
        mac: &[u8; NONCE_LEN],
    ) -> Result<Step, HandshakeError> {
        let expected = self.keyed(
            self.role.peer(),
            their_nonce,
            &self.our_nonce,
            peer.node,
            self.me,
        );
        // verify_slice compares in constant time.
        expected
            .verify_slice(mac)
            .map_err(|_| HandshakeError::AuthFailed)?;
        self.state = State::Done;
        Ok(Step {
            send: None,
            done: Some(peer),
        })
    }

    /// The proof that `sender` (in `role`) would send `receiver`.
    fn mac(
        &self,
        role: Role,
        sender_nonce: &[u8; NONCE_LEN],
        receiver_nonce: &[u8; NONCE_LEN],
        sender: NodeId,
        receiver: NodeId,
    ) -> [u8; NONCE_LEN] {
        let mac = self.keyed(role, sender_nonce, receiver_nonce, sender, receiver);
        mac.finalize().into_bytes().into()
    }

    /// The HMAC state over everything a proof covers. Every part has a
    /// fixed length, so the concatenation is unambiguous.
    fn keyed(
        &self,
        role: Role,
        sender_nonce: &[u8; NONCE_LEN],
        receiver_nonce: &[u8; NONCE_LEN],
        sender: NodeId,
        receiver: NodeId,
    ) -> HmacSha256 {
        let mut mac = self.key.clone();
        mac.update(MAC_LABEL);
        mac.update(&[role.byte()]);
        mac.update(sender_nonce);
        mac.update(receiver_nonce);
        mac.update(&sender.0.to_be_bytes());
        mac.update(&receiver.0.to_be_bytes());
        mac
    }
}

/// Holds a name, ours or the peer's, to the rules.
fn check_name(name: &str) -> Result<(), HandshakeError> {
    if name.len() > MAX_NAME_LEN {
        return Err(HandshakeError::NameTooLong {
            len: name.len(),
            max: MAX_NAME_LEN,
        });
    }
    if name.chars().any(char::is_control) {
        return Err(HandshakeError::NameNotPrintable);
    }
    Ok(())
}

fn unexpected(msg: &HandshakeMsg, state: &State) -> HandshakeError {
    HandshakeError::Unexpected {
        got: msg.kind(),
        state: state.describe(),
    }
}

/// A failure that needs no refusal: the peer refused us, or was already
/// told.
fn quiet(error: HandshakeError) -> HandshakeFailure {
    HandshakeFailure { error, send: None }
}

/// A failure of ours: tell the peer why, in its terms.
fn refuse(error: HandshakeError) -> HandshakeFailure {
    let reason = refusal_reason(&error);
    HandshakeFailure {
        error,
        send: Some(HandshakeMsg::Refuse { reason }),
    }
}

/// The reason as the peer should read it ("the peer" in our error is
/// "you" to it).
fn refusal_reason(error: &HandshakeError) -> String {
    match error {
        HandshakeError::Version { ours, theirs } => {
            format!("protocol version {theirs} is not supported; this node speaks version {ours}")
        }
        HandshakeError::AuthFailed => {
            "authentication failed: your proof does not match this node's cluster secret".into()
        }
        HandshakeError::SelfConnect(_) | HandshakeError::NonceReflected => {
            "reflected hello: you sent this node's own identity back".into()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode_msg, encode_msg, FrameDecoder};

    const SECRET: &[u8] = b"cluster secret";
    const A: NodeId = NodeId(0xA);
    const B: NodeId = NodeId(0xB);

    /// Sends `m` over an in-memory "wire": encoded, pushed a byte at a time
    /// and decoded, as a real connection would.
    fn wire(m: &HandshakeMsg) -> HandshakeMsg {
        let mut bytes = Vec::new();
        encode_msg(m, &mut bytes).unwrap();
        let mut dec = FrameDecoder::new(4096);
        let mut frames = Vec::new();
        for b in &bytes {
            dec.push(std::slice::from_ref(b));
            while let Some(f) = dec.next_frame().unwrap() {
                frames.push(f);
            }
        }
        assert_eq!(frames.len(), 1);
        decode_msg(&frames[0]).unwrap()
    }

    fn pair(
        a_secret: &[u8],
        b_secret: &[u8],
    ) -> ((Handshake, HandshakeMsg), (Handshake, HandshakeMsg)) {
        let a = Handshake::new(Role::Initiator, a_secret, A, "alpha").unwrap();
        let b = Handshake::new(Role::Acceptor, b_secret, B, "beta").unwrap();
        (a, b)
    }

    fn proof(step: Result<Step, HandshakeFailure>) -> HandshakeMsg {
        let step = step.unwrap();
        assert_eq!(step.done, None);
        let p = step.send.unwrap();
        assert!(matches!(p, HandshakeMsg::Proof { .. }));
        p
    }

    /// Runs both hellos and both proofs through the wire; returns what
    /// each side made of the other's proof.
    fn run(
        a_secret: &[u8],
        b_secret: &[u8],
    ) -> (
        Result<Step, HandshakeFailure>,
        Result<Step, HandshakeFailure>,
    ) {
        let ((mut a, hello_a), (mut b, hello_b)) = pair(a_secret, b_secret);
        let proof_a = proof(a.on_msg(wire(&hello_b)));
        let proof_b = proof(b.on_msg(wire(&hello_a)));
        (a.on_msg(wire(&proof_b)), b.on_msg(wire(&proof_a)))
    }

    fn auth_failed(r: Result<Step, HandshakeFailure>) {
        let f = r.unwrap_err();
        assert_eq!(f.error, HandshakeError::AuthFailed);
        let Some(HandshakeMsg::Refuse { reason }) = f.send else {
            panic!("no refusal")
        };
        assert!(reason.contains("authentication failed"), "{reason}");
    }

    #[test]
    fn same_secret_authenticates_both() {
        let (ra, rb) = run(SECRET, SECRET);
        let (sa, sb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(
            sa,
            Step {
                send: None,
                done: Some(PeerInfo {
                    node: B,
                    name: "beta".into()
                })
            }
        );
        assert_eq!(
            sb,
            Step {
                send: None,
                done: Some(PeerInfo {
                    node: A,
                    name: "alpha".into()
                })
            }
        );
    }

    #[test]
    fn wrong_secret_fails_on_both_sides() {
        for (sa, sb) in [(SECRET, &b"other"[..]), (&b"other"[..], SECRET)] {
            let (ra, rb) = run(sa, sb);
            auth_failed(ra);
            auth_failed(rb);
        }
    }

    #[test]
    fn version_mismatch_is_reported_to_both() {
        let ((mut a, hello_a), (mut b, _)) = pair(SECRET, SECRET);
        let HandshakeMsg::Hello {
            magic,
            node,
            name,
            nonce,
            ..
        } = hello_a
        else {
            unreachable!()
        };
        let future = HandshakeMsg::Hello {
            magic,
            version: PROTOCOL_VERSION + 1,
            node,
            name,
            nonce,
        };

        // B receives a hello of the next version: it reports and refuses.
        let f = b.on_msg(wire(&future)).unwrap_err();
        assert_eq!(
            f.error,
            HandshakeError::Version {
                ours: PROTOCOL_VERSION,
                theirs: PROTOCOL_VERSION + 1
            }
        );
        let refuse = f.send.expect("the peer must learn why");

        // The newer node learns why from the refusal.
        let f = a.on_msg(wire(&refuse)).unwrap_err();
        let HandshakeError::Refused(reason) = &f.error else {
            panic!("{f}")
        };
        let (next, ours) = (PROTOCOL_VERSION + 1, PROTOCOL_VERSION);
        assert!(
            reason.contains(&format!("version {next} is not supported"))
                && reason.contains(&format!("speaks version {ours}")),
            "{reason}"
        );
        assert_eq!(f.send, None);
        assert!(
            f.to_string().starts_with(&format!(
                "peer refused the handshake: protocol version {next}"
            )),
            "{f}"
        );
    }

    #[test]
    fn bad_magic_refused() {
        let ((_, hello_a), (mut b, _)) = pair(SECRET, SECRET);
        let HandshakeMsg::Hello {
            version,
            node,
            name,
            nonce,
            ..
        } = hello_a
        else {
            unreachable!()
        };
        let f = b
            .on_msg(HandshakeMsg::Hello {
                magic: 0x4854_5450,
                version,
                node,
                name,
                nonce,
            })
            .unwrap_err();
        assert!(matches!(
            f.error,
            HandshakeError::BadMagic {
                theirs: 0x4854_5450,
                ..
            }
        ));
        assert!(f.send.is_some());
    }

    #[test]
    fn echoed_hello_is_refused() {
        let (mut a, hello_a) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        let f = a.on_msg(wire(&hello_a)).unwrap_err();
        assert_eq!(f.error, HandshakeError::SelfConnect(A));
        assert!(matches!(f.send, Some(HandshakeMsg::Refuse { .. })));
    }

    #[test]
    fn echoed_nonce_is_refused() {
        let (mut a, hello_a) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        let HandshakeMsg::Hello {
            magic,
            version,
            nonce,
            ..
        } = hello_a
        else {
            unreachable!()
        };
        let forged = HandshakeMsg::Hello {
            magic,
            version,
            node: B,
            name: "m".into(),
            nonce,
        };
        assert_eq!(
            a.on_msg(forged).unwrap_err().error,
            HandshakeError::NonceReflected
        );
    }

    #[test]
    fn echoed_proof_is_rejected() {
        // Mallory has no secret. She answers A's hello with her own, then
        // reflects A's proof back as hers.
        for role in [Role::Initiator, Role::Acceptor] {
            let (mut a, _) = Handshake::new(role, SECRET, A, "alpha").unwrap();
            let hello_m = HandshakeMsg::Hello {
                magic: HANDSHAKE_MAGIC,
                version: PROTOCOL_VERSION,
                node: B,
                name: "mallory".into(),
                nonce: [7; NONCE_LEN],
            };
            let proof_a = proof(a.on_msg(wire(&hello_m)));
            auth_failed(a.on_msg(wire(&proof_a)));
        }
    }

    #[test]
    fn proof_from_another_connection_is_rejected() {
        // A proof A made as initiator on one connection does not pass for
        // the peer's on a connection where A accepts, even with the same
        // nonces and ids.
        let hello_m = |nonce| HandshakeMsg::Hello {
            magic: HANDSHAKE_MAGIC,
            version: PROTOCOL_VERSION,
            node: B,
            name: "mallory".into(),
            nonce,
        };
        let (mut out, _) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        let (mut inc, _) = Handshake::new(Role::Acceptor, SECRET, A, "alpha").unwrap();
        inc.our_nonce = out.our_nonce;
        let proof_out = proof(out.on_msg(hello_m([9; NONCE_LEN])));
        proof(inc.on_msg(hello_m([9; NONCE_LEN])));
        auth_failed(inc.on_msg(proof_out));
    }

    #[test]
    fn proof_before_hello_is_an_error() {
        let (mut a, _) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        let f = a
            .on_msg(HandshakeMsg::Proof {
                mac: [0; NONCE_LEN],
            })
            .unwrap_err();
        assert_eq!(
            f.error,
            HandshakeError::Unexpected {
                got: "Proof",
                state: "waiting for Hello"
            }
        );
        assert!(f.send.is_some());
        assert_eq!(
            f.to_string(),
            "unexpected Proof message while waiting for Hello"
        );
    }

    #[test]
    fn second_hello_is_an_error() {
        let ((mut a, _), (_, hello_b)) = pair(SECRET, SECRET);
        proof(a.on_msg(hello_b.clone()));
        let f = a.on_msg(hello_b).unwrap_err();
        assert_eq!(
            f.error,
            HandshakeError::Unexpected {
                got: "Hello",
                state: "waiting for Proof"
            }
        );
    }

    #[test]
    fn anything_after_done_is_an_error() {
        let refuse = HandshakeMsg::Refuse {
            reason: "late".into(),
        };
        for late in 0..3 {
            let ((mut a, hello_a), (mut b, hello_b)) = pair(SECRET, SECRET);
            let proof_b = proof(b.on_msg(hello_a));
            proof(a.on_msg(hello_b.clone()));
            assert!(a.on_msg(proof_b.clone()).unwrap().done.is_some());
            assert!(a.is_done());
            let m = [hello_b, proof_b, refuse.clone()][late].clone();
            let e = a.on_msg(m).unwrap_err().error;
            let done = "the handshake is complete";
            match late {
                2 => assert_eq!(e, HandshakeError::Refused("late".into())),
                _ => assert!(
                    matches!(e, HandshakeError::Unexpected { state, .. } if state == done),
                    "{e}"
                ),
            }
            assert!(!a.is_done(), "a late message ends the handshake");
        }
    }

    #[test]
    fn nothing_after_failure_not_even_a_second_refusal() {
        let (mut a, _) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        assert!(a
            .on_msg(HandshakeMsg::Proof {
                mac: [0; NONCE_LEN]
            })
            .unwrap_err()
            .send
            .is_some());
        let f = a
            .on_msg(HandshakeMsg::Proof {
                mac: [0; NONCE_LEN],
            })
            .unwrap_err();
        assert_eq!(f.send, None);
        assert!(matches!(
            f.error,
            HandshakeError::Unexpected {
                state: "the handshake has failed",
                ..
            }
        ));
    }

    #[test]
    fn peer_names_are_bounded_and_printable() {
        let ((_, hello_a), (mut b, _)) = pair(SECRET, SECRET);
        let HandshakeMsg::Hello {
            magic,
            version,
            node,
            nonce,
            ..
        } = hello_a
        else {
            unreachable!()
        };
        let with_name = |name: String| HandshakeMsg::Hello {
            magic,
            version,
            node,
            name,
            nonce,
        };
        let e = b
            .on_msg(with_name("n".repeat(MAX_NAME_LEN + 1)))
            .unwrap_err()
            .error;
        assert_eq!(
            e,
            HandshakeError::NameTooLong {
                len: MAX_NAME_LEN + 1,
                max: MAX_NAME_LEN
            }
        );

        let ((_, _), (mut b, _)) = pair(SECRET, SECRET);
        let e = b
            .on_msg(with_name("ok\nFAKE LOG LINE".into()))
            .unwrap_err()
            .error;
        assert_eq!(e, HandshakeError::NameNotPrintable);

        let ((_, _), (mut b, _)) = pair(SECRET, SECRET);
        assert!(b.on_msg(with_name("n".repeat(MAX_NAME_LEN))).is_ok());
    }

    #[test]
    fn refusal_reasons_are_sanitized() {
        let (mut a, _) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        let reason = format!("no\r\n{}", "z".repeat(1 << 16));
        let e = a.on_msg(HandshakeMsg::Refuse { reason }).unwrap_err().error;
        let HandshakeError::Refused(r) = e else {
            panic!("{e}")
        };
        assert!(
            r.starts_with("no\u{FFFD}\u{FFFD}z") && r.len() < 1024,
            "{} bytes",
            r.len()
        );
    }

    #[test]
    fn our_own_inputs_are_checked() {
        assert_eq!(
            Handshake::new(Role::Initiator, b"", A, "a").unwrap_err(),
            HandshakeError::EmptySecret
        );
        let long = "n".repeat(MAX_NAME_LEN + 1);
        assert!(matches!(
            Handshake::new(Role::Initiator, SECRET, A, &long).unwrap_err(),
            HandshakeError::NameTooLong { .. }
        ));
    }

    #[test]
    fn nonces_are_fresh_and_debug_shows_no_key() {
        let (a1, _) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        let (a2, _) = Handshake::new(Role::Initiator, SECRET, A, "alpha").unwrap();
        assert_ne!(a1.our_nonce, a2.our_nonce);
        assert_ne!(a1.our_nonce, [0; NONCE_LEN]);
        let dbg = format!("{a1:?}");
        assert!(dbg.contains("Initiator") && !dbg.contains("key"), "{dbg}");
    }

    #[test]
    fn largest_messages_fit_the_handshake_frame_limit() {
        let name = "\u{10FFFF}".repeat(MAX_NAME_LEN / 4);
        assert_eq!(check_name(&name), Ok(()));
        let hello = HandshakeMsg::Hello {
            magic: u32::MAX,
            version: u32::MAX,
            node: NodeId(u64::MAX),
            name,
            nonce: [0xff; NONCE_LEN],
        };
        let mut out = Vec::new();
        encode_msg(&hello, &mut out).unwrap();
        assert!(out.len() < 500, "{} bytes", out.len());
        let refusals = [
            HandshakeError::Version {
                ours: u32::MAX,
                theirs: u32::MAX,
            },
            HandshakeError::NameTooLong {
                len: usize::MAX,
                max: usize::MAX,
            },
            HandshakeError::Unexpected {
                got: "Refuse",
                state: "the handshake has failed",
            },
        ];
        for e in refusals {
            let mut out = Vec::new();
            encode_msg(&refuse(e).send.unwrap(), &mut out).unwrap();
            assert!(out.len() < HANDSHAKE_MAX_FRAME);
        }
    }

    #[test]
    fn proof_matches_the_documented_formula() {
        let ((mut a, _), (_, hello_b)) = pair(SECRET, SECRET);
        let HandshakeMsg::Hello { nonce: nb, .. } = hello_b.clone() else {
            unreachable!()
        };
        let HandshakeMsg::Proof { mac } = proof(a.on_msg(hello_b)) else {
            unreachable!()
        };
        let mut m = HmacSha256::new_from_slice(SECRET).unwrap();
        m.update(b"csp-net handshake v1\0");
        m.update(&[1]);
        m.update(&a.our_nonce);
        m.update(&nb);
        m.update(&0xAu64.to_be_bytes());
        m.update(&0xBu64.to_be_bytes());
        assert_eq!(mac, <[u8; 32]>::from(m.finalize().into_bytes()));
    }
}
