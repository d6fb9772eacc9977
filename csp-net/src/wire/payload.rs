//! A message's large byte field, which can stay in the frame it arrived in.
//!
//! A frozen process of 16 MiB arrives as a 16 MiB frame. Decoding it the
//! usual way copies the field out into a fresh allocation, whose every
//! page faults: as costly as receiving it. [`decode_msg_owned`] decodes a
//! frame whose buffer it is given, and a [`Payload`] field then keeps
//! that buffer and remembers where its bytes lie in it.
//!
//! How: serde hands a borrowing deserializer's byte field over as a
//! slice of the input. While [`decode_msg_owned`] runs, a thread-local
//! notes the buffer's address range; the first `Payload` whose slice lies
//! inside it records only the offsets (any other copies), and once
//! decoding is done the buffer is moved into it, through
//! [`HasPayload`]. Anywhere else a `Payload` copies, like a `Vec<u8>`.

use std::cell::Cell;
use std::ops::{Deref, Range};

use serde::de::{DeserializeOwned, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::codec::decode_msg;
use super::error::WireError;

/// Bytes of their own, or a part of a received frame's buffer.
#[derive(Clone, Default)]
pub struct Payload {
    buf: Vec<u8>,
    at: Range<usize>,
    /// Decoded by [`decode_msg_owned`], which has not yet handed it the
    /// buffer `at` refers to.
    lent: bool,
}

impl Payload {
    /// The bytes as a `Vec`: without a copy if they are all of the buffer
    /// or start it.
    pub fn into_vec(mut self) -> Vec<u8> {
        if self.at.start == 0 {
            self.buf.truncate(self.at.end);
            self.buf
        } else {
            self[..].to_vec()
        }
    }

    /// The buffer the bytes lie in, and where.
    pub fn into_parts(self) -> (Vec<u8>, Range<usize>) {
        (self.buf, self.at)
    }

    /// Gives a lent payload the buffer it was decoded from; `false` if
    /// this one was not lent.
    fn settle(&mut self, buf: Vec<u8>) -> bool {
        if !self.lent || self.at.end > buf.len() {
            return false;
        }
        self.buf = buf;
        self.lent = false;
        true
    }
}

impl From<Vec<u8>> for Payload {
    fn from(buf: Vec<u8>) -> Payload {
        Payload {
            at: 0..buf.len(),
            buf,
            lent: false,
        }
    }
}

impl Deref for Payload {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        // A lent payload never leaves `decode_msg_owned` unsettled.
        self.buf.get(self.at.clone()).unwrap_or_default()
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Payload) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Payload {}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self[..].fmt(f)
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self)
    }
}

/// The buffer [`decode_msg_owned`] decodes from, by address.
#[derive(Clone, Copy)]
struct Lender {
    start: usize,
    end: usize,
    /// A payload took it.
    lent: bool,
}

thread_local! {
    static LENDER: Cell<Option<Lender>> = const { Cell::new(None) };
}

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Payload, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Payload;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Payload, E> {
                let addr = v.as_ptr() as usize;
                match LENDER.get() {
                    Some(l) if !l.lent && l.start <= addr && addr + v.len() <= l.end => {
                        LENDER.set(Some(Lender { lent: true, ..l }));
                        let start = addr - l.start;
                        Ok(Payload {
                            buf: Vec::new(),
                            at: start..start + v.len(),
                            lent: true,
                        })
                    }
                    _ => Ok(Payload::from(v.to_vec())),
                }
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Payload, E> {
                Ok(Payload::from(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Payload, E> {
                Ok(Payload::from(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Payload, A::Error> {
                csp::migrate::serde_bytes::seq_to_vec(a).map(Payload::from)
            }
        }
        d.deserialize_bytes(V)
    }
}

/// A message type whose large field can be a [`Payload`].
pub trait HasPayload {
    /// The message's [`Payload`] field, if it has one.
    fn payload_field(&mut self) -> Option<&mut Payload>;
}

/// [`decode_msg`] of the frame `buf[at]`, keeping `buf`: a [`Payload`]
/// field of the message keeps the buffer instead of copying its bytes out.
pub fn decode_msg_owned<M>(buf: Vec<u8>, at: Range<usize>) -> Result<M, WireError>
where
    M: DeserializeOwned + HasPayload,
{
    let frame = buf
        .get(at)
        .ok_or_else(|| WireError::Decode("frame outside its buffer".into()))?;
    let start = buf.as_ptr() as usize;
    let lender = Lender {
        start,
        end: start + buf.len(),
        lent: false,
    };
    let before = LENDER.replace(Some(lender));
    let r = decode_msg::<M>(frame);
    let lent = LENDER.replace(before).is_some_and(|l| l.lent);
    let mut m = r?;
    if lent && !m.payload_field().is_some_and(|p| p.settle(buf)) {
        // A message type whose `HasPayload` misses its byte field: the
        // field would read empty.
        return Err(WireError::Decode(
            "a byte field took the frame's buffer but is not the message's payload".into(),
        ));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Two {
        n: u32,
        big: Payload,
        #[serde(default)]
        other: Option<Payload>,
    }

    impl HasPayload for Two {
        fn payload_field(&mut self) -> Option<&mut Payload> {
            Some(&mut self.big)
        }
    }

    fn frame_of(m: &Two) -> (Vec<u8>, Range<usize>) {
        let mut buf = vec![9, 9, 9];
        rmp_serde::encode::write_named(&mut buf, m).unwrap();
        buf.extend_from_slice(&[7, 7]);
        let at = 3..buf.len() - 2;
        (buf, at)
    }

    #[test]
    fn the_field_stays_in_the_buffer_it_came_in() {
        let m = Two {
            n: 5,
            big: Payload::from((0..100_000u32).map(|i| i as u8).collect::<Vec<_>>()),
            other: None,
        };
        let (buf, at) = frame_of(&m);
        let region = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
        let got: Two = decode_msg_owned(buf, at).unwrap();
        assert_eq!(got, m);
        let addr = got.big.as_ptr() as usize;
        assert!(region.contains(&addr), "the payload was copied");
        assert_eq!(got.big.into_vec(), m.big.into_vec());
    }

    #[test]
    fn only_the_first_field_is_lent_the_others_copy() {
        let m = Two {
            n: 5,
            big: Payload::from(vec![1; 10]),
            other: Some(Payload::from(vec![2; 10])),
        };
        let (buf, at) = frame_of(&m);
        let got: Two = decode_msg_owned(buf, at).unwrap();
        assert_eq!(got, m);
    }

    /// A type whose `HasPayload` names the wrong field is refused rather
    /// than left with a field that reads empty.
    #[test]
    fn a_lent_field_the_message_does_not_name_is_an_error() {
        #[derive(Serialize, Deserialize)]
        struct Hidden {
            big: Payload,
        }
        impl HasPayload for Hidden {
            fn payload_field(&mut self) -> Option<&mut Payload> {
                None
            }
        }
        let mut buf = Vec::new();
        rmp_serde::encode::write_named(
            &mut buf,
            &Hidden {
                big: Payload::from(vec![4; 8]),
            },
        )
        .unwrap();
        let at = 0..buf.len();
        let r: Result<Hidden, _> = decode_msg_owned(buf, at);
        assert!(matches!(r, Err(WireError::Decode(_))));
    }

    /// Bytes written as an array of integers (a plain `Vec<u8>`) read too.
    #[test]
    fn an_array_of_integers_reads_as_bytes() {
        let ints = rmp_serde::to_vec(&vec![1u8, 2, 200]).unwrap();
        assert!(matches!(ints[0], 0x90..=0x9f), "written as an array");
        let p: Payload = decode_msg(&ints).unwrap();
        assert_eq!(&p[..], &[1, 2, 200]);
    }

    #[test]
    fn elsewhere_a_payload_copies_like_a_vec() {
        let m = Two {
            n: 1,
            big: Payload::from(vec![3; 50]),
            other: None,
        };
        let (buf, at) = frame_of(&m);
        let got: Two = decode_msg(&buf[at]).unwrap();
        assert_eq!(got, m);
        let v = got.big.into_vec();
        assert_eq!(v, vec![3; 50]);
    }
}
