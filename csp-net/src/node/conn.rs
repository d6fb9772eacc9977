//! The socket driver: one TCP connection per peer (TLS over it if the node
//! has [`Tls`](super::Tls)), running the sans-IO handshake and frame
//! decoder from `wire`, and handing every message to the node.
//!
//! A connection has a reader task and a writer task. The writer drains the
//! peer's queue into one buffer and writes it in one call (batching: a
//! burst of small values costs one syscall), and sends a heartbeat when it
//! has been idle for [`Limits::heartbeat`](super::Limits). The reader
//! treats silence longer than [`Limits::peer_timeout`](super::Limits) as a
//! lost peer, so a peer that vanishes without closing its socket is noticed
//! within that bound. Anything malformed closes the connection with a
//! logged error; the peer is then lost like any other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;
use tracing::{debug, info, warn, Instrument};

use super::errors::NodeError;
use super::net::{Frame, Outbox, WRITE_BATCH};
use super::Inner;
use crate::proto::Msg;
use crate::wire::{
    decode_msg, decode_msg_owned, encode_msg, FrameDecoder, Handshake, HandshakeMsg, PeerInfo,
    Role, HANDSHAKE_MAX_FRAME,
};
use crate::NodeId;

const READ_CHUNK: usize = 64 * 1024;

/// Authenticates a fresh connection (TLS first, if the node has it, then
/// the secret handshake), all within the handshake timeout, and starts
/// its reader and writer. Returns the peer.
pub(super) async fn establish(
    inner: &Arc<Inner>,
    tcp: TcpStream,
    role: Role,
) -> Result<PeerInfo, NodeError> {
    let _ = tcp.set_nodelay(true);
    let limit = inner.limits.handshake_timeout;
    let setup = async {
        let Some(tls) = &inner.tls else {
            let mut s = tcp;
            let (peer, dec) = handshake(inner, &mut s, role).await?;
            let (rd, wr) = s.into_split();
            run(inner, rd, wr, peer.clone(), dec);
            return Ok(peer);
        };
        let mut s = match role {
            Role::Initiator => tls.connect(tcp).await.map_err(tls_error)?,
            Role::Acceptor => tls.accept(tcp).await.map_err(tls_error)?,
        };
        // In TLS 1.3 the client's certificate is judged after the client
        // has finished: a refusal arrives during the secret handshake.
        let (peer, dec) = handshake(inner, &mut s, role).await.map_err(|e| match e {
            NodeError::Io(io) if is_tls(&io) => tls_error(io),
            e => e,
        })?;
        let (rd, wr) = tokio::io::split(s);
        run(inner, rd, wr, peer.clone(), dec);
        Ok(peer)
    };
    match tokio::time::timeout(limit, setup).await {
        Ok(r) => r,
        Err(_) => Err(NodeError::HandshakeTimeout(limit)),
    }
}

/// Whether an I/O error is rustls's.
fn is_tls(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|i| i.is::<tokio_rustls::rustls::Error>())
}

/// A TLS failure, saying so when the peer is not speaking TLS at all.
fn tls_error(e: std::io::Error) -> NodeError {
    let m = e.to_string();
    if m.contains("InvalidContentType") {
        NodeError::Tls(format!("{m} (the peer does not use TLS)"))
    } else {
        NodeError::Tls(m)
    }
}

/// Runs the secret handshake: the peer is authenticated when this
/// returns. Bytes that followed the handshake stay in the decoder, whose
/// limit is raised to the node's frame limit.
async fn handshake<S: AsyncRead + AsyncWrite + Unpin>(
    inner: &Inner,
    stream: &mut S,
    role: Role,
) -> Result<(PeerInfo, FrameDecoder), NodeError> {
    let (mut hs, hello) = Handshake::new(role, &inner.secret, inner.id, &inner.name)?;
    write_one(stream, &hello).await?;
    let mut dec = FrameDecoder::new(HANDSHAKE_MAX_FRAME);
    let mut buf = vec![0u8; 4096];
    loop {
        while let Some(frame) = dec.next_frame()? {
            let msg: HandshakeMsg = decode_msg(&frame)?;
            match hs.on_msg(msg) {
                Ok(step) => {
                    if let Some(m) = step.send {
                        write_one(stream, &m).await?;
                    }
                    if let Some(peer) = step.done {
                        dec.set_max_frame(inner.limits.max_frame);
                        return Ok((peer, dec));
                    }
                }
                Err(fail) => {
                    if let Some(m) = fail.send {
                        // Best effort: the peer should learn why.
                        let _ = write_one(stream, &m).await;
                    }
                    return Err(fail.error.into());
                }
            }
        }
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(NodeError::Closed);
        }
        // A TLS record (alert or handshake, version 3.x) where the secret
        // handshake's first frame should be: the peer has TLS, we do not.
        if dec.buffered() == 0 && n >= 2 && matches!(buf[0], 0x15 | 0x16) && buf[1] == 0x03 {
            return Err(NodeError::Tls(
                "the peer uses TLS and this node does not: give it `tls` (`--tls DIR`)".into(),
            ));
        }
        dec.push(&buf[..n]);
    }
}

async fn write_one<S: AsyncWrite + Unpin>(
    stream: &mut S,
    m: &HandshakeMsg,
) -> Result<(), NodeError> {
    let mut out = Vec::new();
    encode_msg(m, &mut out)?;
    stream.write_all(&out).await?;
    stream.flush().await?;
    Ok(())
}

/// Starts the reader and writer of an authenticated connection.
fn run<R, W>(inner: &Arc<Inner>, rd: R, wr: W, peer: PeerInfo, dec: FrameDecoder)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let kill = Arc::new(Notify::new());
    let stall = Arc::new(AtomicBool::new(false));
    let (conn, outbox) =
        inner
            .net
            .add_peer(peer.node, peer.name.clone(), kill.clone(), stall.clone());
    let span = tracing::info_span!("conn", node = %inner.id, peer = %peer.node, name = %peer.name);
    info!(parent: &span, "connected");
    let limits = inner.limits.clone();
    let w =
        tokio::spawn(writer(wr, outbox, limits.heartbeat, stall.clone()).instrument(span.clone()));
    let me = Arc::downgrade(inner);
    let node = peer.node;
    let r = tokio::spawn(
        async move {
            let why = tokio::select! {
                r = reader(&me, node, rd, dec, limits.peer_timeout, stall) => r,
                _ = kill.notified() => Err("closed by this node".to_string()),
            };
            w.abort();
            match &why {
                Ok(()) => info!("peer closed the connection"),
                Err(e) => warn!("connection closed: {e}"),
            }
            if let Some(inner) = me.upgrade() {
                inner.peer_lost(node, conn);
            }
        }
        .instrument(span),
    );
    inner.track(r.abort_handle());
}

/// The next message the decoder holds: a large frame is decoded from its
/// own buffer, which a frozen process then stays in (no copy).
fn next_msg(dec: &mut FrameDecoder) -> Result<Option<Msg>, String> {
    let msg = if let Some((buf, at)) = dec.take_large_frame().map_err(|e| e.to_string())? {
        decode_msg_owned(buf, at)
    } else if let Some(frame) = dec.next_frame_ref().map_err(|e| e.to_string())? {
        decode_msg(frame)
    } else {
        return Ok(None);
    };
    msg.map(Some).map_err(|e| e.to_string())
}

async fn reader<R: AsyncRead + Unpin>(
    inner: &std::sync::Weak<Inner>,
    peer: NodeId,
    mut rd: R,
    mut dec: FrameDecoder,
    timeout: Duration,
    stall: Arc<AtomicBool>,
) -> Result<(), String> {
    loop {
        while let Some(msg) = next_msg(&mut dec)? {
            if stall.load(Ordering::Relaxed) {
                continue;
            }
            let Some(inner) = inner.upgrade() else {
                return Ok(());
            };
            inner
                .on_msg(peer, msg)
                .map_err(|e| format!("protocol violation: {e}"))?;
        }
        // Straight into the decoder's buffer (no copy from a chunk).
        let n = match tokio::time::timeout(timeout, rd.read_buf(dec.read_into(READ_CHUNK))).await {
            // A TLS peer that closes its socket without `close_notify` (a
            // node that shut down, a cut connection) has closed, as a
            // plain peer would have: its frames were all authenticated.
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Ok(r) => r.map_err(|e| e.to_string())?,
            Err(_) => return Err(format!("no frame from the peer for {timeout:?}")),
        };
        if n == 0 {
            return Ok(());
        }
        dec.filled();
    }
}

/// Writes queued frames, several small ones per call. A frame of a batch's
/// size or more is written from its own buffer rather than copied.
async fn writer<W: AsyncWrite + Unpin>(
    mut wr: W,
    mut outbox: Outbox,
    beat: Duration,
    stall: Arc<AtomicBool>,
) {
    let mut out = Vec::with_capacity(WRITE_BATCH);
    let mut beat_frame = Vec::new();
    if let Err(e) = encode_msg(&Msg::Sync { token: 0 }, &mut beat_frame) {
        warn!("cannot encode the heartbeat: {e}");
    }
    'conn: loop {
        let first = match tokio::time::timeout(beat, outbox.recv()).await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => Frame::whole(beat_frame.clone()),
        };
        out.clear();
        let mut next = Some(first);
        while let Some(f) = next.take() {
            if f.len() >= WRITE_BATCH {
                // What is batched goes first, then the large frame as is.
                if !(flush(&mut wr, &out, &stall).await
                    && flush(&mut wr, &f.head, &stall).await
                    && flush(&mut wr, &f.body, &stall).await
                    && flush(&mut wr, &f.tail, &stall).await)
                {
                    break 'conn;
                }
                out.clear();
            } else {
                for part in [&f.head, &f.body, &f.tail] {
                    out.extend_from_slice(part);
                }
            }
            if out.len() < WRITE_BATCH {
                next = outbox.try_recv();
            }
        }
        if !flush(&mut wr, &out, &stall).await {
            break;
        }
    }
    let _ = wr.shutdown().await;
}

/// Writes `bytes` (nothing while stalled by fault injection); false if
/// the socket failed.
async fn flush<W: AsyncWrite + Unpin>(wr: &mut W, bytes: &[u8], stall: &AtomicBool) -> bool {
    if bytes.is_empty() || stall.load(Ordering::Relaxed) {
        return true;
    }
    // TLS may keep the last records of a write buffered until a flush
    // (a no-op on plain TCP): without it the tail of a frame could wait
    // for the next heartbeat.
    match async {
        wr.write_all(bytes).await?;
        wr.flush().await
    }
    .await
    {
        Ok(()) => true,
        Err(e) => {
            debug!("write failed: {e}");
            false
        }
    }
}
