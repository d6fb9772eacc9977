//! `alt!` and `par!` work through their `csp::` paths without any import,
//! and with user names that look like the macros' own (hygiene).

fn main() {
    csp::run(async {
        let (tx, rx) = csp::buffered::<u32>(1);
        tx.try_send(1).unwrap();
        let __csp_core = 10;
        let arm = 20;
        let got = csp::alt! {
            Ok(v) = rx.recv() => v + __csp_core + arm,
        };
        assert_eq!(got, 31);
        let (__csp_f0, b) = csp::par!(async { 1 }, async { 2 });
        assert_eq!((__csp_f0, b), (1, 2));
    });
}
