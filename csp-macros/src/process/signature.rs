//! Stage 1: the attribute and the function signature.
//!
//! A frame is a concrete struct that owns everything the process holds, so
//! the signature must give it owned, named, typed parameters. Everything
//! refused here is refused with the reason and the fix.

use proc_macro2::Span;
use quote::format_ident;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, LitInt, Pat, ReturnType, Token, Type, Visibility};

use crate::errors::Errors;

/// `#[process(name = Frame, version = 2)]`
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<Ident>,
    pub(crate) version: Option<LitInt>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "name" => args.name = Some(input.parse()?),
                "version" => {
                    let v: LitInt = input.parse()?;
                    v.base10_parse::<u32>()?;
                    args.version = Some(v);
                }
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        "unknown #[process] argument; expected `name = FrameName` or `version = N`",
                    ))
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// A parameter: becomes a frame field of the same name.
pub(crate) struct Param {
    pub(crate) name: Ident,
    pub(crate) ty: Type,
    pub(crate) mutable: bool,
}

/// The checked signature.
pub(crate) struct Signature {
    pub(crate) vis: Visibility,
    pub(crate) fn_name: Ident,
    pub(crate) frame: Ident,
    pub(crate) version: u32,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Type,
}

/// `running_total` → `RunningTotal`.
pub(crate) fn upper_camel(name: &Ident) -> Ident {
    let s = name.to_string();
    let s = s.strip_prefix("r#").unwrap_or(&s);
    let camel: String = s
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect();
    format_ident!("{}", camel, span = name.span())
}

impl Signature {
    pub(crate) fn check(args: &Args, func: &ItemFn) -> syn::Result<Signature> {
        let mut errs = Errors::default();
        let sig = &func.sig;
        if sig.asyncness.is_none() {
            errs.push(
                sig.fn_token.span(),
                "#[process] needs an `async fn`: write `async fn`",
            );
        }
        if let Some(c) = &sig.constness {
            errs.push(c.span(), "a process cannot be a `const fn`");
        }
        if let Some(u) = &sig.unsafety {
            errs.push(
                u.span(),
                "a process cannot be an `unsafe fn`; put `unsafe` blocks inside it",
            );
        }
        if let Some(abi) = &sig.abi {
            errs.push(abi.span(), "a process cannot have an `extern` ABI");
        }
        if let Some(v) = &sig.variadic {
            errs.push(v.span(), "a process cannot be variadic");
        }
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            errs.push(
                sig.generics.span(),
                "generic processes are not supported: a frame must be one concrete type; \
                 write the concrete types (or a type alias)",
            );
        }
        let params = sig
            .inputs
            .iter()
            .filter_map(|a| param(&mut errs, a))
            .collect();
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errs.push(ty.span(), "a process must name its return type; `impl Trait` cannot be stored in a frame");
                }
                (**ty).clone()
            }
        };
        let version = match &args.version {
            Some(v) => v.base10_parse()?,
            None => 1,
        };
        errs.finish(Signature {
            vis: func.vis.clone(),
            fn_name: sig.ident.clone(),
            frame: args.name.clone().unwrap_or_else(|| upper_camel(&sig.ident)),
            version,
            params,
            output,
        })
    }
}

fn param(errs: &mut Errors, arg: &FnArg) -> Option<Param> {
    let pt = match arg {
        FnArg::Receiver(r) => {
            errs.push(
                r.self_token.span(),
                "a process cannot take `self`: make it a free function and pass what it needs as parameters",
            );
            return None;
        }
        FnArg::Typed(pt) => pt,
    };
    if let Some(span) = borrowed(&pt.ty) {
        errs.push(
            span,
            "a process parameter cannot be a borrow: the frame must own it to survive pauses (and moves); pass an owned value",
        );
    }
    match &*pt.pat {
        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(Param {
            name: pi.ident.clone(),
            ty: (*pt.ty).clone(),
            mutable: pi.mutability.is_some(),
        }),
        other => {
            errs.push(
                other.span(),
                "a process parameter must be a plain name (`x: T` or `mut x: T`)",
            );
            None
        }
    }
}

/// The span of a reference or lifetime inside `ty`, if any.
pub(crate) fn borrowed(ty: &Type) -> Option<Span> {
    use syn::visit::Visit;
    struct Find(Option<Span>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            self.0.get_or_insert(r.and_token.span());
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            if l.ident != "static" {
                self.0.get_or_insert(l.span());
            }
        }
    }
    let mut f = Find(None);
    f.visit_type(ty);
    f.0
}
