//! Stage 1: the attribute and the function signature.
//!
//! A frame is a concrete struct that owns everything the process holds, so
//! the signature must give it owned, named, typed parameters. Everything
//! refused here is refused with the reason and the fix.

use proc_macro2::Span;
use quote::format_ident;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{FnArg, Ident, ItemFn, Pat, ReturnType, Token, Type, Visibility};

use crate::errors::{show, Errors};

/// `#[process(name = Frame, version = 2, upgrades_from = [1], upgrade = f)]`
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) name: Option<Ident>,
    pub(crate) version: Option<u32>,
    /// Older versions whose frozen frames this code accepts as they are.
    pub(crate) upgrades_from: Vec<u32>,
    /// The function that converts older frames of another layout.
    pub(crate) upgrade: Option<syn::Path>,
}

const ARGS_HELP: &str = "the arguments are `name = FrameName` (the frame type's name), \
     `version = N` (the code version, a `u32`), `upgrades_from = [M, ..]` (older versions \
     whose frozen frames this code accepts as they are) and `upgrade = function` (converts \
     older frames), e.g. `#[process(name = Worker, version = 2)]`";

const KEYS: [&str; 4] = ["name", "version", "upgrades_from", "upgrade"];

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut errs = Errors::default();
        let mut seen: Vec<(String, Span)> = Vec::new();
        let mut upgrades = None;
        let mut upgrade = None;
        while !input.is_empty() {
            let key: Ident = match input.call(Ident::parse_any) {
                Ok(k) => k,
                Err(_) => {
                    let tt: proc_macro2::TokenTree = input.parse()?;
                    errs.push(
                        tt.span(),
                        format!("expected a #[process] argument, found `{tt}`"),
                        ARGS_HELP,
                    );
                    skip_to_comma(input);
                    continue;
                }
            };
            let k = key.to_string();
            if !KEYS.contains(&k.as_str()) {
                let near = KEYS.into_iter().find(|w| edit_distance(w, &k) <= 2);
                let help = match near {
                    Some(w) => format!("did you mean `{w}`? {ARGS_HELP}"),
                    None => ARGS_HELP.to_string(),
                };
                errs.push(
                    key.span(),
                    format!("unknown #[process] argument `{k}`"),
                    help,
                );
                skip_to_comma(input);
                continue;
            }
            if seen.iter().any(|(s, _)| *s == k) {
                errs.push(
                    key.span(),
                    format!("`{k}` is given twice"),
                    format!("keep one `{k} = ..`"),
                );
            }
            seen.push((k.clone(), key.span()));
            if !input.peek(Token![=]) {
                let example = match k.as_str() {
                    "name" => "name = FrameName",
                    "version" => "version = 2",
                    "upgrade" => "upgrade = from_v1",
                    _ => "upgrades_from = [1]",
                };
                errs.push(
                    key.span(),
                    format!("`{k}` needs a value"),
                    format!("write `{example}`"),
                );
                skip_to_comma(input);
                continue;
            }
            let eq: Token![=] = input.parse()?;
            let mut value = value_tokens(input);
            // `name = A version = 2`: a missing comma.
            if let [_, proc_macro2::TokenTree::Ident(next), proc_macro2::TokenTree::Punct(p), ..] =
                value.as_slice()
            {
                if p.as_char() == '=' {
                    errs.push(
                        next.span(),
                        format!("expected `,` before `{next}`"),
                        "separate the arguments with commas: `#[process(name = Worker, version = 2)]`",
                    );
                    value.truncate(1);
                }
            }
            match k.as_str() {
                "name" => args.name = name_value(&mut errs, eq.span, &value),
                "version" => args.version = version_value(&mut errs, eq.span, &value),
                "upgrade" => upgrade = Some((key.span(), eq.span, value.clone())),
                _ => {
                    upgrades = Some((eq.span, value.clone()));
                }
            }
            // `value_tokens` stops at a `,` or at the end.
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        // Checked once the version is known, whatever the order.
        if let Some((eq, value)) = upgrades {
            let version = args.version.unwrap_or(1);
            args.upgrades_from = upgrades_value(&mut errs, eq, &value, version);
        }
        if let Some((key, eq, value)) = upgrade {
            args.upgrade = upgrade_value(&mut errs, key, eq, &value, args.version.unwrap_or(1));
        }
        errs.finish(args)
    }
}

/// `upgrades_from = [1, 2]`: older versions, as integer literals.
fn upgrades_value(
    errs: &mut Errors,
    eq: Span,
    value: &[proc_macro2::TokenTree],
    version: u32,
) -> Vec<u32> {
    use proc_macro2::{Delimiter, TokenTree as T};
    let help = "list the older versions in brackets: `upgrades_from = [1]`";
    let [T::Group(g)] = value else {
        let at = value.first().map_or(eq, |t| t.span());
        errs.push(at, "`upgrades_from` takes a list of versions", help);
        return Vec::new();
    };
    if g.delimiter() != Delimiter::Bracket {
        errs.push(g.span(), "`upgrades_from` takes a list of versions", help);
        return Vec::new();
    }
    let mut out = Vec::new();
    let items: Vec<T> = g.stream().into_iter().collect();
    for item in items.split(|t| matches!(t, T::Punct(p) if p.as_char() == ',')) {
        if item.is_empty() {
            continue;
        }
        let Some(v) = version_value(errs, g.span(), item) else {
            continue;
        };
        if v >= version {
            errs.push(
                item[0].span(),
                format!("version {v} is not older than this code's version {version}"),
                "an upgrade comes from an older version: raise `version` above every \
                 version in `upgrades_from`",
            );
            continue;
        }
        out.push(v);
    }
    out
}

/// `upgrade = path::to::function`, on a version above 1.
fn upgrade_value(
    errs: &mut Errors,
    key: Span,
    eq: Span,
    value: &[proc_macro2::TokenTree],
    version: u32,
) -> Option<syn::Path> {
    let tokens: proc_macro2::TokenStream = value.iter().cloned().collect();
    let Ok(path) = syn::parse2::<syn::Path>(tokens) else {
        let at = value.first().map_or(eq, |t| t.span());
        errs.push(
            at,
            "`upgrade` takes the path of a function",
            "name a `fn(&mut csp::migrate::Upgrade) -> Result<(), csp::migrate::UpgradeError>`: \
             `upgrade = from_v1`",
        );
        return None;
    };
    if version <= 1 {
        errs.push(
            key,
            "an upgrade needs older versions to convert",
            "give this code a newer version: `version = 2, upgrade = ..`",
        );
        return None;
    }
    Some(path)
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Skips to just past the next top-level `,` (error recovery).
fn skip_to_comma(input: ParseStream<'_>) {
    while !input.is_empty() {
        if input.peek(Token![,]) {
            let _ = input.parse::<Token![,]>();
            return;
        }
        let _ = input.parse::<proc_macro2::TokenTree>();
    }
}

/// The tokens of one argument's value: everything up to the next `,`.
fn value_tokens(input: ParseStream<'_>) -> Vec<proc_macro2::TokenTree> {
    let mut out = Vec::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        match input.parse::<proc_macro2::TokenTree>() {
            Ok(t) => out.push(t),
            Err(_) => break,
        }
    }
    out
}

/// `name = Frame`: one identifier, usable as a type name.
fn name_value(errs: &mut Errors, eq: Span, value: &[proc_macro2::TokenTree]) -> Option<Ident> {
    use proc_macro2::TokenTree as T;
    let help = "write the frame type's name as a bare identifier: `name = Worker`";
    match value {
        [] => {
            errs.push(eq, "`name =` needs a value", help);
            None
        }
        [T::Ident(id)] if syn::parse2::<Ident>(quote::quote!(#id)).is_ok() && id != "Self" => {
            Some(id.clone())
        }
        [T::Ident(id)] => {
            errs.push(
                id.span(),
                format!("`{id}` is a keyword and cannot name the frame type"),
                "choose another name: `name = Worker`",
            );
            None
        }
        [T::Literal(l)] => {
            let text = l.to_string();
            let inner = text
                .strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .filter(|t| syn::parse_str::<Ident>(t).is_ok());
            let help = match inner {
                Some(t) => format!("remove the quotes: `name = {t}`"),
                None => help.to_string(),
            };
            errs.push(
                l.span(),
                "the frame name must be an identifier, not a literal",
                help,
            );
            None
        }
        _ => {
            let ts: proc_macro2::TokenStream = value.iter().cloned().collect();
            errs.push_spanned(
                &ts,
                "the frame name must be a single identifier (the frame type is declared \
                 next to the function, so it cannot be a path or a generic type)",
                help,
            );
            None
        }
    }
}

/// `version = N`: an integer literal that fits in a `u32`.
fn version_value(errs: &mut Errors, eq: Span, value: &[proc_macro2::TokenTree]) -> Option<u32> {
    use proc_macro2::TokenTree as T;
    let help = "write a whole number from 0 to 4294967295 without quotes: `version = 2`";
    let lit = match value {
        [T::Literal(l)] => syn::Lit::new(l.clone()),
        [] => {
            errs.push(eq, "`version =` needs a value", help);
            return None;
        }
        _ => {
            let ts: proc_macro2::TokenStream = value.iter().cloned().collect();
            let neg = matches!(value.first(), Some(T::Punct(p)) if p.as_char() == '-');
            let msg = if neg {
                "a version cannot be negative"
            } else {
                "the version must be an integer literal"
            };
            errs.push_spanned(&ts, msg, help);
            return None;
        }
    };
    match &lit {
        syn::Lit::Int(i) if i.suffix().is_empty() || i.suffix() == "u32" => {
            match i.base10_parse::<u32>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errs.push(
                        i.span(),
                        format!("version {} does not fit in a `u32`", i.base10_digits()),
                        "versions count changes to a process's code: use a small number, \
                         one more than the previous version (`version = 2`)",
                    );
                    None
                }
            }
        }
        syn::Lit::Int(i) => {
            errs.push(
                i.span(),
                format!("a version is a `u32`, not a `{}`", i.suffix()),
                format!("remove the suffix: `version = {}`", i.base10_digits()),
            );
            None
        }
        syn::Lit::Str(s) if s.value().parse::<u32>().is_ok() => {
            errs.push(
                s.span(),
                "the version must be an integer literal, not a string",
                format!("remove the quotes: `version = {}`", s.value()),
            );
            None
        }
        other => {
            errs.push(other.span(), "the version must be an integer literal", help);
            None
        }
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
    /// Older versions whose frames this code accepts unchanged.
    pub(crate) upgrades_from: Vec<u32>,
    /// Converts older frames (`upgrade = f`).
    pub(crate) upgrade: Option<syn::Path>,
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
        let name = &sig.ident;
        if sig.asyncness.is_none() {
            errs.push(
                sig.fn_token.span(),
                "#[process] needs an `async fn`",
                format!("write `async fn {name}(..)`"),
            );
        }
        if let Some(c) = &sig.constness {
            errs.push(
                c.span(),
                "a process cannot be a `const fn`: it runs on a scheduler, never at compile time",
                "remove `const`",
            );
        }
        if let Some(u) = &sig.unsafety {
            errs.push(
                u.span(),
                "a process cannot be an `unsafe fn`",
                "remove `unsafe` from the signature and put `unsafe { .. }` blocks inside the body \
                 (between pause points)",
            );
        }
        if let Some(abi) = &sig.abi {
            errs.push_spanned(
                abi,
                "a process cannot have an `extern` ABI: it is started from Rust, as a frame",
                "remove the ABI",
            );
        }
        if let Some(v) = &sig.variadic {
            errs.push_spanned(
                v,
                "a process cannot be variadic: its frame has one field per parameter",
                "take the extra arguments as one owned parameter (`args: Vec<T>`)",
            );
        }
        generics(&mut errs, &sig.generics);
        let params = sig
            .inputs
            .iter()
            .filter_map(|a| param(&mut errs, a))
            .collect();
        let output = match &sig.output {
            ReturnType::Default => syn::parse_quote!(()),
            ReturnType::Type(_, ty) => {
                if let Type::ImplTrait(_) = **ty {
                    errs.push_spanned(
                        ty,
                        "a process cannot return `impl Trait`: the frame's `Output` must be a \
                         type it can name",
                        "name the concrete type (`std::ops::Range<u32>`), or return a boxed \
                         trait object (`Box<dyn Iterator<Item = u32> + Send>`)",
                    );
                }
                (**ty).clone()
            }
        };
        errs.finish(Signature {
            vis: func.vis.clone(),
            fn_name: sig.ident.clone(),
            frame: args.name.clone().unwrap_or_else(|| upper_camel(&sig.ident)),
            version: args.version.unwrap_or(1),
            upgrades_from: args.upgrades_from.clone(),
            upgrade: args.upgrade.clone(),
            params,
            output,
        })
    }
}

/// Refuses generic parameters (on the `<..>` list) and `where` clauses (on
/// the clause): a frame is one concrete, nameable type.
fn generics(errs: &mut Errors, g: &syn::Generics) {
    if !g.params.is_empty() {
        let (mut types, mut lifetimes) = (Vec::new(), Vec::new());
        for p in &g.params {
            match p {
                syn::GenericParam::Type(t) => types.push(format!("`{}`", t.ident)),
                syn::GenericParam::Const(c) => types.push(format!("`{}`", c.ident)),
                syn::GenericParam::Lifetime(l) => lifetimes.push(format!("`{}`", l.lifetime)),
            }
        }
        let mut fixes = Vec::new();
        if !types.is_empty() {
            fixes.push(format!(
                "replace {} with the concrete type or value it stands for (a `type` alias is \
                 fine: `type Item = u64;`)",
                types.join(", ")
            ));
        }
        if !lifetimes.is_empty() {
            fixes.push(format!(
                "remove {}: a frame owns what it holds, so its parameters are owned types",
                lifetimes.join(", ")
            ));
        }
        if g.where_clause.is_some() {
            fixes.push("remove the `where` clause with them".to_string());
        }
        errs.push_spanned(
            quote::quote!(#g),
            "a process cannot be generic: its frame is one concrete type, which the \
             runtime stores, freezes and names",
            fixes.join("; "),
        );
    } else if let Some(w) = &g.where_clause {
        errs.push_spanned(
            w,
            "a process cannot have a `where` clause: its frame is one concrete type, \
             so there is nothing to bound",
            "remove the `where` clause",
        );
    }
}

fn param(errs: &mut Errors, arg: &FnArg) -> Option<Param> {
    let pt = match arg {
        FnArg::Receiver(r) => {
            errs.push_spanned(
                r,
                "a process cannot take `self`: its frame is built from owned parameters, and a \
                 method's receiver has nowhere to live in it",
                "make it a free function and pass what it needs as parameters \
                 (`async fn run(worker: Worker, ..)`)",
            );
            return None;
        }
        FnArg::Typed(pt) => pt,
    };
    if let Some(b) = borrowed(&pt.ty) {
        let fix = match &b.owned {
            Some(t) => format!("take an owned `{t}` (the caller clones it if it keeps its own)"),
            None => "use a type that owns its data (no lifetime other than `'static`)".to_string(),
        };
        errs.push_spanned(
            &b.tokens,
            "a process parameter cannot be a borrow: the frame must own it to survive pauses \
             and moves",
            fix,
        );
    }
    match &*pt.pat {
        Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => Some(Param {
            name: pi.ident.clone(),
            ty: (*pt.ty).clone(),
            mutable: pi.mutability.is_some(),
        }),
        Pat::Ident(pi) if pi.by_ref.is_some() => {
            let n = &pi.ident;
            errs.push_spanned(
                &*pt.pat,
                "a process parameter cannot be bound by reference: the frame owns it",
                format!("remove `ref`: `{n}: {}`", show(&pt.ty)),
            );
            None
        }
        Pat::Wild(_) => {
            errs.push_spanned(
                &*pt.pat,
                "a process parameter needs a name: it becomes a field of the frame",
                "name it, with a leading underscore if it is unused: `_unused: T`",
            );
            None
        }
        other => {
            errs.push_spanned(
                other,
                "a process parameter must be a plain name: it becomes a field of the frame",
                format!(
                    "name it and destructure it in the body: `arg: {}`, then `let {} = arg;`",
                    show(&pt.ty),
                    show(other)
                ),
            );
            None
        }
    }
}

/// A borrow found in a type: where it is, and the owned type to use.
pub(crate) struct Borrow {
    pub(crate) tokens: proc_macro2::TokenStream,
    /// The owned counterpart (`String` for `&str`), if it is a reference.
    pub(crate) owned: Option<String>,
}

/// The first reference or lifetime inside `ty`, if any.
pub(crate) fn borrowed(ty: &Type) -> Option<Borrow> {
    use syn::visit::Visit;
    struct Find(Option<Borrow>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            if self.0.is_some() {
                return;
            }
            let owned = match &*r.elem {
                Type::Path(p) if p.path.is_ident("str") => "String".to_string(),
                Type::Slice(s) => format!("Vec<{}>", show(&s.elem)),
                other => show(other),
            };
            self.0 = Some(Borrow {
                tokens: quote::quote!(#r),
                owned: Some(owned),
            });
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            if l.ident != "static" && self.0.is_none() {
                self.0 = Some(Borrow {
                    tokens: quote::quote!(#l),
                    owned: None,
                });
            }
        }
    }
    let mut f = Find(None);
    f.visit_type(ty);
    f.0
}
