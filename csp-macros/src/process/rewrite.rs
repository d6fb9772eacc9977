//! Stage 3b: the user's straight-line code, with its exits made explicit.
//!
//! Code between pause points is copied as written, except for what leaves
//! it: `return e`, `e?`, and `break`/`continue` aimed at a loop that the
//! lowering turned into states. Those become placeholders
//! (`__csp_internal_finish!(e)`, `__csp_internal_jump!(k)`) that expansion
//! replaces with "store the live locals, set the state, go". Closures,
//! async blocks and nested items keep their own `return`/`?`/`break`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::visit_mut::VisitMut;
use syn::{Expr, Lifetime, Stmt};

/// Name of the jump placeholder macro.
pub(crate) const JUMP: &str = "__csp_internal_jump";
/// Name of the finish placeholder macro.
pub(crate) const FINISH: &str = "__csp_internal_finish";

/// What a `break`/`continue` to a lowered loop turns into.
pub(crate) struct JumpReq<'a> {
    pub(crate) label: Option<&'a Lifetime>,
    pub(crate) is_break: bool,
    pub(crate) value: Option<Expr>,
}

/// Resolves jumps to lowered loops; returns the jump-table index, or `None`
/// if no lowered loop matches (the jump is then left for rustc to judge).
pub(crate) trait Jumps {
    fn jump(&mut self, req: JumpReq<'_>) -> Option<usize>;
}

/// Rewrites the exits of `stmt` (see the module docs); returns the jump
/// indices it now contains.
pub(crate) fn rewrite_stmt(stmt: &mut Stmt, jumps: &mut dyn Jumps) -> Vec<usize> {
    let mut r = Rewriter {
        jumps,
        inner_loops: Vec::new(),
        used: Vec::new(),
    };
    r.visit_stmt_mut(stmt);
    r.used
}

/// The same for an expression.
pub(crate) fn rewrite_expr(e: &mut Expr, jumps: &mut dyn Jumps) -> Vec<usize> {
    let mut r = Rewriter {
        jumps,
        inner_loops: Vec::new(),
        used: Vec::new(),
    };
    r.visit_expr_mut(e);
    r.used
}

struct Rewriter<'j> {
    jumps: &'j mut dyn Jumps,
    /// Loops and labelled blocks inside the statement itself (kept as
    /// written): `Some(label)` or `None` for an unlabelled loop.
    inner_loops: Vec<(Option<String>, bool)>,
    used: Vec<usize>,
}

fn mac(name: &str, args: TokenStream) -> Expr {
    let name = syn::Ident::new(name, Span::mixed_site());
    syn::parse_quote!(#name!(#args))
}

impl Rewriter<'_> {
    /// Whether a jump with `label` targets a loop written inside the
    /// statement (then it stays as written).
    fn is_inner(&self, label: Option<&Lifetime>) -> bool {
        match label {
            None => self.inner_loops.iter().any(|(_, is_loop)| *is_loop),
            Some(l) => {
                let l = l.ident.to_string();
                self.inner_loops
                    .iter()
                    .any(|(x, _)| x.as_deref() == Some(&l))
            }
        }
    }

    fn within<F: FnOnce(&mut Self)>(&mut self, label: Option<&syn::Label>, is_loop: bool, f: F) {
        self.inner_loops
            .push((label.map(|l| l.name.ident.to_string()), is_loop));
        f(self);
        self.inner_loops.pop();
    }

    fn replace_jump(&mut self, e: &mut Expr) {
        let (label, is_break, value) = match e {
            Expr::Break(b) => (b.label.clone(), true, b.expr.take().map(|v| *v)),
            Expr::Continue(c) => (c.label.clone(), false, None),
            _ => return,
        };
        if self.is_inner(label.as_ref()) {
            if let (Expr::Break(b), Some(v)) = (&mut *e, value) {
                b.expr = Some(Box::new(v));
            }
            return;
        }
        let req = JumpReq {
            label: label.as_ref(),
            is_break,
            value: value.clone(),
        };
        match self.jumps.jump(req) {
            Some(k) => {
                self.used.push(k);
                *e = mac(JUMP, quote!(#k));
            }
            None => {
                if let (Expr::Break(b), Some(v)) = (&mut *e, value) {
                    b.expr = Some(Box::new(v));
                }
            }
        }
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        match e {
            Expr::Closure(_) | Expr::Async(_) => {}
            Expr::Return(r) => {
                if let Some(v) = &mut r.expr {
                    self.visit_expr_mut(v);
                }
                let v = r
                    .expr
                    .take()
                    .map(|v| quote!(#v))
                    .unwrap_or_else(|| quote!(()));
                *e = mac(FINISH, v);
            }
            Expr::Try(t) => {
                self.visit_expr_mut(&mut t.expr);
                let inner = &t.expr;
                let ok = syn::Ident::new("__csp_ok", Span::mixed_site());
                let residual = syn::Ident::new("__csp_residual", Span::mixed_site());
                let finish = mac(
                    FINISH,
                    quote!(::csp::__private::FromResidualOf::from_residual(#residual)),
                );
                *e = syn::parse_quote! {
                    match ::csp::__private::QuestionMark::branch(#inner) {
                        ::core::result::Result::Ok(#ok) => #ok,
                        ::core::result::Result::Err(#residual) => #finish,
                    }
                };
            }
            Expr::Break(b) => {
                if let Some(v) = &mut b.expr {
                    self.visit_expr_mut(v);
                }
                self.replace_jump(e);
            }
            Expr::Continue(_) => self.replace_jump(e),
            Expr::Loop(l) => {
                let label = l.label.clone();
                self.within(label.as_ref(), true, |s| s.visit_block_mut(&mut l.body));
            }
            Expr::While(w) => {
                self.visit_expr_mut(&mut w.cond);
                let label = w.label.clone();
                self.within(label.as_ref(), true, |s| s.visit_block_mut(&mut w.body));
            }
            Expr::ForLoop(f) => {
                self.visit_expr_mut(&mut f.expr);
                let label = f.label.clone();
                self.within(label.as_ref(), true, |s| s.visit_block_mut(&mut f.body));
            }
            Expr::Block(b) if b.label.is_some() => {
                let label = b.label.clone();
                self.within(label.as_ref(), false, |s| s.visit_block_mut(&mut b.block));
            }
            _ => syn::visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
