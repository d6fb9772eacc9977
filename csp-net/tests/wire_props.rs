//! Property tests for the wire decoders: a peer is untrusted input, so the
//! frame decoder and the message decoder must survive any bytes in any
//! chunking, and agree with a simple model of the format.
//!
//! [`check_decoder`] is generic: to fuzz another message type, give it a few
//! valid samples and a case count; it mutates their encodings (bit flips,
//! byte changes, truncation, insertion, deletion, oversized MessagePack
//! lengths, rewritten frame headers, trailing data) and checks that the
//! decoders never panic, fail only with decode errors, and accept a payload
//! only if it is exactly one value that re-encodes stably.

use std::cell::Cell;
use std::fmt::Debug;

use csp_net::proto::{AdminResp, Msg, PsRow};
use csp_net::wire::{
    decode_msg, decode_msg_owned, encode_frame, encode_msg, FrameDecoder, HandshakeMsg, Payload,
    WireError, HEADER_LEN, NONCE_LEN,
};
use csp_net::NodeId;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

// Case budget: at least 100 000 cases in all (checked at compile time),
// yet the file finishes in 10-20 s in a debug build on two cores.
const RANDOM_STREAM_CASES: u32 = 25_000;
const FRAME_ROUND_TRIP_CASES: u32 = 15_000;
const MSG_ROUND_TRIP_CASES: u32 = 10_000;
const RANDOM_PAYLOAD_CASES: u32 = 20_000;
const HANDSHAKE_MUTATION_CASES: u32 = 25_000;
const OTHER_MUTATION_CASES: u32 = 10_000;
const PS_MUTATION_CASES: u32 = 5_000;
const LARGE_FRAME_CASES: u32 = 1_000;
const TOTAL_CASES: u32 = RANDOM_STREAM_CASES
    + FRAME_ROUND_TRIP_CASES
    + MSG_ROUND_TRIP_CASES
    + RANDOM_PAYLOAD_CASES
    + HANDSHAKE_MUTATION_CASES
    + OTHER_MUTATION_CASES
    + PS_MUTATION_CASES
    + LARGE_FRAME_CASES;
const _: () = assert!(TOTAL_CASES >= 100_000);

fn config(cases: u32) -> Config {
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------
// Frames
// ---------------------------------------------------------------------------

/// The frame format, parsed all at once: the frames before the first bad
/// header, and the error of that header if there is one. Bytes of an
/// incomplete last frame are simply left over.
fn model_frames(bytes: &[u8], max: usize) -> (Vec<Vec<u8>>, Option<WireError>) {
    let mut frames = Vec::new();
    let mut rest = bytes;
    while rest.len() >= HEADER_LEN {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        if len == 0 {
            return (frames, Some(WireError::EmptyFrame));
        }
        if len > max {
            return (frames, Some(WireError::FrameTooLarge { len, max }));
        }
        let Some(frame) = rest.get(HEADER_LEN..HEADER_LEN + len) else {
            break;
        };
        frames.push(frame.to_vec());
        rest = &rest[HEADER_LEN + len..];
    }
    (frames, None)
}

/// Splits `bytes` into chunks whose sizes cycle through `sizes`.
fn chunks<'a>(bytes: &'a [u8], sizes: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    for size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at((*size).min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// What a decoder made of a stream.
struct Decoded {
    frames: Vec<Vec<u8>>,
    error: Option<WireError>,
    decoder: FrameDecoder,
}

/// Feeds `bytes` to a decoder in the given chunking, draining after each
/// push as a connection would, and checks the limits on the way.
/// `borrowed`: the connection's way, appending to `read_into`'s buffer and
/// taking frames by reference; else `push` and owned frames.
fn decode_stream(
    bytes: &[u8],
    sizes: &[usize],
    max: usize,
    borrowed: bool,
) -> Result<Decoded, TestCaseError> {
    let mut decoder = FrameDecoder::new(max);
    let mut frames = Vec::new();
    for chunk in chunks(bytes, sizes) {
        if borrowed {
            decoder.read_into(chunk.len()).extend_from_slice(chunk);
            decoder.filled();
        } else {
            decoder.push(chunk);
        }
        loop {
            let next = if borrowed {
                decoder.next_frame_ref().map(|f| f.map(<[u8]>::to_vec))
            } else {
                decoder.next_frame()
            };
            match next {
                Ok(Some(f)) => {
                    prop_assert!(!f.is_empty() && f.len() <= max, "frame of {}", f.len());
                    frames.push(f);
                }
                Ok(None) => break,
                Err(e) => {
                    return Ok(Decoded {
                        frames,
                        error: Some(e),
                        decoder,
                    })
                }
            }
        }
        // At most one partial frame is held between pushes.
        let held = decoder.buffered();
        prop_assert!(held < HEADER_LEN + max, "{} buffered", held);
    }
    Ok(Decoded {
        frames,
        error: None,
        decoder,
    })
}

/// Byte streams that are mostly frames, with junk, bare headers of any
/// length and empty headers mixed in, so every decoder path is reached.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let segment = prop_oneof![
        6 => vec(any::<u8>(), 1..48).prop_map(|p| {
            let mut out = Vec::new();
            encode_frame(&p, &mut out).expect("non-empty payload");
            out
        }),
        1 => vec(any::<u8>(), 0..16),
        1 => any::<u32>().prop_map(|n| n.to_be_bytes().to_vec()),
        1 => Just(vec![0, 0, 0, 0]),
    ];
    vec(segment, 0..10).prop_map(|s| s.concat())
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    vec(1usize..64, 1..8)
}

proptest! {
    #![proptest_config(config(RANDOM_STREAM_CASES))]

    /// Any bytes, any chunking, any limit: no panic, the same frames and
    /// the same error as the model, errors stick, and the buffer stays
    /// within one frame.
    #[test]
    fn random_streams_match_the_model(
        bytes in stream(),
        sizes in chunk_sizes(),
        max in prop_oneof![1 => 0usize..8, 4 => 8usize..100],
        borrowed in any::<bool>(),
    ) {
        let (want_frames, want_err) = model_frames(&bytes, max);
        let Decoded { frames, error, decoder: mut dec } =
            decode_stream(&bytes, &sizes, max, borrowed)?;
        prop_assert_eq!(frames, want_frames);
        prop_assert_eq!(&error, &want_err);
        if let Some(e) = error {
            prop_assert_eq!(dec.next_frame(), Err(e.clone()));
            dec.push(&[0, 0, 0, 1, 1]);
            prop_assert_eq!(dec.next_frame(), Err(e));
            prop_assert_eq!(dec.buffered(), 0);
        }
    }
}

proptest! {
    #![proptest_config(config(FRAME_ROUND_TRIP_CASES))]

    /// Frames encoded back to back come out identical under any chunking,
    /// with a limit exactly at the largest frame.
    #[test]
    fn frames_round_trip(
        payloads in vec(vec(any::<u8>(), 1..100), 0..12),
        sizes in chunk_sizes(),
        borrowed in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        for p in &payloads {
            encode_frame(p, &mut bytes).expect("non-empty payload");
        }
        let max = payloads.iter().map(Vec::len).max().unwrap_or(1);
        let out = decode_stream(&bytes, &sizes, max, borrowed)?;
        prop_assert_eq!(out.error, None);
        prop_assert_eq!(out.frames, payloads);
        prop_assert_eq!(out.decoder.buffered(), 0);
    }
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

fn handshake_msg() -> impl Strategy<Value = HandshakeMsg> {
    let nonce = || prop::array::uniform32(any::<u8>());
    prop_oneof![
        (any::<u32>(), any::<u32>(), any::<u64>(), ".{0,24}", nonce()).prop_map(
            |(magic, version, node, name, nonce)| HandshakeMsg::Hello {
                magic,
                version,
                node: NodeId(node),
                name,
                nonce,
            }
        ),
        nonce().prop_map(|mac| HandshakeMsg::Proof { mac }),
        ".{0,40}".prop_map(|reason| HandshakeMsg::Refuse { reason }),
    ]
}

proptest! {
    #![proptest_config(config(MSG_ROUND_TRIP_CASES))]

    /// Messages written with encode_msg come back equal through the frame
    /// decoder, whatever the chunking.
    #[test]
    fn messages_round_trip(msgs in vec(handshake_msg(), 0..6), sizes in chunk_sizes()) {
        let mut bytes = Vec::new();
        for m in &msgs {
            encode_msg(m, &mut bytes).expect("encodable");
        }
        let out = decode_stream(&bytes, &sizes, 4096, true)?;
        prop_assert_eq!(out.error, None);
        let decoded = out.frames
            .iter()
            .map(|f| decode_msg::<HandshakeMsg>(f))
            .collect::<Result<Vec<_>, _>>();
        prop_assert_eq!(decoded, Ok(msgs));
    }
}

/// Payloads assembled from MessagePack fragments the handshake uses (map
/// and array headers, its variant and field names, small and large
/// integers) and random bytes, so random input gets past the first byte.
/// Tokens are drawn as plain numbers and expanded by [`soup_token`],
/// which keeps generation cheap.
fn msgpack_soup() -> impl Strategy<Value = Vec<u8>> {
    (0u8..4, vec((0u8..16, any::<u64>()), 0..48)).prop_map(|(variant, tokens)| {
        let mut out = Vec::new();
        // Most start as a variant would, to reach the fields.
        if let Some(v) = ["Hello", "Proof", "Refuse"].get(usize::from(variant)) {
            out.push(0x81);
            push_fixstr(&mut out, v);
        }
        for (kind, r) in tokens {
            soup_token(&mut out, kind, r);
        }
        out
    })
}

fn soup_token(out: &mut Vec<u8>, kind: u8, r: u64) {
    const NAMES: [&str; 10] = [
        "Hello", "Proof", "Refuse", "magic", "version", "node", "name", "nonce", "mac", "reason",
    ];
    match kind {
        0..=2 => push_fixstr(out, NAMES[(r % 10) as usize]),
        3 | 4 => out.push(0x80 | (r % 6) as u8),
        5 | 6 => out.push(0x90 | (r % 16) as u8),
        7 => out.extend_from_slice(&[0xdc, 0x00, 0x20]),
        8..=10 => out.push((r % 128) as u8),
        11 => {
            out.push(0xce);
            out.extend_from_slice(&(r as u32).to_be_bytes());
        }
        12 => {
            out.push(0xcf);
            out.extend_from_slice(&r.to_be_bytes());
        }
        _ => out.extend_from_slice(&r.to_le_bytes()[..1 + (r % 3) as usize]),
    }
}

fn push_fixstr(out: &mut Vec<u8>, s: &str) {
    out.push(0xa0 | s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

proptest! {
    #![proptest_config(config(RANDOM_PAYLOAD_CASES))]

    /// Arbitrary payloads: no panic, only decode errors, and anything
    /// accepted is a real message.
    #[test]
    fn random_payloads_never_panic(
        payload in prop_oneof![vec(any::<u8>(), 0..128), msgpack_soup()],
    ) {
        check_payload::<HandshakeMsg>(&payload)?;
    }
}

/// Decodes `payload` as an `M`. A failure must be a decode error (never a
/// panic, never another kind, never an unbounded message). A success must
/// have used exactly the payload (one byte more is trailing, one byte less
/// is incomplete: MessagePack values are self-delimiting) and re-encode to
/// bytes that decode and re-encode identically. Returns whether it was
/// accepted.
fn check_payload<M: DeserializeOwned + Serialize + Debug>(
    payload: &[u8],
) -> Result<bool, TestCaseError> {
    let m = match decode_msg::<M>(payload) {
        Ok(m) => m,
        Err(e) => {
            let decode_error = matches!(e, WireError::Decode(_) | WireError::TrailingBytes { .. });
            prop_assert!(decode_error, "unexpected error kind: {e:?}");
            prop_assert!(e.to_string().len() < 1024, "error text unbounded");
            return Ok(false);
        }
    };
    let longer = [payload, &[0xc0]].concat();
    let trailing = decode_msg::<M>(&longer).err();
    prop_assert_eq!(trailing, Some(WireError::TrailingBytes { n: 1 }));
    let shorter = &payload[..payload.len().saturating_sub(1)];
    prop_assert!(
        decode_msg::<M>(shorter).is_err(),
        "{m:?} accepted without its last byte"
    );
    let once = frame_of(&m)?;
    let again: M = decode_msg(&once[HEADER_LEN..])
        .map_err(|e| TestCaseError::fail(format!("{m:?} does not survive re-encoding: {e}")))?;
    prop_assert_eq!(&once, &frame_of(&again)?, "unstable encoding of {:?}", m);
    Ok(true)
}

fn frame_of<M: Serialize>(m: &M) -> Result<Vec<u8>, TestCaseError> {
    let mut out = Vec::new();
    encode_msg(m, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(out)
}

// ---------------------------------------------------------------------------
// Mutation of valid encodings (reusable for any message type)
// ---------------------------------------------------------------------------

/// A change to an encoded frame (header included).
#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Truncate(Index),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
    /// Overwrites with a str32/bin32/array32/map32 marker and a length.
    BigLength(Index, u8, u32),
    /// Rewrites the frame header to another length.
    FrameLength(u32),
    /// Moves the frame header's length by a small amount.
    FrameLengthDelta(i8),
    /// Appends bytes after the message, inside the frame.
    Trailing(Vec<u8>),
}

impl Mutation {
    fn apply(&self, b: &mut Vec<u8>) {
        match self {
            Mutation::FlipBit(i, bit) => at(b, i, |x| *x ^= 1 << (bit % 8)),
            Mutation::SetByte(i, v) => at(b, i, |x| *x = *v),
            Mutation::Truncate(i) => b.truncate(i.index(b.len() + 1)),
            Mutation::Insert(i, bytes) => {
                let pos = i.index(b.len() + 1);
                b.splice(pos..pos, bytes.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let pos = i.index(b.len() + 1);
                b.drain(pos..(pos + n).min(b.len()));
            }
            Mutation::BigLength(i, marker, len) => {
                let pos = i.index(b.len() + 1);
                let mut patch = vec![*marker];
                patch.extend_from_slice(&len.to_be_bytes());
                let end = (pos + patch.len()).min(b.len());
                b.splice(pos..end, patch);
            }
            Mutation::FrameLength(len) => set_header(b, *len),
            Mutation::FrameLengthDelta(d) => {
                let len = header(b).wrapping_add_signed(i32::from(*d));
                set_header(b, len);
            }
            Mutation::Trailing(bytes) => {
                b.extend_from_slice(bytes);
                let len = b.len().saturating_sub(HEADER_LEN) as u32;
                set_header(b, len);
            }
        }
    }
}

fn at(b: &mut [u8], i: &Index, f: impl FnOnce(&mut u8)) {
    if !b.is_empty() {
        f(&mut b[i.index(b.len())]);
    }
}

fn header(b: &[u8]) -> u32 {
    match b.get(..HEADER_LEN) {
        Some(h) => u32::from_be_bytes([h[0], h[1], h[2], h[3]]),
        None => 0,
    }
}

fn set_header(b: &mut [u8], len: u32) {
    if let Some(h) = b.get_mut(..HEADER_LEN) {
        h.copy_from_slice(&len.to_be_bytes());
    }
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let big_marker = prop::sample::select(vec![0xdbu8, 0xc6, 0xdd, 0xdf]);
    let big_len = prop_oneof![Just(u32::MAX), Just(1 << 31), 0u32..300];
    prop_oneof![
        4 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, v)| Mutation::SetByte(i, v)),
        2 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), vec(any::<u8>(), 1..6)).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => (any::<Index>(), 1usize..6).prop_map(|(i, n)| Mutation::Remove(i, n)),
        2 => (any::<Index>(), big_marker, big_len).prop_map(|(i, m, l)| Mutation::BigLength(i, m, l)),
        1 => any::<u32>().prop_map(Mutation::FrameLength),
        2 => any::<i8>().prop_map(Mutation::FrameLengthDelta),
        1 => vec(any::<u8>(), 1..6).prop_map(Mutation::Trailing),
    ]
}

/// Fuzzes the decoding of `M` with `cases` mutations of the encodings of
/// `valid_samples`.
///
/// Each case encodes a sample as a frame, applies zero to three
/// mutations, and feeds the result through a [`FrameDecoder`] (in random
/// chunks, limit just above the samples' size) and, bypassing the header,
/// straight to [`decode_msg`]. Nothing may panic; every frame is checked
/// with [`check_payload`]; unmutated samples must decode to their own
/// encoding. Over the run, both accepted and rejected mutants must occur,
/// so the check cannot pass vacuously (mutants that still decode are
/// where a lax decoder would show).
fn check_decoder<M: DeserializeOwned + Serialize + Debug>(valid_samples: Vec<M>, cases: u32) {
    let encoded: Vec<Vec<u8>> = valid_samples
        .iter()
        .map(|m| frame_of(m).expect("valid samples encode"))
        .collect();
    assert!(!encoded.is_empty(), "check_decoder needs samples");
    let max = encoded.iter().map(Vec::len).max().unwrap_or(0) + 16;
    let (accepted, rejected) = (Cell::new(0u32), Cell::new(0u32));
    let strategy = (0..encoded.len(), vec(mutation(), 0..4), chunk_sizes());
    let mut runner = TestRunner::new(config(cases));
    let result = runner.run(&strategy, |(i, mutations, sizes)| {
        let mut bytes = encoded[i].clone();
        for m in &mutations {
            m.apply(&mut bytes);
        }
        // As a connection reads them.
        let frames = decode_stream(&bytes, &sizes, max, true)?.frames;
        for f in &frames {
            check_payload::<M>(f)?;
        }
        let direct = check_payload::<M>(bytes.get(HEADER_LEN..).unwrap_or(&[]))?;
        if !mutations.is_empty() {
            let counter = if direct { &accepted } else { &rejected };
            counter.set(counter.get() + 1);
        }
        if mutations.is_empty() {
            prop_assert!(direct && frames.len() == 1 && frames[0] == encoded[i][HEADER_LEN..]);
            let m = decode_msg::<M>(&frames[0]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(&frame_of(&m)?, &encoded[i], "sample does not round-trip");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(accepted.get() > 0, "no mutant frame was ever accepted");
    assert!(rejected.get() > 0, "no mutant frame was ever rejected");
}

fn handshake_samples() -> Vec<HandshakeMsg> {
    vec![
        HandshakeMsg::Hello {
            magic: 0x4353_504E,
            version: 1,
            node: NodeId(0x0123_4567_89ab_cdef),
            name: "node-a.example".into(),
            nonce: [0x5a; NONCE_LEN],
        },
        HandshakeMsg::Hello {
            magic: 0,
            version: u32::MAX,
            node: NodeId(1),
            name: String::new(),
            nonce: [0; NONCE_LEN],
        },
        HandshakeMsg::Proof {
            mac: [0xff; NONCE_LEN],
        },
        HandshakeMsg::Refuse {
            reason: "protocol version 2 is not supported".into(),
        },
    ]
}

#[test]
fn mutated_handshake_messages_never_panic() {
    check_decoder(handshake_samples(), HANDSHAKE_MUTATION_CASES);
}

/// A message shape unlike the handshake's (options, nested sequences, a
/// map, unit and newtype variants), to show `check_decoder` is generic.
#[derive(Debug, Serialize, Deserialize)]
enum Other {
    Unit,
    Wrapped(u16),
    Rich {
        items: Vec<(u8, String)>,
        parent: Option<Box<Other>>,
        table: std::collections::BTreeMap<String, Vec<i64>>,
        data: Vec<u8>,
    },
}

#[test]
fn mutated_other_messages_never_panic() {
    let table = [
        ("a".to_string(), vec![-1, 2, i64::MAX]),
        ("bb".to_string(), vec![]),
    ];
    let samples = vec![
        Other::Unit,
        Other::Wrapped(513),
        Other::Rich {
            items: vec![(1, "one".into()), (200, String::new())],
            parent: Some(Box::new(Other::Wrapped(7))),
            table: table.into_iter().collect(),
            data: vec![9; 20],
        },
    ];
    check_decoder(samples, OTHER_MUTATION_CASES);
}

fn ps_row(at: Option<(&str, u32)>) -> PsRow {
    PsRow {
        pid: 0x91f3_cbb6_eaf9_8f7f,
        name: "Wanderer".into(),
        origin: 7,
        state: "in recv".into(),
        at: at.map(|(f, l)| (f.to_string(), l)),
    }
}

/// `cspctl ps` answers: rows with a source location and without.
#[test]
fn mutated_ps_replies_never_panic() {
    let samples = vec![
        AdminResp::Ps(vec![
            ps_row(Some(("csp-net/tests/shared/procs.rs", 13))),
            ps_row(None),
        ]),
        AdminResp::Ps(vec![]),
    ];
    check_decoder(samples, PS_MUTATION_CASES);
}

/// A `ps` row as a node built before rows had `at` sends it.
#[derive(Serialize)]
struct RowWithoutAt {
    pid: u64,
    name: String,
    origin: u64,
    state: String,
}

/// A `ps` row whose `at` is not a (file, line) pair.
#[derive(Serialize)]
struct RowWithBadAt {
    pid: u64,
    name: String,
    origin: u64,
    state: String,
    at: String,
}

fn decode_row<M: Serialize>(m: &M) -> Result<PsRow, WireError> {
    let bytes = frame_of(m).expect("encodes");
    decode_msg::<PsRow>(&bytes[HEADER_LEN..])
}

#[test]
fn a_ps_row_without_a_location_reads_as_unknown() {
    let old = RowWithoutAt {
        pid: 1,
        name: "Wanderer".into(),
        origin: 2,
        state: "in recv".into(),
    };
    let row = decode_row(&old).expect("an older node's row still decodes");
    assert_eq!(row.at, None);
    assert_eq!((row.pid, row.state.as_str()), (1, "in recv"));
}

#[test]
fn a_ps_row_with_a_malformed_location_is_a_decode_error() {
    let bad = RowWithBadAt {
        pid: 1,
        name: "Wanderer".into(),
        origin: 2,
        state: "in recv".into(),
        at: "procs.rs:13".into(),
    };
    assert!(matches!(decode_row(&bad), Err(WireError::Decode(_))));
}

/// A frozen process large enough to be decoded in the buffer it arrived
/// in. Mutants of it, read the connection's way (`take_large_frame` and
/// `decode_msg_owned` for a large frame, `next_frame_ref` and
/// `decode_msg` for any other), must decode exactly as `decode_msg` of a
/// copy does (the same message or the same error), and an accepted
/// frozen process must be left in that buffer.
#[test]
fn large_frames_decode_in_place_as_they_would_from_a_copy() {
    let frozen: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let sample = Msg::Prepare {
        token: 3,
        pid: 1 << 50,
        origin: 2,
        moves: 9,
        frozen: Payload::from(frozen),
        fresh: false,
    };
    let encoded = frame_of(&sample).expect("encodes");
    let max = encoded.len() + 16;
    let in_place = Cell::new(0u32);
    let strategy = (vec(mutation(), 0..3), vec(1usize..100_000, 1..4));
    let mut runner = TestRunner::new(config(LARGE_FRAME_CASES));
    let result = runner.run(&strategy, |(mutations, sizes)| {
        let mut bytes = encoded.clone();
        for m in &mutations {
            m.apply(&mut bytes);
        }
        let mut dec = FrameDecoder::new(max);
        for chunk in chunks(&bytes, &sizes) {
            dec.read_into(chunk.len()).extend_from_slice(chunk);
            dec.filled();
            loop {
                let (got, copy) = match dec.take_large_frame() {
                    Ok(Some((buf, at))) => {
                        let copy = buf[at.clone()].to_vec();
                        let region = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
                        let got = decode_msg_owned::<Msg>(buf, at);
                        if let Ok(Msg::Prepare { frozen, .. }) = &got {
                            let addr = frozen.as_ptr() as usize;
                            prop_assert!(frozen.is_empty() || region.contains(&addr));
                            in_place.set(in_place.get() + 1);
                        }
                        (got, copy)
                    }
                    Ok(None) => match dec.next_frame_ref() {
                        Ok(Some(f)) => (decode_msg::<Msg>(f), f.to_vec()),
                        Ok(None) | Err(_) => break,
                    },
                    Err(_) => break,
                };
                prop_assert_eq!(got, decode_msg::<Msg>(&copy));
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(in_place.get() > 0, "no frame was ever decoded in place");
}
