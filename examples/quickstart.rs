//! The README's quick start, kept compiling and running: `cargo run --example quickstart`.

use csp::prelude::*;

#[process]
async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}

fn main() {
    csp::run(async {
        let (tx_in, rx_in) = channel(); // rendezvous
        let (tx_out, rx_out) = buffered(16); // holds 16 values
        let p = spawn(running_total(rx_in, tx_out));

        tx_in.send(5).await.unwrap(); // completes when the process has it

        // alt!: first ready guard wins; exactly one arm fires.
        let total = alt! {
            Ok(t) = rx_out.recv() => t,
            after(Duration::from_secs(1)) => panic!("timed out"),
        };
        assert_eq!(total, 5);

        // par!: run both at once, get both results.
        let (sent, got) = par!(tx_in.send(2), rx_out.recv());
        assert_eq!((sent, got), (Ok(()), Ok(7)));

        drop(tx_in); // closing input ends the process
        assert_eq!(p.join().await.unwrap(), 7);
    });
}
