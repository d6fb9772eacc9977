//! Stage 2: what the alt means, checked. Every problem found is collected
//! and reported together, each on the span of the offending tokens.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{parse_quote, Expr, Pat};

use super::parse::{AltInput, RawGuard};
use crate::errors::Errors;

/// Most arms one alt! may have (`csp::alt::MAX_ARMS`).
const MAX_ARMS: usize = 64;

/// A checked `alt!`.
pub(crate) struct Alt {
    pub(crate) biased: bool,
    pub(crate) arms: Vec<Arm>,
    pub(crate) default: Option<Expr>,
}

/// A guarded arm.
pub(crate) struct Arm {
    pub(crate) pat: Pat,
    pub(crate) kind: GuardKind,
    pub(crate) cond: Option<Expr>,
    pub(crate) body: Expr,
}

/// The event an arm waits for.
pub(crate) enum GuardKind {
    /// `rx.recv()`
    Recv { rx: Expr },
    /// `tx.send(value)`
    Send { tx: Expr, value: Expr },
    /// `after(duration)`
    After { dur: Expr },
}

const GUARD_HELP: &str =
    "an alt! guard is `rx.recv()`, `tx.send(value)`, `after(duration)` or `default`";

impl Alt {
    pub(crate) fn from_input(input: AltInput) -> syn::Result<Alt> {
        let mut errs = Errors::default();
        let mut arms = Vec::new();
        let mut default: Option<Expr> = None;
        if input.arms.is_empty() {
            errs.push(Span::call_site(), "alt! needs at least one arm");
        }
        for raw in input.arms {
            match raw.guard {
                RawGuard::Default(kw) => {
                    check_default(&mut errs, &raw.pat, &raw.cond);
                    if default.is_some() {
                        errs.push(kw.span(), "alt! may have only one `default` arm");
                    }
                    default = Some(raw.body);
                }
                RawGuard::Expr(ref e) => {
                    if let Some(kind) = classify(&mut errs, e) {
                        arms.push(arm(raw.pat, kind, raw.cond, raw.body));
                    }
                }
            }
        }
        if let Some(extra) = arms.get(MAX_ARMS) {
            errs.push_spanned(
                &extra.body,
                format!(
                    "alt! supports at most {MAX_ARMS} guarded arms; this is arm {}",
                    MAX_ARMS + 1
                ),
            );
        }
        errs.finish(Alt {
            biased: input.biased.is_some(),
            arms,
            default,
        })
    }
}

fn check_default(errs: &mut Errors, pat: &Option<Pat>, cond: &Option<Expr>) {
    if let Some(p) = pat {
        errs.push(
            p.span(),
            "the `default` arm binds nothing; remove `pattern =`",
        );
    }
    if let Some(c) = cond {
        errs.push_spanned(c, "the `default` arm cannot have a precondition");
    }
}

fn arm(pat: Option<Pat>, kind: GuardKind, cond: Option<Expr>, body: Expr) -> Arm {
    let pat = pat.unwrap_or_else(|| match kind {
        GuardKind::Recv { .. } => parse_quote!(::core::result::Result::Ok(_)),
        GuardKind::Send { .. } => parse_quote!(::core::result::Result::Ok(())),
        GuardKind::After { .. } => parse_quote!(()),
    });
    Arm {
        pat,
        kind,
        cond,
        body,
    }
}

/// Recognises the guard shapes; reports anything else.
fn classify(errs: &mut Errors, e: &Expr) -> Option<GuardKind> {
    match e {
        Expr::Await(a) => {
            errs.push(
                a.await_token.span(),
                "remove `.await`: alt! waits on its guards itself",
            );
            None
        }
        Expr::MethodCall(m) if m.method == "recv" => {
            if !m.args.is_empty() {
                errs.push_spanned(&m.args, "`recv()` takes no arguments");
                return None;
            }
            Some(GuardKind::Recv {
                rx: (*m.receiver).clone(),
            })
        }
        Expr::MethodCall(m) if m.method == "send" => {
            if m.args.len() != 1 {
                errs.push(
                    m.method.span(),
                    "`send` takes exactly one value: `tx.send(value)`",
                );
                return None;
            }
            Some(GuardKind::Send {
                tx: (*m.receiver).clone(),
                value: m.args[0].clone(),
            })
        }
        Expr::Call(c) if is_ident(&c.func, "after") => {
            if c.args.len() != 1 {
                errs.push(
                    c.func.span(),
                    "`after` takes exactly one duration: `after(d)`",
                );
                return None;
            }
            Some(GuardKind::After {
                dur: c.args[0].clone(),
            })
        }
        other => {
            errs.push_spanned(other, GUARD_HELP);
            None
        }
    }
}

fn is_ident(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}
