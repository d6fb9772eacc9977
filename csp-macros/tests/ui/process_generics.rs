// A frame is one concrete type: no type or lifetime parameters.

#[csp::process]
async fn relay<T: Send + 'static>(rx: csp::Receiver<T>, tx: csp::Sender<T>) {
    while let Ok(v) = rx.recv().await {
        let _ = tx.send(v).await;
    }
}

fn main() {}
