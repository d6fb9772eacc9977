//! Stage 2a: pause points.
//!
//! A pause point is an `.await` on `ch.recv()`, `ch.send(v)`, `sleep(d)`,
//! `yield_now()` or `migrate_to(peer)` (with any path prefix, e.g.
//! `csp::sleep`). `migrate_to(peer)` asks the csp-net node running the
//! process to move it to node `peer`: the pause yields `Ok(())` on the
//! destination, or `Err(MoveError)` where the process already is if the move
//! fails or no node runs it. Each is
//! *hoisted* out of the statement it sits in: the statement
//! `total += rx.recv().await?;` becomes a pause followed, in the resumed
//! state, by `total += __csp_r0?;`. Hoisting keeps Rust's evaluation order:
//! whatever the statement evaluates before the pause must be *stable*
//! (a literal, a variable, a field or reference of one), which reads the
//! same after the pause; anything else is refused with the fix.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, ToTokens};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{BinOp, Expr, ExprAwait, Ident};

use crate::errors::{ends, range, show, Errors};

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
    /// `migrate_to(peer).await`: move to node `peer` (see `csp::migrate_to`).
    MigrateTo { peer: Expr },
    /// `effect(fut).await` (or `effect::<T>(fut)`): `ty` is the output type;
    /// `at` the first and last token of the call as written (for errors).
    Effect {
        fut: Expr,
        ty: Option<Box<syn::Type>>,
        at: (Span, Span),
    },
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

impl PauseKind {
    /// What the pause waits on, as written (`input.recv`, `sleep`,
    /// `worker`, `alt!`): the base of its label in the frame's schema,
    /// which newer code uses to find where an older frame resumes.
    pub(crate) fn label(&self) -> String {
        match self {
            PauseKind::Recv { chan } => format!("{}.recv", super::names::key(chan)),
            PauseKind::Send { chan, .. } => format!("{}.send", super::names::key(chan)),
            PauseKind::Sleep { .. } => "sleep".into(),
            PauseKind::Yield => "yield_now".into(),
            PauseKind::MigrateTo { .. } => "migrate_to".into(),
            PauseKind::Effect { .. } => "effect".into(),
            PauseKind::Call { func, .. } => super::names::segments(&func.path).join("::"),
            PauseKind::Par { .. } => "par!".into(),
            PauseKind::Alt { .. } => "alt!".into(),
        }
    }
}

/// Labels for pause points in source order: each kind's label, with
/// `#2`, `#3`, .. on the second and later with the same one.
pub(crate) fn labels<'a>(kinds: impl Iterator<Item = &'a PauseKind>) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    kinds
        .map(|k| {
            let base = k.label();
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            match *n {
                1 => base,
                n => format!("{base}#{n}"),
            }
        })
        .collect()
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

/// `alt!` or `par!`, spanned from the path to the `!`.
pub(crate) fn macro_name(m: &syn::Macro) -> TokenStream {
    let first = m.path.span();
    range(first, m.bang_token.span)
}

/// The most branches a `par!` inside a process may have.
pub(crate) const MAX_PAR: usize = 8;

/// The fix for awaiting anything else.
pub(crate) const EFFECT_FIX: &str =
    "run any other future as an effect: `let v: T = effect(async move { .. }).await;`";

/// Classifies the branches of a `par!` in a process.
pub(crate) fn classify_par(errs: &mut Errors, m: &syn::Macro) -> Option<PauseKind> {
    use syn::parse::Parser;
    let parser = syn::punctuated::Punctuated::<Expr, syn::Token![,]>::parse_terminated;
    let branches = match parser.parse2(m.tokens.clone()) {
        Ok(b) => b,
        Err(e) => {
            errs.push_err(crate::errors::or_help(
                e,
                "separate `par!` branches with commas: `par!(a.recv(), b.send(v))`",
            ));
            return None;
        }
    };
    if branches.is_empty() {
        errs.push_spanned(
            m,
            "`par!` in a process needs at least one branch",
            "write the operations to run at once: `let (a, b): (T, U) = par!(rx.recv(), tx.send(v));`",
        );
        return None;
    }
    if branches.len() > MAX_PAR {
        let extra = &branches[MAX_PAR];
        let last = branches.last().expect("more than MAX_PAR branches");
        let (first, _) = ends(extra).unwrap_or((m.path.span(), m.path.span()));
        let (_, end) = ends(last).unwrap_or((first, first));
        errs.push_spanned(
            range(first, end),
            format!(
                "`par!` in a process runs at most {MAX_PAR} branches; this one has {}",
                branches.len()
            ),
            "group some branches into a #[process] fn and run that as one branch, or use two \
             `par!`s one after the other",
        );
        return None;
    }
    let mut kinds = Vec::new();
    let mut ok = true;
    for b in &branches {
        if let Expr::Await(a) = b {
            errs.push_spanned(
                b,
                "a `par!` branch is written without `.await`",
                format!(
                    "remove `.await` (`{}`): `par!` starts every branch and waits for all of them",
                    show(&a.base)
                ),
            );
            ok = false;
            continue;
        }
        if let Some(inner) = first_pause(b) {
            errs.push_spanned(
                inner,
                "a `par!` branch is one operation; it cannot contain a pause point itself",
                "pause before the `par!`, bind the result to a typed local (`let v: T = ..;`) \
                 and use `v` in the branch",
            );
            ok = false;
            continue;
        }
        match classify_op(errs, b, Site::Branch(b)) {
            Some(k) => kinds.push(k),
            None => ok = false,
        }
    }
    ok.then_some(PauseKind::Par { branches: kinds })
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
    /// Where it waits, as written: the `.await`, or the `par!`/`alt!`
    /// path. The frame reports this line (`Process::pause_location`), so
    /// an operator sees which line a process is parked at.
    pub(crate) at: Span,
}

fn last_segment(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The channel of a pause must be a plain name, so its type can be looked up.
fn chan_name(errs: &mut Errors, e: &Expr, end: &str) -> Option<Ident> {
    if let Expr::Path(p) = e {
        if let Some(id) = p.path.get_ident() {
            return Some(id.clone());
        }
    }
    errs.push_spanned(
        e,
        "the channel of a pause point must be a parameter or a typed local, named directly: \
         the frame names the message type from the channel's written type",
        format!(
            "bind the channel end to a typed local first (`let ch: {end}<T> = {};`), then \
             pause on `ch`",
            show(e)
        ),
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

/// Where an operation is written: awaited, or as a `par!` branch (no
/// `.await`). Errors span all of it.
#[derive(Clone, Copy)]
pub(crate) enum Site<'a> {
    Await(&'a ExprAwait),
    Branch(&'a Expr),
}

impl Site<'_> {
    fn tokens(&self) -> TokenStream {
        match self {
            Site::Await(a) => a.to_token_stream(),
            Site::Branch(b) => b.to_token_stream(),
        }
    }
}

/// Recognises a pause point; reports any other `.await`.
pub(crate) fn classify(errs: &mut Errors, a: &ExprAwait) -> Option<PauseKind> {
    classify_op(errs, &a.base, Site::Await(a))
}

/// Paths that are certainly not #[process] fns: associated functions
/// (`Box::pin`, `Foo::new`) and the standard library.
fn surely_not_process(p: &syn::ExprPath) -> bool {
    let segs = super::names::segments(&p.path);
    let (Some(first), Some(_)) = (segs.first(), segs.last()) else {
        return false;
    };
    let typed = segs[..segs.len() - 1]
        .iter()
        .any(|s| s.starts_with(|c: char| c.is_uppercase()));
    typed || (segs.len() > 1 && matches!(first.as_str(), "std" | "core" | "alloc"))
}

/// Recognises the operation `base` (what is awaited, or a `par!` branch).
pub(crate) fn classify_op(errs: &mut Errors, base: &Expr, site: Site<'_>) -> Option<PauseKind> {
    let awaited = matches!(site, Site::Await(_));
    match base {
        Expr::MethodCall(m) if m.method == "recv" => {
            if !m.args.is_empty() {
                errs.push_spanned(
                    &m.args,
                    "`recv()` takes no arguments",
                    "write `rx.recv()`; for a timeout, use `alt!` with an `after(duration)` arm",
                );
                return None;
            }
            Some(PauseKind::Recv {
                chan: chan_name(errs, &m.receiver, "Receiver")?,
            })
        }
        Expr::MethodCall(m) if m.method == "send" => {
            if m.args.len() != 1 {
                errs.push_spanned(
                    range(m.method.span(), m.paren_token.span.close()),
                    "`send` takes exactly one value",
                    "write `tx.send(value)`; to send several values at once, send a tuple: \
                     `tx.send((a, b))`",
                );
                return None;
            }
            Some(PauseKind::Send {
                chan: chan_name(errs, &m.receiver, "Sender")?,
                value: m.args[0].clone(),
            })
        }
        Expr::Call(c)
            if matches!(
                last_segment(&c.func).as_deref(),
                Some("sleep" | "yield_now" | "migrate_to" | "effect")
            ) =>
        {
            let name = last_segment(&c.func).expect("matched");
            let (want, takes, example) = match name.as_str() {
                "sleep" => (
                    1,
                    "exactly one duration",
                    "sleep(Duration::from_millis(10))",
                ),
                "yield_now" => (0, "no arguments", "yield_now()"),
                "migrate_to" => (1, "exactly one node id", "migrate_to(peer)"),
                _ => (1, "exactly one future", "effect(async move { .. })"),
            };
            if c.args.len() != want {
                errs.push_spanned(
                    range(c.func.span(), c.paren_token.span.close()),
                    format!("`{name}` takes {takes}"),
                    format!("write `{example}`"),
                );
                return None;
            }
            Some(match name.as_str() {
                "sleep" => PauseKind::Sleep {
                    dur: c.args[0].clone(),
                },
                "yield_now" => PauseKind::Yield,
                "migrate_to" => PauseKind::MigrateTo {
                    peer: c.args[0].clone(),
                },
                _ => PauseKind::Effect {
                    fut: c.args[0].clone(),
                    ty: turbofish_type(&c.func).map(Box::new),
                    at: ends(c).expect("a call has tokens"),
                },
            })
        }
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) if p.qself.is_some() || surely_not_process(p) => {
                errs.push_spanned(
                    site.tokens(),
                    format!(
                        "`{}` is not a #[process] fn, so a process cannot {} its result directly",
                        show(&c.func),
                        if awaited { "await" } else { "run" }
                    ),
                    format!(
                        "run it as an effect: `effect(async move {{ {}.await }}){}`",
                        show(c),
                        if awaited { ".await" } else { "" }
                    ),
                );
                None
            }
            Expr::Path(p) if p.path.segments.iter().any(|s| !s.arguments.is_none()) => {
                errs.push_spanned(
                    &c.func,
                    "a process is never generic, so a call to one takes no generic arguments",
                    format!(
                        "remove the generic arguments: `{}(..)`",
                        show(&strip_generics(p))
                    ),
                );
                None
            }
            Expr::Path(p) => Some(PauseKind::Call {
                func: p.clone(),
                args: c.args.iter().cloned().collect(),
            }),
            other => {
                errs.push_spanned(
                    other,
                    format!(
                        "only a #[process] fn, called by its name, can be {} in a process; \
                         this calls the value of an expression",
                        if awaited {
                            "awaited directly"
                        } else {
                            "a `par!` branch"
                        },
                    ),
                    EFFECT_FIX,
                );
                None
            }
        },
        _ => {
            let what = show(base);
            match site {
                Site::Await(a) => errs.push_spanned(
                    a,
                    format!(
                        "a process cannot pause on `{what}`: it pauses only on channel \
                         operations, `sleep`, `yield_now`, `migrate_to`, `alt!`, `par!` and \
                         calls to other #[process] fns"
                    ),
                    EFFECT_FIX,
                ),
                Site::Branch(b) => errs.push_spanned(
                    b,
                    format!("`{what}` is not an operation a `par!` branch can run"),
                    "a branch is `rx.recv()`, `tx.send(v)`, `sleep(d)`, `yield_now()`, \
                     `migrate_to(peer)`, `effect(future)` or a call to another #[process] fn, \
                     written without `.await`",
                ),
            }
            None
        }
    }
}

fn strip_generics(p: &syn::ExprPath) -> syn::Path {
    let mut path = p.path.clone();
    for s in &mut path.segments {
        s.arguments = syn::PathArguments::None;
    }
    path
}

/// Whether `e` contains an `.await` the process itself would run (not one
/// inside a closure, async block or nested item, which `check_nested`
/// reports).
pub(crate) fn has_pause_expr(e: &Expr) -> bool {
    let mut f = FindAwait(None);
    f.visit_expr(e);
    f.0.is_some()
}

/// Like [`has_pause_expr`] for a statement.
pub(crate) fn has_pause_stmt(s: &syn::Stmt) -> bool {
    let mut f = FindAwait(None);
    f.visit_stmt(s);
    f.0.is_some()
}

/// Like [`has_pause_expr`] for a block.
pub(crate) fn has_pause_block(b: &syn::Block) -> bool {
    let mut f = FindAwait(None);
    f.visit_block(b);
    f.0.is_some()
}

/// The first pause point the process itself would run in `e`, spanned
/// (`.await` or `par!`/`alt!`).
pub(crate) fn first_pause(e: &Expr) -> Option<TokenStream> {
    let mut f = FindAwait(None);
    f.visit_expr(e);
    f.0.map(|x| x.tokens().clone())
}

/// The first pause point the process itself would run in `e`: an
/// `.await`, or a `par!`/`alt!`.
#[derive(Clone)]
enum Found {
    Await(TokenStream),
    Macro(&'static str, TokenStream),
}

impl Found {
    fn what(&self) -> String {
        match self {
            Found::Await(_) => "`.await`".to_string(),
            Found::Macro(m, _) => format!("`{m}!`"),
        }
    }
    fn tokens(&self) -> &TokenStream {
        match self {
            Found::Await(t) | Found::Macro(_, t) => t,
        }
    }
}

struct FindAwait(Option<Found>);

impl<'ast> Visit<'ast> for FindAwait {
    fn visit_expr_await(&mut self, a: &'ast ExprAwait) {
        if self.0.is_none() {
            self.0 = Some(Found::Await(range(a.dot_token.span, a.await_token.span)));
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        if self.0.is_none() && (is_par(m) || is_alt(m)) {
            let name = if is_par(m) { "par" } else { "alt" };
            self.0 = Some(Found::Macro(name, macro_name(m)));
        }
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The first pause point inside `tokens` of a macro call the process cannot
/// parse: `.await`, `par!` or `alt!`.
fn find_in_tokens(ts: TokenStream) -> Option<Found> {
    use proc_macro2::TokenTree as T;
    let toks: Vec<T> = ts.into_iter().collect();
    for (i, t) in toks.iter().enumerate() {
        match t {
            T::Ident(id) if id == "await" => {
                let dot = match i.checked_sub(1).map(|j| &toks[j]) {
                    Some(T::Punct(p)) if p.as_char() == '.' => p.span(),
                    _ => id.span(),
                };
                return Some(Found::Await(range(dot, id.span())));
            }
            T::Ident(id) if id == "par" || id == "alt" => {
                if let Some(T::Punct(p)) = toks.get(i + 1) {
                    if p.as_char() == '!' {
                        let name = if id == "par" { "par" } else { "alt" };
                        return Some(Found::Macro(name, range(id.span(), p.span())));
                    }
                }
            }
            T::Group(g) => {
                if let Some(f) = find_in_tokens(g.stream()) {
                    return Some(f);
                }
            }
            _ => {}
        }
    }
    None
}

/// Reports pause points the process cannot see or cannot stop at: inside
/// closures, async blocks and other macros' input.
pub(crate) fn check_nested(errs: &mut Errors, body: &syn::Block) {
    struct Check<'e>(&'e mut Errors);
    fn first_inside(e: &Expr) -> Option<Found> {
        let mut f = FindAwait(None);
        f.visit_expr(e);
        f.0
    }
    impl<'ast> Visit<'ast> for Check<'_> {
        fn visit_expr_closure(&mut self, c: &'ast syn::ExprClosure) {
            if let Some(found) = first_inside(&c.body) {
                let what = found.what();
                let help = match &found {
                    Found::Await(_) => "pause in the process body and pass the result into the \
                                        closure (`let v: T = rx.recv().await;`)"
                        .to_string(),
                    Found::Macro(m, _) => format!(
                        "use `{m}!` in the process body, bind its result to a typed local, and \
                         pass that into the closure"
                    ),
                };
                self.0.push_spanned(
                    found.tokens(),
                    format!(
                        "this {what} is inside a closure, so it is not a pause point of the \
                         process (a closure is a separate function)"
                    ),
                    help,
                );
            } else {
                syn::visit::visit_expr_closure(self, c);
            }
        }
        fn visit_expr_async(&mut self, a: &'ast syn::ExprAsync) {
            let mut f = FindAwait(None);
            f.visit_block(&a.block);
            if let Some(found) = f.0 {
                let what = found.what();
                self.0.push_spanned(
                    found.tokens(),
                    format!(
                        "this {what} is inside an `async` block, which is a separate future, \
                         not part of the process"
                    ),
                    "pause in the process body itself, or run the whole block as one effect: \
                     `effect(async move { .. }).await`",
                );
            } else {
                syn::visit::visit_expr_async(self, a);
            }
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            // `effect(async { .. })` runs any future: its awaits are its own.
            if last_segment(&c.func).as_deref() != Some("effect") {
                syn::visit::visit_expr_call(self, c);
            }
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if is_alt(m) || is_par(m) {
                // Pause points: lowered by `lower.rs`, checked there.
                return;
            }
            if let Some(found) = find_in_tokens(m.tokens.clone()) {
                let what = found.what();
                let name = show(&m.path);
                let args = match m.delimiter {
                    syn::MacroDelimiter::Paren(_) => "(..)",
                    syn::MacroDelimiter::Brace(_) => " { .. }",
                    syn::MacroDelimiter::Bracket(_) => "[..]",
                };
                let help = match &found {
                    Found::Await(_) => format!(
                        "bind the value to a typed local before the macro call \
                         (`let v: T = rx.recv().await;`) and pass `v` to `{name}!`"
                    ),
                    Found::Macro(p, _) => {
                        let call = if *p == "alt" {
                            "alt! { .. }"
                        } else {
                            "par!(..)"
                        };
                        format!(
                            "run `{p}!` before the macro call, bind its result to a typed local \
                             (`let v: T = {call};`) and pass `v` to `{name}!`"
                        )
                    }
                };
                self.0.push_spanned(
                    found.tokens(),
                    format!(
                        "this {what} is inside `{name}!{args}`, whose input #[process] cannot \
                         read, so it cannot be a pause point"
                    ),
                    help,
                );
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    Check(errs).visit_block(body);
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

/// Code to quote in a message, if it is short and has no generated names.
pub(crate) fn code(e: &impl ToTokens) -> Option<String> {
    let s = show(e);
    (s.len() <= 60 && !s.contains("__csp")).then_some(s)
}

/// What a compound expression is, for messages.
pub(crate) fn kind_of(e: &Expr) -> (&'static str, &'static str) {
    match e {
        Expr::If(_) => ("an `if`", "if c { .. } else { .. }"),
        Expr::Match(_) => ("a `match`", "match x { .. }"),
        Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) => ("a loop", "loop { .. }"),
        Expr::Block(_) => ("a block", "{ .. }"),
        Expr::Unsafe(_) => ("an `unsafe` block", "unsafe { .. }"),
        Expr::Macro(m) if is_alt(&m.mac) => ("an `alt!`", "alt! { .. }"),
        _ => ("this expression", ".."),
    }
}

/// A pause point in a `match` guard, which runs while the match chooses.
pub(crate) fn guard_error(errs: &mut Errors, pat: &syn::Pat, guard: &Expr) {
    let fix = match (code(guard), code(pat)) {
        (Some(g), Some(p)) => format!(
            "evaluate it before the `match` (`let ok: bool = {g};`) and test the result in the \
             guard (`{p} if ok => ..`); if it must only run when the pattern matches, match \
             first and pause inside the arm"
        ),
        _ => "evaluate it before the `match` (`let ok: bool = ..;`) and test `ok` in the guard; \
              if it must only run when the pattern matches, match first and pause inside the arm"
            .to_string(),
    };
    errs.push_spanned(
        guard,
        "a pause point cannot be in a `match` guard: the process cannot stop while a `match` \
         is choosing its arm",
        fix,
    );
}

/// Hoists pause points out of expressions, numbering them.
pub(crate) struct Hoister<'e> {
    pub(crate) errs: &'e mut Errors,
    pub(crate) next: usize,
    /// Where each hoisted pause's expression started in the source, by the
    /// name of the result local that replaced it (so errors about code
    /// around it can underline the original text).
    pub(crate) origins: &'e mut Vec<(String, Span)>,
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
    /// point at the `.await`), invisible to user code; `start` is where the
    /// paused expression begins.
    fn fresh(&mut self, at: Span, start: Span) -> Ident {
        let id = format_ident!(
            "__csp_r{}",
            self.next,
            span = Span::mixed_site().located_at(at)
        );
        self.origins.push((id.to_string(), start));
        self.next += 1;
        id
    }

    /// The tokens to span an error on `e` with, mapping hoisted results
    /// back to the source they replaced.
    fn source_range(&self, e: &Expr) -> TokenStream {
        use proc_macro2::TokenTree as T;
        let Some(first_tok) = e.to_token_stream().into_iter().next() else {
            return e.to_token_stream();
        };
        let (first, last) = ends(e).expect("non-empty");
        let first = match &first_tok {
            T::Ident(id) => {
                let id = id.to_string();
                let base = id.strip_suffix("_ok").unwrap_or(&id);
                self.origins
                    .iter()
                    .find(|(n, _)| n == base)
                    .map_or(first, |(_, s)| *s)
            }
            _ => first,
        };
        range(first, last)
    }

    /// Visits `children` in evaluation order; everything evaluated before
    /// the one holding the pause must be stable.
    fn seq<'a>(
        &mut self,
        children: impl IntoIterator<Item = &'a mut Expr>,
        found: &mut Option<Pause>,
    ) {
        let mut before: Vec<(TokenStream, Option<String>)> = Vec::new();
        for c in children {
            if !has_pause_expr(c) {
                if !is_stable(c) {
                    before.push((self.source_range(c), code(c)));
                }
                continue;
            }
            for (at, text) in before {
                let fix = match text {
                    Some(t) => format!(
                        "bind it to a typed local in a statement of its own (`let v: T = {t};`) \
                         and use `v` here"
                    ),
                    None => "bind it to a typed local in a statement of its own \
                             (`let v: T = ..;`) and use `v` here"
                        .to_string(),
                };
                self.errs.push_spanned(
                    at,
                    "this is evaluated before a pause point later in the same expression, so \
                     its value would have to be held across the pause",
                    fix,
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
                let start = ends(&a.base).map_or(span, |(f, _)| f);
                if let Some(kind) = classify(self.errs, a) {
                    let result = self.fresh(span, start);
                    *e = syn::parse_quote!(#result);
                    *found = Some(Pause {
                        question: None,
                        kind,
                        result,
                        at: span,
                    });
                }
            }
            Expr::Binary(b) if matches!(b.op, BinOp::And(_) | BinOp::Or(_)) => {
                if has_pause_expr(&b.left) {
                    self.first(&mut b.left, found);
                } else {
                    let and = matches!(b.op, BinOp::And(_));
                    let op = if and { "&&" } else { "||" };
                    let fix = match (code(&b.left), code(&b.right)) {
                        (Some(l), Some(r)) if and => {
                            format!("write an `if`: `if {l} {{ {r} }} else {{ false }}`")
                        }
                        (Some(l), Some(r)) => {
                            format!("write an `if`: `if {l} {{ true }} else {{ {r} }}`")
                        }
                        _ if and => "write an `if`: `if a { b } else { false }`".to_string(),
                        _ => "write an `if`: `if a { true } else { b }`".to_string(),
                    };
                    self.errs.push_spanned(
                        &b.right,
                        format!(
                            "a pause point on the right of `{op}` runs only sometimes, which a \
                             process cannot express inside one expression"
                        ),
                        fix,
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
                    let result = self.fresh(span, span);
                    *e = syn::parse_quote!(#result);
                    *found = Some(Pause {
                        question: None,
                        kind,
                        result,
                        at: span,
                    });
                }
            }
            Expr::Macro(m) if is_alt(&m.mac) => self.errs.push_spanned(
                macro_name(&m.mac),
                "an `alt!` in a process must be a statement of its own, or the whole value of \
                 a `let` with a written type",
                "bind it first (`let v: T = alt! { .. };`), then use `v` in the expression",
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
            Expr::Match(m)
                if m.arms
                    .iter()
                    .any(|a| a.guard.as_ref().is_some_and(|(_, g)| has_pause_expr(g))) =>
            {
                for a in &m.arms {
                    if let Some((_, g)) = &a.guard {
                        if has_pause_expr(g) {
                            guard_error(self.errs, &a.pat, g);
                        }
                    }
                }
            }
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
            other => {
                let (kind, example) = kind_of(other);
                self.errs.push_spanned(
                    &*other,
                    format!(
                        "a pause point inside {kind} that is part of a larger expression: the \
                         process can only stop between statements, or in a whole `let` value"
                    ),
                    format!(
                        "make {kind} the value of its own typed `let` (`let v: T = {example};`), \
                         then use `v` in the expression"
                    ),
                );
            }
        }
    }
}
