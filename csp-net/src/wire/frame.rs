//! Length-prefixed frames: a 4-byte big-endian `u32` length, then that many
//! bytes of payload.
//!
//! The decoder is sans-IO: the caller reads from its socket, [`push`]es
//! the bytes, then calls [`next_frame`] until it returns `Ok(None)`. The
//! length is the only thing a peer controls before we commit memory, so it
//! is checked against the limit as soon as its four bytes are in, before
//! any payload is kept; and the buffer grows with the bytes that actually
//! arrived, never with what a header promises. Memory held is therefore at
//! most the largest allowed frame plus one read chunk.
//!
//! [`push`]: FrameDecoder::push
//! [`next_frame`]: FrameDecoder::next_frame

use std::ops::Range;

use super::error::WireError;

/// A frame's own buffer, and where its payload lies in it
/// ([`FrameDecoder::take_large_frame`]).
pub type OwnedFrame = (Vec<u8>, Range<usize>);

/// Bytes in a frame header: the big-endian `u32` payload length.
pub const HEADER_LEN: usize = 4;

/// The largest payload a header can describe.
const MAX_ENCODABLE: usize = u32::MAX as usize;

/// Buffer capacity kept while idle; a larger buffer (left by a large
/// frame) is released once it empties, so idle connections stay small.
const IDLE_CAPACITY: usize = 64 * 1024;

/// [`FrameDecoder::read_into`] grows the buffer when it has less room
/// than this.
const MIN_READ: usize = 4 * 1024;

/// Appends one frame holding `payload` to `out`.
///
/// Fails, leaving `out` untouched, if the payload is empty (the decoder
/// rejects empty frames, so we never send one) or longer than a `u32`
/// length can say.
pub fn encode_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), WireError> {
    let len = header_for(payload.len())?;
    out.reserve(HEADER_LEN + payload.len());
    out.extend_from_slice(&len);
    out.extend_from_slice(payload);
    Ok(())
}

/// The header for a payload of `len` bytes, if such a frame may exist.
fn header_for(len: usize) -> Result<[u8; HEADER_LEN], WireError> {
    if len == 0 {
        return Err(WireError::EmptyFrame);
    }
    let too_large = WireError::FrameTooLarge {
        len,
        max: MAX_ENCODABLE,
    };
    let len = u32::try_from(len).map_err(|_| too_large)?;
    Ok(len.to_be_bytes())
}

/// Starts a frame whose payload will be written straight into `out`:
/// appends a placeholder header and returns where the frame starts.
/// Finish it with [`finish_frame`].
pub(super) fn begin_frame(out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    start
}

/// Patches the header of the frame begun at `start` with the length of
/// everything written since. On error the partial frame is removed, so
/// `out` never holds an invalid frame.
pub(super) fn finish_frame(out: &mut Vec<u8>, start: usize) -> Result<(), WireError> {
    let payload_len = out.len().saturating_sub(start + HEADER_LEN);
    match header_for(payload_len) {
        Ok(header) => {
            out[start..start + HEADER_LEN].copy_from_slice(&header);
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Reassembles frames from a byte stream, whatever the chunking.
///
/// After any error the stream is out of step and cannot be resynchronized:
/// the decoder drops its buffer, ignores further input and returns the same
/// error from every later [`next_frame`](Self::next_frame). Close the
/// connection.
#[derive(Debug)]
pub struct FrameDecoder {
    max_frame: usize,
    buf: Vec<u8>,
    /// How much of `buf` has already been returned as frames.
    pos: usize,
    failed: Option<WireError>,
}

impl FrameDecoder {
    /// A decoder that accepts payloads of 1 to `max_frame` bytes.
    pub fn new(max_frame: usize) -> FrameDecoder {
        FrameDecoder {
            max_frame,
            buf: Vec::new(),
            pos: 0,
            failed: None,
        }
    }

    /// The largest payload this decoder accepts.
    pub fn max_frame(&self) -> usize {
        self.max_frame
    }

    /// Changes the limit for every frame not yet returned, such as raising
    /// it from [`HANDSHAKE_MAX_FRAME`](super::HANDSHAKE_MAX_FRAME) once the
    /// peer is authenticated. A frame already partly received that is over
    /// a lowered limit is an error at the next [`next_frame`].
    ///
    /// [`next_frame`]: Self::next_frame
    pub fn set_max_frame(&mut self, max_frame: usize) {
        self.max_frame = max_frame;
    }

    /// Bytes received but not yet returned as frames (for metrics).
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Appends bytes read from the peer. Call [`next_frame`] until it
    /// returns `Ok(None)` before pushing more, so that no more than one
    /// partial frame and one chunk are ever held.
    ///
    /// [`next_frame`]: Self::next_frame
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_some() || bytes.is_empty() {
            return;
        }
        self.release_if_empty();
        self.compact();
        self.reserve_for(bytes.len());
        self.buf.extend_from_slice(bytes);
        self.filled();
    }

    /// [`push`](Self::push) without the copy, for a caller that reads
    /// from its socket straight into the decoder: room for `chunk` more
    /// bytes, as the buffer to append them to (`AsyncReadExt::read_buf`
    /// does). Only append; then call [`filled`](Self::filled). After an
    /// error the buffer is a scratch one that is thrown away.
    pub fn read_into(&mut self, chunk: usize) -> &mut Vec<u8> {
        if self.failed.is_some() {
            self.buf.clear();
            return &mut self.buf;
        }
        self.release_if_empty();
        self.compact();
        // Room already there is used as it is: growing for a whole chunk
        // behind a few buffered bytes would take the buffer past its idle
        // size, and it would be reallocated on every read; and room for
        // the rest of a large frame must not be regrown (copying all of it)
        // to read its last few bytes.
        let missing = match self.frame_len() {
            Ok(Some(len)) => (self.pos + HEADER_LEN)
                .saturating_add(len)
                .saturating_sub(self.buf.len()),
            _ => usize::MAX,
        };
        if self.buf.capacity() - self.buf.len() < MIN_READ.min(chunk).min(missing) {
            self.reserve_for(chunk.min(missing));
        }
        &mut self.buf
    }

    /// Takes note of the bytes appended to [`read_into`](Self::read_into)'s
    /// buffer.
    pub fn filled(&mut self) {
        if self.failed.is_some() {
            self.buf = Vec::new();
            return;
        }
        // Check the header now, so bytes pushed without draining cannot
        // pile up behind a header that was never going to be accepted.
        if let Err(e) = self.frame_len() {
            self.fail(e);
        }
    }

    /// The next complete frame's payload, `Ok(None)` if more bytes are
    /// needed, or the error that broke the stream.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, WireError> {
        self.release_if_empty();
        let Some((start, end)) = self.next_span()? else {
            return Ok(None);
        };
        if self.hand_over(end) {
            // Moving the payload over the header, rather than copying it
            // into a fresh allocation, whose pages would all fault.
            let mut frame = std::mem::take(&mut self.buf);
            frame.drain(..HEADER_LEN);
            return Ok(Some(frame));
        }
        let frame = self.buf[start..end].to_vec();
        self.pos = end;
        self.release_if_empty();
        Ok(Some(frame))
    }

    /// [`next_frame`](Self::next_frame) without the copy: the payload as
    /// it lies in the buffer, borrowed until the next call. For a caller
    /// that decodes each frame at once (no allocation per frame, and a
    /// large frame is not moved).
    pub fn next_frame_ref(&mut self) -> Result<Option<&[u8]>, WireError> {
        // What the previous call returned is no longer borrowed.
        self.release_if_empty();
        let Some((start, end)) = self.next_span()? else {
            return Ok(None);
        };
        self.pos = end;
        Ok(Some(&self.buf[start..end]))
    }

    /// The next complete frame, if it is all the buffer holds and the
    /// buffer is large (over the idle size): the buffer itself, handed
    /// over, and where the payload lies in it. No copy, and nothing moved.
    /// `Ok(None)` for any other frame (take it with
    /// [`next_frame_ref`](Self::next_frame_ref)).
    pub fn take_large_frame(&mut self) -> Result<Option<OwnedFrame>, WireError> {
        self.release_if_empty();
        let Some((start, end)) = self.next_span()? else {
            return Ok(None);
        };
        if !self.hand_over(end) {
            return Ok(None);
        }
        Ok(Some((std::mem::take(&mut self.buf), start..end)))
    }

    /// Whether the frame ending at `end` is all the buffer holds, in a
    /// buffer the decoder would release once it is taken: then the
    /// buffer itself can go to the caller.
    fn hand_over(&self, end: usize) -> bool {
        self.pos == 0 && end == self.buf.len() && self.buf.capacity() > IDLE_CAPACITY
    }

    /// Where the next complete frame's payload lies in the buffer.
    fn next_span(&mut self) -> Result<Option<(usize, usize)>, WireError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let len = match self.frame_len() {
            Ok(Some(len)) => len,
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.fail(e)),
        };
        let start = self.pos + HEADER_LEN;
        let end = start.saturating_add(len);
        if self.buf.len() < end {
            return Ok(None);
        }
        Ok(Some((start, end)))
    }

    /// The validated payload length of the next frame, once its header is
    /// in.
    fn frame_len(&self) -> Result<Option<usize>, WireError> {
        let Some(header) = self.buf.get(self.pos..self.pos + HEADER_LEN) else {
            return Ok(None);
        };
        let mut be = [0; HEADER_LEN];
        be.copy_from_slice(header);
        let declared = u32::from_be_bytes(be);
        let len = usize::try_from(declared).unwrap_or(usize::MAX);
        if len == 0 {
            return Err(WireError::EmptyFrame);
        }
        if len > self.max_frame {
            return Err(WireError::FrameTooLarge {
                len,
                max: self.max_frame,
            });
        }
        Ok(Some(len))
    }

    /// Grows the buffer for `incoming` more bytes: doubling for amortized
    /// linear cost, but never beyond the current frame's end or what is
    /// actually arriving, so a header alone cannot make us allocate.
    fn reserve_for(&mut self, incoming: usize) {
        let needed = self.buf.len() + incoming;
        if needed <= self.buf.capacity() {
            return;
        }
        let frame_end = match self.frame_len() {
            Ok(Some(len)) => (self.pos + HEADER_LEN).saturating_add(len),
            _ => needed,
        };
        let doubled = self.buf.capacity().saturating_mul(2);
        let target = doubled.min(frame_end).max(needed);
        self.buf.reserve_exact(target - self.buf.len());
    }

    /// Moves the unread bytes to the front of the buffer.
    fn compact(&mut self) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    /// Resets an emptied buffer, releasing it if a large frame grew it.
    fn release_if_empty(&mut self) {
        if self.pos < self.buf.len() {
            return;
        }
        self.pos = 0;
        if self.buf.capacity() > IDLE_CAPACITY {
            self.buf = Vec::new();
        } else {
            self.buf.clear();
        }
    }

    /// Poisons the decoder with `e` and frees its buffer.
    fn fail(&mut self, e: WireError) -> WireError {
        self.buf = Vec::new();
        self.pos = 0;
        self.failed = Some(e.clone());
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_of(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            encode_frame(p, &mut out).unwrap();
        }
        out
    }

    fn drain(d: &mut FrameDecoder) -> Result<Vec<Vec<u8>>, WireError> {
        let mut got = Vec::new();
        while let Some(f) = d.next_frame()? {
            got.push(f);
        }
        Ok(got)
    }

    #[test]
    fn header_is_big_endian_length() {
        let mut out = vec![0xAA];
        encode_frame(b"abc", &mut out).unwrap();
        assert_eq!(out, [0xAA, 0, 0, 0, 3, b'a', b'b', b'c']);
    }

    #[test]
    fn one_byte_pushes_reassemble() {
        let bytes = frames_of(&[b"hello", b"x", &[7; 300]]);
        let mut d = FrameDecoder::new(1024);
        let mut got = Vec::new();
        for b in &bytes {
            d.push(std::slice::from_ref(b));
            got.extend(drain(&mut d).unwrap());
        }
        assert_eq!(got, vec![b"hello".to_vec(), b"x".to_vec(), vec![7; 300]]);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn many_frames_in_one_push() {
        let bytes = frames_of(&[b"a", b"bb", b"ccc"]);
        let mut d = FrameDecoder::new(8);
        d.push(&bytes);
        assert_eq!(
            drain(&mut d).unwrap(),
            vec![b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()]
        );
    }

    #[test]
    fn partial_frame_waits_for_more() {
        let bytes = frames_of(&[b"abcdef"]);
        let mut d = FrameDecoder::new(8);
        d.push(&bytes[..6]);
        assert_eq!(d.next_frame(), Ok(None));
        assert_eq!(d.buffered(), 6);
        d.push(&bytes[6..]);
        assert_eq!(d.next_frame(), Ok(Some(b"abcdef".to_vec())));
    }

    #[test]
    fn oversized_length_rejected_before_payload_is_buffered() {
        let mut d = FrameDecoder::new(1024);
        d.push(&u32::MAX.to_be_bytes());
        // Rejected on the header alone, and nothing kept or allocated.
        assert_eq!(d.buf.capacity(), 0);
        let err = WireError::FrameTooLarge {
            len: u32::MAX as usize,
            max: 1024,
        };
        assert_eq!(d.next_frame(), Err(err.clone()));
        d.push(&[0; 4096]);
        assert_eq!(d.buffered(), 0);
        assert_eq!(d.next_frame(), Err(err), "errors are sticky");
    }

    #[test]
    fn header_split_across_pushes_is_checked_when_complete() {
        let mut d = FrameDecoder::new(16);
        d.push(&[0, 0]);
        assert_eq!(d.next_frame(), Ok(None));
        d.push(&[0, 17, 1, 2, 3]);
        assert_eq!(
            d.next_frame(),
            Err(WireError::FrameTooLarge { len: 17, max: 16 })
        );
    }

    #[test]
    fn limit_is_inclusive() {
        let mut d = FrameDecoder::new(3);
        d.push(&frames_of(&[b"abc"]));
        assert_eq!(d.next_frame(), Ok(Some(b"abc".to_vec())));
    }

    #[test]
    fn zero_length_frame_rejected() {
        let mut d = FrameDecoder::new(16);
        d.push(&[0, 0, 0, 0, 1]);
        assert_eq!(d.next_frame(), Err(WireError::EmptyFrame));
        assert_eq!(
            encode_frame(&[], &mut Vec::new()),
            Err(WireError::EmptyFrame)
        );
    }

    #[test]
    fn limit_can_be_raised_and_lowered() {
        let bytes = frames_of(&[&[1; 100], &[2; 100]]);
        let mut d = FrameDecoder::new(10);
        d.set_max_frame(100);
        d.push(&bytes[..150]);
        assert_eq!(d.next_frame(), Ok(Some(vec![1; 100])));
        d.set_max_frame(99);
        assert_eq!(
            d.next_frame(),
            Err(WireError::FrameTooLarge { len: 100, max: 99 })
        );
    }

    #[test]
    fn bad_frame_after_good_one() {
        let mut bytes = frames_of(&[b"ok"]);
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        let mut d = FrameDecoder::new(16);
        d.push(&bytes);
        assert_eq!(d.next_frame(), Ok(Some(b"ok".to_vec())));
        assert_eq!(d.next_frame(), Err(WireError::EmptyFrame));
    }

    /// A large frame alone in the buffer is handed over with where its
    /// payload lies; one with the next frame's bytes behind it, or one
    /// not at the buffer's front, is left for `next_frame_ref`.
    #[test]
    fn only_a_large_frame_alone_in_the_buffer_is_handed_over() {
        let big: Vec<u8> = (0..IDLE_CAPACITY + 10).map(|i| i as u8).collect();
        let mut bytes = Vec::new();
        encode_frame(&big, &mut bytes).unwrap();
        let mut d = FrameDecoder::new(1 << 20);
        d.push(&bytes[..bytes.len() - 1]);
        assert_eq!(d.take_large_frame(), Ok(None), "incomplete");
        d.push(&bytes[bytes.len() - 1..]);
        let (buf, at) = d.take_large_frame().unwrap().expect("handed over");
        assert_eq!(&buf[at], &big[..]);
        assert_eq!(d.buffered(), 0);

        let mut two = bytes.clone();
        encode_frame(b"next", &mut two).unwrap();
        d.push(&two);
        assert_eq!(d.take_large_frame(), Ok(None), "bytes behind it");
        assert_eq!(d.next_frame_ref(), Ok(Some(&big[..])));
        assert_eq!(d.take_large_frame(), Ok(None), "not at the front");
        assert_eq!(d.next_frame_ref(), Ok(Some(&b"next"[..])));
    }

    #[test]
    fn header_alone_does_not_reserve_the_frame() {
        let mut d = FrameDecoder::new(1 << 20);
        d.push(&(1u32 << 20).to_be_bytes());
        d.push(&[1; 10]);
        assert_eq!(d.next_frame(), Ok(None));
        assert!(d.buf.capacity() < 1024, "capacity {}", d.buf.capacity());
    }

    #[test]
    fn memory_bounded_by_frame_plus_chunk() {
        let max = 10_000;
        let bytes = frames_of(&[&[1; 10_000], &[2; 5_000], &[3; 9_999]]);
        for chunk in [1, 7, 100, 4096, 30_000] {
            let mut d = FrameDecoder::new(max);
            let mut got = 0;
            for c in bytes.chunks(chunk) {
                d.push(c);
                assert!(
                    d.buf.capacity() <= max + HEADER_LEN + chunk,
                    "chunk {chunk}"
                );
                got += drain(&mut d).unwrap().len();
            }
            assert_eq!(got, 3);
        }
    }

    #[test]
    fn large_frame_buffer_released_when_idle() {
        let max = 1 << 20;
        let mut d = FrameDecoder::new(max);
        d.push(&frames_of(&[&vec![5; max]]));
        assert_eq!(d.next_frame().unwrap().map(|f| f.len()), Some(max));
        assert_eq!(d.buf.capacity(), 0);
    }

    #[test]
    fn finish_frame_patches_length_and_undoes_on_error() {
        let mut out = vec![9];
        let start = begin_frame(&mut out);
        out.extend_from_slice(b"xyz");
        finish_frame(&mut out, start).unwrap();
        assert_eq!(out, [9, 0, 0, 0, 3, b'x', b'y', b'z']);

        let start = begin_frame(&mut out);
        assert_eq!(finish_frame(&mut out, start), Err(WireError::EmptyFrame));
        assert_eq!(out.len(), 8);
    }

    #[test]
    fn borrowed_frames_and_direct_reads() {
        let bytes = frames_of(&[b"one", &[5; 70_000], b"two"]);
        let mut d = FrameDecoder::new(100_000);
        let mut got = Vec::new();
        for chunk in bytes.chunks(1000) {
            d.read_into(chunk.len()).extend_from_slice(chunk);
            d.filled();
            while let Some(f) = d.next_frame_ref().unwrap() {
                got.push(f.to_vec());
            }
        }
        assert_eq!(got, vec![b"one".to_vec(), vec![5; 70_000], b"two".to_vec()]);
        assert_eq!(d.buffered(), 0);
        // The large frame's buffer is released once nothing is borrowed.
        assert_eq!(d.next_frame_ref(), Ok(None));
        assert!(d.buf.capacity() <= IDLE_CAPACITY);
    }

    #[test]
    fn a_direct_read_past_the_limit_fails_and_keeps_nothing() {
        let mut d = FrameDecoder::new(8);
        d.read_into(4).extend_from_slice(&[0, 0, 0, 9]);
        d.filled();
        let e = d.next_frame_ref().unwrap_err();
        assert_eq!(e, WireError::FrameTooLarge { len: 9, max: 8 });
        d.read_into(64).extend_from_slice(&[1; 64]);
        d.filled();
        assert_eq!(d.buffered(), 0);
        assert_eq!(d.next_frame_ref(), Err(e));
    }

    /// Reads as a socket does: up to the room the decoder gives.
    fn read_like_a_socket(d: &mut FrameDecoder, stream: &mut &[u8], chunk: usize) {
        let buf = d.read_into(chunk);
        let n = (buf.capacity() - buf.len()).min(stream.len());
        buf.extend_from_slice(&stream[..n]);
        *stream = &stream[n..];
        d.filled();
    }

    #[test]
    fn a_large_frame_read_directly_is_never_regrown_past_its_end() {
        for len in [70_000, 200_000, 1 << 20, (1 << 20) + 4093] {
            let bytes = frames_of(&[&vec![3; len]]);
            let mut d = FrameDecoder::new(2 << 20);
            let mut stream = &bytes[..];
            while !stream.is_empty() {
                read_like_a_socket(&mut d, &mut stream, 64 * 1024);
                assert!(
                    d.buf.capacity() <= HEADER_LEN + len,
                    "{len}: capacity {} past the frame's end",
                    d.buf.capacity()
                );
            }
            assert_eq!(d.next_frame_ref().unwrap().map(<[u8]>::len), Some(len));
        }
    }
}
