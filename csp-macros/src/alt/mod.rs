//! `alt!`: parse (`parse.rs`) → model and check (`model.rs`) → expand
//! (`expand.rs`).

mod expand;
mod model;
pub(crate) mod parse;

use proc_macro2::TokenStream;

pub(crate) use model::{Alt, Arm, GuardKind};

/// Parses and checks an `alt!` body (for `#[process]`, which lowers it
/// itself).
pub(crate) fn model(tokens: TokenStream) -> syn::Result<Alt> {
    Alt::from_input(syn::parse2::<parse::AltInput>(tokens)?)
}

/// The whole pipeline; errors become `compile_error!`s on their spans.
pub(crate) fn alt(input: TokenStream) -> TokenStream {
    let parsed = match syn::parse2::<parse::AltInput>(input) {
        Ok(p) => p,
        Err(e) => return e.to_compile_error(),
    };
    match Alt::from_input(parsed) {
        Ok(alt) => expand::expand(&alt),
        Err(e) => e.to_compile_error(),
    }
}
