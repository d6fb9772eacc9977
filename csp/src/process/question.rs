//! `?` inside a process body.
//!
//! The body runs inside the frame's `step`, which returns `Poll<Output>`,
//! so the macro rewrites `expr?` to branch on [`QuestionMark`] and finish
//! the process with [`FromResidualOf`]. These mirror the unstable
//! `std::ops::Try` for the two types `?` is used with in practice, `Result`
//! (with `From` conversion of the error) and `Option`.

use std::convert::Infallible;

/// A value `?` can be applied to.
pub trait QuestionMark {
    /// What `?` evaluates to on success.
    type Ok;
    /// What it returns early with.
    type Residual;
    /// Success or the early-return residual.
    fn branch(self) -> Result<Self::Ok, Self::Residual>;
}

impl<T, E> QuestionMark for Result<T, E> {
    type Ok = T;
    type Residual = Result<Infallible, E>;

    fn branch(self) -> Result<T, Result<Infallible, E>> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(Err(e)),
        }
    }
}

impl<T> QuestionMark for Option<T> {
    type Ok = T;
    type Residual = Option<Infallible>;

    fn branch(self) -> Result<T, Option<Infallible>> {
        self.ok_or(None)
    }
}

/// A return type `?` can return a residual `R` through.
#[diagnostic::on_unimplemented(
    message = "`?` cannot return `{R}` from a process returning `{Self}`",
    label = "this `?` needs the process to return a compatible `Result` or `Option`"
)]
pub trait FromResidualOf<R> {
    /// The early return value.
    fn from_residual(r: R) -> Self;
}

impl<T, E, F: From<E>> FromResidualOf<Result<Infallible, E>> for Result<T, F> {
    fn from_residual(r: Result<Infallible, E>) -> Self {
        match r {
            Err(e) => Err(F::from(e)),
        }
    }
}

impl<T> FromResidualOf<Option<Infallible>> for Option<T> {
    fn from_residual(_: Option<Infallible>) -> Self {
        None
    }
}
