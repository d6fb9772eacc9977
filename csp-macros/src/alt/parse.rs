//! Stage 1: tokens to a syntax tree that mirrors what the user wrote.
//!
//! ```text
//! alt! {
//!     biased;                              // optional: priority alt
//!     [pat =] guard [, if cond] => body [,]
//!     default => body [,]
//! }
//! ```
//!
//! Nothing is interpreted here: a guard is any expression; `model.rs` decides
//! whether it is one we support.

use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, Pat, Token};

/// `alt! { .. }` as written.
pub(crate) struct AltInput {
    pub(crate) biased: Option<Ident>,
    pub(crate) arms: Vec<RawArm>,
}

/// One arm as written.
pub(crate) struct RawArm {
    pub(crate) pat: Option<Pat>,
    pub(crate) guard: RawGuard,
    pub(crate) cond: Option<Expr>,
    pub(crate) body: Expr,
}

/// The event of an arm: an expression, or the `default` keyword.
// A few exist per `alt!`, only while the macro runs, so boxing the larger
// variant would buy nothing. (`syn::Expr` passed clippy's size threshold
// when proc-macro2's `span-locations` came in for pause-point lines.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum RawGuard {
    Expr(Expr),
    Default(Ident),
}

impl Parse for AltInput {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let biased = if input.peek(Ident) && input.peek2(Token![;]) {
            let id: Ident = input.parse()?;
            if id != "biased" {
                return Err(syn::Error::new(
                    id.span(),
                    crate::errors::with_help(
                        format!("unknown alt! option `{id}`"),
                        "the only option is `biased;` (arms are tried in order); without it \
                         the choice is fair",
                    ),
                ));
            }
            input.parse::<Token![;]>()?;
            Some(id)
        } else {
            None
        };
        let mut arms = Vec::new();
        while !input.is_empty() {
            arms.push(input.parse()?);
        }
        Ok(AltInput { biased, arms })
    }
}

/// `pat =` ahead, as opposed to a guard expression: a pattern followed by a
/// single `=` (not `==` or `=>`).
fn has_binding(input: ParseStream<'_>) -> bool {
    let fork = input.fork();
    Pat::parse_single(&fork).is_ok()
        && fork.peek(Token![=])
        && !fork.peek(Token![==])
        && !fork.peek(Token![=>])
}

impl Parse for RawArm {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let pat = if has_binding(input) {
            let p = Pat::parse_single(input)?;
            input.parse::<Token![=]>()?;
            Some(p)
        } else {
            None
        };
        let guard = if input.peek(Ident)
            && (input.peek2(Token![=>]) || input.peek2(Token![,]))
            && input.fork().parse::<Ident>()? == "default"
        {
            RawGuard::Default(input.parse()?)
        } else {
            RawGuard::Expr(Expr::parse_without_eager_brace(input)?)
        };
        let cond = if input.peek(Token![,]) && input.peek2(Token![if]) {
            input.parse::<Token![,]>()?;
            input.parse::<Token![if]>()?;
            Some(Expr::parse_without_eager_brace(input)?)
        } else {
            None
        };
        input.parse::<Token![=>]>()?;
        let body: Expr = input.parse()?;
        let block_like = matches!(
            body,
            Expr::Block(_)
                | Expr::If(_)
                | Expr::Match(_)
                | Expr::Loop(_)
                | Expr::While(_)
                | Expr::ForLoop(_)
                | Expr::Unsafe(_)
        );
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        } else if !input.is_empty() && !block_like {
            return Err(syn::Error::new_spanned(
                &body,
                crate::errors::with_help(
                    "expected `,` after this alt! arm's body",
                    "end the arm with `,` (a `{ .. }` body needs none)",
                ),
            ));
        }
        Ok(RawArm {
            pat,
            guard,
            cond,
            body,
        })
    }
}
