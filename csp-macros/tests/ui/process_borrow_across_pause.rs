// A frame holds owned values only.

use csp::prelude::*;

#[process]
async fn borrower(words: Vec<String>, tx: Sender<usize>) -> usize {
    let first: &String = &words[0];
    let _ = tx.send(1).await;
    first.len()
}

fn main() {}
