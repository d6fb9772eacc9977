// #[process] cannot read another macro's input, so it cannot see a `par!`
// or `alt!` there.

use csp::prelude::*;

#[process]
async fn printer(a: Receiver<u32>, b: Receiver<u32>) {
    println!("{:?}", par!(a.recv(), b.recv()));
    let v: Vec<u32> = vec![alt! {
        Ok(x) = a.recv() => x,
        default => 0,
    }];
}

fn main() {}
