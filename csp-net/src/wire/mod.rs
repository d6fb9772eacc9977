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


mod codec;
mod error;
mod frame;

pub use codec::{decode_msg, encode_msg, MAX_DEPTH};
pub use error::{HandshakeError, WireError};
pub use frame::{encode_frame, FrameDecoder, HEADER_LEN};
