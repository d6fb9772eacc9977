//! Writing a checkpoint's encoding around a frame serialized in place.
//!
//! A checkpoint is `MAGIC`, then the MessagePack array `[format,
//! identity, frame (bin), channels, schema]`, then a CRC (see `frozen`).
//! [`Frozen::freeze`](super::Frozen::freeze) writes everything up to the
//! frame's bin header, serializes the frame behind a placeholder, and then
//! fixes the header: the bytes are those `to_bytes` would write, but the
//! frame is never copied into them.

use std::ops::Range;

use super::frozen::{Identity, MAGIC};

/// A MessagePack array of the checkpoint's five fields.
const FIELDS: u8 = 0x95;
/// The largest bin header (`bin 32`): the placeholder's size.
const BIN32_LEN: usize = 5;

/// The encoding up to the frame: magic, array header, format, identity.
pub(crate) fn head(format: u32, identity: &Identity) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAGIC.len() + 64 + identity.name.len());
    out.extend_from_slice(MAGIC);
    out.push(FIELDS);
    // Plain data into a Vec: cannot fail.
    rmp_serde::encode::write(&mut out, &format).expect("encoding a number");
    rmp_serde::encode::write(&mut out, identity).expect("encoding an identity");
    out
}

/// Room kept after a large write into the encoding, for the channel
/// snapshots and schema that follow the frame: without it a buffer grown
/// to fit a large byte field exactly would be reallocated, and the frame
/// copied, to append them.
const TAIL_ROOM: usize = 16 * 1024;

/// Writes below this size grow the buffer the usual way (doubling leaves
/// room enough).
const LARGE_WRITE: usize = 64 * 1024;

/// The buffer the frame is serialized into: a `Vec` that keeps
/// [`TAIL_ROOM`] spare when a large write grows it.
pub(crate) struct Body<'a>(pub(crate) &'a mut Vec<u8>);

impl std::io::Write for Body<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.write_all(b)?;
        Ok(b.len())
    }
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        let v = &mut *self.0;
        if b.len() >= LARGE_WRITE && v.capacity() - v.len() < b.len() {
            v.reserve(b.len() + TAIL_ROOM);
        }
        v.extend_from_slice(b);
        Ok(())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Leaves room for the frame's bin header; returns where it goes.
pub(crate) fn open_bin(out: &mut Vec<u8>) -> usize {
    let mark = out.len();
    out.extend_from_slice(&[0; BIN32_LEN]);
    mark
}

/// Writes the bin header for everything after the placeholder at `mark`,
/// in the shortest form, as rmp-serde would (moving a frame that needs a
/// shorter header down over the spare bytes: only frames under 64 KiB
/// move). Returns where the frame lies.
pub(crate) fn close_bin(out: &mut Vec<u8>, mark: usize) -> Result<Range<usize>, String> {
    let body = mark + BIN32_LEN;
    let len = out.len() - body;
    let (header, used) = match (u8::try_from(len), u16::try_from(len), u32::try_from(len)) {
        (Ok(n), _, _) => ([0xc4, n, 0, 0, 0], 2),
        (_, Ok(n), _) => {
            let [a, b] = n.to_be_bytes();
            ([0xc5, a, b, 0, 0], 3)
        }
        (_, _, Ok(n)) => {
            let [a, b, c, d] = n.to_be_bytes();
            ([0xc6, a, b, c, d], BIN32_LEN)
        }
        _ => return Err(format!("the frame is {len} bytes, over 4 GiB")),
    };
    out[mark..mark + used].copy_from_slice(&header[..used]);
    let start = mark + used;
    if used < BIN32_LEN {
        out.copy_within(body.., start);
        out.truncate(start + len);
    }
    Ok(start..start + len)
}
