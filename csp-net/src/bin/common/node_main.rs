//! The body of `csp-node` and `csp-node-v2` (they differ only in the
//! process types they link).

use std::io::Read;

fn usage() -> ! {
    eprintln!(
        "usage: csp-node --secret S [--name N] [--listen ADDR] [--connect ADDR]... [--tls DIR]"
    );
    std::process::exit(2)
}

/// Parses the command line and runs the node until stdin closes.
pub(crate) fn run() {
    let (mut secret, mut name, mut listen, mut connect, mut tls) = (
        None,
        "node".to_string(),
        "127.0.0.1:0".to_string(),
        Vec::new(),
        None,
    );
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--secret" => secret = Some(val()),
            "--name" => name = val(),
            "--listen" => listen = val(),
            "--connect" => connect.push(val()),
            "--tls" => tls = Some(val()),
            _ => usage(),
        }
    }
    let Some(secret) = secret else { usage() };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut b = csp_net::Node::builder()
            .name(name)
            .secret(secret)
            .listen(listen);
        if let Some(dir) = tls {
            b = b.tls(csp_net::Tls::from_dir(&dir).unwrap_or_else(|e| {
                eprintln!("csp-node: --tls {dir}: {e}");
                std::process::exit(2)
            }));
        }
        let node = b.start().await.unwrap_or_else(|e| {
            eprintln!("csp-node: cannot start: {e}");
            std::process::exit(1)
        });
        for addr in &connect {
            if let Err(e) = node.connect(addr.as_str()).await {
                eprintln!("csp-node: cannot connect to {addr}: {e}");
                std::process::exit(1)
            }
        }
        println!("listening {} {}", node.addr(), node.id());
        // Until stdin closes (the parent went away) or Ctrl-C.
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 256];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        });
        tokio::select! {
            _ = stdin_closed => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        node.shutdown();
    });
}
