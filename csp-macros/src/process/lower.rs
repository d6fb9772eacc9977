//! Stage 3: the body as numbered states.
//!
//! Each state's code is a small tree (`Code`) of the user's statements and
//! branches whose leaves are transitions: `Goto` another state, `Pause`
//! (start an operation, resume in another state), or `Finish`. Lowering
//! walks the body in order with a cursor on "the code of the state being
//! written"; a pause point ends that state and moves the cursor to the
//! resume state, so straight-line code stays straight.
//!
//! ```text
//! let mut total: u64 = 0;                 state 0: let mut total: u64 = 0; goto 1
//! while let Ok(x) = input.recv().await {  state 1: pause P0 = input.recv(); resume in 2
//!     total += x;                         state 2: match r0 { Ok(x) => { total += x;
//!     if output.send(total).await                      pause P1 = output.send(total); resume 3 }
//!         .is_err() { break; }                         _ => goto 4 }
//! }                                       state 3: if r1.is_err() { jump 4 } goto 1
//! total                                   state 4: finish(total)
//! ```
//!
//! Control flow that contains no pause point is never split: it stays one
//! statement, with `break`/`continue`/`return`/`?` that leave it rewritten
//! by `rewrite.rs`. Scopes are tracked so that each state knows which
//! locals are visible at its start (`liveness.rs` needs it).

use proc_macro2::Span;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{Block, Expr, Ident, Lifetime, Pat, Stmt, Type};

use super::names::key;
use super::pause::{
    check_nested, has_pause_block, has_pause_expr, has_pause_stmt, AltGuard, AltGuardKind, Hoister,
    Pause, PauseKind,
};
use super::rewrite::{rewrite_expr, rewrite_stmt, JumpReq, Jumps};
use super::signature::Signature;
use crate::errors::Errors;

pub(crate) type StateId = usize;
pub(crate) type DeclId = usize;

/// A piece of a state's code.
pub(crate) enum Code {
    /// User code, exits rewritten; `jumps` are the jump-table entries in it.
    Stmt { stmt: Stmt, jumps: Vec<usize> },
    /// `if cond { then } else { els }`
    If {
        cond: Expr,
        then: Vec<Code>,
        els: Vec<Code>,
    },
    /// `match scrut { arms }`
    Match { scrut: Expr, arms: Vec<Arm> },
    /// Binds the value of a lowered block to its `let`: `let x: T = e;`
    Assign {
        decl: DeclId,
        expr: Expr,
        jumps: Vec<usize>,
    },
    /// Continue in another state.
    Goto(StateId),
    /// Start pause point `pause`, resume in `resume`.
    Pause { pause: usize, resume: StateId },
    /// End the process with this value.
    Finish { expr: Expr, jumps: Vec<usize> },
}

/// One arm of a lowered `match`.
pub(crate) struct Arm {
    pub(crate) pat: Pat,
    pub(crate) guard: Option<Expr>,
    pub(crate) body: Vec<Code>,
}

/// A state: its code, and the locals in scope where it starts.
pub(crate) struct State {
    pub(crate) code: Vec<Code>,
    pub(crate) scope: Vec<DeclId>,
    /// The pause point this state resumes from, if any.
    pub(crate) resumes: Option<usize>,
}

/// A local the body declares (or a parameter, or a generated temporary).
pub(crate) struct Decl {
    pub(crate) name: Ident,
    pub(crate) ty: Option<Type>,
    pub(crate) mutable: bool,
    /// Declared by a pattern (match arm, `if let`), not a `let`.
    pub(crate) by_pattern: bool,
}

/// A jump to a lowered loop: where to, and the `break` value's destination.
pub(crate) struct Jump {
    pub(crate) target: Cont,
    pub(crate) value: Option<Expr>,
}

/// Where control goes when a piece of code completes, and where its value
/// goes: into a state (binding the value to a `let` if `Some`), or out of
/// the process.
#[derive(Clone, Copy)]
pub(crate) enum Cont {
    Goto(StateId, Option<DeclId>),
    Return,
}

/// The types a pause point gives its frame.
pub(crate) struct PauseTypes {
    /// The pending operation (a variant of the frame's op enum).
    pub(crate) op: Type,
    /// What `.await` evaluates to.
    pub(crate) result: Type,
}

/// The lowered body.
pub(crate) struct Lowered {
    pub(crate) states: Vec<State>,
    pub(crate) decls: Vec<Decl>,
    pub(crate) pauses: Vec<Pause>,
    pub(crate) pause_types: Vec<PauseTypes>,
    pub(crate) jumps: Vec<Jump>,
    /// Items declared in the body (`fn`, `use`, `struct`..): emitted once at
    /// the top of `step`, visible from every state.
    pub(crate) items: Vec<syn::Item>,
}

struct LoopCtx {
    label: Option<String>,
    /// `None` for a labelled block (only `break` may target it).
    head: Option<StateId>,
    exit: Cont,
}

struct Lowerer<'e> {
    out: Lowered,
    scopes: Vec<Vec<DeclId>>,
    loops: Vec<LoopCtx>,
    errs: &'e mut Errors,
    next_pause: usize,
    next_iter: usize,
}

/// The code of the state being written, and the first state's code (which
/// belongs to whoever called the lowering function).
struct Cursor {
    first: Option<Vec<Code>>,
    cur: Vec<Code>,
    state: Option<StateId>,
}

impl Cursor {
    fn new() -> Self {
        Cursor {
            first: None,
            cur: Vec::new(),
            state: None,
        }
    }

    fn push(&mut self, c: Code) {
        self.cur.push(c);
    }

    /// Ends the current state's code; continue writing state `s`.
    fn switch_to(&mut self, l: &mut Lowered, s: StateId) {
        let done = std::mem::take(&mut self.cur);
        match self.state {
            None => self.first = Some(done),
            Some(prev) => l.states[prev].code = done,
        }
        self.state = Some(s);
    }

    fn finish(mut self, l: &mut Lowered) -> Vec<Code> {
        match self.state {
            None => self.cur,
            Some(s) => {
                l.states[s].code = std::mem::take(&mut self.cur);
                self.first.unwrap_or_default()
            }
        }
    }
}

/// Lowers the whole body; state 0 is the entry.
pub(crate) fn lower(sig: &Signature, body: &Block) -> syn::Result<Lowered> {
    let mut errs = Errors::default();
    check_nested(&mut errs, body);
    let mut l = Lowerer {
        out: Lowered {
            states: Vec::new(),
            decls: Vec::new(),
            pauses: Vec::new(),
            pause_types: Vec::new(),
            jumps: Vec::new(),
            items: Vec::new(),
        },
        scopes: vec![Vec::new()],
        loops: Vec::new(),
        errs: &mut errs,
        next_pause: 0,
        next_iter: 0,
    };
    for p in &sig.params {
        l.declare(p.name.clone(), Some(p.ty.clone()), p.mutable, false);
    }
    let entry = l.new_state(None);
    let code = l.block(body, Cont::Return);
    l.out.states[entry].code = code;
    let out = l.out;
    errs.finish(out)
}

impl Lowerer<'_> {
    fn new_state(&mut self, resumes: Option<usize>) -> StateId {
        let scope = self.scopes.iter().flatten().copied().collect();
        self.out.states.push(State {
            code: Vec::new(),
            scope,
            resumes,
        });
        self.out.states.len() - 1
    }

    fn declare(
        &mut self,
        name: Ident,
        ty: Option<Type>,
        mutable: bool,
        by_pattern: bool,
    ) -> DeclId {
        self.out.decls.push(Decl {
            name,
            ty,
            mutable,
            by_pattern,
        });
        let id = self.out.decls.len() - 1;
        self.scopes.last_mut().expect("a scope is open").push(id);
        id
    }

    /// The innermost visible declaration of `name`.
    fn lookup(&self, name: &Ident) -> Option<&Decl> {
        let k = key(name);
        self.scopes
            .iter()
            .flatten()
            .rev()
            .map(|&d| &self.out.decls[d])
            .find(|d| key(&d.name) == k)
    }

    /// Declares what a `let` binds: typed if it is `x: T` or a tuple of
    /// names with a tuple type.
    fn declare_let(&mut self, pat: &Pat) {
        match pat {
            Pat::Type(pt) => match (&*pt.pat, &*pt.ty) {
                (Pat::Ident(pi), ty) if pi.subpat.is_none() => {
                    self.declare(
                        pi.ident.clone(),
                        Some(ty.clone()),
                        pi.mutability.is_some(),
                        false,
                    );
                }
                (Pat::Tuple(pts), Type::Tuple(tys)) if pts.elems.len() == tys.elems.len() => {
                    for (p, t) in pts.elems.iter().zip(&tys.elems) {
                        let typed = Pat::Type(syn::PatType {
                            attrs: Vec::new(),
                            pat: Box::new(p.clone()),
                            colon_token: Default::default(),
                            ty: Box::new(t.clone()),
                        });
                        self.declare_let(&typed);
                    }
                }
                (p, _) => self.declare_untyped(p, false),
            },
            p => self.declare_untyped(p, false),
        }
    }

    fn declare_untyped(&mut self, p: &Pat, by_pattern: bool) {
        for name in pat_idents(p) {
            self.declare(name.0, None, name.1, by_pattern);
        }
    }

    fn with_scope<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.scopes.push(Vec::new());
        let r = f(self);
        self.scopes.pop();
        r
    }

    /// A block: its own scope; completes into `cont`.
    fn block(&mut self, b: &Block, cont: Cont) -> Vec<Code> {
        self.with_scope(|l| l.stmts(&b.stmts, cont))
    }

    fn stmts(&mut self, stmts: &[Stmt], cont: Cont) -> Vec<Code> {
        let mut cur = Cursor::new();
        for (i, s) in stmts.iter().enumerate() {
            if i + 1 == stmts.len() {
                if let Stmt::Expr(e, None) = s {
                    self.tail(e.clone(), cont, &mut cur);
                    return cur.finish(&mut self.out);
                }
                // `alt! { .. }` ending a block is its value.
                if let Stmt::Macro(m) = s {
                    if m.semi_token.is_none() && super::pause::is_alt(&m.mac) {
                        let e = Expr::Macro(syn::ExprMacro {
                            attrs: m.attrs.clone(),
                            mac: m.mac.clone(),
                        });
                        self.tail(e, cont, &mut cur);
                        return cur.finish(&mut self.out);
                    }
                }
            }
            self.stmt(s, &mut cur);
        }
        // A block ending in `return ..;`, `break;` or `continue;` never
        // falls off its end: delivering `()` there would only produce a
        // type error (`let out: u32 = ();`) in code that cannot run.
        if !stmts.last().is_some_and(diverges) {
            self.deliver(syn::parse_quote!(()), cont, &mut cur);
        }
        cur.finish(&mut self.out)
    }

    /// Sends a value to a continuation: bind it or discard it, then go; or
    /// finish the process with it.
    fn deliver(&mut self, value: Expr, cont: Cont, cur: &mut Cursor) {
        match cont {
            Cont::Goto(s, None) => {
                if !matches!(value, Expr::Tuple(ref t) if t.elems.is_empty()) {
                    self.verbatim(Stmt::Expr(value, Some(Default::default())), cur);
                }
                cur.push(Code::Goto(s));
            }
            Cont::Goto(s, Some(d)) => {
                let mut value = value;
                let jumps = rewrite_expr(&mut value, self);
                cur.push(Code::Assign {
                    decl: d,
                    expr: value,
                    jumps,
                });
                cur.push(Code::Goto(s));
            }
            Cont::Return => {
                let mut value = value;
                let jumps = rewrite_expr(&mut value, self);
                cur.push(Code::Finish { expr: value, jumps });
            }
        }
    }

    fn verbatim(&mut self, mut stmt: Stmt, cur: &mut Cursor) {
        let jumps = rewrite_stmt(&mut stmt, self);
        if let Stmt::Local(l) = &stmt {
            let pat = l.pat.clone();
            cur.push(Code::Stmt { stmt, jumps });
            self.declare_let(&pat);
        } else {
            cur.push(Code::Stmt { stmt, jumps });
        }
    }

    /// Hoists every pause point out of `e`, in evaluation order.
    fn hoist_all(&mut self, e: &mut Expr, cur: &mut Cursor) {
        loop {
            let mut h = Hoister {
                errs: self.errs,
                next: self.next_pause,
            };
            let found = h.hoist(e);
            self.next_pause = h.next;
            let Some(p) = found else { return };
            self.pause(p, cur);
        }
    }

    /// Emits a pause and moves the cursor to its resume state.
    fn pause(&mut self, p: Pause, cur: &mut Cursor) {
        let types = self.pause_types(&p);
        let idx = self.out.pauses.len();
        let result_ty = types.as_ref().map(|t| t.result.clone());
        self.out.pause_types.push(types.unwrap_or(PauseTypes {
            op: syn::parse_quote!(()),
            result: syn::parse_quote!(()),
        }));
        self.declare(p.result.clone(), result_ty.clone(), false, false);
        let question = p.question.clone();
        let result = p.result.clone();
        self.out.pauses.push(p);
        let resume = self.new_state(Some(idx));
        cur.push(Code::Pause { pause: idx, resume });
        cur.switch_to(&mut self.out, resume);
        if let Some(q) = question {
            let ok_ty = result_ty
                .map(|t| -> Type { syn::parse_quote!(<#t as ::csp::__private::QuestionMark>::Ok) });
            let stmt: Stmt = match &ok_ty {
                Some(t) => syn::parse_quote!(let #q: #t = #result?;),
                None => syn::parse_quote!(let #q = #result?;),
            };
            self.verbatim(stmt, cur);
        }
    }

    fn chan_type(&mut self, chan: &Ident) -> Option<Type> {
        match self.lookup(chan).map(|d| d.ty.clone()) {
            Some(Some(t)) => Some(t),
            _ => {
                self.errs.push(
                    chan.span(),
                    format!(
                        "the frame names the message type from this channel's type, so `{chan}` \
                         needs a written type where it is bound: `let {chan}: Receiver<T> = ...` \
                         (or `Sender<T>`; for both ends at once: \
                         `let (tx, rx): (Sender<T>, Receiver<T>) = channel();`)"
                    ),
                );
                None
            }
        }
    }

    fn pause_types(&mut self, p: &Pause) -> Option<PauseTypes> {
        self.kind_types(&p.kind)
    }

    fn kind_types(&mut self, kind: &PauseKind) -> Option<PauseTypes> {
        let item = |ty: &Type| quote!(<#ty as ::csp::__private::ChanEnd>::Item);
        Some(match kind {
            PauseKind::Recv { chan } => {
                let it = item(&self.chan_type(chan)?);
                PauseTypes {
                    op: syn::parse_quote!(::csp::__private::RecvPause<#it>),
                    result: syn::parse_quote!(::core::result::Result<#it, ::csp::RecvError>),
                }
            }
            PauseKind::Send { chan, .. } => {
                let it = item(&self.chan_type(chan)?);
                PauseTypes {
                    op: syn::parse_quote!(::csp::__private::SendPause<#it>),
                    result: syn::parse_quote!(::core::result::Result<(), ::csp::SendError<#it>>),
                }
            }
            PauseKind::Sleep { .. } => PauseTypes {
                op: syn::parse_quote!(::csp::__private::SleepPause),
                result: syn::parse_quote!(()),
            },
            PauseKind::Yield => PauseTypes {
                op: syn::parse_quote!(::csp::__private::YieldPause),
                result: syn::parse_quote!(()),
            },
            PauseKind::Effect { fut, ty } => {
                let Some(ty) = ty else {
                    self.errs.push(
                        fut.span(),
                        "the frame stores the effect's output, so it needs its type: write \
                         `let x: T = effect(..).await;` or `effect::<T>(..)`",
                    );
                    return None;
                };
                PauseTypes {
                    op: syn::parse_quote!(::csp::__private::EffectPause<#ty>),
                    result: ty.clone(),
                }
            }
            PauseKind::Call { func, .. } => {
                let frame = frame_path(func);
                PauseTypes {
                    op: syn::parse_quote!(#frame),
                    result: syn::parse_quote!(<#frame as ::csp::__private::Process>::Output),
                }
            }
            PauseKind::Alt { guards, .. } => {
                let mut gs = Vec::new();
                for g in guards {
                    gs.push(match &g.kind {
                        AltGuardKind::Recv { chan } => {
                            let it = item(&self.chan_type(chan)?);
                            quote!(::csp::__private::RecvGuard<#it>)
                        }
                        AltGuardKind::Send { chan, .. } => {
                            let it = item(&self.chan_type(chan)?);
                            quote!(::csp::__private::SendGuard<#it>)
                        }
                        AltGuardKind::After { .. } => quote!(::csp::__private::AfterGuard),
                    });
                }
                PauseTypes {
                    op: syn::parse_quote!(
                        ::csp::__private::AltPause<( #(::core::option::Option<#gs>,)* )>
                    ),
                    result: syn::parse_quote!(usize),
                }
            }
            PauseKind::Par { branches } => {
                let mut ops = Vec::new();
                let mut results = Vec::new();
                for b in branches {
                    let t = self.kind_types(b)?;
                    ops.push(t.op);
                    results.push(t.result);
                }
                let par = format_ident!("Par{}", branches.len());
                PauseTypes {
                    op: syn::parse_quote!(::csp::__private::#par<#(#ops),*>),
                    result: syn::parse_quote!((#(#results,)*)),
                }
            }
        })
    }

    fn stmt(&mut self, s: &Stmt, cur: &mut Cursor) {
        if let Stmt::Item(item) = s {
            self.out.items.push(item.clone());
            return;
        }
        if !has_pause_stmt(s) {
            return self.verbatim(s.clone(), cur);
        }
        match s {
            Stmt::Local(local) => self.let_stmt(local, cur),
            Stmt::Expr(e, _) if is_structured(e) => {
                let join = self.new_state(None);
                self.structured(e.clone(), Cont::Goto(join, None), cur);
                cur.switch_to(&mut self.out, join);
            }
            Stmt::Expr(e, semi) => {
                let mut e = e.clone();
                self.hoist_all(&mut e, cur);
                self.verbatim(Stmt::Expr(e, *semi), cur);
            }
            // `par!(..);` as a statement: the same pause point as an expression.
            Stmt::Macro(m) if super::pause::is_par(&m.mac) || super::pause::is_alt(&m.mac) => {
                let e = Expr::Macro(syn::ExprMacro {
                    attrs: m.attrs.clone(),
                    mac: m.mac.clone(),
                });
                self.stmt(
                    &Stmt::Expr(e, m.semi_token.or(Some(Default::default()))),
                    cur,
                );
            }
            Stmt::Item(_) | Stmt::Macro(_) => self.verbatim(s.clone(), cur),
        }
    }

    fn let_stmt(&mut self, local: &syn::Local, cur: &mut Cursor) {
        let mut local = local.clone();
        annotate_effect(&mut local);
        let local = &local;
        let Some(init) = &local.init else {
            return self.verbatim(Stmt::Local(local.clone()), cur);
        };
        if let Some((_, els)) = &init.diverge {
            if has_pause_expr(els) {
                self.errs.push(
                    els.span(),
                    "a pause point in the `else` of `let ... else` is not supported",
                );
            }
        }
        if is_structured(&init.expr) {
            let Some(decl) = self.typed_single(&local.pat) else {
                self.errs.push(
                    local.pat.span(),
                    "this `let` takes its value from a block with a pause point: write a name and \
                     its type (`let x: T = ...`) so the frame can hold it",
                );
                return;
            };
            let join = self.new_state(None);
            self.structured((*init.expr).clone(), Cont::Goto(join, Some(decl)), cur);
            cur.switch_to(&mut self.out, join);
            return;
        }
        let mut local = local.clone();
        if let Some(init) = &mut local.init {
            self.hoist_all(&mut init.expr, cur);
        }
        self.verbatim(Stmt::Local(local), cur);
    }

    /// Declares `x: T` (a single typed name) and returns it.
    fn typed_single(&mut self, pat: &Pat) -> Option<DeclId> {
        let Pat::Type(pt) = pat else { return None };
        let Pat::Ident(pi) = &*pt.pat else {
            return None;
        };
        Some(self.declare(
            pi.ident.clone(),
            Some((*pt.ty).clone()),
            pi.mutability.is_some(),
            false,
        ))
    }

    /// The value of a block (or of the body): structured, or hoisted and
    /// delivered.
    fn tail(&mut self, mut e: Expr, cont: Cont, cur: &mut Cursor) {
        if is_structured(&e) && has_pause_expr(&e) {
            return self.structured(e, cont, cur);
        }
        self.hoist_all(&mut e, cur);
        self.deliver(e, cont, cur);
    }

    /// `if`, `match`, loops and blocks that contain a pause point.
    fn structured(&mut self, e: Expr, cont: Cont, cur: &mut Cursor) {
        match e {
            Expr::If(i) => self.if_expr(i, cont, cur),
            Expr::Match(m) => self.match_expr(m, cont, cur),
            Expr::Loop(lp) => {
                let head = self.new_state(None);
                cur.push(Code::Goto(head));
                self.loop_body(lp.label.as_ref(), head, cont, |l| l.block(&lp.body, Cont::Goto(head, None)));
            }
            Expr::While(w) => self.while_expr(w, cont, cur),
            Expr::ForLoop(f) => self.for_expr(f, cont, cur),
            Expr::Block(b) => {
                let label = b.label.as_ref().map(|l| l.name.ident.to_string());
                self.loops.push(LoopCtx {
                    label,
                    head: None,
                    exit: cont,
                });
                let code = self.block(&b.block, cont);
                self.loops.pop();
                cur.cur.extend(code);
            }
            Expr::Macro(m) if super::pause::is_alt(&m.mac) => self.alt_expr(&m.mac, cont, cur),
            Expr::Unsafe(u) => self.errs.push(
                u.unsafe_token.span(),
                "a pause point inside an `unsafe` block is not supported; keep `unsafe` blocks between pauses",
            ),
            other => self.errs.push(other.span(), "unsupported construct around a pause point"),
        }
    }

    /// `alt! { .. }` in a process: the wait is a pause point (`AltPause`);
    /// the resumed state matches on the arm that fired, takes its output
    /// and runs its body, or, if the output does not match the arm's
    /// pattern, disables the arm and waits again.
    ///
    /// ```text
    /// alt! { Ok(v) = rx.recv() => A, tx.send(x) => B, default => D }
    /// ```
    /// lowers to
    /// ```text
    /// pause P = AltPause::new((Some(RecvGuard(rx)), Some(SendGuard(tx, x))), ..); resume R
    /// R: match r {
    ///        0 => match take(P, 0) { Ok(v) => A, _ => { disable(P, 0); goto R } },
    ///        1 => match take(P, 1) { Ok(()) => B, _ => { disable(P, 1); goto R } },
    ///        _ => D,
    ///    }
    /// ```
    fn alt_expr(&mut self, mac: &syn::Macro, cont: Cont, cur: &mut Cursor) {
        let alt = match crate::alt::model(mac.tokens.clone()) {
            Ok(a) => a,
            Err(e) => return self.errs.push_err(relocate(e, mac)),
        };
        if alt.arms.len() > MAX_PROCESS_ALT {
            self.errs.push_spanned(
                mac,
                format!("an alt! in a process supports at most {MAX_PROCESS_ALT} guarded arms"),
            );
            return;
        }
        let mut guards = Vec::new();
        for arm in &alt.arms {
            let Some(kind) = self.alt_guard(&arm.kind) else {
                return;
            };
            let pauses_inside = match &kind {
                AltGuardKind::Send { value, .. } => has_pause_expr(value),
                AltGuardKind::After { dur } => has_pause_expr(dur),
                AltGuardKind::Recv { .. } => false,
            };
            if arm.cond.as_ref().is_some_and(has_pause_expr) || pauses_inside {
                self.errs.push_spanned(
                    &arm.body,
                    "a pause point in an alt! guard or precondition is not supported; bind it first",
                );
                return;
            }
            guards.push(AltGuard {
                kind,
                cond: arm.cond.clone(),
            });
        }
        let at = Span::mixed_site().located_at(mac.path.span());
        let pause = Pause {
            question: None,
            kind: PauseKind::Alt {
                guards: guards.clone(),
                biased: alt.biased,
                has_default: alt.default.is_some(),
            },
            result: format_ident!("__csp_r{}", self.next_pause, span = at),
        };
        self.next_pause += 1;
        let arm_ix = pause.result.clone();
        let p = self.out.pauses.len();
        self.pause(pause, cur);
        let Some(resume) = cur.state else { return };
        let mut arms = Vec::new();
        for (i, arm) in alt.arms.iter().enumerate() {
            let item = match &guards[i].kind {
                AltGuardKind::Recv { chan } => {
                    self.lookup(chan)
                        .and_then(|d| d.ty.clone())
                        .map(|t| -> Type {
                            syn::parse_quote!(<#t as ::csp::__private::ChanEnd>::Item)
                        })
                }
                _ => None,
            };
            let body = self.with_scope(|l| {
                l.declare_arm_pattern(&arm.pat, item.as_ref());
                let mut c = Cursor::new();
                l.tail(arm.body.clone(), cont, &mut c);
                c.finish(&mut l.out)
            });
            let retry = vec![
                Code::Stmt {
                    stmt: Stmt::Expr(placeholder(ALT_DISABLE, p, i), Some(Default::default())),
                    jumps: Vec::new(),
                },
                Code::Goto(resume),
            ];
            arms.push(Arm {
                pat: syn::parse_quote!(#i),
                guard: None,
                body: vec![Code::Match {
                    scrut: placeholder(ALT_TAKE, p, i),
                    arms: vec![
                        Arm {
                            pat: arm.pat.clone(),
                            guard: None,
                            body,
                        },
                        Arm {
                            pat: syn::parse_quote!(_),
                            guard: None,
                            body: retry,
                        },
                    ],
                }],
            });
        }
        let default = match &alt.default {
            Some(d) => {
                let mut c = Cursor::new();
                self.tail(d.clone(), cont, &mut c);
                c.finish(&mut self.out)
            }
            None => vec![Code::Stmt {
                stmt: syn::parse_quote!(::core::unreachable!("alt!: no default arm");),
                jumps: Vec::new(),
            }],
        };
        arms.push(Arm {
            pat: syn::parse_quote!(_),
            guard: None,
            body: default,
        });
        cur.push(Code::Match {
            scrut: syn::parse_quote!(#arm_ix),
            arms,
        });
    }

    /// One alt guard; its channel must be a plain name (reported if not).
    fn alt_guard(&mut self, g: &crate::alt::GuardKind) -> Option<AltGuardKind> {
        let mut chan_of = |e: &Expr| match e {
            Expr::Path(p) if p.path.get_ident().is_some() => p.path.get_ident().cloned(),
            other => {
                self.errs.push_spanned(
                    other,
                    "the channel of an alt! guard in a process must be a parameter or a typed \
                     local, named directly",
                );
                None
            }
        };
        Some(match g {
            crate::alt::GuardKind::Recv { rx } => AltGuardKind::Recv { chan: chan_of(rx)? },
            crate::alt::GuardKind::Send { tx, value } => AltGuardKind::Send {
                chan: chan_of(tx)?,
                value: value.clone(),
            },
            crate::alt::GuardKind::After { dur } => AltGuardKind::After { dur: dur.clone() },
        })
    }

    fn loop_body(
        &mut self,
        label: Option<&syn::Label>,
        head: StateId,
        exit: Cont,
        body: impl FnOnce(&mut Self) -> Vec<Code>,
    ) {
        self.loops.push(LoopCtx {
            label: label.map(|l| l.name.ident.to_string()),
            head: Some(head),
            exit,
        });
        let code = body(self);
        self.loops.pop();
        self.out.states[head].code = code;
    }

    fn if_expr(&mut self, i: syn::ExprIf, cont: Cont, cur: &mut Cursor) {
        let mut cond = *i.cond;
        self.hoist_all(&mut cond, cur);
        let els = |l: &mut Self| match &i.else_branch {
            None => {
                let mut c = Cursor::new();
                l.deliver(syn::parse_quote!(()), cont, &mut c);
                c.finish(&mut l.out)
            }
            Some((_, e)) => {
                let mut c = Cursor::new();
                l.tail((**e).clone(), cont, &mut c);
                c.finish(&mut l.out)
            }
        };
        if let Expr::Let(lt) = cond {
            let mut scrut = *lt.expr;
            rewrite_expr(&mut scrut, self);
            let recv_item = self.recv_item_of(&scrut);
            let then = self.with_scope(|l| {
                l.declare_arm_pattern(&lt.pat, recv_item.as_ref());
                l.block(&i.then_branch, cont)
            });
            let els = els(self);
            cur.push(Code::Match {
                scrut,
                arms: vec![
                    Arm {
                        pat: *lt.pat,
                        guard: None,
                        body: then,
                    },
                    Arm {
                        pat: syn::parse_quote!(_),
                        guard: None,
                        body: els,
                    },
                ],
            });
            return;
        }
        let mut cond = cond;
        rewrite_expr(&mut cond, self);
        let then = self.block(&i.then_branch, cont);
        let els = els(self);
        cur.push(Code::If { cond, then, els });
    }

    fn match_expr(&mut self, m: syn::ExprMatch, cont: Cont, cur: &mut Cursor) {
        let mut scrut = *m.expr;
        self.hoist_all(&mut scrut, cur);
        rewrite_expr(&mut scrut, self);
        let recv_item = self.recv_item_of(&scrut);
        let mut arms = Vec::new();
        for arm in m.arms {
            let mut guard = arm.guard.map(|(_, g)| *g);
            if let Some(g) = &mut guard {
                if has_pause_expr(g) {
                    self.errs
                        .push(g.span(), "a pause point in a match guard is not supported");
                }
                rewrite_expr(g, self);
            }
            let body = self.with_scope(|l| {
                l.declare_arm_pattern(&arm.pat, recv_item.as_ref());
                let mut c = Cursor::new();
                l.tail(*arm.body.clone(), cont, &mut c);
                c.finish(&mut l.out)
            });
            arms.push(Arm {
                pat: arm.pat,
                guard,
                body,
            });
        }
        cur.push(Code::Match { scrut, arms });
    }

    /// If `scrut` is the result of a receive, the message type.
    fn recv_item_of(&self, scrut: &Expr) -> Option<Type> {
        let Expr::Path(p) = scrut else { return None };
        let id = p.path.get_ident()?;
        let idx = self.out.pauses.iter().position(|x| &x.result == id)?;
        let PauseKind::Recv { chan } = &self.out.pauses[idx].kind else {
            return None;
        };
        let ty = self.lookup(chan)?.ty.clone()?;
        Some(syn::parse_quote!(<#ty as ::csp::__private::ChanEnd>::Item))
    }

    /// Declares a match arm's bindings; `Ok(x)` on a receive's result gets
    /// the message type, so it may live across later pauses.
    fn declare_arm_pattern(&mut self, pat: &Pat, recv_item: Option<&Type>) {
        if let (Some(item), Pat::TupleStruct(ts)) = (recv_item, pat) {
            let is_ok = ts.path.segments.last().is_some_and(|s| s.ident == "Ok");
            if let (true, Some(Pat::Ident(pi))) = (is_ok && ts.elems.len() == 1, ts.elems.first()) {
                if pi.subpat.is_none() && pi.by_ref.is_none() {
                    self.declare(
                        pi.ident.clone(),
                        Some(item.clone()),
                        pi.mutability.is_some(),
                        true,
                    );
                    return;
                }
            }
        }
        self.declare_untyped(pat, true);
    }

    fn while_expr(&mut self, w: syn::ExprWhile, cont: Cont, cur: &mut Cursor) {
        let head = self.new_state(None);
        cur.push(Code::Goto(head));
        let label = w.label.clone();
        self.loop_body(label.as_ref(), head, cont, |l| {
            let mut c = Cursor::new();
            let mut cond = *w.cond.clone();
            l.hoist_all(&mut cond, &mut c);
            let mut done = Cursor::new();
            l.deliver(syn::parse_quote!(()), cont, &mut done);
            let done = done.finish(&mut l.out);
            if let Expr::Let(lt) = cond {
                let mut scrut = *lt.expr;
                rewrite_expr(&mut scrut, l);
                let recv_item = l.recv_item_of(&scrut);
                let body = l.with_scope(|l| {
                    l.declare_arm_pattern(&lt.pat, recv_item.as_ref());
                    l.block(&w.body, Cont::Goto(head, None))
                });
                c.push(Code::Match {
                    scrut,
                    arms: vec![
                        Arm {
                            pat: *lt.pat,
                            guard: None,
                            body,
                        },
                        Arm {
                            pat: syn::parse_quote!(_),
                            guard: None,
                            body: done,
                        },
                    ],
                });
            } else {
                rewrite_expr(&mut cond, l);
                let body = l.block(&w.body, Cont::Goto(head, None));
                c.push(Code::If {
                    cond,
                    then: body,
                    els: done,
                });
            }
            c.finish(&mut l.out)
        });
    }

    fn for_expr(&mut self, f: syn::ExprForLoop, cont: Cont, cur: &mut Cursor) {
        let Some(iter) = self.for_iter(&f.expr) else {
            return;
        };
        let it = format_ident!("__csp_it{}", self.next_iter, span = Span::mixed_site());
        self.next_iter += 1;
        self.with_scope(|l| {
            let (ty, init, next, item) = (iter.ty, iter.init, iter.next, iter.item);
            l.verbatim(syn::parse_quote!(let mut #it: #ty = #init;), cur);
            let head = l.new_state(None);
            cur.push(Code::Goto(head));
            let label = f.label.clone();
            l.loop_body(label.as_ref(), head, cont, |l| {
                let mut done = Cursor::new();
                l.deliver(syn::parse_quote!(()), cont, &mut done);
                let done = done.finish(&mut l.out);
                let body = l.with_scope(|l| {
                    match &*f.pat {
                        Pat::Ident(pi) if pi.subpat.is_none() => {
                            l.declare(pi.ident.clone(), Some(item), pi.mutability.is_some(), true);
                        }
                        p => l.declare_untyped(p, true),
                    }
                    l.block(&f.body, Cont::Goto(head, None))
                });
                let pat = &f.pat;
                let next = next(&it);
                vec![Code::Match {
                    scrut: next,
                    arms: vec![
                        Arm {
                            pat: syn::parse_quote!(::core::option::Option::Some(#pat)),
                            guard: None,
                            body,
                        },
                        Arm {
                            pat: syn::parse_quote!(::core::option::Option::None),
                            guard: None,
                            body: done,
                        },
                    ],
                }]
            });
        });
    }

    /// How a `for` loop iterates, and the types the frame needs for it.
    fn for_iter(&mut self, e: &Expr) -> Option<ForIter> {
        if has_pause_expr(e) {
            self.errs.push(
                e.span(),
                "a pause point in a `for` loop's iterator is not supported; bind it first",
            );
            return None;
        }
        match e {
            Expr::Range(r) => {
                let Some(elem) = r
                    .start
                    .iter()
                    .chain(r.end.iter())
                    .find_map(|b| self.type_of(b))
                else {
                    self.errs.push(
                        e.span(),
                        "the frame must name this range's type: give a bound a suffix (`0..10u32`) or \
                         use a typed local (`0..n` with `n: u32`)",
                    );
                    return None;
                };
                let (ty, next): (Type, fn(&Ident) -> Expr) = match r.limits {
                    syn::RangeLimits::HalfOpen(_) if r.end.is_some() => (
                        syn::parse_quote!(::csp::__private::Range<#elem>),
                        |it| syn::parse_quote!(::core::iter::Iterator::next(&mut #it)),
                    ),
                    syn::RangeLimits::Closed(_) => (
                        syn::parse_quote!(::csp::__private::RangeInclusive<#elem>),
                        |it| syn::parse_quote!(::core::iter::Iterator::next(&mut #it)),
                    ),
                    _ => {
                        self.errs.push(
                            e.span(),
                            "a `for` loop in a process needs a bounded range (`a..b` or `a..=b`)",
                        );
                        return None;
                    }
                };
                Some(ForIter {
                    ty,
                    init: e.clone(),
                    next,
                    item: elem,
                })
            }
            Expr::Path(p) if p.path.get_ident().is_some() => {
                let id = p.path.get_ident().expect("checked");
                let Some(Some(coll)) = self.lookup(id).map(|d| d.ty.clone()) else {
                    self.errs.push(
                        e.span(),
                        format!("`{id}` needs a written type so the frame can hold the rest of the loop"),
                    );
                    return None;
                };
                let item: Type = syn::parse_quote!(<#coll as ::core::iter::IntoIterator>::Item);
                Some(ForIter {
                    ty: syn::parse_quote!(::csp::__private::OwnedIter<#item>),
                    init: syn::parse_quote!(::csp::__private::owned_iter(#id)),
                    next: |it| syn::parse_quote!(#it.pop_front()),
                    item,
                })
            }
            _ => {
                self.errs.push(
                    e.span(),
                    "unsupported `for` iterator in a process: use a range (`a..b`, `a..=b`) or an owned \
                     collection held in a local with a written type (`for x in items` with `items: Vec<T>`)",
                );
                None
            }
        }
    }

    /// The type of a simple expression, when it can be read off the source.
    fn type_of(&self, e: &Expr) -> Option<Type> {
        match e {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) if !i.suffix().is_empty() => Some(syn::parse_str(i.suffix()).ok()?),
            Expr::Path(p) => self.lookup(p.path.get_ident()?)?.ty.clone(),
            Expr::Cast(c) => Some((*c.ty).clone()),
            Expr::Paren(p) => self.type_of(&p.expr),
            Expr::MethodCall(m) if m.method == "len" && m.args.is_empty() => {
                Some(syn::parse_quote!(usize))
            }
            Expr::Binary(b) => self.type_of(&b.left).or_else(|| self.type_of(&b.right)),
            _ => None,
        }
    }
}

struct ForIter {
    ty: Type,
    init: Expr,
    next: fn(&Ident) -> Expr,
    item: Type,
}

impl Jumps for Lowerer<'_> {
    fn jump(&mut self, req: JumpReq<'_>) -> Option<usize> {
        let want = req.label.map(|l: &Lifetime| l.ident.to_string());
        let ctx = self.loops.iter().rev().find(|c| match &want {
            Some(w) => c.label.as_deref() == Some(w),
            None => c.head.is_some(),
        })?;
        let target = if req.is_break {
            ctx.exit
        } else {
            Cont::Goto(ctx.head?, None)
        };
        self.out.jumps.push(Jump {
            target,
            value: req.value,
        });
        Some(self.out.jumps.len() - 1)
    }
}

/// Errors that `alt!`'s own checks place at the call site (an empty
/// `alt! {}`) belong on the `alt!` inside the process, not on the
/// `#[process]` attribute.
fn relocate(e: syn::Error, mac: &syn::Macro) -> syn::Error {
    let call_site = format!("{:?}", Span::call_site());
    let mut out: Option<syn::Error> = None;
    for one in e {
        let moved = if format!("{:?}", one.span()) == call_site {
            syn::Error::new_spanned(mac, one.to_string())
        } else {
            one
        };
        match &mut out {
            Some(all) => all.combine(moved),
            None => out = Some(moved),
        }
    }
    out.unwrap_or_else(|| syn::Error::new_spanned(mac, "invalid alt!"))
}

/// Most guarded arms of an `alt!` inside a process (`AltGuards` is
/// implemented for tuples up to this size).
const MAX_PROCESS_ALT: usize = 12;

/// Placeholder for "the output of arm `arm` of the alt at pause `pause`".
pub(crate) const ALT_TAKE: &str = "__csp_internal_alt_take";
/// Placeholder for "disable arm `arm` of the alt at pause `pause`".
pub(crate) const ALT_DISABLE: &str = "__csp_internal_alt_disable";

fn placeholder(name: &str, pause: usize, arm: usize) -> Expr {
    let name = Ident::new(name, Span::mixed_site());
    syn::parse_quote!(#name!(#pause, #arm))
}

/// The frame type of a called process: the function's path with its last
/// segment in UpperCamelCase (`pipes::filter` → `pipes::Filter`), spanned
/// at the call so a missing import is reported there.
pub(crate) fn frame_path(func: &syn::ExprPath) -> syn::Path {
    let mut path = func.path.clone();
    if let Some(last) = path.segments.last_mut() {
        last.ident = super::signature::upper_camel(&last.ident);
    }
    path
}

/// `let x: T = effect(f).await;` tells the effect's output type: write it
/// into the call as `effect::<T>(f)`.
fn annotate_effect(local: &mut syn::Local) {
    let Pat::Type(pt) = &local.pat else { return };
    let ty = pt.ty.clone();
    let Some(init) = &mut local.init else { return };
    let Expr::Await(a) = &mut *init.expr else {
        return;
    };
    let Expr::Call(c) = &mut *a.base else { return };
    let Expr::Path(p) = &mut *c.func else { return };
    let Some(last) = p.path.segments.last_mut() else {
        return;
    };
    if last.ident == "effect" && last.arguments.is_none() {
        let mut args: syn::AngleBracketedGenericArguments = syn::parse_quote!(<#ty>);
        args.colon2_token = Some(Default::default());
        last.arguments = syn::PathArguments::AngleBracketed(args);
    }
}

/// Whether a statement always leaves its block (`return`, `break`,
/// `continue`, a `panic!`-like macro call).
fn diverges(s: &Stmt) -> bool {
    match s {
        Stmt::Expr(Expr::Return(_) | Expr::Break(_) | Expr::Continue(_), _) => true,
        Stmt::Macro(m) => m.mac.path.segments.last().is_some_and(|seg| {
            matches!(
                seg.ident.to_string().as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented"
            )
        }),
        _ => false,
    }
}

fn is_structured(e: &Expr) -> bool {
    match e {
        Expr::If(i) => {
            has_pause_block(&i.then_branch)
                || i.else_branch
                    .as_ref()
                    .is_some_and(|(_, e)| has_pause_expr(e))
        }
        Expr::Match(m) => m.arms.iter().any(|a| has_pause_expr(&a.body)),
        Expr::Macro(m) => super::pause::is_alt(&m.mac),
        Expr::Loop(_) | Expr::While(_) | Expr::ForLoop(_) | Expr::Block(_) | Expr::Unsafe(_) => {
            has_pause_expr(e)
        }
        _ => false,
    }
}

/// The names a pattern binds, with their mutability.
fn pat_idents(p: &Pat) -> Vec<(Ident, bool)> {
    use syn::visit::Visit;
    struct V(Vec<(Ident, bool)>);
    impl<'ast> Visit<'ast> for V {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push((p.ident.clone(), p.mutability.is_some()));
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut v = V(Vec::new());
    v.visit_pat(p);
    v.0.retain(|(id, _)| is_binding(id));
    v.0
}

/// A bare capitalised name in a pattern is a unit variant or constant
/// (`None`, `MAX`), not a binding (rustc's own heuristic).
pub(crate) fn is_binding(id: &Ident) -> bool {
    !key(id).starts_with(|c: char| c.is_uppercase())
}
