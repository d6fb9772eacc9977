//! Stage 2a: pause points.
//!
//! A pause point is an `.await` on `ch.recv()`, `ch.send(v)`, `sleep(d)` or
//! `yield_now()` (with any path prefix, e.g. `csp::sleep`). Each is
//! *hoisted* out of the statement it sits in: the statement
//! `total += rx.recv().await?;` becomes a pause followed, in the resumed
//! state, by `total += __csp_r0?;`. Hoisting keeps Rust's evaluation order:
//! whatever the statement evaluates before the pause must be *stable*
//! (a literal, a variable, a field or reference of one), which reads the
//! same after the pause; anything else is refused with the fix.

use proc_macro2::Span;
use quote::format_ident;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{BinOp, Expr, ExprAwait, Ident};

use crate::errors::Errors;

/// What a pause point waits for.
#[derive(Clone)]
pub(crate) enum PauseKind {
    /// `chan.recv().await`
    Recv { chan: Ident },
    /// `chan.send(value).await`
    Send { chan: Ident, value: Expr },
    /// `sleep(dur).await`
    Sleep { dur: Expr },
    /// `yield_now().await`
    Yield,
    /// `effect(fut).await` (or `effect::<T>(fut)`): `ty` is the output type.
    Effect { fut: Expr, ty: Option<syn::Type> },
    /// `child(args).await`: a call to another process, whose frame (named
    /// by the same path in UpperCamelCase) nests in this one.
    Call {
        func: syn::ExprPath,
        args: Vec<Expr>,
    },
    /// `par!(a, b, ..)`: each branch is one of the kinds above (written
    /// without `.await`), all running at once.
    Par { branches: Vec<PauseKind> },
    /// The wait of an `alt!`: its guards (arm bodies are lowered apart).
    Alt {
        guards: Vec<AltGuard>,
        biased: bool,
        has_default: bool,
    },
}

/// One guard of an `alt!` in a process, with its precondition.
#[derive(Clone)]
pub(crate) struct AltGuard {
    pub(crate) kind: AltGuardKind,
    pub(crate) cond: Option<Expr>,
}

/// What an `alt!` guard in a process waits for.
#[derive(Clone)]
pub(crate) enum AltGuardKind {
    Recv { chan: Ident },
    Send { chan: Ident, value: Expr },
    After { dur: Expr },
}

/// Whether a macro call is `alt!`.
pub(crate) fn is_alt(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| s.ident == "alt")
}

/// Whether a macro call is `par!` (a pause point in a process).
pub(crate) fn is_par(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| s.ident == "par")
}

/// The most branches a `par!` inside a process may have.
pub(crate) const MAX_PAR: usize = 8;

/// Classifies the branches of a `par!` in a process.
pub(crate) fn classify_par(errs: &mut Errors, m: &syn::Macro) -> Option<PauseKind> {
    use syn::parse::Parser;
    let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
    let branches = match parser.parse2(m.tokens.clone()) {
        Ok(b) => b,
        Err(e) => {
            errs.push_err(e);
            return None;
        }
    };
    if branches.is_empty() || branches.len() > MAX_PAR {
        errs.push_spanned(
            m,
            format!("`par!` in a process takes 1 to {MAX_PAR} branches"),
        );
        return None;
    }
    let mut kinds = Vec::new();
    for b in &branches {
        if has_pause_expr(b) {
            errs.push_spanned(
                b,
                "a `par!` branch is one operation (`rx.recv()`, `tx.send(v)`, a process \
                 call...) written without `.await`; it cannot contain a pause point itself",
            );
            return None;
        }
        let awaited: ExprAwait = syn::parse_quote!(#b.await);
        kinds.push(classify(errs, &awaited)?);
    }
    Some(PauseKind::Par { branches: kinds })
}

/// Whether `e` is exactly the local `id`.
fn is_path_to(e: &Expr, id: &Ident) -> bool {
    matches!(e, Expr::Path(p) if p.path.get_ident() == Some(id))
}

/// One pause point, numbered in source order.
#[derive(Clone)]
pub(crate) struct Pause {
    /// Set when the pause was written `pause?`: the local holding the
    /// success value, bound right after resuming.
    pub(crate) question: Option<Ident>,
    pub(crate) kind: PauseKind,
    /// The local its result is bound to when the process resumes.
    pub(crate) result: Ident,
}

const PAUSE_HELP: &str = "a process can pause on `ch.recv().await`, `ch.send(v).await`, \
     `sleep(d).await`, `yield_now().await`, `effect(future).await` (for any other future) \
     and `other_process(args).await`";

fn last_segment(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The channel of a pause must be a plain name, so its type can be looked up.
fn chan_name(errs: &mut Errors, e: &Expr) -> Option<Ident> {
    if let Expr::Path(p) = e {
        if let Some(id) = p.path.get_ident() {
            return Some(id.clone());
        }
    }
    errs.push(
        e.span(),
        "the channel of a pause point must be a parameter or a local with a written type, \
         named directly; bind it first: `let ch: Receiver<T> = ...;`",
    );
    None
}

/// `T` in `effect::<T>`.
fn turbofish_type(func: &Expr) -> Option<syn::Type> {
    let Expr::Path(p) = func else { return None };
    match &p.path.segments.last()?.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        }),
        _ => None,
    }
}

/// Recognises a pause point; reports any other `.await`.
pub(crate) fn classify(errs: &mut Errors, a: &ExprAwait) -> Option<PauseKind> {
    match &*a.base {
        Expr::MethodCall(m) if m.method == "recv" && m.args.is_empty() => Some(PauseKind::Recv {
            chan: chan_name(errs, &m.receiver)?,
        }),
        Expr::MethodCall(m) if m.method == "send" && m.args.len() == 1 => Some(PauseKind::Send {
            chan: chan_name(errs, &m.receiver)?,
            value: m.args[0].clone(),
        }),
        Expr::Call(c) if last_segment(&c.func).as_deref() == Some("sleep") && c.args.len() == 1 => {
            Some(PauseKind::Sleep {
                dur: c.args[0].clone(),
            })
        }
        Expr::Call(c)
            if last_segment(&c.func).as_deref() == Some("yield_now") && c.args.is_empty() =>
        {
            Some(PauseKind::Yield)
        }
        Expr::Call(c)
            if last_segment(&c.func).as_deref() == Some("effect") && c.args.len() == 1 =>
        {
            Some(PauseKind::Effect {
                fut: c.args[0].clone(),
                ty: turbofish_type(&c.func),
            })
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p)
                if p.qself.is_none() && p.path.segments.iter().all(|s| s.arguments.is_none()) =>
            {
                Some(PauseKind::Call {
                    func: p.clone(),
                    args: c.args.iter().cloned().collect(),
                })
            }
            other => {
                errs.push(
                    other.span(),
                    "a call awaited in a process must name another #[process] function by a \
                     plain path (no generics, no closures); wrap other futures in `effect(..)`",
                );
                None
            }
        },
        _ => {
            errs.push(
                a.await_token.span(),
                format!("`.await` on something that is not a pause point: {PAUSE_HELP}"),
            );
            None
        }
    }
}

/// Whether `e` contains an `.await` the process itself would run (not one
/// inside a closure, async block or nested item, which `check_nested`
/// reports).
pub(crate) fn has_pause_expr(e: &Expr) -> bool {
    let mut f = FindAwait(false);
    f.visit_expr(e);
    f.0
}

/// Like [`has_pause_expr`] for a statement.
pub(crate) fn has_pause_stmt(s: &syn::Stmt) -> bool {
    let mut f = FindAwait(false);
    f.visit_stmt(s);
    f.0
}

/// Like [`has_pause_expr`] for a block.
pub(crate) fn has_pause_block(b: &syn::Block) -> bool {
    let mut f = FindAwait(false);
    f.visit_block(b);
    f.0
}

struct FindAwait(bool);

impl<'ast> Visit<'ast> for FindAwait {
    fn visit_expr_await(&mut self, _: &'ast ExprAwait) {
        self.0 = true;
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if is_par(m) || is_alt(m) {
            self.0 = true;
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Reports `.await` where the process cannot pause: inside closures, async
/// blocks and macro calls, and `alt!`/`par!` (not yet lowered in processes).
pub(crate) fn check_nested(errs: &mut Errors, body: &syn::Block) {
    struct Check<'e>(&'e mut Errors);
    impl<'ast> Visit<'ast> for Check<'_> {
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            if has_pause_expr(&c.body) {
                self.0.push(
                    c.or1_token.span(),
                    "`.await` inside a closure is not a pause point of the process; \
                     move the pause out of the closure",
                );
            }
        }
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            if has_pause_block(&a.block) {
                self.0.push(
                    a.async_token.span(),
                    "`.await` inside a nested `async` block is not a pause point of the process; \
                     await directly in the process body",
                );
            }
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            // `effect(async { .. })` runs any future: its awaits are its own.
            if last_segment(&c.func).as_deref() != Some("effect") {
                syn::visit::visit_expr_call(self, c);
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let name = m.path.segments.last().map(|s| s.ident.to_string());
            if matches!(name.as_deref(), Some("alt" | "par")) {
                // Pause points: lowered by `lower.rs`, checked there.
            } else if tokens_mention_await(m.tokens.clone()) {
                self.0.push(
                    m.path.span(),
                    "a pause point inside a macro call cannot be seen by #[process]; \
                     bind its result to a local first",
                );
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    Check(errs).visit_block(body);
}

fn tokens_mention_await(ts: proc_macro2::TokenStream) -> bool {
    ts.into_iter().any(|t| match t {
        proc_macro2::TokenTree::Ident(i) => i == "await",
        proc_macro2::TokenTree::Group(g) => tokens_mention_await(g.stream()),
        _ => false,
    })
}

/// Evaluates to the same value after a pause as before it, with no effect.
fn is_stable(e: &Expr) -> bool {
    match e {
        Expr::Lit(_) | Expr::Path(_) => true,
        Expr::Field(f) => is_stable(&f.base),
        Expr::Reference(r) => is_stable(&r.expr),
        Expr::Paren(p) => is_stable(&p.expr),
        Expr::Group(g) => is_stable(&g.expr),
        Expr::Unary(u) => is_stable(&u.expr),
        Expr::Cast(c) => is_stable(&c.expr),
        // Arithmetic and comparisons of stable operands read the same after
        // the pause (`&&`/`||` never reach here with a pause to their right).
        Expr::Binary(b) => is_stable(&b.left) && is_stable(&b.right),
        _ => false,
    }
}

/// Hoists pause points out of expressions, numbering them.
pub(crate) struct Hoister<'e> {
    pub(crate) errs: &'e mut Errors,
    pub(crate) next: usize,
}

impl Hoister<'_> {
    /// Replaces the first pause point `e` evaluates with a fresh result
    /// local and returns it; `None` if there is none (or it was refused).
    pub(crate) fn hoist(&mut self, e: &mut Expr) -> Option<Pause> {
        let mut found = None;
        self.first(e, &mut found);
        found
    }

    /// A result local named for the pause at `at` (so warnings about it
    /// point at the `.await`), invisible to user code.
    fn fresh(&mut self, at: Span) -> Ident {
        let id = format_ident!(
            "__csp_r{}",
            self.next,
            span = Span::mixed_site().located_at(at)
        );
        self.next += 1;
        id
    }

    /// Visits `children` in evaluation order; everything evaluated before
    /// the one holding the pause must be stable.
    fn seq<'a>(
        &mut self,
        children: impl IntoIterator<Item = &'a mut Expr>,
        found: &mut Option<Pause>,
    ) {
        let mut before: Vec<Span> = Vec::new();
        for c in children {
            if !has_pause_expr(c) {
                if !is_stable(c) {
                    before.push(c.span());
                }
                continue;
            }
            for span in before {
                self.errs.push(
                    span,
                    "this is evaluated before a pause point later in the same expression, \
                     and its value would have to be held across the pause: bind it to a \
                     typed local first (`let v: T = ...;`)",
                );
            }
            self.first(c, found);
            return;
        }
    }

    fn first(&mut self, e: &mut Expr, found: &mut Option<Pause>) {
        if found.is_some() || !has_pause_expr(e) {
            return;
        }
        match e {
            Expr::Await(a) => {
                // Arguments of the pause (a send's value) are evaluated first.
                match &mut *a.base {
                    Expr::MethodCall(m) => self.seq(m.args.iter_mut(), found),
                    Expr::Call(c) => self.seq(c.args.iter_mut(), found),
                    _ => {}
                }
                if found.is_some() {
                    return;
                }
                let span = a.await_token.span();
                if let Some(kind) = classify(self.errs, a) {
                    let result = self.fresh(span);
                    *e = syn::parse_quote!(#result);
                    *found = Some(Pause {
                        question: None,
                        kind,
                        result,
                    });
                }
            }
            Expr::Binary(b) if matches!(b.op, BinOp::And(_) | BinOp::Or(_)) => {
                if has_pause_expr(&b.left) {
                    self.first(&mut b.left, found);
                } else {
                    self.errs.push(
                        b.right.span(),
                        "a pause point on the right of `&&`/`||` runs only sometimes; \
                         write it as an `if`",
                    );
                }
            }
            Expr::Binary(b) => self.seq([&mut *b.left, &mut *b.right], found),
            // The assigned value is evaluated before the place.
            Expr::Assign(a) => self.seq([&mut *a.right, &mut *a.left], found),
            Expr::Call(c) => self.seq(
                std::iter::once(&mut *c.func).chain(c.args.iter_mut()),
                found,
            ),
            Expr::MethodCall(m) => self.seq(
                std::iter::once(&mut *m.receiver).chain(m.args.iter_mut()),
                found,
            ),
            Expr::Index(i) => self.seq([&mut *i.expr, &mut *i.index], found),
            Expr::Tuple(t) => self.seq(t.elems.iter_mut(), found),
            Expr::Array(a) => self.seq(a.elems.iter_mut(), found),
            Expr::Struct(s) => self.seq(s.fields.iter_mut().map(|f| &mut f.expr), found),
            Expr::Range(r) => self.seq(
                r.start.iter_mut().chain(r.end.iter_mut()).map(|b| &mut **b),
                found,
            ),
            Expr::Macro(m) if is_par(&m.mac) => {
                let span = m.mac.path.span();
                if let Some(kind) = classify_par(self.errs, &m.mac) {
                    let result = self.fresh(span);
                    *e = syn::parse_quote!(#result);
                    *found = Some(Pause {
                        question: None,
                        kind,
                        result,
                    });
                }
            }
            Expr::Macro(m) if is_alt(&m.mac) => self.errs.push_spanned(
                &m.mac.path,
                "an `alt!` in a process must be a statement of its own, or the value of a \
                 `let` with a written type (`let x: T = alt! {..};`)",
            ),
            Expr::Unary(u) => self.first(&mut u.expr, found),
            Expr::Paren(p) => self.first(&mut p.expr, found),
            Expr::Group(g) => self.first(&mut g.expr, found),
            Expr::Reference(r) => self.first(&mut r.expr, found),
            Expr::Cast(c) => self.first(&mut c.expr, found),
            Expr::Field(f) => self.first(&mut f.base, found),
            Expr::Try(t) => {
                self.first(&mut t.expr, found);
                // `pause?`: apply the `?` as soon as the process resumes, so
                // an error returns before anything later starts, and what is
                // left is a plain local of the success type.
                if let Some(p) = found.as_mut() {
                    if p.question.is_none() && is_path_to(&t.expr, &p.result) {
                        let q = format_ident!("{}_ok", p.result, span = p.result.span());
                        *e = syn::parse_quote!(#q);
                        p.question = Some(q);
                    }
                }
            }
            Expr::Let(l) => self.first(&mut l.expr, found),
            Expr::If(i) if has_pause_expr(&i.cond) => self.first(&mut i.cond, found),
            Expr::Match(m) if has_pause_expr(&m.expr) => self.first(&mut m.expr, found),
            Expr::Return(r) => {
                if let Some(x) = &mut r.expr {
                    self.first(x, found)
                }
            }
            Expr::Break(b) => {
                if let Some(x) = &mut b.expr {
                    self.first(x, found)
                }
            }
            other => self.errs.push(
                other.span(),
                "a pause point inside a block that is part of a larger expression is not \
                 supported; make it its own statement, or write `let x: T = <block>;`",
            ),
        }
    }
}
