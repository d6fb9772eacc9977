//! How a frame field is written: `nil` when the local holds no value at
//! the frame's state, else a one-element array around the value.
//!
//! Frame fields are `Option<T>` (a state takes its locals out and puts
//! them back), and serde writes `Some(v)` as `v` itself. A local whose
//! value is itself written as `nil` (an `Option` holding `None`, `()`)
//! would then read back as absent, and its frame would not thaw. The
//! array makes presence explicit, for one byte per field; it also lets a
//! declared upgrade tell, without knowing the type, which locals an older
//! frame holds (see `upgrade.rs`).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Writes `nil`, or `[v]`.
pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(x) => (x,).serialize(s),
    }
}

/// Reads what [`serialize`] writes.
pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    Ok(Option::<(T,)>::deserialize(d)?.map(|(x,)| x))
}

/// The same for a `Vec<u8>` field, whose value is one MessagePack bin
/// (`[bin]`; reading also accepts an array of integers inside).
pub mod bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::super::chanref::serde_bytes_compat::option::{Bytes, Ref};

    /// Writes `nil`, or `[bin]`.
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => s.serialize_none(),
            Some(b) => (Ref(b),).serialize(s),
        }
    }

    /// Reads what [`serialize`] writes.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Ok(Option::<(Bytes,)>::deserialize(d)?.map(|(b,)| b.0))
    }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct F {
        #[serde(with = "super")]
        a: Option<Option<u64>>,
        #[serde(with = "super")]
        b: Option<()>,
        #[serde(with = "super::bytes")]
        c: Option<Vec<u8>>,
    }

    #[test]
    fn a_value_written_as_nil_is_still_present() {
        for f in [
            F {
                a: Some(None),
                b: Some(()),
                c: Some(vec![1, 2]),
            },
            F {
                a: None,
                b: None,
                c: None,
            },
            F {
                a: Some(Some(7)),
                b: None,
                c: Some(Vec::new()),
            },
        ] {
            let b = rmp_serde::to_vec(&f).unwrap();
            assert_eq!(rmp_serde::from_slice::<F>(&b).unwrap(), f);
        }
        // Present: a one-element array; absent: nil; bytes inside as bin.
        let b = rmp_serde::to_vec(&F {
            a: Some(None),
            b: None,
            c: Some(vec![9]),
        })
        .unwrap();
        assert_eq!(b, [0x93, 0x91, 0xc0, 0xc0, 0x91, 0xc4, 0x01, 0x09]);
    }
}
