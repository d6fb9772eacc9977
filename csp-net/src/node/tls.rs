//! Optional TLS on node connections ([`NodeBuilder::tls`](super::NodeBuilder::tls)).
//!
//! The secret-based handshake already authenticates peers without the
//! secret crossing the wire; what it does not give is privacy or
//! integrity of the traffic after it. With TLS, every connection is first
//! a mutually authenticated TLS 1.2/1.3 session (rustls, ring provider):
//! each node presents a certificate signed by the cluster's CA and checks
//! the peer's against the same CA, and the secret handshake then runs
//! inside it, unchanged. A node with TLS accepts only TLS peers; a plain
//! peer fails at the TLS handshake and is refused like any peer that does
//! not authenticate.
//!
//! Nodes are reached by address, so the name checked in a node's
//! certificate is a cluster-wide one, not a host name: every node's
//! certificate carries it as a DNS subject alternative name
//! (`csp-node` unless [`Tls::server_name`] says otherwise).

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::rustls::crypto::ring::default_provider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio_rustls::{TlsAcceptor, TlsConnector, TlsStream};

/// The name checked in peers' certificates unless set otherwise.
pub const DEFAULT_SERVER_NAME: &str = "csp-node";

/// A node's TLS identity and the cluster CA it trusts. Cheap to clone.
#[derive(Clone)]
pub struct Tls {
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("server_name", &self.name)
            .finish()
    }
}

/// Why a TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM input held nothing usable, or could not be parsed.
    #[error("{what}: {why}")]
    Pem {
        /// Which input.
        what: &'static str,
        /// What was wrong.
        why: String,
    },
    /// Reading a file failed.
    #[error("reading {path}: {err}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        err: std::io::Error,
    },
    /// rustls refused the certificates, key or settings.
    #[error("tls: {0}")]
    Config(String),
}

impl Tls {
    /// From PEM text: this node's certificate chain (its own certificate
    /// first), its private key (PKCS#8, SEC1 or PKCS#1), and the cluster
    /// CA certificate(s) that peers' certificates must chain to.
    pub fn from_pem(cert_chain: &[u8], key: &[u8], ca: &[u8]) -> Result<Tls, TlsError> {
        let chain = certs("certificate chain", cert_chain)?;
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|e| TlsError::Pem {
            what: "private key",
            why: e.to_string(),
        })?;
        let mut roots = RootCertStore::empty();
        for c in certs("CA certificates", ca)? {
            roots.add(c).map_err(|e| TlsError::Config(e.to_string()))?;
        }
        let roots = Arc::new(roots);
        let provider = Arc::new(default_provider());
        let config = |e: tokio_rustls::rustls::Error| TlsError::Config(e.to_string());
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .build()
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(config)?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain.clone(), key.clone_key())
            .map_err(config)?;
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(config)?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(config)?;
        Ok(Tls {
            server: Arc::new(server),
            client: Arc::new(client),
            name: ServerName::try_from(DEFAULT_SERVER_NAME).expect("a valid DNS name"),
        })
    }

    /// [`Tls::from_pem`] with the three inputs read from files.
    pub fn from_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
        ca: impl AsRef<Path>,
    ) -> Result<Tls, TlsError> {
        let read = |p: &Path| {
            std::fs::read(p).map_err(|err| TlsError::Io {
                path: p.display().to_string(),
                err,
            })
        };
        Tls::from_pem(
            &read(cert_chain.as_ref())?,
            &read(key.as_ref())?,
            &read(ca.as_ref())?,
        )
    }

    /// [`Tls::from_files`] on `dir/node.pem`, `dir/node.key` and
    /// `dir/ca.pem` (what `csp-node --tls DIR` and `cspctl --tls DIR` read).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Tls, TlsError> {
        let d = dir.as_ref();
        Tls::from_files(d.join("node.pem"), d.join("node.key"), d.join("ca.pem"))
    }

    /// The name every node's certificate carries (as a DNS subject
    /// alternative name), checked when connecting to a peer.
    pub fn server_name(mut self, name: &str) -> Result<Tls, TlsError> {
        self.name = ServerName::try_from(name.to_string())
            .map_err(|e| TlsError::Config(format!("server name `{name}`: {e}")))?;
        Ok(self)
    }

    /// Runs the TLS handshake as the connecting side.
    pub(super) async fn connect(&self, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        let s = TlsConnector::from(self.client.clone())
            .connect(self.name.clone(), tcp)
            .await?;
        Ok(TlsStream::Client(s))
    }

    /// Runs the TLS handshake as the accepting side.
    pub(super) async fn accept(&self, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        let s = TlsAcceptor::from(self.server.clone()).accept(tcp).await?;
        Ok(TlsStream::Server(s))
    }
}

fn certs(what: &'static str, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certs: Vec<_> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| TlsError::Pem {
            what,
            why: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            what,
            why: "no certificate in the PEM input".into(),
        });
    }
    Ok(certs)
}
