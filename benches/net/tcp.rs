//! The baselines: raw tokio `TcpStream`s on 127.0.0.1 with `TCP_NODELAY`,
//! on the same runtime as the nodes.
//!
//! * Round trip: the client writes 16 bytes, an echo task on the other end
//!   reads exactly 16 and writes them back, the client reads 16. Unit: µs
//!   per round trip.
//! * Stream: the client announces a length, then writes it in 1 MiB
//!   `write_all`s; a sink task reads everything and answers one byte. The
//!   time runs until that byte is back. Unit: µs per MiB.

use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::harness::Contender;
use super::rig::{Rig, FLAVOR, TCP};

/// Bytes in one round-trip message.
const MSG: usize = 16;

/// Bytes per write of the stream baseline (one iteration).
pub(crate) const CHUNK: usize = 1 << 20;

/// The round-trip contender.
pub(crate) fn rtt(rig: &Rig) -> Contender<'_> {
    let client = rig.run(pair(echo));
    let run = rig.runner(client, |mut c, n| async move {
        let mut buf = [0u8; MSG];
        // One untimed round trip: the echo task is running.
        round_trip(&mut c, &mut buf).await;
        let start = Instant::now();
        for _ in 0..n {
            round_trip(&mut c, &mut buf).await;
        }
        (c, start.elapsed())
    });
    // 1000 units per iteration: ns per (n × 1000) is µs per round trip.
    Contender::calibrated((TCP, FLAVOR), 1000.0, run)
}

/// The stream-bandwidth contender.
pub(crate) fn stream(rig: &Rig) -> Contender<'_> {
    let client = rig.run(pair(drain));
    let chunk = vec![0x5au8; CHUNK];
    let run = rig.runner((client, chunk), |(mut c, chunk), n| async move {
        let start = Instant::now();
        let len = n * CHUNK as u64;
        c.write_all(&len.to_le_bytes()).await.expect("stream write");
        for _ in 0..n {
            c.write_all(&chunk).await.expect("stream write");
        }
        let mut ack = [0u8; 1];
        c.read_exact(&mut ack).await.expect("stream ack");
        ((c, chunk), start.elapsed())
    });
    // One iteration is one MiB; 1000 units turn ns into µs per MiB.
    Contender::calibrated((TCP, FLAVOR), 1000.0, run)
}

/// A connected pair on 127.0.0.1: `serve` runs on the accepted end, the
/// client end is returned.
async fn pair<F, Fut>(serve: F) -> TcpStream
where
    F: FnOnce(TcpStream) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    let client = client.expect("connect");
    let (server, _) = accepted.expect("accept");
    client.set_nodelay(true).expect("nodelay");
    server.set_nodelay(true).expect("nodelay");
    tokio::spawn(serve(server));
    client
}

/// Writes one message and reads the echo.
async fn round_trip(c: &mut TcpStream, buf: &mut [u8; MSG]) {
    c.write_all(buf).await.expect("rtt write");
    c.read_exact(buf).await.expect("rtt read");
}

/// Echoes 16-byte messages until the client goes.
async fn echo(mut s: TcpStream) {
    let mut buf = [0u8; MSG];
    while s.read_exact(&mut buf).await.is_ok() {
        if s.write_all(&buf).await.is_err() {
            return;
        }
    }
}

/// Reads a length, then that many bytes, then answers one byte; again
/// until the client goes.
async fn drain(mut s: TcpStream) {
    let mut buf = vec![0u8; CHUNK];
    let mut len = [0u8; 8];
    while s.read_exact(&mut len).await.is_ok() {
        let mut left = u64::from_le_bytes(len);
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            match s.read(&mut buf[..want]).await {
                Ok(0) | Err(_) => return,
                Ok(k) => left -= k as u64,
            }
        }
        if s.write_all(&[1]).await.is_err() {
            return;
        }
    }
}
