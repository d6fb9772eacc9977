//! Stage 3: the checked alt as Rust.
//!
//! ```text
//! alt! { Ok(v) = rx.recv() => a, tx.send(x), if c => b, default => d }
//! ```
//! becomes, with every generated name at `Span::mixed_site()` so user code
//! can neither see nor shadow it:
//! ```text
//! {
//!     let mut g0 = Some(RecvGuard::new(&(rx)));              // arm order:
//!     let mut g1 = if c { Some(SendGuard::new(&(tx), x)) }   // precondition,
//!                  else { None };                            // then guard
//!     let mut core = AltCore::new(2, biased, has_default);
//!     if g1.is_none() { core.disable(1) }
//!     enum Out<T0, T1> { A0(T0), A1(T1), Default }
//!     let out = loop {
//!         match poll_fn(|cx| core.poll(cx, &mut [&mut g0, &mut g1])).await {
//!             0 => { let o = g0.take_output();
//!                    if matches!(&o, Ok(v)) { break Out::A0(o) }   // else the arm
//!                    core.disable(0) }                             // is disabled
//!             1 => ..,
//!             _ => break Out::Default,
//!         }
//!     };
//!     match out { Out::A0(Ok(v)) => a, Out::A1(Ok(())) => b, Out::Default => d, _ => unreachable }
//! }
//! ```
//! Bodies run after the loop, so `break`, `continue`, `return` and `?` in
//! them act on the user's code, not on ours.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use super::{Alt, Arm, GuardKind};

fn name(s: &str) -> Ident {
    Ident::new(s, Span::mixed_site())
}

fn guard_name(i: usize) -> Ident {
    format_ident!("__csp_g{}", i, span = Span::mixed_site())
}

fn variant(i: usize) -> Ident {
    format_ident!("A{}", i, span = Span::mixed_site())
}

/// `let mut gI = ...;` for one arm: precondition first, then the guard.
fn build_guard(i: usize, arm: &Arm) -> TokenStream {
    let g = guard_name(i);
    let make = match &arm.kind {
        // Spanned at the user's expression, so a type error (say, `recv` on
        // something that is not a `Receiver`) points there.
        GuardKind::Recv { rx } => {
            quote_spanned!(rx.span()=> ::csp::__private::RecvGuard::new(&(#rx)))
        }
        GuardKind::Send { tx, value } => {
            quote_spanned!(tx.span()=> ::csp::__private::SendGuard::new(&(#tx), #value))
        }
        GuardKind::After { dur } => {
            quote_spanned!(dur.span()=> ::csp::__private::AfterGuard::new(#dur))
        }
    };
    match &arm.cond {
        None => quote!(let mut #g = ::core::option::Option::Some(#make);),
        Some(c) => quote! {
            let mut #g = if #c {
                ::core::option::Option::Some(#make)
            } else {
                ::core::option::Option::None
            };
        },
    }
}

/// The match arm that collects arm `i`'s output once it fired.
fn collect_output(i: usize, arm: &Arm, core: &Ident, out_ty: &Ident) -> TokenStream {
    let g = guard_name(i);
    let v = variant(i);
    let o = name("__csp_o");
    let pat = &arm.pat;
    quote! {
        #i => {
            let #o = ::core::option::Option::as_mut(&mut #g)
                .expect("alt!: a disabled arm fired")
                .take_output();
            #[allow(unreachable_patterns, unused_variables, unused_mut, clippy::match_like_matches_macro)]
            let matched = match &#o { #pat => true, _ => false };
            if matched {
                break #out_ty::#v(#o);
            }
            #core.disable(#i);
        }
    }
}

pub(super) fn expand(alt: &Alt) -> TokenStream {
    let n = alt.arms.len();
    let core = name("__csp_core");
    let out_ty = name("__CspAltOut");
    let out = name("__csp_out");
    let cx = name("__csp_cx");
    let biased = alt.biased;
    let has_default = alt.default.is_some();

    let guards = alt.arms.iter().enumerate().map(|(i, a)| build_guard(i, a));
    let disables = (0..n).map(|i| {
        let g = guard_name(i);
        quote!(if ::core::option::Option::is_none(&#g) { #core.disable(#i); })
    });
    let refs = (0..n).map(|i| {
        let g = guard_name(i);
        quote!(&mut #g as &mut dyn ::csp::__private::Guard)
    });
    let tys: Vec<Ident> = (0..n)
        .map(|i| format_ident!("T{}", i, span = Span::mixed_site()))
        .collect();
    let variants = (0..n).map(variant);
    let collects = alt
        .arms
        .iter()
        .enumerate()
        .map(|(i, a)| collect_output(i, a, &core, &out_ty));
    let bodies = alt.arms.iter().enumerate().map(|(i, a)| {
        let v = variant(i);
        let pat = &a.pat;
        let body = &a.body;
        quote!(#out_ty::#v(#pat) => #body,)
    });
    let default_body = match &alt.default {
        Some(b) => quote!(#out_ty::Default => #b,),
        None => quote!(#out_ty::Default => ::core::unreachable!(),),
    };

    quote! {{
        #(#guards)*
        let mut #core = ::csp::__private::AltCore::new(#n, #biased, #has_default);
        #(#disables)*
        #[allow(dead_code)]
        enum #out_ty<#(#tys),*> { #(#variants(#tys),)* Default }
        let #out = loop {
            let arm = ::csp::__private::poll_fn(|#cx| {
                #core.poll(#cx, &mut [#(#refs),*])
            }).await;
            match arm {
                #(#collects)*
                _ => break #out_ty::Default,
            }
        };
        #[allow(unreachable_patterns)]
        match #out {
            #(#bodies)*
            #default_body
            _ => ::core::unreachable!("alt!: output did not match the arm's pattern"),
        }
    }}
}
