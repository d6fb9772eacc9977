//! What can go wrong on the wire.
//!
//! Every error here ends up in a log line and closes a connection, so each
//! message names the limit or rule that was broken. Text that came from the
//! peer (a decoder message quoting a variant name, a refusal reason) is
//! untrusted: it is passed through [`sanitize`] so that a peer cannot flood
//! a log with megabytes or forge log lines with control characters.

use thiserror::Error;

use crate::NodeId;

/// How many characters of peer-influenced text an error keeps.
///
/// Enough for any honest reason or decoder message; a peer cannot make one
/// error line longer than this.
pub(crate) const MAX_REPORTED_TEXT: usize = 256;

/// A frame or message that cannot be read or written.
///
/// Any of these on a connection means the byte stream can no longer be
/// trusted (or, for [`WireError::Encode`], that we failed to produce a
/// valid frame); the connection should be closed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WireError {
    /// A frame's length is above the limit: refused before any of its
    /// payload is buffered, so a peer cannot make us allocate.
    #[error("frame of {len} bytes exceeds the maximum of {max} bytes")]
    FrameTooLarge {
        /// The length the frame declared (or the payload we tried to send).
        len: usize,
        /// The limit in force.
        max: usize,
    },
    /// A frame declared a zero length. Every message encodes to at least
    /// one byte, so an empty frame is never valid.
    #[error("empty frame (length 0): every frame must carry a message")]
    EmptyFrame,
    /// The payload is not valid MessagePack, or not the expected message
    /// (wrong shape, unknown variant, missing field, nested too deeply).
    #[error("malformed message: {0}")]
    Decode(String),
    /// The payload held a whole message followed by more bytes. A frame
    /// carries exactly one message; anything else is a framing bug or an
    /// attempt to smuggle data past the decoder.
    #[error("{n} trailing bytes after the message in a frame")]
    TrailingBytes {
        /// How many bytes followed the message.
        n: usize,
    },
    /// A message of ours could not be serialized.
    #[error("cannot encode message: {0}")]
    Encode(String),
    /// The handshake failed.
    #[error("handshake failed: {0}")]
    Handshake(#[from] HandshakeError),
}

/// Why a handshake did not authenticate the peer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HandshakeError {
    /// The peer's hello does not carry our magic number: it is not a
    /// csp-net node at all (or the stream is offset).
    #[error("peer is not a csp-net node: magic {theirs:#010x}, expected {ours:#010x}")]
    BadMagic {
        /// Our magic number.
        ours: u32,
        /// What the peer sent.
        theirs: u32,
    },
    /// The peer speaks another protocol version. Both sides learn this:
    /// each reads the other's hello, and each sends a refusal saying why.
    #[error(
        "protocol version mismatch: we speak version {ours}, the peer speaks version {theirs}"
    )]
    Version {
        /// Our protocol version.
        ours: u32,
        /// The peer's protocol version.
        theirs: u32,
    },
    /// The peer claims our own node id: we connected to ourselves, or
    /// someone is echoing our hello back to us.
    #[error("peer claims our own node id {0}: a connection to ourselves or a reflected hello")]
    SelfConnect(NodeId),
    /// The peer sent our own nonce back: a reflected hello.
    #[error("peer sent our own nonce back: a reflected hello")]
    NonceReflected,
    /// A node name longer than the limit (ours or the peer's).
    #[error("node name of {len} bytes exceeds the maximum of {max} bytes")]
    NameTooLong {
        /// The name's length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A node name with control characters, which would corrupt logs.
    #[error("node name contains control characters")]
    NameNotPrintable,
    /// The peer's proof does not match what the shared secret gives: the
    /// two nodes have different cluster secrets, or the peer has none.
    #[error("peer failed authentication: its proof does not match our cluster secret")]
    AuthFailed,
    /// A message arrived in a state where it is not allowed (a proof
    /// before the hello, a second hello, anything after the end).
    #[error("unexpected {got} message while {state}")]
    Unexpected {
        /// The kind of message received.
        got: &'static str,
        /// What the handshake was doing.
        state: &'static str,
    },
    /// The peer refused the handshake and said why.
    #[error("peer refused the handshake: {0}")]
    Refused(String),
    /// We were given an empty cluster secret, which would authenticate
    /// anyone who also has none.
    #[error("the cluster secret is empty")]
    EmptySecret,
    /// The operating system's random generator failed, so we cannot draw
    /// an unpredictable nonce. We never fall back to a weaker generator.
    #[error("cannot draw a nonce from the OS random generator: {0}")]
    Rng(String),
}

/// Makes peer-influenced text safe to log: at most [`MAX_REPORTED_TEXT`]
/// characters, control characters replaced by U+FFFD.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(MAX_REPORTED_TEXT)
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect();
    if text.chars().nth(MAX_REPORTED_TEXT).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_control_characters() {
        assert_eq!(sanitize("a\nb\x1b[31mc"), "a\u{FFFD}b\u{FFFD}[31mc");
    }

    #[test]
    fn sanitize_bounds_length() {
        let long = "x".repeat(10 * MAX_REPORTED_TEXT);
        let s = sanitize(&long);
        assert_eq!(s.chars().count(), MAX_REPORTED_TEXT + 1);
        assert!(s.ends_with('…'));
        assert_eq!(sanitize("short"), "short");
    }

    #[test]
    fn messages_name_the_numbers() {
        let e = WireError::FrameTooLarge {
            len: 70000,
            max: 65536,
        };
        assert_eq!(
            e.to_string(),
            "frame of 70000 bytes exceeds the maximum of 65536 bytes"
        );
        let v = WireError::from(HandshakeError::Version { ours: 1, theirs: 2 });
        assert_eq!(
            v.to_string(),
            "handshake failed: protocol version mismatch: we speak version 1, the peer speaks version 2"
        );
    }
}
