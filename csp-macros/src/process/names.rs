//! Stage 2b: which local names a piece of code uses and which it (re)binds.
//!
//! Liveness (`liveness.rs`) works on names. A use is a one-segment path
//! (`x`, including `S { x }` shorthand), any identifier inside a macro call
//! (we cannot parse macro input, so every identifier counts), or an inline
//! format argument (`"{x}"`). Over-counting uses is safe: it can only keep
//! a value in the frame that was not needed.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;
use syn::{Expr, Pat, Stmt};

/// A set of local names.
pub(crate) type Names = BTreeSet<String>;

/// The canonical name of an identifier (`r#type` and `type` are one local).
pub(crate) fn key(id: &syn::Ident) -> String {
    let s = id.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// The identifiers of a path's segments, in order (`std::vec::Vec<u8>` is
/// `["std", "vec", "Vec"]`).
pub(crate) fn segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

#[derive(Default)]
struct Uses(Names);

impl<'ast> Visit<'ast> for Uses {
    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        if p.qself.is_none() {
            if let Some(id) = p.path.get_ident() {
                self.0.insert(key(id));
            }
        }
        syn::visit::visit_expr_path(self, p);
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        token_names(m.tokens.clone(), &mut self.0);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn token_names(ts: TokenStream, out: &mut Names) {
    for t in ts {
        match t {
            TokenTree::Ident(i) => {
                out.insert(key(&i));
            }
            TokenTree::Group(g) => token_names(g.stream(), out),
            TokenTree::Literal(l) => format_names(&l.to_string(), out),
            TokenTree::Punct(_) => {}
        }
    }
}

/// `{name}` and `{name:?}` in a string literal.
fn format_names(lit: &str, out: &mut Names) {
    if !lit.starts_with('"') && !lit.starts_with('r') {
        return;
    }
    let mut rest = lit;
    while let Some(i) = rest.find('{') {
        rest = &rest[i + 1..];
        if rest.starts_with('{') {
            rest = &rest[1..];
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
            out.insert(name);
        }
    }
}

/// Names `e` reads.
pub(crate) fn expr_uses(e: &Expr) -> Names {
    let mut u = Uses::default();
    u.visit_expr(e);
    u.0
}

/// Names `s` reads. The target of a plain `x = ...;` is written, not read.
pub(crate) fn stmt_uses(s: &Stmt) -> Names {
    if let Stmt::Expr(Expr::Assign(a), _) = s {
        if let Expr::Path(p) = &*a.left {
            if p.path.get_ident().is_some() {
                return expr_uses(&a.right);
            }
        }
    }
    let mut u = Uses::default();
    u.visit_stmt(s);
    u.0
}

/// Names a pattern binds.
pub(crate) fn pat_binds(p: &Pat) -> Names {
    struct Binds(Names);
    impl<'ast> Visit<'ast> for Binds {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if super::lower::is_binding(&p.ident) {
                self.0.insert(key(&p.ident));
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut b = Binds(Names::new());
    b.visit_pat(p);
    b.0
}

/// Names a statement certainly (re)binds before anything after it runs:
/// `let` bindings, and a plain `x = ...;` assignment.
pub(crate) fn stmt_kills(s: &Stmt) -> Names {
    match s {
        Stmt::Local(l) => pat_binds(&l.pat),
        Stmt::Expr(Expr::Assign(a), _) => match &*a.left {
            Expr::Path(p) => p
                .path
                .get_ident()
                .map(|i| [key(i)].into())
                .unwrap_or_default(),
            _ => Names::new(),
        },
        _ => Names::new(),
    }
}
