//! Encoding a process's result for a join handle on another node.
//!
//! A process that moved finishes wherever it is, and its result travels to
//! the node holding the join handle as MessagePack. Most results are
//! serializable, but a process with one that is not must still compile and
//! run (it just cannot be joined from another node), so the generated code
//! picks the encoder by autoref specialization on the concrete output type:
//! `(&OutWrap::<T>::new()).encoder()` finds [`EncodeOutput`] when `T:
//! Serialize`, and [`EncodeOutputFallback`] (one autoref further) when not.

use std::marker::PhantomData;

/// How to encode a result of type `T`, or `None`.
pub type OutputEncoder<T> = Option<fn(&T) -> Result<Vec<u8>, String>>;

/// Carries the output type for the specialization (see the module docs).
pub struct OutWrap<T>(PhantomData<fn() -> T>);

impl<T> OutWrap<T> {
    /// A marker for `T`.
    pub const fn new() -> Self {
        OutWrap(PhantomData)
    }
}

impl<T> Default for OutWrap<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when the output is serializable.
pub trait EncodeOutput<T> {
    /// The encoder.
    fn encoder(&self) -> OutputEncoder<T>;
}

impl<T: serde::Serialize> EncodeOutput<T> for OutWrap<T> {
    fn encoder(&self) -> OutputEncoder<T> {
        Some(|v| rmp_serde::to_vec_named(v).map_err(|e| e.to_string()))
    }
}

/// Chosen when it is not.
pub trait EncodeOutputFallback<T> {
    /// No encoder.
    fn encoder(&self) -> OutputEncoder<T>;
}

impl<T> EncodeOutputFallback<T> for &OutWrap<T> {
    fn encoder(&self) -> OutputEncoder<T> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NotSerde;

    #[test]
    // The borrow is the point: it is what picks the impl.
    #[allow(clippy::needless_borrow)]
    fn picks_serde_when_it_can() {
        #[allow(unused_imports)]
        use super::{EncodeOutput as _, EncodeOutputFallback as _};
        let e = (&OutWrap::<u32>::new())
            .encoder()
            .expect("u32 is Serialize");
        assert_eq!(e(&7).unwrap(), rmp_serde::to_vec_named(&7u32).unwrap());
        assert!((&OutWrap::<NotSerde>::new()).encoder().is_none());
    }
}
