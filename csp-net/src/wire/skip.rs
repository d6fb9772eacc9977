//! The length of one MessagePack value, found without decoding it.
//!
//! [`decode_msg`](super::decode_msg) decodes from a borrowed slice, so that
//! a byte array (a value, a frozen process) is copied once, straight out of
//! the frame; rmp-serde's borrowing reader does not say where the value
//! ended, so this walk checks that nothing follows it. It reads only
//! markers and lengths, never allocates, and stops at the first length
//! that runs past the input: hostile input costs at most one pass.

/// The length in bytes of the MessagePack value at the start of `bytes`,
/// or `None` if `bytes` ends before the value does (or holds the one
/// reserved marker, `0xc1`).
pub(super) fn value_len(bytes: &[u8]) -> Option<usize> {
    let mut at = 0usize;
    // Values still to walk: each array item and map key or value adds one.
    let mut left: usize = 1;
    while left > 0 {
        left -= 1;
        let marker = *bytes.get(at)?;
        at += 1;
        let (data, items) = match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
            0x80..=0x8f => (0, 2 * usize::from(marker & 0x0f)),
            0x90..=0x9f => (0, usize::from(marker & 0x0f)),
            0xa0..=0xbf => (usize::from(marker & 0x1f), 0),
            0xc1 => return None,
            // bin, str: a length, then that many bytes.
            0xc4 | 0xd9 => (read_len(bytes, &mut at, 1)?, 0),
            0xc5 | 0xda => (read_len(bytes, &mut at, 2)?, 0),
            0xc6 | 0xdb => (read_len(bytes, &mut at, 4)?, 0),
            // ext: a length, a type byte, the data.
            0xc7 => (read_len(bytes, &mut at, 1)?.checked_add(1)?, 0),
            0xc8 => (read_len(bytes, &mut at, 2)?.checked_add(1)?, 0),
            0xc9 => (read_len(bytes, &mut at, 4)?.checked_add(1)?, 0),
            0xca => (4, 0),
            0xcb => (8, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xce | 0xd2 => (4, 0),
            0xcf | 0xd3 => (8, 0),
            // fixext: a type byte and 1, 2, 4, 8 or 16 bytes.
            0xd4 => (2, 0),
            0xd5 => (3, 0),
            0xd6 => (5, 0),
            0xd7 => (9, 0),
            0xd8 => (17, 0),
            0xdc => (0, read_len(bytes, &mut at, 2)?),
            0xdd => (0, read_len(bytes, &mut at, 4)?),
            0xde => (0, read_len(bytes, &mut at, 2)?.checked_mul(2)?),
            0xdf => (0, read_len(bytes, &mut at, 4)?.checked_mul(2)?),
        };
        at = at.checked_add(data)?;
        if at > bytes.len() {
            return None;
        }
        left = left.checked_add(items)?;
        // Every value takes at least one byte: more values than bytes
        // left cannot end inside the input.
        if left > bytes.len() - at {
            return None;
        }
    }
    Some(at)
}

/// Reads a big-endian length of `n` bytes at `*at`, moving past it.
fn read_len(bytes: &[u8], at: &mut usize, n: usize) -> Option<usize> {
    let field = bytes.get(*at..at.checked_add(n)?)?;
    *at += n;
    let len = field.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    usize::try_from(len).ok()
}

#[cfg(test)]
mod tests {
    use super::value_len;
    use proptest::collection::vec;
    use proptest::prelude::*;
    use serde::{Deserialize, Serialize};

    /// How far rmp-serde's reading deserializer gets skipping one value of
    /// `bytes` (it counts what it consumed), if it can.
    fn consumed_by_rmp(bytes: &[u8]) -> Option<usize> {
        let mut rest = bytes;
        let mut de = rmp_serde::Deserializer::new(&mut rest);
        serde::de::IgnoredAny::deserialize(&mut de).ok()?;
        drop(de);
        Some(bytes.len() - rest.len())
    }

    /// Random bytes, most of them from the markers of containers, lengths
    /// and fixed-size values, so that the walk gets past the first byte.
    fn markerish() -> impl Strategy<Value = Vec<u8>> {
        let byte = prop_oneof![
            any::<u8>(),
            0x80u8..=0x9f,
            Just(0xc4u8),
            Just(0xd9u8),
            Just(0xdcu8),
            Just(0xdeu8),
            0xc7u8..=0xc9,
            0xd4u8..=0xd8,
            0u8..4,
        ];
        vec(byte, 0..64)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        /// The walk and rmp-serde agree on where a value ends, and the
        /// walk never panics.
        #[test]
        fn agrees_with_rmp_serde(bytes in prop_oneof![vec(any::<u8>(), 0..64), markerish()]) {
            let walked = value_len(&bytes);
            match consumed_by_rmp(&bytes) {
                Some(n) => prop_assert_eq!(walked, Some(n)),
                None => prop_assert_eq!(walked, None),
            }
        }
    }

    fn len_of<T: Serialize>(v: &T) -> (usize, Vec<u8>) {
        let bytes = rmp_serde::to_vec_named(v).unwrap();
        (bytes.len(), bytes)
    }

    #[test]
    fn every_marker_family_measures_its_encoding() {
        #[derive(Serialize)]
        struct All {
            small: u8,
            big: u64,
            neg: i64,
            tiny_neg: i8,
            f32: f32,
            f64: f64,
            yes: bool,
            none: Option<u8>,
            text: String,
            long_text: String,
            #[serde(with = "csp::migrate::serde_bytes")]
            bin: Vec<u8>,
            list: Vec<u16>,
            long_list: Vec<u8>,
            map: std::collections::BTreeMap<u32, String>,
            unit: (),
            nested: Vec<Vec<Option<i32>>>,
        }
        let v = All {
            small: 7,
            big: u64::MAX,
            neg: i64::MIN,
            tiny_neg: -3,
            f32: 1.5,
            f64: -2.25,
            yes: true,
            none: None,
            text: "héllo".into(),
            long_text: "x".repeat(70_000),
            bin: vec![9; 300],
            list: vec![1, 300, 65_535],
            long_list: vec![1; 20],
            map: (0..20).map(|i| (i * 1000, i.to_string())).collect(),
            unit: (),
            nested: vec![vec![Some(-1), None], vec![]],
        };
        let (n, bytes) = len_of(&v);
        assert_eq!(value_len(&bytes), Some(n));
    }

    #[test]
    fn trailing_bytes_are_not_counted() {
        let (n, mut bytes) = len_of(&(1u8, "ab"));
        bytes.extend_from_slice(&[0xc0, 0x01]);
        assert_eq!(value_len(&bytes), Some(n));
    }

    #[test]
    fn a_value_cut_short_has_no_length() {
        let (_, bytes) = len_of(&vec![vec![1u32; 10]; 10]);
        for cut in 0..bytes.len() {
            assert_eq!(value_len(&bytes[..cut]), None, "cut at {cut}");
        }
    }

    #[test]
    fn ext_and_reserved_markers() {
        // fixext 4 (type 1), ext8 of 3 bytes, then nil; the reserved 0xc1.
        assert_eq!(value_len(&[0xd6, 1, 0, 0, 0, 0]), Some(6));
        assert_eq!(value_len(&[0xc7, 3, 5, 1, 2, 3, 0xc0]), Some(6));
        assert_eq!(value_len(&[0xc1]), None);
        // A map32 claiming 2^32 - 1 entries in a few bytes.
        assert_eq!(value_len(&[0xdf, 0xff, 0xff, 0xff, 0xff, 0, 0]), None);
    }
}
