// A frame is one concrete type: no type, const or lifetime parameters.

#[csp::process]
async fn relay<T: Send + 'static>(rx: csp::Receiver<T>, tx: csp::Sender<T>) {
    while let Ok(v) = rx.recv().await {
        let _ = tx.send(v).await;
    }
}

#[csp::process]
async fn window<'a, const N: usize>(name: String) -> usize {
    name.len() + N
}

fn main() {}
