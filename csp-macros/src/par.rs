//! `par!(a, b, ..)`: parse a comma list of expressions, expand to a join.
//!
//! ```text
//! par!(a, b)
//! ```
//! becomes
//! ```text
//! {
//!     let mut f0 = pin!(MaybeDone::new(IntoFuture::into_future(a)));
//!     let mut f1 = pin!(MaybeDone::new(IntoFuture::into_future(b)));
//!     poll_fn(|cx| { let d0 = f0.as_mut().poll_done(cx); let d1 = ..;
//!                    if d0 & d1 { Ready(()) } else { Pending } }).await;
//!     (f0.as_mut().take_output(), f1.as_mut().take_output())
//! }
//! ```
//! Every branch is polled on every wake-up, in order, like `futures::join!`.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, Token};

pub(crate) fn par(input: TokenStream) -> TokenStream {
    let branches = match Punctuated::<Expr, Token![,]>::parse_terminated.parse2(input) {
        Ok(b) => b,
        Err(e) => {
            return crate::errors::or_help(
                e,
                "separate `par!` branches with commas: `par!(a.recv(), b.send(v))`",
            )
            .to_compile_error()
        }
    };
    if branches.is_empty() {
        return quote!(());
    }
    let names: Vec<_> = (0..branches.len())
        .map(|i| format_ident!("__csp_f{}", i, span = Span::mixed_site()))
        .collect();
    let dones: Vec<_> = (0..branches.len())
        .map(|i| format_ident!("__csp_d{}", i, span = Span::mixed_site()))
        .collect();
    let cx = format_ident!("__csp_cx", span = Span::mixed_site());
    let branches = branches.iter();
    quote! {{
        #(
            let mut #names = ::csp::__private::pin!(::csp::__private::MaybeDone::new(
                ::core::future::IntoFuture::into_future(#branches)
            ));
        )*
        ::csp::__private::poll_fn(|#cx| {
            #( let #dones = #names.as_mut().poll_done(#cx); )*
            if true #( & #dones )* {
                ::core::task::Poll::Ready(())
            } else {
                ::core::task::Poll::Pending
            }
        }).await;
        ( #( #names.as_mut().take_output(), )* )
    }}
}
