//! Collects diagnostics so a macro reports every problem at once, each on
//! the span of the tokens at fault.

use proc_macro2::Span;

/// A growing set of compile errors.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    /// Records `msg` at `span`.
    pub(crate) fn push(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.push_err(syn::Error::new(span, msg));
    }

    /// Records `msg` spanning all of `tokens` (not just their first token).
    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        msg: impl std::fmt::Display,
    ) {
        self.push_err(syn::Error::new_spanned(tokens, msg));
    }

    /// Records an already-built error.
    pub(crate) fn push_err(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    /// `Ok(ok)` if nothing was recorded, else every error.
    pub(crate) fn finish<T>(self, ok: T) -> syn::Result<T> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(ok),
        }
    }
}
