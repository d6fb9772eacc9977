//! Stage 5: the frame, as Rust.
//!
//! ```text
//! #[process] async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 { .. }
//! ```
//! becomes
//! ```text
//! pub struct RunningTotal {                  // the frame
//!     __csp_state: u32,                      // state to run next (u32::MAX: finished)
//!     __csp_op: __CspOpRunningTotal,         // the pending operation
//!     input: Option<Receiver<u64>>,          // parameters and carried locals
//!     output: Option<Sender<u64>>,
//!     total: Option<u64>,
//! }
//! pub enum __CspOpRunningTotal { None, P0(RecvPause<..>), P1(SendPause<..>) }
//! pub fn running_total(input, output) -> RunningTotal { /* state 0, params stored */ }
//! impl Process for RunningTotal {
//!     fn step(&mut self, cx) -> Poll<u64> {
//!         let mut imm0 = None;                            // a result that came at once
//!         let mut at = self.state;
//!         'step: loop { match at {
//!             2 => { let r0 = imm0.take() or poll P0 or return Pending;  // resume
//!                    let mut total = take(total); ..       // carried locals out
//!                    <state code>                         // ends in a transition:
//!             }                                           // store carried, at = next, continue 'step
//!         } }                                             // (a recv/send polls as it starts:
//!     }                                                   //  done -> imm0, waiting -> op P0, Pending)
//! }
//! impl Future for RunningTotal { /* poll = step */ }
//! ```
//! Generated names are `Span::mixed_site()`, so user code cannot see them.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::visit_mut::VisitMut;
use syn::{Expr, Ident, ItemFn};

use super::liveness::Frame;
use super::lower::{Code, Cont, Lowered};
use super::pause::{AltGuardKind, PauseKind};
use super::rewrite::{FINISH, JUMP};
use super::signature::Signature;

struct Ctx<'a> {
    sig: &'a Signature,
    l: &'a Lowered,
    f: &'a Frame,
    frame: Ident,
    op_enum: Ident,
    state: Ident,
    /// The state being run, as a local of `step`: a transition sets it and
    /// loops; the frame's field is written only when `step` returns. With the number read from the frame instead, commstime
    /// takes 1.3 % more instructions (callgrind).
    at: Ident,
    op: Ident,
    step: syn::Lifetime,
}

const DONE: u32 = u32::MAX;

pub(crate) fn expand(sig: &Signature, func: &ItemFn, l: &Lowered, f: &Frame) -> TokenStream {
    let m = Span::mixed_site();
    let cx = Ctx {
        sig,
        l,
        f,
        frame: Ident::new("__csp_frame", m),
        op_enum: format_ident!("__CspOp{}", sig.frame),
        state: Ident::new("__csp_state", m),
        at: Ident::new("__csp_at", m),
        op: Ident::new("__csp_op", m),
        step: syn::Lifetime::new("'__csp_step", m),
    };
    let types = cx.frame_types();
    let ctor = cx.constructor(func);
    let imp = cx.impls();
    quote!(#types #ctor #imp)
}

/// A stand-in for a process whose body was refused: its constructor, with
/// the same signature, and a frame type with the same name and `Output`
/// that implements what frames implement. Emitted only next to the errors
/// (so it never runs), it keeps callers, `spawn(..)` and other processes'
/// frames compiling, instead of adding "cannot find" errors to the refusal.
pub(crate) fn stub(sig: &Signature, func: &ItemFn) -> TokenStream {
    let (vis, frame, name, out) = (&sig.vis, &sig.frame, &sig.fn_name, &sig.output);
    let attrs = &func.attrs;
    let params = sig.params.iter().map(|p| {
        let (n, t) = (&p.name, &p.ty);
        quote!(#n: #t)
    });
    let frame_name = frame.to_string();
    let version = sig.version;
    let never = quote!(::core::unreachable!("csp: this process did not compile"));
    quote! {
        ::csp::__private::if_migration! {
            {
                #[allow(dead_code)]
                #[derive(::csp::__private::serde::Serialize, ::csp::__private::serde::Deserialize)]
                #[serde(crate = "::csp::__private::serde")]
                #vis struct #frame {}

                impl ::csp::__private::Migratable for #frame {
                    const FINGERPRINT: u64 = 0;
                }
            } else {
                #[allow(dead_code)]
                #vis struct #frame {}
            }
        }

        impl ::csp::__private::Process for #frame {
            type Output = #out;
            const NAME: &'static str = #frame_name;
            const VERSION: u32 = #version;
            fn step(&mut self, _: &mut ::csp::__private::Context<'_>) -> ::csp::__private::Poll<#out> {
                #never
            }
        }

        impl ::core::future::Future for #frame {
            type Output = #out;
            fn poll(self: ::core::pin::Pin<&mut Self>, _: &mut ::csp::__private::Context<'_>) -> ::csp::__private::Poll<#out> {
                #never
            }
        }

        #(#attrs)*
        #[allow(unused_variables)]
        #vis fn #name( #(#params),* ) -> #frame {
            #frame {}
        }
    }
}

impl Ctx<'_> {
    fn field_ty(&self, d: usize) -> TokenStream {
        let ty = self.l.decls[d]
            .ty
            .as_ref()
            .expect("checked: carried locals are typed");
        quote!(::core::option::Option<#ty>)
    }

    fn frame_types(&self) -> TokenStream {
        let (vis, frame, op_enum, state, op) = (
            &self.sig.vis,
            &self.sig.frame,
            &self.op_enum,
            &self.state,
            &self.op,
        );
        let names: Vec<_> = self
            .f
            .fields
            .iter()
            .map(|&d| &self.l.decls[d].name)
            .collect();
        let tys: Vec<_> = self.f.fields.iter().map(|&d| self.field_ty(d)).collect();
        let variants: Vec<_> = (0..self.l.pauses.len())
            .map(|i| format_ident!("P{}", i))
            .collect();
        let op_tys: Vec<_> = self.l.pause_types.iter().map(|t| &t.op).collect();
        let doc = format!(
            "Frame of the process [`{}`]: its parameters, the locals it keeps across pause \
             points, and where it is paused. Generated by `#[process]`.",
            self.sig.fn_name
        );
        // Every field is written `nil` (no value at this state) or `[v]`,
        // so a value that serde writes as nil (`None`, `()`) is still there
        // when the frame is read back (`csp::migrate::present`). A
        // `Vec<u8>` local's value is one MessagePack bin, not an array of
        // integers (1.5x the bytes, decoded one at a time): 16x faster for
        // a 1 MiB buffer (`benches/NET_RESULTS.md`).
        let bytes_attrs: Vec<TokenStream> = self
            .f
            .fields
            .iter()
            .map(|&d| match &self.l.decls[d].ty {
                Some(t) if is_byte_vec(t) => quote! {
                    #[serde(with = "::csp::__private::frame_bytes")]
                },
                _ => quote! {
                    #[serde(with = "::csp::__private::frame_field")]
                },
            })
            .collect();
        let items = |derive: TokenStream, attrs: &[TokenStream]| {
            quote! {
                #[doc = #doc]
                #[allow(dead_code)]
                #derive
                #vis struct #frame {
                    #state: u32,
                    #op: #op_enum,
                    #( #attrs #names: #tys, )*
                }

                #[doc(hidden)]
                #[allow(dead_code, non_camel_case_types, clippy::large_enum_variant)]
                #derive
                #vis enum #op_enum {
                    None,
                    #( #variants(#op_tys), )*
                }
            }
        };
        let none = vec![quote!(); names.len()];
        let plain = items(quote!(), &none);
        let serde = items(
            quote! {
                #[derive(::csp::__private::serde::Serialize, ::csp::__private::serde::Deserialize)]
                #[serde(crate = "::csp::__private::serde")]
            },
            &bytes_attrs,
        );
        let migratable = self.migratable();
        quote! {
            ::csp::__private::if_migration! {
                { #serde #migratable } else { #plain }
            }
        }
    }

    /// `Migratable` (settle, fingerprint) and registration, for the
    /// `migration` build.
    fn migratable(&self) -> TokenStream {
        let frame = &self.sig.frame;
        let base = self.fingerprint();
        let nested = self.l.pauses.iter().map(|p| nested_fingerprint(&p.kind));
        let fingerprint = quote! {
            ::csp::__private::mix_fingerprints(#base, &[#(#nested),*])
        };
        let upgrades = &self.sig.upgrades_from;
        let schema = self.schema();
        let upgrade = match &self.sig.upgrade {
            Some(f) => quote!(::core::option::Option::Some(#f)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            impl ::csp::__private::Migratable for #frame {
                const FINGERPRINT: u64 = #fingerprint;
                const UPGRADES_FROM: &'static [u32] = &[#(#upgrades),*];
                const SCHEMA: &'static ::csp::__private::Schema = &#schema;
                const UPGRADE: ::core::option::Option<::csp::__private::UpgradeFn> = #upgrade;

                #[allow(clippy::needless_borrow)]
                fn output_encoder() -> ::csp::__private::OutputEncoder<
                    <Self as ::csp::__private::Process>::Output,
                > {
                    #[allow(unused_imports)]
                    use ::csp::__private::{EncodeOutput as _, EncodeOutputFallback as _};
                    (&::csp::__private::OutWrap::<
                        <Self as ::csp::__private::Process>::Output,
                    >::new())
                        .encoder()
                }
            }

            ::csp::__private::inventory::submit! {
                ::csp::__private::ProcessType::of::<#frame>()
            }
        }
    }

    /// The frame's schema: fields (name, type as written), pause points
    /// (label, operation type, fingerprint of the frames nested there),
    /// resting states (state, pause point) and what each state keeps.
    //
    //   async fn f(input: Receiver<u64>) { let mut n: u64 = 0; input.recv().await .. }
    // becomes
    //   Schema { fields: &[("input", "Receiver<u64>"), ("n", "u64")],
    //            pauses: &[("input.recv", "RecvPause<<Receiver<u64>as ChanEnd>::Item>", 0)],
    //            rests: &[(3, 0)], keeps: &[(0, &[0]), (3, &[0, 1])] }
    fn schema(&self) -> TokenStream {
        let fields = self.f.fields.iter().map(|&d| {
            let decl = &self.l.decls[d];
            let name = super::names::key(&decl.name);
            let ty = decl.ty.as_ref().map(type_text).unwrap_or_default();
            quote!((#name, #ty))
        });
        let labels = super::pause::labels(self.l.pauses.iter().map(|p| &p.kind));
        let pauses = labels
            .iter()
            .zip(&self.l.pause_types)
            .zip(&self.l.pauses)
            .map(|((l, t), p)| {
                // Written without the generated paths: the text only has
                // to tell operations apart, and travels with every frame.
                let op = type_text(&t.op)
                    .replace("as::csp::__private::", "as ")
                    .replace("::csp::__private::", "");
                let nested = nested_fingerprint(&p.kind);
                quote!((#l, #op, #nested))
            });
        let rests = self.l.states.iter().enumerate().filter_map(|(s, st)| {
            let (s, p) = (s as u32, st.resumes? as u32);
            Some(quote!((#s, #p)))
        });
        let keeps = (0..self.l.states.len())
            .filter(|&s| s == 0 || self.l.states[s].resumes.is_some())
            .map(|s| {
                let idx = self.f.carried[s].iter().filter_map(|d| {
                    let i = self.f.fields.iter().position(|f| f == d)?;
                    Some(i as u32)
                });
                let s = s as u32;
                quote!((#s, &[#(#idx),*]))
            });
        quote! {
            ::csp::__private::Schema {
                fields: &[#(#fields),*],
                pauses: &[#(#pauses),*],
                rests: &[#(#rests),*],
                keeps: &[#(#keeps),*],
            }
        }
    }

    /// FNV-1a over the frame's layout as written: field names and types,
    /// and each pause point's operation type, in order. Types are hashed as
    /// [`type_text`] writes them, not as the compiler prints tokens (which
    /// breaks long types over lines), so the fingerprint of unchanged code
    /// does not change with the compiler.
    fn fingerprint(&self) -> u64 {
        let mut text = format!("{}|", self.sig.frame);
        for &d in &self.f.fields {
            let decl = &self.l.decls[d];
            let ty = decl.ty.as_ref().map(type_text).unwrap_or_default();
            text.push_str(&format!("{}:{};", super::names::key(&decl.name), ty));
        }
        for t in &self.l.pause_types {
            text.push_str(&format!("|{}", type_text(&t.op)));
        }
        text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    }

    fn constructor(&self, func: &ItemFn) -> TokenStream {
        let (vis, frame, op_enum, state, op) = (
            &self.sig.vis,
            &self.sig.frame,
            &self.op_enum,
            &self.state,
            &self.op,
        );
        let attrs = &func.attrs;
        let name = &self.sig.fn_name;
        let params = self.sig.params.iter().map(|p| {
            let (n, t) = (&p.name, &p.ty);
            quote!(#n: #t)
        });
        let inits = self.f.fields.iter().map(|&d| {
            let n = &self.l.decls[d].name;
            if d < self.sig.params.len() {
                quote!(#n: ::core::option::Option::Some(#n))
            } else {
                quote!(#n: ::core::option::Option::None)
            }
        });
        quote! {
            #(#attrs)*
            #vis fn #name( #(#params),* ) -> #frame {
                #frame {
                    #state: 0,
                    #op: #op_enum::None,
                    #( #inits, )*
                }
            }
        }
    }

    fn impls(&self) -> TokenStream {
        let (frame, state, fr, step) = (&self.sig.frame, &self.state, &self.frame, &self.step);
        let at = &self.at;
        let out = &self.sig.output;
        let cxi = Ident::new("__csp_cx", Span::mixed_site());
        let arms = (0..self.l.states.len()).map(|s| self.state_arm(s, &cxi));
        let name = frame.to_string();
        let version = self.sig.version;
        let items = &self.l.items;
        let (op_enum, opf) = (&self.op_enum, &self.op);
        let opf_state = &self.state;
        let valid_states = self.valid_states();
        let imms = (0..self.l.pauses.len())
            .filter(|&p| starts_polled(&self.l.pauses[p].kind))
            .map(|p| {
                let (imm, ty) = (imm_slot(p), &self.l.pause_types[p].result);
                quote!(let mut #imm: ::core::option::Option<#ty> = ::core::option::Option::None;)
            });
        let variants: Vec<_> = (0..self.l.pauses.len())
            .map(|i| format_ident!("P{}", i))
            .collect();
        let locations = self.l.pauses.iter().map(|p| location(p.at));
        quote! {
            impl ::csp::__private::Process for #frame {
                type Output = #out;
                const NAME: &'static str = #name;
                const VERSION: u32 = #version;
                const LAYOUT: u64 = ::csp::__private::if_migration! {
                    { <Self as ::csp::__private::Migratable>::FINGERPRINT } else { 0 }
                };

                fn settle(&mut self) {
                    match &mut self.#opf {
                        #op_enum::None => {}
                        #( #op_enum::#variants(o) => ::csp::__private::PauseOp::settle_op(o), )*
                    }
                }

                fn validate(&self) -> ::core::result::Result<(), &'static str> {
                    match self.#opf_state {
                        #(#valid_states)*
                        _ => ::core::result::Result::Err("frame is at a state where no frame can rest"),
                    }
                }

                fn freezable(&self) -> bool {
                    match &self.#opf {
                        #op_enum::None => true,
                        #( #op_enum::#variants(o) => ::csp::__private::PauseOp::freezable_op(o), )*
                    }
                }

                fn pause_point(&self) -> &'static str {
                    match &self.#opf {
                        #op_enum::None => "start",
                        #( #op_enum::#variants(o) => ::csp::__private::PauseOp::describe_op(o), )*
                    }
                }

                fn pause_location(&self) -> ::core::option::Option<(&'static str, u32)> {
                    match &self.#opf {
                        #op_enum::None => ::core::option::Option::None,
                        #( #op_enum::#variants(o) => ::csp::__private::PauseOp::locate_op(o).or(#locations), )*
                    }
                }

                #[allow(unused_mut, unused_variables, unreachable_code, path_statements, clippy::needless_return, clippy::never_loop, clippy::let_unit_value)]
                fn step(&mut self, #cxi: &mut ::csp::__private::Context<'_>) -> ::csp::__private::Poll<#out> {
                    #(#items)*
                    let #fr = self;
                    #(#imms)*
                    let mut #at: u32 = #fr.#state;
                    #step: loop {
                        match #at {
                            #(#arms)*
                            _ => ::csp::__private::stepped_after_completion(),
                        }
                    }
                }
            }

            impl ::core::future::Future for #frame {
                type Output = #out;

                fn poll(self: ::core::pin::Pin<&mut Self>, cx: &mut ::csp::__private::Context<'_>) -> ::csp::__private::Poll<#out> {
                    ::csp::__private::Process::step(::core::pin::Pin::into_inner(self), cx)
                }
            }

            // The frame is never structurally pinned: `step` takes `&mut self`.
            impl ::core::marker::Unpin for #frame {}
        }
    }

    /// `validate`'s arms: the states a frame can rest in (the start, and
    /// every pause point's resume state), each with the operation it must
    /// hold and the locals it must have.
    fn valid_states(&self) -> Vec<TokenStream> {
        let (op, op_enum) = (&self.op, &self.op_enum);
        (0..self.l.states.len())
            .filter_map(|s| {
                let st = &self.l.states[s];
                let op_ok = match st.resumes {
                    Some(p) => {
                        let v = format_ident!("P{}", p);
                        quote! {
                            match &self.#op {
                                #op_enum::#v(o) => ::csp::__private::PauseOp::validate_op(o)?,
                                _ => return ::core::result::Result::Err("frame's pending operation does not belong to its state"),
                            }
                        }
                    }
                    None if s == 0 => quote! {
                        if !::core::matches!(self.#op, #op_enum::None) {
                            return ::core::result::Result::Err("an unstarted frame holds a pending operation");
                        }
                    },
                    None => return None,
                };
                let locals = self.f.carried[s].iter().map(|&d| {
                    let n = &self.l.decls[d].name;
                    let missing = format!("frame is missing local `{}`, which its state needs", super::names::key(n));
                    quote! {
                        if self.#n.is_none() {
                            return ::core::result::Result::Err(#missing);
                        }
                    }
                });
                let s32 = s as u32;
                Some(quote! {
                    #s32 => {
                        #op_ok
                        #(#locals)*
                        ::core::result::Result::Ok(())
                    }
                })
            })
            .collect()
    }

    fn state_arm(&self, s: usize, cxi: &Ident) -> TokenStream {
        let st = &self.l.states[s];
        let s32 = s as u32;
        let resume = st.resumes.map(|p| self.resume(p, s, cxi));
        let take = self.f.carried[s].iter().map(|&d| {
            let decl = &self.l.decls[d];
            let (n, ty, fr) = (&decl.name, decl.ty.as_ref().expect("checked"), &self.frame);
            let mutability = decl.mutable.then(|| quote!(mut));
            quote! {
                let #mutability #n: #ty = ::core::option::Option::take(&mut #fr.#n)
                    .expect("csp: a carried local is missing from the frame");
            }
        });
        let uninit = self.assigned_before_read(s).into_iter().map(|d| {
            let decl = &self.l.decls[d];
            let (n, ty) = (&decl.name, &decl.ty);
            quote!(let mut #n: #ty;)
        });
        let code = self.seq(&st.code);
        quote! {
            #s32 => {
                #resume
                #(#take)*
                #(#uninit)*
                #code
            }
        }
    }

    /// Frame locals visible in state `s` that its code assigns (`x = ..;`)
    /// before reading: not carried in, so they must be declared here for the
    /// assignment (Rust's definite-initialisation check does the rest).
    fn assigned_before_read(&self, s: usize) -> Vec<usize> {
        fn walk(code: &[Code], out: &mut Vec<String>) {
            for c in code {
                match c {
                    Code::Stmt {
                        stmt: syn::Stmt::Expr(Expr::Assign(a), _),
                        ..
                    } => {
                        if let Expr::Path(p) = &*a.left {
                            if let Some(id) = p.path.get_ident() {
                                out.push(super::names::key(id));
                            }
                        }
                    }
                    Code::If { then, els, .. } => {
                        walk(then, out);
                        walk(els, out);
                    }
                    Code::Match { arms, .. } => arms.iter().for_each(|a| walk(&a.body, out)),
                    _ => {}
                }
            }
        }
        let mut names = Vec::new();
        walk(&self.l.states[s].code, &mut names);
        let st = &self.l.states[s];
        let mut out = Vec::new();
        for n in names {
            let d = st
                .scope
                .iter()
                .rev()
                .copied()
                .find(|&d| super::names::key(&self.l.decls[d].name) == n);
            if let Some(d) = d {
                // A frame local: a parameter or a carried local (whose
                // field it may share with other declarations of its name).
                let is_field =
                    d < self.sig.params.len() || self.f.carried.iter().any(|c| c.contains(&d));
                if is_field && !self.f.carried[s].contains(&d) && !out.contains(&d) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// Finishes pause `p`'s operation, or returns `Pending` with nothing moved.
    fn resume(&self, p: usize, s: usize, cxi: &Ident) -> TokenStream {
        let (fr, op, op_enum, state) = (&self.frame, &self.op, &self.op_enum, &self.state);
        let s32 = s as u32;
        let v = format_ident!("P{}", p);
        let result = &self.l.pauses[p].result;
        let o = Ident::new("__csp_pending", Span::mixed_site());
        // An alt keeps its operation until the arm's body takes the output
        // (a pattern mismatch waits on the same operation again).
        let clear = match self.l.pauses[p].kind {
            PauseKind::Alt { .. } => quote!(),
            _ => quote!(#fr.#op = #op_enum::None;),
        };
        let r = Ident::new("__csp_ready", Span::mixed_site());
        let polled = quote! {
            match &mut #fr.#op {
                #op_enum::#v(#o) => match ::csp::__private::PauseOp::poll_op(#o, #cxi) {
                    ::csp::__private::Poll::Ready(#r) => #r,
                    ::csp::__private::Poll::Pending => {
                        #fr.#state = #s32;
                        return ::csp::__private::Poll::Pending;
                    }
                },
                _ => ::core::unreachable!("csp: frame resumed at the wrong pause point"),
            }
        };
        if !starts_polled(&self.l.pauses[p].kind) {
            return quote! {
                let #result = #polled;
                #clear
            };
        }
        // Completed where it started (`pause`), or woken in the frame.
        let imm = imm_slot(p);
        quote! {
            let #result = match ::core::option::Option::take(&mut #imm) {
                ::core::option::Option::Some(#r) => #r,
                ::core::option::Option::None => {
                    let #r = #polled;
                    #clear
                    #r
                }
            };
        }
    }

    /// Stores what state `t` carries, and goes there.
    fn goto(&self, t: usize) -> TokenStream {
        let (at, step) = (&self.at, &self.step);
        let stores = self.stores(t);
        let t32 = t as u32;
        quote! {{
            #(#stores)*
            #at = #t32;
            continue #step;
        }}
    }

    /// Stores the locals state `t` carries into the frame.
    fn stores(&self, t: usize) -> Vec<TokenStream> {
        let fr = &self.frame;
        self.f.carried[t]
            .iter()
            .map(|&d| {
                let n = &self.l.decls[d].name;
                quote!(#fr.#n = ::core::option::Option::Some(#n);)
            })
            .collect()
    }

    /// Ends the process: like an `async fn` returning, everything it still
    /// holds (channel ends included) is dropped now, so peers see closes.
    fn finish(&self, e: TokenStream) -> TokenStream {
        let (fr, state, out, op, op_enum) = (
            &self.frame,
            &self.state,
            &self.sig.output,
            &self.op,
            &self.op_enum,
        );
        let v = Ident::new("__csp_out", Span::mixed_site());
        let clears = self.f.fields.iter().map(|&d| {
            let n = &self.l.decls[d].name;
            quote!(#fr.#n = ::core::option::Option::None;)
        });
        quote! {{
            let #v: #out = #e;
            #fr.#state = #DONE;
            #fr.#op = #op_enum::None;
            #(#clears)*
            return ::csp::__private::Poll::Ready(#v);
        }}
    }

    fn cont(&self, c: Cont, value: Option<&Expr>) -> TokenStream {
        match c {
            Cont::Goto(t, d) => {
                let bind = match (d, value) {
                    (Some(d), v) => {
                        let decl = &self.l.decls[d];
                        let (n, ty) = (&decl.name, &decl.ty);
                        let v = v.map(|v| quote!(#v)).unwrap_or_else(|| quote!(()));
                        quote!(let #n: #ty = #v;)
                    }
                    (None, Some(v)) => quote!(let _ = #v;),
                    (None, None) => quote!(),
                };
                let go = self.goto(t);
                quote!({ #bind #go })
            }
            Cont::Return => self.finish(value.map(|v| quote!(#v)).unwrap_or_else(|| quote!(()))),
        }
    }

    fn seq(&self, code: &[Code]) -> TokenStream {
        let parts = code.iter().map(|c| self.code(c));
        quote!(#(#parts)*)
    }

    fn code(&self, c: &Code) -> TokenStream {
        match c {
            Code::Stmt { stmt, .. } => {
                let mut stmt = stmt.clone();
                Placeholders(self).visit_stmt_mut(&mut stmt);
                quote!(#stmt)
            }
            Code::If { cond, then, els } => {
                let (then, els) = (self.seq(then), self.seq(els));
                let mut cond = cond.clone();
                Placeholders(self).visit_expr_mut(&mut cond);
                quote!(if #cond { #then } else { #els })
            }
            Code::Match { scrut, arms } => {
                let arms = arms.iter().map(|a| {
                    let pat = &a.pat;
                    let guard = a.guard.as_ref().map(|g| {
                        let mut g = g.clone();
                        Placeholders(self).visit_expr_mut(&mut g);
                        quote!(if #g)
                    });
                    let body = self.seq(&a.body);
                    quote!(#pat #guard => { #body })
                });
                let mut scrut = scrut.clone();
                Placeholders(self).visit_expr_mut(&mut scrut);
                quote!(match #scrut { #(#arms)* })
            }
            Code::Assign { decl, expr, .. } => {
                let d = &self.l.decls[*decl];
                let (n, ty) = (&d.name, &d.ty);
                let mutability = d.mutable.then(|| quote!(mut));
                let mut expr = expr.clone();
                Placeholders(self).visit_expr_mut(&mut expr);
                quote!(let #mutability #n: #ty = #expr;)
            }
            Code::Goto(t) => self.goto(*t),
            Code::Pause { pause, resume } => self.pause(*pause, *resume),
            Code::Finish { expr, .. } => {
                let mut expr = expr.clone();
                Placeholders(self).visit_expr_mut(&mut expr);
                self.finish(quote!(#expr))
            }
        }
    }

    fn pause(&self, p: usize, resume: usize) -> TokenStream {
        let (fr, op, op_enum) = (&self.frame, &self.op, &self.op_enum);
        let v = format_ident!("P{}", p);
        let kind = &self.l.pauses[p].kind;
        if !starts_polled(kind) {
            let start = self.start(kind, &self.l.pause_types[p].result);
            let go = self.goto(resume);
            return quote! {{
                #fr.#op = #op_enum::#v(#start);
                #go
            }};
        }
        // A receive or send polls once as it starts. Done, its result goes
        // to the resume state in a local of `step` and the operation never
        // enters the frame; waiting, it does, and the step ends there (its
        // waker is registered), so it is not polled twice under the lock:
        //
        //   rx.recv().await  =>  match RecvPause::start(&rx, cx) {
        //                            Done(r) => { imm3 = Some(r); <store carried>; at = 3; continue 'step }
        //                            Waiting(p) => { op = P0(p); <store carried>; state = 3; return Pending }
        //                        }
        // The stores are written in both arms, not once before the match:
        // holding the started operation across them costs 1 % more
        // instructions on commstime (callgrind).
        let start = self.first_poll(kind);
        let po = Ident::new("__csp_started", Span::mixed_site());
        let (fr_state, step, at) = (&self.state, &self.step, &self.at);
        let stores = self.stores(resume);
        let t32 = resume as u32;
        let imm = imm_slot(p);
        quote! {
            match #start {
                ::csp::__private::Started::Done(#po) => {
                    #imm = ::core::option::Option::Some(#po);
                    #(#stores)*
                    #at = #t32;
                    continue #step;
                }
                ::csp::__private::Started::Waiting(#po) => {
                    #fr.#op = #op_enum::#v(#po);
                    #(#stores)*
                    #fr.#fr_state = #t32;
                    return ::csp::__private::Poll::Pending;
                }
            }
        }
    }
}

/// A pause point's own `pause_location`: its line, read from its span, in
/// the file `file!()` names (expanded in the generated code, that is the
/// file the `#[process]` item is written in). `None` where the compiler
/// gives no line (rustc before 1.88 says 0), so `ps` shows nothing rather
/// than a wrong line.
fn location(at: Span) -> TokenStream {
    match u32::try_from(at.start().line) {
        Ok(0) | Err(_) => quote!(::core::option::Option::None),
        Ok(line) => {
            let line = proc_macro2::Literal::u32_unsuffixed(line);
            quote!(::core::option::Option::Some((::core::file!(), #line)))
        }
    }
}

/// Whether `ty` is written as `Vec<u8>` (or `std::vec::Vec<u8>`,
/// `alloc::vec::Vec<u8>`): such a frame field is serialized as bytes.
fn is_byte_vec(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    if p.qself.is_some() {
        return false;
    }
    let segs = super::names::segments(&p.path);
    let path_ok =
        segs == ["Vec"] || segs == ["std", "vec", "Vec"] || segs == ["alloc", "vec", "Vec"];
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    let arg_ok = args.args.len() == 1
        && matches!(&args.args[0], syn::GenericArgument::Type(syn::Type::Path(a))
            if a.qself.is_none() && a.path.is_ident("u8"));
    path_ok && arg_ok
}

/// The local of `step` that carries pause `p`'s result from where it
/// completed at once to its resume state.
fn imm_slot(p: usize) -> Ident {
    Ident::new(&format!("__csp_imm{p}"), Span::mixed_site())
}

/// Whether pause `p` starts polled ([`Ctx::first_poll`]).
fn starts_polled(kind: &PauseKind) -> bool {
    matches!(kind, PauseKind::Recv { .. } | PauseKind::Send { .. })
}

impl Ctx<'_> {
    /// The expression that starts a receive or send at its own pause point
    /// (not inside `par!` or `alt!`): polled once, giving a
    /// `Started::Done(result)` or a `Started::Waiting(op)` (see `pause`):
    ///
    /// ```text
    /// rx.recv().await   =>   RecvPause::start(&rx, __csp_cx)
    /// tx.send(v).await  =>   SendPause::start(&tx, v, __csp_cx)
    /// ```
    ///
    /// Operations inside `par!` branches or `alt!` guards start unpolled
    /// ([`Ctx::start`]): their combinator polls them.
    fn first_poll(&self, kind: &PauseKind) -> TokenStream {
        let cxi = Ident::new("__csp_cx", Span::mixed_site());
        match kind {
            PauseKind::Recv { chan } => {
                quote!(::csp::__private::RecvPause::start(&#chan, #cxi))
            }
            PauseKind::Send { chan, value } => {
                quote!(::csp::__private::SendPause::start(&#chan, #value, #cxi))
            }
            _ => unreachable!("only a receive or a send starts polled"),
        }
    }

    /// The expression that starts a pause point's operation. `result` is
    /// its result type (an effect names its output with it).
    fn start(&self, kind: &PauseKind, result: &syn::Type) -> TokenStream {
        match kind {
            PauseKind::Recv { chan } => quote!(::csp::__private::RecvPause::new(&#chan)),
            PauseKind::Send { chan, value } => {
                quote!(::csp::__private::SendPause::new(&#chan, #value))
            }
            PauseKind::Sleep { dur } => quote!(::csp::__private::SleepPause::new(#dur)),
            PauseKind::Yield => quote!(::csp::__private::YieldPause::new()),
            PauseKind::MigrateTo { peer } => quote!(::csp::__private::MigratePause::new(#peer)),
            PauseKind::Effect { fut, .. } => {
                quote!(::csp::__private::EffectPause::<#result>::new(#fut))
            }
            PauseKind::Call { func, args } => quote!(#func(#(#args),*)),
            PauseKind::Alt {
                guards,
                biased,
                has_default,
            } => {
                let gs = guards.iter().map(|g| {
                    let make = match &g.kind {
                        AltGuardKind::Recv { chan } => quote!(::csp::__private::RecvGuard::new(&#chan)),
                        AltGuardKind::Send { chan, value } => {
                            quote!(::csp::__private::SendGuard::new(&#chan, #value))
                        }
                        AltGuardKind::After { dur } => quote!(::csp::__private::AfterGuard::new(#dur)),
                    };
                    match &g.cond {
                        None => quote!(::core::option::Option::Some(#make)),
                        Some(c) => quote! {
                            if #c { ::core::option::Option::Some(#make) } else { ::core::option::Option::None }
                        },
                    }
                });
                quote!(::csp::__private::AltPause::new(( #(#gs,)* ), #biased, #has_default))
            }
            PauseKind::Par { branches } => {
                let par = format_ident!("Par{}", branches.len());
                let elems: Vec<syn::Type> = match result {
                    syn::Type::Tuple(t) => t.elems.iter().cloned().collect(),
                    _ => Vec::new(),
                };
                let starts = branches.iter().enumerate().map(|(i, b)| {
                    let r = elems
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| syn::parse_quote!(_));
                    self.start(b, &r)
                });
                quote!(::csp::__private::#par::new(#(#starts),*))
            }
        }
    }
}

/// Replaces the jump and finish placeholders left by `rewrite.rs`.
struct Placeholders<'a, 'b>(&'a Ctx<'b>);

impl VisitMut for Placeholders<'_, '_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        syn::visit_mut::visit_expr_mut(self, e);
        let Expr::Macro(m) = e else { return };
        let Some(name) = m.mac.path.get_ident().map(|i| i.to_string()) else {
            return;
        };
        if name == JUMP {
            let k: usize = syn::parse2::<syn::LitInt>(m.mac.tokens.clone())
                .and_then(|l| l.base10_parse())
                .expect("jump placeholder holds its index");
            let jump = &self.0.l.jumps[k];
            let mut value = jump.value.clone();
            if let Some(v) = &mut value {
                self.visit_expr_mut(v);
            }
            *e = Expr::Verbatim(self.0.cont(jump.target, value.as_ref()));
        } else if name == super::lower::ALT_TAKE || name == super::lower::ALT_DISABLE {
            let args = syn::parse::Parser::parse2(
                syn::punctuated::Punctuated::<syn::LitInt, syn::Token![,]>::parse_terminated,
                m.mac.tokens.clone(),
            )
            .expect("alt placeholder holds two indices");
            let ix: Vec<usize> = args
                .iter()
                .map(|l| l.base10_parse().expect("index"))
                .collect();
            let (fr, op, op_enum) = (&self.0.frame, &self.0.op, &self.0.op_enum);
            let v = format_ident!("P{}", ix[0]);
            let arm = syn::Index::from(ix[1]);
            let arm_no = ix[1];
            let o = Ident::new("__csp_alt", Span::mixed_site());
            *e = Expr::Verbatim(if name == super::lower::ALT_TAKE {
                quote! {
                    match &mut #fr.#op {
                        #op_enum::#v(#o) => ::core::option::Option::as_mut(&mut #o.guards.#arm)
                            .expect("csp: alt arm fired without its guard")
                            .take_output(),
                        _ => ::core::unreachable!("csp: alt output taken at the wrong pause point"),
                    }
                }
            } else {
                quote! {
                    if let #op_enum::#v(#o) = &mut #fr.#op {
                        #o.disable(#arm_no);
                    }
                }
            });
        } else if name == FINISH {
            let mut inner: Expr =
                syn::parse2(m.mac.tokens.clone()).expect("finish placeholder holds an expression");
            self.visit_expr_mut(&mut inner);
            *e = Expr::Verbatim(self.0.finish(quote!(#inner)));
        }
    }
}

/// A type as written, spaced only where two words meet (`Vec<(u8, String)>`
/// is `Vec<(u8,String)>`), so the text does not depend on how the compiler
/// prints tokens: a schema compares it across builds.
fn type_text(t: &syn::Type) -> String {
    let raw = quote!(#t).to_string();
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(raw.len());
    let mut gap = false;
    for c in raw.chars() {
        if c.is_whitespace() {
            gap = true;
            continue;
        }
        if gap && word(c) && out.ends_with(word) {
            out.push(' ');
        }
        gap = false;
        out.push(c);
    }
    out
}

/// The fingerprints of the frames a pause point nests (a call to another
/// process, or such calls in a `par!`), mixed into one `u64` expression
/// (`0` if none), so that a change to a callee's layout changes its
/// caller's fingerprint and schema too.
fn nested_fingerprint(kind: &super::pause::PauseKind) -> TokenStream {
    use super::pause::PauseKind;
    let frames: Vec<syn::Path> = match kind {
        PauseKind::Call { func, .. } => vec![super::lower::frame_path(func)],
        PauseKind::Par { branches } => branches
            .iter()
            .filter_map(|b| match b {
                PauseKind::Call { func, .. } => Some(super::lower::frame_path(func)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    if frames.is_empty() {
        return quote!(0u64);
    }
    quote! {
        ::csp::__private::mix_fingerprints(0, &[
            #(<#frames as ::csp::__private::Process>::LAYOUT),*
        ])
    }
}
