//! Stage 4: which locals live across a pause point, and the checks on them.
//!
//! Classic backward liveness over the states, on names: a local is *live*
//! at a point if some path from there reads it before rebinding it. The
//! locals live at the start of a state and visible there are exactly what
//! the frame must carry into that state, so every transition stores them
//! and every state takes them back out. Each such local must have a
//! written type (the frame field needs one) and must be the only binding
//! of its name in the process (so storing `x` always means the same `x`).

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;

use super::lower::{is_binding, Code, Cont, DeclId, Lowered};
use super::names::{expr_uses, key, pat_binds, stmt_kills, stmt_uses, Names};
use super::pause::{AltGuardKind, PauseKind};
use super::signature::Signature;
use crate::errors::Errors;

/// What the frame holds.
pub(crate) struct Frame {
    /// Per state: the locals taken out of the frame at its start (and
    /// stored by every transition into it), as declarations.
    pub(crate) carried: Vec<Vec<DeclId>>,
    /// Frame fields: parameters, then every carried local.
    pub(crate) fields: Vec<DeclId>,
}

struct Live<'a> {
    l: &'a Lowered,
    live_in: Vec<Names>,
}

impl Live<'_> {
    fn cont(&self, c: Cont) -> Names {
        match c {
            Cont::Goto(s, d) => {
                let mut n = self.live_in[s].clone();
                if let Some(d) = d {
                    n.remove(&key(&self.l.decls[d].name));
                }
                n
            }
            Cont::Return => Names::new(),
        }
    }

    fn jumps(&self, jumps: &[usize]) -> Names {
        let mut n = Names::new();
        for &j in jumps {
            let jump = &self.l.jumps[j];
            n.extend(self.cont(jump.target));
            if let Some(v) = &jump.value {
                n.extend(expr_uses(v));
            }
        }
        n
    }

    fn seq(&self, code: &[Code], after: Names) -> Names {
        code.iter()
            .rev()
            .fold(after, |after, c| self.code(c, after))
    }

    fn code(&self, c: &Code, after: Names) -> Names {
        match c {
            Code::Stmt { stmt, jumps } => {
                let kills = stmt_kills(stmt);
                let mut n: Names = after.difference(&kills).cloned().collect();
                n.extend(stmt_uses(stmt));
                n.extend(self.jumps(jumps));
                n
            }
            Code::If { cond, then, els } => {
                let mut n = expr_uses(cond);
                n.extend(self.seq(then, after.clone()));
                n.extend(self.seq(els, after));
                n
            }
            Code::Match { scrut, arms } => {
                let mut n = expr_uses(scrut);
                for a in arms {
                    let mut arm = self.seq(&a.body, after.clone());
                    if let Some(g) = &a.guard {
                        arm.extend(expr_uses(g));
                    }
                    for b in pat_binds(&a.pat) {
                        arm.remove(&b);
                    }
                    n.extend(arm);
                }
                n
            }
            Code::Assign { decl, expr, jumps } => {
                let mut n = after;
                n.remove(&key(&self.l.decls[*decl].name));
                n.extend(expr_uses(expr));
                n.extend(self.jumps(jumps));
                n
            }
            Code::Goto(s) => self.live_in[*s].clone(),
            Code::Pause { pause, resume } => {
                let mut n = self.live_in[*resume].clone();
                n.extend(pause_uses(&self.l.pauses[*pause].kind));
                n
            }
            Code::Finish { expr, jumps } => {
                let mut n = expr_uses(expr);
                n.extend(self.jumps(jumps));
                n
            }
        }
    }

    fn state(&self, s: usize) -> Names {
        let st = &self.l.states[s];
        let mut n = self.seq(&st.code, Names::new());
        if let Some(p) = st.resumes {
            let pause = &self.l.pauses[p];
            n.remove(&key(&pause.result));
            // The channel a pause waits on is in use until the pause ends
            // (an `async fn` borrows it across the `.await`): it must not be
            // dropped, possibly closing the channel, while the operation
            // is pending.
            n.extend(waited_channels(&pause.kind));
        }
        n
    }
}

/// The channels a pause waits on (all of a `par!`'s branches').
fn waited_channels(k: &PauseKind) -> Names {
    match k {
        PauseKind::Recv { chan } | PauseKind::Send { chan, .. } => [key(chan)].into(),
        PauseKind::Par { branches } => branches.iter().flat_map(waited_channels).collect(),
        PauseKind::Alt { guards, .. } => guards
            .iter()
            .filter_map(|g| match &g.kind {
                AltGuardKind::Recv { chan } | AltGuardKind::Send { chan, .. } => Some(key(chan)),
                AltGuardKind::After { .. } => None,
            })
            .collect(),
        _ => Names::new(),
    }
}

fn pause_uses(k: &PauseKind) -> Names {
    let mut n = Names::new();
    match k {
        PauseKind::Recv { chan } => {
            n.insert(key(chan));
        }
        PauseKind::Send { chan, value } => {
            n.insert(key(chan));
            n.extend(expr_uses(value));
        }
        PauseKind::Sleep { dur } => n.extend(expr_uses(dur)),
        PauseKind::Yield => {}
        PauseKind::Effect { fut, .. } => n.extend(expr_uses(fut)),
        PauseKind::Call { args, .. } => {
            for a in args {
                n.extend(expr_uses(a));
            }
        }
        PauseKind::Par { branches } => {
            for b in branches {
                n.extend(pause_uses(b));
            }
        }
        PauseKind::Alt { guards, .. } => {
            for g in guards {
                match &g.kind {
                    AltGuardKind::Recv { chan } => {
                        n.insert(key(chan));
                    }
                    AltGuardKind::Send { chan, value } => {
                        n.insert(key(chan));
                        n.extend(expr_uses(value));
                    }
                    AltGuardKind::After { dur } => n.extend(expr_uses(dur)),
                }
                if let Some(c) = &g.cond {
                    n.extend(expr_uses(c));
                }
            }
        }
    }
    n
}

/// Computes what each state carries, and checks every carried local.
pub(crate) fn analyse(sig: &Signature, body: &syn::Block, l: &Lowered) -> syn::Result<Frame> {
    let mut live = Live {
        l,
        live_in: vec![Names::new(); l.states.len()],
    };
    loop {
        let mut changed = false;
        for s in (0..l.states.len()).rev() {
            let n = live.state(s);
            if n != live.live_in[s] {
                live.live_in[s] = n;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let moved = moved_names(body);
    let carried: Vec<Vec<DeclId>> = (0..l.states.len())
        .map(|s| visible_live(l, s, &live.live_in[s], sig.params.len(), &moved))
        .collect();
    let mut errs = Errors::default();
    let mut fields: Vec<DeclId> = (0..sig.params.len()).collect();
    let all: BTreeSet<DeclId> = carried.iter().flatten().copied().collect();
    let bindings = count_bindings(body);
    for &d in &all {
        check_carried(&mut errs, l, d, &bindings, sig);
        if !fields.contains(&d) {
            fields.push(d);
        }
    }
    errs.finish(Frame { carried, fields })
}

/// The live names visible at the start of state `s`, as their innermost
/// declarations.
fn visible_live(l: &Lowered, s: usize, live: &Names, params: usize, moved: &Names) -> Vec<DeclId> {
    let mut by_name: BTreeMap<String, DeclId> = BTreeMap::new();
    for &d in &l.states[s].scope {
        by_name.insert(key(&l.decls[d].name), d);
    }
    by_name
        .iter()
        .filter(|(n, &d)| live.contains(*n) || is_kept(l, d, params, moved))
        .map(|(_, &d)| d)
        .collect()
}

/// Whether the frame keeps `d` while it is in scope even when nothing reads
/// it any more, as Rust keeps a value until the end of its scope:
/// typed locals named `_name` (the guard idiom), and parameters the body
/// never moves (see [`moved_names`]). Other locals are dropped at the first
/// pause point after their last use.
fn is_kept(l: &Lowered, d: DeclId, params: usize, moved: &Names) -> bool {
    let decl = &l.decls[d];
    let k = key(&decl.name);
    if d < params {
        return !moved.contains(&k);
    }
    decl.ty.is_some() && k.len() > 1 && k.starts_with('_') && !k.starts_with("__csp_")
}

/// Methods that take their receiver by reference on the types processes
/// hold (channel ends, collections, numbers): calling one does not move.
const BY_REF_METHODS: &[&str] = &[
    "send",
    "recv",
    "try_send",
    "try_recv",
    "close",
    "is_closed",
    "len",
    "is_empty",
    "capacity",
    "same_channel",
    "clone",
    "iter",
    "iter_mut",
    "get",
    "get_mut",
    "contains",
    "contains_key",
    "as_ref",
    "as_mut",
    "as_str",
    "push",
    "push_back",
    "push_front",
    "pop",
    "pop_back",
    "pop_front",
    "insert",
    "remove",
    "extend",
    "first",
    "last",
    "to_string",
    "to_owned",
    "to_vec",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "starts_with",
    "ends_with",
];

/// Names the body may move out of: mentioned anywhere other than behind
/// `&`, as the receiver of a by-reference method, as an index base, in a
/// comparison or inside a macro. Over-approximates (a parameter named here
/// is simply dropped after its last use instead of at the end).
fn moved_names(body: &syn::Block) -> Names {
    struct M(Names);
    fn is_name(e: &syn::Expr) -> bool {
        matches!(e, syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some())
    }
    impl<'ast> Visit<'ast> for M {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            use syn::{BinOp as B, Expr as E};
            match e {
                E::Path(p) if is_name(e) => {
                    if let Some(id) = p.path.get_ident() {
                        self.0.insert(key(id));
                    }
                }
                E::Reference(r) if is_name(&r.expr) => {}
                E::MethodCall(m)
                    if is_name(&m.receiver)
                        && BY_REF_METHODS.contains(&m.method.to_string().as_str()) =>
                {
                    m.args.iter().for_each(|a| self.visit_expr(a));
                }
                E::Index(i) if is_name(&i.expr) => self.visit_expr(&i.index),
                E::Binary(b)
                    if matches!(
                        b.op,
                        B::Eq(_) | B::Ne(_) | B::Lt(_) | B::Le(_) | B::Gt(_) | B::Ge(_)
                    ) =>
                {
                    for side in [&b.left, &b.right] {
                        if !is_name(side) {
                            self.visit_expr(side);
                        }
                    }
                }
                E::Macro(_) => {}
                // A closure or async block may capture by value.
                E::Closure(_) | E::Async(_) => self.0.extend(expr_uses(e)),
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut m = M(Names::new());
    m.visit_block(body);
    m.0
}

fn check_carried(
    errs: &mut Errors,
    l: &Lowered,
    d: DeclId,
    bindings: &BTreeMap<String, usize>,
    sig: &Signature,
) {
    let decl = &l.decls[d];
    let name = &decl.name;
    if decl.ty.is_none() {
        let fix = if decl.by_pattern {
            format!(
                "rebind it under a name of its own, with a type, where it is bound: \
                 `let {name}_: T = {name};` (a name that lives across a pause is bound only once)"
            )
        } else {
            format!("write its type: `let {name}: T = ...`")
        };
        errs.push(
            name.span(),
            format!("`{name}` lives across a pause point, so the process frame stores it and needs its type; {fix}"),
        );
    } else if let Some(span) = decl.ty.as_ref().and_then(super::signature::borrowed) {
        errs.push(
            span,
            format!("`{name}` holds a borrow across a pause point; a frame can only hold owned values (clone it, or end the borrow before the pause)"),
        );
    }
    let is_param = sig.params.iter().any(|p| key(&p.name) == key(name));
    let count = bindings.get(&key(name)).copied().unwrap_or(0) + usize::from(is_param);
    if count > 1 && !key(name).starts_with("__csp_") {
        errs.push(
            name.span(),
            format!("`{name}` lives across a pause point but the process binds that name more than once; give each binding its own name"),
        );
    }
}

/// How many times each name is bound by a pattern in the body (closures and
/// nested items excluded: they cannot jump between states).
fn count_bindings(body: &syn::Block) -> BTreeMap<String, usize> {
    struct C(BTreeMap<String, usize>);
    impl<'ast> Visit<'ast> for C {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if is_binding(&p.ident) {
                *self.0.entry(key(&p.ident)).or_default() += 1;
            }
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut c = C(BTreeMap::new());
    c.visit_block(body);
    c.0
}
