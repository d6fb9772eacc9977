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
    /// The guard as written (for spans).
    pub(crate) guard: Expr,
    pub(crate) pat: Pat,
    pub(crate) kind: GuardKind,
    pub(crate) cond: Option<Expr>,
    pub(crate) body: Expr,
}

/// The event an arm waits for.
// A few exist per `alt!`, only while the macro runs, so boxing the larger
// variant would buy nothing. (`syn::Expr` passed clippy's size threshold
// when proc-macro2's `span-locations` came in for pause-point lines.)
#[allow(clippy::large_enum_variant)]
pub(crate) enum GuardKind {
    /// `rx.recv()`
    Recv { rx: Expr },
    /// `tx.send(value)`
    Send { tx: Expr, value: Expr },
    /// `after(duration)`
    After { dur: Expr },
}

const GUARD_HELP: &str = "an alt! guard is `rx.recv()`, `tx.send(value)`, `after(duration)` or \
     `default`; to wait for anything else, run it in a task that sends its result on a channel";

impl Alt {
    pub(crate) fn from_input(input: AltInput) -> syn::Result<Alt> {
        let mut errs = Errors::default();
        let mut arms = Vec::new();
        let mut default: Option<Expr> = None;
        if input.arms.is_empty() {
            errs.push(
                Span::call_site(),
                "alt! needs at least one arm",
                "add an arm: `Ok(v) = rx.recv() => ..`, `tx.send(value) => ..`, \
                 `after(duration) => ..` or `default => ..`",
            );
        }
        for raw in input.arms {
            match raw.guard {
                RawGuard::Default(kw) => {
                    check_default(&mut errs, &raw.pat, &raw.cond);
                    if default.is_some() {
                        errs.push(
                            kw.span(),
                            "alt! may have only one `default` arm",
                            "merge the two `default` arms into one",
                        );
                    }
                    default = Some(raw.body);
                }
                RawGuard::Expr(ref e) => {
                    if let Some(kind) = classify(&mut errs, e) {
                        arms.push(arm(e.clone(), raw.pat, kind, raw.cond, raw.body));
                    }
                }
            }
        }
        if let Some(extra) = arms.get(MAX_ARMS) {
            errs.push_spanned(
                &extra.guard,
                format!(
                    "alt! supports at most {MAX_ARMS} guarded arms; this is arm {}",
                    MAX_ARMS + 1
                ),
                "merge arms on channels that carry the same message type, or handle some \
                 channels in a nested alt! in one arm's body",
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
        errs.push_spanned(
            p,
            "the `default` arm binds nothing",
            "remove the pattern and its `=`: `default => ..`",
        );
    }
    if let Some(c) = cond {
        errs.push_spanned(
            c,
            "the `default` arm cannot have a precondition: it runs when no guarded arm is ready",
            "remove `, if ..`; to choose between two fallbacks, branch inside its body",
        );
    }
}

fn arm(guard: Expr, pat: Option<Pat>, kind: GuardKind, cond: Option<Expr>, body: Expr) -> Arm {
    let pat = pat.unwrap_or_else(|| match kind {
        GuardKind::Recv { .. } => parse_quote!(::core::result::Result::Ok(_)),
        GuardKind::Send { .. } => parse_quote!(::core::result::Result::Ok(())),
        GuardKind::After { .. } => parse_quote!(()),
    });
    Arm {
        guard,
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
            errs.push_spanned(
                crate::errors::range(a.dot_token.span, a.await_token.span),
                "an alt! guard is written without `.await`",
                "remove `.await`: alt! waits on its guards itself",
            );
            None
        }
        Expr::MethodCall(m) if m.method == "recv" => {
            if !m.args.is_empty() {
                errs.push_spanned(
                    &m.args,
                    "`recv()` takes no arguments",
                    "write `rx.recv()`; for a timeout, add an `after(duration) => ..` arm",
                );
                return None;
            }
            Some(GuardKind::Recv {
                rx: (*m.receiver).clone(),
            })
        }
        Expr::MethodCall(m) if m.method == "send" => {
            if m.args.len() != 1 {
                errs.push_spanned(
                    crate::errors::range(m.method.span(), m.paren_token.span.close()),
                    "`send` takes exactly one value",
                    "write `tx.send(value)`; to send several values at once, send a tuple: \
                     `tx.send((a, b))`",
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
                errs.push_spanned(
                    crate::errors::range(c.func.span(), c.paren_token.span.close()),
                    "`after` takes exactly one duration",
                    "write `after(Duration::from_millis(100))`",
                );
                return None;
            }
            Some(GuardKind::After {
                dur: c.args[0].clone(),
            })
        }
        other => {
            errs.push_spanned(
                other,
                format!("`{}` is not an alt! guard", crate::errors::show(other)),
                GUARD_HELP,
            );
            None
        }
    }
}

fn is_ident(e: &Expr, name: &str) -> bool {
    matches!(e, Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}
