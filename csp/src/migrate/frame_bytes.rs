//! A frozen frame's bytes, without a copy when they were read from a
//! buffer the reader owns.
//!
//! A frame of a process that holds 16 MiB of data is 16 MiB: copying it
//! out of the checkpoint (or the network message) it arrived in costs as
//! much as sending it, most of it in page faults on the fresh allocation.
//! [`Frozen::from_vec`](super::Frozen::from_vec) keeps the buffer instead
//! and remembers where the frame lies in it.

use std::ops::{Deref, Range};

use serde::de::{Deserializer, SeqAccess, Visitor};

/// A frame's bytes: all of `buf`, or the part `at` of it.
pub(crate) struct FrameBytes {
    buf: Vec<u8>,
    at: Range<usize>,
    /// `buf` up to `at` is the start of this frame's checkpoint encoding,
    /// written by the freeze (see [`FrameBytes::enveloped`]).
    enveloped: bool,
}

impl FrameBytes {
    /// Bytes of their own.
    pub(crate) fn own(buf: Vec<u8>) -> FrameBytes {
        FrameBytes {
            at: 0..buf.len(),
            buf,
            enveloped: false,
        }
    }

    /// The part of `buf` that `field` was read from (`field` must borrow
    /// from `buf`, which [`Field::range_in`] checks).
    pub(crate) fn within(buf: Vec<u8>, at: Range<usize>) -> FrameBytes {
        debug_assert!(at.end <= buf.len());
        FrameBytes {
            buf,
            at,
            enveloped: false,
        }
    }

    /// A frame serialized straight into its checkpoint encoding: `buf`
    /// ends with the frame, at `at`, and everything before it is the
    /// encoding's start for this frame. Encoding it then appends the rest
    /// instead of copying the frame.
    pub(crate) fn enveloped(buf: Vec<u8>, at: Range<usize>) -> FrameBytes {
        debug_assert_eq!(at.end, buf.len());
        FrameBytes {
            buf,
            at,
            enveloped: true,
        }
    }

    /// The encoding's start and the frame, of an
    /// [`enveloped`](Self::enveloped) frame.
    pub(crate) fn envelope(&self) -> Option<&[u8]> {
        self.enveloped.then(|| &self.buf[..self.at.end])
    }

    /// The buffer of an [`enveloped`](Self::enveloped) frame, leaving
    /// this empty; `None` (and this untouched) for any other.
    pub(crate) fn take_envelope(&mut self) -> Option<Vec<u8>> {
        if !self.enveloped {
            return None;
        }
        self.enveloped = false;
        self.at = 0..0;
        Some(std::mem::take(&mut self.buf))
    }
}

impl Deref for FrameBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.buf[self.at.clone()]
    }
}

/// The frame field of a checkpoint as read: borrowed from the input when
/// it is one MessagePack bin, else (an older file's array of integers)
/// owned.
pub(crate) enum Field<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Field<'_> {
    /// Where a borrowed field lies in `whole`, which it was read from.
    pub(crate) fn range_in(&self, whole: &[u8]) -> Option<Range<usize>> {
        let Field::Borrowed(part) = self else {
            return None;
        };
        let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
        let end = start.checked_add(part.len())?;
        (end <= whole.len()).then_some(start..end)
    }

    /// The bytes, copied if borrowed.
    pub(crate) fn into_vec(self) -> Vec<u8> {
        match self {
            Field::Borrowed(b) => b.to_vec(),
            Field::Owned(v) => v,
        }
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Field<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Field<'a>, E> {
                Ok(Field::Borrowed(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Field<'a>, E> {
                Ok(Field::Owned(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Field<'a>, E> {
                Ok(Field::Owned(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Field<'a>, A::Error> {
                super::chanref::serde_bytes_compat::seq_to_vec(a).map(Field::Owned)
            }
        }
        d.deserialize_bytes(V(std::marker::PhantomData))
    }
}
