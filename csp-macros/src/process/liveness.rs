//! Stage 4: which locals live across a pause point, and the checks on them.
//!
//! Classic backward liveness over the states, on names: a local is *live*
//! at a point if some path from there reads it before rebinding it. The
//! locals live at the start of a state and visible there are exactly what
//! the frame must carry into that state, so every transition stores them
//! and every state takes them back out. Each such local must have a
//! written type (the frame field needs one). The frame has one field per
//! name, so the bindings of such a name must never be in scope together
//! (no shadowing), must share one written type, and must not be hidden by
//! another binding of the name where code jumps to another state: then
//! storing `x` always means the `x` in scope.

use std::collections::{BTreeMap, BTreeSet};

use syn::visit::Visit;

use super::lower::{is_binding, Binding, Code, Cont, DeclId, Lowered};
use super::names::{expr_uses, key, pat_binds, stmt_kills, stmt_uses, Names};
use super::pause::{AltGuardKind, PauseKind};
use super::signature::Signature;
use crate::errors::{range, show, Errors};

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
        PauseKind::MigrateTo { peer } => n.extend(expr_uses(peer)),
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
    let all: BTreeSet<DeclId> = carried.iter().flatten().copied().collect();
    for &d in &all {
        check_type(&mut errs, l, d);
    }
    let names: BTreeSet<String> = all.iter().map(|&d| key(&l.decls[d].name)).collect();
    let rebound = bound_in_jumping_code(l);
    for n in &names {
        check_name(&mut errs, l, n, &all, &rebound);
    }
    // One field per name: the declarations of a name that lives across a
    // pause never overlap and all have one type (checked above), so they
    // share it.
    let mut fields: Vec<DeclId> = (0..sig.params.len()).collect();
    for &d in &all {
        let k = key(&l.decls[d].name);
        if !fields.iter().any(|&f| key(&l.decls[f].name) == k) {
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

/// A carried local needs a written, owned type.
fn check_type(errs: &mut Errors, l: &Lowered, d: DeclId) {
    let decl = &l.decls[d];
    let name = &decl.name;
    let Some(ty) = &decl.ty else {
        let mutable = if decl.mutable { "mut " } else { "" };
        let (how, fix) = match decl.how {
            Binding::Let | Binding::Param => (
                "",
                format!("write its type: `let {mutable}{name}: T = ..;`"),
            ),
            Binding::LetPattern => (
                " (bound by a pattern)",
                format!(
                    "rebind it with a type under a name of its own after the `let` \
                     (`let {name}2: T = {name};`), or for a tuple type the whole pattern \
                     (`let (a, b): (T, U) = ..;`)"
                ),
            ),
            Binding::Pattern => (
                " (bound by a pattern)",
                format!(
                    "rebind it with a type under a name of its own where it is bound \
                     (`let {name}2: T = {name};`) and use `{name}2` after the pause"
                ),
            ),
            // A generated local has no type only after an error about its
            // pause point.
            Binding::Hidden => return,
        };
        errs.push(
            name.span(),
            format!(
                "`{name}`{how} lives across a pause point, so the process frame stores it and \
                 needs its type"
            ),
            fix,
        );
        return;
    };
    if let Some(b) = super::signature::borrowed(ty) {
        let fix = match &b.owned {
            Some(t) => format!(
                "hold an owned `{t}` instead (clone what it borrows), or finish using the \
                 borrow before the pause"
            ),
            None => "hold a type that owns its data, or finish using the borrow before the pause"
                .to_string(),
        };
        errs.push_spanned(
            &b.tokens,
            format!(
                "`{name}` holds a borrow across a pause point, but a frame can only hold owned \
                 values (it may be moved, or frozen and resumed elsewhere)"
            ),
            fix,
        );
    }
}

/// The frame has one field per name, so the declarations of a name that
/// lives across a pause must be interchangeable: never in scope together
/// (no shadowing), one written type, and not hidden by another binding of
/// the name in code that jumps to another state.
fn check_name(
    errs: &mut Errors,
    l: &Lowered,
    n: &str,
    carried: &BTreeSet<DeclId>,
    rebound: &[proc_macro2::Ident],
) {
    if n.starts_with("__csp_") {
        return;
    }
    let decls: Vec<DeclId> = (0..l.decls.len())
        .filter(|&d| key(&l.decls[d].name) == n)
        .collect();
    let name = &l.decls[decls[0]].name;
    if let Some((outer, inner)) = decls
        .iter()
        .find_map(|&d| l.decls[d].shadows.map(|o| (o, d)))
    {
        let (a, b) = (&l.decls[outer].name, &l.decls[inner].name);
        errs.push_spanned(
            range(a.span(), b.span()),
            format!(
                "`{name}` lives across a pause point and is bound again while the first `{name}` \
                 is still in scope: the frame holds one `{name}`, so it cannot keep both"
            ),
            format!("give the second binding a name of its own (`{name}2`)"),
        );
        return;
    }
    let typed: Vec<(DeclId, String)> = decls
        .iter()
        .filter(|d| carried.contains(d))
        .filter_map(|&d| l.decls[d].ty.as_ref().map(|t| (d, show(t))))
        .collect();
    if let Some((first, t1)) = typed.first() {
        if let Some((other, t2)) = typed.iter().find(|(_, t)| t != t1) {
            let (a, b) = (&l.decls[*first].name, &l.decls[*other].name);
            errs.push_spanned(
                range(a.span(), b.span()),
                format!(
                    "`{name}` is bound twice with different types (`{t1}` and `{t2}`), and both \
                     live across a pause point: the frame holds one `{name}` of one type"
                ),
                "give one of them a name of its own, or write the same type for both",
            );
            return;
        }
    }
    if let Some(hidden) = rebound.iter().find(|i| key(i) == n) {
        errs.push(
            hidden.span(),
            format!(
                "this `{name}` hides the `{name}` that lives across a pause point, in code that \
                 jumps (`break`/`continue`) to where the frame holds `{name}`"
            ),
            format!("give this binding a name of its own (`{name}2`)"),
        );
    }
}

/// Names bound inside user code that contains a jump to another state
/// (which stores the carried locals by name, so a binding hiding one of
/// them there would store the wrong value). A statement's own `let` pattern
/// is bound after its value is computed, so it is not counted.
fn bound_in_jumping_code(l: &Lowered) -> Vec<proc_macro2::Ident> {
    struct B(Vec<proc_macro2::Ident>);
    impl<'ast> Visit<'ast> for B {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if is_binding(&p.ident) {
                self.0.push(p.ident.clone());
            }
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
        fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    fn walk(code: &[Code], b: &mut B) {
        for c in code {
            match c {
                Code::Stmt { stmt, jumps } if !jumps.is_empty() => match stmt {
                    syn::Stmt::Local(local) => {
                        if let Some(init) = &local.init {
                            b.visit_expr(&init.expr);
                            if let Some((_, els)) = &init.diverge {
                                b.visit_expr(els);
                            }
                        }
                    }
                    other => b.visit_stmt(other),
                },
                Code::Assign { expr, jumps, .. } | Code::Finish { expr, jumps }
                    if !jumps.is_empty() =>
                {
                    b.visit_expr(expr)
                }
                Code::If { then, els, .. } => {
                    walk(then, b);
                    walk(els, b);
                }
                Code::Match { arms, .. } => arms.iter().for_each(|a| walk(&a.body, b)),
                _ => {}
            }
        }
    }
    let mut b = B(Vec::new());
    for st in &l.states {
        walk(&st.code, &mut b);
    }
    b.0
}
