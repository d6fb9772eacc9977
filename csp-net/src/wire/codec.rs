//! Messages as MessagePack (rmp-serde) inside frames.
//!
//! Structs are encoded as maps keyed by field name, not as positional
//! arrays: a newer node can add a field and an older one will skip it,
//! and a reordered struct still decodes. Enums are maps from variant name
//! to content (unit variants: just the name).
//!
//! Decoding treats the payload as hostile: malformed input, the wrong
//! shape, an unknown variant and nesting deeper than [`MAX_DEPTH`] are
//! errors, and so is any byte after the message. Strings and byte arrays
//! are bounded by the frame they arrive in, never by the length they
//! declare; collections preallocate at most what serde's cautious size
//! hint allows. One hole remains for message authors: rmp-serde does not
//! count enum nesting towards the depth limit, so a message type must not
//! be recursive through an enum (`enum E { A(Box<E>) }`) unless it bounds
//! the recursion itself.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{sanitize, WireError};
use super::frame::{begin_frame, finish_frame, HEADER_LEN};
use super::skip::value_len;

/// How deeply arrays and maps may nest in a decoded message.
///
/// Decoding recurses once per level; without a bound a few kilobytes of
/// `[[[[...` would overflow the stack. Our messages nest a handful of
/// levels; 128 leaves room for nested process frames while keeping the
/// worst case far inside a 2 MiB thread stack, even in a debug build.
pub const MAX_DEPTH: usize = 128;

/// Appends `m` to `out` as one complete frame.
///
/// The message is serialized straight into `out` behind a placeholder
/// header that is patched afterwards, so it is written once, not encoded
/// to a buffer and copied. On error `out` is left as it was.
pub fn encode_msg<M: Serialize + ?Sized>(m: &M, out: &mut Vec<u8>) -> Result<(), WireError> {
    let start = begin_frame(out);
    if let Err(e) = rmp_serde::encode::write_named(out, m) {
        out.truncate(start);
        return Err(WireError::Encode(e.to_string()));
    }
    finish_frame(out, start)
}

/// A frame encoded around a large byte field it does not copy: the frame
/// is `head`, then the field's bytes, then `tail`.
#[derive(Debug)]
pub struct SplitFrame {
    /// The frame header and the encoding up to the field's bytes.
    pub head: Vec<u8>,
    /// The encoding after them.
    pub tail: Vec<u8>,
}

/// [`encode_msg`] for a message holding `big` (a byte field, encoded as a
/// bin), leaving `big`'s bytes out of the buffer: the same frame, without
/// copying a large value or frozen process into it. `None` if the
/// encoder did not write `big` in one piece (then use [`encode_msg`]).
pub fn encode_msg_split<M: Serialize + ?Sized>(
    m: &M,
    big: &[u8],
) -> Result<Option<SplitFrame>, WireError> {
    let mut w = Splitter {
        out: Vec::with_capacity(128),
        big,
        at: None,
    };
    let start = begin_frame(&mut w.out);
    rmp_serde::encode::write_named(&mut w, m).map_err(|e| WireError::Encode(e.to_string()))?;
    let Some(at) = w.at else { return Ok(None) };
    let mut head = w.out;
    let tail = head.split_off(at);
    // The header counts the bytes left out.
    let len = head.len() - start - HEADER_LEN + big.len() + tail.len();
    let header = u32::try_from(len).map_err(|_| WireError::FrameTooLarge {
        len,
        max: u32::MAX as usize,
    })?;
    head[start..start + HEADER_LEN].copy_from_slice(&header.to_be_bytes());
    Ok(Some(SplitFrame { head, tail }))
}

/// A writer that notes where `big` is written instead of copying it.
struct Splitter<'a> {
    out: Vec<u8>,
    big: &'a [u8],
    at: Option<usize>,
}

impl std::io::Write for Splitter<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.write_all(b)?;
        Ok(b.len())
    }
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        if self.at.is_none() && std::ptr::eq(b, self.big) {
            self.at = Some(self.out.len());
        } else {
            self.out.extend_from_slice(b);
        }
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Decodes one frame's payload as exactly one message of type `M`.
///
/// Fails on malformed MessagePack, the wrong shape, an unknown variant,
/// nesting deeper than [`MAX_DEPTH`] and bytes after the message. Unknown
/// struct fields are skipped (forward compatibility). Caution for message
/// authors: rmp-serde does not count enum nesting towards the depth
/// limit, so a type recursive only through enums (`enum E { A(Box<E>) }`)
/// can still exhaust the stack; bound such recursion yourself.
pub fn decode_msg<M: DeserializeOwned>(payload: &[u8]) -> Result<M, WireError> {
    // From the borrowed slice: a byte array is copied once, out of the
    // payload (the reading deserializer copies it into a buffer of its
    // own first, and zeroes that).
    let mut de = rmp_serde::Deserializer::from_read_ref(payload);
    de.set_max_depth(MAX_DEPTH);
    let m = M::deserialize(&mut de).map_err(|e| WireError::Decode(sanitize(&e.to_string())))?;
    match value_len(payload) {
        Some(n) if n == payload.len() => Ok(m),
        Some(n) => Err(WireError::TrailingBytes {
            n: payload.len() - n,
        }),
        // The deserializer took what the walk calls malformed: never
        // seen, but the walk is the stricter of the two.
        None => Err(WireError::Decode("malformed MessagePack".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::FrameDecoder;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct V1 {
        id: u64,
        tag: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct V2 {
        id: u64,
        tag: String,
        extra: Vec<u32>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Msg {
        Ping,
        Data { seq: u32, body: Vec<u8> },
    }

    fn payload_of<M: Serialize>(m: &M) -> Vec<u8> {
        let mut out = Vec::new();
        encode_msg(m, &mut out).unwrap();
        let mut d = FrameDecoder::new(1 << 20);
        d.push(&out);
        let frame = d.next_frame().unwrap().unwrap();
        assert_eq!(d.next_frame(), Ok(None), "exactly one frame");
        frame
    }

    #[test]
    fn round_trip_through_a_frame() {
        for m in [
            Msg::Ping,
            Msg::Data {
                seq: 7,
                body: vec![1, 2, 3],
            },
        ] {
            assert_eq!(decode_msg::<Msg>(&payload_of(&m)), Ok(m));
        }
    }

    #[test]
    fn frame_header_matches_payload() {
        let mut out = vec![0xEE];
        encode_msg(&Msg::Ping, &mut out).unwrap();
        let len = u32::from_be_bytes([out[1], out[2], out[3], out[4]]) as usize;
        assert_eq!(len, out.len() - 5);
        assert_eq!(out[5..], rmp_serde::to_vec_named(&Msg::Ping).unwrap());
    }

    #[test]
    fn structs_are_maps_so_new_fields_are_skipped() {
        let new = V2 {
            id: 3,
            tag: "t".into(),
            extra: vec![9],
        };
        let old: V1 = decode_msg(&payload_of(&new)).unwrap();
        assert_eq!(
            old,
            V1 {
                id: 3,
                tag: "t".into()
            }
        );
        // A missing field is a clear error, not a default.
        let err = decode_msg::<V2>(&payload_of(&old)).unwrap_err();
        assert!(
            matches!(&err, WireError::Decode(m) if m.contains("extra")),
            "{err}"
        );
    }

    #[test]
    fn trailing_bytes_rejected() {
        let mut p = payload_of(&Msg::Ping);
        p.extend_from_slice(&[0xc0, 0xc0]);
        assert_eq!(
            decode_msg::<Msg>(&p),
            Err(WireError::TrailingBytes { n: 2 })
        );
    }

    #[test]
    fn unknown_variant_is_a_decode_error() {
        let p = rmp_serde::to_vec_named("Launch").unwrap();
        let err = decode_msg::<Msg>(&p).unwrap_err();
        assert!(
            matches!(&err, WireError::Decode(m) if m.contains("Launch")),
            "{err}"
        );
    }

    #[test]
    fn truncated_and_empty_payloads_are_errors() {
        let p = payload_of(&Msg::Data {
            seq: 1,
            body: vec![4; 10],
        });
        for cut in 0..p.len() {
            assert!(
                matches!(decode_msg::<Msg>(&p[..cut]), Err(WireError::Decode(_))),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn huge_declared_lengths_do_not_allocate() {
        // str32 / bin32 / array32 / map32 claiming 4 GiB, with nothing after.
        for marker in [0xdb, 0xc6, 0xdd, 0xdf] {
            let p = [
                0x81, 0xa4, b'D', b'a', b't', b'a', marker, 0xff, 0xff, 0xff, 0xff,
            ];
            assert!(matches!(decode_msg::<Msg>(&p), Err(WireError::Decode(_))));
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // { "id": 1, "tag": "", "x": [[[[ ... 100 000 deep ]]]] }: the unknown
        // field is skipped by walking it, which recurses per level.
        let mut p = vec![
            0x83, 0xa2, b'i', b'd', 1, 0xa3, b't', b'a', b'g', 0xa0, 0xa1, b'x',
        ];
        p.extend(std::iter::repeat_n(0x91, 100_000));
        p.push(0xc0);
        let err = decode_msg::<V1>(&p).unwrap_err();
        assert!(
            matches!(&err, WireError::Decode(m) if m.contains("depth")),
            "{err}"
        );
    }

    #[test]
    fn nesting_within_the_limit_is_fine() {
        let mut p = vec![
            0x83, 0xa2, b'i', b'd', 1, 0xa3, b't', b'a', b'g', 0xa0, 0xa1, b'x',
        ];
        p.extend(std::iter::repeat_n(0x91, MAX_DEPTH - 2));
        p.push(0xc0);
        assert_eq!(
            decode_msg::<V1>(&p),
            Ok(V1 {
                id: 1,
                tag: String::new()
            })
        );
    }

    #[test]
    fn decode_errors_quoting_the_peer_are_sanitized() {
        let evil = format!("x\n{}", "y".repeat(100_000));
        let p = rmp_serde::to_vec_named(&evil).unwrap();
        let WireError::Decode(m) = decode_msg::<Msg>(&p).unwrap_err() else {
            panic!("expected a decode error");
        };
        assert!(!m.contains('\n'));
        assert!(m.len() < 2_000, "{} bytes", m.len());
    }

    #[test]
    fn a_split_frame_is_the_frame_without_the_copy() {
        use crate::proto::Msg;
        for n in [1, 300, 70_000, 300_000] {
            let payload: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            let msgs = [
                Msg::Prepare {
                    token: 7,
                    pid: 1 << 40,
                    origin: 3,
                    moves: 2,
                    frozen: payload.clone().into(),
                    fresh: true,
                },
                Msg::Value {
                    chan: 9,
                    proxy: 2,
                    bytes: payload.clone(),
                    token: Some(5),
                },
            ];
            for m in msgs {
                let mut whole = Vec::new();
                encode_msg(&m, &mut whole).unwrap();
                let p = m.payload().unwrap();
                let split = encode_msg_split(&m, p)
                    .unwrap()
                    .expect("written in one piece");
                let joined = [&split.head[..], p, &split.tail[..]].concat();
                assert_eq!(joined, whole, "{} bytes", n);
                let back: Msg = decode_msg(&joined[HEADER_LEN..]).unwrap();
                assert_eq!(back.payload(), Some(&payload[..]));
            }
        }
        // Bytes the message does not hold are never found in it.
        let m = Msg::Sync { token: 1 };
        assert!(encode_msg_split(&m, &[1, 2, 3]).unwrap().is_none());
    }
}
