//! A transport's view of a channel in tests: the `Port` that serializing
//! one of its ends hands to the codec (`reserve.rs`, `loom_reserve.rs`).

use std::sync::{Arc, Mutex};

use csp::migrate::link::{with_codec, EndCodec, EndKind, Port, RemoteRef};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A codec that records the port of every end serialized through it.
#[derive(Default)]
pub(crate) struct Grab(pub(crate) Mutex<Vec<Port>>);

impl EndCodec for Grab {
    fn export(&self, port: &Port, _end: EndKind) -> Result<RemoteRef, String> {
        self.0.lock().unwrap().push(port.clone());
        Ok(RemoteRef {
            home: 0,
            chan: 0,
            pin: None,
        })
    }

    fn import(
        &self,
        _r: &RemoteRef,
        _end: EndKind,
        _proxy: &mut dyn FnMut() -> Port,
    ) -> Result<Port, String> {
        Err("these tests never import".into())
    }
}

/// The transport's view of `tx`'s channel.
pub(crate) fn port_of<T: Serialize + DeserializeOwned + Send + 'static>(
    tx: &csp::Sender<T>,
) -> Port {
    let grab = Arc::new(Grab::default());
    let bytes = with_codec(grab.clone(), || rmp_serde::to_vec_named(tx))
        .expect("a sender serializes through the codec");
    drop(bytes);
    let port = grab.0.lock().unwrap().pop();
    port.expect("serializing a sender exports its port")
}
