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
//!    each must have a written type, and the bindings of one name share its
//!    frame field, so they must not overlap and must agree on the type;
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
///
/// When the signature is fine but the body is refused, a stand-in for the
/// constructor and frame type is emitted next to the errors (see
/// [`expand::stub`]), so code that calls the process still compiles and the
/// refusal is the only error the user sees.
pub(crate) fn process(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut stub = TokenStream::new();
    match run(attr, item, &mut stub) {
        Ok(ts) => ts,
        Err(e) => {
            let mut ts = e.to_compile_error();
            ts.extend(stub);
            ts
        }
    }
}

fn run(attr: TokenStream, item: TokenStream, stub: &mut TokenStream) -> syn::Result<TokenStream> {
    let mut errs = crate::errors::Errors::default();
    let args = match syn::parse2::<signature::Args>(attr) {
        Ok(a) => a,
        Err(e) => {
            errs.push_err(e);
            signature::Args::default()
        }
    };
    let func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => f,
        Ok(other) => {
            let what = match &other {
                syn::Item::Struct(_) => "a struct",
                syn::Item::Enum(_) => "an enum",
                syn::Item::Impl(_) => "an `impl` block",
                syn::Item::Mod(_) => "a module",
                syn::Item::Trait(_) => "a trait",
                _ => "this item",
            };
            let at = crate::errors::ends(&other)
                .map(|(first, _)| first)
                .unwrap_or_else(proc_macro2::Span::call_site);
            let kw = item_keyword(&other).unwrap_or(at);
            errs.push(
                kw,
                format!("#[process] applies to an `async fn`, not to {what}"),
                "write the process as a function: `#[process] async fn name(params) -> T { .. }`",
            );
            return errs.finish(TokenStream::new());
        }
        Err(e) => {
            errs.push_err(e);
            return errs.finish(TokenStream::new());
        }
    };
    // Argument and signature errors are reported together.
    let sig = signature::Signature::check(&args, &func).map_err(|e| errs.push_err(e));
    let sig = errs.finish(sig)?.expect("no errors were recorded");
    *stub = expand::stub(&sig, &func);
    let lowered = lower::lower(&sig, &func.block)?;
    let frame = liveness::analyse(&sig, &func.block, &lowered)?;
    Ok(expand::expand(&sig, &func, &lowered, &frame))
}

/// The span of the keyword that says what kind of item this is.
fn item_keyword(item: &syn::Item) -> Option<proc_macro2::Span> {
    use syn::spanned::Spanned;
    Some(match item {
        syn::Item::Struct(s) => s.struct_token.span(),
        syn::Item::Enum(e) => e.enum_token.span(),
        syn::Item::Impl(i) => i.impl_token.span(),
        syn::Item::Mod(m) => m.mod_token.span(),
        syn::Item::Trait(t) => t.trait_token.span(),
        syn::Item::Const(c) => c.const_token.span(),
        syn::Item::Static(s) => s.static_token.span(),
        syn::Item::Type(t) => t.type_token.span(),
        _ => return None,
    })
}
