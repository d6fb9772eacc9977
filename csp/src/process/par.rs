//! `par!` inside a process: one pause point that runs several operations
//! (receives, sends, sleeps, calls to other processes) at once and resumes
//! when all have finished, with the tuple of their results.
//!
//! Each branch is itself a pause operation, so a process frozen inside
//! `par!` carries its unfinished branches (settled, like any pending
//! operation) and the results of the finished ones.

use std::task::{Context, Poll};

use super::PauseOp;

/// One branch: still running, or finished with its result.
#[cfg_attr(feature = "migration", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "migration",
    serde(bound(
        serialize = "O: serde::Serialize, R: serde::Serialize",
        deserialize = "O: serde::de::DeserializeOwned, R: serde::de::DeserializeOwned"
    ))
)]
pub enum Branch<O, R> {
    /// Still running.
    Running(O),
    /// Finished; its result waits for the others.
    Done(R),
    /// Result handed out.
    Taken,
}

impl<O: PauseOp> Branch<O, O::Output> {
    /// A branch about to start.
    pub fn new(op: O) -> Self {
        Branch::Running(op)
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> bool {
        if let Branch::Running(op) = self {
            match op.poll_op(cx) {
                Poll::Ready(r) => *self = Branch::Done(r),
                Poll::Pending => return false,
            }
        }
        true
    }

    fn take(&mut self) -> O::Output {
        match std::mem::replace(self, Branch::Taken) {
            Branch::Done(r) => r,
            _ => panic!("par!: branch result taken twice or before it finished"),
        }
    }

    fn settle(&mut self) {
        if let Branch::Running(op) = self {
            op.settle_op();
        }
    }

    fn freezable(&self) -> bool {
        match self {
            Branch::Running(op) => op.freezable_op(),
            _ => true,
        }
    }
}

macro_rules! par_op {
    ($name:ident: $($b:ident $o:ident),+) => {
        /// A `par!` of this many branches inside a process.
        #[allow(non_snake_case)]
        pub struct $name<$($o: PauseOp),+> {
            $($b: Branch<$o, $o::Output>),+
        }

        #[allow(non_snake_case, clippy::too_many_arguments)]
        impl<$($o: PauseOp),+> $name<$($o),+> {
            /// Starts every branch.
            pub fn new($($b: $o),+) -> Self {
                $name { $($b: Branch::new($b)),+ }
            }
        }

        impl<$($o: PauseOp),+> PauseOp for $name<$($o),+> {
            fn describe_op(&self) -> &'static str {
                "par"
            }
            type Output = ($($o::Output,)+);

            fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
                let mut all = true;
                $( all &= self.$b.poll(cx); )+
                if all {
                    Poll::Ready(($(self.$b.take(),)+))
                } else {
                    Poll::Pending
                }
            }

            fn settle_op(&mut self) {
                $( self.$b.settle(); )+
            }

            fn freezable_op(&self) -> bool {
                true $( && self.$b.freezable() )+
            }

            fn validate_op(&self) -> Result<(), &'static str> {
                $( if let Branch::Running(op) = &self.$b { op.validate_op()?; } )+
                Ok(())
            }
        }

        /// Serialized as the tuple of its branches.
        #[cfg(feature = "migration")]
        impl<$($o: PauseOp + serde::Serialize),+> serde::Serialize for $name<$($o),+>
        where
            $($o::Output: serde::Serialize),+
        {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                ($(&self.$b,)+).serialize(s)
            }
        }

        #[cfg(feature = "migration")]
        #[allow(non_snake_case)]
        impl<'de, $($o: PauseOp + serde::de::DeserializeOwned),+> serde::Deserialize<'de> for $name<$($o),+>
        where
            $($o::Output: serde::de::DeserializeOwned),+
        {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let ($($b,)+) = <($(Branch<$o, $o::Output>,)+)>::deserialize(d)?;
                Ok($name { $($b),+ })
            }
        }
    };
}

par_op!(Par1: b0 O0);
par_op!(Par2: b0 O0, b1 O1);
par_op!(Par3: b0 O0, b1 O1, b2 O2);
par_op!(Par4: b0 O0, b1 O1, b2 O2, b3 O3);
par_op!(Par5: b0 O0, b1 O1, b2 O2, b3 O3, b4 O4);
par_op!(Par6: b0 O0, b1 O1, b2 O2, b3 O3, b4 O4, b5 O5);
par_op!(Par7: b0 O0, b1 O1, b2 O2, b3 O3, b4 O4, b5 O5, b6 O6);
par_op!(Par8: b0 O0, b1 O1, b2 O2, b3 O3, b4 O4, b5 O5, b6 O6, b7 O7);
