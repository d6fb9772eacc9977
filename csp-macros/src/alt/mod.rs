//! `alt!`: parse (`parse.rs`) → model and check (`model.rs`) → expand
//! (`expand.rs`).

mod expand;
mod model;
mod parse;

use proc_macro2::TokenStream;

pub(crate) use model::{Alt, Arm, GuardKind};

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
