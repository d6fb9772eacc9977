//! Collects diagnostics so a macro reports every problem at once, each on
//! the span of the tokens at fault, with the fix.
//!
//! A proc macro on stable Rust can only emit `compile_error!`, which has no
//! `help:` sub-diagnostic; the fix goes on a second line of the message,
//! which rustc prints right under the first:
//!
//! ```text
//! error: a pause point cannot be in a `match` guard
//!        help: evaluate it before the `match` ..
//!  --> src/lib.rs:8:14
//! ```

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// A growing set of compile errors.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

/// `msg` followed by its fix on a `help:` line.
pub(crate) fn with_help(msg: impl std::fmt::Display, help: impl std::fmt::Display) -> String {
    format!("{msg}\nhelp: {help}")
}

/// Gives each error in `e` that has no fix yet (syn's own parse errors,
/// such as "expected `=>`") the fix `help`.
pub(crate) fn or_help(e: syn::Error, help: &str) -> syn::Error {
    let mut out: Option<syn::Error> = None;
    for one in e {
        let msg = one.to_string();
        let one = if msg.contains("\nhelp: ") {
            one
        } else {
            syn::Error::new(one.span(), with_help(msg, help))
        };
        match &mut out {
            Some(all) => all.combine(one),
            None => out = Some(one),
        }
    }
    out.expect("a syn::Error holds at least one error")
}

/// Tokens whose first token is at `first` and last at `last`: spanning an
/// error with them underlines everything in between (syn spans an error
/// from the first to the last token it is given; stable Rust cannot join
/// spans any other way).
pub(crate) fn range(first: Span, last: Span) -> TokenStream {
    let a = proc_macro2::Ident::new("__csp_first", first);
    let b = proc_macro2::Ident::new("__csp_last", last);
    quote::quote!(#a #b)
}

/// The span of the first and of the last token of `tokens`.
pub(crate) fn ends(tokens: &impl ToTokens) -> Option<(Span, Span)> {
    let mut it = tokens.to_token_stream().into_iter();
    let first = it.next()?.span();
    let last = it.last().map_or(first, |t| t.span());
    Some((first, last))
}

/// Tokens as a user would write them (`Vec<u32>`, not `Vec < u32 >`), for
/// quoting code in messages.
pub(crate) fn show(tokens: &impl ToTokens) -> String {
    let mut out = String::new();
    let mut prev = String::new();
    write_tokens(tokens.to_token_stream(), &mut out, &mut prev);
    out
}

fn write_tokens(ts: TokenStream, out: &mut String, prev: &mut String) {
    use proc_macro2::{Delimiter, Spacing, TokenTree};
    let mut it = ts.into_iter().peekable();
    while let Some(tt) = it.next() {
        match tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::None => ("", ""),
                };
                if !open.is_empty() {
                    word(open, out, prev);
                }
                write_tokens(g.stream(), out, prev);
                if !close.is_empty() {
                    word(close, out, prev);
                }
            }
            TokenTree::Punct(p) => {
                let mut op = p.as_char().to_string();
                let mut spacing = p.spacing();
                while spacing == Spacing::Joint && op != "'" {
                    match it.peek() {
                        Some(TokenTree::Punct(q)) => {
                            op.push(q.as_char());
                            spacing = q.spacing();
                            it.next();
                        }
                        _ => break,
                    }
                }
                word(&op, out, prev);
            }
            other => word(&other.to_string(), out, prev),
        }
    }
}

fn word(w: &str, out: &mut String, prev: &mut String) {
    let is_name = |s: &str| {
        s.chars()
            .last()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
    };
    let tight_after = matches!(
        prev.as_str(),
        "" | "::" | "<" | "&" | "(" | "[" | "." | "#" | "'" | "!" | "{" | ".." | "..="
    );
    let tight_before = matches!(
        w,
        "::" | ">" | "," | ")" | "]" | "." | "?" | ";" | ":" | "}" | ".." | "..="
    ) || (matches!(w, "(" | "[" | "!" | "<")
        && (is_name(prev) || prev == ">" || prev == ")"));
    let pad =
        !(tight_after || tight_before) || (w == "}" && prev != "{") || (prev == "{" && w != "}");
    if pad && !out.is_empty() {
        out.push(' ');
    }
    out.push_str(w);
    *prev = w.to_string();
}

impl Errors {
    /// Records `msg` at `span`, with its fix.
    pub(crate) fn push(
        &mut self,
        span: Span,
        msg: impl std::fmt::Display,
        help: impl std::fmt::Display,
    ) {
        self.push_err(syn::Error::new(span, with_help(msg, help)));
    }

    /// Records `msg` spanning all of `tokens` (not just their first token),
    /// with its fix.
    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl ToTokens,
        msg: impl std::fmt::Display,
        help: impl std::fmt::Display,
    ) {
        self.push_err(syn::Error::new_spanned(tokens, with_help(msg, help)));
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
