//! Procedural macros for csp. Use them through the `csp` crate
//! (`csp::alt!`, `csp::par!`); the generated code names only
//! `::csp::__private` items, so this crate is not a dependency of yours.
//!
//! Each macro works in stages, like serde_derive: **parse** the tokens into
//! a syntax tree close to what the user wrote, **model** it into what the
//! macro means (checking as it goes and collecting every error, each on its
//! own span), then **expand**. `#[process]` will reuse the alt and par
//! models to lower the same syntax inside process bodies.

use proc_macro::TokenStream;

mod alt;
mod errors;
mod par;
mod process;

/// `alt!`: see `csp::alt!` for the syntax and semantics.
#[proc_macro]
pub fn alt(input: TokenStream) -> TokenStream {
    alt::alt(input.into()).into()
}

/// `par!`: see `csp::par!` for the syntax and semantics.
#[proc_macro]
pub fn par(input: TokenStream) -> TokenStream {
    par::par(input.into()).into()
}

/// `#[process]`: see `csp::process` for the language it accepts.
#[proc_macro_attribute]
pub fn process(attr: TokenStream, item: TokenStream) -> TokenStream {
    process::process(attr.into(), item.into()).into()
}
