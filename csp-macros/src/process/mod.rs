//! `#[process]`: an `async fn` becomes a resumable, inspectable state machine.
//!
//! Stages, each in its own file:
//!
//! 1. **parse** (`signature.rs`): the attribute arguments and the function
//!    signature, checked (async, no `self`, no generics, plain typed
//!    parameters);
//! 2. **model** (`pause.rs`, `names.rs`): which `.await`s are pause points,
//!    and which names each piece of code uses and defines;
//! 3. **lower** (`lower.rs`, `rewrite.rs`): the body becomes numbered states
//!    whose code is the user's statements, with every pause point, and every
//!    jump across one, turned into an explicit transition;
//! 4. **check** (`liveness.rs`): which locals live across a pause point;
//!    each must have a written type and a name of its own;
//! 5. **expand** (`expand.rs`): the frame struct, its pending-operation
//!    enum, the constructor, and `Process`/`Future` impls.
//!
//! Errors from every stage are collected and reported together.

mod expand;
mod liveness;
mod lower;
mod names;
mod pause;
mod rewrite;
mod signature;

use proc_macro2::TokenStream;

/// The whole pipeline; errors become `compile_error!`s on their spans.
pub(crate) fn process(attr: TokenStream, item: TokenStream) -> TokenStream {
    match run(attr, item) {
        Ok(ts) => ts,
        Err(e) => e.to_compile_error(),
    }
}

fn run(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let args: signature::Args = syn::parse2(attr)?;
    let func: syn::ItemFn = syn::parse2(item)?;
    let sig = signature::Signature::check(&args, &func)?;
    let lowered = lower::lower(&sig, &func.block)?;
    let frame = liveness::analyse(&sig, &func.block, &lowered)?;
    Ok(expand::expand(&sig, &func, &lowered, &frame))
}
