//! `alt!`: parse (`parse.rs`) → model and check (`model.rs`) → expand
//! (`expand.rs`).

mod expand;
mod model;
pub(crate) mod parse;

use proc_macro2::TokenStream;

pub(crate) use model::{Alt, Arm, GuardKind};

/// The fix for a syntax error in an `alt!`.
const SYNTAX: &str = "an alt! arm is `[pattern =] guard [, if condition] => body,` \
     (e.g. `Ok(v) = rx.recv() => v,`), or `default => body,`";

fn parse(tokens: TokenStream) -> syn::Result<parse::AltInput> {
    syn::parse2::<parse::AltInput>(tokens).map_err(|e| crate::errors::or_help(e, SYNTAX))
}

/// Parses and checks an `alt!` body (for `#[process]`, which lowers it
/// itself).
pub(crate) fn model(tokens: TokenStream) -> syn::Result<Alt> {
    Alt::from_input(parse(tokens)?)
}

/// The whole pipeline; errors become `compile_error!`s on their spans.
pub(crate) fn alt(input: TokenStream) -> TokenStream {
    let parsed = match parse(input) {
        Ok(p) => p,
        Err(e) => return e.to_compile_error(),
    };
    match Alt::from_input(parsed) {
        Ok(alt) => expand::expand(&alt),
        Err(e) => e.to_compile_error(),
    }
}
