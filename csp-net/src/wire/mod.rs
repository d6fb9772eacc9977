//! The wire: length-prefixed MessagePack frames and the authenticated
//! handshake, as plain functions and state machines without I/O.
//!
//! Nothing here reads or writes a socket. The connection code reads bytes
//! and [`FrameDecoder::push`]es them, takes frames out with
//! [`FrameDecoder::next_frame`], decodes them with [`decode_msg`], and
//! writes what [`encode_msg`] and the [`Handshake`] produce. Keeping I/O
//! out makes every rule below testable byte by byte, and fuzzable.
//!
//! # Frames
//!
//! ```text
//! +----------------------+------------------------------+
//! | length: u32, BE      | payload: `length` bytes      |
//! +----------------------+------------------------------+
//! ```
//!
//! The payload is one MessagePack value (rmp-serde, structs as maps so
//! fields can be added later). `length` is 1 to the receiver's maximum.
//!
//! A peer is untrusted input until the handshake authenticates it, and
//! even then a bug or a version skew can send garbage. So every limit is
//! checked before memory is committed: a frame's length against the
//! maximum as soon as its header arrives, strings and arrays against the
//! bytes actually present, nesting against [`MAX_DEPTH`]. Any violation
//! is a [`WireError`] with a message for the log, after which the
//! connection is closed: a byte stream that went wrong once cannot be
//! trusted to be back in step. No input makes these functions panic.
//!
//! # Handshake
//!
//! The first frames on a connection are [`HandshakeMsg`]s. Both sides send
//! a hello (magic, [`PROTOCOL_VERSION`], node id, name, fresh nonce), then
//! a proof: an HMAC-SHA256 under the shared cluster secret over both
//! nonces, both node ids and the sender's role. The secret never crosses
//! the wire; a peer is accepted only once its proof verifies. A side that
//! gives up sends a refusal saying why, so both logs explain a version
//! mismatch or a wrong secret. Until then the peer is anonymous, so its
//! frames are read with the small [`HANDSHAKE_MAX_FRAME`] limit. See
//! [`Handshake`] for the sequence.

mod codec;
mod error;
mod frame;
mod handshake;
mod payload;
mod skip;

pub use codec::{decode_msg, encode_msg, encode_msg_split, SplitFrame, MAX_DEPTH};
pub(crate) use error::sanitize as sanitize_text;
pub use error::{HandshakeError, WireError};
pub use frame::{encode_frame, FrameDecoder, OwnedFrame, HEADER_LEN};
pub use handshake::{
    Handshake, HandshakeFailure, HandshakeMsg, PeerInfo, Role, Step, HANDSHAKE_MAGIC,
    HANDSHAKE_MAX_FRAME, MAX_NAME_LEN, NONCE_LEN, PROTOCOL_VERSION,
};
pub use payload::{decode_msg_owned, HasPayload, Payload};
